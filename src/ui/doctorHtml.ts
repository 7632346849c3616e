// The doctor's report as webview HTML: verdict, one card per check (problems open, the rest
// folded), evidence, advice, and buttons for the safe one-click fixes: copy a command, insert a
// snippet. Every report string is escaped; the page runs one nonce'd script under a strict CSP and
// only posts messages: the extension decides what a button may do.
import type { CheckStatus, DoctorCheck, DoctorReport } from '../doctor/types';
import { snippetKind } from '../snippets/registry';
import { changeLines, changeTarget } from '../aws/ec2/change';

export interface DoctorHtmlLabels {
  title: string;
  rerun: string;
  openMarkdown: string;
  copyReport: string;
  copy: string;
  insertSnippet: string;
  apply: string;
  evidence: string;
  advice: string;
  exchanges: string;
  ranOn: string;
  running: string;
}

export const DEFAULT_LABELS: DoctorHtmlLabels = {
  title: 'IMDS Doctor',
  rerun: 'Run again',
  openMarkdown: 'Open as Markdown',
  copyReport: 'Copy report',
  copy: 'Copy',
  insertSnippet: 'Insert snippet',
  apply: 'Apply…',
  evidence: 'Evidence',
  advice: 'What to do',
  exchanges: 'HTTP exchanges',
  ranOn: 'Ran',
  running: 'Running the IMDS doctor…',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO', skip: 'SKIP' };

function list(items: string[]): string {
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}

function renderCheck(check: DoctorCheck, index: number, labels: DoctorHtmlLabels): string {
  const open = check.status === 'fail' || check.status === 'warn' ? ' open' : '';
  const parts: string[] = [];
  if (check.evidence.length > 0) parts.push(`<h4>${escapeHtml(labels.evidence)}</h4>${list(check.evidence)}`);
  if (check.advice.length > 0) parts.push(`<h4>${escapeHtml(labels.advice)}</h4>${list(check.advice)}`);
  for (const [i, command] of (check.commands ?? []).entries()) {
    // Buttons carry indexes, not text: the extension copies only what its own report holds.
    parts.push(`<div class="command"><code>${escapeHtml(command)}</code><button data-action="copy" data-check="${index}" data-command="${i}">${escapeHtml(labels.copy)}</button></div>`);
  }
  for (const id of check.snippets ?? []) {
    const kind = snippetKind(id);
    parts.push(`<div class="command"><span>${escapeHtml(kind ? `${kind.label}: ${kind.description}` : id)}</span><button data-action="snippet" data-check="${index}" data-snippet="${escapeHtml(id)}">${escapeHtml(labels.insertSnippet)}</button></div>`);
  }
  if (check.fix) {
    // The change itself is shown again, in full, in the confirmation the extension asks for.
    parts.push(`<div class="command fix"><span>${escapeHtml(`EC2 API: ${changeLines(check.fix).join('; ')} (${changeTarget(check.fix)})`)}</span><button data-action="apply" data-check="${index}">${escapeHtml(labels.apply)}</button></div>`);
  }
  return `<details class="check ${check.status}" id="check-${escapeHtml(check.id)}"${open}>
<summary><span class="badge ${check.status}">${STATUS_TEXT[check.status]}</span> <strong>${escapeHtml(check.title)}</strong> — ${escapeHtml(check.summary)}</summary>
<div class="body">${parts.join('\n')}</div>
</details>`;
}

export function renderReportHtml(report: DoctorReport, options: { nonce: string; cspSource: string; labels?: DoctorHtmlLabels }): string {
  const labels = options.labels ?? DEFAULT_LABELS;
  const c = report.counts;
  const verdict = { pass: 'All checks passed', warn: 'Warnings', fail: 'Problems found' }[report.verdict];
  const exchanges = report.exchanges
    .map((e) => `<tr><td>${e.method}</td><td>${escapeHtml(e.origin + e.path)}</td><td>${e.withToken ? 'token' : ''}</td><td>${e.status || escapeHtml(e.outcome)}</td><td>${e.firstByteMs ?? ''}</td><td>${e.totalMs}</td></tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${options.nonce}'; script-src 'nonce-${options.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(labels.title)}</title>
<style nonce="${options.nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; }
  header { position: sticky; top: 0; background: var(--vscode-editor-background); padding: 8px 0; border-bottom: 1px solid var(--vscode-panel-border); z-index: 1; }
  h1 { font-size: 1.4em; margin: 4px 0; }
  .verdict.fail { color: var(--vscode-errorForeground); }
  .verdict.warn { color: var(--vscode-editorWarning-foreground); }
  .verdict.pass { color: var(--vscode-testing-iconPassed); }
  .meta { opacity: 0.85; }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 3px 10px; margin-right: 6px; cursor: pointer; border-radius: 2px; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  details.check { border: 1px solid var(--vscode-panel-border); border-left-width: 4px; margin: 8px 0; padding: 4px 8px; border-radius: 3px; }
  details.check.fail { border-left-color: var(--vscode-errorForeground); }
  details.check.warn { border-left-color: var(--vscode-editorWarning-foreground); }
  details.check.pass { border-left-color: var(--vscode-testing-iconPassed); }
  details.check.info { border-left-color: var(--vscode-editorInfo-foreground); }
  details.check.skip { opacity: 0.75; }
  summary { cursor: pointer; line-height: 1.6; }
  .badge { display: inline-block; min-width: 3.2em; text-align: center; font-weight: bold; font-size: 0.85em; border-radius: 3px; padding: 0 4px; color: var(--vscode-badge-foreground); background: var(--vscode-badge-background); }
  .badge.fail { background: var(--vscode-errorForeground); color: var(--vscode-editor-background); }
  .badge.warn { background: var(--vscode-editorWarning-foreground); color: var(--vscode-editor-background); }
  .badge.pass { background: var(--vscode-testing-iconPassed); color: var(--vscode-editor-background); }
  h4 { margin: 8px 0 2px; }
  ul { margin: 2px 0; padding-left: 20px; }
  .command { display: flex; align-items: center; gap: 8px; margin: 6px 0; }
  code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 2px 6px; border-radius: 3px; white-space: pre-wrap; word-break: break-all; }
  table { border-collapse: collapse; font-size: 0.9em; }
  td { padding: 1px 8px; border-bottom: 1px solid var(--vscode-panel-border); }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(labels.title)}: <span class="verdict ${report.verdict}">${escapeHtml(verdict)}</span></h1>
  <div class="meta">${c.fail} fail · ${c.warn} warn · ${c.pass} pass · ${c.info} info · ${c.skip} skipped — ${escapeHtml(labels.ranOn)} ${escapeHtml(report.ranOn)} · ${escapeHtml(report.startedAt)} · ${report.elapsedMs} ms</div>
  <p><button data-action="rerun">${escapeHtml(labels.rerun)}</button><button data-action="markdown">${escapeHtml(labels.openMarkdown)}</button><button data-action="copyReport">${escapeHtml(labels.copyReport)}</button></p>
</header>
<main>
${report.checks.map((check, i) => renderCheck(check, i, labels)).join('\n')}
${report.exchanges.length > 0 ? `<details><summary>${escapeHtml(labels.exchanges)} (${report.exchanges.length})</summary><table><tr><td>method</td><td>URL</td><td></td><td>status</td><td>first byte ms</td><td>total ms</td></tr>${exchanges}</table></details>` : ''}
</main>
<script nonce="${options.nonce}">
  const vscode = acquireVsCodeApi();
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const d = button.dataset;
    vscode.postMessage({ type: d.action, check: d.check === undefined ? undefined : Number(d.check), command: d.command === undefined ? undefined : Number(d.command), snippet: d.snippet });
  });
</script>
</body>
</html>`;
}

/** The page shown while the doctor runs. */
export function renderRunningHtml(nonce: string, labels: DoctorHtmlLabels = DEFAULT_LABELS, stage = ''): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}';"><style nonce="${nonce}">body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:16px;}</style></head><body><h1>${escapeHtml(labels.title)}</h1><p>${escapeHtml(labels.running)} ${escapeHtml(stage)}</p></body></html>`;
}
