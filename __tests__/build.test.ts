/**
 * dist/ is committed and CI rebuilds it to check it is the build of src/: that check only works if
 * building the same source always gives the same bytes (chunk names are content hashes).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/action.js';

/** Every file of a build and its sha256, by path relative to the build. */
function digests(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    result[path.relative(dir, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return result;
}

describe('the build', () => {
  it('gives byte-identical bundles on every run', () => {
    const builds = [1, 2, 3, 4].map(() => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-build-'));
      execFileSync(process.execPath, ['scripts/build.mjs'], {
        cwd: ROOT,
        env: { ...process.env, BUILD_OUTDIR: outdir },
      });
      const result = digests(outdir);
      fs.rmSync(outdir, { recursive: true, force: true });
      return result;
    });
    expect(Object.keys(builds[0]!)).toContain('main.js');
    for (const build of builds.slice(1)) expect(build).toEqual(builds[0]);
  }, 120_000);
});
