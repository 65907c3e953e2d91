// What libsinsp does to every record before a consumer sees it, in one place for `sensord events` and the rules
// engine: user/group table events are consumed (never numbered), every other record is numbered (evt.num) and
// applied to the state, and the container table dumped at the head of a capture is consumed after numbering.
import { EVENTS } from '../schema/index.js';
import type { EventBatch } from '../schema/capture-types.js';
import { EventView } from '../decode/event-view.js';
import type { SystemState } from './system-state.js';

const CONSUMED = new Set(['useradded', 'userdeleted', 'groupadded', 'groupdeleted']);
const CONSUMED_IDS: Uint8Array = Uint8Array.from(EVENTS, (e) => (CONSUMED.has(e.name) ? 1 : 0));
const CONTAINER_IDS: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.name === 'container' ? 1 : 0));

export class EventSequencer {
  /** The number of the last record numbered (1-based, as sysdig and Falco count). */
  num = 0;
  readonly view = new EventView();
  private sawEvent = false;

  constructor(readonly state: SystemState) {}

  /**
   * Positions `view` on record k of the batch, numbers it and applies it to the state. Returns false when the
   * record is consumed here (nothing to show or judge).
   */
  advance(batch: EventBatch & { flags?: ArrayLike<number> }, k: number): boolean {
    const base = batch.offsets[k];
    const type = batch.view.getUint16(base + 20, true);
    if (type >= CONSUMED_IDS.length || CONSUMED_IDS[type] === 1) return false;
    const flags = batch.flags;
    this.view.set(batch.bytes, batch.view, base, batch.cpus[k], ++this.num, flags ? flags[k] : 0);
    this.state.process(this.view);
    if (CONTAINER_IDS[type] === 1) return this.sawEvent;
    this.sawEvent = true;
    return true;
  }
}
