// The installed command: bin/sensord.js runs the bundled CLI (dist/sensord.cjs, scripts/bundle.mjs) from V8's code
// cache. Needs the build (`npm run build`), as every test that spawns the command does.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared.js';

const BIN = path.join(REPO_ROOT, 'bin', 'sensord.js');
const BUNDLE = path.join(REPO_ROOT, 'dist', 'sensord.cjs');
const built = existsSync(BUNDLE);
if (!built) {
  if (process.env.CI === 'true') throw new Error(`${BUNDLE} is missing under CI: the build did not bundle`);
  console.warn(`SKIP the installed command: ${BUNDLE} not built (npm run build)`);
}

describe.skipIf(!built)('bin/sensord.js', () => {
  it("the build's code cache is one this Node accepts for the bundle", () => {
    const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData: readFileSync(`${BUNDLE}.cache`) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('--version prints package.json\'s version; a refused command line exits 2', () => {
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const v = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    const bad = spawnSync(process.execPath, [BIN, 'rules', 'list', '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('capture: a bad runtime or filter flag is refused (exit 2, the flag named) before anything is opened or written', () => {
    const out = path.join(REPO_ROOT, 'dist', 'never-written.scap.gz');
    for (const [args, msg] of [
      [['--cri-socket', '/nonexistent/cri.sock'], 'sensord capture: --cri-socket: /nonexistent/cri.sock does not exist [EOPTION]'],
      [['--metadata-wait', 'soon'], 'sensord capture: --metadata-wait: expected a non-negative number, got "soon" [EOPTION]'],
      [['--container', 'web-1'], 'sensord capture: --container: expected a container id (12 to 64 hex characters), got "web-1" [EOPTION]'],
      [['--container', 'a'.repeat(12), '--', 'true'], 'sensord capture: --container and a command cannot be combined: the capture keeps one container or one process tree [EOPTION]'],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, 'capture', '-w', out, '--duration', '1', ...args], { encoding: 'utf8' });
      expect([r.status, r.stderr.trim()]).toEqual([2, msg]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('finds the default rules from the bundle (paths relative to the dist modules)', () => {
    const list = spawnSync(process.execPath, [BIN, 'rules', 'list', '--json'], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    const rules = JSON.parse(list.stdout) as { name: string }[];
    expect(rules.length).toBeGreaterThanOrEqual(25);
    const validate = spawnSync(process.execPath, [BIN, 'rules', 'validate', path.join(REPO_ROOT, 'rules')], { encoding: 'utf8' });
    expect(validate.status).toBe(0);
  });

  it('a reader that goes away (`| head`) ends the command quietly with status 0', async () => {
    const child = spawn(process.execPath, [BIN, 'rules', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the command writes: its first write gets EPIPE
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(err).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
