/**
 * Real consumers of what we write: a real registry (htpasswd over TLS from a test CA), system tar
 * unpacking our archive into a fresh $HOME as the Mesos fetcher does, and skopeo pulling with
 * nothing but those files (no --creds).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from './support/action.js';
import { pushImage, skopeoInspect, startRegistry, type TestRegistry } from './support/registry.js';

let registry: TestRegistry;
let image: string;
let digest: string;
const PASSWORD = 'consumer-Secret-1';

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd', tls: true, users: { ci: PASSWORD } });
  ({ digest } = await pushImage(registry, 'team/app:1.0'));
  image = `${registry.host}/team/app:1.0`;
});
afterAll(async () => {
  await registry.stop();
});

function unpackIntoHome(archive: string): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-sandbox-'));
  execFileSync('tar', ['-xzf', archive, '-C', home]);
  return home;
}

describe('skopeo pulls with exactly what the action wrote', () => {
  it.each([
    ['config.json in .docker/', 'config.json'],
    ['~/.dockercfg (Registry 1.0 / Docker < 1.6)', 'dockercfg'],
  ])('%s', async (_name, format) => {
    const run = await runAction(
      {
        registry: `https://${registry.host}`,
        username: 'ci',
        password: PASSWORD,
        'config-format': format,
        tarball: 'true',
        verify: 'off',
      },
      { skipPost: true },
    );
    expect(run.main.code, run.main.stdout).toBe(0);
    const home = unpackIntoHome(run.outputs['tarball']!);
    const inspect = await skopeoInspect({ image, home, certDir: registry.ca!.certDir, raw: true });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(`sha256:${execFileSync('sha256sum', { input: inspect.stdout }).toString().split(' ')[0]}`).toBe(
      digest,
    );
    await run.runPost();
  });

  it('the docker-config output works as an auth file on its own', async () => {
    const run = await runAction(
      { registry: registry.host, username: 'ci', password: PASSWORD, verify: 'off' },
      { skipPost: true },
    );
    const inspect = await skopeoInspect({
      image,
      authFile: run.outputs['docker-config']!,
      certDir: registry.ca!.certDir,
    });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect((JSON.parse(inspect.stdout) as { Digest: string }).Digest).toBe(digest);
    await run.runPost();
  });

  it('an archive with a wrong password does not pull (the check can fail)', async () => {
    const run = await runAction(
      { registry: registry.host, username: 'ci', password: 'wrong-password', tarball: 'true', verify: 'off' },
      { skipPost: true },
    );
    const home = unpackIntoHome(run.outputs['tarball']!);
    const inspect = await skopeoInspect({ image, home, certDir: registry.ca!.certDir });
    expect(inspect.code).not.toBe(0);
    expect(inspect.stderr).toMatch(/unauthorized|authentication required/i);
    await run.runPost();
  });
});

describe('verification gates shipping', () => {
  const dest = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-gate-')), 'docker.tar.gz');
  const base = () => ({ registry: registry.host, username: 'ci', 'ca-cert': registry.ca!.caPem });

  it('verified images: shipped, outputs verification and verified=true', async () => {
    const file = dest();
    const run = await runAction({ ...base(), password: PASSWORD, images: image, 'upload-to': file });
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(fs.existsSync(file)).toBe(true);
    expect(run.outputs['verified']).toBe('true');
    const [verdict] = JSON.parse(run.outputs['verification']!) as { status: string; digest: string }[];
    expect(verdict).toMatchObject({ status: 'ok', digest });
  });

  it('verify: fail with a wrong password ships nothing and fails after reporting every image', async () => {
    const file = dest();
    const missing = `${registry.host}/team/app:nope`;
    const run = await runAction({
      ...base(),
      password: 'wrong-password',
      images: `${image}\n${missing}`,
      'upload-to': file,
    });
    expect(run.main.code).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
    expect(run.outputs['uploaded']).toBeUndefined();
    expect(run.outputs['verified']).toBe('false');
    const verdicts = JSON.parse(run.outputs['verification']!) as { image: string; status: string }[];
    expect(verdicts.map((v) => v.status)).toEqual(['unauthorized', 'unauthorized']);
    expect(run.summary).toContain('nothing was shipped');
    expect(run.main.stdout).toMatch(/::error title=.*unauthorized::.*check the password secret/);
    expect(run.shown).not.toContain('wrong-password');
  });

  it('verify: warn annotates the failure and ships anyway', async () => {
    const file = dest();
    const run = await runAction({
      ...base(),
      password: PASSWORD,
      images: `${registry.host}/team/app:nope`,
      verify: 'warn',
      'upload-to': file,
    });
    expect(run.main.code).toBe(0);
    expect(fs.existsSync(file)).toBe(true);
    expect(run.main.stdout).toMatch(/::warning title=.*not-found::/);
    expect(run.outputs['verified']).toBe('false');
  });

  it('no images: every registry login is still checked', async () => {
    const good = await runAction({ ...base(), password: PASSWORD });
    expect(good.main.code, good.main.stdout).toBe(0);
    expect(JSON.parse(good.outputs['verification']!)).toMatchObject([{ image: registry.host, status: 'ok' }]);
    const bad = await runAction({ ...base(), password: 'nope-nope' });
    expect(bad.main.code).toBe(1);
    expect(JSON.parse(bad.outputs['verification']!)).toMatchObject([{ status: 'unauthorized' }]);
  });

  it('an untrusted registry certificate is reported as tls, naming ca-cert', async () => {
    const run = await runAction({
      registry: registry.host,
      username: 'ci',
      password: PASSWORD,
      images: image,
    });
    expect(run.main.code).toBe(1);
    expect(JSON.parse(run.outputs['verification']!)).toMatchObject([{ status: 'tls' }]);
    expect(run.main.stdout).toMatch(/ca-cert/);
  });
});
