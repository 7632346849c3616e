// The IMDS Posture view's commands: take a posture (profile, Regions, days; rows appear while the
// Regions answer), open a saved report, search by Name/id/tag, export CSV/JSON, show an instance
// (evidence and the daily chart), open it as an SSM source or run the doctor on it. The AWS side
// (EC2 + CloudWatch SDKs) loads on first use through import() of src/posture/fleet (dist/lazy/posture-fleet.mjs).
import * as vscode from 'vscode';
import type { FleetConnection, FleetConnectionOptions } from '../posture/fleet';
import { PostureModel } from '../posture/model';
import { parsePostureReport, renderPostureCsv, renderPostureJson } from '../posture/report';
import { emptyCounts, type PostureInstance, type PostureReport, type RegionPosture } from '../posture/types';
import type { Confirmations } from './confirm';
import { describeError, errorLine } from './errorText';
import { PostureInstancePanel } from './postureChart';
import { readPostureSettings } from './settings';
import { POSTURE_CHART_COMMAND, POSTURE_VIEW_ID, PostureTreeProvider, type PostureNode } from './postureTree';

export const PostureCommand = {
  Take: 'imdsExplorer.posture.take',
  Open: 'imdsExplorer.posture.open',
  Search: 'imdsExplorer.posture.search',
  ClearSearch: 'imdsExplorer.posture.clearSearch',
  ExportCsv: 'imdsExplorer.posture.exportCsv',
  ExportJson: 'imdsExplorer.posture.exportJson',
  ShowInstance: POSTURE_CHART_COMMAND,
  OpenAsSource: 'imdsExplorer.posture.openAsSource',
  RunDoctor: 'imdsExplorer.posture.runDoctor',
} as const;

/** Arguments that skip the prompts (tests, automation). */
export interface TakePostureArgs {
  profile?: string;
  regions?: string[] | 'all';
  days?: number;
}

export const loadFleet = () => import('../posture/fleet');

/** The posture state the commands share: the tree, the connection of the last posture, the panel. */
export class PostureSession implements vscode.Disposable {
  readonly tree = new PostureTreeProvider();
  readonly panel = new PostureInstancePanel();
  readonly view: vscode.TreeView<PostureNode>;
  /** How the shown report was taken: the enforce command connects the same way. */
  connectionOptions: FleetConnectionOptions | undefined;
  /** The question on screen (its message and detail). */
  lastPrompt: { message: string; detail: string } | undefined;
  /** The last error a posture command showed (tests print it). */
  lastError: string | undefined;

  constructor(private readonly confirmations: Confirmations) {
    this.view = vscode.window.createTreeView(POSTURE_VIEW_ID, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: true });
  }

  /** A modal confirmation (the shared Confirmations of account changes): true only when the person chose `action`. */
  async confirm(message: string, detail: string, action: string): Promise<boolean> {
    this.lastPrompt = { message, detail };
    try {
      return await this.confirmations.ask(message, detail, action);
    } finally {
      this.lastPrompt = undefined;
    }
  }

  get report(): PostureReport | undefined {
    return this.tree.current?.report;
  }

  show(report: PostureReport | undefined, filter = this.tree.current?.filter ?? ''): void {
    const model = report ? new PostureModel(report) : undefined;
    if (model && filter) model.setFilter(filter);
    this.tree.setModel(model);
    this.describe();
  }

  /** The view's message: window, search and counts. */
  describe(): void {
    const model = this.tree.current;
    if (!model) {
      this.view.message = undefined;
      return;
    }
    const { report } = model;
    const total = report.regions.reduce((n, r) => n + r.instances.length, 0);
    const search = model.filter ? vscode.l10n.t(' · search "{0}": {1} of {2}', model.filter, model.totalMatching.toLocaleString('en-US'), total.toLocaleString('en-US')) : '';
    this.view.message = vscode.l10n.t('{0} instances · {1} days to {2}{3}', total.toLocaleString('en-US'), report.days, report.windowEnd.slice(0, 10), search);
  }

  async connect(): Promise<FleetConnection> {
    if (!this.connectionOptions) throw new Error(vscode.l10n.t('Take a posture first (IMDS: Take Fleet Posture…): enforce connects with the same profile and endpoints.'));
    return (await loadFleet()).connectFleet(this.connectionOptions);
  }

  dispose(): void {
    this.view.dispose();
    this.tree.dispose();
    this.panel.dispose();
  }
}

