// The main job, locally: a real registry on loopback (TLS from a throwaway CA, htpasswd), a pushed
// multi-platform image, the built action run against it as the GitHub runner runs it, its job
// summary and outputs, and skopeo pulling through the archive the action wrote — the Mesos
// fetcher's path in Marathon's docs. Runs on Node 24, which imports the TypeScript harness directly.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestCA, pushImage, skopeoInspect, startRegistry } from '../__tests__/support/registry.ts';

const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pull-credentials-demo-'));
const say = (text) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);

/** The runner's file-command format: name<<DELIM heredocs and name=value lines. */
function fileCommands(file) {
  const result = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (!heredoc) continue;
    const value = [];
    while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i]);
    result[heredoc[1]] = value.join('\n');
  }
  return result;
}

/** The summary is HTML tables; show it as text. */
const plain = (html) =>
  html
    .replace(/<\/t[hd]>\s*<t[hd][^>]*>/g, ' | ')
    .replace(/<\/tr>/g, '\n')
    .replace(/<h\d>(.*?)<\/h\d>/g, '\n## $1\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
    .replace(/\n{3,}/g, '\n\n')
    .trim();

function runStep(env) {
  const result = spawnSync(process.execPath, [path.join(root, 'dist/main.js')], { env, encoding: 'utf8' });
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('::add-mask::')) console.log('::add-mask::***');
    else if (line.trim()) console.log(`  ${line}`);
  }
  return result.status;
}

say('Starting a registry on loopback (TLS from a throwaway CA, htpasswd)');
const ca = await createTestCA();
const registry = await startRegistry({ auth: 'htpasswd', tls: true, ca, users: { demo: 'demo-Passw0rd' } });
console.log(`registry ${registry.url}`);
let status;
try {
  const image = `${registry.host}/demo/hello:1.0`;
  const { digest } = await pushImage(registry, 'demo/hello:1.0', {
    platforms: ['linux/amd64', 'linux/arm64'],
  });
  console.log(`pushed ${image} (${digest})`);

  say('Running the built action (dist/main.js) as the runner does');
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV'].map((n) => [
      n,
      path.join(work, n),
    ]),
  );
  for (const file of Object.values(files)) fs.writeFileSync(file, '');
  const runnerTemp = path.join(work, 'runner-temp');
  fs.mkdirSync(runnerTemp);
  const destination = path.join(work, 'agents/etc/docker.tar.gz');
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(work, 'runner-home'),
    RUNNER_TEMP: runnerTemp,
    ...files,
    INPUT_REGISTRY: registry.host,
    INPUT_USERNAME: 'demo',
    INPUT_PASSWORD: 'demo-Passw0rd',
    INPUT_IMAGES: image,
    INPUT_PLATFORMS: 'linux/arm64',
    'INPUT_CA-CERT': ca.caFile,
    'INPUT_UPLOAD-TO': `file://${destination}`,
  };
  status = runStep(env);

  say('Job summary');
  console.log(plain(fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')));
  say('Outputs');
  const outputs = fileCommands(files.GITHUB_OUTPUT);
  for (const [name, value] of Object.entries(outputs)) console.log(`${name}: ${value}`);

  if (status === 0) {
    say('A Mesos agent unpacks the archive into $HOME and pulls with it (skopeo, no --creds)');
    const home = path.join(work, 'sandbox');
    fs.mkdirSync(home);
    console.log(execFileSync('tar', ['-tvzf', destination], { encoding: 'utf8' }).trim());
    execFileSync('tar', ['-xzf', destination, '-C', home]);
    const inspect = await skopeoInspect({ image, home, certDir: ca.certDir });
    console.log(
      inspect.code === 0 ? `skopeo inspect: Digest ${JSON.parse(inspect.stdout).Digest}` : inspect.stderr,
    );
    if (inspect.code !== 0) status = 1;
  }

  say('Post step');
  const state = fileCommands(files.GITHUB_STATE);
  runStep({ ...env, ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])) });
  console.log(`RUNNER_TEMP now holds: ${JSON.stringify(fs.readdirSync(runnerTemp))}`);
} finally {
  await registry.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
process.exitCode = status;
