#!/usr/bin/env node
// sensord's command line. `npm ci` (prepare) or `npm run build` compiles the TypeScript to dist/ and bundles it
// into dist/sensord.cjs (scripts/bundle.mjs); this runs the bundle from V8's code cache when one matches.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/sensord.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(`sensord: ${bundle} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
const cacheFile = `${bundle}.cache`;
// Set by scripts/bundle.mjs only: record the code cache of this run when it ends.
const writeCache = process.env.SENSORD_WRITE_CODE_CACHE;
let cachedData;
if (writeCache === undefined && existsSync(cacheFile)) cachedData = readFileSync(cacheFile);

// As Node loads a CommonJS file, but through vm.Script, which takes a code cache.
const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData,
});
// A script compiled from a code cache has no import() callback (Node 20): ES-module-only packages are imported
// through this module's own import (enrich/k8s/pods.ts importPackage).
globalThis[Symbol.for('sensord.import')] = (spec) => import(spec);
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
if (writeCache !== undefined) process.on('exit', () => writeFileSync(writeCache, script.createCachedData()));
await mod.exports.main(process.argv);