async function promptRegions(defaultRegion: string): Promise<string[] | 'all' | undefined> {
  type Item = vscode.QuickPickItem & { value: 'default' | 'all' | 'list' };
  const items: Item[] = [
    ...(defaultRegion ? [{ label: defaultRegion, description: vscode.l10n.t("the profile's Region"), value: 'default' as const }] : []),
    { label: vscode.l10n.t('All enabled Regions'), description: 'DescribeRegions', value: 'all' },
    { label: vscode.l10n.t('Regions…'), description: vscode.l10n.t('a comma-separated list'), value: 'list' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('IMDS posture: Regions') });
  if (!picked) return undefined;
  if (picked.value === 'default') return [defaultRegion];
  if (picked.value === 'all') return 'all';
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('IMDS posture: Regions'),
    prompt: vscode.l10n.t('Region names, comma-separated'),
    value: defaultRegion,
    validateInput: (value) => (value.split(',').map((r) => r.trim()).filter(Boolean).every((r) => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(r)) ? undefined : vscode.l10n.t('Region names like eu-west-1, comma-separated')),
  });
  return text ? text.split(',').map((r) => r.trim()).filter(Boolean) : undefined;
}

async function takePosture(session: PostureSession, args: TakePostureArgs | undefined): Promise<PostureReport | undefined> {
  const settings = readPostureSettings();
  const profile = args?.profile ?? settings.profile;
  const options: FleetConnectionOptions = { profile, ec2Endpoint: settings.ec2Endpoint, cloudWatchEndpoint: settings.cloudWatchEndpoint };
  const fleetModule = await loadFleet();
  let fleet: FleetConnection | undefined;
  try {
    fleet = await fleetModule.connectFleet(options);
    const regions = args?.regions ?? (await promptRegions(fleet.defaultRegion));
    if (!regions || (Array.isArray(regions) && !regions.length)) return undefined;
    const days = args?.days ?? settings.days;
    const connected = fleet;
    // Rows appear as Regions answer: a partial report, refreshed at most every 300 ms.
    const partial = new Map<string, RegionPosture>();
    let lastShown = 0;
    const showPartial = (force = false) => {
      if (!force && Date.now() - lastShown < 300) return;
      lastShown = Date.now();
      const now = new Date().toISOString();
      session.show({ kind: 'imds-posture', version: 1, generatedAt: now, days, windowStart: now, windowEnd: now, regions: [...partial.values()] });
    };
    session.tree.setStatus(vscode.l10n.t('Taking the posture…'));
    const report = await vscode.window.withProgress(
      { location: { viewId: POSTURE_VIEW_ID }, title: vscode.l10n.t('IMDS posture'), cancellable: false },
      () => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('IMDS posture: reading instances and metrics'), cancellable: true }, (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort(new Error(vscode.l10n.t('Cancelled.'))));
        let rows = 0;
        return fleetModule.takePosture(connected, {
          regions,
          days,
          profile,
          signal: controller.signal,
          onRows: (region, page) => {
            rows += page.length;
            let entry = partial.get(region);
            if (!entry) partial.set(region, (entry = { region, counts: emptyCounts(), instances: [] }));
            for (const row of page) {
              entry.instances.push(row);
              entry.counts[row.class] += 1;
            }
            progress.report({ message: vscode.l10n.t('{0} instances classified', rows.toLocaleString('en-US')) });
            showPartial();
          },
        });
      }),
    );
    session.connectionOptions = options;
    session.show(report);
    const errors = report.regions.filter((r) => r.error);
    if (errors.length) void vscode.window.showWarningMessage(vscode.l10n.t('IMDS posture: {0} could not be read: {1}', errors.map((r) => r.region).join(', '), errors[0].error ?? ''));
    return report;
  } catch (error) {
    session.tree.setStatus(vscode.l10n.t('The posture could not be taken: {0}', errorLine(describeError(error))), true);
    void vscode.window.showErrorMessage(vscode.l10n.t('IMDS posture: {0}', errorLine(describeError(error))));
    return undefined;
  } finally {
    fleet?.close();
  }
}

