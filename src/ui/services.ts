// What the explorer hands to every capability's register* function (emulator, user-data,
// snippets, SSM, doctor): the sources, the tree and its view, documents, secrets and the log.
import type * as vscode from 'vscode';
import type { Emulator } from '../emulator/server';
import type { ImdsDocumentProvider } from './imdsDocuments';
import type { MetadataTreeProvider } from './metadataTreeProvider';
import type { RequestLog } from './requestLog';
import type { SecretReveals } from './secretReveals';
import type { ExplorerSettings } from './settings';
import type { SourceRegistry } from './sourceRegistry';
import type { MetadataNode } from './treeNodes';

export interface ExplorerServices {
  /** Tree roots; `addSource` adds one (the SSM command does), `active` is the status bar's. */
  registry: SourceRegistry;
  tree: MetadataTreeProvider;
  view: vscode.TreeView<MetadataNode>;
  /** The `imds:` read-only documents. */
  documents: ImdsDocumentProvider;
  /** Which secret values were revealed (in memory only). */
  reveals: SecretReveals;
  /** The "EC2 Instance Metadata" log; lines are redacted. */
  log: RequestLog;
  /** The in-process emulator behind "Built-in emulator" (undefined with source = direct). */
  emulator(): Emulator | undefined;
  settings(): ExplorerSettings;
}
