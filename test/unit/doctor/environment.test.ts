// The environment the doctor is told about (env and home directory are inputs, so these tests are
// hermetic): AWS_EC2_METADATA_* and proxies, and what shadows the instance role in the default
// credential chain (environment keys, a profile with keys, AWS_PROFILE naming nothing, SSO ...).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { parseIni } from '../../../src/doctor/checks/credentialChain';
import { noProxyCovers } from '../../../src/doctor/checks/envImds';
import { allText, check, doctorOn, emptyHome, emulatorAndHome, joined, startV1OnlyFront } from './helpers';

describe('doctor: environment variables that change IMDS access', () => {
  let emulator: Emulator;
  const home = emulatorAndHome({}, (started) => (emulator = started));

  it('an empty environment passes and names what it looked for', async () => {
    const env = check(await doctorOn(emulator.url, home.dir), 'env-imds');
    assert.equal(env.status, 'pass');
    assert.match(env.evidence[0], /none of AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_V1_DISABLED/);
  });

  it('AWS_EC2_METADATA_DISABLED=true fails: the SDKs never ask IMDS', async () => {
    const env = check(await doctorOn(emulator.url, home.dir, { env: { AWS_EC2_METADATA_DISABLED: 'true' } }), 'env-imds');
    assert.equal(env.status, 'fail');
    assert.deepEqual(env.evidence, ['AWS_EC2_METADATA_DISABLED=true']);
    assert.match(env.summary, /never ask IMDS/);
    assert.match(joined(env), /unset AWS_EC2_METADATA_DISABLED/);
  });

  it('AWS_EC2_METADATA_V1_DISABLED on an IMDSv1-only endpoint fails; with IMDSv2 working it is only noted', async () => {
    const front = await startV1OnlyFront(emulator.url, 405);
    try {
      const bad = check(await doctorOn(front.url, home.dir, { env: { AWS_EC2_METADATA_V1_DISABLED: 'true' } }, 'endpoint'), 'env-imds');
      assert.equal(bad.status, 'fail');
      assert.match(bad.summary, /only IMDSv1 works from here: SDKs refuse to fall back/);
    } finally {
      await front.close();
    }
    const fine = check(await doctorOn(emulator.url, home.dir, { env: { AWS_EC2_METADATA_V1_DISABLED: 'true' } }), 'env-imds');
    assert.equal(fine.status, 'info');
    assert.match(joined(fine), /never fall back to IMDSv1/);
  });

  it('a bad AWS_EC2_METADATA_SERVICE_ENDPOINT or mode fails with the setting named', async () => {
    const env = check(await doctorOn(emulator.url, home.dir, { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'ftp://x', AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv5' } }), 'env-imds');
    assert.equal(env.status, 'fail');
    assert.match(env.summary, /AWS_EC2_METADATA_SERVICE_ENDPOINT is not a usable URL/);
    assert.match(env.summary, /IPv5" is neither IPv4 nor IPv6/);
  });

  it('an HTTP proxy without NO_PROXY for 169.254.169.254 warns (X-Forwarded-For → 403 on the token PUT); with NO_PROXY it is fine', async () => {
    const proxied = check(await doctorOn(emulator.url, home.dir, { env: { HTTPS_PROXY: 'http://proxy.internal:3128', NO_PROXY: 'localhost' } }), 'env-imds');
    assert.equal(proxied.status, 'warn');
    assert.match(proxied.evidence[0], /HTTPS_PROXY set; NO_PROXY\/no_proxy=localhost/);
    assert.match(joined(proxied), /export NO_PROXY=169\.254\.169\.254,fd00:ec2::254/);
    const bypassed = check(await doctorOn(emulator.url, home.dir, { env: { http_proxy: 'http://proxy.internal:3128', no_proxy: 'localhost,169.254.169.254' } }), 'env-imds');
    assert.equal(bypassed.status, 'info');
    assert.equal(noProxyCovers('10.0.0.0/16', '169.254.169.254'), false);
    assert.equal(noProxyCovers('169.254.0.0/16', '169.254.169.254'), true);
    assert.equal(noProxyCovers('*', '169.254.169.254'), true);
  });
});

describe('doctor: what shadows the instance role', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({});
  });
  after(() => emulator?.close());

  const withHome = async (files: Record<string, string>, env: Record<string, string>) => {
    const home = emptyHome();
    try {
      mkdirSync(path.join(home.dir, '.aws'));
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(home.dir, '.aws', name), text);
      const report = await doctorOn(emulator.url, home.dir, { env });
      return { report, chain: check(report, 'credential-chain'), home: home.dir };
    } finally {
      home.remove();
    }
  };

  it('nothing set: pass, the chain falls through to IMDS', async () => {
    const { chain } = await withHome({}, {});
    assert.equal(chain.status, 'pass');
    assert.deepEqual(chain.commands, ['aws configure list', 'aws sts get-caller-identity']);
  });

  it('access keys in the environment shadow the role: warn with the key tail, never the secret', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const { chain, report } = await withHome({}, { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN' });
    assert.equal(chain.status, 'warn');
    assert.match(chain.summary, /use access keys in the environment .* not the instance role/);
    assert.ok(chain.evidence.includes('AWS_ACCESS_KEY_ID is set (****************MPLE) with AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN'));
    const text = allText(report);
    assert.equal(text.includes(secret), false);
    assert.equal(text.includes('FwoGZXIvYXdzEXAMPLETOKEN'), false);
    assert.equal(text.includes('AKIAIOSFODNN7EXAMPLE'), false);
  });

  it('keys in ~/.aws/credentials [default] shadow the role', async () => {
    const { chain, home } = await withHome({ credentials: '[default]\naws_access_key_id = AKIAFILEKEY000001234\naws_secret_access_key = filesecret\n' }, {});
    assert.equal(chain.status, 'warn');
    assert.match(chain.summary, new RegExp(`keys of profile \\[default\\] in ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.aws/credentials`));
    assert.ok(chain.evidence.some((line) => line.endsWith('has aws_access_key_id (****************1234)')));
    assert.equal(joined(chain).includes('filesecret'), false);
  });

  it('AWS_PROFILE selects a profile with SSO or role_arn: shadowed; with credential_source Ec2InstanceMetadata: the role is the source', async () => {
    const config = [
      '[profile sso]', 'sso_session = corp', 'sso_account_id = 123456789012',
      '[profile chained]', 'role_arn = arn:aws:iam::123456789012:role/Other', 'credential_source = Ec2InstanceMetadata',
      '[profile assumed]', 'role_arn = arn:aws:iam::123456789012:role/Other', 'source_profile = sso',
    ].join('\n');
    let result = await withHome({ config }, { AWS_PROFILE: 'sso' });
    assert.equal(result.chain.status, 'warn');
    assert.match(result.chain.summary, /IAM Identity Center \(SSO\) login of profile sso/);
    result = await withHome({ config }, { AWS_PROFILE: 'assumed' });
    assert.match(result.chain.summary, /role_arn arn:aws:iam::123456789012:role\/Other of profile assumed \(source_profile sso\)/);
    result = await withHome({ config }, { AWS_PROFILE: 'chained' });
    assert.equal(result.chain.status, 'pass');
    assert.ok(result.chain.evidence.some((line) => line.includes('using the instance role (credential_source = Ec2InstanceMetadata)')));
  });

  it('AWS_PROFILE naming a profile that does not exist warns: the CLI stops instead of using the role', async () => {
    const { chain } = await withHome({ credentials: '[default]\nregion = eu-west-1\n' }, { AWS_PROFILE: 'nope' });
    assert.equal(chain.status, 'warn');
    assert.match(chain.summary, /AWS_PROFILE=nope names a profile found in neither/);
  });

  it('container and web identity credentials come before IMDS too', async () => {
    const { chain } = await withHome({}, { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/token', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/Pod' });
    assert.equal(chain.status, 'warn');
    assert.match(chain.summary, /web identity role arn:aws:iam::123456789012:role\/Pod .*\(and 1 more\)/);
    assert.ok(chain.evidence.some((line) => line.includes('container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')));
  });

  it('parses the shared files the way the CLI does: sections, comments, nested lines ignored', () => {
    const ini = parseIni('# comment\n[default]\naws_access_key_id = A\ns3 =\n  max_concurrent_requests = 20\n; other\n[profile x]\nregion=eu-west-1\n');
    assert.deepEqual([...ini.keys()], ['default', 'profile x']);
    assert.deepEqual([...ini.get('default')!.keys()], ['aws_access_key_id', 's3']);
    assert.equal(ini.get('profile x')!.get('region'), 'eu-west-1');
  });
});
