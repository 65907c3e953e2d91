// mTLS: the collector refuses a client without a certificate, one with a certificate from another CA, and a
// plaintext client — and writes nothing from them; the client with the right certificate gets through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Collector, GrpcOutput, alertStreamService } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, testLine, tmp, type Certs } from './helpers.js';

let c: Certs;
let col: Collector;
let out: string;
let port: number;

beforeAll(async () => {
  c = makeCerts();
  out = path.join(tmp('sensord-mtls-'), 'alerts.jsonl');
  col = new Collector({ listen: '127.0.0.1:0', out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey } });
  port = await col.start();
});
afterAll(async () => { await col.stop(); });

/** Opens a stream with these credentials, sends Hello and one alert, resolves with the stream's final status. */
function attempt(creds: grpc.ChannelCredentials): Promise<{ code: number; acked: boolean }> {
  const Service = alertStreamService();
  const client = new Service(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' });
  return new Promise((resolve) => {
    let acked = false;
    const call = client.Stream() as grpc.ClientDuplexStream<unknown, unknown>;
    call.on('data', () => { acked = true; });
    call.on('error', (e: grpc.ServiceError) => { client.close(); resolve({ code: e.code, acked }); });
    call.on('end', () => { client.close(); resolve({ code: 0, acked }); });
    call.write({ hello: { sensor_id: 'intruder', hostname: 'x', resume_from_seq: '1' } });
    call.write({ alerts: { records: [{ seq: '1', alert: { id: 'intruder:1', seq: '1', rule: 'r', output: 'evil' } }] } });
    setTimeout(() => call.end(), 1500);
  });
}

describe('gRPC collector: mTLS', () => {
  it('refuses a client without a certificate', async () => {
    const r = await attempt(grpc.credentials.createSsl(readFileSync(c.ca)));
    expect(r.code).toBe(grpc.status.UNAVAILABLE);
    expect(r.acked).toBe(false);
  });

  it('refuses a client whose certificate is from another CA', async () => {
    const r = await attempt(grpc.credentials.createSsl(readFileSync(c.ca), readFileSync(c.otherKey), readFileSync(c.otherCert)));
    expect(r.code).toBe(grpc.status.UNAVAILABLE);
    expect(r.acked).toBe(false);
  });

  it('refuses a plaintext client', async () => {
    const r = await attempt(grpc.credentials.createInsecure());
    expect(r.code).toBe(grpc.status.UNAVAILABLE);
    expect(r.acked).toBe(false);
  });

  it('with a required bearer token, a valid certificate without the token is refused (UNAUTHENTICATED)', async () => {
    const guarded = new Collector({ listen: '127.0.0.1:0', out: out + '.token', tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey }, token: 's3cret' });
    const p = await guarded.start();
    const Service = alertStreamService();
    const code = await new Promise<number>((resolve) => {
      const client = new Service(`127.0.0.1:${p}`, grpc.credentials.createSsl(readFileSync(c.ca), readFileSync(c.clientKey), readFileSync(c.clientCert)), { 'grpc.ssl_target_name_override': 'localhost' });
      const md = new grpc.Metadata();
      md.set('authorization', 'Bearer wrong');
      const call = client.Stream(md) as grpc.ClientDuplexStream<unknown, unknown>;
      call.on('data', () => undefined);
      call.on('error', (e: grpc.ServiceError) => { client.close(); resolve(e.code); });
      call.write({ hello: { sensor_id: 'x', hostname: 'x', resume_from_seq: '1' } });
    });
    expect(code).toBe(grpc.status.UNAUTHENTICATED);
    const g = new GrpcOutput({
      address: `127.0.0.1:${p}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey }, token: 's3cret',
      spoolDir: path.join(path.dirname(out), 'spool-token'), fsync: 'never',
    });
    g.init();
    g.write(testLine(0));
    g.flush();
    expect(await g.drained(5000)).toBe(true);
    await g.close();
    await guarded.stop();
    expect(readCollected(out + '.token')).toHaveLength(1);
  });

  it('wrote nothing from the refused clients; the right certificate gets through', async () => {
    expect(readCollected(out)).toEqual([]);
    expect(col.summary()).toEqual([]);
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(path.dirname(out), 'spool'), fsync: 'never',
    });
    g.init();
    for (let i = 0; i < 10; i++) g.write(testLine(i));
    g.flush();
    expect(await g.drained(5000)).toBe(true);
    await g.close();
    const lines = readCollected(out);
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.sensor_id === g.sensorId)).toBe(true);
  });
});
