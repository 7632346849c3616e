// AEMM (amazon-ec2-metadata-mock) config files: values, path rewriting when mac/public-ipv4/role
// change, user-data, imdsv2, spot and events sections, extra paths and tags, and bad files whose
// errors name the key.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AemmConfigError, parseAemmConfig, resolveAemmConfig } from '../../../src/emulator/aemmConfig';
import { defaultInstance, startEmulator, type Emulator } from '../../../src/emulator/server';
import { getToken, request } from './http';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

describe('AEMM config: a file overriding values', () => {
  let emu: Emulator;
  let token: string;
  const get = async (p: string) => request(emu.url, p, { headers: { 'X-aws-ec2-metadata-token': token } });
  before(async () => {
    // port 0 overrides the file's 1338 so the test never collides with a running emulator.
    emu = await startEmulator({ config: fixture('aemm-overrides.json'), port: 0 });
    token = await getToken(emu.url);
  });
  after(() => emu.close());

  it('binds the loopback host the file names (localhost)', () => {
    assert.ok(emu.host === '127.0.0.1' || emu.host === '::1', emu.host);
  });

  it('turns "imdsv2": true into IMDSv2 required', async () => {
    assert.equal(emu.imdsv2, 'required');
    assert.equal((await request(emu.url, '/latest/meta-data/instance-id')).status, 401);
  });

  it('serves the overridden values', async () => {
    assert.equal((await get('/latest/meta-data/instance-id')).text, 'i-0aaaabbbbccccdddd');
    assert.equal((await get('/latest/meta-data/instance-type')).text, 'm5.large');
    assert.equal((await get('/latest/meta-data/local-ipv4')).text, '10.1.2.3');
    assert.equal((await get('/latest/meta-data/tags/instance/Name')).text, 'from-aemm-config');
    assert.equal((await get('/latest/meta-data/mac')).text, '0e:49:61:0f:c3:77');
    assert.equal((await get('/latest/meta-data/public-ipv4')).text, '198.51.100.77');
    // Names follow the changed addresses and region, as EC2 forms them.
    assert.equal((await get('/latest/meta-data/public-hostname')).text, 'ec2-198-51-100-77.eu-central-1.compute.amazonaws.com');
    assert.equal((await get('/latest/meta-data/local-hostname')).text, 'ip-10-1-2-3.eu-central-1.compute.internal');
    assert.equal((await get('/latest/meta-data/placement/availability-zone-id')).text, 'euc1-az2');
    const info = JSON.parse((await get('/latest/meta-data/iam/info')).text);
    assert.equal(info.InstanceProfileId, 'AIPACONFIGEXAMPLE001');
  });

  it('rewrites the paths that embed the mac and the public IPv4, as AEMM does', async () => {
    assert.equal((await get('/latest/meta-data/network/interfaces/macs/')).text, '0e:49:61:0f:c3:77/');
    const nic = '/latest/meta-data/network/interfaces/macs/0e:49:61:0f:c3:77/';
    assert.equal((await get(nic + 'vpc-id')).text, 'vpc-0feedfacecafe0001');
    assert.equal((await get(nic + 'ipv4-associations/')).text, '198.51.100.77');
    // The association maps the public address to the private one; both came from the config.
    assert.equal((await get(nic + 'ipv4-associations/198.51.100.77')).text, '10.1.2.3');
    assert.equal((await get(nic + 'local-ipv4s')).text, '10.1.2.3');
    assert.equal((await get(nic + 'mac')).text, '0e:49:61:0f:c3:77');
    assert.equal((await get(`/latest/meta-data/network/interfaces/macs/${defaultInstance.mac}/vpc-id`)).status, 404);
  });

  it('renames the role path and serves the configured key material with live times', async () => {
    assert.equal((await get('/latest/meta-data/iam/security-credentials/')).text, 'config-role');
    const creds = JSON.parse((await get('/latest/meta-data/iam/security-credentials/config-role')).text);
    assert.equal(creds.AccessKeyId, 'ASIACONFIGEXAMPLE001');
    assert.equal(creds.Token, 'config-token-example');
    assert.ok(Date.parse(creds.Expiration) > Date.now(), 'Expiration must stay in the future');
    assert.ok(emu.warnings.some((w) => /Expiration and LastUpdated are kept live/.test(w)));
    assert.ok(emu.warnings.some((w) => /"save-config-to-file" is accepted but has no effect/.test(w)));
  });

  it('derives the identity document from the overridden meta-data', async () => {
    const doc = JSON.parse((await get('/latest/dynamic/instance-identity/document')).text);
    assert.equal(doc.instanceId, 'i-0aaaabbbbccccdddd');
    assert.equal(doc.instanceType, 'm5.large');
    assert.equal(doc.privateIp, '10.1.2.3');
    assert.equal(doc.availabilityZone, 'eu-central-1b');
    assert.equal(doc.region, 'eu-central-1');
    assert.equal(doc.accountId, '210987654321', 'account from the instance profile ARN');
  });

  it('decodes base64 user-data', async () => {
    assert.equal((await get('/latest/user-data')).text, '#!/bin/bash\necho from aemm\n');
  });

  it('starts the spot and events scenarios from their sections', async () => {
    assert.equal(emu.scenario.name, 'spot-interruption+scheduled-events');
    assert.equal((await get('/latest/meta-data/spot/instance-action')).text, '{"action":"stop","time":"2030-01-07T01:03:47Z"}');
    const [event] = JSON.parse((await get('/latest/meta-data/events/maintenance/scheduled')).text);
    assert.equal(event.Code, 'system-maintenance');
    assert.equal(event.NotBefore, '1 Feb 2030 10:00:00 GMT');
    assert.equal(event.NotAfter, '1 Feb 2030 12:00:00 GMT');
    assert.equal(event.EventId, 'instance-event-0123456789abcdef0');
  });
});

