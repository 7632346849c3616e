// The MetadataSource for anything reachable over HTTP: the built-in emulator (any IMDS URL) or the
// real service at the link-local address. Both are one ImdsClient; only the label differs.

import { ImdsClient, type ClientState, type ImdsClientOptions } from '../imds/client';
import type { ListingEntry, MetadataSource, MetadataValue, Snapshot, SnapshotOptions, SourceKind } from '../imds/types';

export interface ImdsSourceOptions extends ImdsClientOptions {
  kind: Extract<SourceKind, 'emulator' | 'direct'>;
  id?: string;
  label?: string;
  /** Use this client instead of making one (the source then does not close it on dispose). */
  client?: ImdsClient;
}

export class ImdsSource implements MetadataSource {
  readonly id: string;
  readonly label: string;
  readonly kind: 'emulator' | 'direct';
  readonly client: ImdsClient;
  private readonly ownsClient: boolean;

  constructor(options: ImdsSourceOptions) {
    this.kind = options.kind;
    this.ownsClient = options.client === undefined;
    const client = options.client ?? new ImdsClient({ ...options, sourceLabel: options.sourceLabel ?? options.label });
    this.client = client;
    const origin = client.endpoint.origin;
    this.id = options.id ?? `${this.kind}:${origin}`;
    this.label = options.label ?? (this.kind === 'emulator' ? `Emulator ${origin}` : `This instance (${origin})`);
  }

  list(path: string): Promise<ListingEntry[]> {
    return this.client.list(path);
  }

  get(path: string): Promise<MetadataValue> {
    return this.client.get(path);
  }

  async snapshot(options?: SnapshotOptions): Promise<Snapshot> {
    const snapshot = await this.client.snapshot(options);
    return { ...snapshot, source: `${this.kind} ${this.client.endpoint.origin}` };
  }

  /** Nothing is cached but the token, which stays valid: reads always go to the service. */
  refresh(): void {}

  state(): ClientState {
    return this.client.state();
  }

  async dispose(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
