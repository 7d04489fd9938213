// Bundles src/main.ts (the action) and src/cli.ts (the pull-credentials command) into dist/ (ESM,
// code-split so heavy target clients load only when used).
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const requireHere = createRequire(import.meta.url);

/**
 * CommonJS packages evaluated on first use instead of at start-up: an ESM import of a bundled
 * CommonJS package runs it when the chunk loads, though a run may never call it (yaml: only the
 * `registries` and `kubeconfig` inputs). The import resolves to a module of getters that require the
 * package on first access, so named imports keep working, synchronously.
 */
const LAZY = new Set(['yaml']);
const lazyModule = (name) => {
  const names = Object.keys(requireHere(name)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key));
  return [
    'let loaded;',
    `const load = () => (loaded ??= require(${JSON.stringify(name)}));`,
    `module.exports = { ${names.map((key) => `get ${key}() { return load().${key}; }`).join(', ')} };`,
  ].join('\n');
};

// BUILD_OUTDIR builds elsewhere (e.g. a private bundle to test against while dist/ stays as committed).
const outdir = process.env.BUILD_OUTDIR || 'dist';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/main.ts', cli: 'src/cli.ts' },
  // The command's --help quotes action.yml's descriptions.
  loader: { '.yml': 'text' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'external',
  logLevel: 'warning',
  // One undici: @actions/http-client (loaded at start-up by @actions/core) would bring a second,
  // older copy whose evaluation costs every run tens of ms; its ProxyAgent use is the same in ours.
  alias: { undici: './node_modules/undici' },
  plugins: [
    {
      // Node's ESM facade of node:http reads every export, and one of them loads Node's own copy of
      // undici (~20 ms at every start); require() returns the module without the facade.
      name: 'node-http-by-require',
      setup(b) {
        b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
          args.kind === 'import-statement' ? { path: 'node:http', namespace: 'builtin-require' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
          contents: `module.exports = require(${JSON.stringify(args.path)});`,
          loader: 'js',
        }));
      },
    },
    {
      name: 'lazy-cjs',
      setup(b) {
        b.onResolve({ filter: /^yaml$/ }, (args) =>
          args.namespace !== 'lazy-cjs' && LAZY.has(args.path)
            ? { path: args.path, namespace: 'lazy-cjs' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'lazy-cjs' }, (args) => ({
          contents: lazyModule(args.path),
          loader: 'js',
          resolveDir: path.resolve(import.meta.dirname, '..'),
        }));
      },
    },
    {
      // @actions/http-client imports undici's ProxyAgent at start-up; from the transport's undici
      // modules it costs nothing more, where undici's index would put all of undici in the chunks
      // every run loads.
      name: 'http-client-undici',
      setup(b) {
        b.onResolve({ filter: /^(undici|\.\/node_modules\/undici)$/ }, (args) =>
          /[\\/]@actions[\\/]http-client[\\/]/.test(args.importer)
            ? { path: path.resolve(import.meta.dirname, '../src/http/undici-for-http-client.ts') }
            : undefined,
        );
      },
    },
    {
      // gaxios reads a named export of a dynamically imported CommonJS package (its proxy agent),
      // which a bundled dynamic import would drop: it goes through a static re-export instead.
      name: 'cjs-dynamic-named-export',
      setup(b) {
        b.onResolve({ filter: /^https-proxy-agent$/ }, (args) =>
          args.kind === 'dynamic-import'
            ? { path: path.resolve('src/http/https-proxy-agent.ts') }
            : undefined,
        );
      },
    },
  ],
  // Some bundled CommonJS packages call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);",
  },
});

// The command runs as an executable (package.json "bin"): a shebang before everything else.
const cli = path.join(outdir, 'cli.js');
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`);
chmodSync(cli, 0o755);
