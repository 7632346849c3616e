// The metadata tree: roots are the registered sources, children are read lazily through
// MetadataSource (a listing and, with it, the values of its leaves, for the rows' descriptions).
// Loaded children are cached per node until refreshed; a failed load becomes an error node and
// leaves the rest of the tree alone. Rendering is in treeItems.ts, the node model in treeNodes.ts.
import * as vscode from 'vscode';
import type { ListingEntry, MetadataSource } from '../imds/types';
import { describeError, errorLine } from './errorText';
import { ExplorerCommand } from './commandIds';
import type { SecretReveals } from './secretReveals';
import type { SourceRegistry } from './sourceRegistry';
import { renderTreeItem } from './treeItems';
import {
  ActionNode, DirectoryNode, ErrorNode, FieldNode, MetadataNode, SectionNode, SourceNode, ValueNode, type TreeSection,
  fieldNodeId, nodePath, pathNodeId, sourceNodeId,
} from './treeNodes';
import { parseJsonDocument } from './valueFormat';

export const METADATA_VIEW_ID = 'imdsExplorer.metadata';
export const ROOT_PATH = '/latest/';

/** Reports load failures to the log (the tree shows them as error nodes). */
export interface TreeLogger {
  warn(message: string): void;
}

export class MetadataTreeProvider implements vscode.TreeDataProvider<MetadataNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<MetadataNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refreshed = new vscode.EventEmitter<string | undefined>();
  /** Fired with a source id (undefined: all sources) after its data was dropped for a reload. */
  readonly onDidRefreshSource = this.refreshed.event;

  /** Loaded (or loading) children by parent node id. */
  private readonly children = new Map<string, Promise<MetadataNode[]>>();
  /** Every node handed out, by id: the latest object for each id. */
  private readonly nodes = new Map<string, MetadataNode>();
  private readonly sourceNodes = new Map<string, SourceNode>();
  /** The source object each root's loaded children came from. */
  private readonly loadedFrom = new Map<string, MetadataSource>();
  private ready: Promise<unknown> = Promise.resolve();
  private readonly sections: TreeSection[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly registry: SourceRegistry,
    private readonly reveals: SecretReveals,
    private readonly logger?: TreeLogger,
  ) {
    this.subscriptions.push(
      registry.onDidChangeSources(() => this.syncSources()),
      registry.onDidChangeActive(() => this.changed.fire(undefined)),
      reveals.onDidChange(({ sourceId, path }) => {
        const node = this.nodes.get(pathNodeId(sourceId, path));
        if (node) this.changed.fire(node);
      }),
    );
  }

  getTreeItem(node: MetadataNode): vscode.TreeItem {
    return renderTreeItem(node, { registry: this.registry, reveals: this.reveals });
  }

  getParent(node: MetadataNode): MetadataNode | undefined {
    return node.parent;
  }

  /** Adds a section shown under the roots of the sources it applies to (beside `latest/`). */
  addSection(section: TreeSection): void {
    this.sections.push(section);
    this.changed.fire(undefined);
  }

  /** The section nodes of a source root. */
  private sectionNodes(parent: SourceNode, source: MetadataSource, readable: boolean): SectionNode[] {
    return this.sections.flatMap((section, index) =>
      section.appliesTo(source, { readable }) ? [this.remember<SectionNode>({ kind: 'section', id: JSON.stringify(['section', parent.sourceId, index]), sourceId: parent.sourceId, parent, label: section.label, icon: section.icon, section: index })] : []);
  }

  /** A section's rows; a failure becomes one row that says what happened (the tree never breaks). */
  private async sectionRows(node: SectionNode): Promise<MetadataNode[]> {
    const source = this.registry.get(node.sourceId);
    const section = this.sections[node.section];
    if (!source || !section) return [];
    let rows;
    try {
      rows = await this.withViewProgress(section.rows(source));
    } catch (error) {
      const described = describeError(error);
      rows = [{ label: errorLine(described), icon: 'error', tooltip: described.remedy }];
    }
    return rows.map((row, i) => this.remember<ActionNode>({ kind: 'action', id: `${node.id}!${i}`, sourceId: node.sourceId, parent: node, ...row }));
  }

  /** Roots wait for this (the built-in sources being opened), so the view does not flash empty. */
  setReady(ready: Promise<unknown>): void {
    this.ready = ready.catch(() => undefined);
  }

  getChildren(node?: MetadataNode): Promise<MetadataNode[]> | MetadataNode[] {
    if (!node) return this.ready.then(() => this.registry.all().map((source) => this.sourceNode(source.id)));
    switch (node.kind) {
      case 'source':
      case 'directory':
        return this.loadChildren(node);
      case 'value':
        return this.jsonFields(node, node.body === undefined || node.error ? undefined : parseJsonDocument(node.body.toString('utf8')), []);
      case 'field':
        return this.jsonFields(node.value, node.json, node.keyPath, node);
      case 'error':
        return this.errorActions(node);
      case 'section': {
        let loading = this.children.get(node.id);
        if (!loading) this.children.set(node.id, (loading = this.sectionRows(node)));
        return loading;
      }
      default:
        return [];
    }
  }

  /** The node of a registered source (roots keep one object per source id). */
  sourceNode(sourceId: string): SourceNode {
    let node = this.sourceNodes.get(sourceId);
    if (!node) {
      node = this.remember({ kind: 'source', id: sourceNodeId(sourceId), sourceId, parent: undefined });
      this.sourceNodes.set(sourceId, node);
    }
    return node;
  }

  /** The latest node object with this id, if it was loaded. */
  nodeById(id: string): MetadataNode | undefined {
    return this.nodes.get(id);
  }

  /** A loaded node of a source by IMDS path, without loading anything. */
  loadedNode(sourceId: string, path: string): MetadataNode | undefined {
    return this.nodes.get(pathNodeId(sourceId, path));
  }

  /** Every IMDS path loaded so far for a source, for the go-to-path picker. */
  loadedPaths(sourceId: string): string[] {
    const paths: string[] = [];
    for (const node of this.nodes.values()) {
      if (node.sourceId === sourceId && (node.kind === 'directory' || node.kind === 'value')) paths.push(node.path);
    }
    return paths;
  }

  /**
   * Finds the node of `path` in a source, loading every listing on the way (as the view would
   * when a person expands them). Resolves undefined when the path is not in the tree, or to the
   * error node of the listing that failed on the way.
   */
  async findNode(sourceId: string, path: string): Promise<MetadataNode | undefined> {
    if (!this.registry.get(sourceId)) return undefined;
    const wanted = [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`];
    let current: MetadataNode = this.sourceNode(sourceId);
    for (;;) {
      const kids = await this.getChildren(current);
      const exact = kids.find((k) => (k.kind === 'directory' || k.kind === 'value') && wanted.includes(k.path));
      if (exact) return exact;
      const error = kids.find((k) => k.kind === 'error');
      if (error) return error;
      const next = kids.find((k): k is DirectoryNode => k.kind === 'directory' && path.startsWith(k.path));
      if (!next) return undefined;
      current = next;
    }
  }

  /**
   * Drops loaded data and reloads: one node (and what is under it), one source, or everything.
   * Refreshing a value reloads its listing (values are read with it). Revealed secrets of a
   * refreshed source are masked again.
   */
  refresh(node?: MetadataNode): void {
    if (!node) {
      for (const source of this.registry.all()) source.refresh?.();
      this.forgetAll();
      this.reveals.clear();
      this.refreshed.fire(undefined);
      this.changed.fire(undefined);
      return;
    }
    this.refreshNode(node);
  }

  /**
   * Reloads everything that is loaded, keeping revealed secrets revealed: the periodic
   * auto-refresh must not undo what the person chose to see.
   */
  refreshAll(): void {
    for (const source of this.registry.all()) source.refresh?.();
    this.forgetAll();
    this.refreshed.fire(undefined);
    this.changed.fire(undefined);
  }

  private refreshNode(node: MetadataNode): void {
    let target: MetadataNode = node;
    if (target.kind === 'error') target = target.target;
    while (target.kind !== 'source' && target.kind !== 'directory' && target.parent) target = target.parent;
    if (target.kind !== 'source' && target.kind !== 'directory') return;
    this.registry.get(target.sourceId)?.refresh?.();
    this.forgetBelow(target);
    if (target.kind === 'source') this.reveals.clear(target.sourceId);
    this.refreshed.fire(target.sourceId);
    this.changed.fire(target);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.refreshed.dispose();
  }

  private syncSources(): void {
    for (const [id, node] of [...this.sourceNodes]) {
      const now = this.registry.get(id);
      if (now === this.loadedFrom.get(id)) continue;
      // Removed, or replaced by a new object under the same id (new settings): read it afresh.
      this.forgetBelow(node);
      this.loadedFrom.delete(id);
      if (!now) {
        this.sourceNodes.delete(id);
        this.nodes.delete(node.id);
      }
    }
    this.changed.fire(undefined);
  }

  private forgetAll(): void {
    this.children.clear();
    this.nodes.clear();
    for (const node of this.sourceNodes.values()) this.nodes.set(node.id, node);
  }

  private remember<T extends MetadataNode>(node: T): T {
    this.nodes.set(node.id, node);
    return node;
  }

  /** Forgets the cached children of `node` and of every node under it. */
  private forgetBelow(node: MetadataNode): void {
    const prefix = node.kind === 'source' ? undefined : nodePath(node);
    for (const [id, n] of [...this.nodes]) {
      if (n.sourceId !== node.sourceId || n === node) continue;
      const p = nodePath(n);
      const under = prefix === undefined || (n.kind === 'error' || n.kind === 'action' ? isUnder(n, node) : p !== undefined && p.startsWith(prefix) && p !== prefix);
      if (under) {
        this.children.delete(id);
        this.nodes.delete(id);
      }
    }
    this.children.delete(node.id);
  }

  private loadChildren(node: SourceNode | DirectoryNode): Promise<MetadataNode[]> {
    let loading = this.children.get(node.id);
    if (!loading) {
      loading = this.withViewProgress(this.load(node));
      // The view may ask for a root it was shown before its source went away (its request crossed
      // the removal). That answer (nothing) is not kept: kept under the id, the next source opened
      // with that id would show it instead of reading its own (a settings change that reopens
      // This instance showed an empty root, never its error).
      if (this.registry.get(node.sourceId)) this.children.set(node.id, loading);
    }
    return loading;
  }

  private withViewProgress<T>(work: Promise<T>): Promise<T> {
    void vscode.window.withProgress({ location: { viewId: METADATA_VIEW_ID } }, () => work.catch(() => undefined));
    return work;
  }

  private async load(node: SourceNode | DirectoryNode): Promise<MetadataNode[]> {
    const source = this.registry.get(node.sourceId);
    if (!source) return [];
    this.loadedFrom.set(source.id, source);
    const path = node.kind === 'source' ? ROOT_PATH : node.path;
    let entries: ListingEntry[];
    try {
      entries = await source.list(path);
    } catch (error) {
      const described = describeError(error);
      this.logger?.warn(`[${source.label}] listing ${path} failed: ${errorLine(described)}`);
      const errorNode = this.remember<ErrorNode>({ kind: 'error', id: `${node.id}!error`, sourceId: node.sourceId, parent: node, error: described, target: node });
      return node.kind === 'source' ? [errorNode, ...this.sectionNodes(node, source, false)] : [errorNode];
    }
    if (node.kind === 'source') {
      // Replaced or removed while its listing was read: keep nothing of it.
      if (this.registry.get(source.id) !== source) return [];
      // A source opens on `latest/`; the listing just read is its children, so keep it.
      const latest = this.remember<DirectoryNode>({ kind: 'directory', id: pathNodeId(node.sourceId, ROOT_PATH), sourceId: node.sourceId, parent: node, path: ROOT_PATH, name: 'latest' });
      this.children.set(latest.id, this.withViewProgress(this.materialize(source, latest, entries)));
      return [latest, ...this.sectionNodes(node, source, true)];
    }
    return this.materialize(source, node, entries);
  }

  /** Turns listing entries into nodes, reading the leaves' values at the same time. */
  private async materialize(source: MetadataSource, parent: DirectoryNode, entries: ListingEntry[]): Promise<MetadataNode[]> {
    return Promise.all(
      entries.map(async (entry): Promise<MetadataNode> => {
        const id = pathNodeId(source.id, entry.path);
        if (entry.isDirectory) return this.remember<DirectoryNode>({ kind: 'directory', id, sourceId: source.id, parent, path: entry.path, name: entry.name });
        try {
          const value = await source.get(entry.path);
          return this.remember<ValueNode>({ kind: 'value', id, sourceId: source.id, parent, path: entry.path, name: entry.name, body: value.body });
        } catch (error) {
          return this.remember<ValueNode>({ kind: 'value', id, sourceId: source.id, parent, path: entry.path, name: entry.name, error: describeError(error) });
        }
      }),
    );
  }

  private jsonFields(value: ValueNode, json: unknown, keyPath: readonly (string | number)[], parent: MetadataNode = value): FieldNode[] {
    if (json === null || typeof json !== 'object') return [];
    const pairs: [string | number, unknown][] = Array.isArray(json) ? json.map((v, i) => [i, v]) : Object.entries(json as Record<string, unknown>);
    return pairs.map(([key, child]) => {
      const path = [...keyPath, key];
      return this.remember<FieldNode>({ kind: 'field', id: fieldNodeId(value, path), sourceId: value.sourceId, parent, value, keyPath: path, json: child });
    });
  }

  private errorActions(node: ErrorNode): ActionNode[] {
    const base = { sourceId: node.sourceId, parent: node };
    const actions: ActionNode[] = [];
    if (node.error.remedy) actions.push({ ...base, kind: 'action', id: `${node.id}!remedy`, label: node.error.remedy, icon: 'lightbulb', tooltip: node.error.remedy });
    actions.push(
      { ...base, kind: 'action', id: `${node.id}!retry`, label: vscode.l10n.t('Retry'), icon: 'refresh', command: { id: ExplorerCommand.Retry, args: [node] } },
      { ...base, kind: 'action', id: `${node.id}!settings`, label: vscode.l10n.t('Open Settings'), icon: 'gear', command: { id: ExplorerCommand.OpenSettings, args: [] } },
      { ...base, kind: 'action', id: `${node.id}!diagnose`, label: vscode.l10n.t('Diagnose'), icon: 'pulse', command: { id: ExplorerCommand.Diagnose, args: [{ sourceId: node.sourceId }] } },
    );
    return actions.map((a) => this.remember(a));
  }
}

function isUnder(node: MetadataNode, ancestor: MetadataNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p === ancestor || p.id === ancestor.id) return true;
  return false;
}
