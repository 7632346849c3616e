// The SSM commands: "IMDS: Add SSM Instance…" (profile, Region, then managed instances to pick; the
// ones that are not Online are shown with why and cannot be picked), "IMDS: Show SSM Script"
// (the script a snapshot runs on the instance, read-only, for a security review) and "IMDS: Compare
// SSM Fleet…" (up to 50 instances, or a tag, read with one Run Command and compared side by side in
// a read-only Markdown document). The SSM code and the AWS SDK load on first use through import()
// of src/sources/ssm (a lazy module, dist/lazy/ssm-source.mjs).
import * as vscode from 'vscode';
import { maskSnapshot } from '../imds/snapshot';
import type { MetadataSource, Snapshot } from '../imds/types';
import type { AwsProfile, ManagedInstance, ScriptPlatform, SsmError, TransportChoice } from '../sources/ssm';
import { describeError } from './errorText';
import { fleetReportMarkdown, parseTag } from './ssmFleetReport';
import { loadEc2 } from './ec2Target';
import { readEc2Settings, readSsmSettings, type SsmSettings } from './settings';

export const SsmCommand = {
  AddInstance: 'imdsExplorer.ssm.addInstance',
  ShowScript: 'imdsExplorer.ssm.showScript',
  CompareFleet: 'imdsExplorer.ssm.compareFleet',
} as const;

export const SSM_SCRIPT_SCHEME = 'imds-ssm-script';
export const SSM_FLEET_SCHEME = 'imds-ssm-fleet';

/** One Run Command reaches at most this many instances (MAX_FLEET in src/sources/ssm, not imported: it would load the SDK bundle). */
const FLEET_MAX = 50;

export interface SsmCommandDeps {
  addSource(source: MetadataSource): void;
  /** Where progress and errors are logged (the explorer's output channel). */
  log?: (line: string) => void;
  /** The selected source: "Show SSM Script" shows an SSM source's own script. */
  activeSource?: () => MetadataSource | undefined;
}

/** Arguments that skip the pickers (other commands, tests, keybindings). */
export interface AddInstanceArgs {
  instanceId: string;
  region?: string;
  profile?: string;
  platform?: ScriptPlatform;
  name?: string;
  /** Default: the imdsExplorer.ssm.transport setting. */
  transport?: TransportChoice;
}

/** Arguments of "Compare SSM Fleet…" that skip the pickers (tests, automation): instance ids or a tag. */
export interface CompareFleetArgs {
  instanceIds?: string[];
  /** `Key=Value`: every Online Linux instance with this tag. */
  tag?: string;
  profile?: string;
  region?: string;
  /** SSM API endpoint; default the imdsExplorer.ssm.endpoint setting. */
  endpoint?: string;
}

const loadSsm = () => import('../sources/ssm');
type SsmModule = Awaited<ReturnType<typeof loadSsm>>;

const COMMON_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-east-1', 'me-south-1', 'af-south-1',
];

async function pickProfile(settings: SsmSettings, title: string): Promise<{ profile?: string; region?: string } | undefined> {
  const { listAwsProfiles } = await loadSsm();
  const profiles: AwsProfile[] = await listAwsProfiles();
  type Item = vscode.QuickPickItem & { profile?: AwsProfile };
  const items: Item[] = [
    { label: `$(key) ${vscode.l10n.t('Default credential chain')}`, description: vscode.l10n.t('environment variables, AWS_PROFILE, default profile, SSO, container or instance role') },
    ...profiles.map((profile) => ({
      label: `$(account) ${profile.name}`,
      description: [profile.sso ? 'SSO' : '', profile.region ?? ''].filter(Boolean).join(' · '),
      profile,
    })),
  ];
  const preferred = items.find((item) => item.profile?.name === settings.profile);
  if (preferred) items.unshift(...items.splice(items.indexOf(preferred), 1));
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Credentials to call AWS Systems Manager with') });
  if (!picked) return undefined;
  return { profile: picked.profile?.name, region: picked.profile?.region };
}

async function pickRegion(defaultRegion: string | undefined, title: string): Promise<string | undefined> {
  const regions = defaultRegion ? [defaultRegion, ...COMMON_REGIONS.filter((r) => r !== defaultRegion)] : COMMON_REGIONS;
  const quickPick = vscode.window.createQuickPick();
  quickPick.title = title;
  quickPick.placeholder = vscode.l10n.t('Region of the instance (type another Region code if it is not listed)');
  quickPick.items = regions.map((region) => ({ label: region, ...(region === defaultRegion ? { description: vscode.l10n.t('default') } : {}) }));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      quickPick.dispose();
    };
    quickPick.onDidAccept(() => {
      const typed = quickPick.value.trim();
      const chosen = quickPick.selectedItems[0]?.label ?? typed;
      if (/^[a-z]{2}(-[a-z]+)+-\d+$/.test(chosen)) finish(chosen);
      else quickPick.placeholder = vscode.l10n.t('"{0}" is not a Region code such as eu-west-1', chosen);
    });
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
  });
}

