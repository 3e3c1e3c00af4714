import {describe, expect, it} from 'vitest';
import {initStore, openStore} from '../../src/store/index.js';
import {Child, tempDir, until} from './helpers.js';

describe('engine leadership', () => {
	it('makes a second lead() a follower, and hands over when the leader releases', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const other = await openStore(dir);
		const first = await store.lead({heartbeatMs: 1000, staleMs: 5000});
		const second = await other.lead({heartbeatMs: 1000, staleMs: 5000});
		expect([first.role, second.role]).toEqual(['leader', 'follower']);
		const changes: string[] = [];
		second.onChange(role => changes.push(role));
		await first.release();
		expect(first.role).toBe('follower');
		await until(() => second.role === 'leader', 'the follower to lead');
		expect(changes).toEqual(['leader']);
		await second.release();
	});

	it('lets a follower take over when the leader process is killed', async () => {
		const dir = tempDir();
		await initStore(dir);
		const leader = new Child('leader.ts', [dir]);
		try {
			await leader.waitFor(l => l === 'role leader', 'the child to lead');
			const store = await openStore(dir);
			const follower = await store.lead({heartbeatMs: 1000, staleMs: 5000});
			expect(follower.role).toBe('follower');
			const changes: string[] = [];
			follower.onChange(role => changes.push(role));
			await leader.kill('SIGKILL');
			await until(() => follower.role === 'leader', 'the follower to take over', 30_000);
			expect(changes).toEqual(['leader']);
			await store.close();
		} finally {
			await leader.kill();
		}
	});

	it('keeps a live leader: a follower stays a follower while it heartbeats', async () => {
		const dir = tempDir();
		await initStore(dir);
		const leader = new Child('leader.ts', [dir]);
		try {
			await leader.waitFor(l => l === 'role leader', 'the child to lead');
			const store = await openStore(dir);
			const follower = await store.lead({heartbeatMs: 1000, staleMs: 5000});
			// Let more than one stale window pass, observed through the leader's own heartbeats.
			const {statSync} = await import('node:fs');
			const {join} = await import('node:path');
			const first = statSync(join(dir, 'leader.lock')).mtimeMs;
			await until(() => statSync(join(dir, 'leader.lock')).mtimeMs > first + 6000, 'six seconds of heartbeats', 20_000);
			expect(follower.role).toBe('follower');
			expect(leader.lines.filter(l => l.startsWith('role'))).toEqual(['role leader']);
			await store.close();
		} finally {
			await leader.kill();
		}
	});
});
