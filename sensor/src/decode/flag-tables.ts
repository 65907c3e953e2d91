// Flag/enum rendering as sysdig 0.29.3 does it: `flags=4097(O_RDONLY|O_CLOEXEC)`. The tables themselves
// (names, PPM values, row order) come from schema/flags.ts, the single source of truth; this module adds
// which parameter used which table in sysdig 0.29.3's (2022) event table, and drops rows libs added later.
import { FLAG_TABLES as SCHEMA_TABLES, type FlagTable } from '../schema/flags.js';

export type { FlagTable } from '../schema/flags.js';

/** Rows added to libs after sysdig 0.29.3: sysdig does not print them, so neither do we. */
const ABSENT_IN_SYSDIG_0_29: Record<string, readonly string[]> = {
  file_flags: ['O_F_CREATED'],
  execve_flags: ['EXE_LOWER_LAYER'],
};

export const FLAG_TABLES: Record<string, FlagTable> = Object.fromEntries(
  Object.entries(SCHEMA_TABLES).map(([name, rows]) => {
    const absent = ABSENT_IN_SYSDIG_0_29[name];
    return [name, absent ? rows.filter(([n]) => !absent.includes(n)) : rows];
  }),
);

/** event name → param name → table in sysdig 0.29.3's event table. Applies to every version of the event. */
const PARAM_TABLES: Record<string, Record<string, string>> = {
  open: { flags: 'file_flags' }, openat: { flags: 'file_flags' }, openat2: { flags: 'file_flags', resolve: 'openat2_flags' },
  open_by_handle_at: { flags: 'file_flags' }, dup3: { flags: 'file_flags' }, creat: { creat_flags: 'file_flags' },
  socket: { domain: 'socket_families' }, socketpair: { domain: 'socket_families' },
  flock: { operation: 'flock_flags' },
  clone: { flags: 'clone_flags' }, fork: { flags: 'clone_flags' }, vfork: { flags: 'clone_flags' }, clone3: { flags: 'clone_flags' },
  setns: { nstype: 'clone_flags' }, unshare: { flags: 'clone_flags' },
  futex: { op: 'futex_operations' },
  mount: { flags: 'mount_flags' }, umount: { flags: 'umount_flags' }, umount2: { flags: 'umount_flags' },
  lseek: { whence: 'lseek_whence' }, llseek: { whence: 'lseek_whence' },
  shutdown: { how: 'shutdown_how' },
  getrlimit: { resource: 'rlimit_resources' }, setrlimit: { resource: 'rlimit_resources' }, prlimit: { resource: 'rlimit_resources' },
  fcntl: { cmd: 'fcntl_commands' },
  setsockopt: { level: 'sockopt_levels', optname: 'sockopt_options' }, getsockopt: { level: 'sockopt_levels', optname: 'sockopt_options' },
  ptrace: { request: 'ptrace_requests' },
  mmap: { prot: 'prot_flags', flags: 'mmap_flags' }, mmap2: { prot: 'prot_flags', flags: 'mmap_flags' },
  mprotect: { prot: 'prot_flags' },
  splice: { flags: 'splice_flags' },
  semop: { sem_flg_0: 'semop_flags', sem_flg_1: 'semop_flags' }, semget: { semflg: 'semget_flags' }, semctl: { cmd: 'semctl_commands' },
  access: { mode: 'access_flags' },
  page_fault: { error_code: 'pf_flags' },
  unlinkat: { flags: 'unlinkat_flags' }, linkat: { flags: 'linkat_flags' },
  chmod: { mode: 'chmod_mode' }, fchmod: { mode: 'chmod_mode' }, fchmodat: { mode: 'chmod_mode' },
  renameat2: { flags: 'renameat2_flags' },
  execve: { flags: 'execve_flags' },
  mlockall: { flags: 'mlockall_flags' },
};

/** The flag table of a parameter, or undefined. */
export function flagTableFor(eventName: string, paramName: string): FlagTable | undefined {
  const t = PARAM_TABLES[eventName]?.[paramName];
  return t === undefined ? undefined : FLAG_TABLES[t];
}

/**
 * libsinsp's flag resolution (sysdig 0.29.3 treats enum-like params the same way): walk the table in order
 * until an entry equals the whole value, appending every fully contained non-zero flag (and clearing its
 * bits); then append the exactly-equal entry, if any.
 */
export function renderFlags(value: number, table: FlagTable | undefined): string {
  if (table === undefined) return '';
  let memo = RENDERED.get(table);
  if (memo === undefined) RENDERED.set(table, (memo = new Map()));
  const key = value >>> 0;
  let text = memo.get(key);
  if (text === undefined) {
    text = renderFlagsOnce(key, table);
    if (memo.size < MEMO_PER_TABLE) memo.set(key, text);
  }
  return text;
}

/**
 * Rendered values per table: a flags param takes few distinct values (open flags, socket domains), and rules
 * read them on every event of their type (`evt.arg.domain contains AF_PACKET`). Bounded per table.
 */
const RENDERED = new Map<FlagTable, Map<number, string>>();
const MEMO_PER_TABLE = 4096;

function renderFlagsOnce(value: number, table: FlagTable): string {
  let val = value >>> 0;
  const initial = val;
  let out = '';
  let sep = '';
  let i = 0;
  for (; i < table.length && table[i][1] !== initial; i++) {
    const fv = table[i][1];
    if (fv !== 0 && val !== 0 && ((val & fv) >>> 0) === fv) {
      out += sep + table[i][0];
      sep = '|';
      val = (val & ~fv) >>> 0;
    }
  }
  if (i < table.length) out += sep + table[i][0];
  return out;
}
