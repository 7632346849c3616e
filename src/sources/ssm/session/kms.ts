// KMS-encrypted sessions: the client asks KMS for a 64-byte data key bound to the session (the
// encryption context the agent decrypts with), hands the agent the ciphertext in the handshake, and
// then both sides use AES-256-GCM with one half each way. The KMS SDK loads only when an account
// turned session encryption on.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with the session's 64-byte data key: the client decrypts what the agent sends with
 * bytes 0..31 and encrypts what it sends with bytes 32..63; the agent uses them the other way round.
 */
export class SessionCipher {
  private readonly encryptKey: Buffer;
  private readonly decryptKey: Buffer;

  constructor(dataKey: Buffer, side: 'client' | 'agent') {
    if (dataKey.length !== 64) throw new Error(`A session data key has 64 bytes, not ${dataKey.length}.`);
    const first = Buffer.from(dataKey.subarray(0, 32));
    const second = Buffer.from(dataKey.subarray(32, 64));
    [this.decryptKey, this.encryptKey] = side === 'client' ? [first, second] : [second, first];
  }

  /** nonce ‖ ciphertext ‖ tag */
  encrypt(plain: Buffer): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptKey, nonce);
    return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer): Buffer {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('An encrypted payload is shorter than its nonce and tag.');
    const decipher = createDecipheriv('aes-256-gcm', this.decryptKey, sealed.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  }
}

/** The encryption context the agent passes to kms:Decrypt. */
export function sessionEncryptionContext(sessionId: string, targetId: string, challenge?: string): Record<string, string> {
  return {
    'aws:ssm:SessionId': sessionId,
    'aws:ssm:TargetId': targetId,
    ...(challenge ? { 'aws:ssm:RandomChallenge': challenge } : {}),
  };
}

export interface DataKey {
  plaintext: Buffer;
  /** CiphertextBlob, base64, for the handshake's KMSCipherTextKey. */
  ciphertextBase64: string;
}

/** Asks KMS for the session data key. */
export type DataKeySource = (keyId: string, context: Record<string, string>) => Promise<DataKey>;
