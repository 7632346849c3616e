// The emulator as an IMDS peer over real sockets: tree, listings, versions, identity document,
// credentials, user-data, runtime edits, and robustness against bad requests.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { defaultInstance, defaultUserData, imdsVersions, startEmulator, type Emulator } from '../../../src/emulator/server';
import { eventually, getToken, rawExchange, request, sleep } from './http';

const CATEGORIES = [
  'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'events/', 'hostname', 'iam/',
  'identity-credentials/', 'instance-action', 'instance-id', 'instance-life-cycle', 'instance-type', 'local-hostname',
  'local-ipv4', 'mac', 'metrics/', 'network/', 'placement/', 'public-hostname', 'public-ipv4', 'public-keys/',
  'reservation-id', 'security-groups', 'services/', 'tags/',
];

describe('emulator: tree, listings and versions', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it('listens on 127.0.0.1 with a free port and a URL without a trailing slash', () => {
    assert.equal(emu.host, '127.0.0.1');
    assert.ok(emu.port > 0);
    assert.equal(emu.url, `http://127.0.0.1:${emu.port}`);
  });

  it('lists the versions at / and the three roots at /latest and /latest/', async () => {
    const root = await request(emu.url, '/');
    assert.equal(root.status, 200);
    assert.equal(root.text, imdsVersions.join('\n'));
    assert.ok(root.text.startsWith('1.0\n') && root.text.endsWith('\nlatest'));
    for (const path of ['/latest', '/latest/']) {
      const latest = await request(emu.url, path);
      assert.equal(latest.status, 200, path);
      assert.equal(latest.text, 'dynamic\nmeta-data\nuser-data', path);
    }
  });

  it('serves the same tree under a dated version, and 404 under a version that does not exist', async () => {
    for (const path of ['meta-data/', 'meta-data/instance-id', 'dynamic/instance-identity/document', 'user-data']) {
      const latest = await request(emu.url, `/latest/${path}`);
      const dated = await request(emu.url, `/2021-03-23/${path}`);
      const oldest = await request(emu.url, `/1.0/${path}`);
      assert.equal(dated.status, 200, path);
      assert.equal(dated.text, latest.text, path);
      assert.equal(oldest.text, latest.text, path);
    }
    assert.equal((await request(emu.url, '/1999-01-01/meta-data/')).status, 404);
    assert.equal((await request(emu.url, '/meta-data/')).status, 404);
  });

  it('lists every meta-data category an on-demand Linux instance has, and not the ones it lacks', async () => {
    const listing = await request(emu.url, '/latest/meta-data/');
    const lines = listing.text.split('\n');
    for (const category of CATEGORIES) assert.ok(lines.includes(category), `missing ${category}`);
    for (const absent of ['spot/', 'autoscaling/', 'ipv6', 'kernel-id', 'ramdisk-id', 'product-codes']) {
      assert.ok(!lines.includes(absent), `${absent} should not be listed`);
      assert.equal((await request(emu.url, `/latest/meta-data/${absent}`)).status, 404, absent);
    }
  });

  it('formats listings: one entry per line, \\n, no trailing newline, directories end in /, text/plain, same with or without slash', async () => {
    for (const dir of ['meta-data', 'meta-data/iam', 'meta-data/network/interfaces/macs', 'dynamic', 'dynamic/instance-identity']) {
      const withSlash = await request(emu.url, `/latest/${dir}/`);
      const withoutSlash = await request(emu.url, `/latest/${dir}`);
      assert.equal(withSlash.status, 200, dir);
      assert.equal(withSlash.text, withoutSlash.text, dir);
      assert.equal(withSlash.headers['content-type'], 'text/plain');
      assert.ok(!withSlash.text.endsWith('\n') && !withSlash.text.includes('\r') && !withSlash.text.includes('\n\n'), dir);
    }
    assert.equal((await request(emu.url, '/latest/meta-data/iam/')).text, 'info\nsecurity-credentials/');
    assert.equal((await request(emu.url, '/latest/meta-data/network/interfaces/macs/')).text, `${defaultInstance.mac}/`);
    assert.equal((await request(emu.url, '/latest/dynamic/')).text, 'fws/\ninstance-identity/');
    assert.equal((await request(emu.url, '/latest/dynamic/instance-identity/')).text, 'document\npkcs7\nrsa2048\nsignature');
  });

  it('lists public keys as N=name and serves them under N/', async () => {
    assert.equal((await request(emu.url, '/latest/meta-data/public-keys/')).text, `0=${defaultInstance.keyName}`);
    assert.equal((await request(emu.url, '/latest/meta-data/public-keys/0/')).text, 'openssh-key');
    const key = await request(emu.url, '/latest/meta-data/public-keys/0/openssh-key');
    assert.match(key.text, /^ssh-ed25519 AAAA\S+ my-key$/);
    assert.equal((await request(emu.url, '/latest/meta-data/public-keys/0=my-key/')).status, 404);
  });

  it('answers 200 for every entry of every listing, walking the whole tree', async () => {
    const seen: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const listing = await request(emu.url, dir);
      assert.equal(listing.status, 200, dir);
      for (const line of listing.text.split('\n')) {
        const eq = /^(\d+)=/.exec(line);
        const child = eq ? `${dir}${eq[1]}/` : dir + line;
        if (child.endsWith('/')) await walk(child);
        else {
          const value = await request(emu.url, child);
          assert.equal(value.status, 200, child);
          assert.ok(value.body.length > 0, `${child} is empty`);
          seen.push(child);
        }
      }
    };
    await walk('/latest/meta-data/');
    await walk('/latest/dynamic/');
    assert.ok(seen.length >= 50, `only ${seen.length} leaves`);
    assert.ok(seen.includes(`/latest/meta-data/network/interfaces/macs/${defaultInstance.mac}/ipv4-associations/${defaultInstance.publicIp}`));
    assert.ok(seen.includes('/latest/meta-data/tags/instance/Name'));
  });

  it('serves the default facts', async () => {
    const md = async (p: string) => (await request(emu.url, `/latest/meta-data/${p}`)).text;
    assert.equal(await md('instance-id'), defaultInstance.instanceId);
    assert.equal(await md('ami-id'), defaultInstance.imageId);
    assert.equal(await md('instance-type'), defaultInstance.instanceType);
    assert.equal(await md('placement/availability-zone'), defaultInstance.availabilityZone);
    assert.equal(await md('placement/region'), defaultInstance.region);
    assert.equal(await md('local-ipv4'), defaultInstance.privateIp);
    assert.equal(await md('public-ipv4'), defaultInstance.publicIp);
    assert.equal(await md('mac'), defaultInstance.mac);
    assert.equal(await md(`network/interfaces/macs/${defaultInstance.mac}/owner-id`), defaultInstance.accountId);
    assert.equal(await md('tags/instance/Name'), defaultInstance.tags.Name);
    assert.equal(await md('iam/security-credentials/'), defaultInstance.roleName);
    assert.equal(await md('services/domain'), 'amazonaws.com');
    assert.equal(await md('events/maintenance/scheduled'), '[]');
  });

  it('serves an identity document that agrees with the meta-data, as text/plain', async () => {
    const res = await request(emu.url, '/latest/dynamic/instance-identity/document');
    assert.equal(res.headers['content-type'], 'text/plain');
    const doc = JSON.parse(res.text);
    const md = async (p: string) => (await request(emu.url, `/latest/meta-data/${p}`)).text;
    assert.equal(doc.instanceId, await md('instance-id'));
    assert.equal(doc.imageId, await md('ami-id'));
    assert.equal(doc.instanceType, await md('instance-type'));
    assert.equal(doc.availabilityZone, await md('placement/availability-zone'));
    assert.equal(doc.region, await md('placement/region'));
    assert.equal(doc.privateIp, await md('local-ipv4'));
    assert.equal(doc.accountId, JSON.parse(await md('iam/info')).InstanceProfileArn.split(':')[4]);
    assert.equal(doc.accountId, defaultInstance.accountId);
    assert.equal(doc.version, '2017-09-30');
    for (const sig of ['pkcs7', 'signature', 'rsa2048']) {
      const body = (await request(emu.url, `/latest/dynamic/instance-identity/${sig}`)).text;
      assert.match(body.replace(/\n/g, ''), /^[A-Za-z0-9+/]+=*$/, sig);
    }
  });

  it('keeps the identity document consistent when meta-data values change at runtime', async () => {
    emu.setValue('/latest/meta-data/instance-id', 'i-0fedcba9876543210');
    emu.setValue('/latest/meta-data/placement/availability-zone', 'eu-west-1b');
    emu.setValue('/latest/meta-data/placement/region', 'eu-west-1');
    try {
      const doc = JSON.parse((await request(emu.url, '/latest/dynamic/instance-identity/document')).text);
      assert.equal(doc.instanceId, 'i-0fedcba9876543210');
      assert.equal(doc.availabilityZone, 'eu-west-1b');
      assert.equal(doc.region, 'eu-west-1');
    } finally {
      emu.setValue('/latest/meta-data/instance-id', defaultInstance.instanceId);
      emu.setValue('/latest/meta-data/placement/availability-zone', defaultInstance.availabilityZone);
      emu.setValue('/latest/meta-data/placement/region', defaultInstance.region);
    }
  });

  it('answers 404 for unknown paths (with or without a trailing slash) and dot segments', async () => {
    for (const path of [
      '/latest/meta-data/nope/',
      '/latest/meta-data/nope',
      '/latest/meta-data/iam/security-credentials/OtherRole',
      '/latest/meta-data/../user-data',
      '/latest/nothing-here/',
      '/favicon.ico',
    ]) {
      const res = await request(emu.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['content-type'], 'text/html');
      assert.match(res.text, /<title>404 - Not Found<\/title>/);
    }
  });

  it('treats repeated slashes as one, as the real service does for the AWS SDK (which sends //latest/...)', async () => {
    assert.equal((await request(emu.url, '//latest/meta-data/instance-id')).text, defaultInstance.instanceId);
    assert.equal((await request(emu.url, '/latest//meta-data//')).text, (await request(emu.url, '/latest/meta-data/')).text);
    const put = await request(emu.url, '//latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(put.status, 200);
  });

  it('ignores a query string', async () => {
    assert.equal((await request(emu.url, '/latest/meta-data/instance-id?x=1')).text, defaultInstance.instanceId);
  });

  it('answers HEAD with headers and no body', async () => {
    const res = await request(emu.url, '/latest/meta-data/instance-id', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['content-length'], String(defaultInstance.instanceId.length));
  });
});

