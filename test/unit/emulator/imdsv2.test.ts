// IMDSv2 rules and every status code they produce: token PUT (400/403/405), token use (401),
// expiry with a 1-second TTL, optional vs required, and IMDS turned off (403 everywhere).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { defaultInstance, startEmulator, type Emulator } from '../../../src/emulator/server';
import { TokenStore, parseTokenTtl } from '../../../src/emulator/tokens';
import { eventually, getToken, request } from './http';

const TTL = 'X-aws-ec2-metadata-token-ttl-seconds';
const TOKEN = 'X-aws-ec2-metadata-token';
const LEAF = '/latest/meta-data/instance-id';

describe('emulator: IMDSv2 token endpoint', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  const put = (headers: Record<string, string>, path = '/latest/api/token') => request(emu.url, path, { method: 'PUT', headers });

  it('issues distinct random tokens and echoes the TTL', async () => {
    const a = await put({ [TTL]: '21600' });
    const b = await put({ [TTL]: '21600' });
    assert.equal(a.status, 200);
    assert.equal(a.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.match(a.text, /^[A-Za-z0-9_=+/-]{40,}$/);
    assert.notEqual(a.text, b.text);
    const one = await put({ [TTL]: '1' });
    assert.equal(one.status, 200);
    assert.equal(one.headers['x-aws-ec2-metadata-token-ttl-seconds'], '1');
  });

  it('answers 400 to a missing or invalid TTL (outside 1..21600, not a number)', async () => {
    for (const ttl of [undefined, '0', '21601', '-5', 'abc', '1.5', '', '99999999']) {
      const res = await put(ttl === undefined ? {} : { [TTL]: ttl });
      assert.equal(res.status, 400, `TTL ${JSON.stringify(ttl)}`);
      assert.match(res.text, /400 - Bad Request/);
    }
  });

  it('answers 403 to a PUT on a versioned token path, and to a PUT carrying X-Forwarded-For', async () => {
    assert.equal((await put({ [TTL]: '60' }, '/2021-03-23/api/token')).status, 403);
    assert.equal((await put({ [TTL]: '60' }, '/1.0/api/token')).status, 403);
    assert.equal((await put({ [TTL]: '60', 'X-Forwarded-For': '203.0.113.9' })).status, 403);
  });

  it('does not hand out a token to a GET on the token path', async () => {
    const res = await request(emu.url, '/latest/api/token', { headers: { [TTL]: '60' } });
    assert.equal(res.status, 405);
    assert.doesNotMatch(res.text, /^AQAEA/);
  });

  it('counts token PUTs', async () => {
    emu.stats.reset();
    await getToken(emu.url);
    await put({});
    assert.equal(emu.stats.tokenPuts, 1);
  });
});

describe('emulator: IMDSv2 optional', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ imdsv2: 'optional' });
  });
  after(() => emu.close());

  it('answers IMDSv1 (no token) and IMDSv2 (valid token)', async () => {
    assert.equal((await request(emu.url, LEAF)).text, defaultInstance.instanceId);
    const token = await getToken(emu.url);
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).text, defaultInstance.instanceId);
  });

  it('answers 401 to an invalid token even though tokens are optional', async () => {
    const res = await request(emu.url, LEAF, { headers: { [TOKEN]: 'AQAEAnot-a-real-token' } });
    assert.equal(res.status, 401);
    assert.match(res.text, /401 - Unauthorized/);
    assert.equal((await request(emu.url, '/latest/meta-data/', { headers: { [TOKEN]: '' } })).status, 401);
  });

  it('expires a 1-second token: 200 before, 401 after', async () => {
    const token = await getToken(emu.url, 1);
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).status, 200);
    const expired = await eventually(async () => (await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).status === 401, 5000, 100);
    assert.ok(expired, 'the 1-second token never expired');
    // A fresh token works again.
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: await getToken(emu.url) } })).status, 200);
  });
});

describe('emulator: IMDSv2 required, and switching modes at runtime', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ imdsv2: 'required' });
  });
  after(() => emu.close());

  it('answers 401 to every GET without a valid token, even for unknown paths and the root', async () => {
    for (const path of [LEAF, '/latest/meta-data/', '/', '/latest/user-data', '/latest/meta-data/nope']) {
      assert.equal((await request(emu.url, path)).status, 401, path);
    }
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: 'bogus' } })).status, 401);
  });

  it('answers with a valid token, and 404 for unknown paths with it', async () => {
    const token = await getToken(emu.url);
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).text, defaultInstance.instanceId);
    assert.equal((await request(emu.url, '/latest/meta-data/nope', { headers: { [TOKEN]: token } })).status, 404);
  });

  it('expires a 1-second token', async () => {
    const token = await getToken(emu.url, 1);
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).status, 200);
    assert.ok(await eventually(async () => (await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).status === 401, 5000, 100));
  });

  it('switches to optional and back', async () => {
    emu.setImdsv2('optional');
    assert.equal(emu.imdsv2, 'optional');
    assert.equal((await request(emu.url, LEAF)).status, 200);
    emu.setImdsv2('required');
    assert.equal((await request(emu.url, LEAF)).status, 401);
    assert.throws(() => emu.setImdsv2('sometimes' as 'optional'), /optional.*required/);
  });
});

describe('emulator: IMDS turned off', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ enabled: false });
  });
  after(() => emu.close());

  it('answers 403 to everything, token PUT included, until turned back on', async () => {
    assert.equal((await request(emu.url, LEAF)).status, 403);
    assert.equal((await request(emu.url, '/')).status, 403);
    assert.equal((await request(emu.url, '/latest/api/token', { method: 'PUT', headers: { [TTL]: '60' } })).status, 403);
    const res = await request(emu.url, '/latest/meta-data/nope');
    assert.equal(res.status, 403);
    assert.match(res.text, /403 - Forbidden/);
    emu.setEnabled(true);
    assert.equal((await request(emu.url, LEAF)).status, 200);
    const token = await getToken(emu.url);
    emu.setEnabled(false);
    assert.equal((await request(emu.url, LEAF, { headers: { [TOKEN]: token } })).status, 403);
  });
});

describe('emulator: token store bounds', () => {
  it('keeps at most 100,000 tokens, forgetting the oldest first', () => {
    const store = new TokenStore();
    const first = store.issue(60);
    for (let i = 1; i < 100_000; i++) store.issue(60);
    assert.equal(store.size, 100_000);
    assert.ok(store.isValid(first));
    const newest = store.issue(60);
    assert.equal(store.size, 100_000);
    assert.ok(!store.isValid(first), 'the oldest token was forgotten');
    assert.ok(store.isValid(newest));
  });

  it('parses TTL headers strictly', () => {
    assert.equal(parseTokenTtl('21600'), 21600);
    assert.equal(parseTokenTtl(' 60 '), 60);
    for (const bad of [undefined, '', '0', '21601', '1e3', '0x10', '-1', ['60', '60']]) assert.equal(parseTokenTtl(bad), undefined, JSON.stringify(bad));
  });
});
