// Live state + fields: the real probe's events go through SystemState and the field registry exactly as
// `sensord events` does (state.process(ev) then the compiled -p format renders the event), and the fields of the
// events of our own child processes must name them right: process lineage (also for a process that existed
// before the sensor started: lineage from /proc), files, both ends of a loopback TCP connection, and the
// container id of a process moved into a containerd-style cgroup before it execs.
//
// Root + BTF + native build needed (skips with a message otherwise; fails under CI=true).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { EVENTS } from '../../sensor/src/schema/index.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { Formatter, type CompiledFormat } from '../../sensor/src/decode/format.js';
import { SystemState } from '../../sensor/src/state/index.js';
import type { LiveSource } from '../../sensor/src/source/live.js';
import { TRIGGER, openProbe, skipWithoutProbe } from '../helpers/live.js';

const SEP = '\x1f';
const FIELDS = [
  'evt.num', 'evt.type', 'evt.dir', 'thread.tid', 'proc.pid', 'proc.name', 'proc.pname', 'proc.aname[1]', 'proc.aname[2]',
  'proc.apid[1]', 'proc.apid[2]', 'proc.cmdline', 'proc.exepath', 'fd.num', 'fd.name', 'fd.typechar', 'fd.type',
  'fd.sip', 'fd.sport', 'fd.cip', 'fd.cport', 'fd.l4proto', 'fd.is_server',
  'container.id', 'container.full_id', 'thread.cgroups',
] as const;
type Rec = Record<(typeof FIELDS)[number], string>;

/** Events rendered (after state.process) when they are exits of these syscalls: the ones the checks read. */
const WATCHED = new Set(['openat', 'open', 'openat2', 'connect', 'accept', 'accept4', 'execve', 'bind', 'listen']);
const WATCHED_IDS = Uint8Array.from(EVENTS, (e) => (e.dir === '<' && WATCHED.has(e.name) ? 1 : 0));

/** The `sensord events` loop (EventPrinter.batch) in-process: every event updates the state, watched ones render. */
class LiveFields {
  readonly state = new SystemState();
  readonly formatter = new Formatter(this.state);
  readonly format: CompiledFormat = this.formatter.compile('*' + FIELDS.map((f) => '%' + f).join(SEP));
  readonly recs: Rec[] = [];
  events = 0;
  private running = true;
  private loop: Promise<void> | undefined;
  source!: LiveSource;

  /** Bootstraps the state from /proc (threads, fds, users) and then attaches the probe, as `sensord events` does. */
  async start(): Promise<void> {
    this.state.bootstrapFromProc();
    this.source = await openProbe();
    const view = new EventView();
    this.loop = (async () => {
      while (this.running) {
        const batch = await this.source.next();
        if (!batch) return;
        for (let k = 0; k < batch.count; k++) {
          view.set(batch.bytes, batch.view, batch.offsets[k], batch.cpus[k], ++this.events);
          this.state.process(view);
          const t = view.type;
          if (t >= WATCHED_IDS.length || WATCHED_IDS[t] !== 1) continue;
          const line = this.format.render(view);
          if (line === null) continue;
          const vals = line.split(SEP);
          const rec = {} as Rec;
          FIELDS.forEach((f, i) => { rec[f] = vals[i]; });
          this.recs.push(rec);
        }
      }
    })();
  }

  async waitFor(pred: (r: Rec) => boolean, timeoutMs = 5000): Promise<Rec[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.recs.filter(pred);
      if (hits.length > 0 || Date.now() >= until) return hits;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.source?.close();
  }
}

