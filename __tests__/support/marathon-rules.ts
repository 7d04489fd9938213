/**
 * Marathon's validation rules that pull credentials touch (reference §2, marathon@90619da), as a
 * test oracle: a patched definition must pass these or Marathon would answer 422.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function marathonViolations(def: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(def)) return ['not an object'];
  const secrets = isObj(def['secrets']) ? def['secrets'] : {};
  for (const [name, entry] of Object.entries(secrets)) {
    if (!isObj(entry) || typeof entry['source'] !== 'string')
      problems.push(`secrets.${name}.source must be a string`);
  }
  const checkPullConfig = (pullConfig: unknown, where: string) => {
    if (pullConfig === undefined) return;
    if (!isObj(pullConfig) || typeof pullConfig['secret'] !== 'string') {
      problems.push(`${where}.pullConfig.secret must be a string`);
    } else if (!(pullConfig['secret'] in secrets)) {
      problems.push(`${where}: pullConfig.secret must refer to an existing secret`);
    }
  };
  if (Array.isArray(def['containers'])) {
    def['containers'].forEach((c, i) => {
      const image = isObj(c) ? c['image'] : undefined;
      if (isObj(image) && image['pullConfig'] !== undefined) {
        if ((image['kind'] ?? 'DOCKER') !== 'DOCKER')
          problems.push(`containers[${i}]: pullConfig needs kind DOCKER`);
        checkPullConfig(image['pullConfig'], `containers[${i}].image`);
      }
    });
    if ('fetch' in def || 'uris' in def) problems.push('pods take containers[].artifacts, not fetch/uris');
    return problems;
  }
  if ('uris' in def && 'fetch' in def) problems.push('cannot specify both uris and fetch fields');
  if ('uris' in def && !(Array.isArray(def['uris']) && def['uris'].every((u) => typeof u === 'string'))) {
    problems.push('uris must be an array of strings');
  }
  if ('fetch' in def) {
    const fetch = def['fetch'];
    if (!Array.isArray(fetch)) problems.push('fetch must be an array');
    else
      fetch.forEach((e, i) => {
        const uri = isObj(e) ? e['uri'] : undefined;
        if (typeof uri !== 'string' || uri.length < 1 || uri.length > 1024)
          problems.push(`fetch[${i}].uri must be 1-1024 chars`);
      });
  }
  const container = def['container'];
  if (isObj(container)) {
    const type = container['type'] ?? 'DOCKER';
    const docker = container['docker'];
    if (isObj(docker) && docker['pullConfig'] !== undefined) {
      if (type === 'DOCKER') problems.push('pullConfig is not supported with Docker containerizer');
      checkPullConfig(docker['pullConfig'], 'container.docker');
    }
  }
  return problems;
}
