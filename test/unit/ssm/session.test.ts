// The Session Manager transport end to end: the real @aws-sdk/client-ssm (and client-kms) -> the
// local SSM endpoint (StartSession, then its WebSocket data channel playing service and agent) ->
// the walker really running here without a shell -> the emulator as the instance's IMDS. Snapshots
// must equal the direct client's, path for path; every fault ends in a correct snapshot or a clear
// error with a remedy, and no session stays open.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, beforeEach, describe, it } from 'node:test';
import type { Snapshot } from '../../../src/imds/types';
import { SsmError } from '../../../src/sources/ssm/errors';
import { SESSION_DOCUMENT } from '../../../src/sources/ssm/session/sessionRunner';
import type { SessionFaults } from '../../support/ssm/sessionAgent';
import { shlexSplit } from '../../support/ssm/shlex';
import { assertSamePaths, startSsmWorld, type SsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

/** Waits (bounded) for the endpoint to see every session terminated. */
async function noOpenSessions(world: SsmWorld): Promise<void> {
  const until = Date.now() + 5000;
  while (world.endpoint.openSessions() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(world.endpoint.openSessions(), 0, 'no session stays open');
}

describe('SSM session transport: snapshots', () => {
  const suite = useAwsWorld(() => startSsmWorld());

  for (const tool of ['python3', 'curl'] as const) {
    for (const kms of [false, true]) {
      it(`${tool}${kms ? ', KMS-encrypted' : ''}: equals the direct snapshot, with one StartSession and no SendCommand`, async () => {
        suite.world.endpoint.setSessionKms(kms);
        const started = suite.world.endpoint.countOf('StartSession');
        const sent = suite.world.endpoint.countOf('SendCommand');
        const source = suite.world.source({ transport: 'session', tool });
        const snapshot = await source.snapshot();
        assertSamePaths(snapshot, await suite.world.direct());
        assert.equal(suite.world.endpoint.countOf('StartSession') - started, 1);
        assert.equal(suite.world.endpoint.countOf('SendCommand') - sent, 0);
        assert.equal(suite.world.endpoint.sessions().at(-1)!.stats.encrypted, kms);
        assert.equal(source.state().transport, 'Session Manager session');
        const session = suite.world.endpoint.sessions().at(-1)!;
        assert.equal(session.documentName, SESSION_DOCUMENT);
        assert.ok(session.stats.outputChunks >= 2, 'the output came in several ≤ 1,024-byte chunks');
        await noOpenSessions(suite.world);
      });
    }
  }

  it('KMS: calls GenerateDataKey once per session with the session\'s encryption context', async () => {
    suite.world.endpoint.setSessionKms(true);
    const before = suite.world.endpoint.calls.length;
    await suite.world.source({ transport: 'session' }).snapshot();
    const kmsCalls = suite.world.endpoint.calls.slice(before).filter((c) => c.operation === 'GenerateDataKey');
    assert.equal(kmsCalls.length, 1);
    const session = suite.world.endpoint.sessions().at(-1)!;
    assert.equal(kmsCalls[0].body.NumberOfBytes, 64);
    assert.deepEqual(Object.keys(kmsCalls[0].body.EncryptionContext as object).sort(), ['aws:ssm:RandomChallenge', 'aws:ssm:SessionId', 'aws:ssm:TargetId']);
    assert.equal((kmsCalls[0].body.EncryptionContext as Record<string, string>)['aws:ssm:SessionId'], session.sessionId);
    suite.world.endpoint.setSessionKms(false);
  });

  it('reads a tree twice as long as the 24,000-character Run Command limit in one session', async () => {
    suite.world.emulator.setUserData(randomBytes(36000));
    for (let i = 0; i < 60; i++) suite.world.emulator.setValue(`/latest/meta-data/tags/instance/Big${i}`, randomBytes(48).toString('hex'));
    // Last test that compares with the direct snapshot here: the big tree stays.
    const started = suite.world.endpoint.countOf('StartSession');
    const snapshot = await suite.world.source({ transport: 'session' }).snapshot();
    assertSamePaths(snapshot, await suite.world.direct());
    assert.equal(suite.world.endpoint.countOf('StartSession') - started, 1, 'one session, no follow-up parts');
    assert.ok(suite.world.endpoint.sessions().at(-1)!.stats.outputBytes > 48000, 'the document is over twice the Run Command limit');
  });

  it('runs the command without a shell: an explicit sh -c that carries the script\'s SHA-256, which Show SSM Script shows', async () => {
    const source = suite.world.source({ transport: 'session' });
    await source.snapshot();
    const session = suite.world.endpoint.sessions().at(-1)!;
    const argv = shlexSplit(session.command);
    assert.equal(argv[0], 'sh');
    assert.equal(argv[1], '-c');
    const hash = /^imds-explorer-sha256=([0-9a-f]{64})$/.exec(argv[3])?.[1];
    assert.ok(hash, 'the command names the script hash');
    const shown = source.script();
    const script = shown.slice(shown.indexOf('# ---- script ----\n') + '# ---- script ----\n'.length);
    assert.equal(createHash('sha256').update(script).digest('hex'), hash, 'the shown script is the one that ran');
    assert.ok(shown.includes(hash), 'Show SSM Script prints the hash');
    assert.match(script, /^#!\/bin\/sh\n/);
  });
});

describe('SSM session transport: faults', () => {
  const suite = useAwsWorld(() => startSsmWorld({ endpoint: { handshakeTimeoutMs: 2000 } }));
  let direct: Snapshot;

  before(async () => {
    direct = await suite.world.direct();
  });
  beforeEach(() => {
    suite.world.endpoint.setSessionFaults({});
    suite.world.endpoint.setSessionDocumentMissing(false);
    suite.world.endpoint.setWebSocketsRefused(false);
    suite.world.endpoint.allow('ssm:StartSession');
  });

  const repaired: [string, SessionFaults, (stats: { agentResends: number; clientDuplicates: number }) => void, number?][] = [
    ['dropped frames are resent', { drop: [0, 2, 5] }, (s) => assert.ok(s.agentResends >= 3, `resends: ${s.agentResends}`)],
    ['duplicated frames are re-acked and used once', { duplicate: [0, 1, 3] }, () => undefined],
    ['reordered frames are buffered and used in order', { reorder: true }, () => undefined],
    ['frames with a bad digest are dropped and resent', { badDigest: [1, 4] }, (s) => assert.ok(s.agentResends >= 2, `resends: ${s.agentResends}`)],
    // Acks come later than the client's longest retransmission timeout (1 s, its clamp), so a resend
    // is certain however the smoothed timeout grew on a loaded machine (700 ms was not: flaky).
    ['late acks make the client resend; the agent re-acks the duplicates', { delayAcksMs: 1500 }, (s) => assert.ok(s.clientDuplicates >= 1, `client duplicates: ${s.clientDuplicates}`),
      // IMDS answers slowly, so the session outlasts the client's retransmission timeout.
      30],
  ];
  for (const [title, faults, check, imdsLatencyMs] of repaired) {
    it(`${title}: the snapshot is still exact`, async () => {
      suite.world.endpoint.setSessionFaults(faults);
      suite.world.emulator.setFaults({ latencyMs: imdsLatencyMs ?? 0 });
      let snapshot;
      try {
        snapshot = await suite.world.source({ transport: 'session', commandTimeoutSeconds: 20 }).snapshot();
      } finally {
        suite.world.emulator.setFaults({ latencyMs: 0 });
      }
      assertSamePaths(snapshot, direct);
      check(suite.world.endpoint.sessions().at(-1)!.stats);
      await noOpenSessions(suite.world);
    });
  }

  async function failsWith(code: SsmError['code'], pattern: RegExp, remedy: RegExp, options: Record<string, unknown> = {}) {
    const started = Date.now();
    await assert.rejects(suite.world.source({ transport: 'session', commandTimeoutSeconds: 10, sessionHandshakeTimeoutMs: 1500, ...options }).snapshot(), (error: unknown) => {
      assert.ok(error instanceof SsmError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, pattern);
      assert.match(error.remedy, remedy);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, 'within the configured timeout');
    await noOpenSessions(suite.world);
  }

  it('a socket closed mid-stream: a clear error, the session terminated', async () => {
    suite.world.endpoint.setSessionFaults({ closeAfterChunks: 2 });
    await failsWith('SessionFailed', /closed before the command's output ended/, /refresh/i);
  });

  it('a handshake never answered: a clear error naming the agent version', async () => {
    suite.world.endpoint.setSessionFaults({ silentHandshake: true });
    await failsWith('HandshakeFailed', /did not start the session handshake/, /3\.0\.1124\.0/);
  });

  it('channel_closed with an error: the error, not an empty snapshot', async () => {
    suite.world.endpoint.setSessionFaults({ closeWithError: 'Session terminated by an administrator.' });
    await failsWith('SessionFailed', /administrator/, /Run Command|refresh/i);
  });

  it('the session document missing in the Region: says so, with Run Command as the way out', async () => {
    suite.world.endpoint.setSessionDocumentMissing(true);
    await failsWith('DocumentMissing', /AWS-StartNonInteractiveCommand is not available/, /runCommand/);
  });

  it('StartSession denied: names the permission and the document ARN', async () => {
    suite.world.endpoint.deny('ssm:StartSession');
    await failsWith('SessionDenied', /may not start a Session Manager session/, /ssm:StartSession.*document\/AWS-StartNonInteractiveCommand/);
  });

  it('WebSockets refused (a proxy): a clear error', async () => {
    suite.world.endpoint.setWebSocketsRefused(true);
    await failsWith('WebSocketFailed', /WebSocket/, /proxy|firewall/);
  });

  it('KMS denied: names kms:GenerateDataKey and the key', async () => {
    suite.world.endpoint.setSessionKms(true);
    suite.world.endpoint.deny('kms:GenerateDataKey');
    try {
      await failsWith('KmsUnusable', /kms:GenerateDataKey/, new RegExp(`kms:GenerateDataKey on ${suite.world.endpoint.sessionKmsKey()!.replace(/[/:]/g, '.')}`));
    } finally {
      suite.world.endpoint.allow('kms:GenerateDataKey');
      suite.world.endpoint.setSessionKms(false);
    }
  });

  it('session on a Windows instance: refused with the setting to change', async () => {
    await failsWith('InvalidRequest', /Windows/, /runCommand/, { platform: 'windows' });
  });
});

describe('SSM transport auto: falls back to Run Command, and says why', () => {
  const suite = useAwsWorld(() => startSsmWorld());
  let direct: Snapshot;

  before(async () => {
    direct = await suite.world.direct();
  });

  it('uses a session when it can', async () => {
    const source = suite.world.source({ transport: 'auto' });
    assertSamePaths(await source.snapshot(), direct);
    assert.equal(source.state().transport, 'Session Manager session');
    assert.equal(source.lastRun()?.transport.transport, 'session');
  });

  const causes: [string, () => void, () => void, RegExp][] = [
    ['StartSession denied', () => suite.world.endpoint.deny('ssm:StartSession'), () => suite.world.endpoint.allow('ssm:StartSession'), /may not start a Session Manager session/],
    ['the document missing', () => suite.world.endpoint.setSessionDocumentMissing(true), () => suite.world.endpoint.setSessionDocumentMissing(false), /AWS-StartNonInteractiveCommand is not available/],
    ['a WebSocket that cannot connect', () => suite.world.endpoint.setWebSocketsRefused(true), () => suite.world.endpoint.setWebSocketsRefused(false), /WebSocket/],
    ['KMS that cannot be used', () => {
      suite.world.endpoint.setSessionKms(true);
      suite.world.endpoint.deny('kms:GenerateDataKey');
    }, () => {
      suite.world.endpoint.allow('kms:GenerateDataKey');
      suite.world.endpoint.setSessionKms(false);
    }, /kms:GenerateDataKey/],
  ];
  for (const [title, set, unset, reason] of causes) {
    it(`${title}: Run Command serves the snapshot, and the reason is logged and shown`, async () => {
      set();
      try {
        const lines: string[] = [];
        const sent = suite.world.endpoint.countOf('SendCommand');
        const source = suite.world.source({ transport: 'auto', log: (line) => lines.push(line) });
        assertSamePaths(await source.snapshot(), direct);
        assert.equal(suite.world.endpoint.countOf('SendCommand') - sent, 1);
        const shown = source.state().transport ?? '';
        assert.match(shown, /^Run Command \(fell back from a session: /);
        assert.match(shown, reason);
        assert.ok(lines.some((line) => /using Run Command/.test(line) && reason.test(line)), lines.join('\n'));
        assert.equal(source.lastRun()?.transport.transport, 'runCommand');
        await noOpenSessions(suite.world);
      } finally {
        unset();
      }
    });
  }

  it('does not fall back on other errors (a handshake that fails is an error, not a reason to switch)', async () => {
    suite.world.endpoint.setSessionFaults({ closeWithError: 'Handshake failed: test' });
    try {
      const sent = suite.world.endpoint.countOf('SendCommand');
      await assert.rejects(suite.world.source({ transport: 'auto' }).snapshot(), { code: 'SessionFailed' });
      assert.equal(suite.world.endpoint.countOf('SendCommand'), sent);
    } finally {
      suite.world.endpoint.setSessionFaults({});
    }
  });
});
