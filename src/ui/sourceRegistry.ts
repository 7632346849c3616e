// The sources the tree shows, in one list other capabilities add to (the SSM command calls
// addSource), with the one "active" source that the status bar, go-to-path and snapshots use.
import * as vscode from 'vscode';
import type { MetadataSource } from '../imds/types';

/** Where a source came from; decides its place in the tree (this instance first). */
export type SourceOrigin = 'instance' | 'emulator' | 'added';

export interface AddSourceOptions {
  origin?: SourceOrigin;
  /** Make it the active source (the status bar's). Default: only when nothing is active. */
  select?: boolean;
}

interface Registered {
  source: MetadataSource;
  origin: SourceOrigin;
  order: number;
}

const ORIGIN_RANK: Record<SourceOrigin, number> = { instance: 0, emulator: 1, added: 2 };

export class SourceRegistry implements vscode.Disposable {
  private readonly entries = new Map<string, Registered>();
  private activeId: string | undefined;
  private counter = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly activeChanged = new vscode.EventEmitter<MetadataSource | undefined>();
  /** Fired when a source is added, replaced or removed. */
  readonly onDidChangeSources = this.changed.event;
  readonly onDidChangeActive = this.activeChanged.event;

  /**
   * Adds a source as a tree root. A source with the same id replaces the old one (which is
   * disposed), keeping its place. Disposing the returned object removes the source again.
   */
  addSource(source: MetadataSource, options: AddSourceOptions = {}): vscode.Disposable {
    const previous = this.entries.get(source.id);
    this.entries.set(source.id, { source, origin: options.origin ?? previous?.origin ?? 'added', order: previous?.order ?? this.counter++ });
    if (previous && previous.source !== source) void disposeSource(previous.source);
    this.changed.fire();
    if (options.select || this.activeId === undefined || this.activeId === source.id) {
      this.activeId = source.id;
      this.activeChanged.fire(source);
    }
    return new vscode.Disposable(() => {
      if (this.entries.get(source.id)?.source === source) void this.removeSource(source.id);
    });
  }

  /** Removes and disposes a source; the next one becomes active if it was. */
  async removeSource(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.changed.fire();
    if (this.activeId === id) {
      this.activeId = this.all()[0]?.id;
      this.activeChanged.fire(this.active);
    }
    await disposeSource(entry.source);
  }

  get(id: string): MetadataSource | undefined {
    return this.entries.get(id)?.source;
  }

  originOf(id: string): SourceOrigin | undefined {
    return this.entries.get(id)?.origin;
  }

  /** Tree order: this instance, the emulator, then added sources in the order they came. */
  all(): MetadataSource[] {
    return [...this.entries.values()]
      .sort((a, b) => ORIGIN_RANK[a.origin] - ORIGIN_RANK[b.origin] || a.order - b.order)
      .map((e) => e.source);
  }

  get active(): MetadataSource | undefined {
    return this.activeId === undefined ? undefined : this.entries.get(this.activeId)?.source;
  }

  select(id: string): void {
    if (!this.entries.has(id)) throw new Error(`No metadata source with id ${id}`);
    if (this.activeId === id) return;
    this.activeId = id;
    this.activeChanged.fire(this.active);
  }

  dispose(): void {
    for (const entry of this.entries.values()) void disposeSource(entry.source);
    this.entries.clear();
    this.changed.dispose();
    this.activeChanged.dispose();
  }
}

async function disposeSource(source: MetadataSource): Promise<void> {
  try {
    await source.dispose?.();
  } catch {
    // A source that fails to close has nothing left to tell the user.
  }
}
