// Live probe, one test per file-related syscall: the trigger (native/build/trigger) performs the call, the test
// checks the exit event's shape (event id, nparams from the table) and its params against what it knows
// independently: the trigger's printed results, fs.statSync, and Falco's PPM flag values.
import { describe, expect, it } from 'vitest';
import { readlinkSync, statSync } from 'node:fs';
import { ppm, single, skipWithoutProbe, useTriggerSuite } from '../helpers/live.js';

const skip = skipWithoutProbe('live syscall tests (files)');

const AT_FDCWD = -100;
const ENOENT = 2, EBADF = 9, EEXIST = 17;

describe.skipIf(skip)('live probe: file syscalls', () => {
  const run = useTriggerSuite();
  const devIno = (p: string) => {
    const st = statSync(p, { bigint: true });
    return { dev: Number(st.dev), ino: st.ino };
  };

  it('open: absolute path, PPM flags, dev/ino of the file; a missing path gives fd = -ENOENT', async () => {
    const r = await run('open');
    const e = single(r, 'open', (x) => x.params.name === '/etc/hostname');
    expect(e.tid).toBe(r.pid);
    expect(e.params.fd).toBe(r.num('open', 'fd'));
    expect(e.params.fd as number).toBeGreaterThanOrEqual(0);
    expect(e.params.flags).toBe(ppm('file_flags', 'O_RDONLY', 'O_CLOEXEC'));
    expect(e.params.mode).toBe(0);
    expect({ dev: e.params.dev, ino: e.params.ino }).toEqual(devIno('/etc/hostname'));
    const miss = single(r, 'open', (x) => x.params.name === '/nonexistent/sensord');
    expect(miss.params.fd).toBe(-ENOENT);
    expect(r.num('open_missing', 'fd')).toBe(-ENOENT);
  });

  it('openat: FSRELPATH with its dirfd, O_WRONLY|O_CREAT|O_TRUNC + O_F_CREATED, mode, dev/ino; existing and missing files', async () => {
    const r = await run('openat');
    const path = r.out('openat').path;
    const e = single(r, 'openat', (x) => x.params.name === 'f1');
    expect(e.tid).toBe(r.pid);
    expect(e.params.fd).toBe(r.num('openat', 'fd'));
    expect(e.params.dirfd).toBe(r.num('openat', 'dirfd'));
    expect(e.params.dirfd as number).toBeGreaterThanOrEqual(0);
    expect(e.params.flags).toBe(ppm('file_flags', 'O_WRONLY', 'O_CREAT', 'O_TRUNC', 'O_F_CREATED'));
    expect(e.params.mode).toBe(0o640);
    expect({ dev: e.params.dev, ino: e.params.ino }).toEqual(devIno(path));
    // the same file again, by absolute path: not created this time
    const again = single(r, 'openat', (x) => x.params.name === path);
    expect(again.params.fd).toBe(r.num('openat_existing', 'fd'));
    expect(again.params.dirfd).toBe(AT_FDCWD);
    expect(again.params.flags).toBe(ppm('file_flags', 'O_RDWR', 'O_CREAT', 'O_APPEND'));
    expect(again.params.mode).toBe(0o600);
    expect(again.params.ino).toBe(devIno(path).ino);
    const miss = single(r, 'openat', (x) => x.params.name === '/nonexistent/sensord');
    expect(miss.params.fd).toBe(-ENOENT);
    expect(miss.params.ino).toBe(0n);
  });

  it('openat2: dirfd + relative name, flags, mode and resolve from open_how, dev/ino', async () => {
    const r = await run('openat2');
    const path = r.out('openat2').path;
    const e = single(r, 'openat2', (x) => x.params.name === 'f3');
    expect(e.tid).toBe(r.pid);
    expect(e.params.fd).toBe(r.num('openat2', 'fd'));
    expect(e.params.dirfd).toBe(r.num('openat2', 'dirfd'));
    expect(e.params.flags).toBe(ppm('file_flags', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_F_CREATED'));
    expect(e.params.mode).toBe(0o600);
    expect(e.params.resolve).toBe(ppm('openat2_flags', 'RESOLVE_BENEATH'));
    expect({ dev: e.params.dev, ino: e.params.ino }).toEqual(devIno(path));
    const abs = single(r, 'openat2', (x) => x.params.name === '/etc/hostname');
    expect(abs.params.fd).toBe(r.num('openat2_abs', 'fd'));
    expect(abs.params.dirfd).toBe(AT_FDCWD);
    expect(abs.params.flags).toBe(ppm('file_flags', 'O_RDONLY'));
    expect(abs.params.resolve).toBe(ppm('openat2_flags', 'RESOLVE_NO_SYMLINKS'));
    expect({ dev: abs.params.dev, ino: abs.params.ino }).toEqual(devIno('/etc/hostname'));
  });

  it('creat: path, mode, dev/ino, creat_flags O_F_CREATED only when it created the file', async () => {
    const r = await run('creat');
    const path = r.out('creat').path;
    const evs = r.of('creat').filter((x) => x.params.name === path);
    expect(evs.length).toBe(2);
    const [first, second] = evs;
    expect(single(r, 'creat', (x) => x === first)).toBe(first);
    expect(first.params.fd).toBe(r.num('creat', 'fd'));
    expect(first.params.mode).toBe(0o604);
    expect({ dev: first.params.dev, ino: first.params.ino }).toEqual(devIno(path));
    expect(first.params.creat_flags).toBe(ppm('file_flags', 'O_F_CREATED'));
    expect(second.params.fd).toBe(r.num('creat_existing', 'fd'));
    expect(second.params.creat_flags).toBe(0);
    expect(second.params.ino).toBe(devIno(path).ino);
  });

  it('close: res and fd; a bad fd gives -EBADF', async () => {
    const r = await run('close');
    const fd = r.num('close', 'fd');
    const e = single(r, 'close', (x) => x.params.fd === fd);
    expect(e.params.res).toBe(0);
    expect(e.tid).toBe(r.pid);
    const bad = single(r, 'close', (x) => x.params.fd === 987);
    expect(bad.params.res).toBe(-EBADF);
  });

  it('dup: res is the new fd, oldfd', async () => {
    const r = await run('dup');
    const e = single(r, 'dup');
    expect(e.params.res).toBe(r.num('dup', 'res'));
    expect(e.params.oldfd).toBe(r.num('dup', 'oldfd'));
    expect(e.params.res).not.toBe(e.params.oldfd);
  });

  it('dup2: res = newfd; a bad oldfd gives -EBADF', async () => {
    const r = await run('dup');
    const e = single(r, 'dup2', (x) => x.params.newfd === 100);
    expect(e.params.res).toBe(100);
    expect(e.params.oldfd).toBe(r.num('dup2', 'oldfd'));
    const bad = single(r, 'dup2', (x) => x.params.newfd === 102);
    expect(bad.params.res).toBe(-EBADF);
    expect(bad.params.oldfd).toBe(987);
  });

  it('dup3: res = newfd, flags O_CLOEXEC as PPM', async () => {
    const r = await run('dup');
    const e = single(r, 'dup3');
    expect(e.params.res).toBe(101);
    expect(e.params.oldfd).toBe(r.num('dup3', 'oldfd'));
    expect(e.params.newfd).toBe(101);
    expect(e.params.flags).toBe(ppm('file_flags', 'O_CLOEXEC'));
  });

  it('fcntl: cmd as PPM_FCNTL_*, raw arg, res (F_SETFL and F_DUPFD_CLOEXEC)', async () => {
    const r = await run('fcntl');
    const fd = r.num('fcntl_setfl', 'fd');
    const evs = r.of('fcntl').filter((x) => x.params.fd === fd);
    const setfl = single(r, 'fcntl', (x) => x.params.fd === fd && x.params.cmd === ppm('fcntl_commands', 'F_SETFL'));
    expect(setfl.params.res).toBe(0);
    expect(setfl.params.arg).toBe(BigInt(r.num('fcntl_setfl', 'arg')));
    const dupfd = evs.find((x) => x.params.cmd === ppm('fcntl_commands', 'F_DUPFD_CLOEXEC'));
    expect(dupfd, 'F_DUPFD_CLOEXEC event').toBeDefined();
    expect(dupfd!.params.res).toBe(r.num('fcntl_dupfd', 'res'));
    expect(dupfd!.params.res as number).toBeGreaterThanOrEqual(200);
    expect(dupfd!.params.arg).toBe(200n);
  });

  it('chmod: filename and mode; a missing file gives -ENOENT', async () => {
    const r = await run('chmod');
    const path = r.out('chmod').path;
    const e = single(r, 'chmod', (x) => x.params.filename === path);
    expect(e.params.res).toBe(0);
    expect(e.params.mode).toBe(ppm('chmod_mode', 'S_IRUSR', 'S_IWUSR', 'S_IRGRP'));
    const miss = single(r, 'chmod', (x) => x.params.filename === '/nonexistent/sensord');
    expect(miss.params.res).toBe(-ENOENT);
  });

  it('fchmod: fd and mode with S_ISUID', async () => {
    const r = await run('chmod');
    const e = single(r, 'fchmod');
    expect(e.params.res).toBe(0);
    expect(e.params.fd).toBe(r.num('fchmod', 'fd'));
    expect(e.params.mode).toBe(ppm('chmod_mode', 'S_ISUID', 'S_IRUSR', 'S_IWUSR', 'S_IXUSR', 'S_IRGRP', 'S_IXGRP'));
    expect(statSync(r.out('chmod').path).mode & 0o7777).toBe(0o4750); // fchmod's fd is the file chmod changed first
  });

  it('fchmodat: dirfd + relative filename, mode', async () => {
    const r = await run('chmod');
    const e = single(r, 'fchmodat');
    expect(e.params.res).toBe(0);
    expect(e.params.dirfd).toBe(r.num('fchmodat', 'dirfd'));
    expect(e.params.filename).toBe('m2');
    expect(e.params.mode).toBe(0o604);
    expect(statSync(r.out('fchmodat').path).mode & 0o7777).toBe(0o604);
  });

  it('link: oldpath/newpath as given; linking onto an existing name gives -EEXIST', async () => {
    const r = await run('link');
    const { old, new: nw } = r.out('link');
    const evs = r.of('link').filter((x) => x.params.oldpath === old && x.params.newpath === nw);
    expect(evs.map((x) => x.params.res)).toEqual([0, -EEXIST]);
    expect(single(r, 'link', (x) => x === evs[0]).tid).toBe(r.pid);
    expect(statSync(nw).ino).toBe(statSync(old).ino);
  });

  it('linkat: dirfds, relative paths, flags AT_SYMLINK_FOLLOW as PPM', async () => {
    const r = await run('link');
    const dfd = r.num('dirfd', 'fd');
    const e = single(r, 'linkat');
    expect(e.params.res).toBe(0);
    expect(e.params.olddir).toBe(dfd);
    expect(e.params.oldpath).toBe('t1');
    expect(e.params.newdir).toBe(dfd);
    expect(e.params.newpath).toBe('l2');
    expect(e.params.flags).toBe(ppm('linkat_flags', 'AT_SYMLINK_FOLLOW'));
  });

  it('symlink: target and linkpath', async () => {
    const r = await run('link');
    const path = r.out('symlink').path;
    const e = single(r, 'symlink');
    expect(e.params.res).toBe(0);
    expect(e.params.target).toBe('/etc/passwd');
    expect(e.params.linkpath).toBe(path);
    expect(readlinkSync(path)).toBe('/etc/passwd');
  });

  it('symlinkat: target, linkdirfd and relative linkpath', async () => {
    const r = await run('link');
    const e = single(r, 'symlinkat');
    expect(e.params.res).toBe(0);
    expect(e.params.target).toBe('/etc/shadow');
    expect(e.params.linkdirfd).toBe(r.num('dirfd', 'fd'));
    expect(e.params.linkpath).toBe('s2');
  });

  it('rename: oldpath/newpath; a missing source gives -ENOENT', async () => {
    const r = await run('rename');
    const { old, new: nw } = r.out('rename');
    const e = single(r, 'rename', (x) => x.params.newpath === nw);
    expect(e.params.res).toBe(0);
    expect(e.params.oldpath).toBe(old);
    const miss = single(r, 'rename', (x) => x.params.oldpath === old && x !== e);
    expect(miss.params.res).toBe(-ENOENT);
  });

  it('renameat: olddirfd + relative oldpath, AT_FDCWD + absolute newpath', async () => {
    const r = await run('rename');
    const e = single(r, 'renameat');
    expect(e.params.res).toBe(0);
    expect(e.params.olddirfd).toBe(r.num('dirfd', 'fd'));
    expect(e.params.oldpath).toBe('r1');
    expect(e.params.newdirfd).toBe(AT_FDCWD);
    expect(e.params.newpath).toBe(r.out('renameat').new);
  });

  it('renameat2: dirfds, relative paths, flags RENAME_NOREPLACE', async () => {
    const r = await run('rename');
    const dfd = r.num('dirfd', 'fd');
    const e = single(r, 'renameat2');
    expect(e.params.res).toBe(0);
    expect(e.params).toMatchObject({ olddirfd: dfd, oldpath: 'r2', newdirfd: dfd, newpath: 'r3' });
    expect(e.params.flags).toBe(ppm('renameat2_flags', 'RENAME_NOREPLACE'));
  });

  it('unlink: path; a missing file gives -ENOENT', async () => {
    const r = await run('unlink');
    const path = r.out('unlink').path;
    const evs = r.of('unlink').filter((x) => x.params.path === path);
    expect(evs.map((x) => x.params.res)).toEqual([0, -ENOENT]);
    expect(single(r, 'unlink', (x) => x === evs[0]).nparams).toBe(2);
  });

  it('unlinkat: dirfd + relative name, flags 0 and AT_REMOVEDIR', async () => {
    const r = await run('unlink');
    const e = single(r, 'unlinkat', (x) => x.params.name === 'u2');
    expect(e.params.res).toBe(0);
    expect(e.params.dirfd).toBe(r.num('dirfd', 'fd'));
    expect(e.params.flags).toBe(0);
    const m = await run('mkdir');
    const d = single(m, 'unlinkat', (x) => x.params.name === 'd2');
    expect(d.params.res).toBe(0);
    expect(d.params.dirfd).toBe(m.num('dirfd', 'fd'));
    expect(d.params.flags).toBe(ppm('unlinkat_flags', 'AT_REMOVEDIR'));
  });

  it('mkdir: path and mode; an existing directory gives -EEXIST', async () => {
    const r = await run('mkdir');
    const path = r.out('mkdir').path;
    const e = single(r, 'mkdir', (x) => x.params.path === path);
    expect(e.params.res).toBe(0);
    expect(e.params.mode).toBe(0o750);
    const exists = single(r, 'mkdir', (x) => x.params.path === r.out('mkdir_exists').path && x.params.res !== 0);
    expect(exists.params.res).toBe(-EEXIST);
    expect(exists.params.mode).toBe(0o750);
  });

  it('mkdirat: dirfd + relative path, mode', async () => {
    const r = await run('mkdir');
    const e = single(r, 'mkdirat');
    expect(e.params.res).toBe(0);
    expect(e.params.dirfd).toBe(r.num('dirfd', 'fd'));
    expect(e.params.path).toBe('d2');
    expect(e.params.mode).toBe(0o700);
  });

  it('rmdir: path', async () => {
    const r = await run('mkdir');
    const e = single(r, 'rmdir');
    expect(e.params.res).toBe(0);
    expect(e.params.path).toBe(r.out('rmdir').path);
  });

  it('chdir: path; a missing directory gives -ENOENT', async () => {
    const r = await run('chdir');
    const e = single(r, 'chdir', (x) => x.params.path === r.out('chdir').path);
    expect(e.params.res).toBe(0);
    const miss = single(r, 'chdir', (x) => x.params.path === '/nonexistent/sensord');
    expect(miss.params.res).toBe(-ENOENT);
  });

  it('fchdir: fd', async () => {
    const r = await run('chdir');
    const e = single(r, 'fchdir');
    expect(e.params.res).toBe(0);
    expect(e.params.fd).toBe(r.num('fchdir', 'fd'));
  });

  it('pipe: both fds and the pipe inode', async () => {
    const r = await run('pipe');
    const e = single(r, 'pipe');
    expect(e.params.res).toBe(0);
    expect(e.params.fd1).toBe(r.num('pipe', 'fd1'));
    expect(e.params.fd2).toBe(r.num('pipe', 'fd2'));
    expect(e.params.ino).toBe(BigInt(r.out('pipe').ino));
  });

  it('pipe2: fds, inode, flags O_CLOEXEC|O_NONBLOCK as PPM', async () => {
    const r = await run('pipe');
    const e = single(r, 'pipe2');
    expect(e.params.res).toBe(0);
    expect(e.params.fd1).toBe(r.num('pipe2', 'fd1'));
    expect(e.params.fd2).toBe(r.num('pipe2', 'fd2'));
    expect(e.params.ino).toBe(BigInt(r.out('pipe2').ino));
    expect(e.params.ino).not.toBe(BigInt(r.out('pipe').ino));
    expect(e.params.flags).toBe(ppm('file_flags', 'O_CLOEXEC', 'O_NONBLOCK'));
  });

  it('memfd_create: fd, name, flags MFD_CLOEXEC|MFD_ALLOW_SEALING', async () => {
    const r = await run('memfd');
    const e = single(r, 'memfd_create');
    expect(e.params.fd).toBe(r.num('memfd_create', 'fd'));
    expect(e.params.fd as number).toBeGreaterThanOrEqual(0);
    expect(e.params.name).toBe('sensord-memfd');
    expect(e.params.flags).toBe(ppm('memfd_create_flags', 'MFD_CLOEXEC', 'MFD_ALLOW_SEALING'));
  });
});
