// Plumbing shared by the runtime clients: proto/cri and proto/containerd loaded at runtime with @grpc/proto-loader,
// unary calls as promises with a deadline, one error class, and the reconnect backoff. Nothing here throws
// synchronously on a dead socket: grpc-js connects lazily and every failure arrives as a rejected call.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Backoff } from '../../output/backoff.js';

/** proto/ of the installation, found upwards from this file (sensor/src/enrich/runtime or dist/…). */
export function runtimeProtoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'proto', 'cri', 'runtime', 'v1', 'api.proto'))) return path.join(dir, 'proto');
    dir = path.dirname(dir);
  }
  throw new Error('proto/cri/runtime/v1/api.proto not found above ' + fileURLToPath(import.meta.url));
}

/**
 * int64 as decimal text (ns timestamps exceed 2^53), enums by name, defaults filled in. `json: true` makes
 * protobufjs decode a google.protobuf.Any whose type is in the loaded files into `{'@type', ...fields}` (containerd
 * event payloads); an Any of an unknown type (the OCI spec) stays `{type_url, value}`.
 */
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, json: true };

export interface CriServices {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

export interface ContainerdServices {
  Containers: grpc.ServiceClientConstructor;
  Events: grpc.ServiceClientConstructor;
}

let cri: CriServices | undefined;
let containerd: ContainerdServices | undefined;

export function criServices(): CriServices {
  if (cri) return cri;
  const root = runtimeProtoRoot();
  const def = protoLoader.loadSync(path.join(root, 'cri', 'runtime', 'v1', 'api.proto'), { ...LOADER_OPTIONS, includeDirs: [root] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: CriServices } };
  cri = { RuntimeService: pkg.runtime.v1.RuntimeService, ImageService: pkg.runtime.v1.ImageService };
  return cri;
}

export function containerdServices(): ContainerdServices {
  if (containerd) return containerd;
  const root = runtimeProtoRoot();
  // One load, so the event payload types are in the same protobufjs root as Envelope's Any.
  const files = [
    'containerd/services/containers/v1/containers.proto', 'containerd/services/events/v1/events.proto',
    'containerd/events/container.proto', 'containerd/events/task.proto',
  ].map((f) => path.join(root, f));
  const def = protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [root] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    containerd: { services: { containers: { v1: { Containers: grpc.ServiceClientConstructor } }; events: { v1: { Events: grpc.ServiceClientConstructor } } } };
  };
  containerd = { Containers: pkg.containerd.services.containers.v1.Containers, Events: pkg.containerd.services.events.v1.Events };
  return containerd;
}

export type RuntimeErrorCode =
  /** The runtime did not answer: no socket, refused, deadline (grpc UNAVAILABLE / DEADLINE_EXCEEDED). */
  | 'ERUNTIME_UNAVAILABLE'
  /** The runtime answered with an error other than NotFound. */
  | 'ERUNTIME_CALL'
  /** The client was closed. */
  | 'ERUNTIME_CLOSED';

export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string, readonly grpcCode?: grpc.status) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` or a bare path → a grpc-js target. */
export function unixTarget(address: string): string {
  if (address.startsWith('unix:')) return address;
  return 'unix://' + path.resolve(address);
}

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Verbose ContainerStatus carries the whole OCI spec; containerd answers up to 16 MiB.
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  // A restarted runtime should be found again quickly (the default backoff grows to 120 s).
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 5_000,
};

export function isNotFound(e: unknown): boolean {
  return (e as { code?: number } | null)?.code === grpc.status.NOT_FOUND;
}

/** A grpc error → RuntimeError with `<who>: <method>: <STATUS>: details`. */
export function runtimeError(who: string, method: string, e: unknown): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const err = e as Partial<grpc.ServiceError>;
  const code = typeof err.code === 'number' ? err.code : undefined;
  const name = code === undefined ? 'ERROR' : (grpc.status[code] ?? String(code));
  const unavailable = code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
  return new RuntimeError(unavailable ? 'ERUNTIME_UNAVAILABLE' : 'ERUNTIME_CALL',
    `${who}: ${method}: ${name}: ${err.details ?? err.message ?? String(e)}`, code);
}

type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** One unary call with a deadline; rejects with the raw grpc error (callers decide what NotFound means). */
export function unary<T>(client: grpc.Client, method: string, request: unknown, timeoutMs: number, metadata = new grpc.Metadata()): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    try {
      fn.call(client, request, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    } catch (e) {
      // A closed channel throws synchronously; keep the promise contract.
      reject(e);
    }
  });
}

export interface FollowOptions<M> {
  /** `cri unix:///…`, for error messages. */
  who: string;
  /** The method name, for error messages. */
  method: string;
  /** Opens the stream (may throw synchronously: the follower retries). */
  open: () => grpc.ClientReadableStream<unknown>;
  onData: (m: M) => void;
  /** Claims an error that ends the following for good (return true), e.g. UNIMPLEMENTED. */
  stopOn?: (e: grpc.ServiceError) => boolean;
  onError?: (what: string, e: unknown) => void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

/**
 * Keeps a server stream open: each message goes to onData; an error or an end reopens it after a capped
 * exponential backoff with jitter (reset by a message, or by a stream that lived over 5 s). close() ends it.
 */
export class StreamFollower<M> {
  private stream: grpc.ClientReadableStream<unknown> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private closed = false;

  constructor(private readonly opts: FollowOptions<M>) {
    this.backoff = new Backoff(opts.backoffInitialMs ?? 200, opts.backoffMaxMs ?? 10_000);
    this.open();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream?.cancel();
    this.stream = undefined;
  }

  private open(): void {
    if (this.closed) return;
    const o = this.opts;
    let call: grpc.ClientReadableStream<unknown>;
    try {
      call = o.open();
    } catch (e) {
      o.onError?.(`${o.who}: ${o.method}`, e);
      this.retry(0);
      return;
    }
    this.stream = call;
    const opened = Date.now();
    call.on('data', (m: M) => {
      this.backoff.reset();
      o.onData(m);
    });
    call.on('error', (e: grpc.ServiceError) => {
      if (this.stream !== call) return;
      this.stream = undefined;
      if (this.closed || e.code === grpc.status.CANCELLED) return;
      if (o.stopOn?.(e) === true) return;
      o.onError?.(`${o.who}: ${o.method}`, runtimeError(o.who, o.method, e));
      this.retry(Date.now() - opened);
    });
    call.on('end', () => {
      if (this.stream !== call || this.closed) return;
      this.stream = undefined;
      this.retry(Date.now() - opened);
    });
  }

  private retry(livedMs: number): void {
    if (this.closed) return;
    // A stream that lived a while was healthy: start the backoff over.
    if (livedMs > 5000) this.backoff.reset();
    const wait = this.backoff.next();
    this.timer = setTimeout(() => this.open(), wait);
    this.timer.unref();
  }
}

/** ns since the epoch from a google.protobuf.Timestamp as proto-loader gives it (seconds as text); 0n when unset. */
export function timestampNs(ts: { seconds?: string | number; nanos?: number } | null | undefined): bigint {
  if (!ts) return 0n;
  const s = BigInt(ts.seconds ?? 0);
  const n = BigInt(ts.nanos ?? 0);
  return s === 0n && n === 0n ? 0n : s * 1_000_000_000n + n;
}
