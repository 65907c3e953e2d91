// A rogue client (with a valid certificate, or none) sends garbage bytes, an oversized message, a truncated
// message and a message that is not protobuf: each is rejected cleanly, nothing of it is written, and the
// collector keeps serving a good sensor streaming at the same time.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { Collector, GrpcOutput, alertStreamService } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, testLine, tmp } from './helpers.js';

/** Raw socket: write bytes, resolve when the peer closes it. */
function closedAfter(sock: net.Socket | tls.TLSSocket, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    sock.on('error', () => undefined);
    sock.resume(); // read what the server answers (a GOAWAY), or 'close' never comes
    sock.on('close', () => resolve(true));
    setTimeout(() => { sock.destroy(); resolve(false); }, 5000);
    const send = () => sock.write(bytes);
    if (sock instanceof tls.TLSSocket) sock.once('secureConnect', send); else sock.once('connect', send);
  });
}

/** One gRPC request over raw HTTP/2 with a hand-built body; resolves with the grpc-status the server answered. */
function rawGrpc(port: number, ca: Buffer, cert: Buffer, key: Buffer, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://localhost:${port}`, { ca, cert, key, host: '127.0.0.1', servername: 'localhost' } as http2.SecureClientSessionOptions);
    session.on('error', () => resolve('session-error'));
    const req = session.request({ ':method': 'POST', ':path': '/sensord.v1.AlertStream/Stream', 'content-type': 'application/grpc', te: 'trailers' });
    let status = '';
    req.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('trailers', (t) => { status = String(t['grpc-status']); });
    req.on('data', () => undefined);
    req.on('error', () => undefined);
    req.on('close', () => { session.close(); resolve(status || 'closed'); });
    req.end(body);
  });
}

const frame = (payload: Buffer, declared = payload.length) => { const h = Buffer.alloc(5); h.writeUInt32BE(declared, 1); return Buffer.concat([h, payload]); };

describe('gRPC collector: rogue clients', () => {
  it('rejects garbage, oversized, truncated and non-protobuf messages and keeps serving the good client', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-rogue-');
    const out = path.join(dir, 'alerts.jsonl');
    const col = new Collector({ listen: '127.0.0.1:0', out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey }, maxMessageBytes: 256 * 1024 });
    const port = await col.start();
    const ca = readFileSync(c.ca), cert = readFileSync(c.clientCert), key = readFileSync(c.clientKey);

    // The good sensor streams the whole time.
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(dir, 'spool'), fsync: 'never',
    });
    g.init();
    let n = 0;
    const feeder = setInterval(() => { for (let k = 0; k < 20; k++) g.write(testLine(n++)); g.flush(); }, 10);

    // Garbage: before TLS, and inside TLS with a valid client certificate (not an HTTP/2 preface).
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    expect(await closedAfter(net.connect(port, '127.0.0.1'), junk)).toBe(true);
    expect(await closedAfter(tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca, cert, key, ALPNProtocols: ['h2'] }), junk)).toBe(true);

    // Oversized: a valid client sends a 1 MiB alert (limit 256 KiB).
    const Service = alertStreamService();
    const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createSsl(ca, key, cert), { 'grpc.ssl_target_name_override': 'localhost' });
    const oversized = await new Promise<number>((resolve) => {
      const call = client.Stream() as grpc.ClientDuplexStream<unknown, unknown>;
      call.on('data', () => undefined);
      call.on('error', (e: grpc.ServiceError) => resolve(e.code));
      call.on('end', () => resolve(0));
      call.write({ hello: { sensor_id: 'rogue', hostname: 'x', resume_from_seq: '1' } });
      call.write({ alerts: { records: [{ seq: '1', alert: { id: 'rogue:1', seq: '1', output: 'x'.repeat(1024 * 1024) } }] } });
    });
    client.close();
    expect(oversized).toBe(grpc.status.RESOURCE_EXHAUSTED);

    // Truncated: a frame that declares 1000 bytes and carries 10, then the stream ends.
    expect(await rawGrpc(port, ca, cert, key, frame(Buffer.alloc(10, 0x0a), 1000))).not.toBe('0');
    // Not protobuf: a complete frame of junk.
    expect(await rawGrpc(port, ca, cert, key, frame(junk.subarray(0, 64)))).not.toBe('0');
    // A frame that declares more than the limit.
    expect(await rawGrpc(port, ca, cert, key, frame(Buffer.alloc(16), 512 * 1024 * 1024))).not.toBe('0');

    clearInterval(feeder);
    expect(await g.drained(10_000)).toBe(true);
    await g.close();
    await col.stop();
    const lines = readCollected(out);
    expect(lines.length).toBe(n);
    expect(lines.every((l) => l.sensor_id === g.sensorId)).toBe(true); // nothing written from the rogue
    expect(new Set(lines.map((l) => l.id)).size).toBe(n);
  }, 60_000);
});
