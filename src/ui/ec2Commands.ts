// The EC2 API in VS Code: the "Instance settings (EC2 API)" section under every source tied to an
// instance, "IMDS: Add EC2 Instance…" (DescribeInstances, paginated, filter as you type), and
// Apply… of a doctor finding: a modal with the exact change → DryRun → a second, explicit
// confirmation → the change → progress until State is applied (bounded, cancellable) → a log line
// with before and after → Undo. The change itself goes through src/aws/ec2/change.ts, loaded with
// the EC2 client from the lazy AWS bundle.
import * as vscode from 'vscode';
import type { AccountChange, ChangeOutcome, ChangeRecord } from '../aws/ec2/change';
import { instanceLabel, isUnavailable, platformText, type InstanceSettings, type InstanceSummary } from '../aws/ec2/types';
import type { MetadataSource } from '../imds/types';
import { connectEc2, ec2TargetOf, hasEc2Instance, loadEc2, readSettingsFor } from './ec2Target';
import { readEc2Settings, readSsmSettings } from './settings';
import { pickProfileAndRegion } from './ssmCommands';
import type { Confirmations } from './confirm';
import type { SectionRow, TreeSection } from './treeNodes';

export const Ec2Command = {
  AddInstance: 'imdsExplorer.ec2.addInstance',
  ApplyFix: 'imdsExplorer.ec2.applyFix',
  UndoLast: 'imdsExplorer.ec2.undoLastChange',
} as const;

export interface Ec2CommandDeps {
  addSource(source: MetadataSource): void;
  log(line: string): void;
  /** Reloads the sections (after a change) so the tree shows what EC2 now says. */
  refreshTree(): void;
  confirmations: Confirmations;
}

/** Arguments that skip the pickers (tests, other commands). */
export interface AddEc2InstanceArgs {
  instanceId: string;
  region?: string;
  profile?: string;
  name?: string;
  platform?: string;
}

function optionRows(settings: InstanceSettings): SectionRow[] {
  const rows: SectionRow[] = [];
  const missing = (what: string, part: { unavailable: { message: string; remedy: string; permission?: string } }): SectionRow => ({
    label: `${what}: ${part.unavailable.permission ? vscode.l10n.t('needs {0}', part.unavailable.permission) : part.unavailable.message}`,
    icon: 'warning',
    tooltip: `${part.unavailable.message} ${part.unavailable.remedy}`,
  });
  if (isUnavailable(settings.instance)) rows.push(missing('MetadataOptions', settings.instance));
  else {
    const i: InstanceSummary = settings.instance;
    rows.push({ label: instanceLabel(i), description: `${i.state} · ${i.instanceType} · ${platformText(i)} · ${settings.region}`, icon: 'vm', tooltip: i.launchTime ? vscode.l10n.t('Launched {0}', i.launchTime) : undefined });
    const o = i.metadataOptions;
    if (o) {
      rows.push({ label: 'HttpTokens', description: o.httpTokens === 'required' ? 'required (IMDSv2 only)' : 'optional (IMDSv1 allowed)', icon: o.httpTokens === 'required' ? 'shield' : 'unlock' });
      rows.push({ label: 'HttpPutResponseHopLimit', description: String(o.httpPutResponseHopLimit), icon: 'arrow-swap' });
      rows.push({ label: 'HttpEndpoint', description: o.httpEndpoint, icon: o.httpEndpoint === 'enabled' ? 'pass' : 'circle-slash' });
      rows.push({ label: 'HttpProtocolIpv6', description: o.httpProtocolIpv6, icon: 'globe' });
      rows.push({ label: 'InstanceMetadataTags', description: o.instanceMetadataTags, icon: 'tag' });
      rows.push({ label: 'State', description: o.state, icon: o.state === 'applied' ? 'check' : 'loading~spin' });
    }
  }
  if (isUnavailable(settings.associations)) rows.push(missing(vscode.l10n.t('IAM instance profile'), settings.associations));
  else if (settings.associations.length === 0) rows.push({ label: vscode.l10n.t('IAM instance profile'), description: vscode.l10n.t('none associated'), icon: 'key' });
  else {
    const a = settings.associations[0];
    rows.push({ label: vscode.l10n.t('IAM instance profile'), description: `${a.instanceProfileArn.split('/').pop()} · ${a.state}`, icon: 'key', tooltip: `${a.instanceProfileArn}\n${a.associationId} ${a.state}${a.timestamp ? ` since ${a.timestamp}` : ''}` });
  }
  if (isUnavailable(settings.defaults)) rows.push(missing(vscode.l10n.t('Account defaults'), settings.defaults));
  else {
    const d = settings.defaults;
    rows.push({ label: vscode.l10n.t('Account defaults ({0})', settings.region), description: `HttpTokens ${d.httpTokens ?? 'no preference'} · hop limit ${d.httpPutResponseHopLimit ?? 'no preference'}`, icon: 'organization' });
  }
  return rows;
}

