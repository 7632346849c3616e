// Name tags for the Add SSM Instance… picker (src/aws/ec2/nameTags.ts), against the local EC2
// endpoint: EC2 instances get their Name tag, others keep their names, and nothing the EC2 API does
// (a missing permission, a peer that never answers) turns into an error or a long wait.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { withNameTags } from '../../../src/aws/ec2/nameTags';
import { startEc2World } from '../../support/ec2/world';
import { useAwsWorld } from '../../support/awsWorld';

describe('withNameTags: the SSM picker names EC2 instances by their Name tag', () => {
  const suite = useAwsWorld(() => startEc2World());
  const options = () => ({ region: suite.world.wired.region, endpoint: suite.world.endpoint.url, credentials: suite.world.endpoint.credentials });
  const picked = () => [
    { instanceId: suite.world.wired.instanceId, name: 'ip-172-31-5-20' },
    { instanceId: 'i-0000000000000dead', name: 'not-in-ec2' },
    { instanceId: 'mi-0123456789abcdef0', name: 'on-premises' },
  ];

  it('renames the EC2 instances that have a Name tag with one DescribeInstances; others keep their names', async () => {
    const before = suite.world.endpoint.countOf('DescribeInstances');
    const named = await withNameTags(picked(), options());
    assert.deepEqual(named.map((i) => i.name), ['imds-explorer-demo', 'not-in-ec2', 'on-premises']);
    assert.equal(suite.world.endpoint.countOf('DescribeInstances'), before + 1);
  });

  it('asks nothing when no instance is an EC2 one (managed on-premises nodes only)', async () => {
    const before = suite.world.endpoint.countOf('DescribeInstances');
    const only = [{ instanceId: 'mi-0123456789abcdef0', name: 'on-premises' }];
    assert.deepEqual(await withNameTags(only, options()), only);
    assert.equal(suite.world.endpoint.countOf('DescribeInstances'), before);
  });

  it('without ec2:DescribeInstances the names stay, and no error reaches the picker', async () => {
    suite.world.endpoint.deny('ec2:DescribeInstances');
    try {
      assert.deepEqual(await withNameTags(picked(), options()), picked());
    } finally {
      suite.world.endpoint.allow('ec2:DescribeInstances');
    }
  });

  it('a peer that accepts and never answers costs at most the bound', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const named = await withNameTags(picked(), { ...options(), endpoint: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, timeoutMs: 300 });
      assert.deepEqual(named, picked());
      assert.ok(Date.now() - started < 5000, `returned after ${Date.now() - started} ms with a 300 ms bound`);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});
