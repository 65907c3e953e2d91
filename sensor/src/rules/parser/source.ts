// A condition's text and how its offsets map back to file:line:col. Conditions are built from pieces (a rule's
// condition, appended text, generated exception clauses), so the map is a list of segments, each with its own mapper.
import type { SourceLocation } from '../types.js';

export interface SourceSegment {
  /** Offset of the segment in the text. */
  readonly start: number;
  readonly length: number;
  /** Location of an offset inside the segment (0-based, relative to the segment start). */
  readonly locate: (offset: number) => SourceLocation;
  /** What the segment is, for the error's location chain (`condition`, `exceptions`, `macro 'x' condition`). */
  readonly label: string;
}

/** The item a text belongs to when it is not the rule being compiled (a macro's condition). */
export interface SourceOrigin { readonly itemType: string; readonly itemName: string; readonly location: SourceLocation }

export class SourceText {
  constructor(readonly text: string, readonly segments: readonly SourceSegment[] = [], readonly origin?: SourceOrigin) {}

  /** File position of an offset in the text: the covering segment's, else the nearest one before it. */
  locate(offset: number): SourceLocation | undefined {
    let best: SourceSegment | undefined;
    for (const s of this.segments) {
      if (offset >= s.start && offset < s.start + s.length) return s.locate(offset - s.start);
      if (s.start <= offset) best = s;
    }
    if (best !== undefined) return best.locate(Math.max(0, Math.min(offset - best.start, best.length - 1)));
    return this.segments[0]?.locate(0);
  }

  segmentAt(offset: number): SourceSegment | undefined {
    for (const s of this.segments) if (offset >= s.start && offset < s.start + s.length) return s;
    return undefined;
  }

  /** 1-based line and column of an offset inside the text itself. */
  lineCol(offset: number): { line: number; col: number } {
    let line = 1, col = 1;
    const end = Math.min(offset, this.text.length);
    for (let i = 0; i < end; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 10) { line++; col = 1; } else col++;
    }
    return { line, col };
  }
}
