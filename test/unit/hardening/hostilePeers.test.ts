// Hostile peers for the client, the CLI and the SSM walkers (issue #14): a server that drips one
// byte at a time, one whose every directory lists `a/ b/ v` (a cycle), one that lists 130,000
// entries, and credentials served with the role listed as a directory. Each ends in bounded time
// and memory with a clear error, or masks the secrets.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { main as imdsMain, snapshotLines } from '../../../src/cli/imds';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { buildSnapshot } from '../../../src/imds/snapshot';
import { runDoctor } from '../../../src/doctor/run';
import { endpointTarget } from '../../../src/doctor';
import { documentText } from '../../../src/ui/valueFormat';
import { assembleDocument, decodeDocument, parseDocumentPart } from '../../../src/sources/ssm/document';
import { replayWalk } from '../../../src/sources/ssm/replay';
import { buildShellSnapshotScript } from '../../../src/sources/ssm/script';
import { AGENT_PATH } from '../../support/ssm/instanceShell';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function startPeer(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (req.method === 'PUT') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': '21600' });
      res.end('AQAEAhostiletoken');
      return;
    }
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await imdsMain(argv, { stdout: (d) => (stdout += d.toString()), stderr: (l) => (stderr += l + '\n'), env: {} });
  return { code, stdout, stderr };
}

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjHOSTILESESSIONTOKEN';
const CREDS = JSON.stringify({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: 'ASIAHOSTILE', SecretAccessKey: SECRET, Token: TOKEN, Expiration: '2030-01-01T00:00:00Z' }, null, 2);

describe('a peer that drips one byte at a time after its headers', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;
  before(async () => {
    peer = await startPeer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
    });
  });
  after(() => peer.close());

  it('imds get --timeout 1000 ends with a timeout, though every gap is shorter than the timeout', async () => {
    const started = Date.now();
    const result = await cli(['--endpoint', peer.url, '--timeout', '1000', 'get', 'meta-data/instance-id']);
    const elapsed = Date.now() - started;
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No answer within 1000 ms|timed out|Timeout|within 1000 ms/i);
    // One attempt of 1 s (timeouts are not retried): well under the 25 s it used to run.
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  });

  it('the doctor run ends within its total deadline', async () => {
    const started = Date.now();
    const report = await runDoctor(endpointTarget(peer.url, 'endpoint'), { requestTimeoutMs: 500, retries: 0, throttleSample: 2, totalTimeoutMs: 4000, env: {} });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 8000, `took ${elapsed} ms`);
    assert.ok(report.checks.length > 0);
  });
});

describe('a peer whose every directory lists a/ b/ v (a cycle)', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;
  before(async () => {
    peer = await startPeer((req, res) => {
      const body = req.url!.endsWith('/') ? 'a/\nb/\nv' : 'value';
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) });
      res.end(body);
    });
  });
  after(() => peer.close());

  it('stops at the entry bound with a partial snapshot that says where, in bounded memory', async () => {
    const client = new ImdsClient({ endpoint: peer.url, env: {} });
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      const snapshot = await client.snapshot({ root: '/latest/meta-data/', maxEntries: 3000 });
      assert.ok(snapshot.incomplete, 'marked incomplete');
      assert.match(snapshot.incomplete.reason, /more than 3000 paths/);
      assert.match(snapshot.incomplete.at, /^\/latest\/meta-data\/(?:[ab]\/)+$/);
      assert.ok(snapshot.entries.length <= 3000, `${snapshot.entries.length} entries`);
      assert.ok(snapshot.entries.length > 1000, 'what was read is kept');
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
    } finally {
      await client.close();
    }
  });

  it('stops at the depth bound (16 by default) on a chain of single directories', async () => {
    const chain = await startPeer((req, res) => {
      const body = req.url!.endsWith('/') ? 'a/' : 'v';
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
    const client = new ImdsClient({ endpoint: chain.url, env: {} });
    try {
      const snapshot = await client.snapshot({ root: '/latest/meta-data/' });
      assert.match(snapshot.incomplete?.reason ?? '', /deeper than 16 levels/);
      assert.equal(snapshot.incomplete?.at, '/latest/meta-data/' + 'a/'.repeat(16));
      assert.equal(snapshot.entries.length, 17);
    } finally {
      await client.close();
      await chain.close();
    }
  });

  it('the SSM walkers (python3 and curl) stop at the same depth bound on the instance', async () => {
    const chain = await startPeer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(req.url!.endsWith('/') ? 'a/' : 'v');
    });
    const temp = mkdtempSync(path.join(tmpdir(), 'imds-walker-depth-'));
    const run = promisify(execFile);
    try {
      for (const tool of ['python3', 'curl'] as const) {
        const script = buildShellSnapshotScript({ documentId: '0123456789abcdef', imdsEndpoint: chain.url, tool });
        const { stdout } = await run('/bin/sh', ['-c', script], { env: { PATH: AGENT_PATH, TMPDIR: temp }, maxBuffer: 1 << 24, timeout: 60_000 });
        const walk = decodeDocument(assembleDocument([parseDocumentPart(stdout)]));
        assert.equal(walk.stopped?.bound, 'depth', tool);
        const { snapshot } = replayWalk(walk, { source: 'x', root: '/latest/', showSecrets: false });
        assert.match(snapshot.incomplete?.reason ?? '', /deeper than 16 levels/, tool);
        assert.equal(snapshot.incomplete?.at, '/latest/' + 'a/'.repeat(16), tool);
        assert.equal(snapshot.entries.length, 17, tool);
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
      await chain.close();
    }
  });

  it('stops at the total crawl time, keeping what it read', async () => {
    const client = new ImdsClient({ endpoint: peer.url, env: {} });
    try {
      const started = Date.now();
      const snapshot = await client.snapshot({ root: '/latest/meta-data/', maxTimeMs: 800, maxEntries: 10_000_000, maxDepth: 1000 });
      // The deadline aborts reads in flight: what is left is unwinding, not waiting on the peer.
      assert.ok(Date.now() - started < 15_000);
      assert.match(snapshot.incomplete?.reason ?? '', /longer than 800 ms/);
      assert.ok(snapshot.entries.length > 0);
    } finally {
      await client.close();
    }
  });

  it('imds snapshot prints the partial result, says where it stopped, and exits 2', async () => {
    const started = Date.now();
    const result = await cli(['--endpoint', peer.url, 'snapshot', '--root', 'meta-data/']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /the snapshot stopped early at \/latest\/meta-data\/.*more than 20000 paths/);
    assert.ok(result.stdout.split('\n').length > 1000);
    assert.ok(Date.now() - started < 120_000);
  });
});

