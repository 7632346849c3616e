// What the `imds` CLI refuses before it sends anything, and what it says instead of "Cannot reach
// IMDS" (issue #14): paths HTTP cannot carry, tokens a server should never issue, a blank
// --endpoint, an --out directory that is not there, an argument too many, `ls` on a value, and
// the error lines of a snapshot. All against the real emulator or a small local peer.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/imds';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (d) => (stdout += d.toString()), stderr: (l) => (stderr += l + '\n'), env: {} });
  return { code, stdout, stderr };
}

describe('imds CLI refusals, against the emulator', () => {
  let emulator: Emulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'imds-cli-refusals-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a path with a space or non-ASCII is refused with its own message, not "Cannot reach IMDS"', async () => {
    for (const [p, why] of [['meta-data/a b', /contains a space/], ['meta-data/é', /non-ASCII/]] as const) {
      const result = await cli(['--endpoint', emulator.url, 'get', p]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, why);
      assert.doesNotMatch(result.stderr, /Cannot reach|Nothing answers/);
    }
    assert.equal(emulator.stats.byPath.has('/latest/meta-data/a b'), false, 'nothing was sent');
  });

  it('a blank --endpoint is an error, not a silent switch to 169.254.169.254', async () => {
    const result = await cli(['--endpoint', ' ', 'get', 'meta-data/instance-id']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /endpoint is empty/);
  });

  it('get and ls refuse an argument too many; snapshot refuses a PATH', async () => {
    let result = await cli(['--endpoint', emulator.url, 'get', 'meta-data/instance-id', 'extra']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /get takes one PATH; "extra" is one argument too many/);
    result = await cli(['--endpoint', emulator.url, 'ls', 'meta-data/', 'extra']);
    assert.match(result.stderr, /ls takes one PATH/);
    result = await cli(['--endpoint', emulator.url, 'snapshot', 'meta-data/']);
    assert.match(result.stderr, /snapshot takes no PATH \(use --root PATH\)/);
  });

  it('ls on a value says it is a value and how to read it, not "Not found (404)"', async () => {
    const result = await cli(['--endpoint', emulator.url, 'ls', 'meta-data/instance-id']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\/latest\/meta-data\/instance-id is a value, not a directory: read it with imds get/);
    const missing = await cli(['--endpoint', emulator.url, 'ls', 'meta-data/no-such-thing/']);
    assert.match(missing.stderr, /404/);
  });

  it('snapshot --out into a missing directory fails before the crawl, with a remedy', async () => {
    emulator.stats.reset();
    const result = await cli(['--endpoint', emulator.url, 'snapshot', '--out', path.join(dir, 'missing', 'snap.json')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /the directory .*missing does not exist; create it first/);
    assert.equal(emulator.stats.requests, 0, 'no crawl happened');
  });

  it('--timeout takes plain milliseconds within a bound', async () => {
    for (const bad of ['0x10', '1e3', '99999999999', '-5']) {
      const result = await cli(['--endpoint', emulator.url, '--timeout', bad, 'get', 'meta-data/instance-id']);
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /--timeout must be milliseconds from 1 to 3600000/);
    }
  });
});

describe('snapshot error lines', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'PUT') return void res.writeHead(405).end();
      if (req.url === '/latest/meta-data/') return void res.writeHead(200).end('missing\ncut');
      if (req.url === '/latest/meta-data/missing') return void res.writeHead(404).end();
      req.socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('read [error 404] with a status and [error] without one, never "[error ]"', async () => {
    const result = await cli(['--endpoint', url, 'snapshot', '--root', 'meta-data/']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\/latest\/meta-data\/missing\s+\[error 404\] /);
    assert.match(result.stdout, /\/latest\/meta-data\/cut\s+\[error\] /);
    assert.doesNotMatch(result.stdout, /\[error \]/);
  });
});

describe('tokens a server should never issue', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'PUT') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(Buffer.from('AQAEA\x7fbad\xe9token', 'latin1'));
        return;
      }
      res.writeHead(200);
      res.end('i-0123456789abcdef0');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('a token with DEL or non-ASCII characters is refused as malformed, not sent on every GET', async () => {
    const client = new ImdsClient({ endpoint: url, env: {}, versionPolicy: 'v2-only' });
    try {
      await assert.rejects(client.get('/latest/meta-data/instance-id'), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'Malformed');
        assert.match(err.message, /characters a token never has/);
        assert.doesNotMatch(err.message, /Cannot reach|Nothing answers/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it('a response larger than the limit names no flag the CLI lacks', async () => {
    const client = new ImdsClient({ endpoint: url, env: {}, versionPolicy: 'v1-only', maxResponseBytes: 4 });
    try {
      await assert.rejects(client.get('/latest/meta-data/instance-id'), (err: Error & { remedy?: string }) => {
        assert.match(err.message, /larger than 4 bytes/);
        assert.doesNotMatch(err.remedy ?? '', /raise/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});