/** The first two steps of both pickers: a profile, then a Region (the profile's or the environment's first). */
export async function pickProfileAndRegion(settings: SsmSettings, region: string | undefined, titles: { profile: string; region: string }): Promise<{ profile?: string; region: string } | undefined> {
  const chosenProfile = await pickProfile(settings, titles.profile);
  if (!chosenProfile) return undefined;
  const chosenRegion = await pickRegion(region ?? chosenProfile.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION, titles.region);
  return chosenRegion ? { profile: chosenProfile.profile, region: chosenRegion } : undefined;
}

/**
 * EC2 instances get their Name tag as their name where DescribeInstances is allowed (SSM only
 * knows the computer name; src/aws/ec2/nameTags.ts, bounded, never an error). An overridden SSM
 * endpoint without an EC2 one means AWS is elsewhere: EC2 is not asked then.
 */
async function withNameTags(instances: ManagedInstance[], region: string, profile: string | undefined, ssmEndpoint: string | undefined): Promise<ManagedInstance[]> {
  const ec2Endpoint = readEc2Settings().endpoint;
  if (ssmEndpoint && !ec2Endpoint) return instances;
  try {
    return await (await loadEc2()).withNameTags(instances, { region, profile, endpoint: ec2Endpoint });
  } catch {
    return instances;
  }
}

/** The Region's managed instances, with progress; undefined (after saying why) when there are none. */
async function listInstances(ssm: SsmModule, region: string, profile: string | undefined, endpoint: string | undefined): Promise<ManagedInstance[] | undefined> {
  const instances = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing managed instances in {0}…', region) },
    async () => withNameTags(await ssm.listManagedInstances({ region, profile, endpoint }), region, profile, endpoint),
  );
  if (instances.length > 0) return instances;
  void vscode.window.showInformationMessage(vscode.l10n.t('No managed instances in {0} for this profile. Instances appear once their SSM agent registers (instance profile with AmazonSSMManagedInstanceCore).', region));
  return undefined;
}

type InstanceItem = vscode.QuickPickItem & { instance?: ManagedInstance };

/** Quick-pick items: Online instances to pick, then the others under a separator, each with why. */
export function instanceItems(instances: readonly ManagedInstance[]): InstanceItem[] {
  const online = instances.filter((i) => i.selectable);
  const offline = instances.filter((i) => !i.selectable);
  const item = (instance: ManagedInstance): InstanceItem => ({
    label: `${instance.selectable ? '$(vm-running)' : '$(vm-outline)'} ${instance.name}`,
    description: [instance.instanceId, instance.platformName ?? instance.platformType, instance.ipAddress].filter(Boolean).join(' · '),
    detail: instance.selectable ? `${instance.pingStatus}` : `$(circle-slash) ${instance.pingStatus}: ${instance.reason ?? ''}`,
    instance,
  });
  return [
    ...online.map(item),
    ...(offline.length ? [{ label: vscode.l10n.t('Not reachable now'), kind: vscode.QuickPickItemKind.Separator } as InstanceItem] : []),
    ...offline.map(item),
  ];
}

interface PickInstancesOptions {
  title: string;
  placeholder: string;
  /** Most instances that may be picked at once. */
  max?: number;
  /** A title-bar button that ends the pick with 'tag' (target by tag instead). */
  tagButton?: vscode.QuickInputButton;
}

