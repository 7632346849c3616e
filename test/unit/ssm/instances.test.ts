// The instance picker's data (DescribeInstanceInformation, every page) and fleet snapshots: one
// SendCommand for many instances, each read with its own GetCommandInvocation, then compared.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import type { Snapshot } from '../../../src/imds/types';
import { compareFleet, formatFleetComparison, listManagedInstances, matchesFilter, snapshotFleet } from '../../../src/sources/ssm/instances';
import { startSsmEndpoint, type FakeInstance, type SsmEndpoint } from '../../support/ssmEndpoint';
import { isolateAwsEnvironment, REGION, type IsolatedAws } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

const id = (n: number) => `i-0${n.toString(16).padStart(16, '0')}`;

describe('instance picker: DescribeInstanceInformation', () => {
  const suite = useAwsWorld(async () => {
    const instances: FakeInstance[] = Array.from({ length: 120 }, (_, n) => ({
      instanceId: id(n + 1),
      computerName: `node-${String(n + 1).padStart(3, '0')}.example.internal`,
      platformType: n % 10 === 0 ? 'Windows' : 'Linux',
      pingStatus: n % 7 === 3 ? 'ConnectionLost' : 'Online',
      ipAddress: `10.0.${Math.floor(n / 200)}.${n % 200}`,
    }));
    instances.push({ instanceId: id(500), name: 'on-prem-db', computerName: 'db01' });
    instances.push({ instanceId: id(501), managed: false });
    return startSsmEndpoint({ instances });
  });

  const connection = () => ({ region: REGION, endpoint: suite.world.url, credentials: suite.world.credentials });

  it('lists every managed instance across pages, Online first, with name, platform and ping status', async () => {
    const before = suite.world.countOf('DescribeInstanceInformation');
    const list = await listManagedInstances(connection());
    assert.equal(list.length, 121, 'all managed instances, none unmanaged');
    assert.ok(suite.world.countOf('DescribeInstanceInformation') - before >= 3, 'several pages were read');
    const firstOffline = list.findIndex((i) => !i.selectable);
    assert.ok(firstOffline > 0 && list.slice(firstOffline).every((i) => !i.selectable), 'Online instances come first');
    const db = list.find((i) => i.instanceId === id(500))!;
    assert.equal(db.name, 'on-prem-db', 'a managed node Name wins over the computer name');
    const web = list.find((i) => i.instanceId === id(2))!;
    assert.equal(web.name, 'node-002.example.internal');
    assert.equal(web.platformType, 'Linux');
    assert.equal(web.pingStatus, 'Online');
    assert.equal(web.selectable, true);
  });

  it('marks non-Online instances unselectable and says why', async () => {
    const lost = (await listManagedInstances(connection())).find((i) => i.instanceId === id(4))!;
    assert.equal(lost.pingStatus, 'ConnectionLost');
    assert.equal(lost.selectable, false);
    assert.match(lost.reason ?? '', /agent not connected since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  });

  it('filters by text (id, name, IP, platform) and by server-side filters', async () => {
    const byName = await listManagedInstances({ ...connection(), filter: 'NODE-01' });
    assert.deepEqual(byName.map((i) => i.name).sort(), Array.from({ length: 10 }, (_, n) => `node-01${n}.example.internal`));
    const windows = await listManagedInstances({ ...connection(), filter: 'windows' });
    assert.equal(windows.length, 12);
    assert.ok(windows.every((i) => i.platformType === 'Windows'));
    const lost = await listManagedInstances({ ...connection(), filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }] });
    assert.ok(lost.length > 0 && lost.every((i) => i.pingStatus === 'ConnectionLost'));
    assert.equal(matchesFilter(lost[0], ''), true);
    assert.equal(matchesFilter(lost[0], 'no-such-text'), false);
  });

  it('a denied listing names ssm:DescribeInstanceInformation', async () => {
    suite.world.deny('ssm:DescribeInstanceInformation');
    try {
      await assert.rejects(listManagedInstances(connection()), { code: 'AccessDenied', message: /ssm:DescribeInstanceInformation/ });
    } finally {
      suite.world.allow('ssm:DescribeInstanceInformation');
    }
  });
});

