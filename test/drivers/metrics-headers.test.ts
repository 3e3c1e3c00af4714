import {chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {resolveSettings} from '../../src/drivers/metrics/headers.js';

const dir = mkdtempSync(join(tmpdir(), 'calyx-headers-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
const source = (headers: Parameters<typeof resolveSettings>[0]['headers']) => ({address: 'http://127.0.0.1:9090', headers, timeoutMs: 1000});

describe('a Prometheus source\'s headers, as the engine sends them', () => {
	it('plain values as written; a credential from the engine\'s environment or a one-line file of its host', async () => {
		const file = join(dir, 'token');
		writeFileSync(file, 'Bearer from-a-file\n', {mode: 0o600});
		const resolved = await resolveSettings(source({'X-Scope-OrgID': 'shop', Authorization: {env: 'PROM_TOKEN'}, 'X-Api-Key': {file}}), {PROM_TOKEN: 'Bearer from-env'});
		expect(resolved).toEqual({ok: true, settings: {address: 'http://127.0.0.1:9090', headers: {'X-Scope-OrgID': 'shop', Authorization: 'Bearer from-env', 'X-Api-Key': 'Bearer from-a-file'}, timeoutMs: 1000}});
	});

	it('names the header and where its value should be when it cannot be had, never a value', async () => {
		const many = join(dir, 'two-lines');
		writeFileSync(many, 'Bearer one\nBearer two\n');
		const big = join(dir, 'big');
		writeFileSync(big, 'x'.repeat(20_000));
		const link = join(dir, 'link');
		symlinkSync(many, link);
		const sub = join(dir, 'sub');
		mkdirSync(sub);
		const hidden = join(dir, 'hidden');
		writeFileSync(hidden, 'Bearer secret');
		chmodSync(hidden, 0o000);
		const cases: Array<[Parameters<typeof resolveSettings>[0]['headers'], string]> = [
			[{Authorization: {env: 'NOT_SET_ANYWHERE'}}, `header Authorization: the environment variable NOT_SET_ANYWHERE is not set in this process (pid ${process.pid}): every engine or console that may lead, and every shell that starts a canary, needs it`],
			[{Authorization: {file: join(dir, 'missing')}}, `header Authorization: ${join(dir, 'missing')} cannot be read (ENOENT)`],
			[{Authorization: {file: many}}, `header Authorization: ${many} must hold one line`],
			[{Authorization: {file: big}}, `header Authorization: ${big} is 20000 bytes: a credential file holds at most 16384`],
			[{Authorization: {file: link}}, `header Authorization: ${link} is not a regular file`],
			[{Authorization: {file: sub}}, `header Authorization: ${sub} is not a regular file`],
		];
		for (const [headers, problem] of cases) expect(await resolveSettings(source(headers), {})).toEqual({ok: false, problem});
		// Root reads any file: the unreadable case only means something for another user.
		if (process.getuid?.() !== 0) expect(await resolveSettings(source({Authorization: {file: hidden}}), {})).toEqual({ok: false, problem: `header Authorization: ${hidden} cannot be read (EACCES)`});
	});
});
