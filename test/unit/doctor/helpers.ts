// Shared pieces of the doctor tests: a hermetic run against an emulator (empty env, a fresh empty
// home directory, short token timeout), lookups into the report, and the one peer the emulator
// cannot be: an endpoint without IMDSv2 (it always issues tokens), as a tiny node:http front that
// refuses the token PUT and forwards every GET to a real emulator.
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/server';
import { endpointTarget, renderReportMarkdown, renderReportText, runDoctor, type DoctorOptions } from '../../../src/doctor';
import type { CheckId, DoctorCheck, DoctorReport } from '../../../src/doctor';

/** A home directory with nothing in it, removed by the returned cleanup. */
export function emptyHome(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'doctor-home-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a describe block: an emulator started before its tests (handed to `started`) and an empty
 * home directory; both are gone after the block.
 */
export function emulatorAndHome(options: EmulatorOptions, started: (emulator: Emulator) => void): { dir: string; remove(): void } {
  const home = emptyHome();
  let emulator: Emulator | undefined;
  before(async () => {
    emulator = await startEmulator(options);
    started(emulator);
  });
  after(async () => {
    await emulator?.close();
    home.remove();
  });
  return home;
}

export function hermeticOptions(homeDir: string, extra: DoctorOptions = {}): DoctorOptions {
  return { env: {}, homeDir, tokenTimeoutMs: 500, retryBaseMs: 50, throttleSample: 5, ...extra };
}

export function doctorOn(url: string, homeDir: string, extra: DoctorOptions = {}, where: 'emulator' | 'endpoint' = 'emulator'): Promise<DoctorReport> {
  return runDoctor(endpointTarget(url, where), hermeticOptions(homeDir, extra));
}

export function check(report: DoctorReport, id: CheckId): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `the report has a ${id} check`);
  return found;
}

/** Everything a person could see of a report: JSON, Markdown and terminal text. */
export function allText(report: DoctorReport): string {
  return [JSON.stringify(report), renderReportMarkdown(report), renderReportText(report, { verbose: true })].join('\n');
}

export function joined(c: DoctorCheck): string {
  return [c.summary, ...c.evidence, ...c.advice, ...(c.commands ?? [])].join('\n');
}

export interface Front {
  url: string;
  puts: number;
  close(): Promise<void>;
}

/** An IMDSv1-only endpoint: PUT answers `putStatus`, GET/HEAD go to `upstream` (a real emulator). */
export async function startV1OnlyFront(upstream: string, putStatus: number): Promise<Front> {
  const target = new URL(upstream);
  const front: Front = { url: '', puts: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT') {
      front.puts++;
      res.writeHead(putStatus, { 'content-type': 'text/plain' });
      res.end(http.STATUS_CODES[putStatus] ?? '');
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return front;
}
