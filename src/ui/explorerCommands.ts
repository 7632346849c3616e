// The explorer's commands. Node commands take the node they were invoked on (context menu,
// inline button, click) and fall back to the view's selection (keybindings). Each returns what
// it did, so tests and other commands can use it.
import * as vscode from 'vscode';
import { normalizePath } from '../imds/paths';
import { MAX_SNAPSHOT_FILE_BYTES, diffSnapshots, maskSnapshot, parseSnapshot, serializeSnapshot, type SnapshotDiff } from '../imds/snapshot';
import type { MetadataSource } from '../imds/types';
import { bashImdsV2 } from '../snippets/bash';
import { ExplorerCommand } from './commandIds';
import { describeError, errorLine } from './errorText';
import { pickPath, revealNode } from './goToPath';
import { METADATA_VIEW_ID } from './metadataTreeProvider';
import { openExplorerSettings } from './settings';
import { renderSnapshotText } from './snapshotText';
import type { ExplorerServices } from './services';
import { FieldNode, MetadataNode, ValueNode, fieldLabelPath, nodePath } from './treeNodes';
import { SECRET_MASK, isSecretField, visibleText } from './valueFormat';
import { isSecretPath, isSecretValue } from '../imds/secrets';
import { readPickedFile } from './readPickedFile';
import { isUtf8 } from '../imds/snapshot';

/** `{ sourceId, path }` or a bare path: how tests and other commands call go-to-path. */
export interface PathTarget {
  sourceId?: string;
  path?: string;
}

/** Where snapshot commands read or write, to skip their file dialogs (tests, other commands). */
export interface SnapshotTarget {
  sourceId?: string;
  uri?: vscode.Uri;
}

export interface CompareResult {
  diff: SnapshotDiff;
  saved: vscode.Uri;
  current: vscode.Uri;
}

export function registerExplorerCommands(s: ExplorerServices): vscode.Disposable[] {
  const selected = (node: MetadataNode | undefined): MetadataNode | undefined => (isNode(node) ? node : s.view.selection[0]);
  const register = (id: string, run: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, run as (...args: unknown[]) => unknown);

  return [
    register(ExplorerCommand.Refresh, (node?: MetadataNode) => s.tree.refresh(isNode(node) ? node : undefined)),
    register(ExplorerCommand.Retry, (node?: MetadataNode) => s.tree.refresh(selected(node))),
    register(ExplorerCommand.OpenSettings, () => openExplorerSettings()),
    register(ExplorerCommand.ShowLog, () => s.log.channel.show()),
    register(ExplorerCommand.OpenValue, async (node?: MetadataNode) => {
      const target = selected(node);
      const value = target?.kind === 'field' ? target.value : target;
      if (value?.kind !== 'value') return undefined;
      return s.documents.open(value.sourceId, value.path);
    }),
    register(ExplorerCommand.CopyValue, (node?: MetadataNode) => copyValue(s, selected(node))),
    register(ExplorerCommand.CopyPath, async (node?: MetadataNode) => {
      const target = selected(node);
      const path = target ? nodePath(target) : undefined;
      if (!path) return undefined;
      await vscode.env.clipboard.writeText(path);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', path), 3000);
      return path;
    }),
    register(ExplorerCommand.CopyAsCurl, async (node?: MetadataNode) => {
      const target = selected(node);
      const path = target ? nodePath(target) : undefined;
      if (!target || !path) return undefined;
      const source = s.registry.get(target.sourceId);
      const snippet = curlSnippet(source, path);
      await vscode.env.clipboard.writeText(snippet);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Copied an IMDSv2 curl command for {0}', path), 3000);
      return snippet;
    }),
    register(ExplorerCommand.RevealSecret, (node?: MetadataNode) => setRevealed(s, selected(node), true)),
    register(ExplorerCommand.HideSecret, (node?: MetadataNode) => setRevealed(s, selected(node), false)),
    register(ExplorerCommand.SelectSource, (arg?: string | MetadataNode) => selectSource(s, arg)),
    register(ExplorerCommand.RemoveSource, (node?: MetadataNode) => removeSource(s, selected(node))),
    register(ExplorerCommand.GoToPath, (arg?: string | PathTarget) => goToPath(s, arg)),
    register(ExplorerCommand.SaveSnapshot, (arg?: SnapshotTarget | MetadataNode) => saveSnapshot(s, arg)),
    register(ExplorerCommand.CompareSnapshot, (arg?: SnapshotTarget | MetadataNode) => compareWithSnapshot(s, arg)),
  ];
}

function isNode(value: unknown): value is MetadataNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'id' in value && 'sourceId' in value;
}

