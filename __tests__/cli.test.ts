/**
 * The built command (dist/cli.js) against the built action (dist/main.js): same inputs, same
 * documents, same verification against a real registry; bad inputs refused by both from one table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inputSpecs } from '../src/inputs/index.js';
import type { InputSpec } from '../src/inputs/spec.js';
import { errorLines, listFiles, ROOT, runAction } from './support/action.js';
import { badInputs, planBadInputs } from './support/bad-inputs.js';
import { cliInputs, envName, errorMessages, outputLines, runCli } from './support/cli.js';
import { everyTargetInputs, startOrchestratorFakes } from './support/every-target.js';
import type { FakeDcos } from './support/fake-dcos.js';
import { FakeKube } from './support/fake-kube.js';
import type { FakeRapyuta } from './support/fake-rapyuta.js';
import {
  createTestCA,
  pushImage,
  startRegistry,
  type TestCA,
  type TestRegistry,
} from './support/registry.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pc-cli-'));
const PASSWORD = 'alice-cli-secret-pw';

describe('bad inputs: exit 2 and one message, nothing written (the action table)', () => {
  it.each(badInputs)('%s', async (_name, inputs, message) => {
    const dir = tmp();
    const dest = path.join(dir, 'out/docker.tar.gz');
    const outputDir = path.join(dir, 'files');
    const withDest = Object.fromEntries(
      Object.entries(inputs['upload-to']?.startsWith('/') ? { ...inputs, 'upload-to': dest } : inputs).map(
        ([name, value]) => [name, value.replace('DIR', dir)],
      ),
    );
    const { args, env } = cliInputs(withDest);
    const run = await runCli([...args, '--output-dir', outputDir], { env });
    expect(run.code).toBe(2);
    const errors = errorMessages(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    expect(listFiles(dir)).toEqual([]);
  });
});

// The plan's table of bad core inputs, through the built action and the built command alike.
describe.each(planBadInputs)(
  'bad input, %s: the action and the command refuse it alike',
  (_name, inputs, input, message) => {
    const named = new RegExp(`^Input '${input.replace(/[[\]]/g, '\\$&')}': `);
    it('the action: exit 1, one ::error:: naming the input', async () => {
      const run = await runAction({ verify: 'off', ...inputs });
      expect(run.main.code).toBe(1);
      const errors = errorLines(run.main);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(named);
      expect(errors[0]).toMatch(message);
      expect(listFiles(run.runnerTemp)).toEqual([]);
    });
    it('the command: exit 2, one message naming the input', async () => {
      const dir = tmp();
      const { args, env } = cliInputs({ verify: 'off', ...inputs });
      const run = await runCli([...args, '--output-dir', path.join(dir, 'files')], { env });
      expect(run.code).toBe(2);
      const errors = errorMessages(run.stderr);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(named);
      expect(errors[0]).toMatch(message);
      expect(run.stdout).toBe('');
      expect(listFiles(dir)).toEqual([]);
    });
  },
);

describe('command-line mistakes: exit 2 and one message', () => {
  const keyFile = path.join(tmp(), 'kubeconfig');
  fs.writeFileSync(keyFile, 'apiVersion: v1\n');
  it.each<[string, string[], Record<string, string>, RegExp]>([
    [
      'a password as a flag',
      ['--username', 'ci', '--password', 'argv-secret-1'],
      {},
      /^Input 'password': is a secret .*set PULL_CREDENTIALS_PASSWORD, or pipe it to --password-stdin$/,
    ],
    [
      'a token as a flag',
      ['--dcos-token=argv-secret-1'],
      {},
      /^Input 'dcos-token': .*PULL_CREDENTIALS_DCOS_TOKEN/,
    ],
    [
      'registries YAML as a flag',
      ['--registries', '- registry: ghcr.io\n  username: a\n  password: argv-secret-1'],
      {},
      /^Input 'registries': is a secret .*PULL_CREDENTIALS_REGISTRIES/,
    ],
    [
      'upload headers as a flag',
      ['--upload-headers', 'Authorization: Bearer argv-secret-1'],
      {},
      /^Input 'upload-headers': is a secret/,
    ],
    [
      'a kubeconfig text as a flag',
      ['--kubeconfig', 'apiVersion: v1\nusers: [{name: argv-secret-1}]'],
      {},
      /^Input 'kubeconfig': is a secret .*PULL_CREDENTIALS_KUBECONFIG, or give a file path/,
    ],
    ['an unknown option', ['--registyr', 'ghcr.io'], {}, /^unknown option --registyr/],
    ['a flag without its value', ['--username'], {}, /^--username needs a value \(--username=VALUE/],
    [
      'a text input twice',
      ['--state', 'present', '--state=absent'],
      {},
      /^Input 'state': --state is given twice/,
    ],
    ['a positional argument', ['--username', 'ci', 'argv-secret-1'], {}, /^unexpected argument 3: /],
    [
      'the password from stdin and the environment',
      ['--username', 'ci', '--password-stdin'],
      { PULL_CREDENTIALS_PASSWORD: 'env-secret-1' },
      /^Input 'password': is given twice: by --password-stdin and by PULL_CREDENTIALS_PASSWORD/,
    ],
    // A kubeconfig path is no secret: accepted as a flag, and then refused for what it is.
    [
      'a kubeconfig file without namespaces',
      ['--kubeconfig', keyFile, '--username', 'ci'],
      { PULL_CREDENTIALS_PASSWORD: 'pw-1' },
      /^Input 'kubeconfig': needs kubernetes-namespaces/,
    ],
  ])('%s', async (_name, args, env, message) => {
    const run = await runCli(args, { env, stdin: 'stdin-secret-1\n' });
    expect(run.code).toBe(2);
    const errors = errorMessages(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.stdout).toBe('');
    expect(run.stdout + run.stderr).not.toMatch(/argv-secret-1|env-secret-1|stdin-secret-1/);
  });
});

describe('the same run as the action, against a real registry', () => {
  let ca: TestCA;
  let registry: TestRegistry;
  let image: string;
  beforeAll(async () => {
    ca = await createTestCA();
    registry = await startRegistry({ auth: 'htpasswd', tls: true, ca, users: { alice: PASSWORD } });
    await pushImage(registry, 'team/app:1.0');
    image = `${registry.host}/team/app:1.0`;
  });
  afterAll(async () => {
    await registry.stop();
  });

  const inputs = () => ({
    registry: registry.host,
    username: 'alice',
    password: PASSWORD,
    images: image,
    'ca-cert': ca.caFile,
    tarball: 'true',
  });
  const verdicts = (json: string) =>
    (JSON.parse(json) as Record<string, unknown>[]).map((v) => ({ ...v, ms: 0 }));

  it('writes the same config.json and archive bytes, and verifies the same', async () => {
    const action = await runAction(inputs(), { skipPost: true });
    expect(action.main.code, action.main.stdout).toBe(0);

    const outputDir = path.join(tmp(), 'files');
    const { args, env } = cliInputs(inputs());
    expect(args).not.toContain(PASSWORD);
    const cli = await runCli([...args, '--output-dir', outputDir], { env });
    expect(cli.code, cli.stderr).toBe(0);
    const outputs = outputLines(cli.stdout);

    expect(Object.keys(outputs).sort()).toEqual(Object.keys(action.outputs).sort());
    expect(outputs['docker-config']).toBe(path.join(outputDir, 'docker/config.json'));
    expect(outputs['tarball']).toBe(path.join(outputDir, 'docker.tar.gz'));
    expect(fs.readFileSync(outputs['docker-config']!)).toEqual(
      fs.readFileSync(action.outputs['docker-config']!),
    );
    expect(fs.readFileSync(outputs['tarball']!)).toEqual(fs.readFileSync(action.outputs['tarball']!));
    expect(outputs['tarball-sha256']).toBe(action.outputs['tarball-sha256']);
    expect(outputs['verified']).toBe('true');
    expect(verdicts(outputs['verification']!)).toEqual(verdicts(action.outputs['verification']!));
    expect(fs.statSync(outputs['docker-config']!).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(outputs['docker-config']!)).mode & 0o777).toBe(0o700);

    // The report on stderr, the password nowhere.
    expect(cli.stderr).toContain(`${image}: ok`);
    expect(cli.stderr).toContain(`docker.tar.gz: ${outputs['tarball']!}`);
    expect(cli.stdout + cli.stderr).not.toContain(PASSWORD);
    expect(cli.stdout + cli.stderr).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString('base64'));
  });

  it('reads the password from --password-stdin, and prints one JSON object with --json', async () => {
    const rest: Record<string, string> = inputs();
    delete rest['password'];
    const { args, env } = cliInputs(rest);
    const first = await runCli([...args, '--json'], { env: { ...env, [envName('password')]: PASSWORD } });
    const piped = await runCli([...args, '--password-stdin', '--json'], { env, stdin: `${PASSWORD}\n` });
    expect(piped.code, piped.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as Record<string, string>;
    const b = JSON.parse(piped.stdout) as Record<string, string>;
    // --json: verified a boolean, the rest of these strings.
    expect(b['verified'] as unknown).toBe(true);
    expect(fs.readFileSync(b['docker-config']!, 'utf8')).toBe(fs.readFileSync(a['docker-config']!, 'utf8'));
    expect(b['tarball-sha256']).toBe(a['tarball-sha256']);
    // Without --output-dir, a new temporary directory, named on stderr, and left in place.
    expect(path.dirname(path.dirname(b['docker-config-dir']!))).toBe(os.tmpdir());
    expect(path.basename(path.dirname(b['docker-config-dir']!))).toMatch(/^pull-credentials-/);
    expect(piped.stderr).toContain(`Files go to ${path.dirname(b['docker-config-dir']!)}`);
    expect(piped.stdout + piped.stderr).not.toContain(PASSWORD);
  });

  it('a failed verification: exit 1, outputs still printed, nothing shipped, as the action fails', async () => {
    const dest = path.join(tmp(), 'docker.tar.gz');
    const wrong = { ...inputs(), password: 'wrong-cli-password', 'upload-to': dest };
    const action = await runAction(wrong);
    expect(action.main.code).toBe(1);
    const { args, env } = cliInputs(wrong);
    const cli = await runCli(args, { env });
    expect(cli.code).toBe(1);
    expect(outputLines(cli.stdout)['verified']).toBe('false');
    expect(verdicts(outputLines(cli.stdout)['verification']!)).toEqual(
      verdicts(action.outputs['verification']!),
    );
    expect(errorMessages(cli.stderr)).toEqual([
      expect.stringMatching(/^verification failed for .*nothing was shipped/),
    ]);
    expect(fs.existsSync(dest)).toBe(false);
    expect(cli.stdout + cli.stderr).not.toContain('wrong-cli-password');
  });
});

describe('the command line itself', () => {
  it('with no arguments at all: the missing credentials, and where to read about the inputs', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(errorMessages(run.stderr)).toEqual([
      expect.stringMatching(/^Input 'username': no credentials given/),
    ]);
    expect(run.stderr).toContain('Run pull-credentials --help for the inputs.');
  });

  it('export-docker-config prints the DOCKER_CONFIG line to use; stdout keeps the outputs', async () => {
    const run = await runCli(['--username', 'ci', '--verify', 'off', '--export-docker-config', 'true'], {
      env: { PULL_CREDENTIALS_PASSWORD: 'pw-1' },
    });
    expect(run.code, run.stderr).toBe(0);
    const dir = outputLines(run.stdout)['docker-config-dir']!;
    expect(run.stderr).toContain(`run: export DOCKER_CONFIG=${dir}`);
    expect(Object.keys(outputLines(run.stdout))).toEqual(
      expect.arrayContaining(['docker-config', 'docker-config-dir']),
    );
    expect(run.stdout).not.toContain('DOCKER_CONFIG');
  });

  it('a second run into the same --output-dir replaces the files', async () => {
    const outputDir = path.join(tmp(), 'files');
    const args = ['--username', 'ci', '--verify', 'off', '--tarball', 'true', '--output-dir', outputDir];
    const first = await runCli(args, { env: { PULL_CREDENTIALS_PASSWORD: 'pw-1' } });
    const second = await runCli(args, { env: { PULL_CREDENTIALS_PASSWORD: 'pw-2' } });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(outputLines(second.stdout)['tarball-sha256']).not.toBe(
      outputLines(first.stdout)['tarball-sha256'],
    );
    expect(fs.readFileSync(path.join(outputDir, 'docker/config.json'), 'utf8')).toContain(
      Buffer.from('ci:pw-2').toString('base64'),
    );
    expect(fs.statSync(outputDir).mode & 0o777).toBe(0o700);
  });

  it('list inputs from repeated flags, newline-separated values or the environment alike', async () => {
    const dir = tmp();
    const [a, b] = [path.join(dir, 'a.tgz'), path.join(dir, 'b.tgz')];
    const env = { PULL_CREDENTIALS_PASSWORD: 'pw-1' };
    const base = ['--username', 'ci', '--verify', 'off'];
    const runs = await Promise.all([
      runCli([...base, '--upload-to', a, `--upload-to=${b}`], { env }),
      runCli([...base, '--upload-to', `${a}\n${b}`], { env }),
      runCli(base, { env: { ...env, PULL_CREDENTIALS_UPLOAD_TO: `${a}\n# a comment\n${b}` } }),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(outputLines(run.stdout)['fetch-uris']!)).toEqual([`file://${a}`, `file://${b}`]);
    }
  });

  it('--help lists every input as a flag with its action.yml description and variable, and every output', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as Record<
      'inputs' | 'outputs',
      Record<string, { description: string }>
    >;
    const names = Object.keys(action.inputs);
    expect(names.length).toBe(inputSpecs.length);
    for (const spec of inputSpecs as readonly InputSpec[]) {
      const description = action.inputs[spec.name]!.description.trim();
      expect(run.stdout).toContain(`  --${spec.name} `);
      expect(run.stdout).toContain(`      ${description}`);
      expect(run.stdout).toContain(`env: ${envName(spec.name)}`);
    }
    for (const [name, spec] of Object.entries(action.outputs)) {
      expect(run.stdout).toContain(`  ${name}\n      ${spec.description.trim()}\n`);
    }
    expect(run.stdout).toMatch(/Exit status: 0 .* 1 .* 2 /);
  });
});

describe('secrets never reach stdout or stderr (--debug)', () => {
  const pw = 'Cli-Leak-Pa55word!';
  const pw2 = 'second-cli-token-0xBEEF';
  const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
  const secrets = [pw, `ci:${pw}`, basic('ci', pw), pw2, `bot:${pw2}`, basic('bot', pw2), '867530912345'];
  const base = {
    registry: 'registry.example.com:5000',
    username: 'ci',
    password: pw,
    registries: `- registry: ghcr.io\n  username: bot\n  password: ${pw2}\n`,
    verify: 'off',
  };
  const blocked = () => {
    const file = path.join(tmp(), 'not-a-dir');
    fs.writeFileSync(file, '');
    return path.join(file, 'docker.tar.gz');
  };
  it.each<[string, () => Record<string, string>, number]>([
    ['archive and file destination', () => ({ ...base, 'upload-to': path.join(tmp(), 'd.tgz') }), 0],
    ['dockercfg', () => ({ ...base, 'config-format': 'dockercfg', tarball: 'true' }), 0],
    ['export-docker-config', () => ({ ...base, 'export-docker-config': 'true' }), 0],
    ['bad input after the secrets', () => ({ ...base, 'upload-to': 'relative.tgz' }), 2],
    [
      'broken registries YAML',
      () => ({ ...base, registries: `- registry: ghcr.io\n  password: "${pw2}\n` }),
      2,
    ],
    ['password with a newline', () => ({ ...base, password: `${pw}\n` }), 2],
    [
      'numeric YAML password',
      () => ({ ...base, registries: '- registry: ghcr.io\n  username: bot\n  password: 867530912345\n' }),
      0,
    ],
    ['failing destination', () => ({ ...base, 'upload-to': blocked() }), 1],
  ])('%s', async (_name, inputs, code) => {
    const { args, env } = cliInputs(inputs());
    // name=value lines and --json (whose nested strings are redacted one by one).
    for (const format of [[], ['--json']]) {
      const run = await runCli([...args, ...format, '--debug', '--output-dir', path.join(tmp(), 'files')], {
        env,
      });
      expect(run.code, run.stderr).toBe(code);
      for (const secret of secrets) {
        expect(run.stdout + run.stderr, `leaked ${secret.slice(0, 4)}…`).not.toContain(secret);
      }
    }
  });
});

describe('--json: every target, the outputs the action sets as JSON text as nested values', () => {
  const password = 'json-Registry-Pw-5';
  const dcosPassword = 'json-Dcos-Pw-6';
  let registry: TestRegistry;
  let s3: TestS3;
  let dcos: FakeDcos;
  let rapyuta: FakeRapyuta;
  let kube: FakeKube;
  let dir: string;
  /** Per mode: the action's outputs (strings) and the command's --json object. */
  const runs = new Map<string, { action: Record<string, string>; cli: Record<string, unknown> }>();

  // Timings differ from run to run; everything else must not.
  const timeless = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === 'ms' ? undefined : v));

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: true, users: { deployer: password } });
    await pushImage(registry, 'team/app:3.0');
    const image = `${registry.host}/team/app:3.0`;
    s3 = await startS3(['json-bucket']);
    ({ dcos, rapyuta } = await startOrchestratorFakes(dcosPassword));
    kube = await FakeKube.start({ namespaces: ['apps'] });
    dir = tmp();
    fs.mkdirSync(path.join(dir, 'deploy'));
    const app = { id: '/app', container: { type: 'MESOS', docker: { image } }, cpus: 0.1, mem: 16 };
    fs.writeFileSync(path.join(dir, 'deploy/app.json'), `${JSON.stringify(app, null, 2)}\n`);
    const inputs = {
      registry: registry.host,
      username: 'deployer',
      password,
      email: 'deployer@example.com',
      images: image,
      'ca-cert': registry.ca!.caPem,
      'upload-to': `s3://json-bucket/ci/docker.tar.gz\n${path.join(dir, 'files/docker.tar.gz')}`,
      ...everyTargetInputs({ s3, dcos, rapyuta }, dcosPassword, 'app/pullConfig'),
      kubeconfig: kube.kubeconfig([{ name: 'preview' }]),
      'kubernetes-namespaces': 'apps',
    };
    const aws = { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY };
    // plan and audit write nothing, so the action and the command see the same places; the
    // action's apply in between gives audit something to find.
    for (const mode of ['plan', 'apply', 'audit']) {
      const action = await runAction({ ...inputs, mode }, { env: aws, workDir: dir, skipPost: true });
      expect(action.main.code, action.main.stdout).toBe(0);
      if (mode === 'apply') continue;
      const { args, env } = cliInputs({ ...inputs, mode });
      const cli = await runCli([...args, '--json', '--output-dir', path.join(tmp(), 'files')], {
        env: { ...env, ...aws },
        cwd: dir,
      });
      expect(cli.code, cli.stderr).toBe(0);
      runs.set(mode, { action: action.outputs, cli: JSON.parse(cli.stdout) as Record<string, unknown> });
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([registry.stop(), s3.stop(), dcos.stop(), rapyuta.stop(), kube.stop()]);
  });

  const targets: [string, 'array' | 'object'][] = [
    ['uploaded', 'array'],
    ['fetch-uris', 'array'],
    ['kubernetes', 'array'],
    ['dcos', 'object'],
    ['rapyuta', 'array'],
    ['marathon-definitions', 'array'],
  ];
  it.each<[string, string, 'array' | 'object']>([
    ...targets.map(([name, shape]) => ['plan', name, shape] as [string, string, 'array' | 'object']),
    ['plan', 'verification', 'array'],
    ...targets.map(([name, shape]) => ['audit', name, shape] as [string, string, 'array' | 'object']),
    ['audit', 'audit', 'array'],
  ])('%s: %s is a JSON %s equal to the action output decoded', (mode, name, shape) => {
    const { action, cli } = runs.get(mode)!;
    const value = cli[name];
    expect(Array.isArray(value) ? 'array' : typeof value).toBe(shape);
    expect(timeless(value)).toEqual(timeless(JSON.parse(action[name]!)));
  });

  it.each(['plan', 'audit'])('%s: the command prints the outputs the action sets', (mode) => {
    const { action, cli } = runs.get(mode)!;
    expect(Object.keys(cli).sort()).toEqual(Object.keys(action).sort());
  });

  it('plan: plain outputs stay strings, verified is a boolean', () => {
    const { action, cli } = runs.get('plan')!;
    for (const name of ['docker-config', 'docker-config-dir', 'tarball', 'tarball-sha256', 'expires-at']) {
      expect(typeof cli[name], name).toBe('string');
    }
    expect(cli['docker-config']).toMatch(/config\.json$/);
    expect(cli['tarball-sha256']).toBe(action['tarball-sha256']);
    expect(cli['verified']).toBe(true);
    expect(String(cli['verified'])).toBe(action['verified']);
  });

  it('plan: changes is a number, equal to the action output', () => {
    const { action, cli } = runs.get('plan')!;
    expect(typeof cli['changes']).toBe('number');
    expect(cli['changes']).toBeGreaterThan(0);
    expect(String(cli['changes'])).toBe(action['changes']);
  });
});
