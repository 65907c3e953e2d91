// A small world for field tests: a SystemState loaded from a CaptureMetadata built here (a process tree
// systemd(1) → sshd(100) → bash(200) → sh(300) → cat(400), fds of cat, users/groups, interfaces), a
// Formatter over it, and `apply(code, params)` that builds one record, runs it through state, and returns
// the view ready for extraction.
import { buildEvent, batchOf, type ParamValue } from '../../helpers/event-builder.js';
import { EventView } from '../../../sensor/src/decode/event-view.js';
import { Formatter } from '../../../sensor/src/decode/format.js';
import { SystemState } from '../../../sensor/src/state/index.js';
import { ScapFdType, type CaptureMetadata, type FdEntry, type ThreadEntry } from '../../../sensor/src/schema/capture-types.js';

export function threadEntry(tid: number, ptid: number, comm: string, over: Partial<ThreadEntry> = {}): ThreadEntry {
  return {
    tid, pid: tid, ptid, sid: 100, vpgid: tid, pgid: tid, comm, exe: comm, exepath: '/usr/bin/' + comm, args: [], cwd: '/home/alice/',
    fdlimit: 1024n, flags: 0, uid: 1000, gid: 1000, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [],
    vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 34816, loginuid: 1000, exeWritable: false,
    capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false,
    exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, ...over,
  };
}

export const CAT = 400;
const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));

export function world() {
  const fds: FdEntry[] = [
    { fd: 3, ino: 1234n, type: ScapFdType.File, name: '/etc/hostname', openFlags: 1, dev: (8 << 8) | 1 /* new_encode_dev(8, 1), as events and captures carry it */ },
    { fd: 4, ino: 0n, type: ScapFdType.Ipv4Sock, name: '', openFlags: 0, dev: 0, sip: ip('10.0.0.5'), dip: ip('93.184.216.34'), sport: 40000, dport: 443, l4proto: 2 },
    { fd: 5, ino: 0n, type: ScapFdType.Directory, name: '/var/log', openFlags: 0, dev: 0 },
    { fd: 6, ino: 0n, type: ScapFdType.Ipv4ServSock, name: '', openFlags: 0, dev: 0, sip: ip('0.0.0.0'), sport: 8080, l4proto: 2 },
    { fd: 7, ino: 0n, type: ScapFdType.UnixSock, name: '/run/x.sock', openFlags: 0, dev: 0 },
  ];
  const md: CaptureMetadata = {
    machine: { numCpus: 2, memorySizeBytes: 0n, maxPid: 0n, hostname: 'node-1', bootTsEpoch: 0n, flags: 0n },
    threads: [
      threadEntry(1, 0, 'systemd', { sid: 1, uid: 0, gid: 0, loginuid: 0xffffffff, tty: 0 }),
      threadEntry(100, 1, 'sshd', { sid: 100, uid: 0, gid: 0, args: ['-D'], exepath: '/usr/sbin/sshd' }),
      threadEntry(200, 100, 'bash', { args: ['-l'], exe: '-bash', exepath: '/usr/bin/bash' }),
      threadEntry(300, 200, 'sh', { args: ['-c', 'cat /etc/hostname'], exepath: '/usr/bin/dash', vpgid: 300 }),
      threadEntry(CAT, 300, 'cat', {
        args: ['/etc/hostname'], vpgid: 300, env: ['HOME=/home/alice', 'LANG=C'],
        capEffective: (1n << 0n) | (1n << 21n), capPermitted: 1n << 12n, exeIno: 777n, exeInoCtime: 1_600_000_000_000_000_000n,
        exeInoMtime: 1_500_000_000_000_000_000n, exeUpperLayer: true,
        cgroups: ['cpu=/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'],
      }),
    ],
    fds: new Map([[CAT, fds]]),
    users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' }, { uid: 1000, gid: 1000, name: 'alice', homedir: '/home/alice', shell: '/bin/zsh' }],
    groups: [{ gid: 0, name: 'root' }, { gid: 1000, name: 'staff' }],
    interfaces: [
      { family: 'ipv4', name: 'lo', addr: ip('127.0.0.1'), netmask: ip('255.0.0.0'), bcast: ip('0.0.0.0'), linkspeed: 0n },
      { family: 'ipv4', name: 'eth0', addr: ip('10.0.0.5'), netmask: ip('255.255.255.0'), bcast: ip('10.0.0.255'), linkspeed: 0n },
    ],
  };
  const state = new SystemState();
  state.loadMetadata(md);
  const formatter = new Formatter(state);
  formatter.loadMetadata(md);
  const view = new EventView();
  let num = 0;
  const apply = (code: string, params: Record<string, ParamValue>, opts: { tid?: number; ts?: bigint; nparams?: number } = {}) => {
    const b = batchOf([buildEvent(code, params, { tid: opts.tid ?? CAT, ts: opts.ts ?? 1_700_000_000_000_000_000n }, opts.nparams)]);
    view.set(b.bytes, b.view, b.offsets[0], 1, ++num);
    state.process(view);
    return view;
  };
  /** Renders `*%field` for the current view. */
  const get = (fieldRef: string): string | null => formatter.compile('*%' + fieldRef).render(view);
  return { md, state, formatter, view, apply, get };
}
