// Address rendering shared by the formatter and the state tables: the text libsinsp prints for IPv4/IPv6
// addresses, socket addresses and socket tuples (glibc inet_ntop conventions for IPv6).

export function ipv4ToString(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** glibc inet_ntop(AF_INET6): longest zero run (>= 2 groups) becomes `::`; IPv4-mapped/compatible tails. */
export function ipv6ToString(b: Uint8Array, at = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) { curBase = i; curLen = 1; } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) { bestBase = curBase; bestLen = curLen; }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += ipv4ToString(b, at + 12);
      break;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

export function isIpv4MappedIpv6(b: Uint8Array, at = 0): boolean {
  for (let i = 0; i < 12; i++) if (b[at + i] !== MAPPED_PREFIX[i]) return false;
  return true;
}

const PPM_AF_UNIX = 1;
const PPM_AF_INET = 2;
const PPM_AF_INET6 = 10;

function u16(b: Uint8Array, at: number): number { return b[at] | (b[at + 1] << 8); }
function u64hex(b: Uint8Array, at: number): string {
  let hi = 0, lo = 0;
  for (let i = 3; i >= 0; i--) { lo = lo * 256 + b[at + i]; hi = hi * 256 + b[at + 4 + i]; }
  if (hi === 0) return lo.toString(16);
  return hi.toString(16) + lo.toString(16).padStart(8, '0');
}

function cstr(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e && b[i] !== 0; i++) {
    const c = b[i];
    // libsinsp sanitize_string: non-printable and non-ASCII bytes are dropped
    if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
  }
  return out;
}

/** PT_SOCKADDR as libsinsp prints it. `b` holds exactly the parameter bytes. */
export function sockaddrToString(b: Uint8Array): string {
  if (b.length === 0) return 'NULL';
  const fam = b[0];
  if (fam === PPM_AF_UNIX) return cstr(b, 1, b.length);
  if (fam === PPM_AF_INET) {
    if (b.length !== 7) return 'INVALID IPv4';
    return `${ipv4ToString(b, 1)}:${u16(b, 5)}`;
  }
  if (fam === PPM_AF_INET6) {
    if (b.length !== 19) return 'INVALID IPv6';
    if (isIpv4MappedIpv6(b, 1)) return `${ipv4ToString(b, 13)}:${u16(b, 17)}`;
    return `${ipv6ToString(b, 1)}:${u16(b, 17)}`;
  }
  return `family ${fam}`;
}

/** PT_SOCKTUPLE as libsinsp prints it. */
export function socktupleToString(b: Uint8Array): string {
  if (b.length === 0) return 'NULL';
  const fam = b[0];
  if (fam === PPM_AF_INET) {
    if (b.length !== 13) return 'INVALID IPv4';
    return `${ipv4ToString(b, 1)}:${u16(b, 5)}->${ipv4ToString(b, 7)}:${u16(b, 11)}`;
  }
  if (fam === PPM_AF_INET6) {
    if (b.length !== 37) return 'INVALID IPv6';
    if (isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19)) {
      return `${ipv4ToString(b, 13)}:${u16(b, 17)}->${ipv4ToString(b, 31)}:${u16(b, 35)}`;
    }
    return `${ipv6ToString(b, 1)}:${u16(b, 17)}->${ipv6ToString(b, 19)}:${u16(b, 35)}`;
  }
  if (fam === PPM_AF_UNIX) {
    if (b.length < 17) return `family ${fam}`;
    return `${u64hex(b, 1)}->${u64hex(b, 9)} ${cstr(b, 17, b.length)}`;
  }
  return `family ${fam}`;
}
