// ImdsClient against the real emulator over loopback sockets: tokens, fallback policy, retries,
// throttling, timeouts, size cap, malformed listings. Broken behaviour the emulator cannot be
// asked for comes from the fronts and silent ports in brokenPeers.ts.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient, type ImdsClientOptions, type RequestLog } from '../../../src/imds/client';
import { ImdsError } from '../../../src/imds/errors';
import { snapshotValues } from '../../../src/imds/snapshot';
import { closedPort, startFront, startFullBacklogPeer, startSilentPeer, type Front } from './brokenPeers';

const ROLE_PATH = '/latest/meta-data/iam/security-credentials/ImdsExplorerDemoRole';
const clients: ImdsClient[] = [];
const closers: Array<() => Promise<void>> = [];

function client(options: ImdsClientOptions): ImdsClient {
  const c = new ImdsClient({ env: {}, ...options });
  clients.push(c);
  return c;
}

async function emulator(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emu = await startEmulator(options);
  closers.push(() => emu.close());
  return emu;
}

async function front(target: string, decide: Parameters<typeof startFront>[1]): Promise<Front> {
  const f = await startFront(target, decide);
  closers.push(() => f.close());
  return f;
}

function isCode(code: string, check?: (e: ImdsError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof ImdsError, `expected an ImdsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.remedy.length > 20, 'carries a remedy');
    check?.(error);
    return true;
  };
}

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const close of closers.reverse()) await close();
});

describe('whole-tree crawl on one token', () => {
  let emu: Emulator;
  before(async () => {
    emu = await emulator({ imdsv2: 'required' });
  });

  it('reads every path of the default tree with one token PUT, each value as the emulator serves it', async () => {
    emu.stats.reset();
    const c = client({ endpoint: emu.url });
    const snap = await c.snapshot({ showSecrets: true });
    assert.equal(emu.stats.tokenPuts, 1, 'one token for the whole crawl');
    assert.equal(snap.stats!.tokenRequests, 1);
    assert.equal(snap.stats!.requests, snap.entries.length + 1, 'one request per path plus the token');
    assert.equal(emu.stats.requests, snap.entries.length + 1);
    assert.equal(snap.stats!.imdsMode, 'v2');
    assert.ok(snap.entries.length > 60, `default tree has ${snap.entries.length} paths`);
    assert.ok(snap.entries.every((e) => e.kind !== 'error'), JSON.stringify(snap.entries.filter((e) => e.kind === 'error')));
    for (const [path, value] of snapshotValues(snap)) {
      if (path === ROLE_PATH || path.includes('identity-credentials/ec2/security-credentials/')) continue; // rotate per request
      assert.equal(value, emu.getValue(path)!.toString('utf8'), path);
    }
    // Every path the server saw was asked exactly once.
    for (const [path, count] of emu.stats.byPath) assert.equal(count, 1, path);
  });

  it('reuses the cached token across reads and crawls', async () => {
    emu.stats.reset();
    const c = client({ endpoint: emu.url });
    await c.snapshot();
    await c.get('/latest/meta-data/instance-id');
    await Promise.all(Array.from({ length: 50 }, () => c.get('/latest/meta-data/ami-id')));
    await c.snapshot({ root: '/latest/meta-data/network/' });
    assert.equal(emu.stats.tokenPuts, 1);
  });

  it('shares one token PUT among many concurrent first reads, and never exceeds its concurrency', async () => {
    const f = await front(emu.url, () => ({ kind: 'forward' }));
    const c = client({ endpoint: f.url, maxConcurrency: 4 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.get(i % 2 ? '/latest/meta-data/ami-id' : '/latest/meta-data/instance-id')));
    assert.equal(f.seen.filter((r) => r.method === 'PUT').length, 1);
    assert.ok(f.maxInFlight <= 4, `at most 4 in flight (saw ${f.maxInFlight})`);
    assert.ok(f.seen.filter((r) => r.method === 'GET').every((r) => r.hasToken));
  });

  it('masks credentials in a snapshot unless secrets are asked for', async () => {
    const c = client({ endpoint: emu.url });
    const secret = JSON.parse(emu.getValue(ROLE_PATH)!.toString()).SecretAccessKey as string;
    const masked = await c.snapshot();
    const entry = masked.entries.find((e) => e.path === ROLE_PATH)!;
    assert.ok(entry.masked);
    assert.ok(!JSON.stringify(masked).includes(secret));
    assert.equal(JSON.parse(entry.value!).SecretAccessKey, '****************');
    const shown = await c.snapshot({ showSecrets: true });
    assert.equal(JSON.parse(shown.entries.find((e) => e.path === ROLE_PATH)!.value!).SecretAccessKey, secret);
  });

  it('reads a subtree, and lists with public-keys resolved', async () => {
    const c = client({ endpoint: emu.url });
    const keys = await c.list('meta-data/public-keys');
    assert.deepEqual(keys, [{ name: '0=my-key', path: '/latest/meta-data/public-keys/0/', isDirectory: true }]);
    const snap = await c.snapshot({ root: '/latest/meta-data/public-keys/' });
    assert.deepEqual(snap.entries.map((e) => e.path), ['/latest/meta-data/public-keys/', '/latest/meta-data/public-keys/0/', '/latest/meta-data/public-keys/0/openssh-key']);
    assert.equal(snap.root, '/latest/meta-data/public-keys/');
  });

  it('never puts the token or a body in its request log', async () => {
    const logs: RequestLog[] = [];
    const c = client({ endpoint: emu.url, onRequest: (l) => logs.push(l) });
    await c.snapshot({ showSecrets: true });
    const secret = JSON.parse(emu.getValue(ROLE_PATH)!.toString()).SecretAccessKey as string;
    const text = JSON.stringify(logs);
    assert.ok(logs.length > 60);
    assert.ok(!text.includes('AQAEA'), 'no token');
    assert.ok(!text.includes(secret) && !text.includes('ami-0abcdef1234567890'), 'no bodies');
    assert.deepEqual(Object.keys(logs[0]).sort(), ['attempt', 'bytes', 'method', 'ms', 'path', 'status']);
    assert.deepEqual(logs[0], { ...logs[0], method: 'PUT', path: '/latest/api/token', status: 200, attempt: 1 });
  });
});

describe('token lifetime', () => {
  it('fetches a new token shortly before the old one expires', async () => {
    const emu = await emulator({ imdsv2: 'required' });
    const statuses: number[] = [];
    const c = client({ endpoint: emu.url, tokenTtlSeconds: 1, onRequest: (l) => statuses.push(l.status) });
    await c.get('/latest/meta-data/ami-id');
    await c.get('/latest/meta-data/ami-id');
    assert.equal(emu.stats.tokenPuts, 1);
    await new Promise((r) => setTimeout(r, 1100));
    await c.get('/latest/meta-data/ami-id');
    assert.equal(emu.stats.tokenPuts, 2, 'a new token after the TTL');
    assert.ok(!statuses.includes(401), 'refreshed before the service had to refuse the old one');
  });

  it('fetches a new token once on a 401 (the service forgot the token) and carries on', async () => {
    const first = await startEmulator({ imdsv2: 'required' });
    const port = first.port;
    const logs: RequestLog[] = [];
    const c = client({ endpoint: first.url, onRequest: (l) => logs.push(l) });
    await c.get('/latest/meta-data/ami-id');
    await first.close();
    // Same address, new token store: the cached token is now unknown there.
    const second = await emulator({ imdsv2: 'required', port });
    const value = await c.get('/latest/meta-data/instance-id');
    assert.equal(value.text, 'i-0123456789abcdef0');
    assert.equal(second.stats.tokenPuts, 1);
    assert.deepEqual(logs.filter((l) => l.path === '/latest/meta-data/instance-id').map((l) => l.status).filter((s) => s !== 0), [401, 200]);
    assert.equal(c.state().imdsMode, 'v2');
  });

  it('gives up with Unauthorized when even a fresh token is refused', async () => {
    const emu = await emulator();
    const f = await front(emu.url, (r) => (r.method === 'GET' ? { kind: 'status', status: 401 } : { kind: 'forward' }));
    const c = client({ endpoint: f.url });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('Unauthorized', (e) => assert.equal(e.status, 401)));
    assert.equal(f.seen.filter((r) => r.method === 'PUT').length, 2, 'one fresh token, not a loop');
    assert.equal(f.seen.filter((r) => r.method === 'GET').length, 2);
  });
});

describe('IMDSv1 fallback policy', () => {
  for (const status of [404, 405, 403]) {
    it(`auto: falls back to IMDSv1 when the token PUT answers ${status}, and remembers it`, async () => {
      const emu = await emulator();
      const f = await front(emu.url, (r) => (r.method === 'PUT' ? { kind: 'status', status } : { kind: 'forward' }));
      const warnings: string[] = [];
      const c = client({ endpoint: f.url, onWarning: (w) => warnings.push(w) });
      const snap = await c.snapshot({ root: '/latest/meta-data/placement/' });
      assert.equal(snapshotValues(snap).get('/latest/meta-data/placement/region'), 'us-east-1');
      await c.get('/latest/meta-data/ami-id');
      assert.equal(f.seen.filter((r) => r.method === 'PUT').length, 1, 'asked for a token once');
      assert.ok(f.seen.filter((r) => r.method === 'GET').every((r) => !r.hasToken));
      assert.equal(c.state().imdsMode, 'v1');
      assert.match(c.state().fallbackReason!, new RegExp(String(status)));
      assert.match(warnings.join('\n'), /IMDSv1/);
    });
  }

  it('v2-only against an endpoint without tokens: TokenUnavailable, and no tokenless GET is sent', async () => {
    const emu = await emulator();
    const f = await front(emu.url, (r) => (r.method === 'PUT' ? { kind: 'status', status: 405 } : { kind: 'forward' }));
    const c = client({ endpoint: f.url, versionPolicy: 'v2-only' });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('TokenUnavailable', (e) => {
      assert.equal(e.status, 405);
      assert.match(e.remedy, /IMDSv1/);
    }));
    assert.equal(f.seen.filter((r) => r.method === 'GET').length, 0);
  });

  it('AWS_EC2_METADATA_V1_DISABLED=true makes auto behave as v2-only', async () => {
    const emu = await emulator();
    const f = await front(emu.url, (r) => (r.method === 'PUT' ? { kind: 'status', status: 404 } : { kind: 'forward' }));
    const c = client({ endpoint: f.url, env: { AWS_EC2_METADATA_V1_DISABLED: 'true' } });
    assert.equal(c.versionPolicy, 'v2-only');
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('TokenUnavailable'));
    assert.equal(f.seen.filter((r) => r.method === 'GET').length, 0);
  });

  it('v1-only never asks for a token, and says so when the instance requires IMDSv2', async () => {
    const emu = await emulator();
    const c = client({ endpoint: emu.url, versionPolicy: 'v1-only' });
    assert.equal((await c.get('/latest/meta-data/instance-type')).text, 't3.micro');
    assert.equal(emu.stats.tokenPuts, 0);
    emu.setImdsv2('required');
    await assert.rejects(c.get('/latest/meta-data/instance-type'), isCode('Unauthorized', (e) => assert.match(e.remedy, /v1-only/)));
    assert.equal(emu.stats.tokenPuts, 0);
  });

  it('auto: a token PUT that times out (hop limit) falls back to IMDSv1 where v1 is allowed', async () => {
    // Requests from 127.0.0.1 count as coming from a container: 2 hops, hop limit 1.
    const emu = await emulator({ faults: { containerSources: ['127.0.0.1'] } });
    const c = client({ endpoint: emu.url, tokenTimeoutMs: 300 });
    assert.equal((await c.get('/latest/meta-data/instance-id')).text, 'i-0123456789abcdef0');
    assert.equal(c.state().imdsMode, 'v1');
    assert.match(c.state().fallbackReason!, /hop limit/);
  });

  it('auto: with IMDSv2 required and the token PUT timing out, says to raise the hop limit', async () => {
    const emu = await emulator({ imdsv2: 'required', faults: { containerSources: ['127.0.0.1'] } });
    const c = client({ endpoint: emu.url, tokenTimeoutMs: 300 });
    await assert.rejects(c.get('/latest/meta-data/instance-id'), isCode('TokenUnavailable', (e) => assert.match(e.remedy, /hop-limit 2/)));
    // Raising the hop limit fixes it, without a new client.
    emu.setFaults({ hopLimit: 2 });
    assert.equal((await c.get('/latest/meta-data/instance-id')).text, 'i-0123456789abcdef0');
    assert.equal(c.state().imdsMode, 'v2');
  });

  it('v2-only: a token PUT timeout is TokenUnavailable with the hop-limit remedy', async () => {
    const emu = await emulator({ faults: { containerSources: ['127.0.0.1'] } });
    const c = client({ endpoint: emu.url, versionPolicy: 'v2-only', tokenTimeoutMs: 300 });
    await assert.rejects(c.get('/latest/meta-data/instance-id'), isCode('TokenUnavailable', (e) => assert.match(e.remedy, /hop limit/)));
    assert.deepEqual([...emu.stats.byPath.keys()], ['/latest/api/token'], 'no GET was sent');
  });

  it('auto: a 401 while reading tokenless switches tokens back on', async () => {
    const emu = await emulator({ faults: { containerSources: ['127.0.0.1'] } });
    const c = client({ endpoint: emu.url, tokenTimeoutMs: 300 });
    await c.get('/latest/meta-data/ami-id');
    assert.equal(c.state().imdsMode, 'v1');
    emu.setFaults({ hopLimit: 2 });
    emu.setImdsv2('required');
    assert.equal((await c.get('/latest/meta-data/ami-id')).text, 'ami-0abcdef1234567890');
    assert.equal(c.state().imdsMode, 'v2');
    assert.equal(emu.stats.tokenPuts, 1);
  });

  it('IMDS turned off (403): Forbidden with the command that turns it on, in auto and v2-only', async () => {
    const emu = await emulator({ enabled: false });
    for (const versionPolicy of ['auto', 'v2-only'] as const) {
      const c = client({ endpoint: emu.url, versionPolicy });
      await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('Forbidden', (e) => assert.match(e.remedy, /--http-endpoint enabled/)));
    }
  });
});

describe('retries, throttling and timeouts', () => {
  it('retries a 503 storm with backoff and succeeds when it passes', async () => {
    const emu = await emulator();
    const storm: Record<string, number> = { PUT: 4, GET: 2 };
    const f = await front(emu.url, (r) => (storm[r.method]-- > 0 ? { kind: 'status', status: 503 } : { kind: 'forward' }));
    const logs: RequestLog[] = [];
    const c = client({ endpoint: f.url, maxRetries: 8, retryBaseDelayMs: 5, retryMaxDelayMs: 40, onRequest: (l) => logs.push(l) });
    assert.equal((await c.get('/latest/meta-data/ami-id')).text, 'ami-0abcdef1234567890');
    // PUT: attempts 1-4 answered 503, the 5th 200; GET: attempts 1-2 answered 503, the 3rd 200.
    assert.deepEqual(logs.map((l) => `${l.method} ${l.attempt} ${l.status}`), [
      'PUT 1 503', 'PUT 2 503', 'PUT 3 503', 'PUT 4 503', 'PUT 5 200', 'GET 1 503', 'GET 2 503', 'GET 3 200',
    ]);
  });

  it('gives up on a 503 that does not pass, after maxRetries, with ServiceUnavailable', async () => {
    const emu = await emulator({ faults: { errorRate: 1 } });
    const c = client({ endpoint: emu.url, versionPolicy: 'v1-only', maxRetries: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('ServiceUnavailable', (e) => {
      assert.equal(e.attempts, 4);
      assert.equal(e.status, 503);
    }));
    assert.equal(emu.stats.byPath.get('/latest/meta-data/ami-id'), 4);
  });

  it('throttled (429): retries until the rate window lets it through; with no retries, Throttled', async () => {
    const emu = await emulator({ faults: { throttleRps: 10 } });
    const c = client({ endpoint: emu.url, versionPolicy: 'v1-only', maxRetries: 8, retryBaseDelayMs: 100, retryMaxDelayMs: 800 });
    const values = await Promise.all(Array.from({ length: 16 }, () => c.get('/latest/meta-data/instance-type')));
    assert.ok(values.every((v) => v.text === 't3.micro'));
    assert.ok(emu.stats.requests > 16, 'some were throttled and retried');
    const impatient = client({ endpoint: emu.url, versionPolicy: 'v1-only', maxRetries: 0 });
    const outcomes = await Promise.allSettled(Array.from({ length: 15 }, () => impatient.get('/latest/meta-data/instance-type')));
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.ok(rejected.length >= 5, `at least 5 of 15 over a 10 rps limit were refused (got ${rejected.length})`);
    isCode('Throttled', (e) => assert.equal(e.status, 429))(rejected[0].reason);
  });

  it('retries connection resets, and reports a reset that keeps happening', async () => {
    const emu = await emulator();
    let resets = 2;
    const flaky = await front(emu.url, () => (resets-- > 0 ? { kind: 'reset' } : { kind: 'forward' }));
    const c = client({ endpoint: flaky.url, versionPolicy: 'v1-only', retryBaseDelayMs: 1 });
    assert.equal((await c.get('/latest/meta-data/ami-id')).text, 'ami-0abcdef1234567890');
    const broken = await front(emu.url, () => ({ kind: 'reset' }));
    const d = client({ endpoint: broken.url, versionPolicy: 'v1-only', maxRetries: 2, retryBaseDelayMs: 1 });
    await assert.rejects(d.get('/latest/meta-data/ami-id'), isCode('Unreachable', (e) => {
      assert.match(e.message, /reset/);
      assert.equal(e.attempts, 3);
    }));
  });

  it('times out against a port that accepts but never answers', async () => {
    const silent = await startSilentPeer();
    closers.push(() => silent.close());
    const auto = client({ endpoint: silent.url, tokenTimeoutMs: 200, requestTimeoutMs: 200 });
    await assert.rejects(auto.get('/latest/meta-data/ami-id'), isCode('Timeout', (e) => assert.match(e.message, /200 ms/)));
    const strict = client({ endpoint: silent.url, versionPolicy: 'v2-only', tokenTimeoutMs: 200 });
    await assert.rejects(strict.get('/latest/meta-data/ami-id'), isCode('TokenUnavailable'));
  });

  it('stops at the connect timeout when the port never completes a connection', async (t) => {
    const peer = await startFullBacklogPeer();
    if (!peer) return t.skip('/usr/bin/python3 is missing: it holds the full accept queue');
    closers.push(() => peer.close());
    const logs: RequestLog[] = [];
    const c = client({ endpoint: peer.url, connectTimeoutMs: 250, onRequest: (l) => logs.push(l) });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('Unreachable', (e) => assert.match(e.message, /no connection within 250 ms/)));
    assert.equal(logs.length, 1, 'not retried: a laptop off EC2 learns it at once');
  });

  it('reports a refused connection as Unreachable without retrying', async () => {
    const port = await closedPort();
    const logs: RequestLog[] = [];
    const c = client({ endpoint: `http://127.0.0.1:${port}`, onRequest: (l) => logs.push(l) });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('Unreachable', (e) => {
      assert.match(e.message, /ECONNREFUSED/);
      assert.match(e.remedy, /Nothing answers at/);
    }));
    assert.equal(logs.length, 1);
  });
});

