// User-data in VS Code: decoded read-only documents (one per MIME part, each in its language),
// the "Check User-Data Size" command on any file or editor, a status bar item with the 16 KB
// verdict, and "Serve User-Data from File" for the built-in emulator. The decoding and the
// numbers come from src/userdata; this file only shows them.
import * as vscode from 'vscode';
import type { MetadataSource } from '../imds/types';
import {
  checkUserDataSize,
  decodeUserData,
  formatSizeCheck,
  formatSizeStatus,
  gzipSuggestion,
  renderDecodedDocument,
  type DecodedUserData,
  type UserDataSizeCheck,
} from '../userdata';
import { EmulatorCommand } from './emulatorCommands';
import { describeError, errorLine } from './errorText';
import { readPickedFile } from './readPickedFile';

/** Largest file read as user-data (EC2 allows 16 KB; bigger files are read to say so). */
const MAX_USER_DATA_FILE_BYTES = 16 * 1024 * 1024;

export const UserDataCommand = {
  CheckSize: 'imdsExplorer.checkUserDataSize',
  OpenDecoded: 'imdsExplorer.openDecodedUserData',
  ServeFromFile: 'imdsExplorer.serveUserDataFromFile',
} as const;

export const USERDATA_SCHEME = 'imds-userdata';
const USER_DATA_PATH = '/latest/user-data';
/** Decoded documents kept in memory; the oldest go first (VS Code re-reads on reopen only). */
const MAX_DOCUMENTS = 64;

/** What the commands need from the explorer; `ExplorerServices` satisfies it. */
export interface UserDataCommandDeps {
  registry: { get(id: string): MetadataSource | undefined; readonly active: MetadataSource | undefined };
  /** The in-process emulator, when the built-in one runs. */
  emulator(): { setUserData(data: Buffer | null): void } | undefined;
  tree?: { refresh(): void };
}

/** What `openDecodedUserData` opened, for callers and tests. */
export interface OpenedUserData {
  decoded: DecodedUserData;
  size: UserDataSizeCheck;
  editors: vscode.TextEditor[];
  /** The size status bar text once the documents are open (empty when hidden). */
  statusText: string;
}

export interface OpenDecodedOptions {
  /** `parts`: one document per part (default when there are several); `combined`: one with sections. */
  layout?: 'parts' | 'combined';
  preserveFocus?: boolean;
}

interface StoredDocument {
  text: string;
  /** The user-data the document was decoded from: the size check counts these bytes. */
  raw: Buffer;
  size: UserDataSizeCheck;
}

/** Read-only documents under `imds-userdata:/<n>/<name>`, served from memory. */
class UserDataDocuments implements vscode.TextDocumentContentProvider {
  private readonly stored = new Map<string, StoredDocument>();
  private count = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.stored.get(uri.toString())?.text ?? vscode.l10n.t('This decoded user-data is no longer in memory: open it again.');
  }

  add(name: string, document: StoredDocument, group: number): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: USERDATA_SCHEME, path: `/${group}/${name.replace(/[/\\]/g, '_')}` });
    this.stored.set(uri.toString(), document);
    while (this.stored.size > MAX_DOCUMENTS) this.stored.delete(this.stored.keys().next().value as string);
    return uri;
  }

  nextGroup(): number {
    return ++this.count;
  }

  lookup(uri: vscode.Uri): StoredDocument | undefined {
    return this.stored.get(uri.toString());
  }

  clear(): void {
    this.stored.clear();
  }
}

/** Status bar verdict for the active editor: decoded user-data, or a file the command checked. */
class UserDataSizeStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('imdsExplorer.userDataSize', vscode.StatusBarAlignment.Left, 9);
  private readonly checked = new Map<string, UserDataSizeCheck>();
  private readonly subscriptions: vscode.Disposable[];
  private shown = false;

  constructor(private readonly documents: UserDataDocuments) {
    this.item.name = vscode.l10n.t('User-Data Size');
    this.item.command = UserDataCommand.CheckSize;
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.checked.has(document.uri.toString())) this.remember(document.uri, checkUserDataSize(Buffer.from(document.getText(), 'utf8')));
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.checked.delete(document.uri.toString())),
    ];
    this.update();
  }

  /** The status text, for tests: e.g. `$(warning) user-data 16,384/16,384 B (100%)`. */
  get text(): string {
    return this.item.text;
  }

  get visible(): boolean {
    return this.shown;
  }

  remember(uri: vscode.Uri, check: UserDataSizeCheck): void {
    this.checked.set(uri.toString(), check);
    this.update();
  }

  update(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const check = uri && (this.documents.lookup(uri)?.size ?? this.checked.get(uri.toString()));
    if (!check) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const icon = check.level === 'over' ? '$(error)' : check.level === 'warn' ? '$(warning)' : '$(pass)';
    this.item.text = `${icon} ${formatSizeStatus(check)}`;
    this.item.tooltip = formatSizeCheck(check);
    this.item.backgroundColor =
      check.level === 'over'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : check.level === 'warn'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
    this.shown = true;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}

