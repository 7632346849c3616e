// VS Code commands for the built-in IMDS emulator: start and stop it, pick a scenario (with its
// timing), set its IMDSv2 mode, and a status bar item that shows it while it runs. The emulator
// itself (src/emulator) knows nothing of VS Code; its lifecycle belongs to whoever owns the
// built-in sources, so start/stop come in as deps.
import * as vscode from 'vscode';
import { scenarioInfo, type ScenarioName } from '../emulator/scenarios';
import type { Emulator } from '../emulator/server';

export const EmulatorCommand = {
  Start: 'imdsExplorer.emulator.start',
  Stop: 'imdsExplorer.emulator.stop',
  PickScenario: 'imdsExplorer.emulator.pickScenario',
  SetImdsv2: 'imdsExplorer.emulator.setImdsv2',
  Menu: 'imdsExplorer.emulator.menu',
} as const;

/** Registered by the user-data commands (src/ui/userDataCommands.ts): its file chooser serves a file. */
const SERVE_USER_DATA_COMMAND = 'imdsExplorer.serveUserDataFromFile';
/** Context key for `when` clauses: true while the in-process emulator listens. */
export const EMULATOR_RUNNING_CONTEXT = 'imdsExplorer.emulatorRunning';

export interface EmulatorCommandDeps {
  /** The in-process emulator, when it runs. */
  emulator(): Emulator | undefined;
  /** Starts the in-process emulator (and opens its source); resolves once it listens. */
  start(): Promise<Emulator>;
  /** Stops it (and closes its source). */
  stop(): Promise<void>;
  /** Something the tree shows changed (scenario, mode, running or not): reload it. */
  changed?(): void;
  log?(line: string): void;
}

export interface EmulatorCommands extends vscode.Disposable {
  /** The status bar text, for tests: empty while the emulator is stopped. */
  readonly statusText: string;
  /** Re-reads the emulator's state into the status bar and the context key. */
  update(): void;
}

type ImdsMode = 'optional' | 'required' | 'disabled';

interface TimingChoice extends vscode.QuickPickItem {
  options: Record<string, unknown>;
}

/** Timing presets per scenario: what a person wants to watch without typing numbers. */
function timingChoices(name: ScenarioName): TimingChoice[] {
  const delays = (prefix: string): TimingChoice[] => [
    { label: vscode.l10n.t('Now'), description: prefix, options: { delaySeconds: 0 } },
    { label: vscode.l10n.t('In 10 seconds'), description: prefix, options: { delaySeconds: 10 } },
    { label: vscode.l10n.t('In 30 seconds'), description: prefix, options: { delaySeconds: 30 } },
    { label: vscode.l10n.t('In 2 minutes'), description: prefix, options: { delaySeconds: 120 } },
  ];
  switch (name) {
    case 'spot-interruption':
      return delays(vscode.l10n.t('the interruption notice appears'));
    case 'rebalance':
      return delays(vscode.l10n.t('the rebalance recommendation appears'));
    case 'scheduled-events':
      return delays(vscode.l10n.t('the maintenance event is posted'));
    case 'asg-lifecycle':
      return delays(vscode.l10n.t('the target lifecycle state becomes Terminated'));
    case 'iam-role-attach':
      return [
        { label: vscode.l10n.t('Info after 5 s, credentials after 15 s'), options: { infoAfterSeconds: 5, credentialsAfterSeconds: 15 } },
        { label: vscode.l10n.t('Info after 10 s, credentials after 30 s'), options: { infoAfterSeconds: 10, credentialsAfterSeconds: 30 } },
        { label: vscode.l10n.t('Info after 30 s, credentials after 90 s'), options: { infoAfterSeconds: 30, credentialsAfterSeconds: 90 } },
      ];
    case 'none':
      return [];
  }
}

class EmulatorCommandsImpl implements EmulatorCommands {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly ticker: NodeJS.Timeout;
  /** What the item shows now; the item is touched only when this changes. */
  private shown = '';

