// The doctor on a snapshot: what the SSM source gives (one Run Command reads the tree on the
// instance and returns it), or a saved file. Transport checks are skipped with the reason; the
// content checks run from the recorded statuses. The SSM transport itself is another module's:
// here a MetadataSource of kind `ssm` hands over a snapshot that a real client read from the
// emulator, which is exactly the shape the SSM source returns.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsSource } from '../../../src/sources/imdsSource';
import { buildSnapshot } from '../../../src/imds/snapshot';
import type { MetadataSource, Snapshot } from '../../../src/imds/types';
import { runDoctor, targetFromSource } from '../../../src/doctor';
import { allText, check, emptyHome } from './helpers';
import { startSsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

/** A MetadataSource of kind ssm whose snapshots come from `inner` (as the script on the instance reads them). */
function ssmLike(inner: ImdsSource, label = 'ssm i-0123456789abcdef0 eu-west-1'): MetadataSource {
  return {
    id: 'ssm:test',
    label,
    kind: 'ssm',
    list: (p) => inner.list(p),
    get: (p) => inner.get(p),
    snapshot: async (options) => ({ ...(await inner.snapshot(options)), source: label }),
  };
}

describe('doctor: from an SSM snapshot', () => {
  let emulator: Emulator;
  let inner: ImdsSource;
  const home = emptyHome();
  before(async () => {
    emulator = await startEmulator({ imdsv2: 'required' });
    inner = new ImdsSource({ kind: 'emulator', endpoint: emulator.url, env: {} });
  });
  after(async () => {
    await inner?.dispose();
    await emulator?.close();
    home.remove();
  });

  it('skips transport-specific checks with the reason, runs IAM / user data / events from recorded statuses', async () => {
    const target = targetFromSource(ssmLike(inner));
    assert.equal(target.kind, 'snapshot');
    const before = emulator.stats.requests;
    const report = await runDoctor(target, { env: {}, homeDir: home.dir });
    assert.ok(emulator.stats.requests > before, 'the source took one snapshot');
    assert.deepEqual(report.exchanges, [], 'the doctor itself made no HTTP exchange');
    const location = check(report, 'location');
    assert.match(location.summary, /^Ran through SSM Run Command on i-0123456789abcdef0: the checks read the snapshot's recorded statuses/);
    assert.match(report.ranOn, /^through SSM Run Command on i-0123456789abcdef0, from a snapshot taken at /);
    for (const id of ['reach-ipv4', 'reach-ipv6', 'imdsv1', 'hop-limit', 'throttling'] as const) {
      assert.equal(check(report, id).status, 'skip', id);
      assert.match(check(report, id).summary, /The SSM source reads IMDS through a script on the instance: the snapshot records statuses and values, not the HTTP exchanges/);
    }
    for (const id of ['env-imds', 'credential-chain'] as const) {
      assert.equal(check(report, id).status, 'skip');
      assert.match(check(report, id).summary, /not visible through SSM snapshots/);
    }
    assert.equal(check(report, 'imds-enabled').status, 'pass');
    const token = check(report, 'imdsv2-token');
    assert.equal(token.status, 'pass');
    assert.match(token.evidence[0], /imdsMode v2, 1 token request/);
    assert.equal(check(report, 'iam-role').status, 'pass');
    const creds = check(report, 'iam-credentials');
    assert.equal(creds.status, 'pass');
    assert.ok(creds.evidence.some((line) => line === '/latest/meta-data/iam/security-credentials/ImdsExplorerDemoRole → 200 (recorded)'));
    assert.equal(check(report, 'user-data-size').status, 'pass');
    assert.equal(check(report, 'spot-interruption').status, 'skip');
    assert.equal(check(report, 'scheduled-events').status, 'pass');
    assert.equal(report.instanceId, 'i-0123456789abcdef0');
    assert.ok(!allText(report).includes('IQoJb3JpZ2luX2Vj'), 'the masked snapshot leaks no session token');
  });

  it('a role attached without credentials yet shows from the recorded 404 alone', async () => {
    emulator.setScenario('iam-role-attach', { infoAfterSeconds: 0, credentialsAfterSeconds: 600 });
    try {
      const snapshot = await ssmLike(inner).snapshot();
      const report = await runDoctor({ kind: 'snapshot', where: 'ssm', label: snapshot.source, snapshot }, { env: {}, homeDir: home.dir });
      const creds = check(report, 'iam-credentials');
      assert.equal(creds.status, 'warn');
      assert.match(creds.summary, /Role attached but credentials not yet there/);
      assert.match(creds.evidence[0], /^\/latest\/meta-data\/iam\/security-credentials\/ → 404 \(not in the recorded listing of \/latest\/meta-data\/iam\/\)$/);
    } finally {
      emulator.setScenario('none');
    }
  });

  it('a spot interruption recorded in the snapshot is reported with its time', async () => {
    emulator.setScenario('spot-interruption', { time: '2031-05-05T05:05:05Z' });
    try {
      const snapshot = await ssmLike(inner).snapshot();
      const report = await runDoctor({ kind: 'snapshot', where: 'file', label: 'saved.json', snapshot }, { env: {}, homeDir: home.dir });
      const spot = check(report, 'spot-interruption');
      assert.equal(spot.status, 'warn');
      assert.match(spot.summary, /will terminate this instance at 2031-05-05T05:05:05Z/);
      assert.match(check(report, 'location').summary, /^Ran from the saved snapshot saved\.json/);
      assert.match(check(report, 'reach-ipv4').summary, /^A saved snapshot: /);
    } finally {
      emulator.setScenario('none');
    }
  });

  it('a snapshot whose root answered 403 says IMDS is off on the instance', async () => {
    const snapshot: Snapshot = buildSnapshot({ source: 'ssm i-0aaaabbbbccccdddd0 eu-west-1', root: '/latest/', entries: [{ path: '/latest/', kind: 'error', status: 403, error: 'IMDS is turned off or access is denied (403) (/latest/)' }] });
    const report = await runDoctor({ kind: 'snapshot', where: 'ssm', label: snapshot.source, snapshot }, { env: {}, homeDir: home.dir });
    const enabled = check(report, 'imds-enabled');
    assert.equal(enabled.status, 'fail');
    assert.deepEqual(enabled.commands, ['aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-endpoint enabled']);
    assert.match(check(report, 'iam-role').summary, /Could not read iam\/info: \/latest\/meta-data\/iam\/info → 403 \(recorded for \/latest\/\)/);
  });

  it('a source that cannot take a snapshot fails the location check and skips the rest', async () => {
    emulator.setEnabled(false);
    try {
      const report = await runDoctor(targetFromSource(ssmLike(inner)), { env: {}, homeDir: home.dir });
      const location = check(report, 'location');
      assert.equal(location.status, 'fail');
      assert.match(location.summary, /Could not read a snapshot from ssm i-0123456789abcdef0 eu-west-1: .*403/);
      assert.match(location.advice.join('\n'), /--http-endpoint enabled/, 'the error\'s own remedy, not a generic one');
      assert.equal(report.counts.skip, report.checks.length - 1);
      assert.equal(report.verdict, 'fail');
    } finally {
      emulator.setEnabled(true);
    }
  });
});

describe('doctor: through the real SsmSource (local SSM endpoint → script on the "instance" → emulator)', () => {
  const suite = useAwsWorld(() => startSsmWorld({ emulator: { imdsv2: 'required' } }));
  const home = emptyHome();
  after(() => home.remove());

  it('one SendCommand, then the IAM stage read from the recorded statuses; transport checks skipped', async () => {
    suite.world.emulator.setScenario('iam-role-attach', { infoAfterSeconds: 0, credentialsAfterSeconds: 600 });
    const source = suite.world.source();
    const sent = suite.world.endpoint.countOf('SendCommand');
    const report = await runDoctor(targetFromSource(source), { env: {}, homeDir: home.dir });
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sent + 1);
    assert.equal(report.target.where, 'ssm');
    assert.match(report.ranOn, /^through SSM Run Command on i-0123456789abcdef0, from a snapshot taken at /);
    assert.equal(check(report, 'imdsv2-token').status, 'pass', 'the script on the instance used a token');
    assert.equal(check(report, 'hop-limit').status, 'skip');
    assert.equal(check(report, 'iam-role').status, 'pass');
    const creds = check(report, 'iam-credentials');
    assert.equal(creds.status, 'warn');
    assert.match(creds.summary, /Role attached but credentials not yet there/);
  });

  it('the location check says which SSM transport served the snapshot, and why auto fell back', async () => {
    const viaSession = await runDoctor(targetFromSource(suite.world.source({ transport: 'auto' })), { env: {}, homeDir: home.dir });
    assert.match(viaSession.ranOn, /^through SSM Session Manager session on i-0123456789abcdef0/);
    assert.ok(check(viaSession, 'location').evidence.includes('transport: Session Manager session'));
    suite.world.endpoint.setSessionDocumentMissing(true);
    try {
      const fellBack = await runDoctor(targetFromSource(suite.world.source({ transport: 'auto' })), { env: {}, homeDir: home.dir });
      assert.match(fellBack.ranOn, /^through SSM Run Command on /);
      assert.ok(check(fellBack, 'location').evidence.some((e) => /^transport: Run Command \(fell back from a session: .*AWS-StartNonInteractiveCommand is not available/.test(e)),
        check(fellBack, 'location').evidence.join('\n'));
    } finally {
      suite.world.endpoint.setSessionDocumentMissing(false);
    }
  });
});