describe('a peer that lists 130,000 entries', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;
  const names = Array.from({ length: 130_000 }, (_, i) => `k${i}`).join('\n');
  before(async () => {
    peer = await startPeer((req, res) => {
      const body = req.url === '/latest/meta-data/' ? names : 'v';
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  after(() => peer.close());

  it('the snapshot stops at the entry bound instead of queueing 130,000 reads', async () => {
    const client = new ImdsClient({ endpoint: peer.url, env: {} });
    try {
      const snapshot = await client.snapshot({ root: '/latest/meta-data/', maxEntries: 500 });
      assert.equal(snapshot.incomplete?.at, '/latest/meta-data/');
      assert.equal(snapshot.entries.length, 500);
      const dir = snapshot.entries.find((e) => e.path === '/latest/meta-data/');
      assert.equal(dir?.children?.length, 130_000, 'the listing itself is kept whole');
    } finally {
      await client.close();
    }
  });

  it('printing a 130,000-entry snapshot does not overflow the stack (no Math.max spread)', () => {
    const entries = Array.from({ length: 130_000 }, (_, i) => ({ path: `/latest/meta-data/k${i}`, kind: 'value' as const, status: 200, value: 'v', encoding: 'utf8' as const }));
    const text = snapshotLines(buildSnapshot({ source: 'test', root: '/latest/', entries }));
    assert.equal(text.split('\n').length, 130_001);
  });
});

describe('credentials served with the role listed as a directory (security-credentials/role/doc)', () => {
  let emulator: Emulator;
  const docPath = '/latest/meta-data/iam/security-credentials/role/doc';
  let dir: string;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    emulator.setValue('/latest/meta-data/iam/security-credentials', undefined);
    emulator.setValue(docPath, CREDS);
    dir = mkdtempSync(path.join(tmpdir(), 'imds-role-dir-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imds get masks it by content', async () => {
    const result = await cli(['--endpoint', emulator.url, 'get', docPath]);
    assert.equal(result.code, 0);
    assert.ok(!result.stdout.includes(SECRET) && !result.stdout.includes(TOKEN), result.stdout);
    assert.match(result.stdout, /"SecretAccessKey"\s*:\s*"\*{16}"/);
    assert.match(result.stderr, /masked/);
  });

  it('imds snapshot (lines and --json) masks it', async () => {
    for (const extra of [[], ['--json']]) {
      const result = await cli(['--endpoint', emulator.url, 'snapshot', ...extra]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.includes('security-credentials/role/doc'));
      assert.ok(!result.stdout.includes(SECRET) && !result.stdout.includes(TOKEN));
    }
  });

  it('diff --json masks credential bodies at paths ending in "/" in snapshot files', async () => {
    const snap = (value: string) => ({ format: 'imds-snapshot', version: 1, source: 'x', takenAt: '2026-01-01T00:00:00Z', root: '/latest/', entries: [{ path: '/latest/meta-data/iam/security-credentials/role/', kind: 'value', status: 200, value, encoding: 'utf8' }] });
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(snap(CREDS)));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify(snap(CREDS.replace(SECRET, SECRET + 'X'))));
    const result = await cli(['diff', '--json', path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
    assert.equal(result.code, 0, 'masked, the two are the same');
    assert.ok(!result.stdout.includes(SECRET));
    const nested = snap(JSON.stringify({ outer: { inner: [{ SessionToken: TOKEN }] } }));
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify(nested));
    const deep = await cli(['diff', '--json', path.join(dir, 'a.json'), path.join(dir, 'c.json')]);
    assert.ok(!deep.stdout.includes(TOKEN), 'SessionToken anywhere in the tree is masked');
  });

  it('the document view masks it', () => {
    const doc = documentText(docPath, Buffer.from(CREDS), false);
    assert.ok(!doc.text.includes(SECRET) && !doc.text.includes(TOKEN));
  });

  it('the SSM walkers mask it on the instance (python3 and curl)', async () => {
    const run = promisify(execFile);
    for (const tool of ['python3', 'curl'] as const) {
      const script = buildShellSnapshotScript({ documentId: '0123456789abcdef', imdsEndpoint: emulator.url, tool });
      const { stdout } = await run('/bin/sh', ['-c', script], { env: { PATH: AGENT_PATH, TMPDIR: dir }, maxBuffer: 1 << 24 });
      const walk = decodeDocument(assembleDocument([parseDocumentPart(stdout)]));
      // showSecrets: take the bodies exactly as the instance sent them, with no masking here.
      const { snapshot } = replayWalk(walk, { source: 'x', root: '/latest/', showSecrets: true });
      const entry = snapshot.entries.find((e) => e.path === docPath);
      assert.ok(entry?.value, `${tool}: the document was read`);
      assert.ok(!entry.value.includes(SECRET) && !entry.value.includes(TOKEN), `${tool}: ${entry.value}`);
    }
  });
});
