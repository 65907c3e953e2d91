// A protocol-level fake kube-apiserver for the pods resource, on loopback HTTP or HTTPS (test CA made with openssl):
// list (PodList, `limit`/`continue` chunks over a snapshot), watch (chunked JSON lines of WatchEvents, resume from a
// resourceVersion out of a history window, BOOKMARKs, 410 Expired once compacted), field selectors, bearer tokens.
//
// What it mimics of the real server, and why it matters to a client:
// - One global resourceVersion, bumped by every write (pods of every node), so a watch filtered to one node sees
//   gaps in the versions it receives; bookmarks are how it learns the newer version without an event.
// - Watch events are filtered per watcher the way the watch cache does it: an object that starts matching the
//   selector arrives as ADDED, one that stops matching as DELETED, one that matches before and after as MODIFIED.
// - A watch from a compacted version gets HTTP 200 and one ERROR event carrying a Status 410/Expired, then the
//   stream ends (the cacher's "error watcher"); `expiredAsHttp` answers HTTP 410 instead (the other path clients
//   must handle).
// - A BOOKMARK's object is an empty Pod with only metadata.resourceVersion set (zero values elsewhere).
// - A list at resourceVersion=0 comes from the watch cache, which ignores `limit` (one page); any other list is
//   paged over a snapshot kept for its continue tokens.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';

/** The JSON of a Pod as the API serves it (only the fields the fake needs are typed). */
export interface PodJson {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    creationTimestamp?: string;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  spec: { nodeName?: string; serviceAccountName?: string; containers: { name: string; image: string }[]; [k: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
    ephemeralContainerStatuses?: ContainerStatusJson[];
    [k: string]: unknown;
  };
}

export interface ContainerStatusJson {
  name: string;
  containerID?: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  lastState?: { terminated?: { containerID?: string; exitCode?: number } };
  [k: string]: unknown;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Query parameters as sent (last value wins). */
  query: Record<string, string>;
  watch: boolean;
  /** HTTP status answered. */
  status: number;
  /** Date.now() at arrival. */
  at: number;
}

export interface FakeApiServerOptions {
  /** Serve HTTPS with a certificate for 127.0.0.1 signed by a fresh test CA (needs openssl). */
  tls?: boolean;
  /** Bearer token required on every request (default: a random one). */
  token?: string;
  /** Answer a watch from a compacted version with HTTP 410 instead of 200 + ERROR event. */
  expiredAsHttp?: boolean;
  /** Where the test PKI is written (default: a fresh temp dir). */
  dir?: string;
}

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object after the write (for DELETED: the last state, with the deletion's resourceVersion). */
  object: PodJson;
  /** The object before the write (undefined for ADDED). */
  previous: PodJson | undefined;
}

interface Watcher {
  res: http.ServerResponse;
  selector: FieldSelector;
  bookmarks: boolean;
  timer: NodeJS.Timeout | undefined;
}

interface Requirement { field: string; op: '=' | '!='; value: string }
type FieldSelector = Requirement[];

/** Field labels the real server accepts for pods (a subset: the ones a test may use). */
const POD_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.serviceAccountName', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase', 'status.podIP']);

export class FakeApiServer {
  readonly token: string;
  /** PEM of the CA that signed the server certificate (HTTPS only). */
  readonly caPem: string | undefined;
  /** Every request, in arrival order. */
  readonly requests: RequestRecord[] = [];
  /** Answer watches from compacted versions with HTTP 410 (see FakeApiServerOptions). */
  expiredAsHttp: boolean;
  /** Leave watch requests unanswered (no headers): a server that accepted the connection and hangs. */
  stallWatches = false;
  /** Called with each request before it is answered (a test may change the store or compact() here). */
  onRequest: ((r: RequestRecord) => void) | undefined;

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private readonly pods = new Map<string, PodJson>();
  private history: HistoryEntry[] = [];
  /** Versions before this are gone from the history window (a watch or continue token from them gets 410);
   *  this one itself stays readable, as etcd keeps the revision it compacted at. */
  private compactedRv = 0;
  private rv = 1;
  private portNumber = 0;
  private failures: { count: number; status: number }[] = [];
  /** List snapshots for continue tokens, by resourceVersion (a few kept, dropped by compact()). */
  private readonly snapshots = new Map<number, PodJson[]>();

