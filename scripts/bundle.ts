/**
 * Builds dist/ as a few bundled files instead of a tree of modules: Node 20's ES module loader
 * pays per file resolved and read, and the console's start-up (Ink, React, the store, the engine:
 * ~300 modules) was twice a minimal Ink app's because of it. Entry points keep their paths
 * (dist/cli/main.js, dist/cli/quick-list.js, dist/ui/index.js) and code splitting keeps Ink and
 * React out of every file a scripted command loads. dist/meta.json records which sources went into
 * which output; the import tests read it.
 * Run: node --import tsx scripts/bundle.ts (npm run build does).
 */
import {build} from 'esbuild';
import {rm, writeFile} from 'node:fs/promises';
import {resolve} from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(ROOT, 'dist');

await rm(OUT, {recursive: true, force: true});
const result = await build({
	absWorkingDir: ROOT,
	entryPoints: ['src/cli/main.ts', 'src/cli/quick-list.ts', 'src/ui/index.ts'],
	outbase: 'src',
	outdir: 'dist',
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20.19',
	// bin/calyx.js defaults NODE_ENV to production; fixing it here drops React's development builds from the bundle.
	define: {'process.env.NODE_ENV': '"production"'},
	// Only loaded by ink when DEV=true (React devtools), which calyx never sets; not a dependency of ours.
	// etcd3's gRPC loads its .proto files from its own directory: it runs from node_modules, not from the bundle.
	external: ['react-devtools-core', 'etcd3'],
	// Bundled CommonJS packages (proper-lockfile, react) call require() for Node's own modules.
	banner: {js: "import {createRequire as __calyxCreateRequire} from 'node:module';\nconst require = __calyxCreateRequire(import.meta.url);"},
	metafile: true,
	logLevel: 'warning',
});
await writeFile(resolve(OUT, 'meta.json'), JSON.stringify(result.metafile));
