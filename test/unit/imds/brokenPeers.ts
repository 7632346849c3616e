// Deliberately broken peers for the client's error paths, where no real IMDS misbehaves on cue:
// a port that accepts but never answers, a port whose accept queue is full (connect timeout),
// and a front that sits before the real emulator and misbehaves on chosen requests (an endpoint
// without IMDSv2 tokens, resets, 503 storms, HTML or binary listings). Every answer that is not
// deliberately broken comes from the emulator itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

export interface Peer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never writes a byte: the request timeout's peer. */
export async function startSilentPeer(host = '127.0.0.1'): Promise<Peer & { connections: number }> {
  const sockets = new Set<Socket>();
  const peer = { connections: 0 } as Peer & { connections: number };
  const server = createNetServer((socket) => {
    peer.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  peer.port = port;
  peer.url = `http://${host}:${port}`;
  peer.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return peer;
}

const PYTHON = '/usr/bin/python3';

/**
 * A port whose accept queue is full, so new SYNs are dropped and connect() hangs: the connect
 * timeout's peer. Node always accepts, so a Python child listens with backlog 0 and never
 * accepts; the helper fills the queue itself. Undefined when python3 is missing.
 */
export async function startFullBacklogPeer(): Promise<(Peer & { child: ChildProcess }) | undefined> {
  if (!existsSync(PYTHON)) return undefined;
  const script = [
    'import socket, sys, time',
    's = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'port = s.getsockname()[1]',
    'fillers = []',
    'for _ in range(4):',
    '    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
    '    c.setblocking(False)',
    "    try: c.connect(('127.0.0.1', port))",
    '    except BlockingIOError: pass',
    '    fillers.append(c)',
    'time.sleep(0.3)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`python peer exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** What the front does with one request: pass it to the emulator, or misbehave. */
export type FrontAction =
  | { kind: 'forward' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'body'; body: Buffer | string; chunked?: boolean }
  | { kind: 'reset' };

export interface FrontRequest {
  method: string;
  path: string;
  /** 1-based count of requests the front has seen. */
  index: number;
  hasToken: boolean;
}

export interface Front extends Peer {
  seen: FrontRequest[];
  /** Most requests in flight at once. */
  maxInFlight: number;
}

/** An HTTP front before `targetUrl` that asks `decide` what to do with each request. */
export async function startFront(targetUrl: string, decide: (request: FrontRequest) => FrontAction): Promise<Front> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const front = { seen: [] as FrontRequest[], maxInFlight: 0 } as unknown as Front;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const request: FrontRequest = { method: req.method ?? 'GET', path: req.url ?? '/', index: front.seen.length + 1, hasToken: req.headers['x-aws-ec2-metadata-token'] !== undefined };
    front.seen.push(request);
    inFlight++;
    front.maxInFlight = Math.max(front.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const action = decide(request);
    if (action.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (action.kind === 'status') {
      res.writeHead(action.status, { 'content-type': 'text/html' });
      res.end(action.body ?? `<html><body>${action.status}</body></html>`);
      return;
    }
    if (action.kind === 'body') {
      const body = Buffer.from(action.body);
      if (action.chunked) {
        res.writeHead(200, { 'content-type': 'text/plain' }); // no Content-Length: chunked
        for (let i = 0; i < body.length; i += 1024) res.write(body.subarray(i, i + 1024));
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      }
      return;
    }
    const upstream = httpRequest(
      { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  front.port = port;
  front.url = `http://127.0.0.1:${port}`;
  front.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return front;
}

/** A port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
