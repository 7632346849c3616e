// The local EC2 endpoint against the REAL @aws-sdk/client-ec2 (through src/aws/ec2/api.ts): Query
// protocol, SigV4, pagination across thousands of instances and several Regions, DryRun,
// UnauthorizedOperation, RequestLimitExceeded retried, pending → applied, and the wiring that makes
// a metadata change change the emulator.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Ec2Api } from '../../../src/aws/ec2/api';
import { isEc2Error } from '../../../src/aws/ec2/errors';
import { readInstanceSettings } from '../../../src/aws/ec2/settings';
import { isUnavailable, type InstanceSummary } from '../../../src/aws/ec2/types';
import { instanceRecord } from '../../support/ec2/store';
import { startEc2World } from '../../support/ec2/world';
import { useAwsWorld } from '../../support/awsWorld';

/** Waits for a condition the endpoint reaches on its own (pending → applied), bounded. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function status(url: string, path: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url + path, init);
  await res.arrayBuffer();
  return res.status;
}

describe('local EC2 endpoint with the real SDK', () => {
  const suite = useAwsWorld(() => startEc2World());
  let api: Ec2Api;

  before(async () => {
    const fleet = Array.from({ length: 2500 }, (_, i) =>
      instanceRecord({ instanceId: `i-${(0x1000000 + i).toString(16).padStart(17, '0')}`, region: 'eu-west-1', tags: { Name: `web-${i}` }, instanceType: i % 2 ? 'm5.large' : 't3.small', platform: i % 10 === 0 ? 'windows' : undefined }));
    suite.world.endpoint.store.put(...fleet);
    api = await suite.world.api();
  });

  beforeEach(() => {
    suite.world.endpoint.clearFaults();
    for (const action of ['ec2:DescribeInstances', 'ec2:DescribeIamInstanceProfileAssociations', 'ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataOptions', 'ec2:ModifyInstanceMetadataDefaults']) suite.world.endpoint.allow(action);
  });

  it('describes the wired instance with its Name tag, type, platform and metadata options', async () => {
    const instance = await api.describeInstance(suite.world.wired.instanceId);
    assert.equal(instance.name, 'imds-explorer-demo');
    assert.equal(instance.instanceType, 't3.micro');
    assert.equal(instance.platform, 'Linux/UNIX');
    assert.equal(instance.state, 'running');
    assert.equal(instance.launchTime, '2024-01-15T09:30:00.000Z');
    assert.deepEqual(instance.metadataOptions, { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled', httpProtocolIpv6: 'disabled', instanceMetadataTags: 'enabled', state: 'applied' });
  });

  it('paginates thousands of instances by NextToken/MaxResults, per signed Region', async () => {
    const before = suite.world.endpoint.countOf('DescribeInstances');
    const eu = await Ec2Api.connect({ region: 'eu-west-1', endpoint: suite.world.endpoint.url, credentials: suite.world.endpoint.credentials });
    try {
      const pages: number[] = [];
      const all = await eu.listInstances({ pageSize: 1000, onPage: (n) => pages.push(n) });
      assert.equal(all.length, 2500);
      assert.deepEqual(pages, [1000, 2000, 2500]);
      assert.equal(new Set(all.map((i) => i.instanceId)).size, 2500, 'no instance twice across pages');
      assert.equal(suite.world.endpoint.countOf('DescribeInstances') - before, 3);
      assert.equal(all.filter((i: InstanceSummary) => i.platform === 'windows').length, 250);
      const filtered = await eu.listInstances({ filters: { 'tag:Name': ['web-1?'], 'instance-type': ['m5.large'] } });
      assert.deepEqual(filtered.map((i) => i.name).sort(), ['web-11', 'web-13', 'web-15', 'web-17', 'web-19']);
      const limited = await eu.listInstances({ pageSize: 5, limit: 12 });
      assert.equal(limited.length, 12);
    } finally {
      eu.close();
    }
    // The wired instance's Region holds only it.
    assert.deepEqual((await api.listInstances()).map((i) => i.instanceId), [suite.world.wired.instanceId]);
  });

  it('refuses MaxResults with InstanceIds, a bad NextToken and an unknown filter as EC2 does', async () => {
    const client = new EC2Client({ region: 'eu-west-1', endpoint: suite.world.endpoint.url, credentials: suite.world.endpoint.credentials, maxAttempts: 1 });
    try {
      await assert.rejects(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000001000000'], MaxResults: 5 })), { name: 'InvalidParameterCombination' });
      await assert.rejects(client.send(new DescribeInstancesCommand({ NextToken: 'bogus' })), { name: 'InvalidParameterValue' });
      await assert.rejects(client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })), { name: 'InvalidParameterValue' });
      await assert.rejects(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0fffffffffffffff0'] })), { name: 'InvalidInstanceID.NotFound' });
    } finally {
      client.destroy();
    }
  });

  it('checks the SigV4 signature: a wrong secret is refused', async () => {
    const wrong = await Ec2Api.connect({ region: suite.world.wired.region, endpoint: suite.world.endpoint.url, credentials: { accessKeyId: suite.world.endpoint.credentials.accessKeyId, secretAccessKey: 'not-the-secret' }, maxAttempts: 1 });
    try {
      await assert.rejects(wrong.describeInstance(suite.world.wired.instanceId), (error: unknown) => isEc2Error(error) && /signature/i.test(error.message));
    } finally {
      wrong.close();
    }
  });

  it('answers DryRun with DryRunOperation and changes nothing', async () => {
    const dry = await api.dryRunModifyOptions(suite.world.wired.instanceId, { httpTokens: 'required' });
    assert.deepEqual(dry, { ok: true });
    assert.equal((await api.describeInstance(suite.world.wired.instanceId)).metadataOptions?.httpTokens, 'optional');
    assert.equal(suite.world.emulator.imdsv2, 'optional');
  });

  it('answers UnauthorizedOperation (with an encoded message) on each call, naming the permission; nothing changes', async () => {
    const id = suite.world.wired.instanceId;
    const cases: [string, () => Promise<unknown>][] = [
      ['ec2:DescribeInstances', () => api.describeInstance(id)],
      ['ec2:DescribeIamInstanceProfileAssociations', () => api.associations(id)],
      ['ec2:GetInstanceMetadataDefaults', () => api.defaults()],
      ['ec2:ModifyInstanceMetadataOptions', () => api.modifyOptions(id, { httpTokens: 'required' })],
      ['ec2:ModifyInstanceMetadataDefaults', () => api.modifyDefaults({ httpTokens: 'required' })],
    ];
    for (const [action, call] of cases) {
      suite.world.endpoint.deny(action);
      await assert.rejects(call(), (error: unknown) => isEc2Error(error) && error.code === 'Unauthorized' && error.permission === action && !!error.encodedMessage && error.message.includes(action), action);
      suite.world.endpoint.allow(action);
    }
    suite.world.endpoint.deny('ec2:ModifyInstanceMetadataOptions');
    const dry = await api.dryRunModifyOptions(id, { httpTokens: 'required' });
    assert.equal(dry.ok, false);
    assert.equal(!dry.ok && dry.error.permission, 'ec2:ModifyInstanceMetadataOptions');
    assert.equal((await api.describeInstance(id)).metadataOptions?.httpTokens, 'optional');
    assert.equal(suite.world.emulator.imdsv2, 'optional');
    assert.deepEqual(await api.defaults(), {});
  });

  it('keeps the other parts of the settings when one permission is missing', async () => {
    suite.world.endpoint.deny('ec2:GetInstanceMetadataDefaults');
    const settings = await readInstanceSettings(api, suite.world.wired.instanceId);
    assert.ok(isUnavailable(settings.defaults));
    assert.equal(isUnavailable(settings.defaults) && settings.defaults.unavailable.permission, 'ec2:GetInstanceMetadataDefaults');
    assert.ok(!isUnavailable(settings.instance));
    assert.ok(!isUnavailable(settings.associations));
  });

  it('retries RequestLimitExceeded with backoff, and says so when it does not stop', async () => {
    const before = suite.world.endpoint.countOf('DescribeInstances');
    suite.world.endpoint.failNext('DescribeInstances', undefined, 2);
    const instance = await api.describeInstance(suite.world.wired.instanceId);
    assert.equal(instance.instanceId, suite.world.wired.instanceId);
    const attempts = suite.world.endpoint.calls.slice(-3);
    assert.equal(suite.world.endpoint.countOf('DescribeInstances') - before, 3);
    assert.deepEqual(attempts.map((c) => c.error), ['RequestLimitExceeded', 'RequestLimitExceeded', undefined]);
    assert.ok(attempts[1].at - attempts[0].at >= 1, 'the retry waited');

    const short = await suite.world.api({ maxAttempts: 2 });
    suite.world.endpoint.failNext('GetInstanceMetadataDefaults', undefined, 5);
    await assert.rejects(short.defaults(), (error: unknown) => isEc2Error(error) && error.code === 'Throttled');
  });

  it('moves a change from pending to applied, and only then changes the emulator', async () => {
    suite.world.endpoint.setApplyDelay(300);
    const answer = await api.modifyOptions(suite.world.wired.instanceId, { httpTokens: 'required' });
    assert.equal(answer?.state, 'pending');
    assert.equal(answer?.httpTokens, 'required');
    assert.equal(suite.world.emulator.imdsv2, 'optional', 'not yet applied');
    assert.equal(await status(suite.world.emulator.url, '/latest/meta-data/instance-id'), 200);
    await until('applied', async () => (await api.describeInstance(suite.world.wired.instanceId)).metadataOptions?.state === 'applied');
    assert.equal(await status(suite.world.emulator.url, '/latest/meta-data/instance-id'), 401, 'tokens are required now');

    await api.modifyOptions(suite.world.wired.instanceId, { httpTokens: 'optional', httpEndpoint: 'disabled' });
    await suite.world.endpoint.settled();
    assert.equal(await status(suite.world.emulator.url, '/latest/meta-data/instance-id'), 403, 'IMDS is off');

    await api.modifyOptions(suite.world.wired.instanceId, { httpEndpoint: 'enabled', instanceMetadataTags: 'disabled' });
    await suite.world.endpoint.settled();
    assert.equal(await status(suite.world.emulator.url, '/latest/meta-data/tags/instance/Name'), 404, 'tags are not served');
    await api.modifyOptions(suite.world.wired.instanceId, { instanceMetadataTags: 'enabled' });
    await suite.world.endpoint.settled();
    assert.equal(await status(suite.world.emulator.url, '/latest/meta-data/tags/instance/Name'), 200, 'tags are served again');

    await api.modifyOptions(suite.world.wired.instanceId, { httpPutResponseHopLimit: 3 });
    await suite.world.endpoint.settled();
    assert.equal(suite.world.emulator.faults.hopLimit, 3);
    await api.modifyOptions(suite.world.wired.instanceId, { httpPutResponseHopLimit: 1 });
    await suite.world.endpoint.settled();
    assert.equal(suite.world.emulator.faults.hopLimit, 1);
  });

  it('gets and modifies the account defaults, no-preference included', async () => {
    assert.deepEqual(await api.defaults(), {});
    assert.deepEqual(await api.dryRunModifyDefaults({ httpTokens: 'required' }), { ok: true });
    assert.deepEqual(await api.defaults(), {}, 'DryRun changed nothing');
    await api.modifyDefaults({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
    assert.deepEqual(await api.defaults(), { httpTokens: 'required', httpPutResponseHopLimit: 2 });
    await api.modifyDefaults({ httpTokens: 'no-preference', httpPutResponseHopLimit: -1 });
    assert.deepEqual(await api.defaults(), {});
  });

  it('follows the iam-role-attach timeline in the association state', async () => {
    const before = await api.associations(suite.world.wired.instanceId);
    assert.equal(before.length, 1);
    assert.equal(before[0].state, 'associated');
    assert.equal(before[0].timestamp, '2024-01-15T09:30:00.000Z', 'associated at launch');
    suite.world.wired.attachRole({ infoAfterSeconds: 0.3, credentialsAfterSeconds: 0.6 });
    const attaching = await api.associations(suite.world.wired.instanceId);
    assert.equal(attaching[0].state, 'associating');
    assert.ok(Date.parse(attaching[0].timestamp!) > Date.parse('2025-01-01'));
    await until('associated', async () => (await api.associations(suite.world.wired.instanceId))[0].state === 'associated');
    suite.world.emulator.setScenario('none');
  });

  it('holds instances in several Regions apart', async () => {
    suite.world.endpoint.store.put(instanceRecord({ instanceId: 'i-0aaaaaaaaaaaaaaa1', region: 'ap-southeast-2', tags: { Name: 'syd' } }));
    const syd = await suite.world.api({ region: 'ap-southeast-2' });
    assert.deepEqual((await syd.listInstances()).map((i) => i.name), ['syd']);
    await assert.rejects(syd.describeInstance(suite.world.wired.instanceId), (error: unknown) => isEc2Error(error) && error.code === 'NotFound');
  });
});
