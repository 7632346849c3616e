// The KMS side of the local endpoint (awsJson1_1, `X-Amz-Target: TrentService.<Op>`): symmetric
// keys whose data keys are sealed with AES-256-GCM under a per-key master secret, the encryption
// context bound in as additional data, as KMS binds it. GenerateDataKey and Decrypt, with KMS's
// error names (NotFoundException, InvalidCiphertextException, ValidationException).
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';

export class KmsServiceError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

interface Key {
  arn: string;
  id: string;
  secret: Buffer;
  enabled: boolean;
}

/** Canonical form of an encryption context (sorted keys), the data the ciphertext is bound to. */
function contextBytes(context: Record<string, string> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

export class KmsService {
  private readonly keys = new Map<string, Key>();

  constructor(private readonly region: string, private readonly accountId: string) {}

  createKey(): string {
    const id = randomUUID();
    const key: Key = { id, arn: `arn:aws:kms:${this.region}:${this.accountId}:key/${id}`, secret: randomBytes(32), enabled: true };
    this.keys.set(id, key);
    return key.arn;
  }

  disableKey(keyId: string): void {
    this.find(keyId).enabled = false;
  }

  private find(keyId: string | undefined): Key {
    if (!keyId) throw new KmsServiceError('ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    const id = keyId.startsWith('arn:') ? keyId.split('/').pop()! : keyId;
    const key = this.keys.get(id);
    if (!key) throw new KmsServiceError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  /** Seals `plaintext` under the key: [1][16-byte key id][12-byte nonce][ciphertext][16-byte tag]. */
  private seal(key: Key, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.secret, nonce);
    cipher.setAAD(contextBytes(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), Buffer.from(key.id.replace(/-/g, ''), 'hex'), nonce, body, cipher.getAuthTag()]);
  }

  /** Plaintext of a blob sealed by seal(), or InvalidCiphertextException (wrong context, damage). */
  decryptBlob(blob: Buffer, context: Record<string, string> | undefined): { plaintext: Buffer; keyArn: string } {
    if (blob.length < 1 + 16 + 12 + 16 || blob[0] !== 1) throw new KmsServiceError('InvalidCiphertextException', '');
    const hex = blob.subarray(1, 17).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const key = this.keys.get(id);
    if (!key) throw new KmsServiceError('InvalidCiphertextException', '');
    if (!key.enabled) throw new KmsServiceError('DisabledException', `${key.arn} is disabled.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.secret, blob.subarray(17, 29));
      decipher.setAAD(contextBytes(context));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return { plaintext: Buffer.concat([decipher.update(blob.subarray(29, blob.length - 16)), decipher.final()]), keyArn: key.arn };
    } catch {
      throw new KmsServiceError('InvalidCiphertextException', '');
    }
  }

  generateDataKey(body: Record<string, unknown>): Record<string, unknown> {
    const key = this.find(body.KeyId as string | undefined);
    if (!key.enabled) throw new KmsServiceError('DisabledException', `${key.arn} is disabled.`);
    const bytes = body.NumberOfBytes as number | undefined;
    const spec = body.KeySpec as string | undefined;
    if ((bytes === undefined) === (spec === undefined)) throw new KmsServiceError('ValidationException', 'Please specify either number of bytes or key spec.');
    if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024)) {
      throw new KmsServiceError('ValidationException', `1 validation error detected: Value '${bytes}' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024`);
    }
    const length = bytes ?? (spec === 'AES_128' ? 16 : 32);
    const plaintext = randomBytes(length);
    const context = body.EncryptionContext as Record<string, string> | undefined;
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), CiphertextBlob: this.seal(key, plaintext, context).toString('base64') };
  }

  decrypt(body: Record<string, unknown>): Record<string, unknown> {
    const blob = Buffer.from(String(body.CiphertextBlob ?? ''), 'base64');
    const { plaintext, keyArn } = this.decryptBlob(blob, body.EncryptionContext as Record<string, string> | undefined);
    if (body.KeyId !== undefined && this.find(body.KeyId as string).arn !== keyArn) throw new KmsServiceError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
    return { KeyId: keyArn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }
}
