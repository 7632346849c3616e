// Base64 detection must find what people encoded and never "decode" ordinary text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { detectBase64 } from '../../../src/userdata/base64';
import { decodeUserData } from '../../../src/userdata';
import { fixture, fixtureNames } from '../../fixtures/user-data/corpus';
import { mulberry32 } from '../../fixtures/user-data/prng';

const MAX = 1024 * 1024;
const detect = (text: string | Buffer) => detectBase64(Buffer.isBuffer(text) ? text : Buffer.from(text), MAX);
const SCRIPT = '#!/bin/bash\nyum install -y httpd\nsystemctl enable --now httpd\n';

describe('base64 detection', () => {
  it('finds single-line, wrapped (76 and 64 columns), CRLF-wrapped and unpadded base64', () => {
    const long = `${SCRIPT}${'echo "configuring step" >> /var/log/setup.log\n'.repeat(20)}`;
    const encoded = Buffer.from(long).toString('base64');
    const wrap = (width: number, eol: string) => encoded.match(new RegExp(`.{1,${width}}`, 'g'))!.join(eol) + eol;
    for (const text of [encoded, `${encoded}\n`, wrap(76, '\n'), wrap(64, '\n'), wrap(76, '\r\n')]) {
      const result = detect(text);
      assert.equal(result.kind, 'valid', JSON.stringify(text.slice(0, 40)));
      assert.equal(result.kind === 'valid' && result.bytes.toString(), long);
    }
    const withPadding = [`${SCRIPT}x`, `${SCRIPT}xy`, `${SCRIPT}xyz`].map((text) => Buffer.from(text).toString('base64')).find((text) => text.endsWith('='));
    const unpadded = withPadding!.replace(/=+$/, '');
    const result = detect(unpadded);
    assert.equal(result.kind, 'valid');
    assert.equal(result.kind === 'valid' && result.padded, false);
  });

  it('finds URL-safe base64 and base64 of gzip', () => {
    const urlSafe = Buffer.from(`${SCRIPT}# ???>>>~~~\n`).toString('base64url');
    assert.match(urlSafe, /[-_]/);
    const result = detect(urlSafe);
    assert.equal(result.kind === 'valid' && result.alphabet, 'base64url');
    const gzipped = zlib.gzipSync(Buffer.from(SCRIPT)).toString('base64');
    assert.equal(detect(gzipped).kind, 'valid');
  });

  it('finds UTF-16LE text encoded the way PowerShell -EncodedCommand does', () => {
    const encoded = Buffer.from('Write-Host "hello from user-data"\r\n', 'utf16le').toString('base64');
    const decoded = decodeUserData(Buffer.from(encoded));
    assert.deepEqual(decoded.layers, ['base64']);
    assert.equal(decoded.parts[0].text, 'Write-Host "hello from user-data"\r\n');
    assert.ok(decoded.warnings.some((warning) => /UTF-16LE/.test(warning)));
  });

  it('leaves ordinary words, identifiers, hashes and scripts alone', () => {
    const ordinary = [
      'Administrator',
      'password1234',
      'HelloWorld12',
      'abcdefghijklmnop',
      'ami-0abcdef1234567890',
      'i-0123456789abcdef0',
      'arn:aws:iam::123456789012:role/MyInstanceRole',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '550e8400-e29b-41d4-a716-446655440000',
      'https://example.com/bootstrap.sh',
      'reboot',
      'true\n',
      'shutdown\nreboot\n',
      'aGVsbG8=',
      'line\nline\nline\n',
      'ABCDEFGHABCDEFGH\nABCD\nABCDEFGH\n',
      SCRIPT,
      '#cloud-config\npackages:\n- jq\n',
    ];
    for (const text of ordinary) assert.equal(detect(text).kind, 'none', text);
    for (const name of fixtureNames()) {
      if (name === 'double-base64' || name === 'gzip-base64' || name === 'invalid-base64' || name === 'gzip-bomb') continue;
      assert.equal(detect(fixture(name)).kind, 'none', name);
    }
  });

  it('takes no random alphanumeric token of 16 characters or more for base64 (20,000 seeded samples)', () => {
    const random = mulberry32(20240601);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const taken: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const length = 16 + 4 * Math.floor(random() * 12);
      let token = '';
      for (let j = 0; j < length; j++) token += alphabet[Math.floor(random() * alphabet.length)];
      if (detect(token).kind !== 'none') taken.push(token);
    }
    assert.deepEqual(taken, []);
  });

  it('notes base64 of binary data without decoding it', () => {
    const random = mulberry32(7);
    const binary = Buffer.from(Array.from({ length: 96 }, () => Math.floor(random() * 256)));
    const result = detect(binary.toString('base64'));
    assert.equal(result.kind, 'none');
    assert.match(result.kind === 'none' ? (result.note ?? '') : '', /valid base64 of 96 bytes of binary data/);
  });

  it('reports damaged base64 with the reason: bad character, cut short, padding in the middle', () => {
    const encoded = Buffer.from(`${SCRIPT}${SCRIPT}`).toString('base64');
    const badChar = detect(`${encoded.slice(0, 40)}*${encoded.slice(40)}`);
    assert.equal(badChar.kind, 'invalid');
    assert.match(badChar.kind === 'invalid' ? badChar.reason : '', /character "\*" at position 41/);

    const cut = detect(encoded.slice(0, 4 * 20 + 1));
    assert.equal(cut.kind, 'invalid');
    assert.match(cut.kind === 'invalid' ? cut.reason : '', /not a valid base64 length/);

    const twoPieces = Buffer.from(SCRIPT).toString('base64') + Buffer.from(SCRIPT).toString('base64');
    assert.match(Buffer.from(SCRIPT).toString('base64'), /=$/);
    const padded = detect(twoPieces);
    assert.equal(padded.kind, 'invalid');
    assert.match(padded.kind === 'invalid' ? padded.reason : '', /padding "=" appears at position/);
  });

  it('does not call a damaged-looking token invalid base64 when its start decodes to nothing', () => {
    assert.equal(detect('ZZZZZZZZZZZZZZZZZZZZ*ZZZZ').kind, 'none');
  });
});