async function pickInstances(instances: ManagedInstance[], options: PickInstancesOptions): Promise<ManagedInstance[] | 'tag' | undefined> {
  const quickPick = vscode.window.createQuickPick<InstanceItem>();
  quickPick.title = options.title;
  quickPick.placeholder = options.placeholder;
  quickPick.canSelectMany = true;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.items = instanceItems(instances);
  if (options.tagButton) quickPick.buttons = [options.tagButton];
  return new Promise((resolve) => {
    let settled = false;
    let kept: readonly InstanceItem[] = [];
    const finish = (value: ManagedInstance[] | 'tag' | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      quickPick.dispose();
    };
    quickPick.onDidTriggerButton((button) => {
      if (button === options.tagButton) finish('tag');
    });
    quickPick.onDidChangeSelection((selection) => {
      const refused = selection.filter((i) => i.instance && !i.instance.selectable);
      if (refused.length > 0) {
        // Not Online: cannot run a command now. Keep it unpicked and say why.
        quickPick.selectedItems = kept = selection.filter((i) => i.instance?.selectable);
        const first = refused[0].instance!;
        quickPick.placeholder = vscode.l10n.t('{0} cannot be picked: {1}', first.instanceId, first.reason ?? first.pingStatus);
      } else if (options.max !== undefined && selection.length > options.max) {
        // One command reaches at most `max` instances: the selection stays as it was.
        quickPick.selectedItems = kept;
        quickPick.placeholder = vscode.l10n.t('At most {0} instances can be picked for one command.', options.max);
      } else {
        kept = selection;
      }
    });
    quickPick.onDidAccept(() => {
      const picked = quickPick.selectedItems.flatMap((i) => (i.instance?.selectable ? [i.instance] : []));
      if (picked.length) finish(picked);
    });
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
  });
}

async function showSsmError(error: unknown, profile: string | undefined, log?: (line: string) => void): Promise<void> {
  const ssmError = error as Partial<SsmError>;
  const message = ssmError.summary && ssmError.remedy ? `${ssmError.summary} ${ssmError.remedy}` : error instanceof Error ? error.message : String(error);
  log?.(`SSM: ${message}`);
  const actions: string[] = [];
  const login = vscode.l10n.t('Run aws sso login');
  const copy = vscode.l10n.t('Copy Command');
  const settings = vscode.l10n.t('Open SSM Settings');
  if (ssmError.code === 'SsoExpired' || ssmError.code === 'ExpiredCredentials') actions.push(login, copy);
  if (ssmError.code === 'NoRegion' || ssmError.code === 'EndpointUnreachable' || ssmError.code === 'NoCredentials') actions.push(settings);
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  const command = profile ? `aws sso login --profile ${profile}` : 'aws sso login';
  if (choice === login) {
    const terminal = vscode.window.createTerminal({ name: vscode.l10n.t('AWS SSO login') });
    terminal.show();
    terminal.sendText(command);
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(command);
  } else if (choice === settings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'imdsExplorer.ssm');
  }
}

async function addInstance(deps: SsmCommandDeps, args?: AddInstanceArgs): Promise<MetadataSource[] | undefined> {
  const settings = readSsmSettings();
  let profile = args?.profile ?? settings.profile;
  let region = args?.region ?? settings.region;
  let picked: { instanceId: string; platform: ScriptPlatform; name?: string }[];
  try {
    const ssm = await loadSsm();
    if (args?.instanceId) {
      picked = [{ instanceId: args.instanceId, platform: args.platform ?? 'linux', name: args.name }];
    } else {
      const where = await pickProfileAndRegion(settings, region, {
        profile: vscode.l10n.t('Add SSM Instance (1/3): AWS profile'),
        region: vscode.l10n.t('Add SSM Instance (2/3): Region'),
      });
      if (!where) return undefined;
      ({ profile, region } = where);
      const instances = await listInstances(ssm, where.region, profile, settings.endpoint);
      if (!instances) return undefined;
      const chosen = await pickInstances(instances, {
        title: vscode.l10n.t('Add SSM Instance (3/3): managed instances'),
        placeholder: vscode.l10n.t('Pick one or more Online instances (filter by name, id, IP or platform)'),
      });
      if (!chosen || chosen === 'tag') return undefined;
      picked = chosen.map((i) => ({ instanceId: i.instanceId, platform: ssm.platformOf(i), name: i.name !== i.instanceId ? i.name : undefined }));
    }
    const sources = picked.map((instance) => new ssm.SsmSource({
      instanceId: instance.instanceId,
      region,
      profile,
      endpoint: settings.endpoint,
      platform: instance.platform,
      instanceName: instance.name,
      commandTimeoutSeconds: settings.commandTimeoutSeconds,
      transport: args?.transport ?? settings.transport,
      log: deps.log,
      onProgress: (state, detail) => deps.log?.(`SSM ${instance.instanceId}: ${state}: ${detail}`),
    }));
    for (const source of sources) deps.addSource(source);
    return sources;
  } catch (error) {
    await showSsmError(error, profile, deps.log);
    return undefined;
  }
}

