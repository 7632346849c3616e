// The status bar item: which source is active and how it reaches IMDS (IMDSv2 with a token, or
// IMDSv1 after a fallback). Clicking it picks another source.
import * as vscode from 'vscode';
import { ExplorerCommand } from './commandIds';
import type { RequestLog } from './requestLog';
import type { SourceRegistry } from './sourceRegistry';
import { modeLabel } from './treeItems';

export class SourceStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[];
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly registry: SourceRegistry, log: RequestLog) {
    this.item = vscode.window.createStatusBarItem('imdsExplorer.source', vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('IMDS Source');
    this.item.command = ExplorerCommand.SelectSource;
    this.subscriptions = [
      registry.onDidChangeActive(() => this.update()),
      registry.onDidChangeSources(() => this.update()),
      // The mode is known only after requests; many come at once, so update once they settle.
      log.onDidLogRequest(() => this.scheduleUpdate()),
    ];
    this.update();
  }

  /** The text shown, for tests: e.g. `$(vm) Built-in emulator · IMDSv2`. */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip's Markdown, for tests. */
  get tooltipText(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : tooltip?.value ?? '';
  }

  update(): void {
    const source = this.registry.active;
    if (!source) {
      this.item.hide();
      return;
    }
    const mode = modeLabel(source);
    const icon = source.kind === 'direct' ? '$(cloud)' : source.kind === 'ssm' ? '$(remote-explorer)' : '$(vm)';
    this.item.text = mode ? `${icon} ${source.label} · ${mode}` : `${icon} ${source.label}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${vscode.l10n.t('Instance metadata source')}**: ${source.label}\n\n`);
    const endpoint = source.state?.().endpoint;
    if (endpoint) md.appendMarkdown(`${vscode.l10n.t('Endpoint')}: \`${endpoint}\`\n\n`);
    const transport = source.state?.().transport;
    if (transport) md.appendMarkdown(`${vscode.l10n.t('Transport')}: ${transport}\n\n`);
    md.appendMarkdown(
      mode === 'IMDSv2'
        ? vscode.l10n.t('IMDSv2: requests carry a session token.')
        : mode === 'IMDSv1'
          ? vscode.l10n.t('IMDSv1: the token request failed and the client fell back to tokenless requests.')
          : vscode.l10n.t('IMDS mode: not known until the first request.'),
    );
    md.appendMarkdown(`\n\n${vscode.l10n.t('Click to choose another source.')}`);
    this.item.tooltip = md;
    this.item.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }

  private scheduleUpdate(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 150);
  }
}