describe('response checks', () => {
  it('refuses a body over the size cap, declared or streamed', async () => {
    const emu = await emulator();
    emu.setValue('meta-data/tags/instance/Big', 'x'.repeat(5000));
    const c = client({ endpoint: emu.url, maxResponseBytes: 4096 });
    await assert.rejects(c.get('/latest/meta-data/tags/instance/Big'), isCode('TooLarge', (e) => assert.match(e.message, /4096 bytes/)));
    assert.equal((await c.get('/latest/meta-data/tags/instance/Name')).text, 'imds-explorer-demo', 'the client goes on after');
    const chunked = await front(emu.url, (r) => (r.path.endsWith('/user-data') ? { kind: 'body', body: 'y'.repeat(10_000), chunked: true } : { kind: 'forward' }));
    const d = client({ endpoint: chunked.url, maxResponseBytes: 4096 });
    await assert.rejects(d.get('/latest/user-data'), isCode('TooLarge'));
    // In a snapshot the oversized value becomes an error entry; the rest is read.
    const snap = await c.snapshot({ root: '/latest/meta-data/tags/' });
    const big = snap.entries.find((e) => e.path.endsWith('/Big'))!;
    assert.equal(big.kind, 'error');
    assert.equal(snapshotValues(snap).get('/latest/meta-data/tags/instance/Name'), 'imds-explorer-demo');
  });

  it('skips malformed listing lines, says which, and keeps the rest', async () => {
    const emu = await emulator();
    // The emulator refuses names it could never serve; a front puts the bad line in the listing.
    assert.throws(() => emu.setValue('meta-data/tags/instance/bad\u0001key', 'x'), /can never be requested/);
    const f = await front(emu.url, (r) => (r.path === '/latest/meta-data/tags/instance/' ? { kind: 'body', body: 'Environment\nName\nbad\u0001key' } : { kind: 'forward' }));
    const warnings: string[] = [];
    const c = client({ endpoint: f.url, onWarning: (w) => warnings.push(w) });
    const entries = await c.list('/latest/meta-data/tags/instance/');
    assert.deepEqual(entries.map((e) => e.name), ['Environment', 'Name']);
    assert.match(warnings.join('\n'), /control character/);
    const snap = await c.snapshot({ root: '/latest/meta-data/tags/' });
    assert.match(snap.entries.find((e) => e.path === '/latest/meta-data/tags/instance/')!.error!, /1 malformed line/);
  });

  it('rejects a listing that is an HTML page or binary, as Malformed', async () => {
    const emu = await emulator();
    const f = await front(emu.url, (r) => {
      if (r.path === '/latest/meta-data/') return { kind: 'body', body: '<!DOCTYPE html>\n<html><body>Sign in to the network</body></html>' };
      if (r.path === '/latest/dynamic/') return { kind: 'body', body: Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0xff, 0xfe]) };
      return { kind: 'forward' };
    });
    const c = client({ endpoint: f.url });
    await assert.rejects(c.list('/latest/meta-data/'), isCode('Malformed', (e) => assert.match(e.remedy, /proxy/)));
    await assert.rejects(c.list('/latest/dynamic/'), isCode('Malformed'));
    const snap = await c.snapshot();
    assert.equal(snap.entries.find((e) => e.path === '/latest/meta-data/')!.kind, 'error');
    assert.equal(snapshotValues(snap).get('/latest/user-data')!.startsWith('#cloud-config'), true);
  });

  it('maps 404 to NotFound with a remedy for the category', async () => {
    const emu = await emulator();
    const c = client({ endpoint: emu.url });
    await assert.rejects(c.get('/latest/meta-data/spot/instance-action'), isCode('NotFound', (e) => {
      assert.equal(e.status, 404);
      assert.match(e.remedy, /Spot/);
      assert.equal(e.message, 'Not found (404): /latest/meta-data/spot/instance-action');
    }));
    await assert.rejects(c.snapshot({ root: '/latest/meta-data/spot/' }), isCode('NotFound'));
  });

  it('a value asked with a trailing slash gives the value; a server that 404s the slash is asked once without it', async () => {
    const emu = await emulator({ imdsv2: 'required' });
    const direct = client({ endpoint: emu.url });
    const asTyped = await direct.get('meta-data/instance-id/');
    assert.equal(asTyped.text, emu.facts.instanceId);
    assert.equal(asTyped.path, '/latest/meta-data/instance-id/');
    // An older mock: 404 for a value with a slash, as the emulator of 0.1.0 answered.
    const old = await front(emu.url, (r) => (r.path === '/latest/meta-data/placement/availability-zone/' ? { kind: 'status', status: 404 } : { kind: 'forward' }));
    const viaOld = client({ endpoint: old.url });
    const zone = await viaOld.get('/latest/meta-data/placement/availability-zone/');
    assert.equal(zone.text, emu.facts.availabilityZone);
    assert.equal(zone.path, '/latest/meta-data/placement/availability-zone');
    assert.deepEqual(old.seen.filter((r) => r.method === 'GET').map((r) => r.path), ['/latest/meta-data/placement/availability-zone/', '/latest/meta-data/placement/availability-zone']);
    // Not there either way: NotFound names the path as typed; a category directory is not retried.
    await assert.rejects(direct.get('meta-data/no-such-value/'), isCode('NotFound', (e) => assert.equal(e.path, '/latest/meta-data/no-such-value/')));
    old.seen.length = 0;
    await assert.rejects(viaOld.get('/2009-04-04/dynamic/nothing/'), isCode('NotFound'));
    assert.equal(old.seen.filter((r) => r.method === 'GET').length, 2);
  });

  it('sends nothing when AWS_EC2_METADATA_DISABLED is true', async () => {
    const emu = await emulator();
    const c = client({ endpoint: emu.url, env: { AWS_EC2_METADATA_DISABLED: 'true' } });
    await assert.rejects(c.get('/latest/meta-data/ami-id'), isCode('Disabled', (e) => assert.match(e.remedy, /AWS_EC2_METADATA_DISABLED/)));
    await assert.rejects(c.snapshot(), isCode('Disabled'));
    assert.equal(emu.stats.requests, 0);
  });

  it('takes its endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT', async () => {
    const emu = await emulator();
    const c = client({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: emu.url } });
    assert.equal(c.state().endpoint, emu.url);
    assert.equal((await c.get('meta-data/placement/availability-zone')).text, 'us-east-1a');
  });

  it('reads over IPv6 loopback', async (t) => {
    let emu: Emulator;
    try {
      emu = await emulator({ host: '::1' });
    } catch (error) {
      return t.skip(`IPv6 loopback is not available here (${(error as Error).message})`);
    }
    const c = client({ endpoint: emu.url });
    assert.ok(emu.url.startsWith('http://[::1]:'));
    assert.equal((await c.get('/latest/meta-data/local-ipv4')).text, '172.31.16.42');
  });
});
