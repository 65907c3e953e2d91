// Time text as sysdig/Falco print it: local `HH:MM:SS.nnnnnnnnn`, dates, ISO 8601 and human durations. The
// local date parts are cached per second (consecutive events share it) so most calls build one string.
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export class ClockCache {
  private sec = -1;
  private hms = '';
  private ymd = '';

  private at(sec: number): void {
    if (sec === this.sec) return;
    this.sec = sec;
    const d = new Date(sec * 1000);
    this.hms = `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
    this.ymd = `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
  }

  /** evt.time: `HH:MM:SS.nnnnnnnnn` (local). */
  time(ns: bigint): string {
    this.at(Number(ns / 1_000_000_000n));
    return this.hms + '.' + pad(Number(ns % 1_000_000_000n), 9);
  }
  /** evt.time.s: `HH:MM:SS`. */
  timeS(ns: bigint): string { this.at(Number(ns / 1_000_000_000n)); return this.hms; }
  /** evt.datetime: `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`. */
  datetime(ns: bigint): string { const t = this.time(ns); return this.ymd + ' ' + t; }
  /** evt.datetime.s: `YYYY-MM-DD HH:MM:SS`. */
  datetimeS(ns: bigint): string { const t = this.timeS(ns); return this.ymd + ' ' + t; }
}

/** evt.time.iso8601: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` (UTC, as sysdig prints it). */
export function iso8601(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(Number(ns % 1_000_000_000n), 9)}+0000`;
}

/** evt.latency.human: `0ns`, `3.95us`, `1.20ms`, `2.00s` (libsinsp, two decimals above ns). */
export function humanDuration(ns: number): string {
  if (ns < 1000) return `${ns}ns`;
  if (ns < 1_000_000) return `${(ns / 1000).toFixed(2)}us`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(2)}ms`;
  return `${(ns / 1_000_000_000).toFixed(2)}s`;
}
