// Real IMDS clients that nobody here wrote, pointed at the emulator: the AWS SDK for JavaScript's
// MetadataService and credential provider, and the AWS CLI (botocore). If they accept it, the
// emulator speaks the protocol closely enough.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { defaultInstance, startEmulator, type Emulator } from '../../../src/emulator/server';

const CREDS = `/latest/meta-data/iam/security-credentials/${defaultInstance.roleName}`;

// Keep the SDK away from any real ~/.aws of the machine running the tests.
const home = mkdtempSync(path.join(tmpdir(), 'imds-real-clients-'));
process.env.AWS_CONFIG_FILE = path.join(home, 'config');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'credentials');
delete process.env.AWS_EC2_METADATA_DISABLED;
delete process.env.AWS_EC2_METADATA_V1_DISABLED;
delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE;

function servedCredentials(emu: Emulator): { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string } {
  return JSON.parse(emu.getValue(CREDS)!.toString('utf8'));
}

for (const mode of ['optional', 'required'] as const) {
  describe(`real AWS SDK clients, IMDSv2 ${mode}`, () => {
    let emu: Emulator;
    before(async () => {
      emu = await startEmulator({ imdsv2: mode });
    });
    after(() => emu.close());

    it('@aws-sdk/ec2-metadata-service MetadataService reads values and listings', async () => {
      emu.stats.reset();
      const service = new MetadataService({ endpoint: emu.url, httpOptions: { timeout: 5000 } });
      assert.equal(await service.request('/latest/meta-data/instance-id', {}), defaultInstance.instanceId);
      assert.equal(await service.request('/latest/meta-data/placement/region', {}), defaultInstance.region);
      const doc = JSON.parse(await service.request('/latest/dynamic/instance-identity/document', {}));
      assert.equal(doc.instanceId, defaultInstance.instanceId);
      const listing = await service.request('/latest/meta-data/', {});
      assert.ok(listing.split('\n').includes('iam/'));
      assert.ok(emu.stats.tokenPuts >= 1, 'the SDK used IMDSv2 tokens');
    });

    it('MetadataService with IMDSv1 fallback disabled fetches a token and uses it', async () => {
      const service = new MetadataService({ endpoint: emu.url, ec2MetadataV1Disabled: true, httpOptions: { timeout: 5000 } });
      const token = await service.fetchMetadataToken();
      assert.ok(token.length > 20);
      assert.equal(await service.request('/latest/meta-data/mac', {}), defaultInstance.mac);
    });

    it('MetadataService reports a 404 as an error, not as a value', async () => {
      const service = new MetadataService({ endpoint: emu.url, retries: 0, httpOptions: { timeout: 5000 } });
      await assert.rejects(service.request('/latest/meta-data/does-not-exist', {}), /404/);
    });

    it('@smithy/credential-provider-imds fromInstanceMetadata gets the role credentials', async () => {
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url;
      emu.stats.reset();
      const creds = await fromInstanceMetadata({ timeout: 5000, maxRetries: 1 })();
      const served = servedCredentials(emu);
      assert.equal(creds.accessKeyId, served.AccessKeyId);
      assert.equal(creds.secretAccessKey, served.SecretAccessKey);
      assert.equal(creds.sessionToken, served.Token);
      assert.ok(creds.expiration instanceof Date);
      assert.equal(creds.expiration!.toISOString().replace('.000Z', 'Z'), served.Expiration);
      assert.ok(creds.expiration!.getTime() > Date.now());
      assert.ok(emu.stats.tokenPuts >= 1, 'the provider used IMDSv2');
      assert.ok((emu.stats.byPath.get('/latest/meta-data/iam/security-credentials/') ?? 0) >= 1, 'the provider listed the role');
    });
  });
}

describe('real SDK client against the hop-limit fault', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ imdsv2: 'optional' });
    // Every request from 127.0.0.1 "comes from a container": its token PUTs never get an answer.
    emu.setFaults({ containerSources: ['127.0.0.1'] });
  });
  after(() => emu.close());

  it('fromInstanceMetadata times out on the token and falls back to IMDSv1 (IMDSv2 optional)', async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url;
    emu.stats.reset();
    const creds = await fromInstanceMetadata({ timeout: 500, maxRetries: 0 })();
    assert.equal(creds.accessKeyId, servedCredentials(emu).AccessKeyId);
    assert.equal(emu.stats.tokenPuts, 0, 'no token was ever issued');
    assert.ok((emu.stats.byPath.get('/latest/api/token') ?? 0) >= 1, 'the provider tried a token first');
  });

  it('fromInstanceMetadata fails when IMDSv2 is required and tokens cannot come back', async () => {
    emu.setImdsv2('required');
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url;
    await assert.rejects(fromInstanceMetadata({ timeout: 500, maxRetries: 0 })());
  });
});

