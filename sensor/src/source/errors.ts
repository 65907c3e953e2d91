// Errors of the capture reader: one class with a stable code, the byte offset (in the decompressed
// stream) and the block type where reading stopped, so a message can point at the exact spot.
import { blockTypeName } from './scap-format.js';

export type ScapErrorCode =
  | 'EOPEN'            // the file could not be read
  | 'EGZIP'            // the gzip stream is corrupt or truncated
  | 'EMAGIC'           // not a .scap file (no section header block, wrong byte-order magic)
  | 'EVERSION'         // section header major version newer than we understand
  | 'ETRUNCATED'       // the stream ends inside a block
  | 'EBLOCKLEN'        // a block length is impossible (too short, past the end, trailer mismatch)
  | 'EBADBLOCK'        // a metadata block's body does not parse
  | 'EBADEVENT'        // an event record is inconsistent (length, parameter lengths, nparams)
  | 'EUNEXPECTED'      // a non-event block after events that is not a new section header
  | 'ENOEVENTS';       // a section has metadata but no event block (libscap: "no events in file")

export class ScapError extends Error {
  readonly code: ScapErrorCode;
  /** Byte offset in the decompressed stream of the block (or byte) where the problem was found. */
  readonly offset: number;
  /** Block type being read, when known (e.g. 0x216 for EV_V2). */
  readonly blockType: number | undefined;

  constructor(code: ScapErrorCode, message: string, offset: number, blockType?: number) {
    const where = blockType === undefined ? `at byte ${offset}` : `at byte ${offset} in block 0x${blockType.toString(16)} (${blockTypeName(blockType)})`;
    super(`${message} ${where}`);
    this.name = 'ScapError';
    this.code = code;
    this.offset = offset;
    this.blockType = blockType;
  }
}

export { blockTypeName };
