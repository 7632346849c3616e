// Opens the EC2 Metadata view in a running code-server through Chromium and returns the tree rows.
import path from 'node:path';
import { launchBrowser, root } from './codeServer.mjs';

export async function openMetadataView(server, workspace, { screenshot } = {}) {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await server.authenticate(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.activitybar', { timeout: 60_000 });
    // Click the view container's icon, as a person would (the palette may not list it yet on a
    // first start, while extensions register).
    const icon = page.locator('.activitybar .action-item a[aria-label^="EC2 Metadata"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    const rows = page.locator('.pane-body .monaco-list-row');
    await rows.first().waitFor({ timeout: 30_000 }).catch(() => {});
    await page.waitForTimeout(1500);
    if (screenshot) await page.screenshot({ path: path.resolve(root, screenshot) });
    return await rows.allInnerTexts();
  } finally {
    await browser.close();
  }
}
