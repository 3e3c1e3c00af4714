import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox} from './helpers.js';

describe('--data, --store and CALYX_STORE', () => {
	it('--data on the line beats CALYX_STORE in the environment: the data directory is the one used', async () => {
		const s = sandbox({suiteTrust: true});
		const dir = join(s.root, 'here');
		const run = await s.calyx(['--data', dir, 'init'], {env: {CALYX_STORE: 'etcd://127.0.0.1:1/never'}});
		expect(run.code).toBe(0);
		expect(run.stdout).toContain(`initialised ${dir}`);
		expect(existsSync(join(dir, 'state.json'))).toBe(true);
	});

	it('--data and --store both on the line: exit 2 naming both, nothing created', async () => {
		const s = sandbox({suiteTrust: true});
		const dir = join(s.root, 'both');
		const run = await s.calyx(['--data', dir, '--store', 'etcd://127.0.0.1:1/x', 'init']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('--store and --data: give one of them');
		expect(existsSync(dir)).toBe(false);
	});
});
