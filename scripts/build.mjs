// Bundles src/main.ts into dist/ (ESM, code-split so heavy target clients load only when used).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// BUILD_OUTDIR builds elsewhere (e.g. a private bundle to test against while dist/ stays as committed).
const outdir = process.env.BUILD_OUTDIR || 'dist';
rmSync(outdir, { recursive: true, force: true });

// A dependency's dynamic import() of a CommonJS package gets only `default` in a code-split ESM bundle:
// gaxios (under google-auth-library) reads `(await import('https-proxy-agent')).HttpsProxyAgent` when
// HTTPS_PROXY is set. Such imports go through a module re-exporting the names they read.
const NAMED_DYNAMIC_IMPORTS = { 'https-proxy-agent': ['HttpsProxyAgent'] };
const namedDynamicImports = {
  name: 'named-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(NAMED_DYNAMIC_IMPORTS).join('|')})$`) }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: args.path, namespace: 'reexport', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'reexport' }, (args) => ({
      contents: `export { ${NAMED_DYNAMIC_IMPORTS[args.path].join(', ')} } from ${JSON.stringify(args.path)};`,
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: { main: 'src/main.ts' },
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
  plugins: [namedDynamicImports],
  // Some bundled CommonJS packages call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);",
  },
});