/** The source a command is about: the node's, the one named, the active one. */
function sourceFor(s: ExplorerServices, arg: unknown): MetadataSource | undefined {
  if (isNode(arg)) return s.registry.get(arg.sourceId);
  const id = typeof arg === 'object' && arg !== null && 'sourceId' in arg ? (arg as { sourceId?: unknown }).sourceId : undefined;
  if (typeof id === 'string') return s.registry.get(id);
  return s.registry.active ?? s.registry.all()[0];
}

/** What a copy puts on the clipboard: the value as shown (secrets masked unless revealed). */
export function copyText(s: Pick<ExplorerServices, 'reveals'>, node: ValueNode | FieldNode): { text: string; masked: boolean } {
  if (node.kind === 'field') {
    const key = node.keyPath[node.keyPath.length - 1];
    const revealed = s.reveals.isRevealed(node.sourceId, node.value.path);
    if (node.keyPath.length === 1 && typeof key === 'string' && isSecretField(node.value.path, key) && !revealed) return { text: SECRET_MASK, masked: true };
    if (node.json !== null && typeof node.json === 'object') {
      const text = visibleText(node.value.path, JSON.stringify(node.json, null, 2), revealed);
      return { text, masked: false };
    }
    return { text: String(node.json), masked: false };
  }
  const body = node.body ?? Buffer.alloc(0);
  const revealed = s.reveals.isRevealed(node.sourceId, node.path);
  // Binary goes out as base64, but a credential body is masked first even when it is not UTF-8.
  if (!isUtf8(body) && (revealed || !isSecretPath(node.path))) return { text: body.toString('base64'), masked: false };
  const text = visibleText(node.path, body.toString('utf8'), revealed);
  return { text, masked: !revealed && isSecretValue(node.path, body.toString('utf8')) };
}

async function copyValue(s: ExplorerServices, node: MetadataNode | undefined): Promise<string | undefined> {
  if (node?.kind !== 'value' && node?.kind !== 'field') return undefined;
  if (node.kind === 'value' && node.error) {
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} has no value to copy: {1}', node.path, node.error.summary));
    return undefined;
  }
  const { text, masked } = copyText(s, node);
  await vscode.env.clipboard.writeText(text);
  const name = node.kind === 'field' ? `${node.value.path} ${fieldLabelPath(node.keyPath)}` : node.path;
  if (masked) void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0} with its secrets masked. Reveal the secret first to copy them.', name));
  else vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the value of {0}', name), 3000);
  return text;
}

/** An IMDSv2 bash + curl command for the path, aimed at the source's endpoint (SSM: the instance's own). */
export function curlSnippet(source: MetadataSource | undefined, path: string): string {
  const endpoint = source && (source.kind === 'emulator' || source.kind === 'direct') ? source.state?.().endpoint : undefined;
  return bashImdsV2(path, endpoint ? { endpoint } : {});
}

function setRevealed(s: ExplorerServices, node: MetadataNode | undefined, revealed: boolean): boolean {
  const path = node?.kind === 'field' ? node.value.path : node?.kind === 'value' ? node.path : undefined;
  const body = node?.kind === 'field' ? node.value.body : node?.kind === 'value' ? node.body : undefined;
  if (!node || !path || !(isSecretPath(path) || (body !== undefined && isSecretValue(path, body.toString('utf8'))))) return false;
  s.reveals.set(node.sourceId, path, revealed);
  // Say that it happened, never what it showed.
  s.log.info(`${revealed ? 'Revealed' : 'Hid'} the secret fields of ${path} on request`);
  return true;
}

async function selectSource(s: ExplorerServices, arg?: string | MetadataNode): Promise<MetadataSource | undefined> {
  let id = typeof arg === 'string' ? arg : isNode(arg) ? arg.sourceId : undefined;
  if (!id) {
    const items = s.registry.all().map((source) => ({
      label: source.label,
      description: [source.id === s.registry.active?.id ? vscode.l10n.t('active') : undefined, source.state?.().endpoint].filter(Boolean).join(' · '),
      id: source.id,
    }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No metadata source is open.'));
      return undefined;
    }
    id = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Select the Active Metadata Source') }))?.id;
    if (!id) return undefined;
  }
  s.registry.select(id);
  await revealNode(s.view, s.tree.sourceNode(id)).catch(() => undefined);
  return s.registry.active;
}

async function goToPath(s: ExplorerServices, arg?: string | PathTarget): Promise<MetadataNode | undefined> {
  const source = sourceFor(s, typeof arg === 'string' ? undefined : arg);
  if (!source) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No metadata source is open.'));
    return undefined;
  }
  const typed = typeof arg === 'string' ? arg : arg?.path;
  const raw = typed ?? (await pickPath(s.tree, source));
  if (!raw) return undefined;
  let path: string;
  try {
    path = normalizePath(raw);
  } catch (error) {
    void vscode.window.showErrorMessage(describeError(error).message);
    return undefined;
  }
  const node = await vscode.window.withProgress({ location: { viewId: METADATA_VIEW_ID } }, () => s.tree.findNode(source.id, path));
  if (!node) {
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} is not in the metadata of {1}.', path, source.label));
    return undefined;
  }
  await revealNode(s.view, node);
  if (node.kind === 'error') void vscode.window.showWarningMessage(vscode.l10n.t('Could not load the way to {0}: {1}', path, errorLine(node.error)));
  return node;
}

