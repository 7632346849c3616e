// The pieces of the session transport on their own: the ClientMessage bytes (checked against the
// layout table by offset, not by decoding what we encoded), digests, the UUID half swap, UTF-8-safe
// chunks, the retransmission timeout, the session cipher halves, the session command (really run
// without a shell) and the handshake answers of the channel.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildShellSnapshotScript } from '../../../src/sources/ssm/script';
import { DataChannel, ChannelError } from '../../../src/sources/ssm/session/channel';
import { acknowledgement, CodecError, decodeMessage, encodeMessage, MessageType, newMessage, PayloadType, uuidFromWire, uuidToWire } from '../../../src/sources/ssm/session/codec';
import { buildSessionCommand, MAX_SESSION_COMMAND_CHARS } from '../../../src/sources/ssm/session/command';
import { SessionCipher } from '../../../src/sources/ssm/session/kms';
import { INITIAL_RTO_MS, MAX_RTO_MS, RetransmissionTimer } from '../../../src/sources/ssm/session/retransmit';
import { PAYLOAD_SIZE, utf8Chunks } from '../../support/ssm/sessionAgent';
import { shlexSplit } from '../../support/ssm/shlex';

const ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('session codec', () => {
  it('lays a message out as the protocol table says', () => {
    const payload = Buffer.from('{"cols":80}');
    const frame = encodeMessage(newMessage({
      messageType: 'input_stream_data', payloadType: 3, payload, sequenceNumber: 7, flags: 1n, messageId: ID, createdDate: 1_700_000_000_123,
    }));
    assert.equal(frame.length, 120 + payload.length);
    assert.equal(frame.readUInt32BE(0), 116, 'HeaderLength');
    assert.equal(frame.toString('ascii', 4, 36), 'input_stream_data' + ' '.repeat(32 - 17), 'MessageType, space padded');
    assert.equal(frame.readUInt32BE(36), 1, 'SchemaVersion');
    assert.equal(frame.readBigUInt64BE(40), 1_700_000_000_123n, 'CreatedDate');
    assert.equal(frame.readBigInt64BE(48), 7n, 'SequenceNumber');
    assert.equal(frame.readBigUInt64BE(56), 1n, 'Flags');
    assert.equal(frame.subarray(64, 72).toString('hex'), '8796a5b4c3d2e1f0', 'MessageId: UUID bytes 8..15 first');
    assert.equal(frame.subarray(72, 80).toString('hex'), '0f1e2d3c4b5a6978', 'then bytes 0..7');
    assert.deepEqual(frame.subarray(80, 112), createHash('sha256').update(payload).digest(), 'PayloadDigest: raw SHA-256');
    assert.equal(frame.readUInt32BE(112), 3, 'PayloadType');
    assert.equal(frame.readUInt32BE(116), payload.length, 'PayloadLength');
    assert.deepEqual(frame.subarray(120), payload);
  });

  it('reads frames back, trims NUL or space padding, and refuses bad digests and damaged headers', () => {
    const message = newMessage({ messageType: MessageType.Output, payloadType: PayloadType.Output, payload: Buffer.from('héllo'), sequenceNumber: 3, messageId: ID });
    const frame = encodeMessage(message);
    const decoded = decodeMessage(frame);
    assert.equal(decoded.messageType, 'output_stream_data');
    assert.equal(decoded.messageId, ID);
    assert.equal(decoded.sequenceNumber, 3);
    assert.equal(decoded.payload.toString(), 'héllo');

    const nulPadded = Buffer.from(frame);
    nulPadded.fill(0, 4, 36);
    nulPadded.write('output_stream_data', 36 - 18, 'ascii'); // right-aligned with NULs, as one JS client wrote it
    assert.equal(decodeMessage(nulPadded).messageType, 'output_stream_data');

    const badDigest = Buffer.from(frame);
    badDigest[85] ^= 0xff;
    assert.throws(() => decodeMessage(badDigest), CodecError);
    assert.equal(decodeMessage(badDigest, { verifyDigest: false }).payload.toString(), 'héllo');
    const badHeader = Buffer.from(frame);
    badHeader.writeUInt32BE(120, 0);
    assert.throws(() => decodeMessage(badHeader), /Header length 120/);
    assert.throws(() => decodeMessage(frame.subarray(0, frame.length - 1)), /Payload length/);
    assert.throws(() => decodeMessage(frame.subarray(0, 100)), /shorter than its 120-byte header/);
  });

  it('swaps UUID halves both ways', () => {
    assert.equal(uuidFromWire(uuidToWire(ID)), ID);
    assert.throws(() => uuidToWire('not-a-uuid'), CodecError);
  });

  it('acknowledges by type, id and sequence number, unsequenced with flags 3', () => {
    const message = newMessage({ messageType: MessageType.Output, payloadType: 1, payload: Buffer.from('x'), sequenceNumber: 42, messageId: ID });
    const ack = decodeMessage(encodeMessage(acknowledgement(message)));
    assert.equal(ack.messageType, 'acknowledge');
    assert.equal(ack.flags, 3n);
    assert.equal(ack.sequenceNumber, 0);
    assert.deepEqual(JSON.parse(ack.payload.toString()), {
      AcknowledgedMessageType: 'output_stream_data', AcknowledgedMessageId: ID, AcknowledgedMessageSequenceNumber: 42, IsSequentialMessage: true,
    });
  });
});