let documents: UserDataDocuments | undefined;
let status: UserDataSizeStatus | undefined;

/** Registers the provider, the status bar item and the three commands. */
export function registerUserDataCommands(context: vscode.ExtensionContext, deps: UserDataCommandDeps): void {
  const provider = ensureDocuments(context.subscriptions);
  context.subscriptions.push(
    vscode.commands.registerCommand(UserDataCommand.CheckSize, (uri?: vscode.Uri) => checkSizeCommand(uri)),
    // Optional second argument: OpenDecodedOptions (e.g. `{ layout: 'combined' }`).
    vscode.commands.registerCommand(UserDataCommand.OpenDecoded, (node?: unknown, options?: OpenDecodedOptions) => openDecodedCommand(deps, node, options)),
    vscode.commands.registerCommand(UserDataCommand.ServeFromFile, (uri?: vscode.Uri) => serveFromFileCommand(deps, uri)),
    { dispose: () => provider.clear() },
  );
}

/** The size status bar item, for tests. */
export function userDataSizeStatus(): { text: string; visible: boolean } | undefined {
  return status ? { text: status.text, visible: status.visible } : undefined;
}

/**
 * Decodes `bytes` and opens the result read-only: one editor per part in its language (shell,
 * YAML, PowerShell, JSON, ...) when there are several parts, else one editor with a header
 * (summary, size check, warnings). The tree calls this for a `user-data` value.
 */
export async function openDecodedUserData(bytes: Buffer, title: string, options: OpenDecodedOptions = {}): Promise<OpenedUserData> {
  const provider = ensureDocuments();
  const decoded = decodeUserData(bytes);
  const size = checkUserDataSize(bytes);
  const rendered = renderDecodedDocument(decoded, size, { title });
  const group = provider.nextGroup();
  const layout = options.layout ?? (decoded.parts.length > 1 ? 'parts' : 'combined');

  const targets =
    layout === 'parts' && rendered.parts.length > 0
      ? rendered.parts.map((part, index) => ({
          name: vscode.l10n.t('{0} (part {1} of {2})', part.title, index + 1, rendered.parts.length),
          text: part.text,
          language: part.language,
        }))
      : [{ name: title, text: rendered.combined.text, language: rendered.combined.language }];

  const editors: vscode.TextEditor[] = [];
  for (const [index, target] of targets.entries()) {
    const uri = provider.add(target.name, { text: target.text, raw: bytes, size }, group);
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== target.language) document = await vscode.languages.setTextDocumentLanguage(document, target.language);
    const focus = index === 0 && !options.preserveFocus;
    editors.push(await vscode.window.showTextDocument(document, { preview: targets.length === 1, preserveFocus: !focus }));
  }
  // The first part (or the only document) ends up in front.
  // A hidden editor object goes stale, so keep the one VS Code returns.
  if (editors.length > 1 && !options.preserveFocus) editors[0] = await vscode.window.showTextDocument(editors[0].document, { preview: false });
  status?.update();
  const statusText = status?.visible ? status.text : '';

  if (layout === 'parts' && targets.length > 1) {
    const problems = decoded.error ? ` ${decoded.error}` : decoded.warnings.length > 0 ? ` ${decoded.warnings[0]}` : '';
    void vscode.window.showInformationMessage(`${title}: ${decoded.summary}. ${size.message}.${problems}`);
  }
  return { decoded, size, editors, statusText };
}

function ensureDocuments(subscriptions?: vscode.Disposable[]): UserDataDocuments {
  if (!documents) {
    const created = new UserDataDocuments();
    documents = created;
    status = new UserDataSizeStatus(created);
    const registration = vscode.workspace.registerTextDocumentContentProvider(USERDATA_SCHEME, created);
    const statusItem = status;
    const teardown = {
      dispose: () => {
        registration.dispose();
        statusItem.dispose();
        if (documents === created) {
          documents = undefined;
          status = undefined;
        }
      },
    };
    subscriptions?.push(teardown);
  }
  return documents;
}

