// `imds posture` and `imds enforce` end to end: a profile in (isolated) shared files, both local
// endpoints, the real SDK clients; exit codes as CI reads them; enforce with DryRun, confirmation,
// rollback file, and `enforce --rollback` restoring it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/imds';
import { parsePostureReport } from '../../../src/posture/report';
import { parseRollback } from '../../../src/posture/rollback';
import { FLEET_CREDENTIALS, startFleetWorld } from '../../support/fleet/world';
import { useAwsWorld } from '../../support/awsWorld';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(argv, { stdout: (data) => (stdout += data.toString()), stderr: (line) => stderr.push(line), env: process.env });
  return { code, stdout, stderr: stderr.join('\n') };
}

describe('imds posture / imds enforce', () => {
  const suite = useAwsWorld(() => startFleetWorld({ instances: 300, regions: 2, seed: 5, applyDelayMs: 20 }));
  let dir: string;
  let endpoints: string[];

  before(async () => {
    suite.aws.write(`[profile fleet]\nregion = ${suite.world.fleet.regions[0]}\n`, `[fleet]\naws_access_key_id = ${FLEET_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${FLEET_CREDENTIALS.secretAccessKey}\n`);
    endpoints = ['--ec2-endpoint', suite.world.ec2.url, '--cloudwatch-endpoint', suite.world.cloudWatch.url];
    dir = mkdtempSync(path.join(tmpdir(), 'imds-posture-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('posture prints a summary, exits 1 on findings, and the default Region is the profile\'s', async () => {
    const { code, stdout, stderr } = await cli(['posture', '--profile', 'fleet', ...endpoints]);
    assert.equal(code, 1, stderr);
    assert.match(stdout, new RegExp(`^${suite.world.fleet.regions[0]}: \\d+ instances`, 'm'));
    assert.doesNotMatch(stdout, new RegExp(`^${suite.world.fleet.regions[1]}:`, 'm'));
    assert.match(stdout, /Ready to require tokens\s+\d+/);
    assert.match(stdout, /still accept IMDSv1/);
  });

  it('posture --json --out writes the report enforce reads; --csv has one row per instance', async () => {
    const out = path.join(dir, 'posture.json');
    const json = await cli(['posture', '--profile', 'fleet', '--regions', suite.world.fleet.regions.join(','), '--days', '14', '--json', '--out', out, ...endpoints]);
    assert.equal(json.code, 1, json.stderr);
    const report = parsePostureReport(readFileSync(out, 'utf8'));
    assert.deepEqual(parsePostureReport(json.stdout).regions.map((r) => r.instances.length), report.regions.map((r) => r.instances.length));
    assert.equal(report.regions.reduce((n, r) => n + r.instances.length, 0), 300);
    const csv = await cli(['posture', '--profile', 'fleet', '--regions', 'all', '--csv', ...endpoints]);
    assert.equal(csv.stdout.trim().split('\n').length, 301);
    assert.match(csv.stdout.split('\n')[0], /^region,instance_id,name,state/);
  });

  it('usage errors exit 2 with the remedy', async () => {
    assert.match((await cli(['posture', '--days', '0', '--profile', 'fleet'])).stderr, /--days must be a whole number from 1 to 455/);
    const tokenless = await cli(['enforce', '--from', path.join(dir, 'posture.json'), '--only', 'needs-work']);
    assert.equal(tokenless.code, 2);
    assert.match(tokenless.stderr, /made tokenless calls.*--allow-tokenless/);
    assert.match((await cli(['enforce', '--from', path.join(dir, 'missing.json')])).stderr, /Cannot read .*imds posture --json --out/);
    assert.match((await cli(['posture', '--bogus', '--profile', 'fleet'])).stderr, /Unknown option --bogus/);
  });

  it('enforce --dry-run runs a DryRun per ready instance and changes nothing', async () => {
    const report = parsePostureReport(readFileSync(path.join(dir, 'posture.json'), 'utf8'));
    const ready = report.regions.flatMap((r) => r.instances).filter((i) => i.class === 'ready');
    const before = suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: true });
    const { code, stdout, stderr } = await cli(['enforce', '--from', path.join(dir, 'posture.json'), '--dry-run', '--rate', '100', ...endpoints]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`DryRun: ${ready.length} of ${ready.length} would succeed`));
    assert.equal(suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: true }) - before, ready.length);
    assert.equal(suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), 0);
  });

  it('enforce without --yes and without a terminal changes nothing', async () => {
    const { code, stderr } = await cli(['enforce', '--from', path.join(dir, 'posture.json'), '--rate', '100', ...endpoints]);
    assert.equal(code, 1);
    assert.match(stderr, /not confirmed, nothing changed/);
    assert.equal(suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), 0);
  });

  it('enforce --yes requires tokens on the ready instances, writes the rollback file, and --rollback restores it', async () => {
    const rollback = path.join(dir, 'rollback.json');
    const report = parsePostureReport(readFileSync(path.join(dir, 'posture.json'), 'utf8'));
    const ready = report.regions.flatMap((r) => r.instances).filter((i) => i.class === 'ready');
    const original = new Map(ready.map((i) => [i.instanceId, structuredClone(suite.world.ec2.store.get(i.region, i.instanceId)!.metadataOptions)]));
    const { code, stdout, stderr } = await cli(['enforce', '--from', path.join(dir, 'posture.json'), '--yes', '--rate', '100', '--rollback-out', rollback, ...endpoints]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`Changed ${ready.length} of ${ready.length}`));
    await suite.world.ec2.settled();
    for (const i of ready) assert.equal(suite.world.ec2.store.get(i.region, i.instanceId)!.metadataOptions.httpTokens, 'required');
    const file = parseRollback(readFileSync(rollback, 'utf8'));
    assert.equal(file.instances.length, ready.length);
    assert.ok(file.instances.every((e) => e.status === 'applied'));

    const again = await cli(['enforce', '--rollback', rollback, '--yes', '--rate', '100', ...endpoints]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Restored ${ready.length} of ${ready.length}`));
    await suite.world.ec2.settled();
    for (const i of ready) assert.deepEqual(suite.world.ec2.store.get(i.region, i.instanceId)!.metadataOptions, original.get(i.instanceId));
    assert.match((await cli(['enforce', '--rollback', rollback, '--yes', '--rate', '100', ...endpoints])).stdout, /Nothing to restore/);
  });

  it('posture exits 0 when every instance requires tokens', async () => {
    const all = await startFleetWorld({ instances: 20, regions: 1, seed: 2, mix: { required: 1, ready: 0, 'needs-work': 0, disabled: 0, stopped: 0, new: 0, 'no-metrics': 0 } });
    try {
      const { code, stdout } = await cli(['posture', '--profile', 'fleet', '--regions', all.fleet.regions[0], '--ec2-endpoint', all.ec2.url, '--cloudwatch-endpoint', all.cloudWatch.url]);
      assert.equal(code, 0);
      assert.match(stdout, /All 20 instances require tokens/);
    } finally {
      await all.close();
    }
  });
});