  private constructor(opts: FakeApiServerOptions, pki: { key: string; cert: string; ca: string } | undefined) {
    this.token = opts.token ?? randomUUID();
    this.expiredAsHttp = opts.expiredAsHttp ?? false;
    this.caPem = pki?.ca;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => this.handle(req, res);
    this.server = pki ? https.createServer({ key: pki.key, cert: pki.cert }, handler) : http.createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const pki = opts.tls ? createTestPki(opts.dir ?? fs.mkdtempSync(path.join(fsTmp(), 'fake-apiserver-pki-'))) : undefined;
    const s = new FakeApiServer(opts, pki);
    await s.listen(0);
    return s;
  }

  get port(): number { return this.portNumber; }
  get url(): string { return `${this.caPem ? 'https' : 'http'}://127.0.0.1:${this.portNumber}`; }
  /** The current (latest written) resourceVersion. */
  get resourceVersion(): string { return String(this.rv); }
  get openWatches(): number { return this.watchers.size; }
  /** Requests of one kind, for assertions. */
  lists(): RequestRecord[] { return this.requests.filter((r) => r.path === '/api/v1/pods' && !r.watch); }
  watches(): RequestRecord[] { return this.requests.filter((r) => r.path === '/api/v1/pods' && r.watch); }

  // ---- the store -----------------------------------------------------------------------------------------------

  /** Creates a pod (uid and creationTimestamp filled in when missing); pushes ADDED to matching watches. */
  addPod(pod: PodJson): PodJson {
    const key = podKey(pod);
    if (this.pods.has(key)) throw new Error(`fake apiserver: pod ${key} exists`);
    const obj = clone(pod);
    obj.apiVersion = 'v1';
    obj.kind = 'Pod';
    obj.metadata.uid ??= randomUUID();
    obj.metadata.creationTimestamp ??= new Date().toISOString();
    obj.metadata.resourceVersion = String(++this.rv);
    this.pods.set(key, obj);
    this.record({ rv: this.rv, type: 'ADDED', object: obj, previous: undefined });
    return clone(obj);
  }

