// Live probe, one test per process/credential/namespace syscall and procexit. Pids, ids, capabilities and
// results come from the trigger's output; paths and inodes from the file system.
import { describe, expect, it } from 'vitest';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { eventByCode } from '../../sensor/src/schema/index.js';
import {
  TRIGGER, parseDyn, ppm, single, skipWithoutProbe, useTriggerSuite, type DecodedEvent, type TriggerRun,
} from '../helpers/live.js';

const skip = skipWithoutProbe('live syscall tests (process)');
const ENOENT = 2, ESRCH = 3, EPERM = 1, EBADF = 9, EINVAL = 22;
const text = (v: unknown) => Buffer.from(v as Uint8Array).toString('latin1');

describe.skipIf(skip)('live probe: process syscalls', () => {
  const run = useTriggerSuite();

  /** The parent's and the child's exit event of one clone-family call. */
  function cloneEvents(r: TriggerRun, name: string, child: number): [DecodedEvent, DecodedEvent] {
    const parent = single(r, name, (x) => x.tid === r.pid && x.params.res === child);
    const kid = single(r, name, (x) => x.tid === child);
    expect(parent.params).toMatchObject({ tid: r.pid, pid: r.pid, ptid: process.pid, comm: 'trigger', exe: TRIGGER, uid: 0, gid: 0 });
    expect(kid.params).toMatchObject({ res: 0, tid: child, pid: child, ptid: r.pid, vtid: child, vpid: child, comm: 'trigger' });
    expect(kid.params.flags).toBe(parent.params.flags);
    return [parent, kid];
  }

  it('fork: parent res = child pid, child res 0 with tid/pid/ptid, flags 0', async () => {
    const r = await run('fork');
    const [parent] = cloneEvents(r, 'fork', r.num('fork', 'res'));
    expect(parent.params.flags).toBe(0);
  });

  it('vfork: flags CLONE_VFORK|CLONE_VM as PPM', async () => {
    const r = await run('fork');
    const [parent] = cloneEvents(r, 'vfork', r.num('vfork', 'res'));
    expect(parent.params.flags).toBe(ppm('clone_flags', 'CLONE_VFORK', 'CLONE_VM'));
  });

  it('clone: flags CLONE_PARENT_SETTID as PPM, parent and child events', async () => {
    const r = await run('fork');
    const child = r.num('clone', 'res');
    expect(r.num('clone', 'ptid')).toBe(child);
    const [parent] = cloneEvents(r, 'clone', child);
    expect(parent.params.flags).toBe(ppm('clone_flags', 'CLONE_PARENT_SETTID'));
  });

  it('clone3: flags from clone_args (CLONE_VFORK), parent and child events', async () => {
    const r = await run('fork');
    const [parent] = cloneEvents(r, 'clone3', r.num('clone3', 'res'));
    expect(parent.params.flags).toBe(ppm('clone_flags', 'CLONE_VFORK'));
  });

  it('execve: one event per exec with exe, args, ids, cwd, comm, uid/gid, trusted_exepath, filename, env, exe_ino; a failed execve gives one event with res < 0', async () => {
    const r = await run('exec');
    const child = r.num('execve', 'child');
    const e = single(r, 'execve', (x) => x.tid === child);
    expect(e.params.res).toBe(0);
    expect(e.params.exe).toBe('/bin/true');
    expect(text(e.params.args)).toBe('arg1\0arg two\0');
    expect(e.params).toMatchObject({ tid: child, pid: child, ptid: r.pid, cwd: r.out('execve').cwd, comm: 'true', uid: 4321, gid: 1234 });
    expect(e.params.trusted_exepath).toBe(realpathSync('/bin/true'));
    expect(e.params.filename).toBe('/bin/true');
    expect(text(e.params.env).split('\0')).toEqual(expect.arrayContaining(['FOO=bar', 'SENSORD_TRIGGER=1']));
    expect(e.params.exe_ino).toBe(statSync('/bin/true', { bigint: true }).ino);
    expect(r.num('execve', 'status')).toBe(0);
    // the failed one: from sys_exit, args from the syscall's argv, exactly once
    const fail = single(r, 'execve', (x) => x.tid === r.pid);
    expect(fail.params.res).toBe(-ENOENT);
    expect(r.num('execve_fail', 'res')).toBe(-ENOENT);
    expect(fail.params.filename).toBe('/nonexistent/bin');
    expect(fail.params.exe).toBe('nope');
    expect(text(fail.params.args)).toBe('x\0');
    expect(fail.params).toMatchObject({ tid: r.pid, pid: r.pid, ptid: process.pid, comm: 'trigger' });
  });

  it('execveat: a failed call gives one execveat event (res, exe, args); a successful one is reported once, as Falco does on x86_64 (execve event)', async () => {
    const r = await run('exec');
    const fail = single(r, 'execveat', (x) => x.tid === r.pid);
    expect(fail.params.res).toBe(-ENOENT);
    expect(r.num('execveat_fail', 'res')).toBe(-ENOENT);
    expect(fail.params.exe).toBe('nope');
    expect(text(fail.params.args)).toBe('x\0');
    expect(fail.params).toMatchObject({ tid: r.pid, pid: r.pid, comm: 'trigger' });
    const child = r.num('execveat', 'child');
    expect(r.num('execveat', 'status')).toBe(0);
    const execs = r.events.filter((x) => x.tid === child && (x.name === 'execve' || x.name === 'execveat'));
    expect(execs.length, 'one exec event for the successful execveat').toBe(1);
    // falco-format.md (d): sched_process_exec reports every successful execve *and* execveat as EXECVE_19_X
    const ok = single(r, 'execve', (x) => x.tid === child);
    expect(ok.params).toMatchObject({ res: 0, exe: 'truex', tid: child, pid: child, ptid: r.pid, comm: 'true', uid: 0 });
    expect(text(ok.params.args)).toBe('a1\0');
    expect(ok.params.trusted_exepath).toBe(realpathSync('/bin/true'));
    expect(text(ok.params.env).split('\0')).toContain('BAR=baz');
  });

  it('kill: target pid and signal; a missing pid gives -ESRCH', async () => {
    const r = await run('kill');
    const target = r.num('kill', 'pid');
    const e = single(r, 'kill', (x) => x.params.pid === target);
    expect(e.params.res).toBe(0);
    expect(e.params.sig).toBe(r.num('kill', 'sig'));
    expect(e.tid).toBe(r.pid);
    const miss = single(r, 'kill', (x) => x.params.pid === r.num('kill_missing', 'pid'));
    expect(miss.params.res).toBe(-ESRCH);
    expect(miss.params.sig).toBe(0);
  });

  it('procexit: status, ret, sig, core for a normal exit and a kill', async () => {
    const r = await run('exit');
    const info = eventByCode('PPME_PROCEXIT_1_E');
    const normal = single(r, 'procexit', (x) => x.tid === r.num('exit_code', 'child'));
    expect(normal.type).toBe(info.id);
    expect(normal.nparams).toBe(info.params.length);
    expect(normal.params).toMatchObject({ status: r.num('exit_code', 'status'), ret: 7, sig: 0, core: 0, reaper_tid: 0 });
    const killed = single(r, 'procexit', (x) => x.tid === r.num('exit_signal', 'child'));
    expect(killed.params).toMatchObject({ status: r.num('exit_signal', 'status'), ret: 0, sig: 9, core: 0 });
    const self = single(r, 'procexit', (x) => x.tid === r.pid);
    expect(self.params).toMatchObject({ status: 0, ret: 0, sig: 0 });
  });

  it('setuid: uid and res; dropping back to 0 gives -EPERM', async () => {
    const r = await run('ids');
    const tid = r.num('setuid', 'tid');
    const evs = r.of('setuid').filter((x) => x.tid === tid);
    expect(evs.map((x) => [x.params.res, x.params.uid])).toEqual([[0, 4321], [-EPERM, 0]]);
    expect(single(r, 'setuid', (x) => x === evs[0]).nparams).toBe(2);
  });

  it('setgid: gid and res', async () => {
    const r = await run('ids');
    const e = single(r, 'setgid', (x) => x.tid === r.num('setgid', 'tid'));
    expect(e.params).toMatchObject({ res: 0, gid: 1234 });
  });

  it('setresuid: ruid, euid, suid', async () => {
    const r = await run('ids');
    const e = single(r, 'setresuid', (x) => x.tid === r.num('setresuid', 'tid'));
    expect(e.params).toMatchObject({ res: 0, ruid: 2001, euid: 0, suid: 2003 });
  });

  it('setresgid: rgid, egid, sgid', async () => {
    const r = await run('ids');
    const e = single(r, 'setresgid', (x) => x.tid === r.num('setresgid', 'tid'));
    expect(e.params).toMatchObject({ res: 0, rgid: 1235, egid: 1236, sgid: 1237 });
  });

  it('prctl: option, arg2_str for PR_SET_NAME, arg2_int otherwise', async () => {
    const r = await run('prctl');
    const name = single(r, 'prctl', (x) => x.params.option === r.num('prctl_name', 'option'));
    expect(name.params).toMatchObject({ res: 0, option: ppm('prctl_options', 'PR_SET_NAME'), arg2_str: 'trigname' });
    const dump = single(r, 'prctl', (x) => x.params.option === r.num('prctl_dumpable', 'option'));
    expect(dump.params).toMatchObject({ res: 0, option: ppm('prctl_options', 'PR_SET_DUMPABLE'), arg2_int: 1 });
  });

  it('capset: the capability sets after the call', async () => {
    const r = await run('capset');
    const c = r.out('capset');
    const e = single(r, 'capset', (x) => x.tid === Number(c.tid));
    expect(e.params.res).toBe(0);
    expect(e.params.cap_inheritable).toBe(BigInt(c.inheritable));
    expect(e.params.cap_inheritable).toBe(1n << 5n); // CAP_KILL, set by the trigger
    expect(e.params.cap_permitted).toBe(BigInt(c.permitted));
    expect(e.params.cap_effective).toBe(BigInt(c.effective));
  });

  it('unshare: flags as PPM clone flags (CLONE_NEWUTS|CLONE_NEWIPC, CLONE_NEWNS)', async () => {
    const r = await run('ns');
    const e = single(r, 'unshare');
    expect(e.params).toMatchObject({ res: 0, flags: ppm('clone_flags', 'CLONE_NEWUTS', 'CLONE_NEWIPC') });
    const m = await run('mount');
    const n = single(m, 'unshare');
    expect(n.params).toMatchObject({ res: 0, flags: ppm('clone_flags', 'CLONE_NEWNS') });
  });

  it('setns: fd and nstype; a bad fd gives -EBADF', async () => {
    const r = await run('ns');
    const e = single(r, 'setns', (x) => x.params.fd === r.num('setns', 'fd'));
    expect(e.params).toMatchObject({ res: 0, nstype: ppm('clone_flags', 'CLONE_NEWUTS') });
    const bad = single(r, 'setns', (x) => x.params.fd === 987);
    expect(bad.params.res).toBe(-EBADF);
  });

  it('mount: dev, dir, type, flags (in a private mount namespace; nothing reaches ours)', async () => {
    const r = await run('mount');
    expect(r.num('mount_private', 'res')).toBe(0);
    const priv = single(r, 'mount', (x) => x.params.dir === '/');
    expect(priv.params).toMatchObject({ res: 0, flags: ppm('mount_flags', 'REC', 'PRIVATE') });
    const dir = r.out('mount').dir;
    const e = single(r, 'mount', (x) => x.params.dir === dir);
    expect(e.params).toMatchObject({ res: 0, dev: 'sensord-tmpfs', type: 'tmpfs', flags: ppm('mount_flags', 'NOSUID', 'NODEV', 'NOEXEC') });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
  });

  it('umount2: name and flags; a directory that is not a mount point gives -EINVAL', async () => {
    const r = await run('mount');
    const dir = r.out('umount2').dir;
    const evs = r.of('umount2').filter((x) => x.params.name === dir);
    expect(evs.map((x) => [x.params.res, x.params.flags])).toEqual([[0, ppm('umount_flags', 'DETACH')], [-EINVAL, 0]]);
    expect(single(r, 'umount2', (x) => x === evs[0]).tid).toBe(r.pid);
  });

  it('bpf: fd = result, cmd as PPM (success and failure)', async () => {
    const r = await run('bpf');
    const ok = single(r, 'bpf', (x) => x.params.cmd === ppm('bpf_commands', 'BPF_PROG_GET_NEXT_ID'));
    expect(ok.params.fd).toBe(r.num('bpf', 'res'));
    expect(ok.params.fd).toBe(0); // the probe's own programs exist
    const fail = single(r, 'bpf', (x) => x.params.cmd === ppm('bpf_commands', 'BPF_MAP_GET_NEXT_ID'));
    expect(fail.params.fd).toBe(r.num('bpf_fail', 'res'));
    expect(fail.params.fd as number).toBeLessThan(0);
  });

  it('init_module: a bogus image fails; img bytes, length, uargs', async () => {
    const r = await run('module');
    const e = single(r, 'init_module');
    expect(e.params.res).toBe(r.num('init_module', 'res'));
    expect(e.params.res as number).toBeLessThan(0);
    expect(text(e.params.img)).toBe('\x7fELFbogus');
    expect(e.params.length).toBe(9n);
    expect(e.params.uargs).toBe('param=1');
  });

  it('finit_module: an invalid fd fails; fd, uargs, flags', async () => {
    const r = await run('module');
    const e = single(r, 'finit_module');
    expect(e.params.res).toBe(r.num('finit_module', 'res'));
    expect(e.params.res as number).toBeLessThan(0);
    expect(e.params).toMatchObject({ fd: -1, uargs: 'x=1', flags: ppm('finit_module_flags', 'MODULE_INIT_IGNORE_MODVERSIONS') });
  });

  it('userfaultfd: res = new fd, raw flags', async () => {
    const r = await run('userfaultfd');
    const e = single(r, 'userfaultfd');
    expect(e.params.res).toBe(r.num('userfaultfd', 'res'));
    expect(e.params.res as number).toBeGreaterThanOrEqual(0);
    expect(e.params.flags).toBe(r.num('userfaultfd', 'flags'));
  });

  it("ptrace: request, pid, DYN addr/data (peeked word, resume signal) on the trigger's own child", async () => {
    const r = await run('ptrace');
    const target = r.num('ptrace_attach', 'pid');
    const attach = single(r, 'ptrace', (x) => x.params.request === ppm('ptrace_requests', 'PTRACE_ATTACH') && x.params.res === 0);
    expect(attach.params.pid).toBe(target);
    const peek = single(r, 'ptrace', (x) => x.params.request === ppm('ptrace_requests', 'PTRACE_PEEKDATA'));
    expect(peek.params).toMatchObject({ res: 0, pid: target });
    const peekOut = r.out('ptrace_peek');
    expect(parseDyn(peek.raw.addr)).toEqual({ idx: 0, value: BigInt(peekOut.addr) });
    expect(parseDyn(peek.raw.data)).toEqual({ idx: 0, value: BigInt(peekOut.word) });
    expect(BigInt(peekOut.word)).toBe(0x5e4502d0badc0den);
    const cont = single(r, 'ptrace', (x) => x.params.request === ppm('ptrace_requests', 'PTRACE_CONT'));
    expect(cont.params).toMatchObject({ res: 0, pid: target });
    expect(parseDyn(cont.raw.data)).toEqual({ idx: 1, value: BigInt(r.num('ptrace_cont', 'sig')) });
    const gone = single(r, 'ptrace', (x) => x.params.request === ppm('ptrace_requests', 'PTRACE_ATTACH') && x.params.res !== 0);
    expect(gone.params.res).toBe(-ESRCH);
    expect(parseDyn(gone.raw.data)).toEqual({ idx: 0, value: 0n });
  });
});
