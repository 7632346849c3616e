// Periodic refresh (imdsExplorer.autoRefreshSeconds), only while the view is visible: a hidden
// view costs no requests. Values that change on their own (credentials, spot notices, events)
// then stay current without a click.
import * as vscode from 'vscode';
import type { MetadataTreeProvider } from './metadataTreeProvider';
import type { MetadataNode } from './treeNodes';

export class AutoRefresh implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private seconds = 0;
  private readonly visibility: vscode.Disposable;

  constructor(
    private readonly view: vscode.TreeView<MetadataNode>,
    private readonly tree: MetadataTreeProvider,
  ) {
    this.visibility = view.onDidChangeVisibility(() => this.schedule());
  }

  /** Sets the interval; 0 turns auto-refresh off. */
  setInterval(seconds: number): void {
    this.seconds = seconds;
    this.schedule();
  }

  /** True while a timer runs (the view is visible and an interval is set). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  dispose(): void {
    this.stop();
    this.visibility.dispose();
  }

  private schedule(): void {
    this.stop();
    if (this.seconds > 0 && this.view.visible) {
      this.timer = setInterval(() => this.tree.refreshAll(), this.seconds * 1000);
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
