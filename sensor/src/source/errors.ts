// Errors of the capture reader: one class with a stable code, the byte offset (in the decompressed
// stream) and the block type where reading stopped, so a message can point at the exact spot.

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

const BLOCK_NAMES: Record<number, string> = {
  0x0a0d0d0a: 'SHB',
  0x201: 'MI', 0x8002abcd: 'MI_INT',
  0x202: 'PL_V1', 0x8000abcd: 'PL_V1_INT', 0x207: 'PL_V2', 0x8013abcd: 'PL_V2_INT', 0x209: 'PL_V3',
  0x8014abcd: 'PL_V3_INT', 0x210: 'PL_V4', 0x211: 'PL_V5', 0x212: 'PL_V6', 0x213: 'PL_V7', 0x214: 'PL_V8',
  0x215: 'PL_V9',
  0x203: 'FDL', 0x8001abcd: 'FDL_INT', 0x218: 'FDL_V2',
  0x205: 'IL', 0x8011abcd: 'IL_INT', 0x219: 'IL_V2',
  0x206: 'UL', 0x8012abcd: 'UL_INT', 0x220: 'UL_V2',
  0x204: 'EV', 0x8010abcd: 'EV_INT', 0x208: 'EVF', 0x216: 'EV_V2', 0x217: 'EVF_V2',
  0x221: 'EV_V2_LARGE', 0x222: 'EVF_V2_LARGE',
};

export function blockTypeName(type: number): string {
  return BLOCK_NAMES[type >>> 0] ?? 'unknown';
}
