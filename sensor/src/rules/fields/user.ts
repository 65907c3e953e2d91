// user.* and group.*: the event thread's user and group, named from the user/group tables (capture lists,
// /etc/passwd and /etc/group). An id missing from the tables reads as libsinsp's stand-in entry
// (sinsp_threadinfo::get_user/get_group/get_loginuser): name "root" and home "/root" for id 0, else "<NA>" — a
// value, not a missing one, so conditions compare it and JSON carries the string.
import type { GroupEntry, UserEntry } from '../../schema/capture-types.js';
import type { FieldContext, ThreadView } from './context.js';
import { field, type FieldDef, type FieldValue } from './types.js';

interface NamedTables {
  users?: { get(uid: number): UserEntry | undefined };
  groups?: { get(gid: number): GroupEntry | undefined };
}

/** The user entry for a uid: the state's table when it has one, else the metadata this context loaded. */
export function userOf(c: FieldContext, uid: number): UserEntry | undefined {
  return (c.state as unknown as NamedTables).users?.get(uid) ?? c.users.get(uid);
}

export function groupOf(c: FieldContext, gid: number): GroupEntry | undefined {
  return (c.state as unknown as NamedTables).groups?.get(gid) ?? c.groups.get(gid);
}

/** libsinsp's stand-in for an id the tables do not hold. */
const NA = '<NA>';
const nameOf = (id: number, u: { name: string } | undefined): string => u?.name ?? (id === 0 ? 'root' : NA);

const thr = (f: (th: ThreadView, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const th = c.thread();
  return th === undefined ? undefined : f(th, c);
};

/** loginuid as libsinsp keeps it: a signed 32-bit value, -1 (4294967295 unsigned) when unset. */
const loginuid = (th: ThreadView): number => (th.loginuid ?? -1) | 0;

export const USER_FIELDS: readonly FieldDef<any>[] = [
  field({ name: 'user.uid', type: 'uint32', desc: 'user id (4294967295 when unknown)', extract: thr((t) => t.uid >>> 0) }),
  field({ name: 'user.name', type: 'charbuf', desc: 'user name (<NA> when the uid is not in the user table)', extract: thr((t, c) => nameOf(t.uid >>> 0, userOf(c, t.uid >>> 0))) }),
  field({ name: 'user.homedir', type: 'charbuf', desc: 'home directory of the user', extract: thr((t, c) => userOf(c, t.uid >>> 0)?.homedir ?? (t.uid >>> 0 === 0 ? '/root' : NA)) }),
  field({ name: 'user.shell', type: 'charbuf', desc: "user's shell", extract: thr((t, c) => userOf(c, t.uid >>> 0)?.shell ?? NA) }),
  field({ name: 'user.loginuid', type: 'int64', desc: 'audit user id (auid); -1 when unset', extract: thr((t) => loginuid(t)) }),
  field({ name: 'user.loginname', type: 'charbuf', desc: 'name of the audit user (auid); <NA> when unset or unknown', extract: thr((t, c) => { const l = loginuid(t) >>> 0; return nameOf(l, userOf(c, l)); }) }),
  field({ name: 'group.gid', type: 'uint32', desc: 'group id (4294967295 when unknown)', extract: thr((t) => t.gid >>> 0) }),
  field({ name: 'group.name', type: 'charbuf', desc: 'group name (<NA> when the gid is not in the group table)', extract: thr((t, c) => nameOf(t.gid >>> 0, groupOf(c, t.gid >>> 0))) }),
];
