// The daemon's own logs (pino), always on stderr so stdout carries alerts only. JSON lines by default (one object
// per line: level, time, msg, fields), or `--log-format text` for humans: `2026-01-01T00:00:00.000Z INFO  msg k=v`.
// One process-wide logger, replaced by configureLogger() at startup; commands log through getLogger().
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type LogFormat = 'json' | 'text';
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  format?: LogFormat;
  level?: string;
  /** Where lines go (default: process.stderr, which is synchronous for files, TTYs and pipes on Linux). */
  stream?: { write(s: string): unknown };
}

const LEVEL_NAME: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line → `TIME LEVEL msg key=value…` (values JSON-quoted when not plain). */
export function textLogLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, msg, pid: _pid, hostname: _h, name: _n, ...rest } = o;
  const t = typeof time === 'number' ? new Date(time).toISOString() : String(time ?? '');
  let line = `${t} ${(LEVEL_NAME[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}`;
  for (const [k, v] of Object.entries(rest)) {
    const s = typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
    line += ` ${k}=${s}`;
  }
  return line + '\n';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (!LOG_LEVELS.includes(level as LevelWithSilent)) throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  const format = opts.format ?? 'json';
  if (format !== 'json' && format !== 'text') throw new Error(`--log-format: expected json or text, got ${JSON.stringify(format)}`);
  const base = { level, base: { name: 'sensord' } };
  const out = opts.stream ?? { write: (s: string) => process.stderr.write(s) };
  if (format === 'json') return pino(base, { write: (s: string) => { out.write(s); } });
  return pino(base, { write: (s: string) => { out.write(textLogLine(s)); } });
}

let current: Logger | undefined;

/** The process-wide logger (JSON on stderr at info until configured). */
export function getLogger(): Logger {
  current ??= createLogger();
  return current;
}

export function configureLogger(opts: LoggerOptions): Logger {
  current = createLogger(opts);
  return current;
}
