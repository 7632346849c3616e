// Small HTTP helpers for the emulator tests: plain node:http (one connection per request, so a
// test never depends on a pool's state) and a raw socket for requests no client library would send.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Local address to send from (e.g. 127.0.0.2: all of 127/8 is loopback on Linux). */
  localAddress?: string;
  /** Abort after this many ms and resolve with status 0 (no answer). */
  timeoutMs?: number;
}

export function request(baseUrl: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: Number(url.port),
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => {
        req.destroy();
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), text: '' });
      });
    }
    req.on('error', (err) => {
      if (req.destroyed && options.timeoutMs !== undefined) return;
      reject(err);
    });
    req.end();
  });
}

export async function getToken(baseUrl: string, ttlSeconds = 21600): Promise<string> {
  const answer = await request(baseUrl, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(ttlSeconds) } });
  if (answer.status !== 200) throw new Error(`token PUT answered ${answer.status}`);
  return answer.text;
}

/** Sends raw bytes and returns whatever comes back before the server closes or `waitMs` passes. */
export function rawExchange(baseUrl: string, bytes: string | Buffer, waitMs = 2000): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let out = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (out) resolve(out);
      else reject(err);
    });
    socket.write(bytes);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
