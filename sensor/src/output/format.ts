// Alert lines as Falco prints them: text = the output line itself; JSON = Falco's object with
// hostname, output, output_fields, priority, rule, source, tags and an RFC 3339 time with nanoseconds.
import type { Priority } from '../rules/types.js';
import type { Alert } from './types.js';

/** falco_common::format_priority (long form): how priorities appear in alert lines and JSON. */
export const PRIORITY_TEXT: Readonly<Record<Priority, string>> = {
  EMERGENCY: 'Emergency', ALERT: 'Alert', CRITICAL: 'Critical', ERROR: 'Error', WARNING: 'Warning',
  NOTICE: 'Notice', INFORMATIONAL: 'Informational', DEBUG: 'Debug',
};

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC), as Falco's JSON "time". */
export function rfc3339Nano(ts: bigint): string {
  const sec = ts / 1_000_000_000n;
  const ns = ts % 1_000_000_000n;
  const iso = new Date(Number(sec) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return iso.slice(0, 19) + '.' + ns.toString().padStart(9, '0') + 'Z';
}

export function textLine(alert: Alert): string { return alert.output; }

/** Falco's json_include_output_property / json_include_tags_property (both default true). */
export interface JsonLineOptions { includeOutput?: boolean; includeTags?: boolean }

/**
 * Falco's JSON alert, keys in Falco's (sorted) order. output_fields is `{}` when the engine did not compute it.
 * `output` and `tags` are left out when their json_include_* option is false, as Falco does.
 */
export function jsonLine(alert: Alert, hostname: string, opts: JsonLineOptions = {}): string {
  return '{"hostname":' + JSON.stringify(hostname)
    + (opts.includeOutput === false ? '' : ',"output":' + JSON.stringify(alert.output))
    + ',"output_fields":' + (alert.outputFields ?? '{}')
    + ',"priority":' + JSON.stringify(PRIORITY_TEXT[alert.priority])
    + ',"rule":' + JSON.stringify(alert.rule)
    + ',"source":' + JSON.stringify(alert.source)
    + (opts.includeTags === false ? '' : ',"tags":' + JSON.stringify(alert.tags))
    + ',"time":"' + rfc3339Nano(alert.ts) + '"}';
}
