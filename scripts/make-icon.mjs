// Renders media/icon.svg to the 128 px PNG the marketplace wants (media/icon.png), with Chromium.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser, root } from './lib/codeServer.mjs';

const svg = readFileSync(path.join(root, 'media/icon.svg'), 'utf8');
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.locator('svg').screenshot({ path: path.join(root, 'media/icon.png'), omitBackground: true });
await browser.close();
console.log('wrote media/icon.png');