/** Debian's AWS CLI v2 (package awscli); a pyenv v1 on PATH also works, then it is named. */
function findAwsCli(): string | undefined {
  if (existsSync('/usr/bin/aws')) return '/usr/bin/aws';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'aws');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function runAws(aws: string, args: string[], endpoint: string, cliHome: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only what the CLI needs: no AWS_* variables of the caller, a HOME with no ~/.aws.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: cliHome,
    LANG: 'C.UTF-8',
    AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint,
    AWS_PAGER: '',
  };
  return new Promise((resolve) => {
    execFile(aws, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the AWS CLI (botocore) against the emulator', () => {
  const aws = findAwsCli();
  let cliHome: string;
  before(() => {
    cliHome = mkdtempSync(path.join(tmpdir(), 'imds-aws-cli-home-'));
  });
  after(() => {
    rmSync(cliHome, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  for (const mode of ['optional', 'required'] as const) {
    it(`aws configure list takes credentials from the instance role (IMDSv2 ${mode})`, async (t) => {
      if (!aws) return t.skip('no AWS CLI installed (Debian package awscli); install it to run this test');
      const emu = await startEmulator({ imdsv2: mode });
      try {
        // This botocore appends `latest/api/token` to the endpoint as given: it needs the trailing slash.
        const result = await runAws(aws, ['configure', 'list'], emu.url + '/', cliHome);
        assert.equal(result.code, 0, result.stderr);
        const line = result.stdout.split('\n').find((l) => /^\s*access_key\s/.test(l));
        assert.ok(line, `no access_key line in:\n${result.stdout}`);
        assert.match(line, /\biam-role\b/);
        // The CLI shows the last four characters of the key id it got: the emulator's.
        assert.ok(line.includes(servedCredentials(emu).AccessKeyId.slice(-4)), line);
        assert.ok(emu.stats.byPath.has(CREDS), 'the CLI read the role credentials');
        if (mode === 'required') assert.ok(emu.stats.tokenPuts >= 1, 'the CLI used IMDSv2');
      } finally {
        await emu.close();
      }
    });
  }
});

// Debian's botocore (python3-botocore, from scripts/setup-deps.sh) under Debian's own python: the
// `python3` on PATH may be another interpreter with another botocore.
const DEBIAN_PYTHON = '/usr/bin/python3';
const DEBIAN_BOTOCORE = '/usr/lib/python3/dist-packages/botocore/__init__.py';
// The Region provider a botocore session uses (smart defaults): it reads `placement/availability-zone/`.
const REGION_SCRIPT = [
  'import botocore, botocore.session, botocore.utils',
  'session = botocore.session.get_session()',
  'print(botocore.__file__)',
  'print(botocore.utils.IMDSRegionProvider(session).provide())',
].join('\n');

function runPython(script: string, endpoint: string, pyHome: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: pyHome, LANG: 'C.UTF-8', AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint };
  return new Promise((resolve) => {
    execFile(DEBIAN_PYTHON, ['-I', '-c', script], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, stdout, stderr });
    });
  });
}

describe("Debian's botocore gets the Region from the emulator", () => {
  let pyHome: string;
  before(() => {
    pyHome = mkdtempSync(path.join(tmpdir(), 'imds-botocore-home-'));
  });
  after(() => rmSync(pyHome, { recursive: true, force: true }));

  for (const mode of ['optional', 'required'] as const) {
    it(`IMDSRegionProvider reads placement/availability-zone/ (IMDSv2 ${mode})`, async (t) => {
      if (!existsSync(DEBIAN_BOTOCORE)) return t.skip('python3-botocore is not installed: run scripts/setup-deps.sh (as root)');
      const emu = await startEmulator({ imdsv2: mode, config: { metadata: { values: { 'placement-availability-zone': 'eu-central-1b' } } } });
      try {
        const result = await runPython(REGION_SCRIPT, emu.url + '/', pyHome);
        assert.equal(result.code, 0, result.stderr);
        const [file, region] = result.stdout.trim().split('\n');
        assert.equal(file, DEBIAN_BOTOCORE, 'the Debian package ran, not another botocore');
        assert.equal(region, 'eu-central-1');
        assert.ok(emu.stats.byPath.has('/latest/meta-data/placement/availability-zone/'), 'botocore asked with the trailing slash');
        assert.ok(emu.stats.tokenPuts >= 1, 'botocore used IMDSv2');
      } finally {
        await emu.close();
      }
    });
  }
});
