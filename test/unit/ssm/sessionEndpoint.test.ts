// The local endpoint's Session Manager service, seen by a client we did not write for it: the
// real SDK for the API, and a raw WebSocket (undici) for the data channel. The token of the first
// text frame is checked and single-use; ResumeSession issues another; TerminateSession ends the
// session; errors use the service's names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SSMClient, StartSessionCommand, ResumeSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { WebSocket } from 'undici/lib/web/websocket/websocket';
import { decodeMessage, PayloadType } from '../../../src/sources/ssm/session/codec';
import { INSTANCE, REGION, startSsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

/** Opens the stream, sends the token, resolves with the first binary frame or the close code. */
function open(url: string, token: string): Promise<{ frame?: Buffer; closeCode?: number; socket: InstanceType<typeof WebSocket> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const timer = setTimeout(() => reject(new Error('no answer from the data channel')), 5000);
    socket.addEventListener('open', () => socket.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: crypto.randomUUID(), TokenValue: token })));
    socket.addEventListener('message', (event) => {
      clearTimeout(timer);
      resolve({ frame: Buffer.from(event.data as ArrayBuffer), socket });
    });
    socket.addEventListener('close', (event) => {
      clearTimeout(timer);
      resolve({ closeCode: event.code, socket });
    });
  });
}

describe('local SSM endpoint: Session Manager API and data channel', () => {
  const suite = useAwsWorld(() => startSsmWorld());
  let client: SSMClient;

  before(async () => {
    client = new SSMClient({ region: REGION, endpoint: suite.world.endpoint.url, credentials: suite.world.endpoint.credentials });
  });
  after(() => client.destroy());

  it('checks the single-use token, re-issues one on ResumeSession, and ends the session on TerminateSession', async () => {
    const start = await client.send(new StartSessionCommand({ Target: INSTANCE, DocumentName: 'AWS-StartNonInteractiveCommand', Parameters: { command: ['echo hi'] } }));
    assert.match(start.SessionId!, /^ssm-test-[0-9a-f]{17}$/);
    assert.match(start.StreamUrl!, new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v1/data-channel/${start.SessionId}\\?role=publish_subscribe$`));

    const wrong = await open(start.StreamUrl!, 'not-the-token');
    assert.equal(wrong.closeCode, 1008, 'a wrong token is refused');
    const first = await open(start.StreamUrl!, start.TokenValue!);
    assert.ok(first.frame, 'the right token opens the channel');
    const request = decodeMessage(first.frame);
    assert.equal(request.messageType, 'output_stream_data');
    assert.equal(request.sequenceNumber, 0);
    assert.equal(request.flags, 1n);
    assert.equal(request.payloadType, PayloadType.HandshakeRequest);
    assert.equal(JSON.parse(request.payload.toString()).RequestedClientActions[0].ActionParameters.SessionType, 'NonInteractiveCommands');
    first.socket.close();
    const reused = await open(start.StreamUrl!, start.TokenValue!);
    assert.equal(reused.closeCode, 1008, 'a used token is refused');

    const resumed = await client.send(new ResumeSessionCommand({ SessionId: start.SessionId }));
    assert.notEqual(resumed.TokenValue, start.TokenValue);
    const again = await open(resumed.StreamUrl!, resumed.TokenValue!);
    assert.equal(decodeMessage(again.frame!).sequenceNumber, 0, 'the unacknowledged handshake request is resent after resuming');
    again.socket.close();

    assert.equal(suite.world.endpoint.openSessions(), 1);
    await client.send(new TerminateSessionCommand({ SessionId: start.SessionId }));
    assert.equal(suite.world.endpoint.openSessions(), 0);
    await assert.rejects(client.send(new ResumeSessionCommand({ SessionId: start.SessionId })), { name: 'DoesNotExistException' });
    await assert.rejects(client.send(new TerminateSessionCommand({ SessionId: 'ssm-test-00000000000000000' })), { name: 'DoesNotExistException' });
  });

  it('answers StartSession errors by their service names', async () => {
    await assert.rejects(client.send(new StartSessionCommand({ Target: INSTANCE, DocumentName: 'AWS-NoSuchDocument' })), { name: 'InvalidDocument' });
    await assert.rejects(client.send(new StartSessionCommand({ Target: 'i-0aaaaaaaaaaaaaaaa', DocumentName: 'AWS-StartNonInteractiveCommand', Parameters: { command: ['true'] } })), { name: 'TargetNotConnected' });
    await assert.rejects(client.send(new StartSessionCommand({ Target: INSTANCE, DocumentName: 'AWS-StartNonInteractiveCommand', Parameters: { commands: ['true'] } })), { name: 'InvalidParameters' });
    assert.equal(suite.world.endpoint.openSessions(), 0);
  });
});