describe('fleet snapshot: one SendCommand, many instances, compared', () => {
  let aws: IsolatedAws;
  let endpoint: SsmEndpoint;
  const emulators: Emulator[] = [];
  const fleet = [id(0x100), id(0x101), id(0x102)];

  async function direct(emulator: Emulator): Promise<Snapshot> {
    const client = new ImdsClient({ endpoint: emulator.url, env: {} });
    try {
      return await client.snapshot();
    } finally {
      await client.close();
    }
  }

  before(async () => {
    aws = isolateAwsEnvironment();
    for (const [n, instanceId] of fleet.entries()) {
      const emulator = await startEmulator({});
      emulator.setValue('/latest/meta-data/instance-id', instanceId);
      emulator.setValue('/latest/meta-data/local-ipv4', `10.1.0.${n + 10}`);
      if (n === 2) emulator.setValue('/latest/meta-data/tags/instance/Canary', 'true');
      emulators.push(emulator);
    }
    endpoint = await startSsmEndpoint({
      instances: [
        ...fleet.map((instanceId, n) => ({ instanceId, tags: { Env: 'prod' }, env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: emulators[n].url } })),
        { instanceId: id(0x103), tags: { Env: 'prod' }, pingStatus: 'ConnectionLost' as const },
        { instanceId: id(0x104), tags: { Env: 'dev' } },
      ],
    });
  });
  after(async () => {
    await endpoint.close();
    await Promise.all(emulators.map((e) => e.close()));
    aws.restore();
  });

  const connection = () => ({ region: REGION, endpoint: endpoint.url, credentials: endpoint.credentials });

  it('reads three instances by id with one SendCommand; each equals its own direct snapshot', async () => {
    const sent = endpoint.countOf('SendCommand');
    const callsBefore = endpoint.calls.length;
    const result = await snapshotFleet({ ...connection(), instanceIds: fleet });
    assert.equal(endpoint.countOf('SendCommand'), sent + 1);
    assert.equal(result.commandsSent, 1);
    assert.equal(result.results.length, 3);
    for (const [n, r] of result.results.entries()) {
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.instanceId, fleet[n]);
      assert.deepEqual(r.snapshot!.entries, (await direct(emulators[n])).entries);
    }
    const gets = endpoint.calls.slice(callsBefore).filter((c) => c.operation === 'GetCommandInvocation');
    assert.deepEqual(new Set(gets.map((c) => c.body.InstanceId)), new Set(fleet), 'each invocation read with its own GetCommandInvocation');
  });

  it('compares the fleet side by side: only the paths that differ', async () => {
    const result = await snapshotFleet({ ...connection(), instanceIds: fleet });
    const comparison = compareFleet(new Map(result.results.map((r) => [r.instanceId, r.snapshot!])));
    const paths = comparison.differing.map((row) => row.path);
    assert.ok(paths.includes('/latest/meta-data/instance-id'));
    assert.ok(paths.includes('/latest/meta-data/local-ipv4'));
    assert.ok(paths.includes('/latest/meta-data/tags/instance/Canary'));
    assert.ok(!paths.includes('/latest/meta-data/ami-id'), 'equal values are not listed');
    const canary = comparison.differing.find((row) => row.path === '/latest/meta-data/tags/instance/Canary')!;
    assert.deepEqual(canary.cells.map((c) => c.kind), ['absent', 'absent', 'value']);
    const ids = comparison.differing.find((row) => row.path === '/latest/meta-data/instance-id')!;
    assert.deepEqual(ids.cells, fleet.map((value) => ({ kind: 'value', value, encoding: 'utf8' })));
    assert.ok(comparison.sameCount > 40);
    const table = formatFleetComparison(comparison);
    assert.match(table, /\/latest\/meta-data\/local-ipv4\s+10\.1\.0\.10\s+10\.1\.0\.11\s+10\.1\.0\.12/);
    assert.match(table, new RegExp(`${comparison.differing.length} path\\(s\\) differ; ${comparison.sameCount} are the same on all 3 instance\\(s\\)`));
  });

  it('targets a tag: skips the offline instance with its reason, reads the online ones', async () => {
    const sent = endpoint.countOf('SendCommand');
    const result = await snapshotFleet({ ...connection(), tag: { key: 'Env', value: 'prod' } });
    assert.equal(endpoint.countOf('SendCommand'), sent + 1);
    const lastSend = endpoint.calls.filter((c) => c.operation === 'SendCommand').at(-1)!;
    assert.deepEqual(lastSend.body.Targets, [{ Key: 'tag:Env', Values: ['prod'] }], 'one command targets the tag');
    assert.deepEqual(result.results.map((r) => r.instanceId).sort(), [...fleet].sort());
    assert.ok(result.results.every((r) => r.snapshot && !r.error));
    assert.deepEqual(result.skipped.map((s) => s.instanceId), [id(0x103)]);
    assert.match(result.skipped[0].reason, /agent not connected/);
  });

  it('reads a long document from one member with follow-up parts while the others need none', async () => {
    emulators[1].setUserData(randomBytes(16384));
    for (let i = 0; i < 150; i++) emulators[1].setValue(`/latest/meta-data/tags/instance/T${i}`, randomBytes(48).toString('hex'));
    try {
      const result = await snapshotFleet({ ...connection(), instanceIds: fleet });
      for (const [n, r] of result.results.entries()) {
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.snapshot!.entries, (await direct(emulators[n])).entries);
      }
      assert.equal(result.results[0].commands, 1);
      assert.ok(result.results[1].commands >= 2, 'the long one needed further parts');
    } finally {
      emulators[1].setUserData(null);
      for (let i = 0; i < 150; i++) emulators[1].setValue(`/latest/meta-data/tags/instance/T${i}`, undefined);
    }
  });

  it('refuses more than 50 instances for one command', async () => {
    const many = Array.from({ length: 51 }, (_, n) => id(0x1000 + n));
    await assert.rejects(snapshotFleet({ ...connection(), instanceIds: many }), { code: 'InvalidRequest', message: /at most 50/ });
  });
});