  /** Changes a pod in place through `mutate`; pushes MODIFIED (or ADDED/DELETED across a selector's edge). */
  updatePod(namespace: string, name: string, mutate: (pod: PodJson) => void): PodJson {
    const key = `${namespace}/${name}`;
    const previous = this.pods.get(key);
    if (!previous) throw new Error(`fake apiserver: no pod ${key}`);
    const obj = clone(previous);
    mutate(obj);
    obj.metadata.resourceVersion = String(++this.rv);
    this.pods.set(key, obj);
    this.record({ rv: this.rv, type: 'MODIFIED', object: obj, previous });
    return clone(obj);
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const previous = this.pods.get(key);
    if (!previous) throw new Error(`fake apiserver: no pod ${key}`);
    this.pods.delete(key);
    const obj = clone(previous);
    obj.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, type: 'DELETED', object: obj, previous });
  }

  getPod(namespace: string, name: string): PodJson | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p && clone(p);
  }

  get podCount(): number { return this.pods.size; }

  // ---- test controls -------------------------------------------------------------------------------------------

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  bookmark(): number {
    const line = JSON.stringify({
      type: 'BOOKMARK',
      object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), creationTimestamp: null }, spec: { containers: null }, status: {} },
    }) + '\n';
    let sent = 0;
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      w.res.write(line);
      sent++;
    }
    return sent;
  }

  /** Forgets the history: a watch (or a continue token) from any version before now gets 410 Expired. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
    this.snapshots.clear();
  }

  /** Cuts every open watch connection (RST-like: the socket is destroyed mid-stream). */
  dropWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) {
      this.unwatch(w);
      w.res.socket?.destroy();
    }
    return n;
  }

  /** Ends every open watch cleanly (as the server does when a watch's timeoutSeconds is up). */
  endWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) {
      this.unwatch(w);
      w.res.end();
    }
    return n;
  }

  /** The next `count` requests are answered with `status` (a Status body), whatever they ask. */
  failNext(count: number, status = 500): void {
    this.failures.push({ count, status });
  }

  /** Takes the server down: stops listening and destroys every connection. The store is kept (it is etcd). */
  async stop(): Promise<void> {
    for (const w of [...this.watchers]) this.unwatch(w);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port after stop(). */
  async resume(): Promise<void> {
    await this.listen(this.portNumber);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  /** A kubeconfig for this server (token auth; the CA inline for HTTPS, insecure-skip-tls-verify for HTTP). */
  kubeconfig(opts: { token?: string; server?: string } = {}): string {
    const server = opts.server ?? this.url;
    const clusterTls = this.caPem
      ? `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}\n`
      : '    insecure-skip-tls-verify: true\n';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${server}`,
      clusterTls.trimEnd(),
      'users:',
      '- name: sensord',
      '  user:',
      `    token: ${opts.token ?? this.token}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: sensord',
      'current-context: fake',
      '',
    ].join('\n');
  }

  // ---- the protocol --------------------------------------------------------------------------------------------

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.portNumber = addr.port;
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const watch = query['watch'] === 'true' || query['watch'] === '1';
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query, watch, status: 0, at: Date.now() };
    this.requests.push(record);
    this.onRequest?.(record);
    const answer = (status: number, body: unknown): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      answer(401, statusObject(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const failure = this.failures[0];
    if (failure) {
      if (--failure.count <= 0) this.failures.shift();
      answer(failure.status, statusObject(failure.status, failure.status === 503 ? 'ServiceUnavailable' : 'InternalError', 'injected failure'));
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/v1/pods') {
      answer(404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    let selector: FieldSelector;
    try {
      selector = parseFieldSelector(query['fieldSelector'] ?? '');
    } catch (e) {
      answer(400, statusObject(400, 'BadRequest', (e as Error).message));
      return;
    }
    if (watch && this.stallWatches) return;
    if (watch) this.serveWatch(res, record, selector, query);
    else this.serveList(answer, selector, query);
  }

  private serveList(answer: (status: number, body: unknown) => void, selector: FieldSelector, query: Record<string, string>): void {
    const limit = query['limit'] ? Number(query['limit']) : 0;
    let snapshotRv: number;
    let items: PodJson[];
    let start = 0;
    if (query['continue']) {
      let token: { rv: number; start: number };
      try {
        token = JSON.parse(Buffer.from(query['continue'], 'base64').toString('utf8')) as { rv: number; start: number };
      } catch {
        answer(400, statusObject(400, 'BadRequest', 'continue key is not valid'));
        return;
      }
      const snap = this.snapshots.get(token.rv);
      if (token.rv < this.compactedRv || !snap) {
        answer(410, statusObject(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
        return;
      }
      snapshotRv = token.rv;
      items = snap;
      start = token.start;
    } else {
      snapshotRv = this.rv;
      items = [...this.pods.values()].filter((p) => matches(selector, p)).sort((a, b) => podKey(a).localeCompare(podKey(b)));
    }
    // resourceVersion=0 is served from the watch cache, which (before paginated cache reads) ignores limit.
    const fromCache = query['resourceVersion'] === '0' && !query['continue'];
    const end = limit > 0 && !fromCache ? Math.min(items.length, start + limit) : items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(snapshotRv) };
    if (end < items.length) {
      if (!this.snapshots.has(snapshotRv)) {
        this.snapshots.set(snapshotRv, items);
        // A few snapshots only: a real server keeps continue tokens for minutes, not forever.
        if (this.snapshots.size > 8) this.snapshots.delete(this.snapshots.keys().next().value as number);
      }
      metadata['continue'] = Buffer.from(JSON.stringify({ rv: snapshotRv, start: end })).toString('base64');
      metadata['remainingItemCount'] = items.length - end;
    }
    // List items carry no kind/apiVersion (the list does).
    const page = items.slice(start, end).map((p) => {
      const { kind: _k, apiVersion: _a, ...rest } = p;
      return rest;
    });
    answer(200, { kind: 'PodList', apiVersion: 'v1', metadata, items: page });
  }

  private serveWatch(res: http.ServerResponse, record: RequestRecord, selector: FieldSelector, query: Record<string, string>): void {
    const from = query['resourceVersion'] ?? '';
    const expired = from !== '' && from !== '0' && Number(from) < this.compactedRv;
    if (expired && this.expiredAsHttp) {
      record.status = 410;
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(statusObject(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`)));
      return;
    }
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (expired) {
      res.end(JSON.stringify({ type: 'ERROR', object: statusObject(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`) }) + '\n');
      return;
    }
    const w: Watcher = { res, selector, bookmarks: query['allowWatchBookmarks'] === 'true', timer: undefined };
    if (from === '' || from === '0') {
      // "Start at most recent" with the current state first, as synthetic ADDED events.
      for (const p of this.pods.values()) if (matches(selector, p)) res.write(eventLine('ADDED', p));
    } else {
      const after = Number(from);
      for (const e of this.history) if (e.rv > after) this.send(w, e);
    }
    this.watchers.add(w);
    const timeout = Number(query['timeoutSeconds'] ?? 0);
    if (timeout > 0) {
      w.timer = setTimeout(() => {
        this.unwatch(w);
        res.end();
      }, timeout * 1000);
    }
    res.on('close', () => this.unwatch(w));
  }

  private record(e: HistoryEntry): void {
    this.history.push(e);
    for (const w of this.watchers) this.send(w, e);
  }

  private send(w: Watcher, e: HistoryEntry): void {
    const now = matches(w.selector, e.object);
    const before = e.previous !== undefined && matches(w.selector, e.previous);
    let type: string | undefined;
    if (e.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type) w.res.write(eventLine(type, e.object));
  }

  private unwatch(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    this.watchers.delete(w);
  }
}

/** Makes a pod of `node` with `containers` running containers (containerd ids), for tests. */
export function makePod(opts: {
  name: string;
  namespace?: string;
  node?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string; apiVersion?: string };
  containers?: number;
  ip?: string;
  serviceAccount?: string;
  /** Runtime scheme of the container ids (default containerd). */
  runtime?: 'containerd' | 'cri-o' | 'docker';
}): PodJson {
  const n = opts.containers ?? 1;
  const runtime = opts.runtime ?? 'containerd';
  const names = Array.from({ length: n }, (_, i) => `c${i}`);
  const pod: PodJson = {
    metadata: {
      name: opts.name,
      namespace: opts.namespace ?? 'default',
      uid: randomUUID(),
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
    },
    spec: {
      ...(opts.node === undefined ? {} : { nodeName: opts.node }),
      serviceAccountName: opts.serviceAccount ?? 'default',
      containers: names.map((name) => ({ name, image: 'docker.io/library/busybox:1.36' })),
    },
    status: {
      phase: 'Running',
      ...(opts.ip === undefined ? {} : { podIP: opts.ip }),
      containerStatuses: names.map((name) => ({ name, image: 'docker.io/library/busybox:1.36', ready: true, restartCount: 0, containerID: `${runtime}://${randomHex64()}` })),
    },
  };
  if (opts.owner) {
    pod.metadata.ownerReferences = [{ apiVersion: opts.owner.apiVersion ?? 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: randomUUID(), controller: true, blockOwnerDeletion: true }];
  }
  return pod;
}

