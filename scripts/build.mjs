// Bundles the extension, the two CLIs and (with --tests) the integration suite with esbuild.
//   node scripts/build.mjs [--production] [--watch] [--tests]
// Type checking is separate (`npm run typecheck`): esbuild only strips types.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = process.argv.includes('--tests');

// Heavy modules loaded only when used: the AWS SDK clients, the credential providers, the SSM
// source and the session's WebSocket. Each is a lazy room of its own, an ES module in dist/lazy/,
// all built in one esbuild run with code splitting, so what rooms share (the SDK core: smithy,
// signing, credential code) is a chunk loaded once. In the CommonJS bundles `await import('<room>')`
// stays an import() of dist/lazy/<name>.mjs, so activation never parses them; an SSM source loads
// the SSM client and not EC2's. The rooms resolve packages by their ES `module` entry, so esbuild
// keeps only the commands imported.
const LAZY_ROOMS = Object.entries({
  'ssm-source': 'src/sources/ssm/index.ts',
  'ssm-client': 'src/aws/sdk/ssm.ts',
  'kms-client': 'src/aws/sdk/kms.ts',
  'aws-credentials': 'src/aws/sdk/credentials.ts',
  'session-websocket': 'src/aws/sdk/webSocket.ts',
  'ec2-client': 'src/aws/ec2/index.ts',
  'posture-fleet': 'src/posture/fleet.ts',
}).filter(([, source]) => existsSync(path.join(root, source)));
const LAZY_DIR = 'dist/lazy';

/** Turns `await import('<lazy room>')` in a CommonJS bundle into `import('<relative path to dist/lazy/room.mjs>')`. */
function lazyEntriesPlugin(outDir) {
  return {
    name: 'lazy-entries',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData?.lazy) return undefined;
        const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { lazy: true } });
        const hit = LAZY_ROOMS.find(([, source]) => path.join(root, source) === resolved.path);
        if (!hit) return undefined;
        let rel = path.relative(outDir, path.join(root, LAZY_DIR, `${hit[0]}.mjs`)).split(path.sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { path: rel, external: true };
      });
    },
  };
}

// undici ships its HTTP parser twice as base64 WebAssembly, SIMD and plain (70 KiB each). The plain
// one is compiled only where SIMD WebAssembly fails (undici: ppc64 before Node 24.12), so it is a file
// of its own, dist/llhttp-wasm.js, required only then: activation does not parse it.
const LLHTTP_PLAIN = /[\\/]undici[\\/]lib[\\/]llhttp[\\/]llhttp-wasm\.js$/;
function llhttpPlainPlugin(outDir) {
  return {
    name: 'llhttp-plain-apart',
    setup(build) {
      build.onResolve({ filter: /llhttp-wasm\.js$/ }, (args) => {
        if (!LLHTTP_PLAIN.test(path.join(args.resolveDir, args.path))) return undefined;
        let rel = path.relative(outDir, path.join(root, 'dist', 'llhttp-wasm.js')).split(path.sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { path: rel, external: true };
      });
    },
  };
}

/** Resolves `undici` to the slim entry (scripts/undici-slim.cjs) for the code we bundle. */
const undiciSlimPlugin = {
  name: 'undici-slim',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: path.join(root, 'scripts/undici-slim.cjs') }));
  },
};

/** Prints errors in the form VS Code's esbuild problem matcher reads. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  external: ['vscode'],
  legalComments: 'none',
};

function entry(source, outfile, extra = {}) {
  const outDir = path.dirname(path.join(root, outfile));
  return {
    ...common,
    entryPoints: [path.join(root, source)],
    outfile: path.join(root, outfile),
    plugins: [lazyEntriesPlugin(outDir), llhttpPlainPlugin(outDir), undiciSlimPlugin, problemMatcherPlugin],
    ...extra,
  };
}

const shebang = { banner: { js: '#!/usr/bin/env node' } };

/** The lazy rooms: ES modules with code splitting. CommonJS dependencies inside them call require()
 * (node built-ins, dist/llhttp-wasm.js), which an ES module gets from createRequire. Chunks stay
 * in dist/lazy/ itself, so a relative require means the same from every file there. */
function lazyRooms() {
  const outDir = path.join(root, LAZY_DIR);
  return {
    ...common,
    format: 'esm',
    splitting: true,
    entryPoints: Object.fromEntries(LAZY_ROOMS.map(([name, source]) => [name, path.join(root, source)])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'shared-[hash]',
    mainFields: ['module', 'main'],
    // Each module also notes itself in globalThis.__imdsExplorerLazyModules (src/aws/lazyModules.ts),
    // so the activation test and the log can tell which lazy modules a process has loaded.
    banner: {
      js: "import { createRequire as __lazyCreateRequire } from 'node:module'; const require = __lazyCreateRequire(import.meta.url); (globalThis.__imdsExplorerLazyModules ??= []).push(import.meta.url);",
    },
    plugins: [llhttpPlainPlugin(outDir), undiciSlimPlugin, problemMatcherPlugin],
  };
}
const builds = [
  entry('src/extension.ts', 'dist/extension.js'),
  { ...common, entryPoints: [path.join(root, 'node_modules/undici/lib/llhttp/llhttp-wasm.js')], outfile: path.join(root, 'dist/llhttp-wasm.js') },
  ...(LAZY_ROOMS.length ? [lazyRooms()] : []),
  ...(existsSync(path.join(root, 'src/cli/imds.ts')) ? [entry('src/cli/imds.ts', 'dist/cli/imds.js', shebang)] : []),
  ...(existsSync(path.join(root, 'src/emulator/cli.ts')) ? [entry('src/emulator/cli.ts', 'dist/cli/emulator.js', shebang)] : []),
];

if (withTests) {
  // The integration suite runs inside VS Code's extension host: mocha stays external (resolved from
  // node_modules of the checkout), each suite file is its own bundle that index.js hands to mocha.
  const testCommon = { ...common, minify: false, sourcemap: 'inline', external: ['vscode', 'mocha'] };
  builds.push({ ...testCommon, entryPoints: [path.join(root, 'test/integration/index.ts')], outfile: path.join(root, 'out/test/integration/index.js') });
  const suiteDir = path.join(root, 'test/integration/suite');
  const suites = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(suiteDir, f));
  if (suites.length) {
    builds.push({ ...testCommon, entryPoints: suites, outdir: path.join(root, 'out/test/integration/suite'), plugins: [lazyEntriesPlugin(path.join(root, 'out/test/integration/suite'))] });
  }
}

if (!watch) {
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  if (withTests) rmSync(path.join(root, 'out/test'), { recursive: true, force: true });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.allSettled(builds.map((b) => esbuild.build(b)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) {
    for (const f of failed) console.error(f.reason?.message ?? f.reason);
    process.exit(1);
  }
}
