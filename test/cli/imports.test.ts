import {readFileSync} from 'node:fs';
import {join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {dropListRows, loadedModules, sandbox, signedLease} from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** esbuild's record of which sources went into each file of dist/ (scripts/bundle.ts writes it). */
const meta = JSON.parse(readFileSync(join(ROOT, 'dist/meta.json'), 'utf8')) as {outputs: Record<string, {inputs: Record<string, unknown>}>};

/** The sources inside the files of dist/ that a run loaded: dist/ is bundled, so a module URL alone says little. */
function sourcesOf(urls: string[]): string[] {
	return urls
		.filter(u => u.startsWith('file:') && u.includes('/dist/'))
		.flatMap(u => Object.keys(meta.outputs[relative(ROOT, fileURLToPath(u))]?.inputs ?? {}));
}
const UI_SOURCES = /^(src\/ui\/|node_modules\/(ink|react|react-reconciler|ink-table|yoga-layout)\/)/;


describe('the CLI path stays light', () => {
	it('never loads Ink or React for a scripted command', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		// Without the list's rows the quick path steps aside: the program itself answers.
		dropListRows(s.data);
		const sources = sourcesOf(await loadedModules(['canary', 'list', '--json'], s.env));
		expect(sources).toContain('src/cli/commands/canary.ts');
		expect(sources.filter(f => UI_SOURCES.test(f))).toEqual([]);
		// The console's own file does hold them, so the check above can fail.
		expect(Object.keys(meta.outputs['dist/ui/index.js']!.inputs).filter(f => UI_SOURCES.test(f)).length).toBeGreaterThan(50);
	});

	it('answers canary list from the list index without loading the program, printing what the program prints', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['canary', 'start', leaseId])).code).toBe(0);
		const sources = sourcesOf(await loadedModules(['canary', 'list', '--json'], s.env));
		expect(sources).toContain('src/cli/quick-list.ts');
		expect(sources.filter(f => f === 'src/cli/main.ts' || /^node_modules\/(zod|commander|immer|lowdb)\//.test(f))).toEqual([]);
		const quick = await Promise.all([['canary', 'list', '--json'], ['canary', 'list'], ['--data', s.data, 'canary', 'list', '--no-color']].map(args => s.calyx(args)));
		// Without the list's rows (a document an older calyx wrote) the program answers, from the deployments, the same.
		dropListRows(s.data);
		const full = await Promise.all([['canary', 'list', '--json'], ['canary', 'list'], ['--data', s.data, 'canary', 'list', '--no-color']].map(args => s.calyx(args)));
		expect(quick.map(r => r.code)).toEqual([0, 0, 0]);
		expect(JSON.parse(quick[0]!.stdout).deployments).toMatchObject([{status: 'running', percent: 5, worst: 'none'}]);
		expect(quick.map(r => r.stdout)).toEqual(full.map(r => r.stdout));
	});

	it('gives the committed rev while the journal holds records, one --expect-rev takes', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		// The first sample changes the list's level (a rewrite of the document); the next two are journal records.
		for (const cpu of ['51', '52', '53']) expect((await s.calyx(['metrics', 'push', dep, '--cpu', cpu])).code).toBe(0);
		expect(readFileSync(join(s.data, 'state.journal'), 'utf8').trim().split('\n')).toHaveLength(2);
		const sources = sourcesOf(await loadedModules(['canary', 'list', '--json'], s.env));
		expect(sources).toContain('src/cli/quick-list.ts');
		expect(sources).not.toContain('src/cli/main.ts');
		const listed = JSON.parse((await s.calyx(['canary', 'list', '--json'])).stdout) as {rev: number};
		const status = await s.json<{rev: number}>(['store', 'status']);
		expect(listed.rev).toBe(status.doc.rev);
		expect((await s.calyx(['--expect-rev', String(listed.rev), 'metrics', 'push', dep, '--cpu', '54'])).code).toBe(0);
	});

	it('answers --version without loading the program', async () => {
		const urls = await loadedModules(['--version'], sandbox().env);
		expect(urls.filter(u => u.includes('/dist/'))).toEqual([]);
	});
});