export function randomHex64(): string {
  return randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI in `dir`. */
export function createTestPki(dir: string): { key: string; cert: string; ca: string } {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string): string => path.join(dir, name);
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=fake-apiserver-test-ca']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=kube-apiserver']);
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext')]);
  return { key: fs.readFileSync(f('server.key'), 'utf8'), cert: fs.readFileSync(f('server.crt'), 'utf8'), ca: fs.readFileSync(f('ca.crt'), 'utf8') };
}

function fsTmp(): string {
  return process.env['TMPDIR'] ?? '/tmp';
}

function statusObject(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function eventLine(type: string, object: PodJson): string {
  return JSON.stringify({ type, object }) + '\n';
}

function podKey(p: PodJson): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** `a=b,c!=d,e==f` (the fields.ParseSelector grammar without escapes). */
function parseFieldSelector(s: string): FieldSelector {
  if (s.trim() === '') return [];
  return s.split(',').map((term) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new Error(`invalid field selector: ${JSON.stringify(term)}`);
    const field = m[1]!;
    if (!POD_FIELDS.has(field)) throw new Error(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

function matches(selector: FieldSelector, pod: PodJson): boolean {
  for (const r of selector) {
    let v: unknown = pod;
    for (const part of r.field.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[part];
    const value = v === undefined || v === null ? '' : String(v);
    if ((value === r.value) !== (r.op === '=')) return false;
  }
  return true;
}