describe('emulator: credentials', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ credentials: { ttlSeconds: 4, rotateBeforeSeconds: 2 } });
  });
  after(() => emu.close());

  const credsPath = `/latest/meta-data/iam/security-credentials/${defaultInstance.roleName}`;

  it('serves role credentials with every field, an Expiration in the future and a plausible LastUpdated', async () => {
    const res = await request(emu.url, credsPath);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    const c = JSON.parse(res.text);
    assert.deepEqual(Object.keys(c).sort(), ['AccessKeyId', 'Code', 'Expiration', 'LastUpdated', 'SecretAccessKey', 'Token', 'Type']);
    assert.equal(c.Code, 'Success');
    assert.equal(c.Type, 'AWS-HMAC');
    assert.match(c.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.match(c.AccessKeyId, /EMULATOR/, 'key ids say they are fake');
    assert.equal(c.SecretAccessKey.length, 40);
    assert.ok(c.Token.length > 100);
    assert.match(c.Expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Date.parse(c.Expiration) > Date.now());
    assert.ok(Date.parse(c.LastUpdated) <= Date.now() + 1000);
    assert.ok(Date.parse(c.LastUpdated) > Date.now() - 60_000);
    const iamInfo = JSON.parse((await request(emu.url, '/latest/meta-data/iam/info')).text);
    assert.equal(iamInfo.Code, 'Success');
    assert.equal(iamInfo.InstanceProfileArn, `arn:aws:iam::${defaultInstance.accountId}:instance-profile/${defaultInstance.roleName}`);
  });

  it('hands out the same credentials until they are due, then rotates them before Expiration passes', async () => {
    const first = JSON.parse((await request(emu.url, credsPath)).text);
    const again = JSON.parse((await request(emu.url, credsPath)).text);
    assert.equal(again.AccessKeyId, first.AccessKeyId);
    const rotated = await eventually(async () => JSON.parse((await request(emu.url, credsPath)).text).AccessKeyId !== first.AccessKeyId, 8000, 200);
    assert.ok(rotated, 'credentials never rotated');
    const next = JSON.parse((await request(emu.url, credsPath)).text);
    assert.ok(Date.parse(next.Expiration) > Date.now(), 'rotated credentials are already expired');
    assert.ok(Date.parse(next.Expiration) >= Date.parse(first.Expiration));
  });

  it('serves the instance identity credentials too', async () => {
    const c = JSON.parse((await request(emu.url, '/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance')).text);
    assert.match(c.AccessKeyId, /^ASIA/);
    assert.equal(JSON.parse((await request(emu.url, '/latest/meta-data/identity-credentials/ec2/info')).text).AccountId, defaultInstance.accountId);
  });
});