/** "Check User-Data Size": an explorer file, or the active editor (its unsaved text if dirty). */
async function checkSizeCommand(uri: vscode.Uri | undefined): Promise<{ check: UserDataSizeCheck; report: string; statusText: string } | undefined> {
  let target: Awaited<ReturnType<typeof bytesToCheck>>;
  try {
    target = await bytesToCheck(uri);
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Check User-Data Size: {0}', errorLine(describeError(error))));
    return undefined;
  }
  if (!target) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Check User-Data Size: open a file in the editor or pick one in the Explorer.'));
    return undefined;
  }
  const check = checkUserDataSize(target.bytes);
  const report = formatSizeCheck(check, target.name);
  status?.remember(target.uri, check);
  const line = [`${target.name}: ${check.message}.`, vscode.l10n.t('Base64 in the API call: {0} characters.', check.base64Length.toLocaleString('en-US'))];
  const suggestion = gzipSuggestion(check);
  if (suggestion) line.push(suggestion);
  const text = line.join(' ');
  if (check.level === 'over') void vscode.window.showErrorMessage(text);
  else if (check.level === 'warn') void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
  return { check, report, statusText: status?.visible ? status.text : '' };
}

async function bytesToCheck(uri: vscode.Uri | undefined): Promise<{ bytes: Buffer; name: string; uri: vscode.Uri } | undefined> {
  const editorDocument = vscode.window.activeTextEditor?.document;
  const document = uri ? vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString()) : editorDocument;
  const target = uri ?? document?.uri;
  if (!target) return undefined;
  const name = target.path.split('/').pop() || target.toString();
  // Decoded user-data documents carry header comments: check the bytes they came from.
  const stored = documents?.lookup(target);
  if (stored) return { bytes: stored.raw, name, uri: target };
  // What the person sees (unsaved edits) wins over the file on disk.
  if (document && (document.isDirty || document.isUntitled)) return { bytes: Buffer.from(document.getText(), 'utf8'), name, uri: target };
  try {
    return { bytes: await readPickedFile(target, MAX_USER_DATA_FILE_BYTES, 'the file'), name, uri: target };
  } catch (error) {
    if (document) return { bytes: Buffer.from(document.getText(), 'utf8'), name, uri: target };
    throw new Error(vscode.l10n.t('Cannot read {0}: {1}', target.toString(), describeError(error).message));
  }
}

/** "Open Decoded User-Data": a tree `user-data` node, or the active source's user-data. */
async function openDecodedCommand(deps: UserDataCommandDeps, node: unknown, options?: OpenDecodedOptions): Promise<OpenedUserData | undefined> {
  const target = asValueNode(node);
  const source = target ? deps.registry.get(target.sourceId) : deps.registry.active;
  if (!source) {
    void vscode.window.showWarningMessage(vscode.l10n.t('No metadata source is open: pick one first.'));
    return undefined;
  }
  const path = target?.path ?? USER_DATA_PATH;
  let bytes = target?.body;
  if (!bytes) {
    try {
      bytes = (await source.get(path)).body;
    } catch (error) {
      const described = describeError(error);
      const message =
        described.status === 404
          ? vscode.l10n.t('{0} has no user-data (IMDS answered 404 for {1}).', source.label, path)
          : errorLine(described);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  }
  return openDecodedUserData(bytes, vscode.l10n.t('user-data ({0})', source.label), options);
}

/** "Serve User-Data from File": the built-in emulator answers `user-data` with the file's bytes. */
async function serveFromFileCommand(deps: UserDataCommandDeps, uri: vscode.Uri | undefined): Promise<UserDataSizeCheck | undefined> {
  let emulator = deps.emulator();
  if (!emulator) {
    // Stopped by its command, or not started at all (setting imdsExplorer.source is "direct").
    const start = vscode.l10n.t('Start Emulator');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('The built-in emulator is not running: start it to serve user-data from a file.'), start);
    if (choice === start) await vscode.commands.executeCommand(EmulatorCommand.Start);
    emulator = deps.emulator();
    if (!emulator) return undefined;
  }
  let file = uri;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: vscode.l10n.t('Serve as User-Data'), title: vscode.l10n.t('Pick the user-data file for the emulator') });
    file = picked?.[0];
  }
  if (!file) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readPickedFile(file, MAX_USER_DATA_FILE_BYTES, 'the user-data file');
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot read {0}: {1}', file.toString(true), errorLine(describeError(error))));
    return undefined;
  }
  emulator.setUserData(bytes);
  deps.tree?.refresh();
  const check = checkUserDataSize(bytes);
  const decoded = decodeUserData(bytes);
  const name = file.path.split('/').pop() ?? file.toString();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('The emulator now serves {0} as user-data: {1}. {2}.', name, decoded.summary, check.message),
  );
  return check;
}

function asValueNode(node: unknown): { sourceId: string; path: string; body?: Buffer } | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const candidate = node as { kind?: unknown; sourceId?: unknown; path?: unknown; body?: unknown };
  if (typeof candidate.sourceId !== 'string' || typeof candidate.path !== 'string') return undefined;
  return { sourceId: candidate.sourceId, path: candidate.path, body: Buffer.isBuffer(candidate.body) ? candidate.body : undefined };
}
