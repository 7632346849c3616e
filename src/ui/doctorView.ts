// "IMDS: Diagnose…" (view title action "Run IMDS Doctor"): runs the doctor on the current source
// and shows the report in a webview with evidence, advice and one-click safe fixes (copy a command,
// insert a snippet), plus Markdown for sharing. The checks live in src/doctor; this file only
// chooses the target, shows progress, renders and answers the page's buttons.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { endpointTarget, renderReportMarkdown, runDoctor, targetFromSource, type DoctorReport, type DoctorTarget } from '../doctor';
import type { Ec2Access } from '../doctor/run';
import type { MetadataSource } from '../imds/types';
import { renderReportHtml, renderRunningHtml, type DoctorHtmlLabels } from './doctorHtml';

export const DoctorCommand = {
  Diagnose: 'imdsExplorer.diagnose',
} as const;

export const DOCTOR_VIEW_TYPE = 'imdsExplorer.doctor';
/** Path the "insert snippet" fixes use: any small value shows the pattern. */
const SNIPPET_EXAMPLE_PATH = '/latest/meta-data/instance-id';

export interface DoctorDeps {
  /** The source the tree shows now (the status bar's). */
  currentSource(): MetadataSource | undefined;
  /** A source by id: the tree's error nodes pass `{ sourceId }` to the command. */
  findSource?(id: string): MetadataSource | undefined;
  /** The EC2 API for a source tied to an instance (the doctor then compares configured with observed). */
  ec2For?(source: MetadataSource | undefined): Ec2Access | undefined;
  /** Apply… of a finding's EC2 fix (modal, DryRun, confirmation, wait); resolves to what happened. */
  applyFix?(fix: unknown): Promise<{ status: string } | undefined>;
}

/** What the command takes: nothing (current source), `{ sourceId }` (an error node), or `{ endpoint }` (any IMDS URL). */
export type DiagnoseArg = { sourceId?: string; endpoint?: string } | undefined;

interface PageMessage {
  type?: unknown;
  check?: unknown;
  command?: unknown;
  snippet?: unknown;
}

function labels(): DoctorHtmlLabels {
  return {
    title: vscode.l10n.t('IMDS Doctor'),
    rerun: vscode.l10n.t('Run again'),
    openMarkdown: vscode.l10n.t('Open as Markdown'),
    copyReport: vscode.l10n.t('Copy report'),
    copy: vscode.l10n.t('Copy'),
    insertSnippet: vscode.l10n.t('Insert snippet'),
    apply: vscode.l10n.t('Apply…'),
    evidence: vscode.l10n.t('Evidence'),
    advice: vscode.l10n.t('What to do'),
    exchanges: vscode.l10n.t('HTTP exchanges'),
    ranOn: vscode.l10n.t('Ran'),
    running: vscode.l10n.t('Running the IMDS doctor…'),
  };
}

class DoctorPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private report?: DoctorReport;
  private target?: DoctorTarget;
  private source?: MetadataSource;
  private running?: Promise<DoctorReport>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: DoctorDeps) {}

  /** Resolves the target from the argument; undefined (after telling the person why) when there is none. */
  private async targetFor(arg: DiagnoseArg): Promise<DoctorTarget | undefined> {
    this.source = undefined;
    if (arg && typeof arg === 'object' && typeof arg.endpoint === 'string') return endpointTarget(arg.endpoint, 'endpoint');
    const source = arg && typeof arg === 'object' && typeof arg.sourceId === 'string' ? this.deps.findSource?.(arg.sourceId) ?? this.deps.currentSource() : this.deps.currentSource();
    this.source = source;
    if (source) return targetFromSource(source);
    const select = vscode.l10n.t('Select Source');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('No metadata source is open: pick one (this instance, the emulator or SSM) and run the doctor again.'), select);
    if (choice === select) await vscode.commands.executeCommand('imdsExplorer.selectSource');
    return undefined;
  }

  async diagnose(arg: DiagnoseArg): Promise<DoctorReport | undefined> {
    if (this.running) {
      this.panel?.reveal();
      return this.running;
    }
    const target = await this.targetFor(arg);
    if (!target) return undefined;
    return this.run(target);
  }

  private async run(target: DoctorTarget): Promise<DoctorReport> {
    this.target = target;
    const panel = this.showPanel();
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = renderRunningHtml(nonce, labels());
    const running = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('IMDS Doctor: {0}', target.label) },
      (progress) => {
        const ec2 = this.deps.ec2For?.(this.source);
        return runDoctor(target, { onProgress: (stage) => progress.report({ message: stage }), ...(ec2 ? { ec2 } : {}) });
      },
    );
    this.running = Promise.resolve(running);
    try {
      const report = await this.running;
      this.report = report;
      if (this.panel === panel) {
        panel.title = vscode.l10n.t('IMDS Doctor: {0}', report.verdict === 'fail' ? vscode.l10n.t('problems found') : report.verdict === 'warn' ? vscode.l10n.t('warnings') : vscode.l10n.t('all passed'));
        panel.webview.html = renderReportHtml(report, { nonce: randomBytes(16).toString('base64'), cspSource: panel.webview.cspSource, labels: labels() });
      }
      return report;
    } finally {
      this.running = undefined;
    }
  }

  private showPanel(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(DOCTOR_VIEW_TYPE, vscode.l10n.t('IMDS Doctor'), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { enableScripts: true, localResourceRoots: [] });
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    }, undefined, this.disposables);
    panel.webview.onDidReceiveMessage((message: PageMessage) => this.onMessage(message), undefined, this.disposables);
    return panel;
  }

  /** The page's buttons. Only what this report holds can be copied or inserted. */
  private async onMessage(message: PageMessage): Promise<void> {
    const report = this.report;
    if (!report) return;
    const check = typeof message.check === 'number' ? report.checks[message.check] : undefined;
    switch (message.type) {
      case 'copy': {
        const command = check && typeof message.command === 'number' ? check.commands?.[message.command] : undefined;
        if (!command) return;
        await vscode.env.clipboard.writeText(command);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied: {0}', command), 4000);
        return;
      }
      case 'snippet': {
        const id = typeof message.snippet === 'string' && check?.snippets?.includes(message.snippet) ? message.snippet : undefined;
        if (id) await vscode.commands.executeCommand('imdsExplorer.insertSnippet', SNIPPET_EXAMPLE_PATH, id);
        return;
      }
      case 'apply': {
        // Only the fix this report holds; the extension shows it again in full before anything runs.
        if (!check?.fix || !this.deps.applyFix) return;
        const outcome = await this.deps.applyFix(check.fix);
        if (outcome?.status === 'made' && this.target && !this.running) await this.run(this.target);
        return;
      }
      case 'rerun':
        if (this.target && !this.running) await this.run(this.target);
        return;
      case 'markdown': {
        const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderReportMarkdown(report) });
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
        await vscode.commands.executeCommand('markdown.showPreview', document.uri);
        return;
      }
      case 'copyReport':
        await vscode.env.clipboard.writeText(renderReportMarkdown(report));
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the IMDS Doctor report as Markdown'), 4000);
        return;
      default:
        return;
    }
  }

  /** The last report shown, for tests and the extension API. */
  get lastReport(): DoctorReport | undefined {
    return this.report;
  }

  get isVisible(): boolean {
    return this.panel?.visible ?? false;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Registers `imdsExplorer.diagnose`. The command resolves to the DoctorReport it showed (or
 * undefined when there was no source), so tests and other commands can read the verdict.
 */
export function registerDoctorCommands(context: vscode.ExtensionContext, deps: DoctorDeps): { readonly lastReport: DoctorReport | undefined } {
  const panel = new DoctorPanel(deps);
  context.subscriptions.push(
    panel,
    vscode.commands.registerCommand(DoctorCommand.Diagnose, (arg?: DiagnoseArg) => panel.diagnose(arg && typeof arg === 'object' ? arg : undefined)),
  );
  return panel;
}
