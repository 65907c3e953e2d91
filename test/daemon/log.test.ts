// The daemon's own logs: pino JSON lines by default, a human text form, levels; never on stdout.
import { describe, expect, it } from 'vitest';
import { createLogger, textLogLine } from '../../sensor/src/daemon/log.js';

describe('daemon logs', () => {
  it('JSON by default: level, time, msg and fields, one object per line', () => {
    const out: string[] = [];
    const log = createLogger({ stream: { write: (s) => out.push(s) } });
    log.info({ step: 'load rules', ms: 12 }, 'load rules: ok (12 ms)');
    log.debug('hidden at info');
    expect(out).toHaveLength(1);
    const o = JSON.parse(out[0]);
    expect(o).toMatchObject({ level: 30, msg: 'load rules: ok (12 ms)', step: 'load rules', ms: 12, name: 'sensord' });
    expect(typeof o.time).toBe('number');
    expect(out[0].endsWith('\n')).toBe(true);
  });

  it('text for humans, with levels', () => {
    const out: string[] = [];
    const log = createLogger({ format: 'text', level: 'warn', stream: { write: (s) => out.push(s) } });
    log.info('not shown');
    log.warn({ rule: 'a b' }, 'rules reload refused');
    log.error('boom');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  rules reload refused rule="a b"\n$/);
    expect(out[1]).toMatch(/ ERROR boom\n$/);
    expect(textLogLine('not json')).toBe('not json');
  });

  it('goes to stderr, not stdout, by default; rejects unknown levels and formats', () => {
    const err: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    const origOut = process.stdout.write.bind(process.stdout);
    const outs: string[] = [];
    process.stderr.write = ((c: string) => { err.push(String(c)); return true; }) as typeof process.stderr.write;
    process.stdout.write = ((c: string) => { outs.push(String(c)); return true; }) as typeof process.stdout.write;
    try {
      createLogger({ format: 'text' }).info('hello');
      createLogger().info('hello json');
    } finally {
      process.stderr.write = orig;
      process.stdout.write = origOut;
    }
    expect(err.join('')).toContain('INFO  hello');
    expect(err.join('')).toContain('"msg":"hello json"');
    expect(outs).toHaveLength(0);
    expect(() => createLogger({ level: 'loud' })).toThrow(/--log-level/);
    expect(() => createLogger({ format: 'xml' as 'json' })).toThrow(/--log-format/);
  });
});
