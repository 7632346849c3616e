// Fuzzing the decoder with thousands of random and mutated inputs from a seeded PRNG (so a
// failure reproduces: the message carries the seed and the case number). Every input must decode
// without throwing, into a well-formed result whose size stays within the configured caps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { checkUserDataSize, decodeUserData, DEFAULT_DECODE_LIMITS, renderDecodedDocument } from '../../../src/userdata';
import type { DecodedUserData, DecodeLimits } from '../../../src/userdata';
import { fixture, fixtureNames } from '../../fixtures/user-data/corpus';
import { mulberry32, randomBytes } from '../../fixtures/user-data/prng';

const SEED = Number(process.env.USERDATA_FUZZ_SEED ?? 0x5eed);
const CASES = Number(process.env.USERDATA_FUZZ_CASES ?? 4000);
const LANGUAGES = new Set(['shellscript', 'yaml', 'powershell', 'json', 'plaintext', 'bat', 'python']);
const LAYERS = new Set(['base64', 'gzip', 'mime']);
// Smaller caps than the defaults keep the run short; the invariants are the same.
const LIMITS: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxLayerBytes: 2 * 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, max: number): number => Math.floor(random() * max);

// The corpus without the bomb's 1 MiB inner layer being rebuilt per case: fixtures are cached.
const seeds = fixtureNames().map((name) => fixture(name));

const TOKENS = [
  '#!/bin/bash\n',
  '#cloud-config\n',
  '#cloud-boothook\n',
  '#include\n',
  '<powershell>',
  '</powershell>',
  '<script>',
  '<persist>true</persist>',
  'Content-Type: multipart/mixed; boundary="b"\n',
  'MIME-Version: 1.0\n',
  '\n--b\n',
  '\n--b--\n',
  'Content-Transfer-Encoding: base64\n',
  'Content-Transfer-Encoding: quoted-printable\n',
  '=\n',
  '=3D',
  '\r\n',
  '====',
  'H4sIAAAAAAAA',
  '\u00ef\u00bb\u00bf',
];

function mutate(random: Random, input: Buffer): Buffer {
  let bytes = Buffer.from(input);
  const steps = 1 + int(random, 4);
  for (let step = 0; step < steps; step++) {
    switch (int(random, 8)) {
      case 0: // flip bits
        for (let i = 0, n = 1 + int(random, 8); i < n && bytes.length > 0; i++) bytes[int(random, bytes.length)] ^= 1 << int(random, 8);
        break;
      case 1: // truncate
        bytes = bytes.subarray(0, int(random, bytes.length + 1));
        break;
      case 2: // delete a slice
        if (bytes.length > 0) {
          const at = int(random, bytes.length);
          bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + int(random, 64))]);
        }
        break;
      case 3: {
        // insert a token that steers a layer
        const at = int(random, bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(random, TOKENS), 'latin1'), bytes.subarray(at)]);
        break;
      }
      case 4: {
        // duplicate a slice
        const at = int(random, bytes.length + 1);
        const slice = bytes.subarray(at, at + int(random, 256));
        bytes = Buffer.concat([bytes.subarray(0, at), slice, slice, bytes.subarray(at + slice.length)]);
        break;
      }
      case 5: // splice with another seed
        bytes = Buffer.concat([bytes.subarray(0, int(random, bytes.length + 1)), pick(random, seeds).subarray(int(random, 512))]);
        break;
      case 6: // random bytes in the middle
        bytes = Buffer.concat([bytes, randomBytes(random, int(random, 32))]);
        break;
      default: // overwrite one byte
        if (bytes.length > 0) bytes[int(random, bytes.length)] = int(random, 256);
    }
  }
  return bytes;
}

/** Wraps content in random layers so mutations reach the inner layers too. */
function wrap(random: Random, input: Buffer): Buffer {
  let bytes = input;
  for (let i = 0, n = int(random, 4); i < n; i++) {
    if (random() < 0.5) bytes = zlib.gzipSync(bytes, { level: 1 });
    else {
      const text = bytes.toString('base64');
      bytes = Buffer.from(random() < 0.5 ? text : (text.match(/.{1,76}/g) ?? []).join('\n'));
    }
  }
  return bytes;
}