describe('emulator: user-data and runtime edits', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it('serves the default user-data, then any raw bytes, then none (404, not listed)', async () => {
    assert.equal((await request(emu.url, '/latest/user-data')).text, defaultUserData);
    const binary = gzipSync(Buffer.from('#!/bin/bash\necho hi\n'));
    emu.setUserData(binary);
    const res = await request(emu.url, '/latest/user-data');
    assert.deepEqual(res.body, binary);
    assert.equal(res.headers['content-length'], String(binary.length));
    emu.setUserData(undefined);
    assert.equal((await request(emu.url, '/latest/user-data')).status, 404);
    assert.equal((await request(emu.url, '/latest/')).text, 'dynamic\nmeta-data');
    emu.setUserData('#!/bin/sh\n');
    assert.equal((await request(emu.url, '/latest/user-data')).text, '#!/bin/sh\n');
  });

  it('adds a tag (listed, parents created), replaces it, and removes it', async () => {
    emu.setValue('/latest/meta-data/tags/instance/Team', 'platform');
    assert.ok((await request(emu.url, '/latest/meta-data/tags/instance/')).text.split('\n').includes('Team'));
    assert.equal((await request(emu.url, '/latest/meta-data/tags/instance/Team')).text, 'platform');
    assert.equal(emu.getValue('meta-data/tags/instance/Team')?.toString(), 'platform');
    emu.setValue('/latest/meta-data/tags/instance/Team', 'data');
    assert.equal((await request(emu.url, '/latest/meta-data/tags/instance/Team')).text, 'data');
    emu.setValue('/latest/meta-data/tags/instance/Team', undefined);
    assert.equal((await request(emu.url, '/latest/meta-data/tags/instance/Team')).status, 404);
    assert.ok(!(await request(emu.url, '/latest/meta-data/tags/instance/')).text.includes('Team'));
    assert.equal(emu.getValue('/latest/meta-data/tags/instance/Team'), undefined);
  });

  it('adds arbitrary nested paths with their parent listings, and removes whole subtrees', async () => {
    emu.setValue('/latest/meta-data/custom/deep/leaf', 'x');
    assert.ok((await request(emu.url, '/latest/meta-data/')).text.split('\n').includes('custom/'));
    assert.equal((await request(emu.url, '/latest/meta-data/custom/')).text, 'deep/');
    assert.equal((await request(emu.url, '/latest/meta-data/custom/deep/leaf')).text, 'x');
    emu.setValue('/latest/meta-data/custom', undefined);
    assert.equal((await request(emu.url, '/latest/meta-data/custom/')).status, 404);
    assert.ok(!(await request(emu.url, '/latest/meta-data/')).text.includes('custom/'));
  });

  it('refuses a value that would collide with a directory, naming the path', () => {
    assert.throws(() => emu.setValue('/latest/meta-data/placement', 'x'), /placement.*directory/);
    assert.throws(() => emu.setValue('/latest/meta-data/instance-id/child', 'x'), /instance-id.*is a value/);
    assert.throws(() => emu.setValue('/latest/meta-data/a/../b', 'x'), /dot segment/);
  });

  it('counts requests, token PUTs and paths', async () => {
    emu.stats.reset();
    await request(emu.url, '/latest/meta-data/instance-id');
    await request(emu.url, '/latest/meta-data/instance-id?q=1');
    await getToken(emu.url);
    assert.equal(emu.stats.requests, 3);
    assert.equal(emu.stats.tokenPuts, 1);
    assert.equal(emu.stats.byPath.get('/latest/meta-data/instance-id'), 2);
    assert.equal(emu.stats.byPath.get('/latest/api/token'), 1);
  });
});

