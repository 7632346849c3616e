// The 16 KB check: the numbers people act on, at and around the limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Length, checkUserDataSize, formatSizeCheck, formatSizeStatus, gzipSuggestion } from '../../../src/userdata';
import { mulberry32, randomBytes } from '../../fixtures/user-data/prng';

const script = (size: number): Buffer => {
  const line = 'echo "installing and configuring the application"\n';
  return Buffer.from(`#!/bin/bash\n${line.repeat(Math.ceil(size / line.length))}`.slice(0, size));
};

describe('user-data size check', () => {
  it('base64 length is ceil(n/3)*4', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 16383, 16384, 16385].map(base64Length), [0, 4, 4, 4, 8, 21844, 21848, 21848]);
  });

  it('levels: ok below 90%, warn from 90% up to the limit, over beyond it', () => {
    const warnFrom = Math.ceil(16384 * 0.9);
    assert.equal(checkUserDataSize(script(warnFrom - 1)).level, 'ok');
    assert.equal(checkUserDataSize(script(warnFrom)).level, 'warn');
    assert.equal(checkUserDataSize(script(16384)).level, 'warn');
    assert.equal(checkUserDataSize(script(16385)).level, 'over');
  });

  it('reports raw bytes, remaining room and percent', () => {
    const check = checkUserDataSize(script(12288));
    assert.equal(check.rawBytes, 12288);
    assert.equal(check.remaining, 4096);
    assert.equal(check.percent, 75);
    assert.equal(check.base64Length, 16384);
    assert.equal(check.message, '12,288 of 16,384 bytes (75%), 4,096 bytes left');
    assert.equal(formatSizeStatus(check), 'user-data 12,288/16,384 B (75%)');
    assert.equal(gzipSuggestion(check), undefined);
  });

  it('near the limit: "only N left" and a gzip hint', () => {
    const check = checkUserDataSize(script(16000));
    assert.equal(check.message, '16,000 of 16,384 bytes (97.6%), only 384 bytes left');
    assert.match(gzipSuggestion(check) ?? '', /^gzip -9 shrinks it to [\d,]+ bytes .* which fits/);
  });

  it('over the limit: a text that fits compressed gets the gzip suggestion, in the formatted report', () => {
    const check = checkUserDataSize(script(40000));
    assert.equal(check.level, 'over');
    assert.equal(check.remaining, 16384 - 40000);
    assert.equal(check.gzipWouldFit, true);
    const report = formatSizeCheck(check);
    assert.match(report, /^User-data: 40,000 of 16,384 bytes \(244.2%\), 23,616 bytes over the limit: EC2 rejects it\.\n/);
    assert.match(report, /\nBase64 in the API call: 53,336 characters\.\n/);
    assert.match(report, /\ngzip -9: [\d,]+ bytes \(fits\)\.\n/);
    assert.match(report, /cloud-init decompresses gzip user-data/);
  });

  it('over the limit and incompressible: no false hope', () => {
    const check = checkUserDataSize(randomBytes(mulberry32(3), 20000));
    assert.equal(check.level, 'over');
    assert.equal(check.gzipWouldFit, false);
    assert.match(gzipSuggestion(check) ?? '', /^Even gzip -9 leaves [\d,]+ bytes, over the limit/);
  });

  it('already gzip: no second gzip trial', () => {
    const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, ...new Array(20000).fill(7)]);
    const check = checkUserDataSize(gz);
    assert.equal(check.alreadyGzip, true);
    assert.equal(check.gzipBytes, undefined);
    assert.match(gzipSuggestion(check) ?? '', /already gzip-compressed/);
  });
});
