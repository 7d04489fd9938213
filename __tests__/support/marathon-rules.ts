/**
 * Marathon's validation, as a test oracle: its RAML-derived JSON schema (fixtures/marathon-schema.json,
 * from mesosphere/marathon's docs/docs/rest-api/public/api/v2/types) plus the rules its
 * AppValidation / PodsValidation add beyond the schema where pull credentials touch a definition.
 * A patched definition must pass these or Marathon would answer 422.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateSchema } from './json-schema.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => Array.isArray(v) && v.length > 0;

const SCHEMA = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../fixtures/marathon-schema.json'), 'utf8'),
) as Obj;

/** Schema violations of an app (`app.App`) or a pod (`pod.Pod`, a definition with `containers`). */
export function schemaViolations(def: unknown): string[] {
  const kind = isObj(def) && Array.isArray(def['containers']) ? 'pod.Pod' : 'app.App';
  return validateSchema(SCHEMA, { $ref: `#/definitions/${kind}` }, def);
}

/** The AppValidation rules beyond the schema that pull credentials can break. */
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
  // Only both non-empty is refused.
  if (nonEmpty(def['uris']) && nonEmpty(def['fetch']))
    problems.push('uris may not be set in conjunction with fetch');
  const container = def['container'];
  const networks = Array.isArray(def['networks']) ? def['networks'] : [];
  if (isObj(container)) {
    const type = container['type'] ?? 'DOCKER';
    const docker = container['docker'];
    if (isObj(docker)) {
      if (docker['pullConfig'] !== undefined) {
        if (type === 'DOCKER') problems.push('pullConfig is not supported with Docker containerizer');
        checkPullConfig(docker['pullConfig'], 'container.docker');
      }
      if (type === 'MESOS') {
        for (const field of ['network', 'parameters', 'portMappings']) {
          const v = docker[field];
          if (v !== undefined && !(Array.isArray(v) && v.length === 0))
            problems.push(`container.docker.${field} must be empty with the Mesos containerizer`);
        }
      }
      if (docker['network'] !== undefined && networks.length > 0)
        problems.push('must not specify both container.docker.network and networks');
    }
    if (networks.some((n) => isObj(n) && n['mode'] === 'host') && nonEmpty(container['portMappings']))
      problems.push('portMappings are not allowed with host-networking');
    if (networks.some((n) => isObj(n) && n['mode'] !== 'host') && nonEmpty(def['portDefinitions']))
      problems.push('portDefinitions are only allowed with host-networking');
  }
  return problems;
}