describe('session output chunks and timers', () => {
  it('cuts output into ≤ 1,024-byte payloads that never split a UTF-8 character', () => {
    const text = 'aé€😀'.repeat(700) + 'x';
    const data = Buffer.from(text);
    const chunks = utf8Chunks(data);
    assert.ok(chunks.length > 2);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= PAYLOAD_SIZE);
      assert.equal(Buffer.from(chunk.toString('utf8')).length, chunk.length, 'each chunk is whole UTF-8');
    }
    assert.equal(Buffer.concat(chunks).toString('utf8'), text);
  });

  it('starts the retransmission timeout at 200 ms, smooths it, keeps it within 10 ms..1 s', () => {
    const timer = new RetransmissionTimer();
    assert.equal(timer.rtoMs, INITIAL_RTO_MS);
    timer.sample(40);
    assert.equal(timer.rtoMs, 40 + 4 * 20); // SRTT + 4·RTTVAR with RTTVAR = R/2
    timer.sample(40);
    assert.equal(timer.smoothedRttMs, 40);
    assert.equal(timer.rtoMs, 40 + 4 * 15);
    for (let i = 0; i < 50; i++) timer.sample(1);
    assert.ok(timer.rtoMs >= 10 + 1 - 1e-9 && timer.rtoMs < 20, `${timer.rtoMs}`);
    timer.sample(5000);
    assert.equal(timer.rtoMs, MAX_RTO_MS);
  });

  it('session cipher: each side reads what the other wrote, with the key halves the right way round', () => {
    const key = Buffer.alloc(64);
    for (let i = 0; i < 64; i++) key[i] = i;
    const client = new SessionCipher(key, 'client');
    const agent = new SessionCipher(key, 'agent');
    assert.equal(agent.decrypt(client.encrypt(Buffer.from('to agent'))).toString(), 'to agent');
    assert.equal(client.decrypt(agent.encrypt(Buffer.from('to client'))).toString(), 'to client');
    assert.throws(() => client.decrypt(client.encrypt(Buffer.from('own'))), 'a side cannot read its own direction');
    assert.throws(() => new SessionCipher(Buffer.alloc(32), 'client'), /64 bytes/);
  });
});