describe('AEMM config: extra paths, tags and the emulator section', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ config: fixture('aemm-extra-paths.json') });
  });
  after(() => emu.close());
  const get = async (p: string) => request(emu.url, p, { headers: { 'X-aws-ec2-metadata-token': await getToken(emu.url) } });

  it('adds paths AEMM cannot (new keys with a path and a value), anywhere in the tree', async () => {
    assert.equal((await get('/latest/meta-data/tags/instance/Team')).text, 'platform');
    assert.deepEqual(JSON.parse((await get('/latest/meta-data/custom/app/settings')).text), { feature: 'on', level: 3 });
    assert.equal((await get('/latest/dynamic/custom/flag')).text, 'yes');
    assert.equal((await get('/latest/meta-data/ipv6')).text, '2001:db8::1234');
  });

  it('adds and removes tags', async () => {
    const tags = (await get('/latest/meta-data/tags/instance/')).text.split('\n');
    assert.ok(tags.includes('CostCenter') && tags.includes('Team') && tags.includes('Name'));
    assert.ok(!tags.includes('Environment'));
  });

  it('applies scenario, faults, credential timings and IMDSv2 mode', async () => {
    assert.equal(emu.imdsv2, 'required');
    assert.equal(emu.scenario.name, 'iam-role-attach');
    assert.equal((await get('/latest/meta-data/iam/')).status, 404);
    assert.equal(emu.faults.latencyMs, 1);
  });
});

