// Secret masking and log redaction: pure functions, no server.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { SECRET_MASK, isSecretPath, maskSecrets, maskSecretsDetailed, redactForLog } from '../../../src/imds/secrets';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc==';
const CREDENTIALS = `{\n  "Code" : "Success",\n  "LastUpdated" : "2024-01-15T09:30:00Z",\n  "Type" : "AWS-HMAC",\n  "AccessKeyId" : "ASIAEXAMPLE",\n  "SecretAccessKey" : "${SECRET}",\n  "Token" : "${TOKEN}",\n  "Expiration" : "2024-01-15T15:30:00Z"\n}`;

describe('isSecretPath', () => {
  it('knows role and instance identity credentials, under any version', () => {
    assert.ok(isSecretPath('/latest/meta-data/iam/security-credentials/MyRole'));
    assert.ok(isSecretPath('/2021-03-23/meta-data/iam/security-credentials/MyRole'));
    assert.ok(isSecretPath('/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance'));
    assert.ok(isSecretPath('/latest/api/token'));
    // The service answers a value asked with a trailing slash: it is the same secret.
    assert.ok(isSecretPath('/latest/meta-data/iam/security-credentials/MyRole/'));
    assert.ok(isSecretPath('/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance/'));
    assert.ok(!isSecretPath('/latest/meta-data/iam/security-credentials/'));
    assert.ok(!isSecretPath('/latest/meta-data/iam/security-credentials//'));
    assert.ok(!isSecretPath('/latest/meta-data/iam/info'));
  });
});

describe('maskSecrets', () => {
  it('masks SecretAccessKey and Token and keeps everything else as served', () => {
    const out = maskSecretsDetailed('/latest/meta-data/iam/security-credentials/MyRole', CREDENTIALS);
    assert.ok(out.masked);
    assert.ok(!out.text.includes(SECRET) && !out.text.includes(TOKEN));
    assert.equal(out.text, CREDENTIALS.replace(SECRET, SECRET_MASK).replace(TOKEN, SECRET_MASK));
    const parsed = JSON.parse(out.text);
    assert.equal(parsed.AccessKeyId, 'ASIAEXAMPLE');
    assert.equal(parsed.Expiration, '2024-01-15T15:30:00Z');
  });
  it('masks compact JSON and escaped quotes inside values', () => {
    const compact = JSON.stringify({ AccessKeyId: 'A', SecretAccessKey: 'se"cret', Token: 'to\\ken' });
    const out = maskSecrets('/latest/meta-data/iam/security-credentials/R', compact);
    assert.deepEqual(JSON.parse(out), { AccessKeyId: 'A', SecretAccessKey: SECRET_MASK, Token: SECRET_MASK });
  });
  it('masks non-string secret fields by rebuilding the document', () => {
    const odd = '{"SecretAccessKey": ["x-secret-x"], "Token": 12345678}';
    const out = maskSecrets('/latest/meta-data/iam/security-credentials/R', odd);
    assert.ok(!out.includes('x-secret-x') && !out.includes('12345678'));
  });
  it('hides a credential body that is not JSON, and leaves error documents alone', () => {
    const broken = maskSecretsDetailed('/latest/meta-data/iam/security-credentials/R', `"SecretAccessKey": "${SECRET}`);
    assert.ok(broken.masked && !broken.text.includes(SECRET));
    const failure = '{\n  "Code" : "AssumeRoleUnauthorizedAccess",\n  "Message" : "EC2 cannot assume the role"\n}';
    assert.deepEqual(maskSecretsDetailed('/latest/meta-data/iam/security-credentials/R', failure), { text: failure, masked: false });
  });
  it('leaves other paths untouched unless their content carries a secret field', () => {
    const plain = JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIA' }, null, 2);
    assert.equal(maskSecrets('/latest/user-data', plain), plain);
    assert.equal(maskSecrets('/latest/meta-data/ami-id', 'ami-0123'), 'ami-0123');
    // A credential document is secret wherever it is served (issue #14: a role listed as a directory).
    const masked = maskSecrets('/latest/user-data', CREDENTIALS);
    assert.ok(!masked.includes(SECRET) && !masked.includes(TOKEN));
  });
});

describe('redactForLog', () => {
  it('removes credential fields, token headers, AWS secret variables and known strings', () => {
    const line = `x-aws-ec2-metadata-token: AQAEAabcdef123 X-aws-ec2-metadata-token-ttl-seconds: 21600 AWS_SECRET_ACCESS_KEY=${SECRET} aws_session_token = ${TOKEN} body ${CREDENTIALS} custom-secret-value`;
    const out = redactForLog(line, ['custom-secret-value']);
    for (const secret of ['AQAEAabcdef123', SECRET, TOKEN, 'custom-secret-value']) assert.ok(!out.includes(secret), secret);
    assert.ok(out.includes('X-aws-ec2-metadata-token-ttl-seconds: 21600'), 'the TTL header is not a secret');
    assert.ok(out.includes('ASIAEXAMPLE'), 'the access key ID is not a secret');
  });
});
