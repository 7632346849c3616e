// The composition root: activate() wires sources, views and commands. Nothing else does.
import * as vscode from 'vscode';
import { MetadataTreeProvider } from './ui/metadataTreeProvider';

export interface ExtensionApi {
  /** For tests and other extensions: the tree behind the view. */
  readonly tree: MetadataTreeProvider;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel(vscode.l10n.t('EC2 Instance Metadata'), { log: true });
  const tree = new MetadataTreeProvider();
  const view = vscode.window.createTreeView('imdsExplorer.metadata', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    log,
    tree,
    view,
    vscode.commands.registerCommand('imdsExplorer.refresh', () => tree.refresh()),
  );
  log.info('EC2 Instance Metadata Explorer activated');
  return { tree };
}

export function deactivate(): void {
  // Disposables registered in activate() are released by VS Code.
}
