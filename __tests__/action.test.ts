/**
 * The built action run as the GitHub runner runs it (dist/main.js with INPUT_*, GITHUB_OUTPUT,
 * GITHUB_STATE, GITHUB_STEP_SUMMARY, RUNNER_TEMP), then its post step.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLines, listFiles, runAction } from './support/action.js';
import { badInputs, creds } from './support/bad-inputs.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pc-dest-'));

describe('the action, end to end (file destination, no registry)', () => {
  it('writes config.json, the archive and the destination; outputs match; post cleans RUNNER_TEMP', async () => {
    const dest = path.join(tmp(), 'nested/dir/docker.tar.gz');
    const run = await runAction({ ...creds, 'upload-to': `file://${dest}` }, { skipPost: true });
    expect(run.main.code, run.main.stdout).toBe(0);

    const configPath = run.outputs['docker-config']!;
    expect(configPath.startsWith(run.runnerTemp)).toBe(true);
    expect(path.dirname(configPath)).toBe(run.outputs['docker-config-dir']);
    expect(JSON.parse(fs.readFileSync(configPath, 'utf8'))).toEqual({
      auths: { 'registry.example.com:5000': { auth: Buffer.from('ci:action-pw-1').toString('base64') } },
    });
    expect(fs.statSync(configPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(configPath)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(path.dirname(configPath))).mode & 0o777).toBe(0o700);

    const bytes = fs.readFileSync(dest);
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(run.outputs['tarball-sha256']).toBe(digest);
    expect(fs.readFileSync(run.outputs['tarball']!).equals(bytes)).toBe(true);
    expect(fs.statSync(dest).mode & 0o777).toBe(0o600);
    expect(JSON.parse(run.outputs['uploaded']!)).toEqual([{ uri: `file://${dest}`, result: 'written' }]);
    expect(JSON.parse(run.outputs['fetch-uris']!)).toEqual([`file://${dest}`]);
    expect(run.summary).toContain(digest);
    expect(run.state['runDir']).toBe(path.dirname(path.dirname(configPath)));
    // Nothing in the runner's home: the runner's ~/.docker is never read or written.
    expect(listFiles(path.join(run.workDir, 'home'))).toEqual([]);

    // The post step removes the per-run directory.
    expect((await run.runPost()).code).toBe(0);
    expect(listFiles(run.runnerTemp)).toEqual([]);

    // A second run finds the same bytes in place and leaves the file alone.
    const mtime = fs.statSync(dest).mtimeMs;
    const second = await runAction({ ...creds, 'upload-to': dest });
    expect(JSON.parse(second.outputs['uploaded']!)).toEqual([{ uri: `file://${dest}`, result: 'unchanged' }]);
    expect(fs.statSync(dest).mtimeMs).toBe(mtime);

    // Left world-readable by someone else: the next run tightens it back to 0600.
    fs.chmodSync(dest, 0o644);
    await runAction({ ...creds, 'upload-to': dest });
    expect(fs.statSync(dest).mode & 0o777).toBe(0o600);
    expect(listFiles(second.runnerTemp)).toEqual([]);
  });

  it('the post step removes only its own run directory, and warns instead of failing', async () => {
    const run = await runAction(creds, { skipPost: true });
    const elsewhere = tmp();
    fs.writeFileSync(path.join(elsewhere, 'keep'), 'x');
    const tampered = await run.runPost({ STATE_runDir: elsewhere });
    expect(tampered.code).toBe(0);
    expect(tampered.stdout).toMatch(/::warning::Not removing .*not a pull-credentials run directory/);
    expect(fs.existsSync(path.join(elsewhere, 'keep'))).toBe(true);

    // A file that cannot be removed (immutable): a warning, never a failed job.
    const stuck = path.join(run.state['runDir']!, 'stuck');
    fs.writeFileSync(stuck, '');
    execFileSync('chattr', ['+i', stuck]);
    try {
      const post = await run.runPost();
      expect(post.code).toBe(0);
      expect(post.stdout).toMatch(/::warning::Could not remove /);
    } finally {
      execFileSync('chattr', ['-i', stuck]);
    }
    expect((await run.runPost()).code).toBe(0);
    expect(listFiles(run.runnerTemp)).toEqual([]);
  });

  it('is deterministic across runs and removes the destination with state: absent', async () => {
    const dir = tmp();
    const a = await runAction({ ...creds, tarball: 'true' });
    const b = await runAction({ ...creds, tarball: 'true' });
    expect(a.outputs['tarball-sha256']).toBe(b.outputs['tarball-sha256']);
    expect(listFiles(a.runnerTemp)).toEqual([]);

    const dest = path.join(dir, 'docker.tar.gz');
    expect((await runAction({ ...creds, 'upload-to': dest })).main.code).toBe(0);
    expect(fs.existsSync(dest)).toBe(true);
    const gone = await runAction({ 'upload-to': dest, state: 'absent' });
    expect(gone.main.code, gone.main.stdout).toBe(0);
    expect(fs.existsSync(dest)).toBe(false);
    expect(JSON.parse(gone.outputs['uploaded']!)).toEqual([{ uri: `file://${dest}`, result: 'deleted' }]);
    const again = await runAction({ 'upload-to': dest, state: 'absent' });
    expect(JSON.parse(again.outputs['uploaded']!)).toEqual([{ uri: `file://${dest}`, result: 'absent' }]);
  });

  it('dockercfg format: the legacy flat map, archived as .dockercfg alone', async () => {
    const run = await runAction(
      { ...creds, 'config-format': 'dockercfg', tarball: 'true' },
      { skipPost: true },
    );
    expect(run.main.code).toBe(0);
    expect(path.basename(run.outputs['docker-config']!)).toBe('.dockercfg');
    expect(Object.keys(JSON.parse(fs.readFileSync(run.outputs['docker-config']!, 'utf8')) as object)).toEqual(
      ['registry.example.com:5000'],
    );
    const listing = execFileSync('tar', ['-tzf', run.outputs['tarball']!], { encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(['.dockercfg']);
  });

  it('export-docker-config exports DOCKER_CONFIG for later steps', async () => {
    const run = await runAction({ ...creds, 'export-docker-config': 'true' }, { skipPost: true });
    expect(run.env['DOCKER_CONFIG']).toBe(run.outputs['docker-config-dir']);
    expect(run.main.stdout.split('\n').filter((l) => l.startsWith('::notice'))).toEqual([
      expect.stringMatching(
        /^::notice title=export-docker-config::DOCKER_CONFIG now points at a config holding only registry.example.com:5000: later steps no longer see the runner’s own docker config/,
      ),
    ]);
    const without = await runAction(creds);
    expect(without.env['DOCKER_CONFIG']).toBeUndefined();
  });

  it('one failing destination never hides the others: all reported, then the step fails', async () => {
    const dir = tmp();
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const good = path.join(dir, 'ok/docker.tar.gz');
    const bad = path.join(blocker, 'docker.tar.gz');
    const run = await runAction({ ...creds, 'upload-to': `${bad}\n${good}` });
    expect(run.main.code).toBe(1);
    expect(fs.existsSync(good)).toBe(true);
    expect(JSON.parse(run.outputs['uploaded']!)).toEqual([
      { uri: `file://${bad}`, result: 'failed', message: expect.stringContaining('ENOTDIR') as unknown },
      { uri: `file://${good}`, result: 'written' },
    ]);
    const errors = errorLines(run.main);
    expect(errors.some((e) => e.includes('ENOTDIR'))).toBe(true);
    expect(errors.at(-1)).toMatch(/1 target write\(s\) failed: upload file:\/\/.*a-file\/docker.tar.gz/);
    expect(run.summary).toContain('failed');
    expect(run.summary).toContain('written');
  });

  // Bad input: one ::error:: naming the input, exit 1, nothing written anywhere, no stack trace.
  it.each(badInputs)('%s', async (_name, inputs, message) => {
    const dir = tmp();
    const dest = path.join(dir, 'out/docker.tar.gz');
    const withDest = Object.fromEntries(
      Object.entries(inputs['upload-to']?.startsWith('/') ? { ...inputs, 'upload-to': dest } : inputs).map(
        ([name, value]) => [name, value.replace('DIR', dir)],
      ),
    );
    const run = await runAction(withDest);
    expect(run.main.code).toBe(1);
    const errors = errorLines(run.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.main.stdout + run.main.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(listFiles(run.runnerTemp)).toEqual([]);
    expect(listFiles(dir)).toEqual([]);
    expect(run.outputs).toEqual({});
  });
});
