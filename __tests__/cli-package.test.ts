/**
 * The packed package (npm pack) runs as `pull-credentials` with nothing installed beside it:
 * dist/ bundles every dependency, so the unpacked tarball and an installed copy run offline.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/action.js';

const run = promisify(execFile);
let dir = '';
let pkg = '';
let packed: { filename: string; files: { path: string }[] };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-pack-'));
  const { stdout } = await run(
    'npm',
    ['pack', ROOT, '--pack-destination', dir, '--json', '--ignore-scripts'],
    {
      cwd: dir,
    },
  );
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
  await run('tar', ['-xzf', path.join(dir, packed.filename), '-C', dir]);
  pkg = path.join(dir, 'package');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a command with PATH for node and npx only, HOME elsewhere, no npm registry reachable. */
async function exec(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: { PATH: process.env['PATH'], HOME: dir, npm_config_offline: 'true', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm pack', () => {
  it('packs the bin, the action and dist, and no sources', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/cli.js', 'dist/main.js', 'action.yml', 'package.json']),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('__tests__/'))).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ 'pull-credentials': 'dist/cli.js' });
    const cli = path.join(pkg, 'dist/cli.js');
    expect(fs.readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(fs.statSync(cli).mode & 0o111).toBe(0o111);
  });

  it('every bundled chunk loads with no node_modules anywhere above it', async () => {
    const result = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as fs from 'node:fs';
         const dir = ${JSON.stringify(path.join(pkg, 'dist/chunks'))};
         for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) await import(dir + '/' + f);`,
      ],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('the unpacked tarball runs: --help, and a real run writing config.json', async () => {
    const help = await exec(path.join(pkg, 'dist/cli.js'), ['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--kubernetes-namespaces VALUE (repeatable)');
    const out = path.join(dir, 'files');
    const result = await exec(
      path.join(pkg, 'dist/cli.js'),
      ['--username', 'ci', '--verify', 'off', '--tarball', 'true', '--output-dir', out],
      dir,
      { PULL_CREDENTIALS_PASSWORD: 'pack-pw-1' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'docker/config.json'), 'utf8'))).toEqual({
      auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('ci:pack-pw-1').toString('base64') } },
    });
    expect(fs.existsSync(path.join(out, 'docker.tar.gz'))).toBe(true);
  });

  it('declares no dependencies: everything the bundle is built from is a devDependency', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest['dependencies']).toBeUndefined();
    expect(manifest['optionalDependencies']).toBeUndefined();
    expect(manifest['peerDependencies']).toBeUndefined();
    expect(Object.keys(manifest['devDependencies'] as Record<string, string>)).toEqual(
      expect.arrayContaining(['@actions/core', '@kubernetes/client-node', 'undici', 'yaml']),
    );
  });

  it('npm install of the tarball fetches nothing (offline, empty cache); npx pull-credentials runs', async () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), '{"name":"consumer","private":true}\n');
    // HOME is the temporary directory: an empty npm cache, so any package to fetch fails offline.
    const install = await exec(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed.filename)],
      project,
      { npm_config_cache: path.join(dir, 'npm-cache') },
    );
    expect(install.code, install.stderr).toBe(0);
    const modules = path.join(project, 'node_modules');
    expect(fs.readdirSync(modules).filter((name) => !name.startsWith('.'))).toEqual(['pull-credentials']);
    expect(fs.existsSync(path.join(modules, 'pull-credentials/node_modules'))).toBe(false);
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/pull-credentials']);

    const help = await exec('npx', ['--offline', 'pull-credentials', '--help'], project);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pull-credentials/);
    const bin = await exec(path.join(modules, '.bin/pull-credentials'), ['--version'], project);
    expect(bin.stdout.trim()).toBe(
      (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });
});
