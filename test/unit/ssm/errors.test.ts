// Every failure of the SSM source, made real (missing credentials, expired SSO, denied actions,
// offline agents, failing scripts, IMDS off on the instance, throttling), must come out as an
// SsmError whose message says what happened and whose remedy says what to do.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SsmError } from '../../../src/sources/ssm/errors';
import { SsmSource } from '../../../src/sources/ssm/ssmSource';
import { INSTANCE, REGION, startSsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

const SSO_START_URL = 'https://example-test.awsapps.com/start';

function expectSsmError(code: SsmError['code'], message: RegExp, remedy?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SsmError, `expected an SsmError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    assert.match(error.message, message);
    if (remedy) assert.match(error.remedy, remedy);
    return true;
  };
}

describe('SsmSource errors a person can act on', () => {
  const suite = useAwsWorld(async (aws) => {
    // Profiles are written before the SDK reads the files for the first time (it caches them).
    aws.write(
      [
        '[profile dev-sso]',
        `sso_start_url = ${SSO_START_URL}`,
        'sso_region = eu-west-1',
        'sso_account_id = 123456789012',
        'sso_role_name = ReadOnly',
        `region = ${REGION}`,
        '',
        '[profile old-keys]',
        `region = ${REGION}`,
        '',
      ].join('\n'),
      ['[old-keys]', 'aws_access_key_id = AKIDEXPIRED', 'aws_secret_access_key = expired-secret', ''].join('\n'),
    );
    // An SSO token cache entry that expired an hour ago (what `aws sso login` leaves behind).
    const cache = join(aws.dir, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, `${createHash('sha1').update(SSO_START_URL).digest('hex')}.json`), JSON.stringify({
      startUrl: SSO_START_URL, region: 'eu-west-1', accessToken: 'expired-token', expiresAt: new Date(Date.now() - 3600_000).toISOString(),
    }));
    return startSsmWorld({
      instances: [
        { instanceId: INSTANCE },
        { instanceId: 'i-0ccccccccccccccc1', pingStatus: 'ConnectionLost' },
        { instanceId: 'i-0ccccccccccccccc2', managed: false },
        { instanceId: 'i-0ccccccccccccccc3', failure: { exitCode: 2, stderr: 'sh: 1: cannot create /tmp/x: Read-only file system' } },
        { instanceId: 'i-0ccccccccccccccc4', tools: [] },
        { instanceId: 'i-0ccccccccccccccc5', executionDelayMs: 5000 },
      ],
      endpoint: {
        credentials: {
          AKIDSSMTEST: { secretAccessKey: 'ssm-test-secret' },
          AKIDEXPIRED: { secretAccessKey: 'expired-secret', expired: true },
        },
      },
    });
  });

  it('no credentials anywhere: says so and how to configure them', async () => {
    const source = suite.world.source({ credentials: undefined });
    await assert.rejects(source.snapshot(), expectSsmError('NoCredentials', /No AWS credentials/, /aws configure|imdsExplorer\.ssm\.profile/));
  });

  it('a profile that does not exist: names it', async () => {
    const source = suite.world.source({ credentials: undefined, profile: 'no-such-profile' });
    await assert.rejects(source.snapshot(), expectSsmError('NoCredentials', /no-such-profile/, /no-such-profile/));
  });

  it('an expired SSO session: tells to run aws sso login --profile NAME', async () => {
    const source = suite.world.source({ credentials: undefined, profile: 'dev-sso' });
    await assert.rejects(source.snapshot(), expectSsmError('SsoExpired', /SSO session of profile "dev-sso" has expired/, /aws sso login --profile dev-sso/));
  });

  it('expired keys of a profile: says they expired and how to refresh', async () => {
    const source = suite.world.source({ credentials: undefined, profile: 'old-keys' });
    await assert.rejects(source.snapshot(), expectSsmError('ExpiredCredentials', /profile "old-keys" have expired/, /aws sso login --profile old-keys/));
  });

  it('an access key AWS does not know', async () => {
    const source = suite.world.source({ credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } });
    await assert.rejects(source.snapshot(), expectSsmError('InvalidCredentials', /does not recognise the access key/));
  });

  it('no Region: says where to set one', async () => {
    const source = suite.world.source({ region: undefined });
    await assert.rejects(source.snapshot(), expectSsmError('NoRegion', /No AWS Region/, /imdsExplorer\.ssm\.region|AWS_REGION/));
  });

  for (const action of ['ssm:SendCommand', 'ssm:GetCommandInvocation']) {
    it(`AccessDenied names the missing action (${action})`, async () => {
      suite.world.endpoint.deny(action);
      try {
        const source = suite.world.source();
        await assert.rejects(source.snapshot(), expectSsmError('AccessDenied', new RegExp(`not allowed to call ${action}`), new RegExp(`Add ${action} to its IAM policy`)));
      } finally {
        suite.world.endpoint.allow(action);
      }
    });
  }

  it('an instance SSM does not manage', async () => {
    const source = suite.world.source({ instanceId: 'i-0ccccccccccccccc2' });
    await assert.rejects(source.snapshot(), expectSsmError('NotManaged', /i-0ccccccccccccccc2 is not a managed instance/, /SSM agent/));
  });

  it('an agent that lost its connection: fails fast with its ping status, and cancels the command', async () => {
    const source = suite.world.source({ instanceId: 'i-0ccccccccccccccc1', agentCheckAfterMs: 300 });
    const cancels = suite.world.endpoint.countOf('CancelCommand');
    await assert.rejects(source.snapshot(), expectSsmError('ConnectionLost', /agent of i-0ccccccccccccccc1 is ConnectionLost/, /amazon-ssm-agent/));
    assert.equal(suite.world.endpoint.countOf('CancelCommand'), cancels + 1);
  });

  it('a command never delivered (DeliveryTimedOut)', async () => {
    const id = 'i-0ccccccccccccccc6';
    suite.world.endpoint.setInstance({ instanceId: id, pingStatus: 'ConnectionLost' });
    const endpoint = await (await import('../../support/ssmEndpoint')).startSsmEndpoint({
      instances: [{ instanceId: id, pingStatus: 'ConnectionLost' }], deliveryTimeoutMs: 300,
    });
    try {
      const source = new SsmSource({ instanceId: id, region: REGION, endpoint: endpoint.url, credentials: endpoint.credentials, agentCheckAfterMs: 60_000, transport: 'runCommand' });
      await assert.rejects(source.snapshot(), expectSsmError('DeliveryTimedOut', /could not deliver the command to i-0ccccccccccccccc6/, /agent is offline/));
      await source.dispose();
    } finally {
      await endpoint.close();
    }
  });

  it('the script failing on the instance: shows its stderr', async () => {
    const source = suite.world.source({ instanceId: 'i-0ccccccccccccccc3' });
    await assert.rejects(source.snapshot(), expectSsmError('ScriptFailed', /failed on i-0ccccccccccccccc3 \(exit 2.*Read-only file system/s));
  });

  it('an instance with none of python3, curl or wget', async () => {
    const source = suite.world.source({ instanceId: 'i-0ccccccccccccccc4' });
    await assert.rejects(source.snapshot(), expectSsmError('NoHttpTool', /none of python3, curl or wget/, /Install curl or python3/));
  });

  it('a command that outlives the timeout is cancelled and says which setting to raise', async () => {
    const source = suite.world.source({ instanceId: 'i-0ccccccccccccccc5', commandTimeoutSeconds: 1, agentCheckAfterMs: 60_000 });
    const cancels = suite.world.endpoint.countOf('CancelCommand');
    await assert.rejects(source.snapshot(), expectSsmError('CommandTimedOut', /did not finish the snapshot command within 1 s/, /commandTimeoutSeconds/));
    assert.equal(suite.world.endpoint.countOf('CancelCommand'), cancels + 1);
  });

  it('IMDS turned off on the instance: the IMDS error, with the instance id in the remedy', async () => {
    suite.world.emulator.setEnabled(false);
    try {
      const source = suite.world.source();
      await assert.rejects(source.snapshot(), expectSsmError('Imds', new RegExp(`On ${INSTANCE}: IMDS is turned off or access is denied \\(403\\)`),
        new RegExp(`modify-instance-metadata-options --instance-id ${INSTANCE} --http-endpoint enabled`)));
    } finally {
      suite.world.emulator.setEnabled(true);
    }
  });

  it('IMDS unreachable from the instance', async () => {
    const source = suite.world.source({ imdsEndpoint: 'http://127.0.0.1:9' });
    await assert.rejects(source.snapshot(), expectSsmError('Imds', /Cannot reach IMDS at http:\/\/127\.0\.0\.1:9/));
  });

  it('throttling: backs off and succeeds; when it persists, says so', async () => {
    suite.world.endpoint.failNext('SendCommand', { type: 'ThrottlingException', message: 'Rate exceeded' }, 5);
    suite.world.endpoint.failNext('GetCommandInvocation', { type: 'ThrottlingException', message: 'Rate exceeded' }, 6);
    const patient = suite.world.source({ throttleRetryBaseMs: 50 });
    const snapshot = await patient.snapshot();
    assert.ok(snapshot.entries.length > 50);
    suite.world.endpoint.clearFaults();

    suite.world.endpoint.failNext('SendCommand', { type: 'ThrottlingException', message: 'Rate exceeded' }, Infinity);
    try {
      const source = suite.world.source({ throttleRetryBaseMs: 50, maxAttempts: 1 });
      await assert.rejects(source.snapshot(), expectSsmError('Throttled', /throttling SSM API calls in eu-west-1 \(SendCommand\)/, /wait a few seconds/));
    } finally {
      suite.world.endpoint.clearFaults();
    }
  });

  it('an SSM endpoint override nobody answers at', async () => {
    const source = suite.world.source({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await assert.rejects(source.snapshot(), expectSsmError('EndpointUnreachable', /Cannot reach the SSM API at http:\/\/127\.0\.0\.1:9/, /imdsExplorer\.ssm\.endpoint|--ssm-endpoint/));
  });

  it('a malformed instance id is refused before any call', () => {
    assert.throws(() => new SsmSource({ instanceId: 'web-1; rm -rf /' }), expectSsmError('InvalidRequest', /not an EC2 or managed instance id/));
  });
});
