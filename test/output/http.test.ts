// HTTP output (Falco's http_output, Falcosidekick-compatible) against a local server on 127.0.0.1: one POST per
// alert with the JSON output's line as body, keep-alive, retries on 5xx with backoff, bounded give-up, timeouts.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import { HttpOutput, OutputQueue, jsonLine, parseHeader, type Alert } from '../../sensor/src/output/index.js';

const alert = (over: Partial<Alert> = {}): Alert => ({
  ts: 1_470_327_477_881_781_397n, rule: 'open_from_cat', priority: 'WARNING', source: 'syscall',
  tags: ['filesystem', 'process'], output: '16:17:57.881781397: Warning An open was seen (command=cat /dev/null)',
  outputFields: '{"proc.cmdline":"cat /dev/null"}', ...over,
});

interface Req { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; socket: number }

/** A server answering each request with `answer(n)` (n = 0-based request index): a status, or 'hang'. */
async function server(answer: (n: number) => number | 'hang') {
  const reqs: Req[] = [];
  const sockets = new Map<object, number>();
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
      const n = reqs.length;
      reqs.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: sockets.get(req.socket)! });
      const a = answer(n);
      if (a === 'hang') return;
      res.writeHead(a, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  const close = async () => { srv.closeAllConnections(); await new Promise((r) => srv.close(r)); };
  servers.push(close);
  return { url: `http://127.0.0.1:${port}/falco`, reqs, close };
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => { for (const c of servers.splice(0)) await c(); });
const noSleep = () => Promise.resolve();

describe('HTTP output', () => {
  it('POSTs one alert per request: application/json, the JSON output line as body, extra headers and bearer token, one kept-alive socket', async () => {
    const s = await server(() => 200);
    const out = new HttpOutput({ url: s.url, headers: Object.fromEntries([parseHeader('X-Tenant: blue'), parseHeader('X-Empty:')]), bearerToken: 'tok' });
    const q = new OutputQueue([out], { hostname: 'node-1' });
    await q.init();
    for (let i = 0; i < 5; i++) q.push(alert({ rule: `r${i}` }));
    await q.close();
    expect(s.reqs).toHaveLength(5);
    expect(s.reqs.map((r) => r.body).sort()).toEqual([0, 1, 2, 3, 4].map((i) => jsonLine(alert({ rule: `r${i}` }), 'node-1')).sort());
    const r = s.reqs[0];
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/falco');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-tenant']).toBe('blue');
    expect(r.headers['x-empty']).toBe('');
    expect(r.headers.authorization).toBe('Bearer tok');
    expect(r.headers.connection).toBe('keep-alive');
    expect(new Set(s.reqs.map((x) => x.socket)).size).toBeLessThanOrEqual(4); // the agent's pool, not one socket per alert
    expect(out.stats()).toEqual({ sent: 5, failed: 0, retried: 0, inFlight: 0 });
    expect(q.stats().outputs[out.name]).toMatchObject({ write: 5, errors: 0 });
    expect(out.name).toBe(`http:${new URL(s.url).origin}/falco`);
  });

  it('retries on 500 and 429 with backoff, then succeeds', async () => {
    const s = await server((n) => (n === 0 ? 500 : n === 1 ? 429 : 200));
    const delays: number[] = [];
    const out = new HttpOutput({ url: s.url, retries: 3, backoffMs: 100, sleep: async (ms) => { delays.push(ms); } });
    out.init();
    await out.write(jsonLine(alert(), 'h'));
    await out.flush();
    await out.close();
    expect(s.reqs).toHaveLength(3);
    expect(new Set(s.reqs.map((r) => r.body)).size).toBe(1);
    expect(out.stats()).toMatchObject({ sent: 1, failed: 0, retried: 2 });
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50); // [b/2, b] for b = 100
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100); // b doubled
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('gives up after the bounded retries, counts the failure, and the queue counts an output error', async () => {
    const s = await server(() => 503);
    const out = new HttpOutput({ url: s.url, retries: 2, sleep: noSleep });
    const errors: string[] = [];
    const q = new OutputQueue([out], { hostname: 'h', onError: (_n, kind, e) => errors.push(`${kind}: ${(e as Error).message}`) });
    await q.init();
    q.push(alert());
    await q.flush();
    expect(s.reqs).toHaveLength(3); // first attempt + 2 retries
    expect(out.stats()).toMatchObject({ sent: 0, failed: 1, retried: 2 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/flush: .*1 alert\(s\) not delivered: HTTP 503 \(after 2 retries\)/);
    await q.close();
    expect(q.stats().outputs[out.name].errors).toBe(1);
  });

  it('does not retry a 4xx answer other than 408/429', async () => {
    const s = await server(() => 400);
    const out = new HttpOutput({ url: s.url, retries: 3, sleep: noSleep });
    out.init();
    await out.write('{}');
    await expect(out.flush()).rejects.toThrow(/HTTP 400/);
    await out.close();
    expect(s.reqs).toHaveLength(1);
    expect(out.stats()).toMatchObject({ sent: 0, failed: 1, retried: 0 });
  });

  it('times out an attempt that gets no answer, retries it, and succeeds', async () => {
    const s = await server((n) => (n === 0 ? 'hang' : 200));
    const out = new HttpOutput({ url: s.url, timeoutMs: 150, retries: 1, sleep: noSleep });
    out.init();
    const t0 = performance.now();
    await out.write('{"a":1}');
    await out.flush();
    await out.close();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(s.reqs).toHaveLength(2);
    expect(out.stats()).toMatchObject({ sent: 1, failed: 0, retried: 1 });
  });

  it('a timeout on every attempt ends in a counted failure after the bounded retries', async () => {
    const s = await server(() => 'hang');
    const out = new HttpOutput({ url: s.url, timeoutMs: 100, retries: 1, sleep: noSleep });
    out.init();
    await out.write('{}');
    await expect(out.flush()).rejects.toThrow(/timeout after 100 ms/);
    await out.close();
    expect(out.stats()).toMatchObject({ sent: 0, failed: 1, retried: 1 });
  });

  it('a refused connection is retried and then counted as failed', async () => {
    const s = await server(() => 200);
    const url = s.url;
    await s.close();
    const out = new HttpOutput({ url, retries: 2, sleep: noSleep });
    out.init();
    await out.write('{}');
    await expect(out.flush()).rejects.toThrow(/ECONNREFUSED/);
    await out.close();
    expect(out.stats()).toMatchObject({ sent: 0, failed: 1, retried: 2 });
  });

  it('bounds requests in flight: write() waits for a free slot', async () => {
    let open = 0, most = 0;
    const srv = http.createServer((req, res) => {
      open++; most = Math.max(most, open);
      req.resume();
      setTimeout(() => { open--; res.end(); }, 20);
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    servers.push(async () => { srv.closeAllConnections(); await new Promise((r) => srv.close(r)); });
    const out = new HttpOutput({ url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/`, maxInFlight: 2 });
    out.init();
    for (let i = 0; i < 6; i++) await out.write('{}');
    await out.close();
    expect(most).toBeLessThanOrEqual(2);
    expect(out.stats().sent).toBe(6);
  });

  it('rejects bad URLs and headers', () => {
    expect(() => new HttpOutput({ url: 'ftp://x/' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => new HttpOutput({ url: 'not a url' })).toThrow(/not a URL/);
    expect(() => parseHeader('no colon')).toThrow(/Name: value/);
    expect(parseHeader('Authorization:  Basic abc ')).toEqual(['Authorization', 'Basic abc']);
  });
});
