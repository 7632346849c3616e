// MIME multi-part user-data: boundaries, part headers, transfer encodings, malformed archives.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { decodeUserData } from '../../../src/userdata';
import { decodeQuotedPrintable, parseContentType } from '../../../src/userdata/mime';
import { fixture } from '../../fixtures/user-data/corpus';

/** Builds a multipart/mixed message by hand, each part `[headers, body]`. */
function multipart(parts: Array<[string, string | Buffer]>, options: { boundary?: string; eol?: string; close?: boolean } = {}): Buffer {
  const boundary = options.boundary ?? 'XyZ-boundary';
  const eol = options.eol ?? '\n';
  const chunks: Buffer[] = [Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"${eol}MIME-Version: 1.0${eol}${eol}`)];
  for (const [headers, body] of parts) {
    chunks.push(Buffer.from(`--${boundary}${eol}${headers.split('\n').join(eol)}${eol}${eol}`));
    chunks.push(Buffer.isBuffer(body) ? body : Buffer.from(body));
    chunks.push(Buffer.from(eol));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--${eol}`));
  return Buffer.concat(chunks);
}

describe('MIME user-data', () => {
  it('splits parts with CRLF line endings and keeps each body exactly', () => {
    const bytes = multipart(
      [
        ['Content-Type: text/x-shellscript', '#!/bin/sh\r\necho one'],
        ['Content-Type: text/cloud-config', '#cloud-config\r\nruncmd: [ls]'],
      ],
      { eol: '\r\n' },
    );
    const decoded = decodeUserData(bytes);
    assert.deepEqual(decoded.layers, ['mime']);
    assert.deepEqual(
      decoded.parts.map((part) => part.text),
      ['#!/bin/sh\r\necho one', '#cloud-config\r\nruncmd: [ls]'],
    );
    // A CRLF script part is flagged: its #! line would end in \r.
    assert.ok(decoded.warnings.some((warning) => /^part 1: Windows \(CRLF\) line endings/.test(warning)));
  });

  it('decodes quoted-printable and base64 bodies, and filenames from Content-Disposition, name= or RFC 2231', () => {
    const bytes = multipart([
      ['Content-Type: text/x-shellscript\nContent-Transfer-Encoding: quoted-printable\nContent-Disposition: attachment; filename="qp.sh"', '#!/bin/sh\necho caf=C3=A9 =3D ok=\n done'],
      ['Content-Type: text/cloud-config; name=from-name.yaml\nContent-Transfer-Encoding: base64', Buffer.from('#cloud-config\nruncmd: [date]\n').toString('base64').replace(/(.{8})/g, '$1\n')],
      ["Content-Type: text/x-shellscript\nContent-Disposition: attachment; filename*=utf-8''d%C3%A9ploy.sh", '#!/bin/sh\n'],
    ]);
    const decoded = decodeUserData(bytes);
    assert.deepEqual(
      decoded.parts.map((part) => [part.filename, part.text, part.encodings]),
      [
        ['qp.sh', '#!/bin/sh\necho café = ok done', ['quoted-printable']],
        ['from-name.yaml', '#cloud-config\nruncmd: [date]\n', ['base64']],
        ['déploy.sh', '#!/bin/sh\n', []],
      ],
    );
  });

  it('gunzips gzip parts and routes them by content, as cloud-init does', () => {
    const gz = zlib.gzipSync(Buffer.from('#cloud-config\npackages: [htop]\n'));
    const bytes = multipart([['Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64', gz.toString('base64')]]);
    const decoded = decodeUserData(bytes);
    assert.equal(decoded.parts[0].contentType, 'text/cloud-config');
    assert.equal(decoded.parts[0].language, 'yaml');
    assert.deepEqual(decoded.parts[0].encodings, ['base64', 'gzip']);
    assert.equal(decoded.summary, 'MIME, 1 part');
  });

  it('classifies text/plain parts by their first line and flags parts cloud-init skips', () => {
    const bytes = multipart([
      ['Content-Type: text/plain', '#!/bin/bash\necho plain\n'],
      ['Content-Type: text/plain', 'just some notes\n'],
      ['Content-Type: text/x-unknown-thing', 'data\n'],
    ]);
    const decoded = decodeUserData(bytes);
    assert.deepEqual(
      decoded.parts.map((part) => [part.contentType, part.language]),
      [
        ['text/x-shellscript', 'shellscript'],
        ['text/plain', 'plaintext'],
        ['text/x-unknown-thing', 'plaintext'],
      ],
    );
    assert.ok(decoded.warnings.some((warning) => /^part 2: No #!, #cloud-config/.test(warning)));
    assert.ok(decoded.warnings.some((warning) => /^part 3: cloud-init has no handler for text\/x-unknown-thing/.test(warning)));
  });

  it('flattens nested multipart parts', () => {
    const inner = multipart([['Content-Type: text/x-shellscript', '#!/bin/sh\necho inner\n']], { boundary: 'inner' }).toString();
    const [innerHeaders, innerBody] = [inner.slice(0, inner.indexOf('\n\n')), inner.slice(inner.indexOf('\n\n') + 2)];
    const bytes = multipart([
      ['Content-Type: text/cloud-config', '#cloud-config\n'],
      [innerHeaders.replace('\nMIME-Version: 1.0', ''), innerBody],
    ]);
    const decoded = decodeUserData(bytes);
    assert.deepEqual(
      decoded.parts.map((part) => part.contentType),
      ['text/cloud-config', 'text/x-shellscript'],
    );
  });

  it('a single-part MIME message (no multipart) is one part with its declared type', () => {
    const bytes = Buffer.from('Content-Type: text/cloud-boothook\nMIME-Version: 1.0\n\n#cloud-boothook\necho early\n');
    const decoded = decodeUserData(bytes);
    assert.deepEqual(decoded.layers, ['mime']);
    assert.equal(decoded.parts[0].contentType, 'text/cloud-boothook');
    assert.equal(decoded.parts[0].text, '#cloud-boothook\necho early\n');
  });

  it('malformed: no boundary parameter, boundary never used, no parts: clear error and the raw text', () => {
    const noBoundary = Buffer.from('Content-Type: multipart/mixed\nMIME-Version: 1.0\n\n--x\n\nhello\n--x--\n');
    const decoded = decodeUserData(noBoundary);
    assert.equal(decoded.summary, 'malformed MIME');
    assert.match(decoded.error ?? '', /has no boundary parameter/);
    assert.equal(decoded.parts[0].text, noBoundary.toString());

    const unused = decodeUserData(Buffer.from('Content-Type: multipart/mixed; boundary=abc\n\n--xyz\n\nhello\n'));
    assert.match(unused.error ?? '', /boundary "abc" .* never appears/);

    const noParts = decodeUserData(Buffer.from('Content-Type: multipart/mixed; boundary=abc\n\n--abc--\n'));
    assert.match(noParts.error ?? '', /has a boundary but no parts/);
  });

  it('a missing closing boundary is a warning (truncated), and the parts found are kept', () => {
    const full = fixture('mime-3-parts');
    const cut = full.subarray(0, full.lastIndexOf('--===='));
    const decoded = decodeUserData(cut);
    assert.equal(decoded.error, undefined);
    assert.equal(decoded.parts.length, 3);
    assert.ok(decoded.warnings.some((warning) => /no closing boundary .* may be truncated/.test(warning)));
  });

  it('a boundary string inside a body line does not split the part', () => {
    const bytes = multipart([['Content-Type: text/x-shellscript', '#!/bin/sh\necho "--XyZ-boundary is not at the line start"\n--XyZ-boundaryMORE\n']]);
    const decoded = decodeUserData(bytes);
    assert.equal(decoded.parts.length, 1);
    assert.match(decoded.parts[0].text, /--XyZ-boundaryMORE\n$/);
  });

  it('parses Content-Type parameters with quotes, escapes and semicolons inside quotes', () => {
    assert.deepEqual(parseContentType('Multipart/Mixed; boundary="a;b\\"c"; charset=UTF-8'), {
      type: 'multipart/mixed',
      params: { boundary: 'a;b"c', charset: 'UTF-8' },
    });
  });

  it('quoted-printable keeps invalid escapes literally and joins soft line breaks', () => {
    assert.equal(decodeQuotedPrintable('a=3Db=\r\nc=ZZ=4').toString('latin1'), 'a=bc=ZZ=4');
  });

  it('caps the number of parts', () => {
    const parts: Array<[string, string]> = Array.from({ length: 10 }, (_, i) => ['Content-Type: text/x-shellscript', `#!/bin/sh\necho ${i}\n`]);
    const decoded = decodeUserData(multipart(parts), { maxParts: 4 });
    assert.equal(decoded.parts.length, 4);
    assert.ok(decoded.warnings.some((warning) => /more than 4 parts/.test(warning)));
  });
});

describe('parseContentType with Object.prototype names (issue #14)', () => {
  it('keeps __proto__, constructor and toString as plain parameters', () => {
    const parsed = parseContentType('text/plain; __proto__=x; constructor=y; toString=z; charset=utf-8');
    assert.equal(parsed.params.__proto__, 'x');
    assert.equal(parsed.params.constructor, 'y');
    assert.equal(parsed.params.tostring, 'z');
    assert.equal(parsed.params.charset, 'utf-8');
    assert.equal(parsed.params.boundary, undefined, 'nothing inherited');
  });
});
