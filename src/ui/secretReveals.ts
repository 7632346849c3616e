// Which secret values the person chose to see, per source and path. Held in memory only: a
// window reload, hiding the value again, or refreshing its source masks it again.
import * as vscode from 'vscode';

export interface RevealChange {
  sourceId: string;
  path: string;
  revealed: boolean;
}

export class SecretReveals implements vscode.Disposable {
  private readonly revealed = new Set<string>();
  private readonly changed = new vscode.EventEmitter<RevealChange>();
  readonly onDidChange = this.changed.event;

  isRevealed(sourceId: string, path: string): boolean {
    return this.revealed.has(key(sourceId, path));
  }

  set(sourceId: string, path: string, revealed: boolean): void {
    const k = key(sourceId, path);
    if (this.revealed.has(k) === revealed) return;
    if (revealed) this.revealed.add(k);
    else this.revealed.delete(k);
    this.changed.fire({ sourceId, path, revealed });
  }

  /** Masks every value of a source again (on refresh), or of all sources. */
  clear(sourceId?: string): void {
    for (const k of [...this.revealed]) {
      const [id, path] = JSON.parse(k) as [string, string];
      if (sourceId === undefined || id === sourceId) this.set(id, path, false);
    }
  }

  dispose(): void {
    this.revealed.clear();
    this.changed.dispose();
  }
}

function key(sourceId: string, path: string): string {
  return JSON.stringify([sourceId, path]);
}