function snapshotFileName(source: MetadataSource): string {
  const slug = source.label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'source';
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `imds-snapshot-${slug}-${stamp}.json`;
}

async function takeSnapshot(source: MetadataSource, root?: string) {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the metadata tree of {0}…', source.label) },
    () => source.snapshot({ root, showSecrets: false }),
  );
}

async function saveSnapshot(s: ExplorerServices, arg?: SnapshotTarget | MetadataNode): Promise<vscode.Uri | undefined> {
  const source = sourceFor(s, arg);
  if (!source) return undefined;
  try {
    const snapshot = await takeSnapshot(source);
    let uri = !isNode(arg) ? arg?.uri : undefined;
    if (!uri) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = snapshotFileName(source);
      uri = await vscode.window.showSaveDialog({
        title: vscode.l10n.t('Save Metadata Snapshot'),
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: { [vscode.l10n.t('IMDS snapshot')]: ['json'] },
      });
      if (!uri) return undefined;
    }
    // Exports never carry secrets: the snapshot is read masked, and masked again to be sure.
    const masked = maskSnapshot(snapshot);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(serializeSnapshot(masked), 'utf8'));
    const values = masked.entries.filter((e) => e.kind === 'value').length;
    s.log.info(`Saved a snapshot of ${source.label} (${masked.entries.length} paths) to ${uri.toString(true)}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0} values of {1} to {2}.', values, source.label, vscode.workspace.asRelativePath(uri)), vscode.l10n.t('Open')).then((choice) => {
      if (choice) void vscode.window.showTextDocument(uri!);
    });
    return uri;
  } catch (error) {
    const e = describeError(error);
    s.log.error(`Snapshot of ${source.label} failed: ${errorLine(e)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not save a snapshot of {0}: {1}', source.label, errorLine(e)));
    return undefined;
  }
}

async function compareWithSnapshot(s: ExplorerServices, arg?: SnapshotTarget | MetadataNode): Promise<CompareResult | undefined> {
  const source = sourceFor(s, arg);
  if (!source) return undefined;
  let file = !isNode(arg) ? arg?.uri : undefined;
  if (!file) {
    file = (
      await vscode.window.showOpenDialog({
        title: vscode.l10n.t('Compare {0} with a Saved Snapshot', source.label),
        canSelectMany: false,
        filters: { [vscode.l10n.t('IMDS snapshot')]: ['json'] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      })
    )?.[0];
    if (!file) return undefined;
  }
  try {
    const saved = maskSnapshot(parseSnapshot((await readPickedFile(file, MAX_SNAPSHOT_FILE_BYTES, 'the snapshot file')).toString('utf8'), file.fsPath));
    const current = maskSnapshot(await takeSnapshot(source, saved.root));
    const fileName = file.path.slice(file.path.lastIndexOf('/') + 1);
    const left = s.documents.addRendered(`${fileName} (saved)`, renderSnapshotText(saved));
    const right = s.documents.addRendered(`${source.label} (now)`, renderSnapshotText(current));
    const diff = diffSnapshots(saved, current);
    await vscode.commands.executeCommand('vscode.diff', left, right, vscode.l10n.t('{0} ↔ {1} (now)', fileName, source.label), { preview: false });
    const values = (paths: string[]) => paths.filter((p) => !p.endsWith('/')).length;
    void vscode.window.showInformationMessage(
      vscode.l10n.t('{0} now: {1} changed, {2} added, {3} removed since the snapshot.', source.label, diff.changed.filter((c) => !c.path.endsWith('/')).length, values(diff.added), values(diff.removed)),
    );
    return { diff, saved: left, current: right };
  } catch (error) {
    const e = describeError(error);
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not compare with {0}: {1}', file.fsPath, errorLine(e)));
    return undefined;
  }
}

/**
 * Closes a source someone added (an SSM instance). The built-in emulator and This instance follow
 * the `imdsExplorer.source` setting, so they are not removed here: say where to change them.
 */
async function removeSource(s: ExplorerServices, node: MetadataNode | undefined): Promise<boolean> {
  if (!node) return false;
  const source = s.registry.get(node.sourceId);
  if (!source) return false;
  if (s.registry.originOf(source.id) !== 'added') {
    void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is opened by the setting imdsExplorer.source: change the setting to close it.', source.label));
    return false;
  }
  await s.registry.removeSource(source.id);
  s.log.info(`Removed source ${source.label}`);
  return true;
}
