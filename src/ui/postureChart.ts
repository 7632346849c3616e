// One instance's posture in a panel: its class and evidence, its metadata options, and the daily
// chart of tokenless calls (an SVG picture). One panel, reused; no scripts in it.
import * as vscode from 'vscode';
import { tokenlessChartSvg } from '../posture/chart';
import { CLASS_LABELS, type PostureInstance, type PostureReport } from '../posture/types';

export const POSTURE_PANEL_TYPE = 'imdsExplorer.postureInstance';

const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function instanceHtml(instance: PostureInstance, report: Pick<PostureReport, 'windowStart' | 'days'>, cspSource: string): string {
  const options = instance.metadataOptions ?? {};
  // EC2's names (HttpTokens …); the options' own State (pending/applied) apart from the instance's.
  const optionName = (key: string) => (key === 'state' ? vscode.l10n.t('MetadataOptions State') : key.charAt(0).toUpperCase() + key.slice(1));
  const rows = Object.entries(options).map(([k, v]) => `<tr><th>${escapeHtml(optionName(k))}</th><td>${escapeHtml(String(v))}</td></tr>`).join('');
  const tags = Object.entries(instance.tags).map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ');
  const charts: string[] = [];
  if (instance.noToken) charts.push(tokenlessChartSvg(instance.noToken, report.windowStart, report.days));
  if (instance.noTokenRejected?.total) {
    charts.push(tokenlessChartSvg(instance.noTokenRejected, report.windowStart, report.days, { title: `Refused tokenless calls per day (MetadataNoTokenRejected), ${report.days} days` }));
  }
  if (!charts.length) charts.push(`<p><em>${escapeHtml(vscode.l10n.t('No daily series: {0}', instance.state === 'running' ? vscode.l10n.t('the metric query was not needed for this class') : vscode.l10n.t('the instance does not run, so it publishes no metrics')))}</em></p>`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'unsafe-inline';">
<title>${escapeHtml(instance.name ?? instance.instanceId)}</title>
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:0 1em}th{text-align:left;padding-right:1em;font-weight:normal;opacity:.8}
.class{font-weight:bold}.chart{margin:1em 0}</style></head><body>
<h2>${escapeHtml(instance.name ?? instance.instanceId)} <small><code>${escapeHtml(instance.instanceId)}</code> · ${escapeHtml(instance.region)}</small></h2>
<p class="class">${escapeHtml(CLASS_LABELS[instance.class])}</p>
<p>${escapeHtml(instance.evidence)}</p>
${charts.map((svg) => `<div class="chart">${svg}</div>`).join('\n')}
<table>${rows}<tr><th>${escapeHtml(vscode.l10n.t('Instance state'))}</th><td>${escapeHtml(instance.state)}</td></tr><tr><th>Launched</th><td>${escapeHtml(instance.launchTime ?? '?')}</td></tr></table>
<p>${tags}</p>
<p><small>${escapeHtml(vscode.l10n.t('No tokenless call in the window is evidence, not proof: a monthly job, or one that runs at boot, may still need IMDSv1.'))}</small></p>
</body></html>`;
}

export class PostureInstancePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** The instance shown last (tests read it). */
  shown: PostureInstance | undefined;

  show(instance: PostureInstance, report: PostureReport): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(POSTURE_PANEL_TYPE, '', { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, { enableScripts: false });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = vscode.l10n.t('IMDS posture: {0}', instance.name ?? instance.instanceId);
    this.panel.webview.html = instanceHtml(instance, report, this.panel.webview.cspSource);
    this.panel.reveal(undefined, true);
    this.shown = instance;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
