// The three forms of a report (Markdown, terminal text, JSON) and `imds doctor` through the real
// CLI entry point, against the emulator.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { main } from '../../../src/cli/imds';
import { escapeMarkdown, renderReportMarkdown, renderReportText, type DoctorReport } from '../../../src/doctor';
import { renderReportHtml } from '../../../src/ui/doctorHtml';
import { doctorOn, emptyHome, emulatorAndHome } from './helpers';

describe('doctor: renderers', () => {
  let emulator: Emulator;
  let report: DoctorReport;
  const home = emptyHome();
  before(async () => {
    emulator = await startEmulator({});
    emulator.setFaults({ containerSources: ['127.0.0.1'] });
    report = await doctorOn(emulator.url, home.dir);
  });
  after(async () => {
    await emulator?.close();
    home.remove();
  });

  it('Markdown: verdict, a summary table row per check, sections with evidence, advice and fenced commands', () => {
    const md = renderReportMarkdown(report);
    assert.match(md, /^# IMDS doctor\n\n\*\*Problems found\*\* — 2 fail, /);
    const rows = md.split('\n').filter((line) => /^\| (✅|⚠️|❌|ℹ️|⏭️) /.test(line));
    assert.equal(rows.length, report.checks.length);
    assert.match(md, /### ❌ FAIL — PUT response hop limit\n\nHop limit too low/);
    assert.match(md, /\*\*Evidence\*\*\n\n- PUT \/latest\/api\/token → connected, but no answer/);
    assert.match(md, /```sh\naws ec2 modify-instance-metadata-options --instance-id i-0123456789abcdef0 --http-put-response-hop-limit 2\naws ec2 describe-instances/);
  });

  it('Markdown escapes what would otherwise format or inject', () => {
    assert.equal(escapeMarkdown('a|b <img src=x> *c* [d](e)'), 'a\\|b \\<img src=x\\> \\*c\\* \\[d\\]\\(e\\)');
  });

  it('text: one line per check with its status, details under problems, $-prefixed commands, closing verdict', () => {
    const text = renderReportText(report);
    const lines = text.split('\n');
    assert.match(lines[0], /^IMDS doctor: ran against the local IMDS emulator \(http:\/\/127\.0\.0\.1:\d+\)/);
    for (const c of report.checks) assert.ok(lines.some((line) => line.startsWith(`${c.status.toUpperCase()}  ${c.title}`)), c.id);
    assert.ok(lines.includes('        $ aws ec2 modify-instance-metadata-options --instance-id i-0123456789abcdef0 --http-put-response-hop-limit 2'));
    assert.match(lines.at(-2)!, /^FAIL: 2 fail, \d+ warn, \d+ pass, \d+ info, \d+ skipped\.$/);
    assert.equal(text.includes('\x1b['), false, 'no colour unless asked');
    assert.ok(renderReportText(report, { colour: true }).includes('\x1b[31mFAIL'));
  });

  it('webview HTML: strict CSP with a nonce, everything escaped, buttons carry indexes (never command text)', () => {
    const hostile: DoctorReport = structuredClone(report);
    hostile.checks[0].summary = '<script>alert(1)</script>';
    hostile.checks[0].commands = ['echo "</code><img src=x onerror=alert(1)>"'];
    const html = renderReportHtml(hostile, { nonce: 'NONCE123', cspSource: 'vscode-resource:' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-NONCE123'; script-src 'nonce-NONCE123';">/);
    assert.equal(html.includes('<script>alert(1)</script>'), false);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.equal(html.includes('<img src=x'), false);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script: the page itself');
    assert.ok(html.includes('<button data-action="copy" data-check="0" data-command="0">Copy</button>'));
    assert.ok(html.includes('curl (IMDSv2, inside a container): with the hop limit 2 explanation'), 'snippet fixes are named by their registry label');
    for (const c of report.checks) assert.ok(html.includes(`id="check-${c.id}"`));
  });

  it('JSON: the report round-trips and says what it is', () => {
    const parsed = JSON.parse(JSON.stringify(report)) as DoctorReport;
    assert.equal(parsed.format, 'imds-doctor-report');
    assert.equal(parsed.version, 1);
    assert.deepEqual(parsed.checks, report.checks);
    assert.equal(parsed.counts.fail + parsed.counts.warn + parsed.counts.pass + parsed.counts.info + parsed.counts.skip, parsed.checks.length);
  });
});

describe('imds doctor (the CLI)', () => {
  let emulator: Emulator;
  const home = emulatorAndHome({ imdsv2: 'required' }, (started) => (emulator = started));

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, { stdout: (d) => (out += d.toString()), stderr: (l) => (err += `${l}\n`), env: { HOME: home.dir } });
    return { code, out, err };
  }

  it('--json prints the report; exit 0 when nothing fails', async () => {
    const { code, out } = await cli(['doctor', '--endpoint', emulator.url, '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(out) as DoctorReport;
    assert.equal(report.format, 'imds-doctor-report');
    assert.equal(report.target.where, 'endpoint');
    assert.equal(report.verdict, 'pass');
  });

  it('exit 1 when a check fails (hop limit too low), text by default, --markdown on request', async () => {
    emulator.setFaults({ containerSources: ['127.0.0.1'] });
    try {
      const text = await cli(['doctor', '--endpoint', emulator.url, '--token-timeout', '300']);
      assert.equal(text.code, 1);
      assert.match(text.out, /^FAIL {2}PUT response hop limit/m);
      assert.match(text.out, /token PUT timed out after 300 ms/);
      const md = await cli(['doctor', `--endpoint=${emulator.url}`, '--markdown', '--token-timeout=300']);
      assert.equal(md.code, 1);
      assert.match(md.out, /^# IMDS doctor/);
    } finally {
      emulator.setFaults({ containerSources: [] });
    }
  });

  it('usage errors exit 2 with one line', async () => {
    let result = await cli(['doctor', '--endpoint', emulator.url, '--json', '--markdown']);
    assert.equal(result.code, 2);
    assert.equal(result.err, 'imds: --json and --markdown both choose the output: give one.\n');
    result = await cli(['doctor', '--endpoint', emulator.url, '--token-timeout', 'soon']);
    assert.equal(result.code, 2);
    assert.match(result.err, /--token-timeout must be a positive number of milliseconds/);
    result = await cli(['doctor', '--bogus', '--endpoint', emulator.url]);
    assert.equal(result.code, 2);
    assert.match(result.err, /Unknown option --bogus/);
  });
});
