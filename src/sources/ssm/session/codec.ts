// The binary frame of the Session Manager data channel ("ClientMessage"): a 120-byte big-endian
// header, then the payload. Layout from the protocol notes (AWS session-manager-plugin
// message/clientmessage.go, agent contracts/agentmessage.go); written here from that description.
//
//   0 HeaderLength u32 (=116)   4 MessageType 32 B ASCII   36 SchemaVersion u32   40 CreatedDate u64 ms
//  48 SequenceNumber i64        56 Flags u64                64 MessageId 16 B (UUID halves swapped)
//  80 PayloadDigest 32 B SHA-256  112 PayloadType u32       116 PayloadLength u32  120 Payload

import { createHash, randomUUID } from 'node:crypto';

export const HEADER_LENGTH = 116;
const PAYLOAD_OFFSET = HEADER_LENGTH + 4;
const TYPE_LENGTH = 32;

export const MessageType = {
  Input: 'input_stream_data',
  Output: 'output_stream_data',
  Acknowledge: 'acknowledge',
  ChannelClosed: 'channel_closed',
  StartPublication: 'start_publication',
  PausePublication: 'pause_publication',
} as const;

export const PayloadType = {
  Output: 1,
  Error: 2,
  Size: 3,
  Parameter: 4,
  HandshakeRequest: 5,
  HandshakeResponse: 6,
  HandshakeComplete: 7,
  EncChallengeRequest: 8,
  EncChallengeResponse: 9,
  Flag: 10,
  StdErr: 11,
  ExitCode: 12,
} as const;

/** Flags: SYN on the first message of a stream, FIN on the last; acknowledgements carry both. */
export const FLAG_SYN = 1n;
export const FLAG_FIN = 2n;

export interface ChannelMessage {
  messageType: string;
  schemaVersion: number;
  createdDate: number;
  sequenceNumber: number;
  flags: bigint;
  /** Canonical UUID text. */
  messageId: string;
  payloadType: number;
  payload: Buffer;
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** UUID text -> 16 bytes as the wire holds them: bytes 8..15 first, then 0..7. */
export function uuidToWire(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new CodecError(`"${uuid}" is not a UUID.`);
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]);
}

export function uuidFromWire(wire: Buffer): string {
  const hex = Buffer.concat([wire.subarray(8, 16), wire.subarray(0, 8)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newMessage(fields: Partial<ChannelMessage> & Pick<ChannelMessage, 'messageType' | 'payloadType' | 'payload'>): ChannelMessage {
  return {
    schemaVersion: 1,
    createdDate: Date.now(),
    sequenceNumber: 0,
    flags: 0n,
    messageId: randomUUID(),
    ...fields,
  };
}

/** One frame, with the real SHA-256 digest of its payload. */
export function encodeMessage(message: ChannelMessage, digest: Buffer = sha256(message.payload)): Buffer {
  if (message.messageType.length > TYPE_LENGTH || !/^[\x20-\x7e]*$/.test(message.messageType)) {
    throw new CodecError(`Message type "${message.messageType}" does not fit the 32-byte ASCII field.`);
  }
  const frame = Buffer.alloc(PAYLOAD_OFFSET + message.payload.length);
  frame.writeUInt32BE(HEADER_LENGTH, 0);
  frame.fill(0x20, 4, 4 + TYPE_LENGTH); // space-padded, as the Go writer does
  frame.write(message.messageType, 4, 'ascii');
  frame.writeUInt32BE(message.schemaVersion, 36);
  frame.writeBigUInt64BE(BigInt(message.createdDate), 40);
  frame.writeBigInt64BE(BigInt(message.sequenceNumber), 48);
  frame.writeBigUInt64BE(message.flags, 56);
  uuidToWire(message.messageId).copy(frame, 64);
  digest.copy(frame, 80, 0, 32);
  frame.writeUInt32BE(message.payloadType, 112);
  frame.writeUInt32BE(message.payload.length, 116);
  message.payload.copy(frame, PAYLOAD_OFFSET);
  return frame;
}

export interface DecodeOptions {
  /** Check the payload digest (default true); a mismatch throws. */
  verifyDigest?: boolean;
}

/** Reads one frame; throws CodecError on anything malformed or a digest that does not match. */
export function decodeMessage(frame: Buffer, options: DecodeOptions = {}): ChannelMessage {
  if (frame.length < PAYLOAD_OFFSET) throw new CodecError(`A data channel frame of ${frame.length} bytes is shorter than its ${PAYLOAD_OFFSET}-byte header.`);
  const headerLength = frame.readUInt32BE(0);
  if (headerLength !== HEADER_LENGTH) throw new CodecError(`Header length ${headerLength}, expected ${HEADER_LENGTH}.`);
  const messageType = frame.toString('ascii', 4, 4 + TYPE_LENGTH).replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  const payloadLength = frame.readUInt32BE(116);
  if (PAYLOAD_OFFSET + payloadLength !== frame.length) {
    throw new CodecError(`Payload length ${payloadLength} does not match the frame (${frame.length - PAYLOAD_OFFSET} bytes after the header).`);
  }
  const payload = Buffer.from(frame.subarray(PAYLOAD_OFFSET));
  // Publication notices carry no meaningful payload or digest (the agent skips their checks too).
  const notice = messageType === MessageType.StartPublication || messageType === MessageType.PausePublication;
  if ((options.verifyDigest ?? true) && !notice && payloadLength > 0 && !sha256(payload).equals(frame.subarray(80, 112))) {
    throw new CodecError(`The payload digest of a ${messageType} message does not match its content.`);
  }
  return {
    messageType,
    schemaVersion: frame.readUInt32BE(36),
    createdDate: Number(frame.readBigUInt64BE(40)),
    sequenceNumber: Number(frame.readBigInt64BE(48)),
    flags: frame.readBigUInt64BE(56),
    messageId: uuidFromWire(frame.subarray(64, 80)),
    payloadType: frame.readUInt32BE(112),
    payload,
  };
}

export interface AcknowledgeContent {
  AcknowledgedMessageType: string;
  AcknowledgedMessageId: string;
  AcknowledgedMessageSequenceNumber: number;
  IsSequentialMessage: boolean;
}

/** The acknowledgement of `message`: unsequenced, flags SYN|FIN, JSON payload. */
export function acknowledgement(message: ChannelMessage): ChannelMessage {
  const content: AcknowledgeContent = {
    AcknowledgedMessageType: message.messageType,
    AcknowledgedMessageId: message.messageId,
    AcknowledgedMessageSequenceNumber: message.sequenceNumber,
    IsSequentialMessage: true,
  };
  return newMessage({ messageType: MessageType.Acknowledge, payloadType: 0, flags: FLAG_SYN | FLAG_FIN, payload: Buffer.from(JSON.stringify(content)) });
}

export function parseJson<T>(payload: Buffer, what: string): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch {
    throw new CodecError(`The ${what} is not JSON.`);
  }
}
