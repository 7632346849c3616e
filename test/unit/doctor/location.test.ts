// "Where the doctor ran" for each kind of target: on an EC2 instance (DMI evidence and an answering
// IMDS, as under Remote-SSH), on a machine where only the link-local address answers, nowhere,
// the emulator, and an SSM snapshot. Pure function of what was found: no network here.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { runLocationCheck } from '../../../src/doctor/checks/location';
import { endpointTarget, instanceTarget } from '../../../src/doctor';

const NITRO = { onEc2: true, evidence: ['board_asset_tag is the instance ID i-0abc1234def567890', 'sys_vendor is "Amazon EC2"'], instanceId: 'i-0abc1234def567890' };

describe('doctor: where it ran', () => {
  it('on an EC2 instance (Remote-SSH): says so, with the DMI evidence and the instance ID', () => {
    const { check, ranOn } = runLocationCheck({ target: instanceTarget({ env: {} }), ec2: NITRO, instanceId: 'i-0abc1234def567890', answered: true });
    assert.equal(ranOn, 'on EC2 instance i-0abc1234def567890');
    assert.equal(check.summary, 'Ran on the EC2 instance i-0abc1234def567890 itself, against its own IMDS.');
    assert.deepEqual(check.evidence, ['DMI: board_asset_tag is the instance ID i-0abc1234def567890', 'DMI: sys_vendor is "Amazon EC2"', 'meta-data/instance-id: i-0abc1234def567890']);
  });

  it('on an instance whose IMDS does not answer: points at the checks below', () => {
    const { check } = runLocationCheck({ target: instanceTarget({ env: {} }), ec2: NITRO, answered: false });
    assert.match(check.summary, /is an EC2 instance, but its IMDS does not answer/);
  });

  it('not on EC2 and nothing answers: says to use the instance, SSM or the emulator', () => {
    const { check, ranOn } = runLocationCheck({ target: instanceTarget({ env: {} }), ec2: { onEc2: false, evidence: [] }, answered: false });
    assert.match(ranOn, /no IMDS answers/);
    assert.match(check.advice.join(' '), /Remote-SSH\), through the SSM source, or against the built-in emulator/);
  });

  it('the emulator: not an instance, commands apply to a real one', () => {
    const { check, ranOn } = runLocationCheck({ target: endpointTarget('http://127.0.0.1:1338', 'emulator'), instanceId: 'i-0123456789abcdef0', answered: true });
    assert.equal(ranOn, 'against the local IMDS emulator (http://127.0.0.1:1338)');
    assert.match(check.summary, /not an EC2 instance: commands that change instance settings apply to a real instance/);
  });

  it('the standard URLs given as an endpoint mean this instance (both families probed)', () => {
    const target = endpointTarget('http://[fd00:ec2::254]');
    assert.equal(target.where, 'instance');
    assert.equal(target.primary, 'ipv6');
    assert.deepEqual(target.endpoints, { ipv4: 'http://169.254.169.254', ipv6: 'http://[fd00:ec2::254]' });
    assert.equal(instanceTarget({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' } }).primary, 'ipv6');
    assert.deepEqual(endpointTarget('[::1]:1338').endpoints, { ipv6: 'http://[::1]:1338' });
  });
});