/** Read-only documents (the script, fleet comparisons): their text is set before they open. */
class ScriptDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** An open document of the same URI (another source's script) is read again. */
  readonly onDidChange = this.changed.event;
  set(uri: vscode.Uri, text: string): void {
    const before = this.texts.get(uri.toString());
    this.texts.set(uri.toString(), text);
    if (before !== undefined && before !== text) this.changed.fire(uri);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

async function showScript(documents: ScriptDocuments, deps: SsmCommandDeps): Promise<vscode.TextEditor | undefined> {
  const ssm = await loadSsm();
  const active = deps.activeSource?.();
  let text: string;
  let platform: ScriptPlatform;
  if (active?.kind === 'ssm' && typeof (active as { script?: unknown }).script === 'function') {
    const source = active as MetadataSource & { script(): string; label: string };
    text = source.script();
    // A session's script comes after a header with its SHA-256; a Linux script starts #!/bin/sh.
    platform = /^#!\/bin\/sh$/m.test(text) ? 'linux' : 'windows';
  } else {
    const choice = await vscode.window.showQuickPick(
      [{ label: 'Linux', description: 'AWS-RunShellScript', platform: 'linux' as const }, { label: 'Windows', description: 'AWS-RunPowerShellScript', platform: 'windows' as const }],
      { title: vscode.l10n.t('Show SSM Script'), placeHolder: vscode.l10n.t('Platform of the instance') },
    );
    if (!choice) return undefined;
    platform = choice.platform;
    text = (platform === 'windows' ? ssm.buildPowerShellSnapshotScript : ssm.buildShellSnapshotScript)({ documentId: '0123456789abcdef' });
  }
  // One document per source: VS Code keeps an open document's text, and sources' scripts differ (transport).
  const query = active?.kind === 'ssm' ? `source=${encodeURIComponent(active.id)}` : '';
  const uri = vscode.Uri.from({ scheme: SSM_SCRIPT_SCHEME, path: platform === 'windows' ? '/imds-snapshot.ps1' : '/imds-snapshot.sh', query });
  documents.set(uri, text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, platform === 'windows' ? 'powershell' : 'shellscript');
  return vscode.window.showTextDocument(document, { preview: true });
}

async function askTag(): Promise<{ key: string; value: string } | undefined> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Compare SSM Fleet (3/3): instances by tag'),
    prompt: vscode.l10n.t('Every Online Linux instance with this tag is read by one Run Command (at most {0}).', FLEET_MAX),
    placeHolder: 'Env=prod',
    validateInput: (value) => (parseTag(value) ? undefined : vscode.l10n.t('Type a tag as Key=Value, e.g. Env=prod')),
  });
  return text === undefined ? undefined : parseTag(text);
}

let fleetDocuments = 0;

