// What the doctor reads from the instance's own data: user-data against 16,384 bytes, and events
// pending: a Spot interruption notice, a rebalance recommendation, scheduled maintenance.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Emulator } from '../../../src/emulator/server';
import { check, doctorOn, emulatorAndHome, joined } from './helpers';

describe('doctor: user data and pending events', () => {
  let emulator: Emulator;
  const home = emulatorAndHome({ imdsv2: 'required' }, (started) => (emulator = started));

  it('user data: none is info, small passes, 90%+ warns, over 16,384 bytes fails', async () => {
    emulator.setUserData(null);
    let ud = check(await doctorOn(emulator.url, home.dir), 'user-data-size');
    assert.equal(ud.status, 'info');
    assert.deepEqual(ud.evidence, ['/latest/user-data → 404']);

    emulator.setUserData('#!/bin/bash\necho hello\n');
    ud = check(await doctorOn(emulator.url, home.dir), 'user-data-size');
    assert.equal(ud.status, 'pass');
    assert.match(ud.summary, /User data is 23 bytes, within the 16,384-byte limit/);

    emulator.setUserData(Buffer.concat([Buffer.from('#!/bin/bash\n'), Buffer.alloc(15_000 - 12, 'a')]));
    ud = check(await doctorOn(emulator.url, home.dir), 'user-data-size');
    assert.equal(ud.status, 'warn');
    assert.match(ud.summary, /15,000 bytes, close to the 16,384-byte limit \(1,384 left\)/);
    assert.match(joined(ud), /gzip -9 shrinks it to/);

    // Random bytes do not compress: even gzip cannot save this one.
    emulator.setUserData(randomBytes(16_385));
    ud = check(await doctorOn(emulator.url, home.dir), 'user-data-size');
    assert.equal(ud.status, 'fail');
    assert.match(ud.summary, /16,385 bytes, over the 16,384-byte limit/);
    assert.ok(ud.evidence.includes('base64 in the API call: 21,848 characters'));
    emulator.setUserData('#cloud-config\n');
  });

  it('spot interruption pending: warn with the action and its time; before the notice: pass', async () => {
    emulator.setScenario('spot-interruption', { delaySeconds: 600 });
    let spot = check(await doctorOn(emulator.url, home.dir), 'spot-interruption');
    assert.equal(spot.status, 'pass');
    assert.deepEqual(spot.evidence, ['instance-life-cycle: spot', '/latest/meta-data/spot/instance-action → 404']);

    emulator.setScenario('spot-interruption', { delaySeconds: 0, action: 'stop', noticeSeconds: 120 });
    const report = await doctorOn(emulator.url, home.dir);
    spot = check(report, 'spot-interruption');
    assert.equal(spot.status, 'warn');
    assert.match(spot.summary, /^Spot interruption pending: EC2 will stop this instance at \S+Z \(in (2 min|1 min \d+ s)\)\.$/);
    assert.ok(spot.evidence.includes('/latest/meta-data/spot/instance-action → 200'));
    assert.ok(spot.evidence.includes('action stop'));
    assert.match(joined(spot), /checkpoint, and drain/);
    assert.equal(check(report, 'rebalance').status, 'pass');
    assert.equal(report.counts.fail, 0, 'an interruption is news, not a broken configuration');
  });

  it('on-demand instances skip the Spot checks with the reason', async () => {
    emulator.setScenario('none');
    const report = await doctorOn(emulator.url, home.dir);
    assert.equal(check(report, 'spot-interruption').status, 'skip');
    assert.match(check(report, 'spot-interruption').summary, /Not a Spot Instance \(on-demand\)/);
    assert.equal(check(report, 'rebalance').status, 'skip');
  });

  it('rebalance recommendation: warn with the notice time', async () => {
    emulator.setScenario('rebalance', { noticeTime: '2030-01-01T00:00:00Z' });
    const rebalance = check(await doctorOn(emulator.url, home.dir), 'rebalance');
    assert.equal(rebalance.status, 'warn');
    assert.match(rebalance.summary, /notice 2030-01-01T00:00:00Z \(in \d+ d \d+ h\)/);
  });

  it('scheduled maintenance: active events warn with code and window; completed ones do not', async () => {
    emulator.setScenario('scheduled-events', { code: 'instance-retirement', notBefore: '2030-02-01T10:00:00Z', notAfter: '2030-02-01T12:00:00Z' });
    const report = await doctorOn(emulator.url, home.dir);
    const events = check(report, 'scheduled-events');
    assert.equal(events.status, 'warn');
    assert.match(events.summary, /1 scheduled event\(s\) pending: instance-retirement not before 1 Feb 2030 10:00:00 GMT/);
    assert.ok(events.evidence.some((line) => line.startsWith('instance-retirement instance-event-0d59937288b749b32: The instance is scheduled for retirement, not before 1 Feb 2030 10:00:00 GMT, not after 1 Feb 2030 12:00:00 GMT')));
    assert.deepEqual(events.commands, ["aws ec2 describe-instance-status --include-all-instances --instance-ids i-0123456789abcdef0 --query 'InstanceStatuses[].Events'"]);

    emulator.setScenario('scheduled-events', { state: 'completed' });
    assert.equal(check(await doctorOn(emulator.url, home.dir), 'scheduled-events').status, 'pass');
  });
});
