// Read-only documents of metadata values under the `imds:` scheme:
//   imds:/latest/meta-data/iam/info?source=<source id>
// JSON is pretty-printed (language json), secrets are masked unless revealed, and a document is
// read again when its source is refreshed or its secret revealed/hidden. Rendered snapshots for
// the compare command live under imds://snapshot/... (set once, served from memory).
import * as vscode from 'vscode';
import type { MetadataTreeProvider } from './metadataTreeProvider';
import type { SecretReveals } from './secretReveals';
import type { SourceRegistry } from './sourceRegistry';
import { describeError } from './errorText';
import { DocumentText, documentText } from './valueFormat';

export const IMDS_SCHEME = 'imds';
const SNAPSHOT_AUTHORITY = 'snapshot';

export function valueUri(sourceId: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: IMDS_SCHEME, path, query: new URLSearchParams({ source: sourceId }).toString() });
}

export function parseValueUri(uri: vscode.Uri): { sourceId: string; path: string } | undefined {
  if (uri.scheme !== IMDS_SCHEME || uri.authority !== '') return undefined;
  const sourceId = new URLSearchParams(uri.query).get('source');
  return sourceId ? { sourceId, path: uri.path } : undefined;
}

export class ImdsDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly rendered = new Map<string, string>();
  private renderedCount = 0;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly registry: SourceRegistry,
    private readonly tree: MetadataTreeProvider,
    private readonly reveals: SecretReveals,
  ) {
    this.subscriptions = [
      tree.onDidRefreshSource((sourceId) => this.refreshOpen((doc) => sourceId === undefined || doc.sourceId === sourceId)),
      reveals.onDidChange(({ sourceId, path }) => this.refreshOpen((doc) => doc.sourceId === sourceId && doc.path === path)),
      registry.onDidChangeSources(() => this.refreshOpen(() => true)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.rendered.delete(doc.uri.toString())),
    ];
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    if (uri.authority === SNAPSHOT_AUTHORITY) return this.rendered.get(uri.toString()) ?? '';
    return (await this.render(uri)).text;
  }

  /** Text and language of a value document (the language is set when the document opens). */
  async render(uri: vscode.Uri): Promise<DocumentText> {
    const target = parseValueUri(uri);
    if (!target) return { text: vscode.l10n.t('Not a metadata document: {0}', uri.toString()), language: 'plaintext' };
    const source = this.registry.get(target.sourceId);
    if (!source) return { text: vscode.l10n.t('The source of this document ({0}) is no longer open.', target.sourceId), language: 'plaintext' };
    const revealed = this.reveals.isRevealed(target.sourceId, target.path);
    const loaded = this.tree.loadedNode(target.sourceId, target.path);
    let body: Buffer;
    if (loaded?.kind === 'value' && loaded.body !== undefined) {
      body = loaded.body;
    } else {
      try {
        body = (await source.get(target.path)).body;
      } catch (error) {
        const e = describeError(error);
        return { text: `${e.message}\n\n${e.remedy ?? ''}\n`, language: 'plaintext' };
      }
    }
    return documentText(target.path, body, revealed, vscode.l10n.t);
  }

  /** Opens a value as a read-only editor with the right language. */
  async open(sourceId: string, path: string, options: vscode.TextDocumentShowOptions = { preview: true }): Promise<vscode.TextEditor> {
    const uri = valueUri(sourceId, path);
    const { language } = await this.render(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
    return vscode.window.showTextDocument(doc, options);
  }

  /** Registers text (a rendered snapshot) under a read-only imds://snapshot/ URI. */
  addRendered(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: IMDS_SCHEME, authority: SNAPSHOT_AUTHORITY, path: `/${++this.renderedCount}/${name}` });
    this.rendered.set(uri.toString(), text);
    return uri;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.rendered.clear();
  }

  private refreshOpen(matches: (doc: { sourceId: string; path: string }) => boolean): void {
    for (const doc of vscode.workspace.textDocuments) {
      const target = parseValueUri(doc.uri);
      if (target && matches(target)) this.changed.fire(doc.uri);
    }
  }
}
