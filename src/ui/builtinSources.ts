// The sources the extension opens by itself, from the settings: the built-in emulator (an IMDS
// server started in this process on 127.0.0.1) and "This instance" (the real IMDS, read directly)
// when the setting says so or, with `auto`, when the machine's DMI data says it is an EC2 instance.
// Both are ImdsSources; settings changes rebuild them under the same ids, so the tree keeps its place.
import * as vscode from 'vscode';
import { ENV_DISABLED, ENV_ENDPOINT, ENV_ENDPOINT_MODE } from '../imds/endpoint';
import type { ImdsClientOptions } from '../imds/client';
import { startEmulator, type Emulator } from '../emulator/server';
import { detectEc2, type Ec2Evidence } from '../sources/detectEc2';
import { ImdsSource } from '../sources/imdsSource';
import type { MetadataSource, SourceKind } from '../imds/types';
import type { RequestLog } from './requestLog';
import type { ExplorerSettings } from './settings';
import type { SourceRegistry } from './sourceRegistry';

export const EMULATOR_SOURCE_ID = 'builtin:emulator';
export const INSTANCE_SOURCE_ID = 'builtin:instance';

export class BuiltinSources implements vscode.Disposable {
  private emulatorServer: Emulator | undefined;
  private emulatorStarting: Promise<Emulator> | undefined;
  private detection: Promise<Ec2Evidence> | undefined;
  /** Bumped on every applyNow(), so a slow detection from an older apply does nothing. */
  private generation = 0;
  private applying: Promise<unknown> = Promise.resolve();
  /** The settings the latest apply() asked for, and its number: a queued older apply is skipped. */
  private wanted: ExplorerSettings | undefined;
  private requested = 0;
  /** What the emulator's source was made from (server URL + client settings), to keep it when unchanged. */
  private emulatorSourceKey = '';

  constructor(
    private readonly registry: SourceRegistry,
    private readonly log: RequestLog,
  ) {}

  /** The in-process emulator, once started (undefined with the `direct` source setting). */
  get emulator(): Emulator | undefined {
    return this.emulatorServer;
  }

  /** What EC2 detection found (`auto` only), once it finished. */
  get ec2Detection(): Promise<Ec2Evidence> | undefined {
    return this.detection;
  }

