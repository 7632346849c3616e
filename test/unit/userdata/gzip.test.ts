// Capped gunzip: bombs, truncation, damage and trailing bytes each end in a clear outcome.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { decodeUserData } from '../../../src/userdata';
import { gunzipCapped } from '../../../src/userdata/gzip';
import { gzipOfZeros } from '../../fixtures/user-data/corpus';

const SCRIPT = Buffer.from(`#!/bin/bash\n${'echo "hello from a compressed script"\n'.repeat(50)}`);

describe('capped gunzip', () => {
  it('the hand-built bomb is valid gzip (checked on a small one)', () => {
    const small = gzipOfZeros(3);
    const out = zlib.gunzipSync(small);
    assert.equal(out.length, 3 * 1024 * 1024);
    assert.ok(out.every((byte) => byte === 0));
  });

  it('a single-layer bomb stops at the cap with a clear error', () => {
    const bomb = gzipOfZeros(64);
    assert.ok(bomb.length < 100 * 1024, `bomb is ${bomb.length} bytes`);
    const result = gunzipCapped(bomb, 1024 * 1024);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /expands beyond the 1 MiB decoding limit .* gzip bomb/);
  });

  it('the decoder honours maxLayerBytes and maxTotalBytes', () => {
    const twoMiB = gzipOfZeros(2);
    assert.match(decodeUserData(twoMiB, { maxLayerBytes: 1024 * 1024 }).error ?? '', /beyond the 1 MiB decoding limit/);
    assert.match(decodeUserData(twoMiB, { maxTotalBytes: 512 * 1024 }).error ?? '', /beyond the 524,288 bytes decoding limit/);
    const ok = decodeUserData(twoMiB, { maxLayerBytes: 4 * 1024 * 1024 });
    assert.equal(ok.error, undefined);
    assert.equal(ok.parts[0].binary, true);
    assert.equal(ok.parts[0].bytes.length, 2 * 1024 * 1024);
  });

  it('truncation is reported with how much decompresses before the cut', () => {
    const whole = zlib.gzipSync(SCRIPT);
    const result = gunzipCapped(whole.subarray(0, whole.length - 6), 1024 * 1024);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /truncated/);
    assert.match(result.ok ? '' : result.error, /bytes decompress before the cut/);
  });

  it('a damaged checksum is a checksum error', () => {
    const damaged = Buffer.from(zlib.gzipSync(SCRIPT));
    damaged[damaged.length - 6] ^= 0xff;
    const result = gunzipCapped(damaged, 1024 * 1024);
    assert.match(result.ok ? '' : result.error, /checksum mismatch/);
  });

  it('damaged deflate data is "corrupt"', () => {
    const damaged = Buffer.from(zlib.gzipSync(SCRIPT));
    damaged.fill(0xff, 12, 24);
    const result = gunzipCapped(damaged, 1024 * 1024);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /^gzip: (the data is corrupt|checksum mismatch)/);
  });

  it('two concatenated members decode to both; trailing garbage decodes with a warning', () => {
    const member = zlib.gzipSync(Buffer.from('#!/bin/sh\necho a\n'));
    const both = gunzipCapped(Buffer.concat([member, zlib.gzipSync(Buffer.from('echo b\n'))]), 1024);
    assert.equal(both.ok && both.bytes.toString(), '#!/bin/sh\necho a\necho b\n');
    const decoded = decodeUserData(Buffer.concat([member, Buffer.from('garbage after the stream')]));
    assert.equal(decoded.parts[0].text, '#!/bin/sh\necho a\n');
    assert.ok(decoded.warnings.some((warning) => /extra bytes follow the compressed data/.test(warning)));
  });

  it('non-gzip compression is named, with the reason cloud-init cannot use it', () => {
    const decoded = decodeUserData(Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(40, 0xa5)]));
    assert.equal(decoded.parts[0].binary, true);
    assert.match(decoded.summary, /^bzip2 data/);
    assert.ok(decoded.warnings.some((warning) => /bzip2 data: cloud-init only decompresses gzip/.test(warning)));
  });
});

describe('gzip layers', () => {
  it('gzip applied twice is decoded, with a warning that cloud-init decompresses only once', () => {
    const twice = zlib.gzipSync(zlib.gzipSync(SCRIPT));
    const decoded = decodeUserData(twice);
    assert.deepEqual(decoded.layers, ['gzip', 'gzip']);
    assert.equal(decoded.parts[0].text, SCRIPT.toString());
    assert.ok(decoded.warnings.some((warning) => /decompresses only once/.test(warning)));
  });
});
