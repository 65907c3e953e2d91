// `sensord capture`'s two container pieces on events built from the schema: the --container filter (which threads
// belong to the container) and the container events (written once per container, late when its metadata comes late).
import { describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/event-builder.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { ContainerMembers, ContainerRecorder } from '../../sensor/src/daemon/commands/capture.js';
import type { MetadataStore } from '../../sensor/src/enrich/store.js';
import type { ScapWriter } from '../../sensor/src/source/scap-writer.js';
import type { ContainerMeta } from '../../sensor/src/enrich/types.js';
import type { CaptureMetadata, ThreadEntry } from '../../sensor/src/schema/capture-types.js';

const CID = 'c0ffee' + '1'.repeat(58);
const OTHER = 'beef00' + '2'.repeat(58);
const cgroups = (id: string) => [`cpu=/kubepods/besteffort/pod0123/${id}`, `memory=/kubepods/besteffort/pod0123/${id}`];
const HOST = ['cpu=/', 'memory=/'];

const view = (rec: Uint8Array) => new EventView().set(rec, new DataView(rec.buffer, rec.byteOffset, rec.byteLength), 0, 0, 1);

/** Clone exit: res 0 on the child side (its own tid/cgroups), the child's pid on the parent side. */
function clone(tid: number, res: number, groups: string[], vtid = tid): EventView {
  return view(buildEvent('PPME_SYSCALL_CLONE_20_X', {
    res, exe: 'sh', args: [], tid, pid: tid, ptid: 1, cwd: '/', fdlimit: 1024, comm: 'sh', cgroups: groups, flags: 0,
    uid: 0, gid: 0, vtid, vpid: vtid, pidns_init_start_ts: 0,
  }, { tid }));
}
const procexit = (tid: number) => view(buildEvent('PPME_PROCEXIT_1_E', { status: 0, ret: 0, sig: 0, core: 0, reaper_tid: 0 }, { tid }));
const close = (tid: number) => view(buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0 }, { tid }));

function thread(tid: number, groups: string[]): ThreadEntry {
  return { tid, pid: tid, cgroups: groups } as unknown as ThreadEntry;
}

describe('capture --container: the container\'s threads', () => {
  it('keeps the process list\'s threads of the container (by a 12-character prefix too) and their fds', () => {
    const m = new ContainerMembers(CID.slice(0, 12));
    const md = m.keep({ threads: [thread(10, cgroups(CID)), thread(11, HOST), thread(12, cgroups(OTHER))], fds: new Map([[10, []], [11, []], [12, []]]), users: [], groups: [], interfaces: [] } as CaptureMetadata);
    expect(md.threads.map((t) => t.tid)).toEqual([10]);
    expect([...md.fds.keys()]).toEqual([10]);
    expect(m.admit(close(10))).toBe(true);
    expect(m.admit(close(11))).toBe(false);
  });

  it('admits a child by its own clone exit (its cgroups), not by the parent\'s result, a pid in the container\'s namespace', () => {
    const m = new ContainerMembers(CID);
    m.keep({ threads: [thread(100, cgroups(CID))], fds: new Map(), users: [], groups: [], interfaces: [] } as CaptureMetadata);
    // Parent side in the container: res 2 is the child's pid inside the container, not host tid 2.
    expect(m.admit(clone(100, 2, cgroups(CID), 1))).toBe(true);
    expect(m.admit(close(2))).toBe(false);
    // Child side: host tid 205, its cgroups name the container.
    expect(m.admit(clone(205, 0, cgroups(CID), 2))).toBe(true);
    expect(m.admit(close(205))).toBe(true);
    // A thread of another container or of the host is not admitted by its clone.
    expect(m.admit(clone(300, 0, cgroups(OTHER)))).toBe(false);
    expect(m.admit(clone(301, 0, HOST))).toBe(false);
  });

  it('a member that exits leaves: its tid, reused by a host process, is not kept', () => {
    const m = new ContainerMembers(CID);
    expect(m.admit(clone(400, 0, cgroups(CID)))).toBe(true);
    expect(m.admit(procexit(400))).toBe(true);
    expect(m.admit(close(400))).toBe(false);
  });
});

describe('capture: container events', () => {
  const meta = (id: string): ContainerMeta => ({
    id, name: `n-${id.slice(0, 4)}`, type: 'containerd', image: { name: 'i:1', repository: 'i', tag: '1', digest: '', id: '' },
    labels: {}, privileged: false, mounts: [], startTs: 0n, ip: '',
  });

  /** A store that knows `known` now; `learn` adds one later. Holds never wait. */
  function setup(known: string[]) {
    const metas = new Map(known.map((id) => [id, meta(id)]));
    const store = { hold: () => null, container: (id: string) => metas.get(id) } as unknown as MetadataStore;
    const records: { id: string; ts: bigint }[] = [];
    const writer = {
      writeRecord: (rec: Uint8Array) => {
        const v = view(rec);
        records.push({ id: (JSON.parse(v.str(0)) as { container: { full_id: string } }).container.full_id, ts: v.ts });
      },
    } as unknown as ScapWriter;
    return { rec: new ContainerRecorder(store, writer), records, learn: (id: string) => metas.set(id, meta(id)) };
  }

  it('one event per container of the process list (the host has none), at the time given', async () => {
    const { rec, records } = setup([CID, OTHER]);
    await rec.fromThreads([thread(1, cgroups(CID)), thread(2, cgroups(CID)), thread(3, HOST), thread(4, cgroups(OTHER))], 5n);
    expect(records).toEqual([{ id: CID, ts: 5n }, { id: OTHER, ts: 5n }]);
    expect(rec.written).toBe(2);
  });

  it('the process list\'s containers are looked up together: the events wait for the slowest, in list order', async () => {
    const metas = new Map<string, ContainerMeta>();
    const asked: string[] = [];
    const pending = new Map<string, () => void>();
    const store = {
      hold: (id: string) => { asked.push(id); return new Promise<void>((resolve) => pending.set(id, () => { metas.set(id, meta(id)); resolve(); })); },
      container: (id: string) => metas.get(id),
    } as unknown as MetadataStore;
    const ids: string[] = [];
    const writer = { writeRecord: (rec: Uint8Array) => { ids.push((JSON.parse(view(rec).str(0)) as { container: { full_id: string } }).container.full_id); } } as unknown as ScapWriter;
    const rec = new ContainerRecorder(store, writer);
    const done = rec.fromThreads([thread(1, cgroups(CID)), thread(2, cgroups(OTHER))], 1n);
    await Promise.resolve();
    expect(asked).toEqual([CID, OTHER]); // both asked before either answered
    pending.get(OTHER)!();
    pending.get(CID)!();
    await done;
    expect(ids).toEqual([CID, OTHER]);
  });

  it('a new container named by a clone exit gets its event before the record; never twice', async () => {
    const { rec, records } = setup([CID]);
    await rec.fromRecord(clone(7, 0, cgroups(CID)), 9n);
    await rec.fromRecord(clone(8, 0, cgroups(CID)), 10n);
    await rec.fromRecord(close(8), 11n); // not a clone/exec exit: names no container
    expect(records).toEqual([{ id: CID, ts: 9n }]);
  });

  it('a container whose metadata comes after the wait gets its event at the first batch after it arrives', async () => {
    const { rec, records, learn } = setup([]);
    await rec.fromRecord(clone(7, 0, cgroups(CID)), 9n);
    expect(records).toEqual([]);
    rec.late(10n);
    expect(records).toEqual([]);
    learn(CID);
    rec.late(12n);
    rec.late(13n);
    expect(records).toEqual([{ id: CID, ts: 12n }]);
  });
});