function run(cmd: string, args: string[], opts: { stdin?: 'pipe' } = {}): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(cmd, args, { stdio: [opts.stdin ?? 'ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  const done = new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
  return { child, done };
}

const describeLive = skipWithoutProbe('live state/fields') ? describe.skip : describe;

describeLive('live state and fields (probe → SystemState → field registry)', () => {
  const live = new LiveFields();
  // Started before the sensor: `bash` → `sh`, whose builtin `read` opens /etc/hostname after the sensor is up.
  // The trailing `; true` keeps bash and sh from exec-ing their last command in place (no fork otherwise).
  const early = run('bash', ['-c', 'sh -c "sleep 2.5; read x < /etc/hostname; true"; true']);

  beforeAll(async () => {
    await new Promise((r) => setTimeout(r, 200)); // bash has forked sh, sh has forked sleep
    await live.start();
  });
  afterAll(async () => {
    await early.done;
    await live.stop();
  });

  it("bash -c 'sh -c \"cat /etc/hostname\"': the openat by cat names cat, its parent sh, grandparent bash and the file", async () => {
    // `; true` keeps bash from exec-ing sh in place (bash -c with one simple command execs it: no fork); dash
    // forks cat. The exact command without it is checked below.
    const { child, done } = run('bash', ['-c', 'sh -c "cat /etc/hostname"; true']);
    const { code } = await done;
    expect(code).toBe(0);
    const [r] = await live.waitFor((r) => r['evt.type'] === 'openat' && r['fd.name'] === '/etc/hostname' && r['proc.name'] === 'cat' && r['proc.apid[2]'] === String(child.pid));
    expect(r, 'no openat of /etc/hostname by cat').toBeDefined();
    expect(r['proc.name']).toBe('cat');
    expect(r['proc.pname']).toBe('sh');
    expect(r['proc.aname[2]']).toBe('bash');
    expect(r['proc.cmdline']).toBe('cat /etc/hostname');
    expect(r['proc.exepath']).toBe('/usr/bin/cat');
    expect(r['fd.name']).toBe('/etc/hostname');
    expect(r['fd.typechar']).toBe('f');
    expect(r['fd.type']).toBe('file');
    expect(r['fd.num']).toMatch(/^\d+$/);
  });

  it("the exact bash -c 'sh -c \"cat /etc/hostname\"': bash execs sh in place, so cat's parent is that same process, now sh", async () => {
    const { child, done } = run('bash', ['-c', 'sh -c "cat /etc/hostname"']);
    const { code } = await done;
    expect(code).toBe(0);
    const [r] = await live.waitFor((r) => r['evt.type'] === 'openat' && r['fd.name'] === '/etc/hostname' && r['proc.name'] === 'cat' && r['proc.apid[1]'] === String(child.pid));
    expect(r, 'no openat of /etc/hostname by cat').toBeDefined();
    expect(r['proc.pname']).toBe('sh');
    expect(r['proc.cmdline']).toBe('cat /etc/hostname');
    expect(r['proc.exepath']).toBe('/usr/bin/cat');
    expect(r['proc.apid[2]']).toBe(String(process.pid));
    expect(r['proc.aname[2]']).toBe(readFileSync('/proc/self/comm', 'utf8').trim());
    expect(r['fd.typechar']).toBe('f');
  });

  it('TCP on loopback: accept (server side) and connect (client side) carry both ends and tcp', async () => {
    // One process (the probe's trigger, loopback only): a listener on 127.0.0.1, a blocking connect, accept.
    const { child, done } = run(TRIGGER, ['tcp4']);
    const { code, stdout } = await done;
    expect(code).toBe(0);
    const sport = /^listen .* port=(\d+)/m.exec(stdout)![1];
    const cport = /^connect res=0 .* sport=(\d+)/m.exec(stdout)![1];
    const pid = String(child.pid);
    const ofPy = (type: string) => (r: Rec) => r['proc.pid'] === pid && r['evt.type'] === type;
    const [acc] = await live.waitFor((r) => ofPy('accept')(r) || ofPy('accept4')(r));
    const [con] = await live.waitFor(ofPy('connect'));
    expect(acc, 'no accept by the server').toBeDefined();
    expect(con, 'no connect by the client').toBeDefined();
    for (const r of [acc, con]) {
      expect(r['fd.sip']).toBe('127.0.0.1');
      expect(r['fd.sport']).toBe(sport);
      expect(r['fd.cip']).toBe('127.0.0.1');
      expect(r['fd.cport']).toBe(cport);
      expect(r['fd.l4proto']).toBe('tcp');
      expect(r['fd.typechar']).toBe('4');
      expect(r['fd.name']).toBe(`127.0.0.1:${cport}->127.0.0.1:${sport}`);
    }
    expect(acc['fd.is_server']).toBe('true');
    // (Not checked on the client side, nor fd.lport/fd.rport: libsinsp decides "local" by whether an address is
    // one of this machine's, which on loopback holds for both ends — connect says is_server=true, lport=cport.)
  });

  it('a process started before the sensor has its lineage from /proc', async () => {
    const bashPid = String(early.child.pid);
    const [r] = await live.waitFor((r) => r['evt.type'] === 'openat' && r['fd.name'] === '/etc/hostname' && r['proc.apid[1]'] === bashPid, 6000);
    expect(r, 'no openat of /etc/hostname by the early sh').toBeDefined();
    expect(r['proc.name']).toBe('sh');
    expect(r['proc.cmdline']).toBe('sh -c sleep 2.5; read x < /etc/hostname; true');
    expect(r['proc.pname']).toBe('bash');
    expect(r['proc.aname[1]']).toBe('bash');
    expect(r['proc.apid[1]']).toBe(bashPid);
    // bash's parent is this test process (node): pid from /proc too.
    expect(r['proc.apid[2]']).toBe(String(process.pid));
    expect(r['proc.aname[2]']).toBe(readFileSync('/proc/self/comm', 'utf8').trim());
    expect(r['proc.exepath']).toMatch(/\/(usr\/)?bin\/(sh|dash)$/);
  });

  it('a process moved into a containerd-style cgroup before exec gets that container id', async () => {
    // cgroup v1 `cpu` hierarchy: the probe reports one path per v1 subsystem, and `cpu` comes before `memory`
    // (where every process of this sandbox sits in a /process_api/<32 hex> cgroup that also parses as an id).
    const root = '/sys/fs/cgroup/cpu';
    if (!existsSync(path.join(root, 'cgroup.procs'))) {
      console.warn(`SKIP container id: ${root} is not a cgroup v1 hierarchy here`);
      return;
    }
    const full = randomBytes(32).toString('hex');
    const podDir = path.join(root, 'kubepods', 'besteffort', `pod${randomUUID()}`);
    const dir = path.join(podDir, full);
    mkdirSync(dir, { recursive: true });
    const { child, done } = run('bash', ['-c', 'read go; exec cat /etc/hostname'], { stdin: 'pipe' });
    try {
      writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
      child.stdin!.end('go\n');
      const { code } = await done;
      expect(code).toBe(0);
      const pid = String(child.pid);
      const [exec] = await live.waitFor((r) => r['proc.pid'] === pid && r['evt.type'] === 'execve' && r['proc.name'] === 'cat');
      const [open] = await live.waitFor((r) => r['proc.pid'] === pid && r['evt.type'] === 'openat' && r['fd.name'] === '/etc/hostname');
      expect(exec, 'no execve of cat').toBeDefined();
      expect(open, 'no openat of /etc/hostname').toBeDefined();
      expect(exec['thread.cgroups']).toContain(`cpu=/kubepods/besteffort/${path.basename(podDir)}/${full}`);
      for (const r of [exec, open]) {
        expect(r['container.id']).toBe(full.slice(0, 12));
        expect(r['container.full_id']).toBe(full);
      }
    } finally {
      child.kill();
      await done.catch(() => undefined);
      for (const d of [dir, podDir, path.dirname(podDir), path.dirname(path.dirname(podDir))]) {
        try { rmdirSync(d); } catch { /* busy or shared: left for the next run */ }
      }
    }
  });
});
