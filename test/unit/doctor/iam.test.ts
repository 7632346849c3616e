// The IAM checks along the emulator's "role just attached" timeline, each stage pinned (a delay of
// 0 s or 600 s) so the verdict never depends on timing: no role → role info but no credentials →
// credentials served. Plus credentials in a bad state, the secrets that must never show, and the
// myth that must never be repeated.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import type { DoctorReport } from '../../../src/doctor';
import { allText, check, doctorOn, emptyHome, emulatorAndHome, joined } from './helpers';

const ROLE = 'ImdsExplorerDemoRole';
const CREDS = `meta-data/iam/security-credentials/${ROLE}`;

describe('doctor: IAM role just attached, stage by stage', () => {
  let emulator: Emulator;
  const home = emulatorAndHome({ imdsv2: 'required' }, (started) => (emulator = started));
  const reports: DoctorReport[] = [];
  const run = async () => {
    const report = await doctorOn(emulator.url, home.dir);
    reports.push(report);
    return report;
  };

  it('stage 0, no role yet: iam/info 404 → "no role attached", with the associate command; credential checks skipped', async () => {
    emulator.setScenario('iam-role-attach', { infoAfterSeconds: 600, credentialsAfterSeconds: 600 });
    const report = await run();
    const role = check(report, 'iam-role');
    assert.equal(role.status, 'info');
    assert.match(role.summary, /No IAM role is attached to this instance \(iam\/info answers 404\)/);
    assert.deepEqual(role.evidence, ['/latest/meta-data/iam/info → 404']);
    assert.match(joined(role), /If you attached one moments ago, it shows up here within seconds/);
    assert.ok(role.commands?.[0].startsWith('aws ec2 associate-iam-instance-profile --instance-id i-0123456789abcdef0'));
    assert.equal(check(report, 'iam-credentials').status, 'skip');
    assert.equal(check(report, 'iam-cached-credentials').status, 'skip');
    assert.equal(check(report, 'credential-chain').status, 'info', 'nothing shadows, and there is no role to shadow');
  });

  it('stage 1, role attached but credentials not yet there: iam/info present, security-credentials/ 404 → warn, wait and rerun', async () => {
    emulator.setScenario('iam-role-attach', { infoAfterSeconds: 0, credentialsAfterSeconds: 600 });
    const report = await run();
    const role = check(report, 'iam-role');
    assert.equal(role.status, 'pass');
    assert.match(role.summary, /instance-profile\/ImdsExplorerDemoRole/);
    assert.ok(role.evidence.some((line) => /^LastUpdated \S+Z \((now|\d+ s ago)\)$/.test(line)), `LastUpdated is the moment of association: ${role.evidence.join(' | ')}`);
    const creds = check(report, 'iam-credentials');
    assert.equal(creds.status, 'warn');
    assert.match(creds.summary, /Role attached but credentials not yet there/);
    assert.ok(creds.evidence.includes('/latest/meta-data/iam/security-credentials/ → 404'));
    assert.match(joined(creds), /serves the credentials a few seconds later: wait a little and run the doctor again/);
    assert.deepEqual(creds.commands, ['aws iam get-instance-profile --instance-profile-name ImdsExplorerDemoRole']);
    assert.equal(check(report, 'iam-cached-credentials').status, 'info');
  });

  it('stage 2, credentials served: Code, LastUpdated, Expiration with time left; the cached-credentials explanation', async () => {
    emulator.setScenario('iam-role-attach', { infoAfterSeconds: 0, credentialsAfterSeconds: 0 });
    const report = await run();
    const creds = check(report, 'iam-credentials');
    assert.equal(creds.status, 'pass');
    assert.match(creds.summary, /Credentials for role ImdsExplorerDemoRole are served: Code Success, valid for (5 h 59 min|6 h 0 min) more/);
    for (const pattern of [/^Code Success$/, /^Type AWS-HMAC$/, /^LastUpdated \S+Z \(/, /^Expiration \S+Z \(in (5 h 59 min|6 h 0 min)\)$/, /^AccessKeyId \*{16}[A-Z0-9]{4} \(compare with the access_key line of aws configure list\)$/]) {
      assert.ok(creds.evidence.some((line) => pattern.test(line)), `evidence matches ${pattern}: ${creds.evidence.join(' | ')}`);
    }
    const cached = check(report, 'iam-cached-credentials');
    assert.equal(cached.status, 'info');
    assert.match(cached.summary, /These credentials were issued \d+ s ago: if the role was attached about then, programs that started earlier may still use cached credentials/);
    const text = joined(cached);
    assert.match(text, /sudo systemctl restart amazon-ssm-agent/);
    assert.match(text, /aws configure list shows where it takes them from/);
    assert.match(text, /not by a process on the instance/);
    assert.deepEqual(cached.commands, ['aws configure list', 'aws sts get-caller-identity', 'sudo systemctl restart amazon-ssm-agent']);
    // The key tail lets a person match IMDS's key with what `aws configure list` shows.
    const served = JSON.parse(emulator.getValue(CREDS)!.toString('utf8')) as { AccessKeyId: string };
    assert.ok(cached.evidence.includes(`IMDS serves AccessKeyId ****************${served.AccessKeyId.slice(-4)}`));
  });

  it('never shows a secret: no SecretAccessKey, session Token or whole AccessKeyId in any rendering', async () => {
    emulator.setScenario('none');
    const report = await run();
    const served = JSON.parse(emulator.getValue(CREDS)!.toString('utf8')) as Record<string, string>;
    const text = allText(report);
    assert.ok(served.SecretAccessKey.length > 20 && served.Token.length > 100);
    assert.equal(text.includes(served.SecretAccessKey), false);
    assert.equal(text.includes(served.Token), false);
    assert.equal(text.includes(served.AccessKeyId), false);
    assert.ok(text.includes(served.AccessKeyId.slice(-4)));
  });

  // The next tests replace the served credentials; removing them afterwards leaves the role with none.
  it('credentials with a failure Code fail the check and say what to look at', async () => {
    emulator.setScenario('none');
    const now = Date.now();
    emulator.setValue(CREDS, JSON.stringify({ Code: 'AssumeRoleUnauthorizedAccess', LastUpdated: new Date(now).toISOString(), Message: 'not authorized' }));
    try {
      const report = await run();
      const creds = check(report, 'iam-credentials');
      assert.equal(creds.status, 'fail');
      assert.match(creds.summary, /Code AssumeRoleUnauthorizedAccess/);
      assert.match(joined(creds), /trust policy lets ec2\.amazonaws\.com assume it/);
    } finally {
      emulator.setValue(CREDS, undefined);
    }
  });

  it('expired credentials fail; credentials about to expire without rotation warn', async () => {
    const doc = (expiresInMs: number) =>
      JSON.stringify({ Code: 'Success', LastUpdated: new Date(Date.now() - 3_600_000).toISOString(), Type: 'AWS-HMAC', AccessKeyId: 'ASIAEXAMPLEKEY0000', SecretAccessKey: 'x', Token: 'y', Expiration: new Date(Date.now() + expiresInMs).toISOString() });
    try {
      emulator.setValue(CREDS, doc(-120_000));
      let creds = check(await run(), 'iam-credentials');
      assert.equal(creds.status, 'fail');
      assert.match(creds.summary, /expired 2 min( \d+ s)? ago/);
      emulator.setValue(CREDS, doc(120_000));
      creds = check(await run(), 'iam-credentials');
      assert.equal(creds.status, 'warn');
      assert.match(creds.summary, /expire in (1 min \d+ s|2 min), yet IMDS has not rotated them/);
    } finally {
      emulator.setValue(CREDS, undefined);
    }
  });

  it('never repeats the myth that restarting ec2-instance-connect restarts IMDS, in any report of this suite', () => {
    assert.ok(reports.length >= 6);
    let denials = 0;
    for (const report of reports) {
      const text = allText(report);
      assert.equal(/ec2-instance-connect/i.test(text), false, 'the report never names ec2-instance-connect');
      // Any sentence about restarting and IMDS must deny that a restart on the instance changes IMDS.
      for (const sentence of text.split(/(?<=[.!?])\s+|\n/)) {
        if (/restart/i.test(sentence) && /\b(IMDS|metadata service)\b/i.test(sentence)) {
          assert.match(sentence, /\b(not|no|nothing)\b/, `a sentence links a restart to IMDS without denying it: ${sentence}`);
          denials++;
        }
      }
    }
    assert.ok(denials > 0, 'the true explanation (a restart on the instance does not change IMDS) is in the reports');
  });
});

describe('doctor: IAM role just attached, the live timeline', () => {
  let live: Emulator;
  const home = emptyHome();
  before(async () => {
    live = await startEmulator({ imdsv2: 'required', scenario: 'iam-role-attach', scenarioOptions: { infoAfterSeconds: 1, credentialsAfterSeconds: 4 } });
  });
  after(async () => {
    await live?.close();
    home.remove();
  });

  it('the live timeline, polled: the doctor sees no role, then role without credentials, then credentials, in that order', async () => {
    const stageOf = (report: DoctorReport) =>
      check(report, 'iam-role').status === 'info' ? 0 : check(report, 'iam-credentials').status === 'warn' ? 1 : check(report, 'iam-credentials').status === 'pass' ? 2 : -1;
    const seen: number[] = [];
    const deadline = Date.now() + 20_000;
    while (seen.at(-1) !== 2 && Date.now() < deadline) {
      const stage = stageOf(await doctorOn(live.url, home.dir, { throttleSample: 0 }));
      if (seen.at(-1) !== stage) seen.push(stage);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(seen, [0, 1, 2]);
  });
});
