// .scap block ids and constants shared by the reader, the writer and their errors (libscap scap_savefile.h).
// *_INT ids are pre-release variants libscap still accepts on read.
export const BlockType = {
  SHB: 0x0a0d0d0a,
  MI: 0x201, MI_INT: 0x8002abcd,
  PL_V1: 0x202, PL_V1_INT: 0x8000abcd, PL_V2: 0x207, PL_V2_INT: 0x8013abcd, PL_V3: 0x209, PL_V3_INT: 0x8014abcd,
  PL_V4: 0x210, PL_V5: 0x211, PL_V6: 0x212, PL_V7: 0x213, PL_V8: 0x214, PL_V9: 0x215,
  FDL: 0x203, FDL_INT: 0x8001abcd, FDL_V2: 0x218,
  EV: 0x204, EV_INT: 0x8010abcd, EVF: 0x208, EV_V2: 0x216, EVF_V2: 0x217, EV_V2_LARGE: 0x221, EVF_V2_LARGE: 0x222,
  IL: 0x205, IL_INT: 0x8011abcd, IL_V2: 0x219,
  UL: 0x206, UL_INT: 0x8012abcd, UL_V2: 0x220,
} as const;

/** Section header byte-order magic (host order; libscap rejects the swapped value). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_NAMES = new Map<number, string>(Object.entries(BlockType).map(([name, id]) => [id >>> 0, name]));

export function blockTypeName(type: number): string {
  return BLOCK_NAMES.get(type >>> 0) ?? 'unknown';
}
