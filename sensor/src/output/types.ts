// What leaves the rules stage: one Alert per rule match, already rendered (the event's buffer is reused once
// the engine moves on), and the leaf interface every output implements (stdout, file; gRPC/HTTP later).
import type { Priority } from '../rules/types.js';

export interface Alert {
  /** Event timestamp, ns since the epoch. */
  readonly ts: bigint;
  readonly rule: string;
  readonly priority: Priority;
  readonly source: string;
  readonly tags: readonly string[];
  /** Falco's output line: `<time>: <Priority> <rendered rule output>`. */
  readonly output: string;
  /** output_fields as JSON object text (keys sorted, values typed as Falco's), or null when not computed. */
  readonly outputFields: string | null;
}

/** One output leaf. write() receives a line already formatted for this output (text or JSON). */
export interface AlertOutput {
  readonly name: string;
  /** 'text' lines or Falco 'json' lines. */
  readonly format: 'text' | 'json';
  init(): Promise<void> | void;
  /** Buffers one line (no trailing newline); may return a promise for back-pressure. */
  write(line: string): Promise<void> | void;
  flush(): Promise<void> | void;
  close(): Promise<void> | void;
}

/** Lifecycle counters of one output (HOUSE-STYLE 13): successful calls per step, and failures. */
export interface OutputCounters { init: number; write: number; flush: number; close: number; errors: number }

/** Stable error codes of the output stage (HOUSE-STYLE 14). */
export type OutputErrorCode = 'EOUTPUT_OPEN' | 'EOUTPUT_WRITE' | 'EOUTPUT_CLOSED';

export class OutputError extends Error {
  constructor(readonly code: OutputErrorCode, message: string) {
    super(message);
    this.name = 'OutputError';
  }
}
