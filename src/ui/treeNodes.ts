// The tree's node model, separate from vscode.TreeItem: what each row *is* (a source, a directory,
// a value, a JSON field, an error and its actions). Ids are stable across refreshes, so VS Code
// keeps expansion and selection, and `reveal` finds a node again after it was reloaded.
import type { ImdsErrorLike } from './errorText';

interface NodeBase {
  readonly id: string;
  readonly sourceId: string;
  readonly parent: MetadataNode | undefined;
}

/** A tree root: one metadata source. */
export interface SourceNode extends NodeBase {
  readonly kind: 'source';
}

/** A listing (`meta-data/`, `network/interfaces/macs/`). */
export interface DirectoryNode extends NodeBase {
  readonly kind: 'directory';
  /** Absolute IMDS path, ending in `/`. */
  readonly path: string;
  /** As the listing named it (`0=my-key` for public keys). */
  readonly name: string;
}

/** A leaf value. Its body is read together with its parent's listing, for the row's description. */
export interface ValueNode extends NodeBase {
  readonly kind: 'value';
  readonly path: string;
  readonly name: string;
  readonly body?: Buffer;
  /** Set when reading the value failed; the row shows it instead of the value. */
  readonly error?: ImdsErrorLike;
}

/** A field inside a JSON value (credentials, identity document), so JSON can be browsed in the tree. */
export interface FieldNode extends NodeBase {
  readonly kind: 'field';
  /** The value the JSON came from. */
  readonly value: ValueNode;
  /** Keys from the document root to this field. */
  readonly keyPath: readonly (string | number)[];
  readonly json: unknown;
}

/** A source or listing that failed to load; its children say what to do. */
export interface ErrorNode extends NodeBase {
  readonly kind: 'error';
  readonly error: ImdsErrorLike;
  /** The node whose loading failed: retry reloads it. */
  readonly target: SourceNode | DirectoryNode;
}

/** A row under an error node: the remedy, or an action (retry, settings, diagnose). */
export interface ActionNode extends NodeBase {
  readonly kind: 'action';
  readonly label: string;
  readonly description?: string;
  readonly icon: string;
  readonly tooltip?: string;
  readonly command?: { id: string; args: unknown[] };
}

/** A section under a source root beside `latest/`, filled by a TreeSection (e.g. the EC2 API's instance settings). */
export interface SectionNode extends NodeBase {
  readonly kind: 'section';
  readonly label: string;
  readonly icon: string;
  /** Index of the TreeSection that fills it. */
  readonly section: number;
}

/** What a section row shows (the tree gives it an id and a parent). */
export interface SectionRow {
  label: string;
  description?: string;
  icon: string;
  tooltip?: string;
  command?: { id: string; args: unknown[] };
}

/** A provider of a section for the sources it applies to. Its rows load when the section is expanded. */
export interface TreeSection {
  readonly label: string;
  readonly icon: string;
  /** `readable`: whether the source's IMDS listing could be read (false: its root shows an error). */
  appliesTo(source: import('../imds/types').MetadataSource, state: { readable: boolean }): boolean;
  rows(source: import('../imds/types').MetadataSource): Promise<SectionRow[]>;
}

export type MetadataNode = SourceNode | DirectoryNode | ValueNode | FieldNode | ErrorNode | ActionNode | SectionNode;

export function sourceNodeId(sourceId: string): string {
  return JSON.stringify(['source', sourceId]);
}

export function pathNodeId(sourceId: string, path: string): string {
  return JSON.stringify(['path', sourceId, path]);
}

export function fieldNodeId(value: ValueNode, keyPath: readonly (string | number)[]): string {
  return JSON.stringify(['field', value.sourceId, value.path, ...keyPath]);
}

/** The IMDS path a node stands for (fields: their value's path), if any. */
export function nodePath(node: MetadataNode): string | undefined {
  switch (node.kind) {
    case 'directory':
    case 'value':
      return node.path;
    case 'field':
      return node.value.path;
    case 'source':
      return '/latest/';
    default:
      return undefined;
  }
}

/** The JSON key path as a person reads it: `Credentials.AccessKeyId`, `items[2].name`. */
export function fieldLabelPath(keyPath: readonly (string | number)[]): string {
  return keyPath.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