  /**
   * Opens the sources the settings ask for and closes the others. Resolves once the emulator
   * listens; EC2 detection (`auto`) goes on in the background and adds "This instance" if it finds EC2.
   */
  apply(settings: ExplorerSettings): Promise<void> {
    // Settings events come in bursts (two settings written in a row are two events), each with the
    // settings of its moment. They are applied one after another, and a queued apply that a later
    // one supersedes does nothing: only the latest settings are ever applied, once, whatever the
    // order in which earlier work finishes.
    this.wanted = settings;
    const request = ++this.requested;
    const run = this.applying.then(() => (request === this.requested ? this.applyNow(this.wanted ?? settings) : undefined));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(settings: ExplorerSettings): Promise<void> {
    const generation = ++this.generation;
    if (settings.source === 'direct') {
      await this.registry.removeSource(EMULATOR_SOURCE_ID);
      await this.stopEmulator();
    } else {
      const emulator = await this.startEmulator();
      if (generation !== this.generation) return;
      // A change that is not about the emulator's client (the endpoint of This instance) keeps its
      // source, so its tree is not read again for nothing.
      const key = JSON.stringify([emulator.url, this.clientKey(settings)]);
      if (key !== this.emulatorSourceKey || !this.registry.get(EMULATOR_SOURCE_ID)) {
        this.emulatorSourceKey = key;
        this.registry.addSource(this.emulatorSource(emulator, settings), { origin: 'emulator' });
      }
    }

    if (settings.source === 'direct') {
      this.registry.addSource(this.instanceSource(settings), { origin: 'instance', select: true });
    } else if (settings.source === 'emulator') {
      await this.registry.removeSource(INSTANCE_SOURCE_ID);
    } else {
      this.detection ??= detectEc2().catch((error): Ec2Evidence => ({ onEc2: false, evidence: [`detection failed: ${String(error)}`] }));
      void this.detection.then((found) => {
        if (generation !== this.generation) return;
        if (found.onEc2) {
          this.log.info(`On EC2 (${found.evidence.join('; ')}): opening "This instance".`);
          this.registry.addSource(this.instanceSource(settings), { origin: 'instance', select: this.registry.get(INSTANCE_SOURCE_ID) === undefined });
        } else {
          void this.registry.removeSource(INSTANCE_SOURCE_ID);
        }
      });
    }
  }

  /** Starts the in-process emulator and opens its root (the emulator commands' Start). */
  startEmulatorSource(settings: ExplorerSettings): Promise<Emulator> {
    const run = this.applying.then(async () => {
      const emulator = await this.startEmulator();
      this.emulatorSourceKey = JSON.stringify([emulator.url, this.clientKey(settings)]);
      this.registry.addSource(this.emulatorSource(emulator, settings), { origin: 'emulator' });
      return emulator;
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  /** Closes the emulator's root and stops the server (the emulator commands' Stop). */
  stopEmulatorSource(): Promise<void> {
    const run = this.applying.then(async () => {
      await this.registry.removeSource(EMULATOR_SOURCE_ID);
      await this.stopEmulator();
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    this.generation++;
    await this.stopEmulator();
  }

  /** The settings an emulator client is made from. */
  private clientKey(settings: ExplorerSettings): unknown[] {
    return [settings.versionPolicy, settings.tokenTtlSeconds, settings.connectTimeoutMs, settings.requestTimeoutMs, settings.concurrency];
  }

  private clientOptions(settings: ExplorerSettings, label: string): ImdsClientOptions {
    return {
      versionPolicy: settings.versionPolicy,
      tokenTtlSeconds: settings.tokenTtlSeconds,
      connectTimeoutMs: settings.connectTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      maxConcurrency: settings.concurrency,
      onRequest: (event) => this.log.request(label, event),
      onWarning: (message) => this.log.warn(`[${label}] ${message}`),
    };
  }

  private emulatorSource(emulator: Emulator, settings: ExplorerSettings): ImdsSource {
    const label = vscode.l10n.t('Built-in emulator');
    // The emulator is a local playground: variables that point the SDKs elsewhere or turn IMDS
    // off are about the real service, not about it.
    const env = { ...process.env };
    for (const name of [ENV_DISABLED, ENV_ENDPOINT, ENV_ENDPOINT_MODE]) delete env[name];
    return new ImdsSource({ ...this.clientOptions(settings, label), kind: 'emulator', id: EMULATOR_SOURCE_ID, label, endpoint: emulator.url, env });
  }

  private instanceSource(settings: ExplorerSettings): MetadataSource {
    const label = vscode.l10n.t('This instance');
    try {
      return new ImdsSource({
        ...this.clientOptions(settings, label),
        kind: 'direct',
        id: INSTANCE_SOURCE_ID,
        label,
        endpoint: settings.endpoint === '' ? undefined : settings.endpoint,
        endpointMode: settings.endpointMode,
      });
    } catch (error) {
      // A bad endpoint setting: keep the root, and let it show the error with "Open Settings".
      this.log.error(`This instance: ${String((error as Error).message ?? error)}`);
      return unavailableSource(INSTANCE_SOURCE_ID, label, 'direct', error);
    }
  }

  private startEmulator(): Promise<Emulator> {
    if (this.emulatorServer) return Promise.resolve(this.emulatorServer);
    this.emulatorStarting ??= startEmulator({ host: '127.0.0.1', port: 0 }).then((emulator) => {
      this.emulatorServer = emulator;
      this.log.info(`Built-in emulator listening on ${emulator.url}`);
      return emulator;
    });
    return this.emulatorStarting.finally(() => {
      this.emulatorStarting = undefined;
    });
  }

  private async stopEmulator(): Promise<void> {
    const emulator = this.emulatorServer ?? (await this.emulatorStarting?.catch(() => undefined));
    this.emulatorServer = undefined;
    if (emulator) await emulator.close();
  }
}

/** A source that could not be made (bad settings): every read fails with why. */
function unavailableSource(id: string, label: string, kind: SourceKind, error: unknown): MetadataSource {
  const fail = () => Promise.reject(error);
  return { id, label, kind, list: fail, get: fail, snapshot: fail };
}
