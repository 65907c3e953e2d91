// Loads sensord.v1 from proto/sensord/v1/sensord.proto at runtime with @grpc/proto-loader (nothing hand-encoded),
// and maps a Falco JSON alert line to a sensord.v1.Alert (container/pod blocks from output_fields, MITRE from tags).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/ of the installation: found upwards from this file (sensor/src/output/grpc or dist/sensor/src/output/grpc). */
export function protoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'proto', 'sensord', 'v1', 'sensord.proto'))) return path.join(dir, 'proto');
    dir = path.dirname(dir);
  }
  throw new Error('proto/sensord/v1/sensord.proto not found above ' + fileURLToPath(import.meta.url));
}

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

let cached: grpc.ServiceClientConstructor | undefined;

/** The AlertStream service constructor (client) — its `.service` is the definition for a server. */
export function alertStreamService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const root = protoRoot();
  const def = protoLoader.loadSync(path.join(root, 'sensord', 'v1', 'sensord.proto'), { ...LOADER_OPTIONS, includeDirs: [root] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { sensord: { v1: { AlertStream: grpc.ServiceClientConstructor } } };
  cached = pkg.sensord.v1.AlertStream;
  return cached;
}

const PRIORITIES = new Set(['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug']);

/** RFC 3339 with nanoseconds (Falco's JSON "time") → ns since the epoch, as decimal text. */
export function rfc3339ToNs(time: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!m) return '0';
  const sec = BigInt(Date.parse(m[1]! + 'Z') / 1000);
  return String(sec * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')));
}

/** MITRE tactics (mitre_* tags) and techniques (T#### / T####.###) from a rule's tags. */
export function mitreFromTags(tags: readonly string[]): { tactics: string[]; techniques: string[] } {
  const tactics: string[] = [];
  const techniques: string[] = [];
  for (const t of tags) {
    if (/^mitre_/i.test(t)) tactics.push(t.slice(6));
    else if (/^T\d{4}(\.\d{3})?$/i.test(t)) techniques.push(t.toUpperCase());
  }
  return { tactics, techniques };
}

/** The index just past the JSON string that starts at text[i] (a quote), or -1 when it does not end. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) { const c = text[j]; if (c === '\\') j++; else if (c === '"') return j + 1; }
  return -1;
}

/** The output_fields JSON text of a Falco JSON line, exactly as written (integers keep all their digits). */
function outputFieldsText(line: string): string {
  const start = line.indexOf('"output_fields":');
  if (start < 0) return '{}';
  const i = start + '"output_fields":'.length;
  let depth = 0;
  for (let j = i; j < line.length; j++) {
    const c = line[j];
    if (c === '"') { const end = stringEnd(line, j); if (end < 0) return '{}'; j = end - 1; }
    else if (c === '{') depth++;
    else if (c === '}') { depth--; if (depth === 0) return line.slice(i, j + 1); }
  }
  return '{}';
}

/**
 * The values of a flat output_fields object as text: strings unescaped, numbers, booleans and null exactly as
 * written (a nanosecond time such as evt.time is past 2^53: JSON.parse would round it). Undefined when the
 * object is not flat (a nested object or array), for the caller to fall back to parsed values.
 */
function flatFieldsText(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const n = text.length;
  let i = 1;
  while (i < n) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return out;
    if (text[i] !== '"') return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0 || text[keyEnd] !== ':') return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = keyEnd + 1;
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      out[key] = JSON.parse(text.slice(i, end)) as string;
      i = end;
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '}') end++;
      const lit = text.slice(i, end).trim();
      if (lit === '' || lit[0] === '{' || lit[0] === '[') return undefined;
      out[key] = lit === 'null' ? '' : lit;
      i = end;
    }
  }
  return undefined;
}

/** A Falco JSON alert line → the sensord.v1.Alert fields (without id/seq) plus its time and rule. */
export function alertFromJsonLine(line: string, node: string): { timeNs: string; rule: string; alert: Record<string, unknown> } {
  const o = JSON.parse(line) as {
    hostname?: string; output?: string; output_fields?: Record<string, unknown>; priority?: string; rule?: string;
    source?: string; tags?: string[]; time?: string;
  };
  const f = o.output_fields ?? {};
  const fieldsJson = outputFieldsText(line);
  let fields = flatFieldsText(fieldsJson);
  if (fields === undefined) {
    fields = {};
    for (const [k, v] of Object.entries(f)) fields[k] = v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  }
  const s = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : f[k] == null ? '' : String(f[k]));
  const labels: Record<string, string> = {};
  // k8s.pod.labels is `key:value,key:value` (label keys and values hold neither ',' nor ':' — values may not,
  // keys only '/', '.', '-', '_'); single k8s.pod.label[KEY] fields win.
  for (const kv of s('k8s.pod.labels').split(',')) {
    const i = kv.indexOf(':');
    if (i > 0) labels[kv.slice(0, i)] = kv.slice(i + 1);
  }
  for (const [k, v] of Object.entries(fields)) {
    const m = /^k8s\.pod\.label(?:s)?\[(.+)\]$/.exec(k);
    if (m) labels[m[1]!] = v;
  }
  const image = s('container.image') || [s('container.image.repository'), s('container.image.tag')].filter(Boolean).join(':');
  const timeNs = rfc3339ToNs(o.time ?? '');
  const rule = o.rule ?? '';
  const tags = o.tags ?? [];
  return {
    timeNs, rule,
    alert: {
      time_ns: timeNs, rule, priority: PRIORITIES.has(o.priority ?? '') ? o.priority : (o.priority ?? ''), source: o.source ?? '',
      tags, output: o.output ?? '', output_fields: fields, output_fields_json: fieldsJson,
      hostname: o.hostname ?? '', node,
      container: { id: s('container.id'), name: s('container.name'), image },
      pod: { name: s('k8s.pod.name'), namespace: s('k8s.ns.name'), labels },
      mitre: mitreFromTags(tags),
    },
  };
}