function randomMime(random: Random): Buffer {
  const boundary = pick(random, ['b', '===============123==', 'x y', '']);
  const parts: string[] = [];
  for (let i = 0, n = int(random, 5); i < n; i++) {
    const body = mutate(random, pick(random, seeds).subarray(0, 2048));
    const encoding = pick(random, ['base64', 'quoted-printable', '7bit', 'x-uuencode', '']);
    const encoded = encoding === 'base64' ? body.toString('base64') : body.toString('latin1');
    const type = pick(random, ['text/x-shellscript', 'text/cloud-config', 'text/plain', 'application/x-gzip', 'multipart/mixed; boundary=b', '']);
    parts.push(`--${boundary}\nContent-Type: ${type}\nContent-Transfer-Encoding: ${encoding}\n\n${encoded}\n`);
  }
  const close = random() < 0.7 ? `--${boundary}--\n` : '';
  return Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n${parts.join('')}${close}`, 'latin1');
}

function generate(random: Random): Buffer {
  switch (int(random, 6)) {
    case 0:
      return randomBytes(random, int(random, 4096));
    case 1: {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_';
      let text = '';
      for (let i = 0, n = int(random, 512); i < n; i++) text += alphabet[int(random, alphabet.length)];
      return Buffer.from(text);
    }
    case 2:
      return mutate(random, pick(random, seeds));
    case 3:
      return wrap(random, mutate(random, pick(random, seeds)));
    case 4:
      return mutate(random, wrap(random, pick(random, seeds)));
    default:
      return wrap(random, randomMime(random));
  }
}

function checkInvariants(input: Buffer, decoded: DecodedUserData, label: string): void {
  assert.equal(decoded.raw, input, label);
  assert.ok(decoded.layers.length <= LIMITS.maxDepth, `${label}: ${decoded.layers.length} layers`);
  for (const layer of decoded.layers) assert.ok(LAYERS.has(layer), `${label}: layer ${layer}`);
  assert.equal(typeof decoded.summary, 'string', label);
  assert.ok(decoded.summary.length > 0 && !decoded.summary.includes('\n'), `${label}: summary ${JSON.stringify(decoded.summary)}`);
  if (decoded.error !== undefined) {
    assert.ok(decoded.error.length > 0, label);
    assert.ok(decoded.parts.length >= 1, `${label}: an error must still show bytes`);
  }
  if (input.length > 0) assert.ok(decoded.parts.length >= 1, `${label}: non-empty input without parts`);
  assert.ok(decoded.parts.length <= LIMITS.maxParts, label);
  let total = 0;
  for (const part of decoded.parts) {
    assert.ok(Buffer.isBuffer(part.bytes), label);
    assert.equal(typeof part.text, 'string', label);
    assert.ok(LANGUAGES.has(part.language), `${label}: language ${part.language}`);
    assert.ok(part.contentType.length > 0, `${label}: empty content type`);
    const textBound = part.binary ? LIMITS.hexDumpBytes * 6 + 400 : part.bytes.length;
    assert.ok(part.text.length <= textBound, `${label}: text of ${part.text.length} chars for ${part.bytes.length} bytes`);
    total += part.bytes.length;
  }
  assert.ok(total <= LIMITS.maxTotalBytes + input.length, `${label}: ${total} bytes of parts`);
  for (const warning of decoded.warnings) assert.ok(typeof warning === 'string' && warning.length > 0, label);
}

describe('user-data decoder fuzz', () => {
  it(`${CASES} seeded random and mutated inputs decode without throwing, within the caps (seed ${SEED})`, (t) => {
    const random = mulberry32(SEED);
    const seen = { errors: 0, mime: 0, gzip: 0, base64: 0, binary: 0, windows: 0 };
    let slowest = 0;
    let largestInput = 0;
    for (let index = 0; index < CASES; index++) {
      const input = generate(random);
      const label = `seed ${SEED} case ${index} (${input.length} bytes)`;
      const started = performance.now();
      let decoded: DecodedUserData;
      try {
        decoded = decodeUserData(input, LIMITS);
        renderDecodedDocument(decoded, checkUserDataSize(input));
      } catch (error) {
        assert.fail(`${label} threw: ${error instanceof Error ? error.stack : String(error)}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
      largestInput = Math.max(largestInput, input.length);
      checkInvariants(input, decoded, label);
      if (decoded.error) seen.errors++;
      if (decoded.layers.includes('mime')) seen.mime++;
      if (decoded.layers.includes('gzip')) seen.gzip++;
      if (decoded.layers.includes('base64')) seen.base64++;
      if (decoded.parts.some((part) => part.binary)) seen.binary++;
      if (decoded.windows) seen.windows++;
    }
    t.diagnostic(`reached: ${JSON.stringify(seen)}; slowest input ${slowest.toFixed(1)} ms; largest input ${largestInput} bytes`);
    // The fuzzer must reach every layer, or it tests less than it claims.
    for (const [what, count] of Object.entries(seen)) assert.ok(count >= 10, `only ${count} inputs reached ${what}`);
  });

  it('is deterministic: the same input decodes to the same result', () => {
    const random = mulberry32(SEED + 1);
    for (let index = 0; index < 200; index++) {
      const input = generate(random);
      const a = decodeUserData(input, LIMITS);
      const b = decodeUserData(input, LIMITS);
      assert.deepEqual(
        { ...a, raw: undefined },
        { ...b, raw: undefined },
        `case ${index}`,
      );
    }
  });
});