describe('emulator: bad requests do not bring it down', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  const stillServes = async () => assert.equal((await request(emu.url, '/latest/meta-data/instance-id')).text, defaultInstance.instanceId);

  it('answers 405 to methods IMDS does not take', async () => {
    for (const method of ['POST', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await request(emu.url, '/latest/meta-data/instance-id', { method });
      assert.equal(res.status, 405, method);
    }
    assert.equal((await request(emu.url, '/latest/meta-data/instance-id', { method: 'PUT' })).status, 405);
    await stillServes();
  });

  it('answers 431 to huge headers and keeps serving', async () => {
    const res = await request(emu.url, '/latest/meta-data/instance-id', { headers: { 'X-Huge': 'a'.repeat(64 * 1024) } }).catch((err: Error) => err);
    if (res instanceof Error) assert.match(res.message, /ECONNRESET|socket hang up|EPIPE/);
    else assert.equal(res.status, 431);
    await stillServes();
  });

  it('answers 400 to garbage and to a malformed request line, and keeps serving', async () => {
    const garbage = await rawExchange(emu.url, 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400/);
    const badVersion = await rawExchange(emu.url, 'GET /latest/meta-data/ HTTP/9.9\r\nHost: x\r\n\r\n');
    assert.match(badVersion, /^HTTP\/1\.1 (400|505)/);
    const binary = await rawExchange(emu.url, Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]));
    assert.match(binary, /^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('survives a client that sends half a request and leaves', async () => {
    await rawExchange(emu.url, 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-Partial: ', 200);
    await sleep(50);
    await stillServes();
  });

  it('answers a very long URL with 404 or 414, and keeps serving', async () => {
    const res = await request(emu.url, '/latest/meta-data/' + 'x'.repeat(8000));
    assert.ok([404, 414, 431].includes(res.status), String(res.status));
    await stillServes();
  });
});
