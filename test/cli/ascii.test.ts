import {beforeAll, describe, expect, it} from 'vitest';
import {sandbox} from './helpers.js';

type Doc = Record<string, any>;
const UTF8 = {CALYX_ASCII: '', LC_ALL: 'C.UTF-8'};
const C = {CALYX_ASCII: '', LC_ALL: 'C', LANG: 'en_US.UTF-8'};
const pastAscii = (text: string) => Buffer.from(text, 'utf8').findIndex(b => b > 0x7f);

describe('text output on a terminal whose locale is not UTF-8', () => {
	const s = sandbox();
	let dep = '';
	beforeAll(async () => {
		expect((await s.calyx(['demo'])).code).toBe(0);
		dep = (await s.json<Doc>(['canary', 'list'])).doc.deployments[0].id as string;
	});

	it('canary list and canary status draw ASCII stand-ins under LC_ALL=C, with the columns as wide as in UTF-8', async () => {
		const [ascii, utf8] = await Promise.all([s.calyx(['canary', 'list'], {env: C}), s.calyx(['canary', 'list'], {env: UTF8})]);
		expect(utf8.stdout).toContain(' → ');
		expect(pastAscii(ascii.stdout)).toBe(-1);
		expect(ascii.stdout.split('\n').map(l => l.length)).toEqual(utf8.stdout.split('\n').map(l => [...l].length));
		const status = await s.calyx(['canary', 'status', dep], {env: C});
		expect(status.stdout).toMatch(/\d+\.\d+\.\d+ > \d+\.\d+\.\d+/);
		expect(pastAscii(status.stdout)).toBe(-1);
		expect((await s.calyx(['canary', 'status', dep], {env: UTF8})).stdout).toContain(' → ');
	});

	it('help follows the same rule; CALYX_ASCII=1 forces ASCII on UTF-8, and --json stays exact', async () => {
		expect(pastAscii((await s.calyx(['--help'], {env: {...UTF8, CALYX_ASCII: '1'}})).stdout)).toBe(-1);
		expect((await s.calyx(['--help'], {env: UTF8})).stdout).toContain('…');
		const doc = (await s.json<Doc>(['canary', 'status', dep], {env: C})).doc;
		expect(doc.targetLine).toContain('·');
	});

	it('the console refuses a CALYX_ASCII it does not know, naming the values allowed (exit 2)', async () => {
		const run = await s.calyx(['ui'], {env: {CALYX_ASCII: 'yes'}});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('CALYX_ASCII: "yes" is not allowed (1: draw ASCII only, 0: draw UTF-8, unset: as the locale says)');
	});
});