async function compareFleet(documents: ScriptDocuments, deps: SsmCommandDeps, args?: CompareFleetArgs): Promise<vscode.TextEditor | undefined> {
  const settings = readSsmSettings();
  let profile = args?.profile ?? settings.profile;
  let region = args?.region ?? settings.region;
  const endpoint = args?.endpoint ?? settings.endpoint;
  try {
    const ssm = await loadSsm();
    let target: { instanceIds: string[] } | { tag: { key: string; value: string } };
    const names = new Map<string, string>();
    if (args?.instanceIds?.length) {
      target = { instanceIds: args.instanceIds };
    } else if (args?.tag) {
      const tag = parseTag(args.tag);
      if (!tag) throw new ssm.SsmError('InvalidRequest', `"${args.tag}" is not a tag.`, 'Give the tag as Key=Value, e.g. Env=prod.');
      target = { tag };
    } else {
      const where = await pickProfileAndRegion(settings, region, {
        profile: vscode.l10n.t('Compare SSM Fleet (1/3): AWS profile'),
        region: vscode.l10n.t('Compare SSM Fleet (2/3): Region'),
      });
      if (!where) return undefined;
      ({ profile, region } = where);
      const instances = await listInstances(ssm, where.region, profile, endpoint);
      if (!instances) return undefined;
      for (const instance of instances) if (instance.name !== instance.instanceId) names.set(instance.instanceId, instance.name);
      // One command runs one document: the fleet gets the shell script, so Windows instances sit out.
      const fleetable = instances.map((instance) => (instance.selectable && ssm.platformOf(instance) !== 'linux'
        ? { ...instance, selectable: false, reason: vscode.l10n.t('{0}: a fleet command runs the Linux shell script (add it with "Add SSM Instance…")', instance.platformType ?? 'Windows') }
        : instance));
      const tagButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('tag'), tooltip: vscode.l10n.t('Target by tag (Key=Value) instead') };
      const chosen = await pickInstances(fleetable, {
        title: vscode.l10n.t('Compare SSM Fleet (3/3): instances'),
        placeholder: vscode.l10n.t('Pick 2 to {0} Online Linux instances, or target a tag with the tag button', FLEET_MAX),
        max: FLEET_MAX,
        tagButton,
      });
      if (!chosen) return undefined;
      if (chosen === 'tag') {
        const tag = await askTag();
        if (!tag) return undefined;
        target = { tag };
      } else {
        target = { instanceIds: chosen.map((instance) => instance.instanceId) };
      }
    }

    const targetText = 'tag' in target
      ? vscode.l10n.t('tag {0}', `${target.tag.key}=${target.tag.value}`)
      : target.instanceIds.length === 1 ? vscode.l10n.t('1 instance') : vscode.l10n.t('{0} instances', target.instanceIds.length);
    const controller = new AbortController();
    const fleet = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Comparing SSM fleet ({0})', targetText), cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const total = 'instanceIds' in target ? new Set(target.instanceIds).size : undefined;
        const answered = new Set<string>();
        progress.report({ message: vscode.l10n.t('sending one Run Command…') });
        return ssm.snapshotFleet({
          region, profile, endpoint, ...target,
          commandTimeoutSeconds: settings.commandTimeoutSeconds,
          signal: controller.signal,
          onProgress: (instanceId, state, detail) => {
            deps.log?.(`SSM fleet ${instanceId}: ${state}: ${detail}`);
            if (state !== 'done' || answered.has(instanceId)) return;
            answered.add(instanceId);
            progress.report(total
              ? { message: vscode.l10n.t('{0} of {1} instances answered', answered.size, total), increment: 100 / total }
              : { message: vscode.l10n.t('{0} instances answered', answered.size) });
          },
        });
      },
    );
    if (controller.signal.aborted) {
      deps.log?.('SSM fleet: cancelled (the commands were cancelled too)');
      void vscode.window.showInformationMessage(vscode.l10n.t('Fleet comparison cancelled; its Run Commands were cancelled too.'));
      return undefined;
    }
    if (fleet.results.length === 0) {
      const why = fleet.skipped.length ? ` ${fleet.skipped.map((s) => `${s.instanceId}: ${s.reason}`).join('; ')}` : '';
      void vscode.window.showWarningMessage(vscode.l10n.t('No Online Linux instance to compare ({0}).', targetText) + why);
      return undefined;
    }

    const snapshots = new Map<string, Snapshot>();
    const failed: { instanceId: string; message: string }[] = [];
    for (const result of fleet.results) {
      if (result.snapshot && !result.error) {
        // The script masks credentials on the instance; mask again here, as saved snapshots are.
        snapshots.set(result.instanceId, maskSnapshot(result.snapshot));
      } else {
        const error = describeError(result.error ?? new Error('no snapshot came back'));
        failed.push({ instanceId: result.instanceId, message: [error.summary, error.remedy].filter(Boolean).join(' ') });
      }
    }
    const report = fleetReportMarkdown({
      comparison: ssm.compareFleet(snapshots),
      failed,
      skipped: fleet.skipped,
      target: 'tag' in target ? targetText : target.instanceIds.join(', '),
      region,
      profile,
      commandsSent: fleet.commandsSent,
      elapsedMs: fleet.elapsedMs,
      names,
    });
    deps.log?.(`SSM fleet: ${report.summary}`);
    for (const f of failed) deps.log?.(`SSM fleet ${f.instanceId}: ${f.message}`);

    const uri = vscode.Uri.from({ scheme: SSM_FLEET_SCHEME, path: `/ssm-fleet-${++fleetDocuments}.md` });
    documents.set(uri, report.markdown);
    const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const preview = vscode.l10n.t('Open Preview');
    const shown = failed.length ? vscode.window.showWarningMessage(report.summary, preview) : vscode.window.showInformationMessage(report.summary, preview);
    void shown.then((choice) => {
      if (choice === preview) void vscode.commands.executeCommand('markdown.showPreview', uri);
    });
    return editor;
  } catch (error) {
    await showSsmError(error, profile, deps.log);
    return undefined;
  }
}

/** Registers the SSM commands and the read-only script and fleet documents. */
export function registerSsmCommands(context: vscode.ExtensionContext, deps: SsmCommandDeps): void {
  const documents = new ScriptDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SSM_SCRIPT_SCHEME, documents),
    vscode.workspace.registerTextDocumentContentProvider(SSM_FLEET_SCHEME, documents),
    vscode.commands.registerCommand(SsmCommand.AddInstance, (args?: AddInstanceArgs) => addInstance(deps, args)),
    vscode.commands.registerCommand(SsmCommand.ShowScript, () => showScript(documents, deps)),
    vscode.commands.registerCommand(SsmCommand.CompareFleet, (args?: CompareFleetArgs) => compareFleet(documents, deps, args)),
  );
}
