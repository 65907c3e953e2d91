#!/usr/bin/env node
// sensord's command line. The TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/sensor/src/daemon/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(`sensord: ${cli} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
const { main } = await import(cli);
await main(process.argv);
