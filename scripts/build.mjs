// Bundles src/main.ts into dist/ (ESM, code-split so heavy target clients load only when used).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import * as path from 'node:path';

// BUILD_OUTDIR builds elsewhere (e.g. a private bundle to test against while dist/ stays as committed).
const outdir = process.env.BUILD_OUTDIR || 'dist';
rmSync(outdir, { recursive: true, force: true });
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
  // One undici: @actions/http-client (loaded at start-up by @actions/core) would bring a second,
  // older copy whose evaluation costs every run tens of ms; its ProxyAgent use is the same in ours.
  alias: { undici: './node_modules/undici' },
  plugins: [
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
