// The composition root: activate() wires sources, views and commands. Nothing else does.
// Heavy modules (the SSM client, AWS credential providers) are never imported here: they load
// through dynamic imports when a person first uses them (scripts/build.mjs makes those lazy bundles).
import * as vscode from 'vscode';
import type { Emulator } from './emulator/server';
import { knownPaths } from './imds/catalog';
import { AutoRefresh } from './ui/autoRefresh';
import { BuiltinSources } from './ui/builtinSources';
import { registerExplorerCommands } from './ui/explorerCommands';
import { IMDS_SCHEME, ImdsDocumentProvider } from './ui/imdsDocuments';
import { METADATA_VIEW_ID, MetadataTreeProvider } from './ui/metadataTreeProvider';
import { RequestLog } from './ui/requestLog';
import { SecretReveals } from './ui/secretReveals';
import type { ExplorerServices } from './ui/services';
import { affectsConnection, openExplorerSettings, readSettings, SETTINGS_SECTION } from './ui/settings';
import { SourceRegistry } from './ui/sourceRegistry';
import { SourceStatusBar } from './ui/statusBar';
import { nodePath, type MetadataNode } from './ui/treeNodes';
import { registerSnippetCommands } from './ui/snippetCommands';
import { registerUserDataCommands } from './ui/userDataCommands';
import { registerDoctorCommands } from './ui/doctorView';
import { registerSsmCommands } from './ui/ssmCommands';
import { registerEmulatorCommands } from './ui/emulatorCommands';
import { Ec2Command, instanceSettingsSection, registerEc2Commands } from './ui/ec2Commands';
import { doctorEc2Access } from './ui/ec2Target';
import { registerPostureCommands, type PostureSession } from './ui/postureCommands';
import { registerEnforceCommands } from './ui/postureEnforce';
import { Confirmations } from './ui/confirm';

export interface ExtensionApi {
  /** The tree behind the view. */
  readonly tree: MetadataTreeProvider;
  readonly view: vscode.TreeView<MetadataNode>;
  /** The tree's sources: `addSource`, `active`, `select`. */
  readonly sources: SourceRegistry;
  /** The in-process emulator behind "Built-in emulator": tests change its data through it. */
  readonly emulator: Emulator | undefined;
  readonly documents: ImdsDocumentProvider;
  readonly statusBar: SourceStatusBar;
  readonly autoRefresh: AutoRefresh;
  /** Everything register* functions receive. */
  readonly services: ExplorerServices;
  /** The log's last lines, as written (redacted). */
  logLines(): readonly string[];
  /** How long activate() took, in ms (the activation benchmark reads it). */
  readonly activationMs: number;
  /** The IMDS Posture view's state (tree, shown report, open modal). */
  readonly posture: PostureSession;
  /** Confirmations of account changes (modal; the integration suite switches to notifications). */
  readonly confirmations: Confirmations;
}

let builtinSources: BuiltinSources | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const started = performance.now();
  const log = new RequestLog(vscode.window.createOutputChannel(vscode.l10n.t('EC2 Instance Metadata'), { log: true }));
  const registry = new SourceRegistry();
  const reveals = new SecretReveals();
  const tree = new MetadataTreeProvider(registry, reveals, log);
  const view = vscode.window.createTreeView(METADATA_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const documents = new ImdsDocumentProvider(registry, tree, reveals);
  const builtins = new BuiltinSources(registry, log);
  builtinSources = builtins;
  const statusBar = new SourceStatusBar(registry, log);
  const autoRefresh = new AutoRefresh(view, tree);
  let settings = readSettings();
  const services: ExplorerServices = { registry, tree, view, documents, reveals, log, emulator: () => builtins.emulator, settings: () => settings };

  context.subscriptions.push(
    log.channel,
    log,
    registry,
    reveals,
    tree,
    view,
    documents,
    statusBar,
    autoRefresh,
    vscode.workspace.registerTextDocumentContentProvider(IMDS_SCHEME, documents),
    ...registerExplorerCommands(services),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(SETTINGS_SECTION)) return;
      settings = readSettings();
      autoRefresh.setInterval(settings.autoRefreshSeconds);
      if (affectsConnection(event)) {
        log.info('Settings changed: reopening the built-in sources');
        builtins.apply(settings).catch((error) => log.error(`Could not apply the settings: ${String(error)}`));
      }
    }),
  );

  // ── Other capabilities register here, each with the same services ──────────────────────────
  registerEmulatorCommands(context, {
    emulator: () => builtins.emulator,
    start: () => builtins.startEmulatorSource(settings),
    stop: () => builtins.stopEmulatorSource(),
    changed: () => tree.refresh(),
    log: (line) => log.info(line),
  });
  registerSnippetCommands(context, {
    getSelectedNodePath: () => (view.selection[0] ? nodePath(view.selection[0]) : undefined),
    knownPaths: () => knownPaths().map((k) => k.path),
  });
  registerUserDataCommands(context, { registry, emulator: () => builtins.emulator, tree });
  registerDoctorCommands(context, {
    currentSource: () => registry.active,
    findSource: (id) => registry.get(id),
    ec2For: doctorEc2Access,
    applyFix: (fix) => Promise.resolve(vscode.commands.executeCommand<{ status: string } | undefined>(Ec2Command.ApplyFix, fix)),
  });
  // The EC2 API (dist/lazy/ec2-client.mjs on first use): instance settings under sources tied to an instance, Add EC2 Instance…, Apply/Undo.
  tree.addSection(instanceSettingsSection());
  const confirmations = new Confirmations();
  registerEc2Commands(context, { confirmations, addSource: (source) => registry.addSource(source, { origin: 'added', select: true }), log: (line) => log.info(line), refreshTree: () => tree.refreshAll() });
  // SSM sources are loaded from dist/lazy/ on first use; an added instance becomes the active root.
  registerSsmCommands(context, { addSource: (source) => registry.addSource(source, { origin: 'added', select: true }), log: (line) => log.info(line), activeSource: () => registry.active });
  // Fleet posture: EC2 + CloudWatch load from dist/lazy/ when a posture is first taken.
  const posture = registerPostureCommands(context, confirmations);
  registerEnforceCommands(context, posture);
  // ───────────────────────────────────────────────────────────────────────────────────────────

  autoRefresh.setInterval(settings.autoRefreshSeconds);
  const opening = builtins.apply(settings);
  tree.setReady(opening);
  try {
    await opening;
  } catch (error) {
    log.error(`Could not open the built-in sources: ${String(error)}`);
    const showLog = vscode.l10n.t('Show Log');
    const openSettings = vscode.l10n.t('Open Settings');
    void vscode.window
      .showErrorMessage(
        vscode.l10n.t('EC2 Instance Metadata: could not start the built-in emulator: {0}. Try "IMDS: Start Built-in Emulator" again, or set imdsExplorer.source to "direct" to read this instance only.', String(error)),
        showLog,
        openSettings,
      )
      .then((choice) => {
        if (choice === showLog) log.channel.show();
        else if (choice === openSettings) void openExplorerSettings();
      });
  }
  const activationMs = performance.now() - started;
  log.info(`EC2 Instance Metadata Explorer activated in ${activationMs.toFixed(0)} ms`);

  return {
    tree,
    view,
    sources: registry,
    get emulator() {
      return builtins.emulator;
    },
    documents,
    statusBar,
    autoRefresh,
    services,
    logLines: () => log.lines(),
    activationMs,
    posture,
    confirmations,
  };
}

export async function deactivate(): Promise<void> {
  // The emulator's server must be closed; the other disposables are released by VS Code.
  await builtinSources?.dispose();
  builtinSources = undefined;
}
