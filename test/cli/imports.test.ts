import {spawn} from 'node:child_process';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BIN, sandbox} from './helpers.js';

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

	it('answers --version without loading the program', async () => {
		const urls = await loadedModules(['--version'], sandbox().env);
		expect(urls.filter(u => u.includes('/dist/'))).toEqual([]);
	});
});
