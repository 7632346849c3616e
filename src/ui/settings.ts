// The extension's settings, read in one place with their defaults, so the rest of the UI works
// with a typed object and never with raw configuration keys.
import * as vscode from 'vscode';
import type { TransportChoice } from '../sources/ssm';

export const SETTINGS_SECTION = 'imdsExplorer';

export type SourceSetting = 'auto' | 'emulator' | 'direct';
export type EndpointModeSetting = 'IPv4' | 'IPv6';
export type VersionPolicySetting = 'auto' | 'v2-only' | 'v1-only';

export interface ExplorerSettings {
  /** Which built-in sources to show: emulator, this instance, or both when on EC2 (`auto`). */
  source: SourceSetting;
  /** Endpoint of the direct source; empty means the environment or the link-local default. */
  endpoint: string;
  /** Set only when the person chose a mode, so AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE still works. */
  endpointMode: EndpointModeSetting | undefined;
  versionPolicy: VersionPolicySetting;
  tokenTtlSeconds: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  /** 0 turns auto-refresh off. */
  autoRefreshSeconds: number;
}

export const DEFAULT_SETTINGS: Readonly<ExplorerSettings> = Object.freeze({
  source: 'auto',
  endpoint: '',
  endpointMode: undefined,
  versionPolicy: 'auto',
  tokenTtlSeconds: 21600,
  connectTimeoutMs: 1000,
  requestTimeoutMs: 5000,
  concurrency: 8,
  autoRefreshSeconds: 0,
});

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function wholeNumber(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;
}

export function readSettings(): ExplorerSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const mode = config.inspect<string>('endpointMode');
  const modeChosen = mode?.globalValue ?? mode?.workspaceValue ?? mode?.workspaceFolderValue;
  const d = DEFAULT_SETTINGS;
  return {
    source: oneOf(config.get('source'), ['auto', 'emulator', 'direct'] as const, d.source),
    endpoint: String(config.get('endpoint') ?? '').trim(),
    endpointMode: modeChosen === undefined ? undefined : oneOf(modeChosen, ['IPv4', 'IPv6'] as const, 'IPv4'),
    versionPolicy: oneOf(config.get('versionPolicy'), ['auto', 'v2-only', 'v1-only'] as const, d.versionPolicy),
    tokenTtlSeconds: wholeNumber(config.get('tokenTtlSeconds'), 1, 21600, d.tokenTtlSeconds),
    connectTimeoutMs: wholeNumber(config.get('connectTimeoutMs'), 50, 60_000, d.connectTimeoutMs),
    requestTimeoutMs: wholeNumber(config.get('requestTimeoutMs'), 100, 300_000, d.requestTimeoutMs),
    concurrency: wholeNumber(config.get('concurrency'), 1, 64, d.concurrency),
    autoRefreshSeconds: wholeNumber(config.get('autoRefreshSeconds'), 0, 86_400, d.autoRefreshSeconds),
  };
}

/** A text setting, trimmed; undefined when empty (empty means "use the default"). */
function text(config: vscode.WorkspaceConfiguration, key: string): string | undefined {
  return String(config.get(key) ?? '').trim() || undefined;
}

/** imdsExplorer.ssm.*: how Add SSM Instance… reaches AWS; its profile and Region serve the EC2 API too. */
export interface SsmSettings {
  endpoint?: string;
  profile?: string;
  region?: string;
  commandTimeoutSeconds: number;
  transport: TransportChoice;
}

export function readSsmSettings(): SsmSettings {
  const config = vscode.workspace.getConfiguration(`${SETTINGS_SECTION}.ssm`);
  const timeout = Number(config.get('commandTimeoutSeconds'));
  return {
    endpoint: text(config, 'endpoint'),
    profile: text(config, 'profile'),
    region: text(config, 'region'),
    commandTimeoutSeconds: Number.isFinite(timeout) && timeout >= 5 ? Math.min(3600, Math.round(timeout)) : 60,
    transport: (['auto', 'session', 'runCommand'] as const).find((t) => t === config.get('transport')) ?? 'auto',
  };
}

/** imdsExplorer.ec2.endpoint (VPC or local test endpoint) with the shared AWS profile and Region. */
export interface Ec2Settings {
  endpoint?: string;
  profile?: string;
  region?: string;
}

export function readEc2Settings(): Ec2Settings {
  const { profile, region } = readSsmSettings();
  return { endpoint: text(vscode.workspace.getConfiguration(`${SETTINGS_SECTION}.ec2`), 'endpoint'), profile, region };
}

/** imdsExplorer.posture.*: the account the posture reads (its own profile, else the SSM one). */
export interface PostureSettings {
  profile?: string;
  ec2Endpoint?: string;
  cloudWatchEndpoint?: string;
  days: number;
}

export function readPostureSettings(): PostureSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const days = Number(config.get('posture.days'));
  return {
    profile: text(config, 'posture.profile') ?? text(config, 'ssm.profile'),
    ec2Endpoint: text(config, 'ec2.endpoint'),
    cloudWatchEndpoint: text(config, 'posture.cloudWatchEndpoint'),
    days: Number.isInteger(days) && days >= 1 && days <= 455 ? days : 14,
  };
}

/** Settings that change how the built-in sources connect: they are rebuilt when one changes. */
export const CONNECTION_SETTINGS = ['source', 'endpoint', 'endpointMode', 'versionPolicy', 'tokenTtlSeconds', 'connectTimeoutMs', 'requestTimeoutMs', 'concurrency'] as const;

export function affectsConnection(event: vscode.ConfigurationChangeEvent): boolean {
  return CONNECTION_SETTINGS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`));
}

export function openExplorerSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', '@ext:ec2-metadata-explorer.ec2-metadata-explorer');
}
