// `sensord run --config FILE`: YAML keys are the long flags (kebab or camel case), command-line flags win, unknown
// keys are errors naming the file, line and key. Exercised through the real `run` command definition (its action
// replaced by one that captures the options).
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { addRunCommand } from '../../sensor/src/daemon/cli.js';
import { readConfigFile } from '../../sensor/src/daemon/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sensord-config-'));
let n = 0;
function file(text: string): string {
  const f = path.join(dir, `c${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

async function parse(args: string[]): Promise<Record<string, unknown>> {
  const program = new Command('sensord').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let got: Record<string, unknown> | undefined;
  const run = addRunCommand(program);
  run.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  run.action((opts: Record<string, unknown>) => { got = opts; });
  await program.parseAsync(['run', ...args], { from: 'user' });
  return got!;
}

describe('sensord run --config', () => {
  it('takes kebab-case and camelCase keys, lists, booleans and numbers', async () => {
    const f = file(`rules: [/r/a.yaml, /r/b.yaml]
json: true
grpc: 127.0.0.1:7000
tls-ca: /etc/ca.crt
tlsCert: /etc/c.crt
tls-key: /etc/c.key
metrics-listen: 127.0.0.1:9376
ring-bytes: 16777216
spool-max-bytes: 1048576
tag: filesystem
drop-actions: [log, alert]
drop-threshold: 0.2
simulate-drops: true
`);
    const o = await parse(['--config', f]);
    expect(o).toMatchObject({
      rules: ['/r/a.yaml', '/r/b.yaml'], json: true, grpc: '127.0.0.1:7000', tlsCa: '/etc/ca.crt', tlsCert: '/etc/c.crt', tlsKey: '/etc/c.key',
      metricsListen: '127.0.0.1:9376', ringBytes: 16777216, spoolMaxBytes: '1048576', tag: ['filesystem'],
      dropActions: ['log', 'alert'], dropThreshold: '0.2', simulateDrops: true,
    });
  });

  it('command-line flags win over the file, whatever their order', async () => {
    const f = file('grpc: 10.0.0.1:7000\nrules: [/from/file.yaml]\nmin-priority: ERROR\n');
    const o = await parse(['--grpc', '127.0.0.1:9', '--config', f, '--rules', '/cli.yaml']);
    expect(o.grpc).toBe('127.0.0.1:9');
    expect(o.rules).toEqual(['/cli.yaml']);
    expect(o.minPriority).toBe('ERROR');
  });

  it('an unknown key is an error naming the file, line and key', async () => {
    const f = file('json: true\n\ngrcp: 127.0.0.1:7000\n');
    const e = await parse(['-c', f]).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(CommanderError);
    expect((e as CommanderError).exitCode).toBe(2);
    expect((e as Error).message).toContain(`${f}:3: unknown key "grcp"`);
  });

  it('values of the wrong kind and bad YAML are errors with the line', async () => {
    const bad = async (text: string) => ((await parse(['--config', file(text)]).then(() => undefined, (x: unknown) => x)) as Error).message;
    expect(await bad('json: yes please\n')).toMatch(/:1: json: expected true or false/);
    expect(await bad('grpc: [a, b]\n')).toMatch(/:1: grpc: takes one value/);
    expect(await bad('ring-bytes: -4\n')).toMatch(/:1: ring-bytes: --ring-bytes: expected a non-negative integer/);
    expect(await bad('json: true\njson: false\n')).toMatch(/:2: .*[Mm]ap keys must be unique/);
    expect(await bad('- a\n- b\n')).toMatch(/expected a mapping/);
    expect(await bad('config: other.yaml\n')).toMatch(/unknown key "config"/);
  });

  it('an empty file sets nothing; a missing file is an error', async () => {
    expect(readConfigFile(file(''))).toEqual([]);
    const o = await parse(['--config', file('# nothing\n'), '--json']);
    expect(o.json).toBe(true);
    expect(o.grpc).toBeUndefined();
    const e = await parse(['--config', path.join(dir, 'missing.yaml')]).then(() => undefined, (x: unknown) => x);
    expect((e as Error).message).toMatch(/--config .*missing\.yaml: ENOENT/);
  });
});
