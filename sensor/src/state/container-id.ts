// Container id from a thread's cgroup paths, the way Falco's container engines (libsinsp runc.cpp matchers, now
// the container plugin) match them: podman, docker, CRI (containerd/CRI-O), ctr namespaces, LXC; else 'host'.
import { LRUCache } from 'lru-cache';

/** container.id (12 chars for 64-hex ids) and container.full_id; both 'host' for host processes. */
export interface ContainerId { id: string; fullId: string }

export const HOST_CONTAINER: Readonly<ContainerId> = Object.freeze({ id: 'host', fullId: 'host' });

const ID_LEN = 64;
const REPORTED_LEN = 12;

/** <prefix><id><suffix> layouts (runc.h cgroup_layout), tried in order; '' suffix = end of the path. */
type Layout = readonly [prefix: string, suffix: string];
const PODMAN: readonly Layout[] = [
  ['/libpod-', '.scope'], ['/libpod-', '.scope/container'], ['/libpod-', ''],
  ['/libpod-payload-', '.scope'], ['/libpod-payload-', '.scope/container'], ['/libpod-payload-', ''],
];
const DOCKER: readonly Layout[] = [['/', ''], ['/docker-', '.scope']];
const CRI: readonly Layout[] = [
  ['/', ''], ['/crio-', ''], ['/cri-containerd-', '.scope'], ['/crio-', '.scope'], [':cri-containerd:', ''],
  ['/docker-', '.scope'],
];
const LXC_PREFIXES = ['/lxc/', '/lxc.payload/', '/lxc.payload.'];
/** ctr creates containers under `/<namespace>/<id>` (e.g. `/default/<id>`). */
const CONTAINERD_NS = /\/([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)\//;

function isHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/**
 * runc.cpp match_one_container_id: the last `prefix`, the last `suffix` (or the end), and between them a
 * 64-hex id (reported as 12 chars). With `containerd` set, any id of 1..64 chars is accepted unless the path
 * is a systemd unit (.service/.slice/.scope), as the ctr-namespace matcher does.
 */
function matchOne(path: string, prefix: string, suffix: string, containerd: boolean): ContainerId | null {
  let start = path.lastIndexOf(prefix);
  if (start < 0) return null;
  start += prefix.length;
  const end = suffix === '' ? path.length : path.lastIndexOf(suffix);
  if (end < 0 || end < start) return null;
  const len = end - start;
  // libsinsp compares find_first_not_of's absolute position with 64; we check the id chars themselves.
  if (len === ID_LEN && isHex(path, start, end)) {
    const full = path.slice(start, end);
    return { id: full.slice(0, REPORTED_LEN), fullId: full };
  }
  if (len > ID_LEN || len === 0) return null;
  if (containerd && !path.endsWith('.service') && !path.endsWith('.slice') && !path.endsWith('.scope')) {
    const full = path.slice(start, end);
    return { id: full.slice(0, REPORTED_LEN), fullId: full };
  }
  return null;
}

function matchLayouts(path: string, layouts: readonly Layout[]): ContainerId | null {
  for (const [p, s] of layouts) {
    const m = matchOne(path, p, s, false);
    if (m) return m;
  }
  return null;
}

/** The container id one cgroup path names, or null (engines in the container plugin's order). */
export function containerIdFromCgroupPath(path: string): ContainerId | null {
  const m = matchLayouts(path, PODMAN) ?? matchLayouts(path, DOCKER) ?? matchLayouts(path, CRI);
  if (m) return m;
  const ns = CONTAINERD_NS.exec(path);
  if (ns) {
    const c = matchOne(path, ns[0], '', true);
    if (c) return c;
  }
  for (const p of LXC_PREFIXES) {
    const i = path.indexOf(p);
    if (i < 0) continue;
    const from = i + p.length;
    const to = path.indexOf('/', from);
    const id = path.slice(from, to < 0 ? path.length : to);
    return { id, fullId: id };
  }
  return null;
}

/** The path part of a "subsys=/path" entry (also accepts a bare path or a /proc "N:subsys:/path" line). */
function pathOf(entry: string): string {
  const eq = entry.indexOf('=');
  if (eq >= 0 && entry.charCodeAt(eq + 1) === 47) return entry.slice(eq + 1);
  const slash = entry.indexOf('/');
  return slash >= 0 ? entry.slice(slash) : entry;
}

/** Resolves thread cgroup lists to container ids, memoised (processes of one container share the list). */
export class ContainerIdResolver {
  private readonly cache: LRUCache<string, ContainerId>;

  constructor(limit = 4096) { this.cache = new LRUCache<string, ContainerId>({ max: limit }); }

  /** First cgroup entry that names a container wins (v1: one per subsystem; v2: the single `0::` path). */
  resolve(cgroups: readonly string[]): ContainerId {
    if (cgroups.length === 0) return HOST_CONTAINER;
    const key = cgroups.length === 1 ? cgroups[0] : cgroups.join('\n');
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let found: ContainerId = HOST_CONTAINER;
    for (const c of cgroups) {
      const m = containerIdFromCgroupPath(pathOf(c));
      if (m) { found = m; break; }
    }
    this.cache.set(key, found);
    return found;
  }

  get size(): number { return this.cache.size; }
}

/** One-shot helper for tests and tools. */
export function containerIdFromCgroups(cgroups: readonly string[]): ContainerId {
  return new ContainerIdResolver(1).resolve(cgroups);
}
