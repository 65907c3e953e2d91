// Bundles the compiled CLI (dist/sensor/src/daemon/cli.js and everything it imports from dist/) into one
// CommonJS file, dist/sensord.cjs, and records V8's code cache for it (dist/sensord.cjs.cache). bin/sensord.js
// runs the bundle from that cache: one file instead of ~90 ES modules to resolve, link and compile, and most
// functions arrive compiled. Measured on the rules bench's start-up (replay of a one-event capture with Falco's
// rules): 247 → 182 ms.
//
// commander and lru-cache are bundled; other packages stay external (required from node_modules at run time). Each module's `import.meta.url` becomes its
// own dist/ path, so files found relative to a module (the gunzip worker, native/, rules/, proto/, package.json)
// are found exactly as from dist/.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'sensord.cjs');
const cache = `${out}.cache`;

/** Rewrites `import.meta.url` in each dist module to the file URL that module has in dist/, at run time. */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = path.relative(dist, args.path).split(path.sep).join('/');
      const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(rel)})).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

rmSync(cache, { force: true });
await build({
  entryPoints: [path.join(dist, 'sensor', 'src', 'daemon', 'cli.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Small pure-JS dependencies every command loads are bundled (and code-cached) too; the others stay packages:
  // native (koffi), large and loaded only by some commands (gRPC, Kubernetes, metrics, logging), or loaded
  // lazily (yaml).
  external: ['@grpc/grpc-js', '@grpc/proto-loader', '@kubernetes/client-node', 'koffi', 'pino', 'prom-client', 'yaml', 'typescript'],
  plugins: [moduleUrls],
  logLevel: 'warning',
});

// import() does not work in a script compiled from a code cache (Node 20): the bundle must not use it for its
// own modules or packages. Allowed: typescript (only from the TypeScript sources, never from dist/).
const bundled = readFileSync(out, 'utf8');
const imports = [...bundled.matchAll(/\bimport\((["'])([^"']+)\1\)/g)].map((m) => m[2]).filter((s) => s !== 'typescript');
if (imports.length > 0) {
  process.stderr.write(`bundle: ${out} uses import() of ${imports.join(', ')}: import statically, or through importPackage (enrich/k8s/pods.ts)\n`);
  process.exit(1);
}

// The code cache holds what a run compiled: record it after validating the default rules (loader, parser,
// compiler, engine set-up). A cache V8 rejects later (another Node, other V8 flags) only costs the compile.
const warm = spawnSync(process.execPath, [path.join(root, 'bin', 'sensord.js'), 'rules', 'validate', path.join(root, 'rules')], {
  env: { ...process.env, SENSORD_WRITE_CODE_CACHE: cache },
  encoding: 'utf8',
});
if (warm.status !== 0) {
  process.stderr.write(`bundle: warm-up run failed (status ${warm.status}):\n${warm.stdout}${warm.stderr}`);
  process.exit(1);
}
