// The read-only document: summary, size, warnings, then one section per part.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUserDataSize, decodeUserData, renderDecodedDocument } from '../../../src/userdata';
import { fixture } from '../../fixtures/user-data/corpus';

describe('rendered user-data document', () => {
  it('MIME: a combined document with a section per part, and per-part documents in their languages', () => {
    const bytes = fixture('gzip-mime');
    const rendered = renderDecodedDocument(decodeUserData(bytes), checkUserDataSize(bytes));
    const lines = rendered.combined.text.split('\n');
    assert.equal(lines[0], '# user-data: gzip → MIME, 3 parts');
    assert.match(lines[1], /^# size: [\d,]+ of 16,384 bytes \([\d.]+%\), [\d,]+ bytes left\.$/);
    assert.ok(lines.includes('# ── part 1/3: text/x-shellscript (setup.sh) ──'));
    assert.ok(lines.includes('# ── part 2/3: text/cloud-config (config.yaml) ──'));
    assert.ok(lines.includes('# ── part 3/3: text/cloud-boothook (boothook.sh) ──'));
    // Mixed languages (shell and YAML): the combined document is plain text.
    assert.equal(rendered.combined.language, 'plaintext');
    assert.deepEqual(
      rendered.parts.map((part) => [part.title, part.language]),
      [
        ['setup.sh', 'shellscript'],
        ['config.yaml', 'yaml'],
        ['boothook.sh', 'shellscript'],
      ],
    );
    assert.match(rendered.parts[1].text, /^# ── part 2\/3: text\/cloud-config \(config.yaml\) ──\n# cloud-config, 209 bytes, decoded from base64\n#cloud-config\n/);
  });

  it('a single part keeps its language; JSON uses jsonc and // comments; batch uses REM', () => {
    const shell = renderDecodedDocument(decodeUserData(fixture('shell')));
    assert.equal(shell.combined.language, 'shellscript');
    assert.ok(shell.combined.text.endsWith(fixture('shell').toString()));

    const json = renderDecodedDocument(decodeUserData(Buffer.from('{"a": 1}')));
    assert.equal(json.combined.language, 'jsonc');
    assert.match(json.combined.text, /^\/\/ user-data: JSON\n/);
    assert.equal(json.parts[0].title, 'part-1.json');

    const batch = renderDecodedDocument(decodeUserData(Buffer.from('<script>\necho hi\n</script>\n')));
    assert.equal(batch.combined.language, 'bat');
    assert.match(batch.combined.text, /^REM user-data: Windows <script>\n/);
  });

  it('errors, warnings and Windows settings appear in the header; partHeaders: false gives the bare text', () => {
    const failed = renderDecodedDocument(decodeUserData(fixture('invalid-base64')), undefined, { title: 'user-data (i-0abc)', partHeaders: false });
    assert.match(failed.combined.text, /^# user-data \(i-0abc\): invalid base64\n# error: Invalid base64: /);
    assert.equal(failed.parts[0].text, fixture('invalid-base64').toString());

    const windows = renderDecodedDocument(decodeUserData(fixture('powershell')));
    assert.match(windows.combined.text, /\n# EC2Launch settings: persist=true\n/);

    const encoded = renderDecodedDocument(decodeUserData(fixture('double-base64')));
    assert.match(encoded.combined.text, /\n# warning: The user-data is itself base64 text/);
  });

  it('empty user-data renders a header and "(no content)"', () => {
    const rendered = renderDecodedDocument(decodeUserData(Buffer.alloc(0)), checkUserDataSize(Buffer.alloc(0)));
    assert.match(rendered.combined.text, /# \(no content\)\n$/);
    assert.deepEqual(rendered.parts, []);
  });
});