async function openReport(session: PostureSession, uri?: vscode.Uri): Promise<PostureReport | undefined> {
  const target = uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Posture report')]: ['json'] }, title: vscode.l10n.t('Open IMDS Posture Report') }))?.[0];
  if (!target) return undefined;
  try {
    const report = parsePostureReport(Buffer.from(await vscode.workspace.fs.readFile(target)).toString('utf8'));
    const settings = readPostureSettings();
    session.connectionOptions = { ...settings, profile: report.profile ?? settings.profile };
    session.show(report);
    return report;
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('IMDS posture: {0}', errorLine(describeError(error))));
    return undefined;
  }
}

async function exportReport(session: PostureSession, kind: 'csv' | 'json', uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const model = session.tree.current;
  if (!model) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Take a posture first (IMDS: Take Fleet Posture…).'));
    return undefined;
  }
  const name = `imds-posture-${model.report.generatedAt.slice(0, 10)}.${kind}`;
  const target = uri ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()), name), filters: { [kind.toUpperCase()]: [kind] } }));
  if (!target) return undefined;
  // CSV follows the search (what the person sees); JSON is the whole report enforce can read.
  const text = kind === 'csv' ? renderPostureCsv(model.all()) : renderPostureJson(model.report);
  await vscode.workspace.fs.writeFile(target, Buffer.from(text));
  void vscode.window.showInformationMessage(vscode.l10n.t('IMDS posture saved to {0}.', target.fsPath));
  return target;
}

function instanceArg(session: PostureSession, node: PostureNode | undefined): PostureInstance | undefined {
  const picked = node ?? session.view.selection[0];
  return picked ? session.tree.instanceOf(picked) : undefined;
}

/** Adds the instance as an SSM source (the SSM command checks it is managed and Online). */
async function openAsSource(session: PostureSession, node: PostureNode | undefined): Promise<{ id: string }[] | undefined> {
  const instance = instanceArg(session, node);
  if (!instance) return undefined;
  return vscode.commands.executeCommand<{ id: string }[] | undefined>('imdsExplorer.ssm.addInstance', {
    instanceId: instance.instanceId,
    region: instance.region,
    profile: session.report?.profile ?? session.connectionOptions?.profile,
    name: instance.name,
    platform: instance.platform === 'windows' ? 'windows' : undefined,
  });
}

export function registerPostureCommands(context: vscode.ExtensionContext, confirmations: Confirmations): PostureSession {
  const session = new PostureSession(confirmations);
  context.subscriptions.push(
    session,
    vscode.commands.registerCommand(PostureCommand.Take, (args?: TakePostureArgs) => takePosture(session, args)),
    vscode.commands.registerCommand(PostureCommand.Open, (uri?: vscode.Uri) => openReport(session, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(PostureCommand.Search, async (text?: string) => {
      const query = typeof text === 'string' ? text : await vscode.window.showInputBox({
        title: vscode.l10n.t('Search IMDS posture'),
        prompt: vscode.l10n.t('Part of a Name, an instance id, or a tag (Key=Value); empty shows all'),
        value: session.tree.current?.filter,
      });
      if (query === undefined || !session.tree.current) return;
      session.tree.current.setFilter(query);
      session.tree.refresh();
      session.describe();
      void vscode.commands.executeCommand('setContext', 'imdsExplorer.postureSearch', Boolean(query.trim()));
    }),
    vscode.commands.registerCommand(PostureCommand.ClearSearch, () => vscode.commands.executeCommand(PostureCommand.Search, '')),
    vscode.commands.registerCommand(PostureCommand.ExportCsv, (uri?: vscode.Uri) => exportReport(session, 'csv', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(PostureCommand.ExportJson, (uri?: vscode.Uri) => exportReport(session, 'json', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(PostureCommand.ShowInstance, (node?: PostureNode) => {
      const instance = instanceArg(session, node);
      if (instance && session.report) session.panel.show(instance, session.report);
      return instance;
    }),
    vscode.commands.registerCommand(PostureCommand.OpenAsSource, (node?: PostureNode) => openAsSource(session, node)),
    vscode.commands.registerCommand(PostureCommand.RunDoctor, async (node?: PostureNode) => {
      const added = await openAsSource(session, node);
      if (added?.[0]) await vscode.commands.executeCommand('imdsExplorer.diagnose', { sourceId: added[0].id });
    }),
  );
  return session;
}
