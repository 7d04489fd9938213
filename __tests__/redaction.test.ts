/**
 * Servers that quote what they were sent: a Kubernetes admission webhook quoting the submitted pull
 * secret in `status.message`, a DC/OS secret store echoing the body, a rapyuta.io API echoing the
 * JSON. With eleven awkward passwords, through the built action (RUNNER_DEBUG=1), no form of any secret
 * may appear in stdout, stderr, the summary, outputs, state or env.
 *
 * A multi-line service-account JSON also travels as the DC/OS login key (a secret document) in
 * every run, beside the `_json_key` passwords in their one-line and multi-line forms.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './support/action.js';
import { FakeDcos, selfSignedCert } from './support/fake-dcos.js';
import { FakeKube } from './support/fake-kube.js';
import { FakeRapyuta } from './support/fake-rapyuta.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** JSON string-literal bodies as JSON encoders write them (computed here, not by src/secrets.ts). */
function escapes(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = (upper: boolean) =>
    plain.replace(/[\u0080-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });
  const go = plain.replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const forms = [plain, ascii(false), ascii(true), go];
  return [...forms, ...forms.map((f) => f.replaceAll('/', '\\/'))];
}

/** How a leaked value would look once printed: as is, as a workflow command escapes it, as HTML. */
function printed(value: string): string[] {
  const command = value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = command.replace(/:/g, '%3A').replace(/,/g, '%2C');
  const html = value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return [value, command, property, html];
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const GCP_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'ci-project',
  private_key_id: '0123456789abcdef0123456789abcdef01234567',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  client_email: 'puller@ci-project.iam.gserviceaccount.com',
});

/** [case, username, password] */
const CASES: [string, string, string][] = [
  ['quotes', 'ci-bot', 'pa"ss\'wo"rd-1'],
  ['backslashes', 'ci-bot', 'C:\\new\\table\\\\'],
  ['percent', 'ci-bot', '100%25-%0A-%s-pct'],
  ['double colons', 'ci-bot', '::a::b::c::'],
  ['unicode', 'ci-bot', 'pässwörd-ñ-ü-日本'],
  ['emoji', 'ci-bot', 'key🔑lock🔒pw'],
  ['4 KB', 'ci-bot', 'Aa0/+"\\é'.repeat(512)],
  ['spaces', 'ci-bot', '  two  spaced  words  '],
  ['JSON key (_json_key, one line)', '_json_key', GCP_KEY],
  ['JSON key (_json_key, multi-line)', '_json_key', JSON.stringify(JSON.parse(GCP_KEY), null, 2)],
  ['HTML', 'ci-bot', '<script>&amp;"\'</script>'],
];

const REGISTRY = 'registry.example.com:5000';
const WEBHOOK = 'no-plaintext.policy.example.com';

let kube: FakeKube;
let dcos: FakeDcos;
let rio: FakeRapyuta;
let serviceAccountJson = '';
const tls = selfSignedCert();

beforeAll(async () => {
  kube = await FakeKube.start({ namespaces: ['apps'] });
  // The policy quotes what careless webhooks quote: the password raw and as Python writes JSON,
  // the auth, its base64, and the decoded payload (all but its first character).
  kube.denyAdmission({
    webhook: WEBHOOK,
    resource: 'secrets',
    message: (_object, decoded) => {
      const doc = decoded['.dockerconfigjson'] ?? '';
      const entry = Object.values(
        (JSON.parse(doc) as { auths: Record<string, Record<string, string>> }).auths,
      )[0]!;
      const py = JSON.stringify(entry['password'])
        .slice(1, -1)
        .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      return `plaintext credentials: password=${entry['password']} py=${py} auth=${entry['auth']} auth64=${b64(entry['auth']!)} data=${doc.slice(1)}`;
    },
  });
  dcos = new FakeDcos();
  const key = dcos.addServiceAccount('ci-deployer');
  serviceAccountJson = JSON.stringify({ scheme: 'RS256', uid: 'ci-deployer', private_key: key }, null, 2);
  await dcos.start(tls);
  rio = new FakeRapyuta();
  await rio.start();
});
afterAll(async () => {
  await Promise.all([kube.stop(), dcos.stop(), rio.stop()]);
});
beforeEach(() => {
  dcos.reset();
  rio.reset();
  kube.resetLog();
});