describe('session command', () => {
  it('is sh -c with the script packed inside, and its SHA-256 as $0, within the documented bound', () => {
    for (const tool of ['auto', 'python3', 'curl', 'wget'] as const) {
      const script = buildShellSnapshotScript({ documentId: '0123456789abcdef', chunkSize: 0, tool });
      const { command, scriptSha256 } = buildSessionCommand(script);
      const argv = shlexSplit(command);
      assert.equal(argv.length, 4);
      assert.deepEqual(argv.slice(0, 2), ['sh', '-c']);
      assert.equal(argv[3], `imds-explorer-sha256=${scriptSha256}`);
      assert.equal(scriptSha256, createHash('sha256').update(script).digest('hex'));
      assert.ok(command.length < MAX_SESSION_COMMAND_CHARS / 2, `${tool}: ${command.length} characters`);
    }
    // Random hex barely compresses: 60,000 characters pack to about 40,000.
    assert.throws(() => buildSessionCommand(`# ${randomBytes(30_000).toString('hex')}\n`), /more than the 32000 allowed/);
  });

  it('runs without a shell: unpacks, checks the hash, runs the script; a tampered hash stops it', () => {
    const { command } = buildSessionCommand("printf 'ran %s\\n' \"$(echo ok)\"\n");
    const argv = shlexSplit(command);
    const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    assert.equal(run.stdout, 'ran ok\n', run.stderr);
    const tampered = [...argv.slice(0, 3), `imds-explorer-sha256=${'0'.repeat(64)}`];
    const refused = spawnSync(tampered[0], tampered.slice(1), { encoding: 'utf8' });
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /does not match its SHA-256/);
  });
});

describe('session channel handshake', () => {
  function channel() {
    const sent: Buffer[] = [];
    const ch = new DataChannel({ sessionId: 's-1', targetId: 'i-0123456789abcdef0', send: (frame) => sent.push(frame), tickMs: 1000 });
    return { ch, sent };
  }
  function request(actions: unknown[]): Buffer {
    return encodeMessage(newMessage({
      messageType: MessageType.Output, payloadType: PayloadType.HandshakeRequest, sequenceNumber: 0, flags: 1n,
      payload: Buffer.from(JSON.stringify({ AgentVersion: '3.3.0.0', RequestedClientActions: actions })),
    }));
  }
  const responseOf = (sent: Buffer[]) => sent.map((f) => decodeMessage(f)).find((m) => m.payloadType === PayloadType.HandshakeResponse)!;

  it('answers SessionType NonInteractiveCommands with Success and acks the request', async () => {
    const { ch, sent } = channel();
    ch.receive(request([{ ActionType: 'SessionType', ActionParameters: { SessionType: 'NonInteractiveCommands', Properties: null } }]));
    await new Promise((r) => setImmediate(r));
    assert.equal(decodeMessage(sent[0]).messageType, 'acknowledge');
    const response = JSON.parse(responseOf(sent).payload.toString());
    assert.equal(response.ProcessedClientActions[0].ActionStatus, 1);
    assert.equal(response.ClientVersion, '1.2.707.0');
    ch.fail(new Error('end of test'));
  });

  it('answers unknown actions and other session types Unsupported, and fails instead of pretending', async () => {
    const { ch, sent } = channel();
    ch.receive(request([
      { ActionType: 'SessionType', ActionParameters: { SessionType: 'Port', Properties: { portNumber: '80' } } },
      { ActionType: 'SomethingNew', ActionParameters: {} },
    ]));
    await assert.rejects(ch.done, (error: unknown) => error instanceof ChannelError && error.failure.kind === 'handshake' && /Port is not supported/.test(error.message));
    const response = JSON.parse(responseOf(sent).payload.toString());
    assert.deepEqual(response.ProcessedClientActions.map((a: { ActionStatus: number }) => a.ActionStatus), [3, 3]);
  });

  it('KMS without a key source: a KMS failure, not a hang', async () => {
    const { ch } = channel();
    ch.receive(request([{ ActionType: 'KMSEncryption', ActionParameters: { KMSKeyId: 'arn:aws:kms:eu-west-1:1:key/x' } }]));
    await assert.rejects(ch.done, (error: unknown) => error instanceof ChannelError && error.failure.kind === 'kms');
  });
});
