import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, snapshot} from './helpers.js';

/** `calyx repair` says what a crash left and what it will not touch, then clears it, audited. */
describe('calyx repair and crash debris', () => {
	it('--dry-run lists a dead lock, a stray temp and a planted link without a byte written; repair removes what is calyx\'s', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const grave = join(s.data, 'write.lock.dead-0badf00d');
		mkdirSync(grave);
		writeFileSync(join(grave, 'owner'), JSON.stringify({pid: spawnSync(process.execPath, ['-e', '0']).pid, host: hostname(), token: 'x'}));
		const temp = join(s.data, '.state.json.4242.1.deadbeef.tmp');
		writeFileSync(temp, '{"half":');
		const link = join(s.data, '.deployments.index.json.4242.2.deadbeef.tmp');
		writeFileSync(join(s.root, 'elsewhere'), 'not calyx\'s');
		symlinkSync(join(s.root, 'elsewhere'), link);
		const before = {files: snapshot(s.data), names: readdirSync(s.data).sort()};

		const dry = await s.calyx(['repair', '--dry-run']);
		expect(dry.code).toBe(0);
		expect(dry.stdout).toContain('would repair');
		expect(dry.stdout).toContain(`remove ${grave}, a lock moved aside`);
		expect(dry.stdout).toContain(`remove ${temp}, the temp file of a writer that died before its rename`);
		expect(dry.stdout).toMatch(/left as they are:\n {2}- .*\.deployments\.index\.json\.4242\.2\.deadbeef\.tmp is a symbolic link/);
		expect({files: snapshot(s.data), names: readdirSync(s.data).sort()}).toEqual(before);

		const done = await s.json<{applied: boolean; actions: string[]; left: string[]}>(['repair']);
		expect(done.doc.applied).toBe(true);
		expect(done.doc.actions).toEqual(expect.arrayContaining([expect.stringContaining(grave), expect.stringContaining(temp)]));
		expect(done.doc.actions).toHaveLength(2);
		expect(done.doc.left).toHaveLength(1);
		expect([existsSync(grave), existsSync(temp), readdirSync(s.data).includes('.deployments.index.json.4242.2.deadbeef.tmp')]).toEqual([false, false, true]);
		const audit = await s.json<{events: Array<{kind: string; data: {removed: string[]}}>}>(['audit', 'list']);
		expect(audit.doc.events.find(e => e.kind === 'store.swept')?.data.removed.sort()).toEqual([grave, temp].sort());
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
		expect(readFileSync(join(s.root, 'elsewhere'), 'utf8')).toBe('not calyx\'s');
	});
});
