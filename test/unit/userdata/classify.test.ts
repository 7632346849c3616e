// What each kind of user-data text is taken for, and the mistakes worth a warning.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeUserData } from '../../../src/userdata';

const decode = (text: string | Buffer) => decodeUserData(Buffer.isBuffer(text) ? text : Buffer.from(text));
const first = (text: string | Buffer) => decode(text).parts[0];

describe('user-data classification', () => {
  it('follows cloud-init prefixes (longest first) and picks VS Code languages', () => {
    const cases: Array<[string, string, string]> = [
      ['#!/bin/bash\necho hi\n', 'text/x-shellscript', 'shellscript'],
      ['#!/usr/bin/env python3\nprint(1)\n', 'text/x-shellscript', 'python'],
      ['#!/usr/bin/pwsh\nWrite-Host hi\n', 'text/x-shellscript', 'powershell'],
      ['#cloud-config\nruncmd: [ls]\n', 'text/cloud-config', 'yaml'],
      ['#cloud-config-archive\n- type: text/cloud-config\n', 'text/cloud-config-archive', 'yaml'],
      ['#cloud-config-jsonp\n[{"op": "add"}]\n', 'text/cloud-config-jsonp', 'json'],
      ['#cloud-boothook\n#!/bin/sh\necho early\n', 'text/cloud-boothook', 'shellscript'],
      ['#include\nhttps://example.com/a.sh\n', 'text/x-include-url', 'plaintext'],
      ['#include-once\nhttps://example.com/a.sh\n', 'text/x-include-once-url', 'plaintext'],
      ['#part-handler\ndef list_types(): return []\n', 'text/part-handler', 'python'],
      ['## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}\n', 'text/jinja2', 'yaml'],
      ['  \n#!/bin/sh\necho indented\n', 'text/x-shellscript', 'shellscript'],
      ['{"ignition": {"version": "3.4.0"}}\n', 'application/json', 'json'],
      ['version: 1.0\ntasks:\n- task: executeScript\n', 'text/x-ec2launch-v2', 'yaml'],
      ['hello there\n', 'text/plain', 'plaintext'],
    ];
    for (const [text, contentType, language] of cases) {
      const part = first(text);
      assert.deepEqual([part.contentType, part.language], [contentType, language], text);
    }
    assert.equal(first('{"ignition": {"version": "3.4.0"}}').kind, 'Ignition config (JSON)');
  });

  it('warns about near-miss headers, CRLF shebangs, leading whitespace, tabs in YAML, BOMs and UTF-16', () => {
    const warnings = (text: string | Buffer) => decode(text).warnings.join('\n');
    assert.match(warnings('# cloud-config\nruncmd: [ls]\n'), /not "#cloud-config": cloud-init does not recognise it/);
    assert.match(warnings('#!/bin/bash\r\necho hi\r\n'), /Windows \(CRLF\) line endings/);
    assert.match(warnings('\n#!/bin/bash\necho hi\n'), /Exec format error/);
    assert.match(warnings('#cloud-config\nruncmd:\n\t- ls\n'), /Tab indentation/);
    assert.match(warnings(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('#!/bin/sh\necho hi\n')])), /byte order mark/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<powershell>\nWrite-Host hi\n</powershell>\n', 'utf16le')]);
    const decoded = decode(utf16);
    assert.equal(decoded.parts[0].language, 'powershell');
    assert.match(decoded.warnings.join('\n'), /UTF-16LE/);
    // Clean inputs stay quiet.
    assert.deepEqual(decode('#!/bin/bash\necho hi\n').warnings, []);
    assert.deepEqual(decode('#cloud-config\nruncmd:\n  - ls\n').warnings, []);
  });

  it('Windows: <script> and <powershell> blocks become bat and powershell parts, settings are read', () => {
    const decoded = decode(
      '<script>\necho batch\n</script>\n<powershell>\nWrite-Host ps\n</powershell>\n' +
        '<persist>false</persist>\n<runAsLocalSystem>true</runAsLocalSystem>\n<powershellArguments>-ExecutionPolicy Bypass</powershellArguments>\n',
    );
    assert.deepEqual(
      decoded.parts.map((part) => [part.contentType, part.language, part.text]),
      [
        ['text/x-windows-script', 'bat', '\necho batch\n'],
        ['text/x-windows-powershell', 'powershell', '\nWrite-Host ps\n'],
      ],
    );
    assert.deepEqual(decoded.windows, { persist: false, runAsLocalSystem: true, powershellArguments: '-ExecutionPolicy Bypass' });
    assert.equal(decoded.summary, 'Windows <script> + <powershell>');
    assert.deepEqual(decoded.warnings, []);
  });

  it('Windows: an unclosed block and stray text are flagged', () => {
    const decoded = decode('Some notes\n<powershell>\nWrite-Host unfinished\n');
    assert.equal(decoded.parts[0].text, '\nWrite-Host unfinished\n');
    assert.match(decoded.warnings.join('\n'), /<powershell> has no closing <\/powershell> tag/);
    assert.match(decoded.warnings.join('\n'), /Text outside the <script>\/<powershell> blocks/);
  });

  it('a shell script that mentions <script> stays a shell script', () => {
    assert.equal(first('#!/bin/sh\necho "<script>alert(1)</script>" > /var/www/x.html\n').language, 'shellscript');
  });

  it('Latin-1 text is still shown as text, with a warning', () => {
    const decoded = decode(Buffer.from('#!/bin/sh\necho "caf\xe9"\n', 'latin1'));
    assert.equal(decoded.parts[0].binary, false);
    assert.equal(decoded.parts[0].text, '#!/bin/sh\necho "café"\n');
    assert.match(decoded.warnings.join('\n'), /not valid UTF-8; shown as Latin-1/);
  });
});
