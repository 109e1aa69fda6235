// Builds the web client into dist/ (index.html, icon.svg, assets/app-HASH.{js,css}) with esbuild.
// `--tests` compiles the unit tests (test/*.test.ts) to build/unit/ for `node --test` instead.
import * as esbuild from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

async function buildApp() {
  await rm(dist, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(here, 'src/main.tsx'), styles: path.join(here, 'src/styles.css') },
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: path.join(dist, 'assets'),
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((o) => path.basename(o));
  const js = outputs.find((o) => /^app-.*\.js$/.test(o));
  const css = outputs.find((o) => /^styles-.*\.css$/.test(o));
  if (!js || !css) throw new Error(`unexpected outputs: ${outputs.join(', ')}`);
  // esbuild emits an empty JS stub for the CSS entry; drop it.
  for (const o of outputs) if (/^styles-.*\.js(\.map)?$/.test(o)) await rm(path.join(dist, 'assets', o));
  const html = (await readFile(path.join(here, 'src/index.html'), 'utf8')).replace('%JS%', js).replace('%CSS%', css);
  await writeFile(path.join(dist, 'index.html'), html);
  await copyFile(path.join(here, 'src/icon.svg'), path.join(dist, 'icon.svg'));
  console.log(`built dist/: index.html, assets/${js}, assets/${css}`);
}

async function buildTests() {
  const out = path.join(here, 'build/unit');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const tests = (await readdir(path.join(here, 'test'))).filter((f) => f.endsWith('.test.ts'));
  await esbuild.build({
    entryPoints: tests.map((t) => path.join(here, 'test', t)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    outdir: out,
    outExtension: { '.js': '.mjs' },
    packages: 'external',
    logLevel: 'warning',
  });
}

if (process.argv.includes('--tests')) await buildTests();
else await buildApp();
