// The view's data side at fleet scale (no level above 250 items, search by Name/id/tag, counts),
// the tokenless-calls chart, and CSV cells that a spreadsheet cannot run as formulas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenlessChartSvg } from '../../../src/posture/chart';
import { PAGE_SIZE, PostureModel } from '../../../src/posture/model';
import { csvCell, parsePostureReport, renderPostureCsv } from '../../../src/posture/report';
import { CLASS_ORDER, emptyCounts, type PostureClass, type PostureInstance, type PostureReport } from '../../../src/posture/types';

function report(n: number): PostureReport {
  const classes: PostureClass[] = ['required', 'ready', 'needs-work', 'stopped'];
  const instances: PostureInstance[] = Array.from({ length: n }, (_, i) => ({
    instanceId: `i-${i.toString(16).padStart(17, '0')}`,
    region: 'eu-west-1',
    name: `web-${i % 3 === 0 ? 'prod' : 'dev'}-${i}`,
    tags: { Team: i % 2 ? 'payments' : 'data' },
    state: 'running',
    instanceType: 't3.micro',
    platform: 'Linux/UNIX',
    class: classes[i % 4],
    evidence: 'e',
    ...(i % 4 === 2 ? { noToken: { daysWithData: 14, total: i, nonZeroDays: [['2026-12-01', i]] as [string, number][] } } : {}),
  }));
  const counts = emptyCounts();
  for (const i of instances) counts[i.class] += 1;
  return { kind: 'imds-posture', version: 1, generatedAt: '2026-12-03T00:00:00Z', days: 14, windowStart: '2026-11-20T00:00:00.000Z', windowEnd: '2026-12-03T09:00:00Z', regions: [{ region: 'eu-west-1', counts, instances }] };
}

describe('posture view model', () => {
  it('10,000 instances: no level holds more than 250 items, and the pages cover every instance once', () => {
    const model = new PostureModel(report(10_000));
    assert.equal(model.regions()[0].total, 10_000);
    let covered = 0;
    for (const cls of CLASS_ORDER) {
      const pages = model.pages('eu-west-1', cls);
      assert.ok(pages.length <= Math.ceil(2500 / PAGE_SIZE));
      for (const page of pages) {
        assert.ok(page.end - page.start <= PAGE_SIZE);
        covered += page.end - page.start;
      }
    }
    assert.equal(covered, 10_000);
  });

  it('needs work is sorted by tokenless calls, most first', () => {
    const list = new PostureModel(report(100)).instances('eu-west-1', 'needs-work');
    assert.ok(list.every((item, k) => k === 0 || (list[k - 1].noToken?.total ?? 0) >= (item.noToken?.total ?? 0)));
  });

  it('search matches Name, instance id and tags, and the counts follow it', () => {
    const model = new PostureModel(report(400));
    model.setFilter('PROD');
    assert.equal(model.totalMatching, Math.ceil(400 / 3));
    model.setFilter('i-00000000000000010');
    assert.equal(model.totalMatching, 1);
    model.setFilter('team=payments');
    assert.equal(model.totalMatching, 200);
    assert.equal(model.regions()[0].counts.ready + model.regions()[0].counts['needs-work'] + model.regions()[0].counts.required + model.regions()[0].counts.stopped, 200);
    model.setFilter('');
    assert.equal(model.totalMatching, 400);
  });

  it('the chart has one bar slot per day, the day\'s count in its title, and escapes the title', () => {
    const svg = tokenlessChartSvg({ daysWithData: 14, total: 30, nonZeroDays: [['2026-11-22', 10], ['2026-12-01', 20]] }, '2026-11-20T00:00:00.000Z', 14, { title: '<b>&' });
    assert.equal((svg.match(/<rect /g) ?? []).length, 14);
    assert.match(svg, /<title>2026-11-22: 10 tokenless calls<\/title>/);
    assert.match(svg, /<title>2026-12-01: 20 tokenless calls<\/title>/);
    assert.doesNotMatch(svg, /<b>/);
  });

  it('CSV cells never start a formula and quote what needs quoting; the report file round-trips', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('a,b'), '"a,b"');
    const r = report(10);
    assert.equal(renderPostureCsv(r.regions[0].instances).trim().split('\n').length, 11);
    assert.deepEqual(parsePostureReport(JSON.stringify(r)), r);
    assert.throws(() => parsePostureReport('{"kind":"x"}'), /not an IMDS posture report.*imds posture --json/);
  });
});
