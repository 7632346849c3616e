// The local EC2 endpoint with a client we did not write: Debian's AWS CLI (botocore). It paginates
// on its own, signs with its own SigV4 code and parses EC2's XML and error XML its own way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { instanceRecord } from '../../support/ec2/store';
import { startEc2World, type Ec2World } from '../../support/ec2/world';

const AWS = '/usr/bin/aws';

describe('the AWS CLI against the local EC2 endpoint', { skip: existsSync(AWS) ? false : `${AWS} is not installed (Debian package awscli, scripts/setup-deps.sh)` }, () => {
  let world: Ec2World;
  let home: string;

  const aws = (args: string[], secret?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        LANG: 'C.UTF-8',
        AWS_PAGER: '',
        AWS_ACCESS_KEY_ID: world.endpoint.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secret ?? world.endpoint.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: world.wired.region,
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      execFile(AWS, ['ec2', ...args, '--endpoint-url', world.endpoint.url, '--output', 'json'], { env, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code) || 1 : 0, stdout, stderr });
      });
    });

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'ec2-cli-home-'));
    world = await startEc2World();
    for (let i = 0; i < 12; i++) world.endpoint.store.put(instanceRecord({ instanceId: `i-0${String(i).padStart(16, '0')}`, region: world.wired.region, tags: { Name: `n${i}` } }));
  });

  after(async () => {
    await world.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('describe-instances paginates through every page (page size 5)', async () => {
    const out = await aws(['describe-instances', '--page-size', '5']);
    assert.equal(out.code, 0, out.stderr);
    const ids = (JSON.parse(out.stdout) as { Reservations: { Instances: { InstanceId: string }[] }[] }).Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId));
    assert.equal(ids.length, 13);
    assert.ok(ids.includes(world.wired.instanceId));
    assert.ok(world.endpoint.countOf('DescribeInstances') >= 3, 'the CLI followed NextToken');
  });

  it('modify-instance-metadata-options --dry-run answers DryRunOperation; the real call goes pending → applied', async () => {
    const dry = await aws(['modify-instance-metadata-options', '--instance-id', world.wired.instanceId, '--http-tokens', 'required', '--dry-run']);
    assert.notEqual(dry.code, 0);
    assert.match(dry.stderr, /DryRunOperation/);
    assert.equal(world.emulator.imdsv2, 'optional');
    const real = await aws(['modify-instance-metadata-options', '--instance-id', world.wired.instanceId, '--http-tokens', 'required', '--http-put-response-hop-limit', '2']);
    assert.equal(real.code, 0, real.stderr);
    assert.equal(JSON.parse(real.stdout).InstanceMetadataOptions.State, 'pending');
    await world.endpoint.settled();
    assert.equal(world.emulator.imdsv2, 'required');
    assert.equal(world.emulator.faults.hopLimit, 2);
  });

  it('reads UnauthorizedOperation and a bad signature from the error XML', async () => {
    world.endpoint.deny('ec2:DescribeIamInstanceProfileAssociations');
    const denied = await aws(['describe-iam-instance-profile-associations']);
    world.endpoint.allow('ec2:DescribeIamInstanceProfileAssociations');
    assert.match(denied.stderr, /UnauthorizedOperation.*ec2:DescribeIamInstanceProfileAssociations/s);
    const bad = await aws(['describe-instances'], 'wrong-secret');
    assert.match(bad.stderr, /SignatureDoesNotMatch/);
  });
});
