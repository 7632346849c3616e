// `npm start` and the integration runner serve VS Code through code-server on 127.0.0.1, which
// every local user can reach; VS Code's terminal runs as whoever started it. code-server must ask
// for the random password startCodeServer makes, and keep it off the command line (`ps` shows
// command lines to everyone).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface Started {
  url: string;
  password: string;
  pid: number;
  login(attempt?: string): Promise<{ name: string; value: string } | undefined>;
  stop(): Promise<void>;
}

const lib = path.resolve(__dirname, '../../../scripts/lib/codeServer.mjs');

describe('code-server as npm start runs it: password auth', () => {
  let server: Started;
  before(async () => {
    const { codeServerBin, startCodeServer } = (await import(lib)) as { codeServerBin(): string; startCodeServer(o: object): Promise<Started> };
    assert.ok(existsSync(codeServerBin()), `code-server is not installed at ${codeServerBin()}: run scripts/install-code-server.sh`);
    server = await startCodeServer({});
  });
  after(() => server?.stop());

  it('refuses a request without the password: only the login page', async () => {
    const anonymous = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /login/);
    const workbench = await fetch(`${server.url}/?folder=/tmp`, { redirect: 'manual' });
    assert.equal(workbench.status, 302);
  });

  it('refuses a wrong password and lets the right one in', async () => {
    assert.equal(await server.login('not-the-password'), undefined);
    const cookie = await server.login();
    assert.ok(cookie, 'the right password gives a session');
    const page = await fetch(`${server.url}/`, { redirect: 'manual', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    assert.equal(page.status, 200);
  });

  it('the password is random, long, and not on code-server\'s command line', () => {
    assert.ok(server.password.length >= 32);
    const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(server.password));
    assert.match(cmdline, /--auth\0password/);
  });
});
