import {spawn} from 'node:child_process';
import {rmSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease} from './helpers.js';

/** Runs calyx with a resolve hook and returns every module URL it loaded. */
function loadedModules(args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
	const hook = resolve(import.meta.dirname, 'fixtures/trace-imports.mjs');
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, ['--import', hook, BIN, ...args], {env, stdio: ['ignore', 'ignore', 'ignore', 'pipe']});
		let urls = '';
		child.stdio[3]!.on('data', d => (urls += d));
		child.on('error', fail);
		child.on('close', () => done(urls.split('\n').filter(Boolean)));
	});
}

describe('the CLI path stays light', () => {
	it('never loads Ink or React for a scripted command', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const urls = await loadedModules(['canary', 'list', '--json'], s.env);
		expect(urls.some(u => u.includes('/dist/cli/commands/canary.js'))).toBe(true);
		expect(urls.filter(u => /node_modules\/(ink|react|ink-table)\//.test(u))).toEqual([]);
	});

	it('answers canary list from the list index without loading the program, printing what the program prints', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['canary', 'start', leaseId])).code).toBe(0);
		const urls = await loadedModules(['canary', 'list', '--json'], s.env);
		expect(urls.some(u => u.includes('/dist/cli/quick-list.js'))).toBe(true);
		expect(urls.filter(u => u.includes('/dist/cli/main.js') || /node_modules\/(zod|commander|immer|lowdb)\//.test(u))).toEqual([]);
		const quick = await Promise.all([['canary', 'list', '--json'], ['canary', 'list'], ['--data', s.data, 'canary', 'list', '--no-color']].map(args => s.calyx(args)));
		// Without the index the program answers, from the document.
		rmSync(join(s.data, 'deployments.index.json'));
		const full = await Promise.all([['canary', 'list', '--json'], ['canary', 'list'], ['--data', s.data, 'canary', 'list', '--no-color']].map(args => s.calyx(args)));
		expect(quick.map(r => r.code)).toEqual([0, 0, 0]);
		expect(JSON.parse(quick[0]!.stdout).deployments).toMatchObject([{status: 'running', percent: 5, worst: 'none'}]);
		expect(quick.map(r => r.stdout)).toEqual(full.map(r => r.stdout));
	});

	it('answers --version without loading the program', async () => {
		const urls = await loadedModules(['--version'], sandbox().env);
		expect(urls.filter(u => u.includes('/dist/'))).toEqual([]);
	});
});
