// The decoder against the real cloud-init: its own UserDataProcessor (Debian package cloud-init,
// run with /usr/bin/python3) splits every corpus file, and the parts must match ours; where
// cloud-init ignores the user-data, the decoder must have said so (error or warning).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeUserData } from '../../../src/userdata';
import { fixture, fixtureNames, type FixtureName } from '../../fixtures/user-data/corpus';

const PYTHON = '/usr/bin/python3';

// Reads {"files": [...], "texts": [...]} on stdin. No #include payloads are passed: cloud-init
// would fetch their URLs.
const CLOUD_INIT_SCRIPT = String.raw`
import base64, json, sys, tempfile
from cloudinit import handlers, user_data
from cloudinit.helpers import Paths
request = json.load(sys.stdin)
result = {"files": [], "types": []}
with tempfile.TemporaryDirectory() as d:
    processor = user_data.UserDataProcessor(Paths({"cloud_dir": d, "run_dir": d}))
    for name in request["files"]:
        with open(name, "rb") as f:
            message = processor.process(f.read())
        parts = []
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append({"type": part.get_content_type(), "filename": part.get_filename(),
                          "payload": base64.b64encode(payload).decode()})
        result["files"].append(parts)
for text in request["texts"]:
    result["types"].append(handlers.type_from_starts_with(text.encode(), "text/plain"))
print(json.dumps(result))
`;

interface CloudInitPart {
  type: string;
  filename: string | null;
  payload: string;
}

function cloudInitAvailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import cloudinit.user_data, cloudinit.handlers'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found (${probe.error.message}); install Debian package python3 and cloud-init`;
  if (probe.status !== 0) return `cloud-init Python modules not importable; install Debian package cloud-init (${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}

function runCloudInit(files: string[], texts: string[]): { files: CloudInitPart[][]; types: string[] } {
  const run = spawnSync(PYTHON, ['-c', CLOUD_INIT_SCRIPT], { input: JSON.stringify({ files, texts }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { files: CloudInitPart[][]; types: string[] };
}

describe('parity with cloud-init', () => {
  const unavailable = cloudInitAvailable();
  let dir = '';
  const names: FixtureName[] = fixtureNames();
  let fromCloudInit: { files: CloudInitPart[][]; types: string[] } | undefined;

  const texts = [
    '#!/bin/bash\necho hi\n',
    '  \n#!/bin/sh\n',
    '#cloud-config\nruncmd: [ls]\n',
    '#Cloud-Config\nruncmd: [ls]\n',
    '#cloud-config-archive\n- type: text/cloud-config\n  content: "#cloud-config"\n',
    '#cloud-config-jsonp\n[]\n',
    '#cloud-boothook\necho\n',
    '#part-handler\n',
    '## template: jinja\n#cloud-config\n',
    '# cloud-config\n',
    'plain words\n',
  ];

  before(() => {
    if (unavailable) return;
    dir = mkdtempSync(path.join(tmpdir(), 'userdata-parity-'));
    const files = names.map((name) => {
      const file = path.join(dir, name);
      writeFileSync(file, fixture(name));
      return file;
    });
    fromCloudInit = runCloudInit(files, texts);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('classifies texts by their first line exactly as cloud-init does', (t) => {
    if (unavailable) return t.skip(unavailable);
    const ours = texts.map((text) => {
      const part = decodeUserData(Buffer.from(text)).parts[0];
      return part.contentType;
    });
    assert.deepEqual(ours, fromCloudInit!.types);
  });

  it('splits every corpus file into the parts cloud-init finds, or says why cloud-init will ignore it', (t) => {
    if (unavailable) return t.skip(unavailable);
    let compared = 0;
    let ignored = 0;
    names.forEach((name, index) => {
      const theirs = fromCloudInit!.files[index];
      const ours = decodeUserData(fixture(name));
      if (theirs.length === 1 && theirs[0].type === 'text/x-not-multipart') {
        // cloud-init has no handler for it: we must have told the person, or it is Windows user-data.
        const told = ours.error !== undefined || ours.warnings.length > 0 || ours.windows !== undefined;
        assert.ok(told, `${name}: cloud-init ignores it but the decoder said nothing`);
        ignored++;
        return;
      }
      assert.equal(ours.error, undefined, name);
      assert.equal(ours.parts.length, theirs.length, name);
      ours.parts.forEach((part, i) => {
        assert.equal(part.contentType, theirs[i].type, `${name} part ${i + 1}`);
        if (part.filename) assert.equal(part.filename, theirs[i].filename, `${name} part ${i + 1}`);
        assert.ok(part.bytes.equals(Buffer.from(theirs[i].payload, 'base64')), `${name} part ${i + 1} payload`);
      });
      compared++;
    });
    // The corpus has both kinds; if either count were zero the comparison would be hollow.
    assert.ok(compared >= 6, `compared ${compared}`);
    assert.ok(ignored >= 5, `ignored ${ignored}`);
  });
});