describe('AEMM config: bad files are reported with the keys at fault', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aemm-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with strict: names every unknown key at once, with suggestions', async () => {
    await assert.rejects(resolveAemmConfig(fixture('aemm-unknown-keys.json'), Date.now(), { strict: true }), (err: unknown) => {
      assert.ok(err instanceof AemmConfigError);
      assert.deepEqual([...err.keys].sort(), [
        'imdsv3',
        'metadata.paths.ipv4-associations',
        'metadata.values.iam-info.InstanceProfileArm',
        'metadata.values.instance-idd',
        'spot.itn-time',
      ]);
      assert.match(err.message, /aemm-unknown-keys\.json has 5 problems/);
      assert.match(err.message, /"metadata\.values\.instance-idd" is not a known key\. Did you mean "instance-id"\?/);
      assert.match(err.message, /"metadata\.values\.iam-info\.InstanceProfileArm".*Did you mean "InstanceProfileArn"\?/);
      assert.match(err.message, /"metadata\.paths\.ipv4-associations".*Did you mean "mac-ipv4-associations"\?/);
      assert.match(err.message, /"imdsv3" is not a known key\. Did you mean "imdsv2"\?/);
      return true;
    });
  });

  it('says which file is not JSON and why', async () => {
    await assert.rejects(resolveAemmConfig(fixture('aemm-not-json.json')), /aemm-not-json\.json is not valid JSON/);
  });

  it('says which file cannot be read', async () => {
    await assert.rejects(resolveAemmConfig(path.join(dir, 'missing.json')), /Cannot read the config file .*missing\.json.*ENOENT/);
  });

  it('never binds beyond loopback because a file says so: loopback and a warning, or a refusal with strict', async () => {
    await assert.rejects(startEmulator({ config: fixture('aemm-any-host.json'), strictConfig: true }), /asks to listen on 0\.0\.0\.0, beyond loopback.*--host 0\.0\.0\.0/);
    // The file's port (1338) may be taken on a shared machine: the port option wins over the file.
    const lenient = await startEmulator({ config: fixture('aemm-any-host.json'), port: 0 });
    assert.equal(lenient.host, '127.0.0.1');
    assert.ok(lenient.warnings.some((w) => w.includes('aemm-any-host.json') && w.includes('"server.hostname"') && /listening on 127\.0\.0\.1 instead/.test(w)), lenient.warnings.join('\n'));
    await lenient.close();
    const emu = await startEmulator({ config: fixture('aemm-any-host.json'), host: '127.0.0.1', port: 0 });
    assert.equal(emu.host, '127.0.0.1');
    await emu.close();
  });

  it('reports wrong types and values with the key', () => {
    const cases: [unknown, RegExp][] = [
      [[], /top level must be a JSON object/],
      [{ metadata: [] }, /"metadata" must be an object/],
      [{ metadata: { values: { 'instance-id': { a: 1 } } } }, /"metadata\.values\.instance-id" must be a string/],
      [{ metadata: { values: { mac: 'not-a-mac' } } }, /"metadata\.values\.mac" must be a lower-case MAC/],
      [{ metadata: { values: { 'iam-info': 'x' } } }, /"metadata\.values\.iam-info" must be a JSON object/],
      [{ metadata: { paths: { 'instance-id': 'latest/meta-data/x' } } }, /"metadata\.paths\.instance-id" must be an absolute URL path/],
      [{ metadata: { paths: { 'instance-id': '/latest/dynamic/x' } } }, /"metadata\.paths\.instance-id" must be under \/latest\/meta-data\//],
      [{ metadata: { paths: { spot: '/latest/meta-data/elsewhere' } } }, /"metadata\.paths\.spot" cannot move/],
      [{ metadata: { paths: { 'my-key': '/latest/meta-data/x' } } }, /"metadata\.paths\.my-key" is not a known key.*"metadata\.values\.my-key"/],
      [{ userdata: { values: { userdata: 'not base64!' } } }, /"userdata\.values\.userdata" must be base64/],
      [{ imdsv2: 'yes' }, /"imdsv2" must be true/],
      [{ spot: { action: 'explode' } }, /"spot\.action" must be terminate, stop or hibernate/],
      [{ spot: { time: 'tomorrow' } }, /"spot\.time" must be an RFC 3339 time/],
      [{ events: { 'not-before': '2020-13-01' } }, /"events\.not-before" must be an RFC 3339 time/],
      [{ 'mock-delay-sec': -3, spot: {} }, /"mock-delay-sec" must be a number of seconds/],
      [{ server: { port: 'http' } }, /"server\.port" must be a port number/],
      [{ emulator: { faults: 3 } }, /"emulator\.faults" must be an object/],
      [{ emulator: { credentials: { ttl: 5 } } }, /"emulator\.credentials\.ttl" is not a known key\. Known keys here: ttlSeconds, rotateBeforeSeconds/],
      [{ emulator: { tags: { 'a/b': 'x' } } }, /"emulator\.tags\.a\/b" is not usable as a tag name/],
      [{ emulator: { sceanrio: 'spot-interruption' } }, /"emulator\.sceanrio" is not a known key\. Did you mean "scenario"\?/],
    ];
    for (const [config, message] of cases) {
      assert.throws(() => parseAemmConfig(config, 'test.json', Date.now(), { strict: true }), message, JSON.stringify(config));
    }
  });

  it('reports bad fault values and unknown scenarios from the emulator section, naming the key', async () => {
    await assert.rejects(startEmulator({ config: { emulator: { faults: { errorRate: 7 } } } }), /"emulator\.faults\.errorRate" must be a number between 0 and 1/);
    await assert.rejects(startEmulator({ config: { emulator: { scenario: 'meteor' } } }), /Unknown scenario "meteor"/);
  });

  it('accepts an empty object and a file written on disk at test time', async () => {
    const file = path.join(dir, 'small.json');
    writeFileSync(file, JSON.stringify({ metadata: { values: { 'ami-id': 'ami-0123456789abcdef1', 'ami-manifest-path': 'bucket/image.manifest.xml' } }, 'mock-ip-count': 2 }));
    const resolved = await resolveAemmConfig(file);
    assert.equal(resolved.source, file);
    assert.equal(resolved.facts.imageId, 'ami-0123456789abcdef1');
    assert.deepEqual(resolved.operations.map((o) => o.kind === 'set' && [o.path, o.value.toString()]), [['meta-data/ami-manifest-path', 'bucket/image.manifest.xml']]);
    assert.equal(resolved.mockIpCount, 2);
    assert.deepEqual(parseAemmConfig({}, 'empty').operations, []);
  });

  it('moves a value when only its path is overridden', async () => {
    const emu = await startEmulator({ config: { metadata: { paths: { 'instance-id': '/latest/meta-data/moved/instance-id' } } } });
    try {
      assert.equal((await request(emu.url, '/latest/meta-data/instance-id')).status, 404);
      assert.equal((await request(emu.url, '/latest/meta-data/moved/instance-id')).text, defaultInstance.instanceId);
    } finally {
      await emu.close();
    }
  });
});