/** The tree section: what the EC2 API says about the source's instance. */
export function instanceSettingsSection(): TreeSection {
  return {
    label: vscode.l10n.t('Instance settings (EC2 API)'),
    icon: 'settings-gear',
    // An SSM instance is named by its id: its settings help most when its IMDS cannot be read. The
    // others learn their instance id through IMDS, so they need it readable.
    appliesTo: (source, { readable }) => hasEc2Instance(source) && (readable || source.kind === 'ssm'),
    async rows(source) {
      const target = await ec2TargetOf(source);
      if (!target) return [{ label: vscode.l10n.t('IMDS does not name an instance id here: no EC2 settings to show.'), icon: 'info' }];
      try {
        const settings = await readSettingsFor(target);
        return [...optionRows(settings), { label: vscode.l10n.t('Run IMDS Doctor'), icon: 'pulse', command: { id: 'imdsExplorer.diagnose', args: [{ sourceId: source.id }] } }];
      } catch (error) {
        const e = error as { message?: string; remedy?: string };
        return [{ label: e.message ?? String(error), icon: 'error', tooltip: e.remedy }, ...(e.remedy ? [{ label: e.remedy, icon: 'lightbulb' }] : [])];
      }
    },
  };
}

async function addEc2Instance(deps: Ec2CommandDeps, args?: AddEc2InstanceArgs): Promise<MetadataSource | undefined> {
  const ssmSettings = readSsmSettings();
  const ec2Settings = readEc2Settings();
  let chosen: AddEc2InstanceArgs | undefined = args;
  if (!chosen) {
    const where = await pickProfileAndRegion(ssmSettings, ssmSettings.region, { profile: vscode.l10n.t('Add EC2 Instance (1/3): AWS profile'), region: vscode.l10n.t('Add EC2 Instance (2/3): Region') });
    if (!where) return undefined;
    let instances: InstanceSummary[];
    try {
      instances = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing EC2 instances in {0}…', where.region), cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const { api } = await connectEc2({ region: where.region, profile: where.profile, endpoint: ec2Settings.endpoint });
        try {
          return await api.listInstances({ signal: controller.signal, limit: 5000, onPage: (n) => progress.report({ message: vscode.l10n.t('{0} so far', n) }) });
        } finally {
          api.close();
        }
      });
    } catch (error) {
      const e = error as { message?: string; remedy?: string };
      deps.log(`EC2: ${e.message ?? String(error)} ${e.remedy ?? ''}`);
      void vscode.window.showErrorMessage(`${e.message ?? String(error)} ${e.remedy ?? ''}`.trim());
      return undefined;
    }
    if (instances.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No EC2 instances in {0} for this profile.', where.region));
      return undefined;
    }
    const items = instances.map((i) => ({
      label: `${i.state === 'running' ? '$(vm-running)' : '$(vm-outline)'} ${i.name ?? i.instanceId}`,
      description: `${i.instanceId} · ${i.state} · ${i.instanceType} · ${platformText(i)}`,
      instance: i,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Add EC2 Instance (3/3): instances in {0}', where.region), placeHolder: vscode.l10n.t('Filter by Name, id, state, type or platform'), matchOnDescription: true });
    if (!picked) return undefined;
    chosen = { instanceId: picked.instance.instanceId, region: where.region, profile: where.profile, name: picked.instance.name, platform: picked.instance.platform };
  }
  // Its IMDS is read through SSM (when the instance is managed); its settings through the EC2 API.
  const ssm = await import('../sources/ssm');
  const source = new ssm.SsmSource({
    instanceId: chosen.instanceId,
    region: chosen.region ?? ssmSettings.region,
    profile: chosen.profile ?? ssmSettings.profile,
    endpoint: ssmSettings.endpoint,
    platform: chosen.platform === 'windows' ? 'windows' : 'linux',
    instanceName: chosen.name,
    label: chosen.name ? `${chosen.name} (${chosen.instanceId})` : undefined,
    commandTimeoutSeconds: ssmSettings.commandTimeoutSeconds,
    // The same transport as Add SSM Instance… (imdsExplorer.ssm.transport: a session, else Run Command).
    transport: ssmSettings.transport,
    log: deps.log,
    onProgress: (state, detail) => deps.log(`SSM ${chosen!.instanceId}: ${state}: ${detail}`),
  });
  deps.addSource(source);
  return source;
}

const changes: ChangeRecord[] = [];

/** Apply… of a finding (or Undo): every step asks or shows; nothing changes without two yeses. */
async function applyFix(deps: Ec2CommandDeps, change: AccountChange | undefined): Promise<ChangeOutcome | undefined> {
  if (!change || typeof change !== 'object' || !change.after) return undefined;
  const ec2 = await loadEc2();
  const text = ec2.describeChange(change);
  const check = vscode.l10n.t('Check with DryRun');
  if (!(await deps.confirmations.ask(vscode.l10n.t('Change IMDS settings through the EC2 API?'), `${text}\n\n${vscode.l10n.t('First a DryRun checks the permission; nothing changes until you confirm again.')}`, check))) return { status: 'declined' };
  const { api } = await connectEc2({ region: change.region, profile: change.profile, endpoint: readEc2Settings().endpoint });
  try {
    const apply = vscode.l10n.t('Apply Change');
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('EC2: {0}', ec2.changeTarget(change)), cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return ec2.applyChange(api, change, {
        confirm: () => deps.confirmations.ask(vscode.l10n.t('DryRun passed: make this change now?'), `${text}\n\n${vscode.l10n.t('You can undo it afterwards.')}`, apply),
        onProgress: (step, detail) => progress.report({ message: step === 'wait' ? detail : step }),
        signal: controller.signal,
        waitTimeoutMs: 120_000,
        pollMs: 1000,
      });
    });
    if (outcome.status === 'refused') {
      deps.log(`EC2: refused before any change: ${outcome.error.toLine()}`);
      void vscode.window.showErrorMessage(outcome.error.toLine());
    } else if (outcome.status === 'declined') {
      deps.log(`EC2: not changed (declined): ${text.replace(/\n\s*/g, ' ')}`);
    } else {
      changes.push(outcome.record);
      deps.log(`EC2: changed (${outcome.record.state}) ${text.replace(/\n\s*/g, ' ')}; undo: ${ec2.changeLines(ec2.undoOf(outcome.record)).join('; ')}`);
      deps.refreshTree();
      const undo = vscode.l10n.t('Undo');
      void vscode.window
        .showInformationMessage(outcome.record.state === 'applied' ? vscode.l10n.t('Applied: {0}', ec2.changeLines(change).join('; ')) : vscode.l10n.t('Made, still pending: {0}', ec2.changeLines(change).join('; ')), undo)
        .then((choice) => (choice === undo ? undoLast(deps) : undefined));
    }
    return outcome;
  } finally {
    api.close();
  }
}

async function undoLast(deps: Ec2CommandDeps): Promise<ChangeOutcome | undefined> {
  const last = changes[changes.length - 1];
  if (!last) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No EC2 change made in this window to undo.'));
    return undefined;
  }
  const outcome = await applyFix(deps, (await loadEc2()).undoOf(last));
  if (outcome?.status === 'made') {
    changes.splice(changes.indexOf(last), 1);
    changes.pop(); // the undo itself is not offered for undo again
  }
  return outcome;
}

export function registerEc2Commands(context: vscode.ExtensionContext, deps: Ec2CommandDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Ec2Command.AddInstance, (args?: AddEc2InstanceArgs) => addEc2Instance(deps, args)),
    vscode.commands.registerCommand(Ec2Command.ApplyFix, (change?: AccountChange) => applyFix(deps, change)),
    vscode.commands.registerCommand(Ec2Command.UndoLast, () => undoLast(deps)),
  );
}