/** Every form of every secret of the run, as printed. */
function secretForms(username: string, password: string): string[] {
  const pair = `${username}:${password}`;
  const auth = b64(pair);
  const configJson = `${JSON.stringify({ auths: { [REGISTRY]: { auth } } }, null, '\t')}\n`;
  const kubeDoc = JSON.stringify({ auths: { [REGISTRY]: { username, password, auth } } });
  const keyLines = JSON.parse(serviceAccountJson) as { private_key: string };
  const pemLines = keyLines.private_key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'));
  const values = [
    password,
    password.trim(),
    // Each line of a multi-line password (the runner masks values line by line).
    ...password
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length >= 8),
    ...escapes(password),
    JSON.stringify(JSON.stringify(password).slice(1, -1)).slice(1, -1),
    pair,
    ...escapes(pair),
    auth,
    auth.replace(/=+$/, ''),
    ...escapes(auth),
    configJson,
    ...escapes(configJson),
    b64(configJson),
    kubeDoc,
    b64(kubeDoc),
    serviceAccountJson,
    ...pemLines,
    rio.token,
    ...dcos.tokens.keys(),
  ];
  return [...new Set(values.flatMap(printed))];
}

const outputOf = (run: ActionRun, name: string): unknown => JSON.parse(run.outputs[name] ?? 'null');

describe('server error text never carries a secret out (RUNNER_DEBUG=1)', () => {
  it.each(CASES)('%s', async (_name, username, password) => {
    dcos.failNext(
      // 5xx: retried, so the echo passes through the retry path too; the end of the body is cut off
      // so the whole document does not match and the auth inside it must be caught on its own.
      { status: 500, method: 'PUT', echo: (body) => body.slice(0, -4) },
      3,
    );
    rio.fail({ status: 422, method: 'POST', echo: true });
    const run = await runAction(
      {
        registry: REGISTRY,
        username,
        password,
        email: 'ci@example.com',
        verify: 'off',
        kubeconfig: kube.kubeconfig([{ name: 'ctx' }]),
        'kubernetes-namespaces': 'apps',
        'dcos-url': dcos.url,
        'dcos-ca-cert': tls.cert,
        'dcos-private-key': serviceAccountJson,
        'dcos-secret-path': 'ci/pull',
        'dcos-secret-encoding': 'value',
        'rapyuta-token': rio.token,
        'rapyuta-organization': rio.organization,
        'rapyuta-project': rio.project,
        'rapyuta-api-url': rio.url,
        'rapyuta-secret-name': 'ci-pull',
      },
      { env: { RUNNER_DEBUG: '1' } },
    );

    // The servers really quoted the secret, and the action reported it with the secret removed.
    expect(run.main.code).not.toBe(0);
    const [k8s] = outputOf(run, 'kubernetes') as { action: string; message: string }[];
    expect(k8s!.action).toBe('failed');
    expect(k8s!.message).toContain(
      `admission webhook "${WEBHOOK}" denied the request: plaintext credentials`,
    );
    expect(k8s!.message).toMatch(/password=\*\*\* py=\*\*\* auth=\*\*\* auth64=\S+ data=/);
    const dcosOut = outputOf(run, 'dcos') as { action: string; message: string };
    expect(dcosOut.action).toBe('failed');
    expect(dcosOut.message).toMatch(/with 500 \(Injected fault: invalid request body: \{"value":".*\*\*\*/);
    expect(dcos.requests('PUT')).toHaveLength(3);
    const [rapyuta] = outputOf(run, 'rapyuta') as { action: string; message: string }[];
    expect(rapyuta!.action).toBe('failed');
    expect(rapyuta!.message).toContain('"password":"***"');
    expect(rio.log[0]!.text).toContain(JSON.stringify(password));

    for (const form of secretForms(username, password)) {
      expect(run.shown.includes(form), `leaked: ${form.slice(0, 50)}`).toBe(false);
    }
    // Each form was registered with the runner.
    const masks = run.main.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks.length).toBeGreaterThan(10);
  });
});
