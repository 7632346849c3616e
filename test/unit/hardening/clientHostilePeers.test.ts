// The client against peers that break the HTTP exchange in ways no emulator fault does: a body cut
// short of its Content-Length, a chunked body that never ends, a status line of garbage, a reset in
// the middle of a body. Each ends in a typed error, fast, and the client keeps working afterwards.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ImdsClient } from '../../../src/imds/client';
import { isImdsError } from '../../../src/imds/errors';

type Behaviour = (socket: Socket) => void;

/** A raw TCP peer that answers each request according to the path's behaviour. */
async function startRawPeer(behaviours: Record<string, Behaviour>): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [requestLine] = buffered.slice(0, end).split('\r\n');
      buffered = buffered.slice(end + 4);
      const [method, path] = requestLine.split(' ');
      if (method === 'PUT') {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Aws-Ec2-Metadata-Token-Ttl-Seconds: 21600\r\n\r\ntoken');
        return;
      }
      (behaviours[path] ?? behaviours['*'])(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ok = (body: string): Behaviour => (s) => s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

describe('client against hostile HTTP peers', () => {
  let peer: Awaited<ReturnType<typeof startRawPeer>>;
  let client: ImdsClient;
  before(async () => {
    peer = await startRawPeer({
      '/latest/meta-data/partial': (s) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly-a-few-bytes');
        setTimeout(() => s.end(), 20);
      },
      '/latest/meta-data/endless-chunked': (s) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        // ...and never the final chunk.
      },
      '/latest/meta-data/garbage': (s) => {
        s.write('NOT-HTTP garbage\r\n\r\n');
        s.end();
      },
      '/latest/meta-data/reset-mid-body': (s) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc');
        setTimeout(() => s.resetAndDestroy(), 20);
      },
      '/latest/meta-data/instance-id': ok('i-0123456789abcdef0'),
      '*': (s) => s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    });
    client = new ImdsClient({ endpoint: peer.url, requestTimeoutMs: 1500, maxRetries: 1, retryBaseDelayMs: 10, retryMaxDelayMs: 20 });
  });
  after(async () => {
    await client.close();
    await peer.close();
  });

  for (const path of ['partial', 'endless-chunked', 'garbage', 'reset-mid-body']) {
    it(`${path}: a typed ImdsError with a message, not a hang or a crash`, async () => {
      const started = Date.now();
      await assert.rejects(client.get(`/latest/meta-data/${path}`), (err: unknown) => {
        assert.ok(isImdsError(err), `got ${String(err)}`);
        assert.ok(err.message.length > 10);
        assert.ok(err.remedy.length > 10, 'says what to do');
        return true;
      });
      // Bounded by the request timeout and one retry, with room for a slow machine.
      assert.ok(Date.now() - started < 15_000);
    });
  }

  it('keeps working after all of that', async () => {
    const value = await client.get('/latest/meta-data/instance-id');
    assert.equal(value.text, 'i-0123456789abcdef0');
  });
});
