// Helpers for the integration suite, which runs inside a real VS Code extension host.
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';

export const EXTENSION_ID = 'ec2-metadata-explorer.ec2-metadata-explorer';

/** Activates the extension under test and returns its API. */
export async function activateExtension(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext.activate();
}

/**
 * Asks the runner outside VS Code (scripts/run-integration.mjs) to act in the page, code-server
 * only. Its answer, or undefined under a runner that cannot (desktop).
 */
async function askRunner(action: 'screenshot' | 'click' | 'type', params: Record<string, string>, what: string): Promise<string | undefined> {
  const base = process.env.IMDS_SCREENSHOT_URL;
  if (!base) return undefined;
  const res = await fetch(`${base}/${action}?${new URLSearchParams(params)}`);
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${await res.text()}`);
  return (await res.text()).trim();
}

/**
 * Screenshots the browser window (code-server only); with `text`, the runner first waits until it
 * is on screen (a notification or dialog that is coming, or a webview's content).
 * Returns the PNG path, or undefined under a runner that cannot take screenshots (desktop).
 */
export function screenshot(name: string, options: { text?: string } = {}): Promise<string | undefined> {
  return askRunner('screenshot', { name, ...(options.text ? { text: options.text } : {}) }, `screenshot ${name}`);
}

/**
 * Clicks a button of the dialog or notification on screen (code-server only: the runner clicks it
 * in the page). Returns false under a runner that cannot (desktop).
 */
export async function clickDialogButton(label: string): Promise<boolean> {
  return (await askRunner('click', { button: label }, `clicking "${label}"`)) !== undefined;
}

/**
 * Types text into whatever has the keyboard focus in the page (a quick pick's filter), as a person
 * would (code-server only). Returns false under a runner that cannot (desktop).
 */
export async function typeInPage(text: string): Promise<boolean> {
  return (await askRunner('type', { text }, `typing "${text}"`)) !== undefined;
}

/** Polls `check` until it returns a truthy value or the time runs out (UI updates are async). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
