// The local SSM endpoint against the REAL @aws-sdk/client-ssm: wire protocol, signatures, shapes,
// errors, execution, and output truncation exactly where the agent cuts it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
  type GetCommandInvocationCommandOutput,
} from '@aws-sdk/client-ssm';
import { agentStringPrefix, startSsmEndpoint, STDERR_LIMIT, STDOUT_LIMIT, TRUNCATED_SUFFIX } from '../../support/ssmEndpoint';
import { useAwsWorld } from '../../support/awsWorld';

const LINUX = 'i-0123456789abcdef0';
const WGET_ONLY = 'i-0123456789abcdef1';
const LOST = 'i-0123456789abcdef2';
const UNMANAGED = 'i-0123456789abcdef3';

async function finished(client: SSMClient, commandId: string, instanceId: string): Promise<GetCommandInvocationCommandOutput> {
  for (;;) {
    try {
      const out = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      if (!['Pending', 'InProgress', 'Delayed', 'Cancelling'].includes(out.Status ?? '')) return out;
    } catch (error) {
      if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function run(client: SSMClient, instanceId: string, commands: string[]) {
  const sent = await client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands } }));
  return finished(client, sent.Command!.CommandId!, instanceId);
}

describe('local SSM endpoint (awsJson1_1) with the real SDK', () => {
  const suite = useAwsWorld(() => startSsmEndpoint({
    region: 'eu-west-1',
    invocationVisibleAfterMs: 150,
    instances: [
      { instanceId: LINUX, computerName: 'web-1', tags: { Env: 'prod' } },
      { instanceId: WGET_ONLY, tools: ['wget'], tags: { Env: 'dev' } },
      { instanceId: LOST, pingStatus: 'ConnectionLost' },
      { instanceId: UNMANAGED, managed: false },
    ],
  }));
  let client: SSMClient;
  before(() => {
    client = new SSMClient({ region: 'eu-west-1', endpoint: suite.world.url, credentials: suite.world.credentials, maxAttempts: 1 });
  });
  after(() => client.destroy());

  it('speaks the protocol: X-Amz-Target, JSON 1.1 content type, SigV4 scoped to ssm and the region', async () => {
    const out = await client.send(new DescribeInstanceInformationCommand({}));
    const call = suite.world.calls.at(-1)!;
    assert.equal(call.operation, 'DescribeInstanceInformation');
    assert.equal(call.region, 'eu-west-1');
    assert.equal(call.accessKeyId, suite.world.credentials.accessKeyId);
    assert.deepEqual(out.InstanceInformationList?.map((i) => i.InstanceId), [LINUX, WGET_ONLY, LOST]);
    assert.equal(out.InstanceInformationList?.[2].PingStatus, 'ConnectionLost');
    assert.ok(out.InstanceInformationList?.[0].LastPingDateTime instanceof Date, 'timestamps are epoch seconds the SDK parses');
  });

  it('rejects a wrong secret, an unknown key and the wrong region as AWS does', async () => {
    const wrongSecret = new SSMClient({ region: 'eu-west-1', endpoint: suite.world.url, credentials: { ...suite.world.credentials, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await assert.rejects(wrongSecret.send(new DescribeInstanceInformationCommand({})), { name: 'InvalidSignatureException' });
    const unknownKey = new SSMClient({ region: 'eu-west-1', endpoint: suite.world.url, credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 });
    await assert.rejects(unknownKey.send(new DescribeInstanceInformationCommand({})), { name: 'UnrecognizedClientException', message: /security token included in the request is invalid/ });
    const otherRegion = new SSMClient({ region: 'us-east-1', endpoint: suite.world.url, credentials: suite.world.credentials, maxAttempts: 1 });
    await assert.rejects(otherRegion.send(new DescribeInstanceInformationCommand({})), { name: 'InvalidSignatureException', message: /region/ });
    for (const c of [wrongSecret, unknownKey, otherRegion]) c.destroy();
  });

  it('paginates DescribeInstanceInformation and filters by ping status and tag', async () => {
    const first = await client.send(new DescribeInstanceInformationCommand({ MaxResults: 5, Filters: [{ Key: 'PingStatus', Values: ['Online'] }] }));
    assert.deepEqual(first.InstanceInformationList?.map((i) => i.InstanceId), [LINUX, WGET_ONLY]);
    assert.equal(first.NextToken, undefined);
    const tagged = await client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:Env', Values: ['prod'] }] }));
    assert.deepEqual(tagged.InstanceInformationList?.map((i) => i.InstanceId), [LINUX]);
    await assert.rejects(client.send(new DescribeInstanceInformationCommand({ MaxResults: 2 })), { name: 'ValidationException' });
    await assert.rejects(client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'Colour', Values: ['x'] }] })), { name: 'InvalidFilterKey' });
    await assert.rejects(client.send(new DescribeInstanceInformationCommand({ NextToken: 'garbage' })), { name: 'InvalidNextToken' });
  });

  it('answers InvocationDoesNotExist right after SendCommand, then runs the script for real', async () => {
    const sent = await client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LINUX], Parameters: { commands: ['echo "hello $((6 * 7))"', 'echo oops >&2'] } }));
    assert.equal(sent.Command?.Status, 'Pending');
    assert.equal(sent.Command?.TargetCount, 1);
    await assert.rejects(client.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: LINUX })), { name: 'InvocationDoesNotExist' });
    const out = await finished(client, sent.Command!.CommandId!, LINUX);
    assert.equal(out.Status, 'Success');
    assert.equal(out.ResponseCode, 0);
    assert.equal(out.StandardOutputContent, 'hello 42\n');
    assert.equal(out.StandardErrorContent, 'oops\n');
    assert.equal(out.PluginName, 'aws:runShellScript');
    assert.match(out.ExecutionElapsedTime ?? '', /^PT\d+\.\d{3}S$/);
  });

  it('reports a failing script as Failed with its exit code and the agent\'s stderr line', async () => {
    const out = await run(client, LINUX, ['echo broken >&2', 'exit 7']);
    assert.equal(out.Status, 'Failed');
    assert.equal(out.ResponseCode, 7);
    assert.equal(out.StandardErrorContent, 'broken\nfailed to run commands: exit status 7');
  });

  it('cuts StandardOutputContent at 24,000 and StandardErrorContent at 8,000 as the agent does', async () => {
    const under = await run(client, LINUX, [`head -c ${STDOUT_LIMIT - 1} /dev/zero | tr '\\0' a`]);
    assert.equal(under.StandardOutputContent?.length, STDOUT_LIMIT - 1);
    assert.ok(!under.StandardOutputContent?.endsWith(TRUNCATED_SUFFIX));
    // At the limit the agent already cuts (pluginutil.StringPrefix: len(input) < maxLength keeps it).
    const at = await run(client, LINUX, [`head -c ${STDOUT_LIMIT} /dev/zero | tr '\\0' b`]);
    assert.equal(at.StandardOutputContent?.length, STDOUT_LIMIT);
    assert.equal(at.StandardOutputContent, 'b'.repeat(STDOUT_LIMIT - TRUNCATED_SUFFIX.length) + TRUNCATED_SUFFIX);
    const over = await run(client, LINUX, [`head -c 30000 /dev/zero | tr '\\0' c`, `head -c 9000 /dev/zero | tr '\\0' d >&2`]);
    assert.equal(over.StandardOutputContent?.length, STDOUT_LIMIT);
    assert.ok(over.StandardOutputContent?.endsWith(TRUNCATED_SUFFIX));
    assert.equal(over.StandardErrorContent?.length, STDERR_LIMIT);
    assert.ok(over.StandardErrorContent?.startsWith('dddd'));
    assert.ok(over.StandardErrorContent?.endsWith(TRUNCATED_SUFFIX));
    // A limit shorter than the suffix keeps the suffix's beginning, as the agent does.
    assert.equal(agentStringPrefix(Buffer.from('x'.repeat(10)), 10), TRUNCATED_SUFFIX.slice(0, 10));
  });

  it('gives an instance only the HTTP tools it is configured with', async () => {
    const out = await run(client, WGET_ONLY, ['for t in curl wget python3 gzip base64; do command -v $t >/dev/null && echo "$t yes" || echo "$t no"; done']);
    assert.equal(out.StandardOutputContent, 'curl no\nwget yes\npython3 no\ngzip yes\nbase64 yes\n');
  });

  it('refuses unmanaged instances with InvalidInstanceId and leaves ConnectionLost ones Pending', async () => {
    await assert.rejects(
      client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [UNMANAGED], Parameters: { commands: ['true'] } })),
      { name: 'InvalidInstanceId', message: `Instances [[${UNMANAGED}]] not in a valid state for account ${suite.world.accountId}` },
    );
    const sent = await client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LOST], Parameters: { commands: ['true'] } }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const out = await client.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: LOST }));
    assert.equal(out.Status, 'Pending');
  });

  it('validates SendCommand like the service', async () => {
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LINUX], Parameters: {} })), { name: 'InvalidParameters' });
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LINUX], Parameters: { commands: ['true'], colour: ['x'] } })), { name: 'InvalidParameters' });
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LINUX], TimeoutSeconds: 5, Parameters: { commands: ['true'] } })), { name: 'ValidationException' });
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'No-Such-Document', InstanceIds: [LINUX], Parameters: { commands: ['true'] } })), { name: 'InvalidDocument' });
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'AWS-RunPowerShellScript', InstanceIds: [LINUX], Parameters: { commands: ['dir'] } })), { name: 'UnsupportedPlatformType' });
    const ids = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await assert.rejects(client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ids, Parameters: { commands: ['true'] } })), { name: 'ValidationException' });
  });

  it('answers injected faults and denied permissions with the service\'s error shapes', async () => {
    suite.world.failNext('DescribeInstanceInformation', { type: 'ThrottlingException', message: 'Rate exceeded' });
    await assert.rejects(client.send(new DescribeInstanceInformationCommand({})), { name: 'ThrottlingException', message: 'Rate exceeded' });
    suite.world.deny('ssm:SendCommand');
    try {
      await assert.rejects(
        client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [LINUX], Parameters: { commands: ['true'] } })),
        { name: 'AccessDeniedException', message: /is not authorized to perform: ssm:SendCommand on resource: arn:aws:ec2:eu-west-1:123456789012:instance\/i-0123456789abcdef0/ },
      );
    } finally {
      suite.world.allow('ssm:SendCommand');
    }
    suite.world.failNext('GetCommandInvocation', { type: 'InternalServerError', message: 'boom', status: 500 });
    await assert.rejects(client.send(new GetCommandInvocationCommand({ CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: LINUX })), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'InternalServerError');
      assert.equal(error.$metadata?.httpStatusCode, 500);
      return true;
    });
  });
});
