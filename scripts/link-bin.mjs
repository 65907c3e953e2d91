// Links bin/sensord.js into node_modules/.bin so `npx --no-install sensord …` runs this checkout's CLI from
// the repository root (npm links dependencies' bins there, never the root package's own).
import { mkdirSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'sensord');
mkdirSync(binDir, { recursive: true });
rmSync(link, { force: true });
symlinkSync(path.relative(binDir, path.join(root, 'bin', 'sensord.js')), link);
chmodSync(path.join(root, 'bin', 'sensord.js'), 0o755);
