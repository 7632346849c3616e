// Every fixture of the user-data corpus through the decoder, the size check and the renderer.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkUserDataSize, decodeUserData, DEFAULT_DECODE_LIMITS, renderDecodedDocument } from '../../../src/userdata';
import { FIXTURE_DIR, fixture, fixtureNames } from '../../fixtures/user-data/corpus';

const text = (file: string): string => readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
const BASE64_WARNING = /itself base64 text/;

describe('user-data corpus', () => {
  it('shell script: one shellscript part, unchanged, nothing to warn about', () => {
    const decoded = decodeUserData(fixture('shell'));
    assert.deepEqual(decoded.layers, []);
    assert.equal(decoded.summary, 'shell script');
    assert.equal(decoded.parts.length, 1);
    assert.equal(decoded.parts[0].contentType, 'text/x-shellscript');
    assert.equal(decoded.parts[0].language, 'shellscript');
    assert.equal(decoded.parts[0].text, text('shell.sh'));
    assert.deepEqual(decoded.warnings, []);
    assert.equal(decoded.error, undefined);
  });

  it('cloud-config: yaml part', () => {
    const decoded = decodeUserData(fixture('cloud-config'));
    assert.equal(decoded.summary, 'cloud-config');
    assert.equal(decoded.parts[0].contentType, 'text/cloud-config');
    assert.equal(decoded.parts[0].language, 'yaml');
    assert.equal(decoded.parts[0].text, text('cloud-config.yaml'));
    assert.deepEqual(decoded.warnings, []);
  });

  it('double base64: both layers peeled, the cloud-config inside, and the double-encoding warning', () => {
    const decoded = decodeUserData(fixture('double-base64'));
    assert.deepEqual(decoded.layers, ['base64', 'base64']);
    assert.equal(decoded.summary, 'base64 → base64 → cloud-config');
    assert.equal(decoded.parts[0].text, text('cloud-config.yaml'));
    assert.equal(decoded.parts[0].language, 'yaml');
    assert.equal(decoded.warnings.filter((warning) => BASE64_WARNING.test(warning)).length, 1);
  });

  it('gzip: decompressed to the shell script', () => {
    const decoded = decodeUserData(fixture('gzip'));
    assert.deepEqual(decoded.layers, ['gzip']);
    assert.equal(decoded.summary, 'gzip → shell script');
    assert.equal(decoded.parts[0].text, text('shell.sh'));
    assert.deepEqual(decoded.warnings, []);
  });

  it('gzip of MIME: "gzip → MIME, 3 parts"', () => {
    const decoded = decodeUserData(fixture('gzip-mime'));
    assert.deepEqual(decoded.layers, ['gzip', 'mime']);
    assert.equal(decoded.summary, 'gzip → MIME, 3 parts');
  });

  it('gzip + base64: base64 → gzip → MIME, with the double-encoding warning', () => {
    const decoded = decodeUserData(fixture('gzip-base64'));
    assert.deepEqual(decoded.layers, ['base64', 'gzip', 'mime']);
    assert.equal(decoded.summary, 'base64 → gzip → MIME, 3 parts');
    assert.ok(decoded.warnings.some((warning) => BASE64_WARNING.test(warning)));
    assert.equal(decoded.parts[0].text, text('shell.sh'));
  });

  it('MIME with 3 parts: shell script, cloud-config and boothook with their filenames and languages', () => {
    const decoded = decodeUserData(fixture('mime-3-parts'));
    assert.deepEqual(decoded.layers, ['mime']);
    assert.equal(decoded.summary, 'MIME, 3 parts');
    assert.deepEqual(
      decoded.parts.map((part) => [part.contentType, part.filename, part.language, part.encodings]),
      [
        ['text/x-shellscript', 'setup.sh', 'shellscript', ['base64']],
        ['text/cloud-config', 'config.yaml', 'yaml', ['base64']],
        ['text/cloud-boothook', 'boothook.sh', 'shellscript', ['base64']],
      ],
    );
    assert.equal(decoded.parts[0].text, text('shell.sh'));
    assert.equal(decoded.parts[1].text, text('cloud-config.yaml'));
    assert.match(decoded.parts[2].text, /^#cloud-boothook\n#!\/bin\/sh\n/);
    assert.deepEqual(decoded.warnings, []);
  });

  it('PowerShell: the block in powershell, persist read', () => {
    const decoded = decodeUserData(fixture('powershell'));
    assert.deepEqual(decoded.layers, []);
    assert.equal(decoded.summary, 'Windows <powershell> (persist)');
    assert.deepEqual(decoded.windows, { persist: true });
    assert.equal(decoded.parts.length, 1);
    assert.equal(decoded.parts[0].language, 'powershell');
    assert.equal(decoded.parts[0].contentType, 'text/x-windows-powershell');
    assert.match(decoded.parts[0].text, /^\n# Rename the computer/);
    assert.doesNotMatch(decoded.parts[0].text, /<\/?powershell>/);
    assert.deepEqual(decoded.warnings, []);
  });

  it('binary: a hex dump summary, not garbage, and a warning that cloud-init skips it', () => {
    const bytes = fixture('binary');
    const decoded = decodeUserData(bytes);
    assert.equal(decoded.summary, 'binary data (1,024 bytes)');
    const part = decoded.parts[0];
    assert.equal(part.binary, true);
    assert.equal(part.language, 'plaintext');
    assert.ok(part.bytes.equals(bytes));
    const firstRow = bytes.subarray(0, 16);
    const hex = Array.from(firstRow, (byte) => byte.toString(16).padStart(2, '0'));
    assert.ok(part.text.includes(`00000000  ${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}`), part.text);
    assert.match(part.text, /^binary data: 1,024 bytes\nsha256: [0-9a-f]{64}\n/);
    assert.match(part.text, /… 768 bytes more not shown\n$/);
    // Only printable ASCII in the summary.
    assert.match(part.text, /^[\x20-\x7e\n…]*$/);
    assert.ok(decoded.warnings.some((warning) => /cloud-init has no handler/.test(warning)));
  });

  it('exactly 16,384 bytes: at the limit, warned, still fits', () => {
    const bytes = fixture('size-16384');
    assert.equal(bytes.length, 16384);
    const size = checkUserDataSize(bytes);
    assert.equal(size.rawBytes, 16384);
    assert.equal(size.limit, 16384);
    assert.equal(size.base64Length, 21848);
    assert.equal(size.remaining, 0);
    assert.equal(size.percent, 100);
    assert.equal(size.level, 'warn');
    assert.equal(size.message, '16,384 of 16,384 bytes (100%), exactly at the limit');
    assert.equal(decodeUserData(bytes).summary, 'shell script');
  });

  it('16,385 bytes: one byte over, with the gzip suggestion because it fits compressed', () => {
    const bytes = fixture('size-16385');
    const size = checkUserDataSize(bytes);
    assert.equal(size.rawBytes, 16385);
    assert.equal(size.base64Length, 21848);
    assert.equal(size.remaining, -1);
    assert.equal(size.level, 'over');
    assert.equal(size.message, '16,385 of 16,384 bytes (100.1%), 1 byte over the limit: EC2 rejects it');
    assert.ok(size.gzipBytes !== undefined && size.gzipBytes < 4096, `gzip size ${size.gzipBytes}`);
    assert.equal(size.gzipWouldFit, true);
  });

  it('empty: no parts, a warning, size zero', () => {
    const decoded = decodeUserData(fixture('empty'));
    assert.deepEqual(decoded.parts, []);
    assert.equal(decoded.summary, 'empty (0 bytes)');
    assert.equal(decoded.error, undefined);
    assert.equal(decoded.warnings.length, 1);
    const size = checkUserDataSize(fixture('empty'));
    assert.deepEqual([size.rawBytes, size.base64Length, size.remaining, size.level], [0, 0, 16384, 'ok']);
  });

  it('invalid base64: a clear error naming the bad character, and the raw text shown', () => {
    const decoded = decodeUserData(fixture('invalid-base64'));
    assert.deepEqual(decoded.layers, []);
    assert.equal(decoded.summary, 'invalid base64');
    assert.match(decoded.error ?? '', /^Invalid base64: character "!" at position 121 is not in the base64 alphabet/);
    assert.equal(decoded.parts.length, 1);
    assert.equal(decoded.parts[0].text, text('invalid-base64.txt'));
  });

  it('truncated gzip: a clear error, and the compressed bytes shown as hex', () => {
    const bytes = fixture('truncated-gzip');
    const decoded = decodeUserData(bytes);
    assert.equal(decoded.summary, 'gzip error');
    assert.match(decoded.error ?? '', /^gzip: the data is truncated/);
    assert.match(decoded.error ?? '', /bytes decompress before the cut/);
    assert.equal(decoded.parts[0].binary, true);
    assert.ok(decoded.parts[0].bytes.equals(bytes));
    assert.match(decoded.parts[0].text, /^gzip data: /);
  });

  it('gzip bomb: a small file that fits in user-data ends in a clear error, not out of memory', () => {
    const bytes = fixture('gzip-bomb');
    assert.ok(bytes.length < 16384, `bomb is ${bytes.length} bytes`);
    const decoded = decodeUserData(bytes);
    // The outer layer (about 1 MiB) is fine; the inner one would be 1 GiB.
    assert.deepEqual(decoded.layers, ['gzip']);
    assert.equal(decoded.summary, 'gzip → gzip error');
    assert.match(decoded.error ?? '', /expands beyond the 8 MiB decoding limit/);
    assert.ok(decoded.parts[0].bytes.length <= DEFAULT_DECODE_LIMITS.maxLayerBytes);
    assert.equal(decoded.parts[0].binary, true);
  });

  it('every fixture renders to a document whose sections match its parts', () => {
    for (const name of fixtureNames()) {
      const bytes = fixture(name);
      const decoded = decodeUserData(bytes);
      const rendered = renderDecodedDocument(decoded, checkUserDataSize(bytes));
      const headings = rendered.combined.text.split('\n').filter((line) => / ── part \d+\/\d+: /.test(line));
      assert.equal(headings.length, decoded.parts.length, name);
      assert.equal(rendered.parts.length, decoded.parts.length, name);
      assert.ok(rendered.combined.text.includes(decoded.summary), name);
    }
  });
});
