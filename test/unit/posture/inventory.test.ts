// The inventory end to end against both local endpoints with the real SDK clients: every instance
// of a seeded two-Region fleet lands in the class its generator meant, with the calls the issue
// budgets (DescribeInstances ceil(N/1000) per Region, GetMetricData ceil(N/500) + Regions).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FleetConnection } from '../../../src/posture/fleet';
import { takePosture } from '../../../src/posture/fleet';
import { exitCodeOf, renderPostureCsv, renderPostureText } from '../../../src/posture/report';
import type { PostureClass } from '../../../src/posture/types';
import type { FleetProfile } from '../../support/fleet/generate';
import { startFleetWorld } from '../../support/fleet/world';
import { useAwsWorld } from '../../support/awsWorld';

const EXPECTED: Record<FleetProfile, PostureClass> = {
  required: 'required',
  ready: 'ready',
  'needs-work': 'needs-work',
  disabled: 'disabled',
  stopped: 'stopped',
  new: 'no-data',
  'no-metrics': 'no-data',
};

describe('posture inventory', () => {
  const suite = useAwsWorld(() => startFleetWorld({ instances: 2500, regions: 2, seed: 17 }));
  let fleet: FleetConnection;

  before(async () => {
    fleet = await suite.world.connect();
  });

  it('classifies every instance as the fleet meant it, within the call budget', async () => {
    const calls = { DescribeInstances: 0, GetMetricData: 0, GetInstanceMetadataDefaults: 0, DescribeRegions: 0 };
    let firstRowsAt = 0;
    const started = Date.now();
    const report = await takePosture(fleet, { regions: suite.world.fleet.regions, days: 14, onCall: (kind) => (calls[kind] += 1), onRows: () => (firstRowsAt ||= Date.now()) });
    assert.equal(report.regions.length, 2);
    const byId = new Map(report.regions.flatMap((r) => r.instances).map((i) => [i.instanceId, i]));
    assert.equal(byId.size, 2500);
    for (const generated of suite.world.fleet.instances) {
      const got = byId.get(generated.instanceId);
      assert.equal(got?.class, EXPECTED[generated.profile], `${generated.instanceId} (${generated.profile}): ${got?.evidence}`);
      assert.equal(got?.region, generated.region);
      assert.equal(got?.name, generated.tags.Name);
    }
    // 1,250 per Region: 2 pages each; ≤ 1 query per instance.
    assert.equal(calls.DescribeInstances, 4);
    assert.equal(suite.world.ec2.countOf('DescribeInstances'), 4);
    assert.ok(calls.GetMetricData <= Math.ceil(2500 / 500) + 2, `GetMetricData calls: ${calls.GetMetricData}`);
    assert.equal(calls.GetMetricData, suite.world.cloudWatch.countOf('GetMetricData'));
    assert.equal(calls.GetInstanceMetadataDefaults, 2);
    assert.ok(firstRowsAt > 0 && firstRowsAt - started <= Date.now() - started);
    // Defaults as the fleet set them: the first Region requires tokens for new instances.
    assert.equal(report.regions[0].defaults?.httpTokens, 'required');
    assert.deepEqual(report.regions[1].defaults, {});
    // Counts add up per Region.
    for (const region of report.regions) assert.equal(Object.values(region.counts).reduce((a, b) => a + b, 0), region.instances.length);
    assert.equal(exitCodeOf(report), 1);
    const text = renderPostureText(report);
    assert.match(text, /still accept IMDSv1/);
    assert.match(text, /evidence, not proof/);
    const csv = renderPostureCsv(report.regions.flatMap((r) => r.instances));
    assert.equal(csv.trim().split('\n').length, 2501);
  });

  it('"all" Regions come from DescribeRegions', async () => {
    const report = await takePosture(fleet, { regions: 'all', days: 7 });
    assert.deepEqual(report.regions.map((r) => r.region), [...suite.world.fleet.regions].sort());
    assert.equal(suite.world.ec2.countOf('DescribeRegions'), 1);
  });

  it('a Region that cannot be read becomes an error entry with the remedy; the other still reports; exit 2', async () => {
    suite.world.ec2.deny('ec2:DescribeInstances');
    try {
      const report = await takePosture(fleet, { regions: [suite.world.fleet.regions[0]], days: 14 });
      assert.match(report.regions[0].error ?? '', /not allowed to call ec2:DescribeInstances.*Add ec2:DescribeInstances to its IAM policy/);
      assert.equal(exitCodeOf(report), 2);
    } finally {
      suite.world.ec2.allow('ec2:DescribeInstances');
    }
  });

  it('a CloudWatch permission error names cloudwatch:GetMetricData', async () => {
    suite.world.cloudWatch.failNext('GetMetricData', { code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/t is not authorized to perform: cloudwatch:GetMetricData', status: 403 }, 1);
    const report = await takePosture(fleet, { regions: [suite.world.fleet.regions[1]], days: 14, regionConcurrency: 1 });
    assert.match(report.regions[0].error ?? '', /cloudwatch:GetMetricData/);
  });

  it('refuses a window CloudWatch cannot answer, with the range', async () => {
    await assert.rejects(takePosture(fleet, { regions: ['eu-west-1'], days: 0 }), /from 1 to 455/);
  });
});
