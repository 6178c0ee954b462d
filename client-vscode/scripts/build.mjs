// Bundles the extension (dist/extension.js) and compiles the extension-host tests (out/test/).
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const production = process.argv.includes('--production');

await esbuild.build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  outfile: 'dist/extension.js',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

// Extension-host tests: not bundled (mocha is loaded from node_modules at run time).
const tests = readdirSync('e2e/suite').filter((f) => f.endsWith('.ts')).map((f) => `e2e/suite/${f}`);
await esbuild.build({
  entryPoints: tests,
  bundle: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: 'out/test',
  logLevel: 'warning',
});
