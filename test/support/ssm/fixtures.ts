// Shared set-up for the SSM tests and benchmark: an emulator (the instance's IMDS), the local SSM
// endpoint whose instances run scripts against it, and an AWS environment isolated from the
// person's own ~/.aws (and from the real IMDS: the credential chain must never try 169.254.169.254).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import type { Snapshot } from '../../../src/imds/types';
import { SsmSource, type SsmSourceOptions } from '../../../src/sources/ssm/ssmSource';
import { startSsmEndpoint, type FakeInstance, type SsmEndpoint, type SsmEndpointOptions } from '../ssmEndpoint';

export const INSTANCE = 'i-0123456789abcdef0';
export const REGION = 'eu-west-1';

const AWS_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
  'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE'];

export interface IsolatedAws {
  dir: string;
  configFile: string;
  credentialsFile: string;
  /** Writes ~/.aws/config and ~/.aws/credentials of the isolated home. */
  write(config: string, credentials?: string): void;
  restore(): void;
}

/** Points the SDK at empty files in a temp HOME, turns IMDS credentials off, clears AWS_* variables. */
export function isolateAwsEnvironment(): IsolatedAws {
  const saved = new Map<string, string | undefined>();
  const set = (name: string, value: string | undefined) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  const dir = mkdtempSync(join(tmpdir(), 'ssm-aws-home-'));
  const configFile = join(dir, 'config');
  const credentialsFile = join(dir, 'credentials');
  writeFileSync(configFile, '');
  writeFileSync(credentialsFile, '');
  for (const name of AWS_VARIABLES) set(name, undefined);
  set('HOME', dir);
  set('AWS_CONFIG_FILE', configFile);
  set('AWS_SHARED_CREDENTIALS_FILE', credentialsFile);
  set('AWS_EC2_METADATA_DISABLED', 'true');
  return {
    dir,
    configFile,
    credentialsFile,
    write(config, credentials = '') {
      writeFileSync(configFile, config);
      writeFileSync(credentialsFile, credentials);
    },
    restore() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts two snapshots have the same root and the same entries, path for path (the path list first, for a readable diff). */
export function assertSamePaths(actual: Snapshot, expected: Snapshot): void {
  assert.equal(actual.root, expected.root);
  assert.deepEqual(actual.entries.map((e) => e.path), expected.entries.map((e) => e.path));
  assert.deepEqual(actual.entries, expected.entries);
}

export interface SsmWorld {
  emulator: Emulator;
  endpoint: SsmEndpoint;
  /** An SsmSource on the test endpoint, reading the emulator from the "instance". */
  source(options?: Partial<SsmSourceOptions>): SsmSource;
  /** The direct client's snapshot of the same emulator. */
  direct(root?: string): Promise<Snapshot>;
  close(): Promise<void>;
}

export async function startSsmWorld(options: { emulator?: EmulatorOptions; instances?: FakeInstance[]; endpoint?: SsmEndpointOptions } = {}): Promise<SsmWorld> {
  const emulator = await startEmulator(options.emulator ?? {});
  const endpoint = await startSsmEndpoint({ instances: options.instances ?? [{ instanceId: INSTANCE }], ...options.endpoint });
  const sources: SsmSource[] = [];
  return {
    emulator,
    endpoint,
    source(overrides = {}) {
      const source = new SsmSource({
        instanceId: INSTANCE,
        region: REGION,
        endpoint: endpoint.url,
        credentials: endpoint.credentials,
        imdsEndpoint: emulator.url,
        commandTimeoutSeconds: 30,
        // The Run Command tests keep Run Command; session tests ask for `session` or `auto`.
        transport: 'runCommand',
        kmsEndpoint: endpoint.url,
        ...overrides,
      });
      sources.push(source);
      return source;
    },
    async direct(root) {
      // env {}: the isolated test environment turns IMDS off for the AWS credential chain only.
      const client = new ImdsClient({ endpoint: emulator.url, env: {} });
      try {
        return await client.snapshot(root ? { root } : {});
      } finally {
        await client.close();
      }
    },
    async close() {
      await Promise.all(sources.map((s) => s.dispose()));
      await endpoint.close();
      await emulator.close();
    },
  };
}
