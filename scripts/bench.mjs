/**
 * Pull-verification benchmark (`npm run bench`, after a build): the built action verifying 20 images
 * in 3 repositories on a token-auth TLS registry behind a latency-adding TCP proxy, against
 * `skopeo inspect --raw` one image at a time through the same proxy. Prints the wall-time ratio and
 * our request count against the floor (1 ping + 1 token per repository + 1 manifest request per image).
 *
 * Path: client → latency proxy (TCP, delays each chunk) → counting proxy (TLS) → registry; token
 * requests go through a latency proxy of their own.
 * The test harness is TypeScript; Node 24 loads it directly (type stripping).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const root = path.resolve(import.meta.dirname, '..');
const { createTestCA, pushImage, skopeoInspect, startRegistry, writeAuthFile } = await import(
  path.join(root, '__tests__/support/registry.ts')
);
const { startFaultProxy, startLatencyProxy } = await import(path.join(root, '__tests__/support/faults.ts'));

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 20);
// BENCH_DIST: a build elsewhere (e.g. to try a change without rewriting dist/).
const dist = process.env.BENCH_DIST ?? path.join(root, 'dist/main.js');
if (!fs.existsSync(dist)) {
  console.error('dist/main.js is missing: run `npm run bench` (it builds first)');
  process.exit(1);
}

function runAction(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dist], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const ca = await createTestCA();
const users = { bench: 'bench-secret-pw' };
// The token issuer sits behind the same added latency as the registry, as a remote one would.
let tokenLatency;
const registry = await startRegistry({
  auth: 'token',
  tls: true,
  ca,
  users,
  realmVia: async (issuerUrl) => {
    const url = new URL(issuerUrl);
    tokenLatency = await startLatencyProxy(url.host, DELAY_MS);
    url.host = tokenLatency.host;
    return url.href.replace(/\/$/, '');
  },
});
const counting = await startFaultProxy(registry.url, [], { ca });
const latency = await startLatencyProxy(counting.host, DELAY_MS);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-bench-'));
try {
  const repos = { 'team/api': 7, 'team/web': 7, 'team/worker': 6 };
  const images = [];
  for (const [repo, count] of Object.entries(repos)) {
    for (let i = 1; i <= count; i++) {
      const options = repo === 'team/web' ? { platforms: ['linux/amd64', 'linux/arm64'] } : {};
      await pushImage(registry, `${repo}:${i}.0`, options);
      images.push(`${latency.host}/${repo}:${i}.0`);
    }
  }
  counting.requests.length = 0;
  const tokensBefore = registry.tokenLog.length;

  // The action: verification only (no targets), verify: fail.
  for (const name of ['output', 'state', 'summary', 'env']) fs.writeFileSync(path.join(work, name), '');
  fs.mkdirSync(path.join(work, 'home'));
  fs.mkdirSync(path.join(work, 'temp'));
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(work, 'home'),
    RUNNER_TEMP: path.join(work, 'temp'),
    GITHUB_WORKSPACE: work,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: path.join(work, 'output'),
    GITHUB_STATE: path.join(work, 'state'),
    GITHUB_STEP_SUMMARY: path.join(work, 'summary'),
    GITHUB_ENV: path.join(work, 'env'),
    INPUT_REGISTRY: latency.host,
    INPUT_USERNAME: 'bench',
    INPUT_PASSWORD: users.bench,
    INPUT_IMAGES: images.join('\n'),
    INPUT_VERIFY: 'fail',
    'INPUT_CA-CERT': ca.caPem,
    'INPUT_TLS-VERIFY': 'true',
  };
  let started = performance.now();
  const action = await runAction(env);
  const oursMs = performance.now() - started;
  const outputs = fs.readFileSync(path.join(work, 'output'), 'utf8');
  const ours = {
    pings: counting.requests.filter((r) => r.path === '/v2/').length,
    tokens: registry.tokenLog.length - tokensBefore,
    manifests: counting.requests.filter((r) => r.path.includes('/manifests/')).length,
    other: counting.requests.filter((r) => r.path !== '/v2/' && !r.path.includes('/manifests/')).length,
  };
  const verified = /verified(?:<<\S+\n|=)(true|false)/.exec(outputs)?.[1] ?? '?';

  // skopeo, one image at a time, the same credentials and trust.
  counting.requests.length = 0;
  const auth = await writeAuthFile(latency.host, 'bench', users.bench);
  started = performance.now();
  let skopeoFailures = 0;
  for (const image of images) {
    const result = await skopeoInspect({ image, raw: true, home: auth.home, certDir: ca.certDir });
    if (result.code !== 0) skopeoFailures++;
  }
  const skopeoMs = performance.now() - started;
  const skopeoRequests = counting.requests.length;
  fs.rmSync(auth.home, { recursive: true, force: true });

  const floor = 1 + Object.keys(repos).length + images.length;
  const total = ours.pings + ours.tokens + ours.manifests + ours.other;
  console.log(
    `latency: ${DELAY_MS} ms per chunk each way; ${images.length} images in ${Object.keys(repos).length} repositories`,
  );
  console.log(
    `action:  exit ${action.code}, verified=${verified}, ${oursMs.toFixed(0)} ms (node start-up included)`,
  );
  console.log(
    `skopeo:  ${skopeoFailures} failures, ${skopeoMs.toFixed(0)} ms for ${images.length} sequential inspects`,
  );
  console.log(`speed-up: ${(skopeoMs / oursMs).toFixed(1)}x`);
  console.log(
    `requests: ours ${total} (pings ${ours.pings}, tokens ${ours.tokens}, manifests ${ours.manifests}, other ${ours.other}); ` +
      `floor ${floor}; skopeo ${skopeoRequests} registry requests + ${registry.tokenLog.length - tokensBefore - ours.tokens} tokens`,
  );
  if (action.code !== 0 || verified !== 'true') {
    console.error(action.out);
    process.exitCode = 1;
  }
} finally {
  await latency.stop();
  await tokenLatency?.stop();
  await counting.stop();
  await registry.stop();
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(ca.dir, { recursive: true, force: true });
}
