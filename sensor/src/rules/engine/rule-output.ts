// A rule's output compiled once (HOUSE-STYLE 13): Falco's prefix `%evt.time: <Priority> ` (or evt.time.iso8601)
// plus the rule's `output`, as literal parts and bound fields; rendered per match into the text line and, when
// JSON outputs want it, the pre-serialised output_fields object.
import { FIELD_REGISTRY, FieldError, fitWidth, partValue, renderPart, scanFormat, type FieldContext, type FieldPart, type FieldRegistry, type FieldValue } from '../fields/index.js';
import type { Priority } from '../types.js';
import { PRIORITY_TEXT } from '../../output/format.js';
import { EngineError } from './errors.js';

type Part = string | FieldPart;

/** Fields libsinsp renders as text but serialises as the raw event timestamp in output_fields (extract_as_js). */
const TIME_AS_NUMBER = new Set(['evt.time', 'evt.time.s', 'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s', 'evt.outputtime']);

export interface RuleOutputOptions {
  /** Falco's time_format_iso_8601: prefix with %evt.time.iso8601 instead of %evt.time. */
  timeIso8601?: boolean;
  registry?: FieldRegistry;
  /** Fields added to output_fields of every alert, not to the text (Falco's append_output extra_fields). */
  extraFields?: readonly string[];
}

export class RuleOutput {
  /** Fields in output_fields key order (sorted, deduplicated by text). */
  private readonly jsonFields: FieldPart[];

  constructor(private readonly parts: readonly Part[], extra: readonly FieldPart[] = []) {
    const byText = new Map<string, FieldPart>();
    for (const p of parts) if (typeof p !== 'string' && !byText.has(p.text)) byText.set(p.text, p);
    for (const p of extra) if (!byText.has(p.text)) byText.set(p.text, p);
    this.jsonFields = [...byText.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  }

  /** The format reads container/pod metadata (fields marked `enrichment`). */
  get usesMetadata(): boolean { return this.jsonFields.some((f) => f.bound.def.enrichment === true); }

  /** The field references of the format (prefix included), as written. */
  get fieldNames(): string[] { return this.jsonFields.map((f) => f.text); }

  /**
   * The output line. A missing value prints `<NA>`: Falco's prefix starts with `*`, so an alert is never
   * dropped for a missing field (a `*` at the head of the rule's own output is accepted and removed).
   */
  render(ctx: FieldContext): string {
    let out = '';
    const parts = this.parts;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (typeof p === 'string') { out += p; continue; }
      const v = renderPart(p, ctx.value(p.bound)) ?? '<NA>';
      out += p.width === 0 ? v : fitWidth(v, p.width);
    }
    return out;
  }

  /** output_fields as JSON object text: numbers stay numbers (bigints exact; PF_HEX ones strings), missing values are null. */
  fieldsJson(ctx: FieldContext): string {
    let out = '{';
    const fields = this.jsonFields;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k];
      if (k > 0) out += ',';
      out += JSON.stringify(f.text) + ':';
      if (f.transforms.length === 0 && TIME_AS_NUMBER.has(f.bound.def.name)) { out += ctx.ev.ts.toString(); continue; }
      const v = partValue(f, ctx.value(f.bound));
      // libsinsp's rawval_to_json: PF_HEX numbers are JSON strings, as printed (fd.dev "2D").
      out += f.transforms.length === 0 && f.bound.def.hex === true && v !== undefined ? JSON.stringify(renderPart(f, v)) : jsonValue(v);
    }
    return out + '}';
  }
}

function jsonValue(v: FieldValue): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'null';
    default: return JSON.stringify(v);
  }
}

/** Falco's prefix for syscall-source alerts (falco_outputs::handle_event). */
export function outputPrefix(priority: Priority, timeIso8601: boolean): string {
  return (timeIso8601 ? '%evt.time.iso8601: ' : '%evt.time: ') + PRIORITY_TEXT[priority] + ' ';
}

/** Compiles `prefix + output`; unknown fields throw EngineError EOUTPUT with the position in the rule's output. */
export function compileRuleOutput(rule: { name: string; output: string; priority: Priority }, opts: RuleOutputOptions = {}): RuleOutput {
  const registry = opts.registry ?? FIELD_REGISTRY;
  const prefix = outputPrefix(rule.priority, opts.timeIso8601 === true);
  const own = rule.output.startsWith('*') ? rule.output.slice(1) : rule.output;
  const parts: Part[] = [];
  parseInto(prefix, registry, parts, rule.name, -1);
  parseInto(own, registry, parts, rule.name, rule.output.length - own.length);
  // Merge adjacent literals so render() concatenates as few strings as possible.
  const merged: Part[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  const extra: FieldPart[] = [];
  for (const text of opts.extraFields ?? []) {
    try {
      extra.push({ bound: registry.bind(text), text, width: 0, transforms: [] });
    } catch (err) {
      if (err instanceof FieldError) throw outputError(rule.name, `extra output field ${text}: ${err.message}`);
      throw err;
    }
  }
  return new RuleOutput(merged, extra);
}

/** Scans one piece of the output (prefix or the rule's own text) the way libsinsp reads Falco outputs. */
function parseInto(s: string, registry: FieldRegistry, parts: Part[], rule: string, offset: number): void {
  try {
    parts.push(...scanFormat(s, registry, { offset, cutToKnownField: true }));
  } catch (err) {
    if (err instanceof FieldError) throw outputError(rule, err.message.replace(' in format', ''));
    throw err;
  }
}

function outputError(rule: string, message: string): EngineError {
  return new EngineError('EOUTPUT', `rule ${JSON.stringify(rule)}: invalid output format: ${message}`);
}
