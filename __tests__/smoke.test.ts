/**
 * The built action, start to finish, on any runner OS: credentials verified against a registry
 * served from Node (no Linux-only server), the archive written to a local path as the OS writes it,
 * and the post step cleaning up. Part of the `portable` test project that CI runs on Windows and macOS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLines, listFiles, runAction } from './support/action.js';
import { startFakeRegistry, type FakeRegistry } from './support/registry-fake.js';

let registry: FakeRegistry;
const user = { username: 'smoke', password: 'smoke-pw-1' };

beforeAll(async () => {
  registry = await startFakeRegistry({ ...user, repository: 'team/app', tag: '1' });
});
afterAll(async () => {
  await registry.stop();
});

describe('smoke run of the built action', () => {
  it('verifies the image, writes config and archive, and the post step removes them', async () => {
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-smoke-')), 'agents', 'docker.tar.gz');
    const run = await runAction({
      registry: `http://${registry.host}`,
      ...user,
      images: `${registry.host}/team/app:1`,
      platforms: 'linux/amd64',
      'upload-to': dest,
    });
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    expect(run.outputs['verified']).toBe('true');
    expect(JSON.parse(run.outputs['verification']!)).toEqual([
      expect.objectContaining({
        image: `${registry.host}/team/app:1`,
        status: 'ok',
        platforms: ['linux/amd64'],
      }),
    ]);
    expect(JSON.parse(run.outputs['uploaded']!)).toEqual([
      { uri: pathToFileURL(dest).href, result: 'written' },
    ]);
    expect(fs.statSync(dest).size).toBeGreaterThan(0);
    expect(registry.log).toContain('GET /token');
    expect(run.post?.code).toBe(0);
    expect(listFiles(run.runnerTemp)).toEqual([]);
    fs.rmSync(path.dirname(path.dirname(dest)), { recursive: true, force: true });
  });

  it('fails verification with a wrong password, shipping nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-smoke-'));
    const run = await runAction({
      registry: `http://${registry.host}`,
      username: user.username,
      password: 'wrong-password',
      images: `${registry.host}/team/app:1`,
      'upload-to': path.join(dir, 'docker.tar.gz'),
    });
    expect(run.main.code).toBe(1);
    expect(run.outputs['verified']).toBe('false');
    expect(errorLines(run.main).at(-1)).toMatch(
      /verification failed for .*team\/app:1 .*nothing was shipped/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
