// The contract between the rules loader/compiler (read → collect → compile → index) and the engine that
// evaluates compiled rules per event. A RuleSet is immutable once built: a reload builds a new one beside
// the running one and the engine swaps between two events.
import type { FieldContext } from './fields/context.js';
import type { FieldRegistry } from './fields/registry.js';
import type { Expr } from './parser/ast.js';

/** Falco's priorities, most severe first; the index is the level (EMERGENCY 0 … DEBUG 7). */
export const PRIORITIES = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'DEBUG'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A position in a rules file (1-based line and column). */
export interface SourceLocation { file: string; line: number; col: number }

/** Falco's load result entry: `{code, codedesc, message, context: {locations, snippet}}` (errors and warnings). */
export interface LoadMessage {
  code: string;
  codedesc: string;
  message: string;
  context: {
    locations: Array<SourceLocation & { item_type: string; item_name: string }>;
    snippet: string;
  };
}

export interface CompiledRule {
  /** Stable index of the rule in its RuleSet (rate limiting and counters are keyed by it). */
  readonly id: number;
  readonly name: string;
  readonly desc: string;
  readonly priority: Priority;
  /** Index into PRIORITIES. */
  readonly priorityLevel: number;
  readonly tags: readonly string[];
  readonly source: string;
  /** The output format as written (after `append`/`override`); formatted with the same field registry. */
  readonly output: string;
  /** Event type ids the condition can match; null = every type (Falco's LOAD_NO_EVTTYPE case). */
  readonly evttypes: readonly number[] | null;
  /** The compiled condition; the context is already positioned on the event (ctx.begin(ev) was called). */
  readonly match: (ctx: FieldContext) => boolean;
  /**
   * The same test for an event whose type is known to be in `evttypes` (the engine dispatches by type): the
   * `evt.type` conjuncts every such event passes are left out. On other types its answer means nothing.
   */
  readonly matchIndexed: (ctx: FieldContext) => boolean;
  /**
   * The condition after expansion and the field registry it was compiled with: lets the engine compile the
   * rules of one event type into one function (compiler/group.ts). Rules built without it are called alone.
   */
  readonly condition?: { readonly expanded: Expr; readonly registry: FieldRegistry };
  /** The condition after macro/list/exception expansion, as text (for --dump and errors). */
  readonly expandedCondition: string;
  /** The condition reads container/pod metadata (a field marked `enrichment`): the event may wait for it. */
  readonly usesMetadata: boolean;
  /** Generated JavaScript of `match` (for `--dump-js`). */
  readonly js: string;
  readonly location: SourceLocation;
}

export interface RuleSet {
  /** Enabled rules of every source, in file order. */
  readonly rules: readonly CompiledRule[];
  /** Enabled syscall-source rules by event type id (rules with evttypes null appear under every id). */
  readonly byEventType: ReadonlyArray<readonly CompiledRule[]>;
  /** Union of the event types the enabled syscall rules need: it sets the probe's syscall selection. */
  readonly eventTypes: ReadonlySet<number>;
  readonly errors: readonly LoadMessage[];
  readonly warnings: readonly LoadMessage[];
  /** Files in load order. */
  readonly files: readonly string[];
}
