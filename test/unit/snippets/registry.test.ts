// The registry of variants, the editor-language choice, defaults and option checks.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { bashImdsV2, languageForEditor, normalizeEndpoint, snippetKind, snippetKinds, snippetKindsFor } from '../../../src/snippets';

describe('snippetKinds', () => {
  it('ids are unique and every variant names its language and protocol', () => {
    const ids = snippetKinds.map((k) => k.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const kind of snippetKinds) {
      assert.ok(['shellscript', 'powershell', 'python', 'javascript'].includes(kind.languageId), kind.id);
      assert.ok(kind.label && kind.description, kind.id);
      assert.equal(snippetKind(kind.id), kind);
    }
  });

  it('covers every variant the issue asks for', () => {
    for (const id of [
      'bash-imdsv2', 'bash-function', 'bash-imdsv2-ipv6', 'bash-imdsv2-container', 'bash-imdsv1',
      'powershell-imdsv2', 'python-imdsv2', 'node-imdsv2',
      'rules-iptables-deny-user', 'rules-iptables-allow-user', 'rules-pf-allow-user', 'rules-ipfw-allow-user',
    ]) {
      assert.ok(snippetKind(id), id);
    }
  });

  it('each language lists its recommended IMDSv2 variant first', () => {
    for (const language of ['shellscript', 'powershell', 'python', 'javascript'] as const) {
      const [first] = snippetKindsFor(language);
      assert.equal(first.protocol, 'v2', language);
      assert.doesNotMatch(first.id, /ipv6|container|v1/, language);
    }
  });

  it('defaults: the IPv4 endpoint, the IPv6 endpoint for -ipv6 variants; IMDSv1 variants say LEGACY', () => {
    for (const kind of snippetKinds.filter((k) => k.protocol !== 'rules')) {
      const text = kind.generate('/latest/meta-data/instance-id');
      if (kind.id.endsWith('-ipv6')) assert.match(text, /http:\/\/\[fd00:ec2::254\]/, kind.id);
      else assert.match(text, /http:\/\/169\.254\.169\.254/, kind.id);
      if (kind.protocol === 'v1') {
        assert.match(text, /IMDSv1 \(LEGACY, no token\)/, kind.id);
        assert.match(kind.label, /legacy/i);
      } else {
        assert.match(text, /X-aws-ec2-metadata-token-ttl-seconds/, kind.id);
      }
    }
  });

  it('the bash v2 snippet: curl -f -s, timeouts, TTL header, exit status checked', () => {
    const text = bashImdsV2('/latest/meta-data/instance-id', { connectTimeoutSeconds: 1, requestTimeoutSeconds: 3, tokenTtlSeconds: 600 });
    const curls = text.split('\n').filter((line) => line.startsWith('curl ') || line.includes('$(curl '));
    assert.equal(curls.length, 2);
    for (const line of curls) assert.match(line, /curl -fsS -g --noproxy '\*' --connect-timeout 1 -m 3 /);
    assert.match(text, /-X PUT/);
    assert.match(text, /'X-aws-ec2-metadata-token-ttl-seconds: 600'/);
    assert.match(text, /if ! IMDS_TOKEN="\$\(curl/);
    assert.match(text, /\|\| \[ -z "\$IMDS_TOKEN" \]; then/);
    assert.match(text, /\|\| exit 1$/m);
  });

  it('the container variant explains hop limit 2 with the CLI command', () => {
    const text = snippetKind('bash-imdsv2-container')!.generate('/latest/meta-data/instance-id');
    assert.match(text, /aws ec2 modify-instance-metadata-options --instance-id i-[0-9a-f]+ \\\n#\s+--http-put-response-hop-limit 2/);
  });
});

describe('languageForEditor', () => {
  it('maps the editor languages that have variants, and nothing else', () => {
    assert.equal(languageForEditor('shellscript'), 'shellscript');
    assert.equal(languageForEditor('powershell'), 'powershell');
    assert.equal(languageForEditor('python'), 'python');
    assert.equal(languageForEditor('javascript'), 'javascript');
    assert.equal(languageForEditor('javascriptreact'), 'javascript');
    for (const other of ['typescript', 'plaintext', 'markdown', 'dockerfile', 'yaml', '', undefined]) {
      assert.equal(languageForEditor(other), undefined, String(other));
    }
  });
});

describe('options', () => {
  it('endpoints are reduced to scheme://host[:port] and anything else is refused', () => {
    assert.equal(normalizeEndpoint('http://127.0.0.1:1338/'), 'http://127.0.0.1:1338');
    assert.equal(normalizeEndpoint('http://[::1]:80'), 'http://[::1]');
    for (const bad of ['ftp://x', 'http://h/path', 'http://u:p@h', 'http://h/?q', "http://h'$(id)", 'not a url']) {
      assert.throws(() => normalizeEndpoint(bad), RangeError, bad);
    }
  });

  it('token TTL and timeouts are range-checked', () => {
    for (const tokenTtlSeconds of [0, 21601, 1.5, Number.NaN]) assert.throws(() => bashImdsV2('/x', { tokenTtlSeconds }), RangeError);
    for (const requestTimeoutSeconds of [0, -1, Number.POSITIVE_INFINITY]) assert.throws(() => bashImdsV2('/x', { requestTimeoutSeconds }), RangeError);
    assert.doesNotThrow(() => bashImdsV2('/x', { tokenTtlSeconds: 1 }));
  });
});
