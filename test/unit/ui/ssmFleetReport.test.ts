// The document "IMDS: Compare SSM Fleet…" opens, built from real snapshots of emulators that differ
// in a few values: only the differing paths are rows, one column per instance, secrets stay masked,
// failures and skipped instances are listed with why.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { SECRET_MASK } from '../../../src/imds/secrets';
import type { Snapshot } from '../../../src/imds/types';
import { compareFleet, type FleetCell } from '../../../src/sources/ssm/instances';
import { CELL_MAX, fleetReportMarkdown, fleetSummary, parseTag } from '../../../src/ui/ssmFleetReport';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';

describe('SSM fleet comparison document', () => {
  const emulators: Emulator[] = [];
  const snapshots = new Map<string, Snapshot>();

  before(async () => {
    for (const [n, id] of [A, B].entries()) {
      const emulator = await startEmulator({});
      emulator.setValue('/latest/meta-data/instance-type', n === 0 ? 't3.micro' : 'm5.large');
      emulator.setValue('/latest/meta-data/tags/instance/Note', n === 0 ? 'a|b' : 'x'.repeat(200));
      if (n === 1) emulator.setValue('/latest/meta-data/tags/instance/Canary', 'true');
      emulators.push(emulator);
      const client = new ImdsClient({ endpoint: emulator.url, env: {} });
      try {
        snapshots.set(id, await client.snapshot());
      } finally {
        await client.close();
      }
    }
  });
  after(async () => {
    await Promise.all(emulators.map((e) => e.close()));
  });

  const input = () => ({
    comparison: compareFleet(snapshots),
    failed: [{ instanceId: 'i-0ccccccccccccccc3', message: 'The snapshot script failed on i-0ccccccccccccccc3 (exit 1).' }],
    skipped: [{ instanceId: 'i-0ddddddddddddddd4', reason: 'agent not connected' }],
    target: `${A}, ${B}`,
    region: 'eu-west-1',
    profile: 'ops',
    commandsSent: 1,
    elapsedMs: 1234,
    names: new Map([[A, 'web-1']]),
  });

  it('has one row per differing path, one column per instance, and no row for equal paths', () => {
    const { markdown } = fleetReportMarkdown(input());
    const lines = markdown.split('\n');
    const header = lines.find((l) => l.startsWith('| Path |'));
    assert.equal(header, `| Path | ${A} (web-1) | ${B} |`);
    assert.ok(lines.includes('| `/latest/meta-data/instance-type` | `t3.micro` | `m5.large` |'), markdown);
    assert.ok(lines.includes('| `/latest/meta-data/tags/instance/Canary` | *absent* | `true` |'), markdown);
    assert.ok(!markdown.includes('/latest/meta-data/ami-id'), 'equal values are not rows');
    assert.ok(!markdown.includes('| `/latest/meta-data/` |'), 'directories are compared through their children');
  });

  it('keeps cells on one line: pipes escaped, long values cut with a note', () => {
    const { markdown } = fleetReportMarkdown(input());
    const row = markdown.split('\n').find((l) => l.startsWith('| `/latest/meta-data/tags/instance/Note`'))!;
    assert.ok(row.includes('| `a\\|b` |'), row);
    assert.ok(row.includes(`\`${'x'.repeat(CELL_MAX - 1)}…\``), row);
    assert.match(markdown, new RegExp(`Values longer than ${CELL_MAX} characters are cut`));
  });

  it('cuts long documents around where they first differ, so the difference shows', () => {
    const { markdown } = fleetReportMarkdown(input());
    const row = markdown.split('\n').find((l) => l.startsWith('| `/latest/dynamic/instance-identity/document`'));
    assert.ok(row, 'the identity document differs (its instanceType follows meta-data)');
    const [, a, b] = row.split(/ \| (?=`|\*)/);
    assert.match(a, /^`….*"instanceType" ?: ?"t3\.micro".*…` ?$/);
    assert.match(b, /^`….*"instanceType" ?: ?"m5\.large".*…` \|$/);
  });

  it('says what differs in a summary line and lists failed and skipped instances with why', () => {
    const data = input();
    const { markdown, summary } = fleetReportMarkdown(data);
    assert.equal(summary, `${data.comparison.differing.length} paths differ across 2 instances; ${data.comparison.sameCount} are the same; 1 failed, 1 skipped.`);
    assert.ok(markdown.includes(`**${summary}**`));
    assert.match(markdown, /Target: i-0a.*, i-0b.* · eu-west-1 · profile ops · 1 SendCommand · 1\.2 s/);
    assert.match(markdown, /## Not compared: the snapshot failed\n\n- `i-0ccccccccccccccc3`: The snapshot script failed/);
    assert.match(markdown, /## Not sent the command\n\n- `i-0ddddddddddddddd4`: agent not connected/);
  });

  it('never shows a secret: credentials are compared masked', async () => {
    const { markdown } = fleetReportMarkdown(input());
    const path = '/latest/meta-data/iam/security-credentials/ImdsExplorerDemoRole';
    const row = compareFleet(snapshots).differing.find((r) => r.path === path);
    assert.ok(row, 'the credentials differ (each emulator has its own keys)');
    for (const [n, emulator] of emulators.entries()) {
      const real = JSON.parse(await (await fetch(`${emulator.url}${path}`)).text()) as Record<string, string>;
      assert.notEqual(real.SecretAccessKey, SECRET_MASK);
      const cell: FleetCell = row.cells[n];
      assert.ok(cell.kind === 'value', 'the credentials are a value on both');
      assert.equal((JSON.parse(cell.value) as Record<string, string>).SecretAccessKey, SECRET_MASK);
      assert.ok(!markdown.includes(real.SecretAccessKey) && !markdown.includes(real.Token), 'no secret in the document');
    }
  });

  it('says so when nothing differs or only one instance answered', () => {
    const same = compareFleet(new Map([[A, snapshots.get(A)!], ['i-0eeeeeeeeeeeeeee5', snapshots.get(A)!]]));
    assert.equal(fleetSummary({ comparison: same, failed: [], skipped: [] }), `All 2 instances agree on every path (${same.sameCount}).`);
    const { markdown } = fleetReportMarkdown({ ...input(), comparison: same, failed: [], skipped: [] });
    assert.ok(!markdown.includes('| Path |'), 'no empty table');
    const one = compareFleet(new Map([[A, snapshots.get(A)!]]));
    assert.equal(fleetSummary({ comparison: one, failed: [{ instanceId: B, message: 'x' }], skipped: [] }), '1 instance answered: nothing to compare; 1 failed.');
  });

  it('reads a tag as Key=Value', () => {
    assert.deepEqual(parseTag(' Env = prod '), { key: 'Env', value: 'prod' });
    assert.deepEqual(parseTag('k=a=b'), { key: 'k', value: 'a=b' });
    assert.equal(parseTag('Env'), undefined);
    assert.equal(parseTag('=prod'), undefined);
    assert.equal(parseTag('Env='), undefined);
  });
});
