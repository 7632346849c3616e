// The doctor inside VS Code: "IMDS: Diagnose…" runs the checks on the current source (the built-in
// emulator here) and shows the report in a webview; a fault in the emulator shows up as a failed
// check with its fix. Screenshots: doctor.png, doctor-hop-limit.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DoctorReport } from '../../../src/doctor';
import { EXTENSION_ID, activateExtension, screenshot, waitFor } from '../support';

const DIAGNOSE = 'imdsExplorer.diagnose';

function doctorTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputWebview && tab.label.startsWith('IMDS Doctor'));
}

async function shot(name: string): Promise<void> {
  const file = await screenshot(name);
  if (file) await waitFor(() => fs.existsSync(file) && fs.statSync(file).size > 1000, `screenshot ${file}`);
}

describe('IMDS doctor in VS Code', () => {
  it('is offered in the palette and as a view title action of the metadata view', async () => {
    await activateExtension();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === DIAGNOSE));
    assert.ok(pkg.contributes.menus['view/title'].some((m: { command: string; when: string }) => m.command === DIAGNOSE && m.when === 'view == imdsExplorer.metadata'));
    assert.ok((await vscode.commands.getCommands(true)).includes(DIAGNOSE), 'the extension registers the command');
  });

  it('Diagnose runs the doctor on the current source and shows the report in a webview', async () => {
    const api = await activateExtension();
    await waitFor(() => api.sources.active, 'an active source');
    const report = await vscode.commands.executeCommand<DoctorReport | undefined>(DIAGNOSE);
    assert.ok(report, 'the command resolves to the report it shows');
    assert.equal(report.format, 'imds-doctor-report');
    assert.equal(report.target.where, 'emulator');
    assert.match(report.ranOn, /against the local IMDS emulator/);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.get('reach-ipv4')?.status, 'pass');
    assert.equal(byId.get('imdsv2-token')?.status, 'pass');
    assert.equal(byId.get('iam-credentials')?.status, 'pass');
    const tab = await waitFor(doctorTab, 'the IMDS Doctor webview tab');
    assert.ok(tab.isActive, 'the report is in front');
    await shot('doctor');
  });

  it('a hop limit too low in the emulator shows as a failed check with the command that raises it', async () => {
    const api = await activateExtension();
    const emulator = api.emulator;
    assert.ok(emulator, 'the built-in emulator runs');
    const source = api.sources.active!;
    emulator.setFaults({ containerSources: ['127.0.0.1'] });
    try {
      const report = await vscode.commands.executeCommand<DoctorReport | undefined>(DIAGNOSE, { sourceId: source.id });
      assert.ok(report);
      assert.equal(report.verdict, 'fail');
      const hop = report.checks.find((c) => c.id === 'hop-limit')!;
      assert.equal(hop.status, 'fail');
      assert.ok(hop.commands?.some((c) => c.endsWith('--http-put-response-hop-limit 2')));
      await waitFor(() => doctorTab()?.label.includes('problems'), 'the tab title says problems were found');
      await shot('doctor-hop-limit');
    } finally {
      emulator.setFaults({ containerSources: [] });
    }
  });
});
