// User and group tables (user.name, user.homedir, user.shell, group.name): loaded from a capture's user list
// or /etc/passwd + /etc/group at live start, kept current by useradded/userdeleted/groupadded/groupdeleted.
import { LRUCache } from 'lru-cache';
import type { GroupEntry, UserEntry } from '../schema/capture-types.js';

/** One user, as libsinsp's scap_userinfo. */
export interface UserInfo {
  uid: number;
  /** Primary group id. */
  gid: number;
  /** Login name. user.name */
  name: string;
  /** Home directory. user.homedir */
  homedir: string;
  /** Login shell. user.shell */
  shell: string;
}

/** One group, as libsinsp's scap_groupinfo. */
export interface GroupInfo {
  gid: number;
  /** Group name. group.name */
  name: string;
}

export const DEFAULT_MAX_USERS = 65536;

export interface IdTableStats { size: number; limit: number; evictions: number }

/** A bounded id → entry table (`get(uid)`), LRU when full. */
export class IdTable<T extends object> {
  private readonly map: LRUCache<number, T>;
  evicted = 0;

  constructor(readonly limit = DEFAULT_MAX_USERS) {
    // maxSize (weight 1 each) bounds the count without preallocating it, as in ThreadTable.
    this.map = new LRUCache<number, T>({ maxSize: limit, sizeCalculation: () => 1, dispose: (_v, _k, r) => { if (r === 'evict') this.evicted++; } });
  }

  get size(): number { return this.map.size; }
  get(id: number): T | undefined { return this.map.get(id); }
  has(id: number): boolean { return this.map.has(id); }
  set(id: number, v: T): void { this.map.set(id, v); }
  delete(id: number): boolean { return this.map.delete(id); }
  values(): IterableIterator<T> { return this.map.values(); }
  stats(): IdTableStats { return { size: this.map.size, limit: this.limit, evictions: this.evicted }; }
}

export class UserTable extends IdTable<UserInfo> {
  /** Adds users; the first entry for a uid wins, as getpwuid() returns the first /etc/passwd line. */
  load(list: readonly UserEntry[]): void {
    for (const u of list) {
      if (!this.has(u.uid)) this.set(u.uid, { uid: u.uid, gid: u.gid, name: u.name, homedir: u.homedir, shell: u.shell });
    }
  }
}

export class GroupTable extends IdTable<GroupInfo> {
  load(list: readonly GroupEntry[]): void {
    for (const g of list) if (!this.has(g.gid)) this.set(g.gid, { gid: g.gid, name: g.name });
  }
}
