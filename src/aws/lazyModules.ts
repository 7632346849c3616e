// Which lazy modules (dist/lazy/*.mjs: the AWS clients, the SSM source, the session's WebSocket)
// this process has loaded. Each notes itself when it loads (a banner that scripts/build.mjs adds);
// ES modules do not show in require.cache, so this is how a test or the log can tell. Empty when
// running from source (tsx), where nothing is bundled.

declare global {
  var __imdsExplorerLazyModules: string[] | undefined;
}

/** File names (e.g. `ssm-client.mjs`, `shared-AB12CD34.mjs`) of the lazy modules loaded so far, in load order. */
export function lazyModulesLoaded(): string[] {
  return (globalThis.__imdsExplorerLazyModules ?? []).map((url) => url.slice(url.lastIndexOf('/') + 1));
}