  constructor(private readonly deps: EmulatorCommandDeps) {
    this.item = vscode.window.createStatusBarItem('imdsExplorer.emulator', vscode.StatusBarAlignment.Left, 9);
    this.item.name = vscode.l10n.t('IMDS Emulator');
    this.item.command = EmulatorCommand.Menu;
    this.disposables.push(
      this.item,
      vscode.commands.registerCommand(EmulatorCommand.Start, () => this.start()),
      vscode.commands.registerCommand(EmulatorCommand.Stop, () => this.stop()),
      vscode.commands.registerCommand(EmulatorCommand.PickScenario, (name?: string, options?: Record<string, unknown>) => this.pickScenario(name, options)),
      vscode.commands.registerCommand(EmulatorCommand.SetImdsv2, (mode?: ImdsMode) => this.setImdsv2(mode)),
      vscode.commands.registerCommand(EmulatorCommand.Menu, () => this.menu()),
    );
    this.update();
    // The emulator also starts and stops without these commands (activation, settings changes) and
    // its timelines count down on their own: re-read it every second, touching the UI only on change.
    this.ticker = setInterval(() => this.update(), 1000);
    this.ticker.unref?.();
  }

  get statusText(): string {
    return this.deps.emulator() ? this.item.text : '';
  }

  update(): void {
    const emulator = this.deps.emulator();
    if (!emulator) {
      if (this.shown !== 'stopped') {
        this.shown = 'stopped';
        void vscode.commands.executeCommand('setContext', EMULATOR_RUNNING_CONTEXT, false);
        this.item.hide();
      }
      return;
    }
    const scenario = emulator.scenario;
    const mode = !emulator.enabled ? vscode.l10n.t('IMDS off') : emulator.imdsv2 === 'required' ? vscode.l10n.t('IMDSv2 required') : vscode.l10n.t('IMDSv2 optional');
    const signature = [emulator.url, scenario.description, mode].join('|');
    if (signature === this.shown) return;
    if (this.shown === '' || this.shown === 'stopped') void vscode.commands.executeCommand('setContext', EMULATOR_RUNNING_CONTEXT, true);
    this.shown = signature;
    const parts = [`$(server-process) ${vscode.l10n.t('Emulator')} :${emulator.port}`];
    if (scenario.name !== 'none') parts.push(scenario.name);
    if (emulator.imdsv2 === 'required' || !emulator.enabled) parts.push(mode);
    this.item.text = parts.join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${vscode.l10n.t('Built-in IMDS emulator')}** \`${emulator.url}\`\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Mode')}: ${mode}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Scenario')}: ${scenario.description}\n\n`);
    md.appendMarkdown(vscode.l10n.t('Click for emulator actions.'));
    this.item.tooltip = md;
    this.item.show();
  }

  private async start(): Promise<Emulator | undefined> {
    const running = this.deps.emulator();
    if (running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The built-in emulator already listens on {0}.', running.url));
      return running;
    }
    try {
      const emulator = await this.deps.start();
      this.deps.log?.(`Emulator started on ${emulator.url}`);
      this.update();
      this.deps.changed?.();
      return emulator;
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not start the built-in emulator: {0}', (error as Error).message ?? String(error)));
      return undefined;
    }
  }

  private async stop(): Promise<void> {
    if (!this.deps.emulator()) return;
    await this.deps.stop();
    this.deps.log?.('Emulator stopped');
    this.update();
    this.deps.changed?.();
  }

  /** Needs a running emulator; offers to start one. */
  private async running(): Promise<Emulator | undefined> {
    const emulator = this.deps.emulator();
    if (emulator) return emulator;
    const start = vscode.l10n.t('Start Emulator');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('The built-in emulator is not running.'), start);
    return answer === start ? this.start() : undefined;
  }

  private async pickScenario(name?: string, options?: Record<string, unknown>): Promise<string | undefined> {
    const emulator = await this.running();
    if (!emulator) return undefined;
    let chosenName = name;
    let chosenOptions = options;
    if (chosenName === undefined) {
      const current = emulator.scenario.name;
      const picked = await vscode.window.showQuickPick(
        scenarioInfo().map((s) => ({ label: s.name, description: s.name === current ? vscode.l10n.t('current') : undefined, detail: s.description, name: s.name })),
        { title: vscode.l10n.t('Emulator scenario'), placeHolder: vscode.l10n.t('What should the emulated instance go through?'), matchOnDetail: true },
      );
      if (!picked) return undefined;
      chosenName = picked.name;
      const timings = timingChoices(picked.name);
      if (timings.length > 0) {
        const timing = await vscode.window.showQuickPick(timings, { title: vscode.l10n.t('When ({0})', picked.name) });
        if (!timing) return undefined;
        chosenOptions = { ...timing.options };
      }
      if (picked.name === 'spot-interruption') {
        const actions = ['terminate', 'stop', 'hibernate'].map((action) => ({ label: action }));
        const action = await vscode.window.showQuickPick(actions, { title: vscode.l10n.t('Spot interruption action') });
        if (!action) return undefined;
        chosenOptions = { ...chosenOptions, action: action.label };
      }
    }
    try {
      emulator.setScenario(chosenName, chosenOptions);
    } catch (error) {
      void vscode.window.showErrorMessage((error as Error).message);
      return undefined;
    }
    this.deps.log?.(`Emulator scenario: ${emulator.scenario.description}`);
    this.update();
    this.deps.changed?.();
    return emulator.scenario.name;
  }

  private async setImdsv2(mode?: ImdsMode): Promise<ImdsMode | undefined> {
    const emulator = await this.running();
    if (!emulator) return undefined;
    let chosen = mode;
    if (chosen === undefined) {
      const items: (vscode.QuickPickItem & { mode: ImdsMode })[] = [
        { label: vscode.l10n.t('IMDSv2 optional'), detail: vscode.l10n.t('IMDSv1 and IMDSv2 both work (an invalid token still gets 401).'), mode: 'optional' },
        { label: vscode.l10n.t('IMDSv2 required'), detail: vscode.l10n.t('Every request needs a session token; without one: 401.'), mode: 'required' },
        { label: vscode.l10n.t('IMDS turned off'), detail: vscode.l10n.t('Every request answers 403, as on an instance with the metadata endpoint disabled.'), mode: 'disabled' },
      ];
      const current: ImdsMode = !emulator.enabled ? 'disabled' : emulator.imdsv2;
      for (const item of items) if (item.mode === current) item.description = vscode.l10n.t('current');
      const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Emulator metadata options') });
      if (!picked) return undefined;
      chosen = picked.mode;
    }
    if (chosen === 'disabled') emulator.setEnabled(false);
    else {
      emulator.setEnabled(true);
      emulator.setImdsv2(chosen);
    }
    this.deps.log?.(`Emulator IMDS mode: ${chosen}`);
    this.update();
    this.deps.changed?.();
    return chosen;
  }

  private async menu(): Promise<void> {
    const emulator = this.deps.emulator();
    const actions: (vscode.QuickPickItem & { command: string })[] = emulator
      ? [
          { label: `$(list-selection) ${vscode.l10n.t('Pick Scenario…')}`, description: emulator.scenario.description, command: EmulatorCommand.PickScenario },
          { label: `$(shield) ${vscode.l10n.t('Set IMDSv2 Mode…')}`, command: EmulatorCommand.SetImdsv2 },
          { label: `$(cloud-upload) ${vscode.l10n.t('Serve User-Data from File…')}`, command: SERVE_USER_DATA_COMMAND },
          { label: `$(debug-stop) ${vscode.l10n.t('Stop Emulator')}`, description: emulator.url, command: EmulatorCommand.Stop },
        ]
      : [{ label: `$(play) ${vscode.l10n.t('Start Emulator')}`, command: EmulatorCommand.Start }];
    const picked = await vscode.window.showQuickPick(actions, { title: vscode.l10n.t('IMDS emulator') });
    if (picked) await vscode.commands.executeCommand(picked.command);
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Registers the emulator commands and the emulator status bar item (which follows the emulator by
 * itself; `update()` on the result refreshes it at once).
 */
export function registerEmulatorCommands(context: vscode.ExtensionContext, deps: EmulatorCommandDeps): EmulatorCommands {
  const commands = new EmulatorCommandsImpl(deps);
  context.subscriptions.push(commands);
  return commands;
}
