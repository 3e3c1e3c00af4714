import {appendFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore, type ChangeNotice} from '../../src/store/index.js';
import {storePaths, type StorePaths} from '../../src/store/paths.js';
import {watchDir} from '../../src/store/watch.js';
import {Child, clockAt, tempDir, until} from './helpers.js';

/** A directory watcher on a fresh store while `fn` runs; what it told. */
async function watching(fn: (dir: string, paths: StorePaths, seen: ChangeNotice[]) => Promise<void>): Promise<ChangeNotice[]> {
	const dir = tempDir();
	await initStore(dir);
	const paths = storePaths(dir);
	const seen: ChangeNotice[] = [];
	const stop = watchDir(paths, what => seen.push(what));
	try {
		await fn(dir, paths, seen);
	} finally {
		stop();
	}
	return seen;
}

describe('the change feed', () => {
	it('tells a reader that another process wrote the state and the audit trail', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const notices: ChangeNotice[] = [];
		const stop = store.watch(what => notices.push(what));
		const writer = new Child('writer.ts', [dir, '1', 'far', 'now']);
		try {
			await writer.waitFor(l => l.startsWith('done'), 'the other process wrote');
			await until(() => notices.some(n => n.state) && notices.some(n => n.audit), 'a change notice');
		} finally {
			stop();
			await writer.kill();
		}
		expect(notices.every(n => !n.metrics)).toBe(true);
		expect((await store.read()).rev).toBe(1);
	});

	it('reports samples as a metrics change, and stops when asked', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const seen: ChangeNotice[] = [];
		const stop = store.watch(what => seen.push(what));
		await store.mutate(state => ({state, events: [], samples: [{deploymentId: 'DEP-20261125-001', sample: {at: '2026-11-25T10:00:00.000Z', cpu: 50}}], result: null}));
		// One notice or two: under load the append and the rename can fall on either side of a look.
		await until(() => seen.some(n => n.metrics) && seen.some(n => n.state), 'a metrics notice and a state notice');
		stop();
		const count = seen.length;
		await store.run({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.0'}, {clock: clockAt()});
		// A second, still-subscribed watcher proves the write was noticeable, so the stopped one's silence means something.
		const control: ChangeNotice[] = [];
		const stopControl = store.watch(what => control.push(what));
		await store.run({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.1'}, {clock: clockAt()});
		await until(() => control.length > 0, 'the control notice');
		stopControl();
		expect(seen).toHaveLength(count);
	});

	it('reports an append to the metrics log as that alone, and nothing for another file in the directory', async () => {
		const seen = await watching(async (dir, paths, seen) => {
			writeFileSync(join(dir, 'unrelated.txt'), 'x');
			appendFileSync(paths.metrics, '{}\n');
			await until(() => seen.length > 0, 'a metrics notice');
		});
		expect(seen).toEqual([{state: false, audit: false, metrics: true}]);
	});

	it('without a directory watcher, still reports a write another process made, by its poll', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const seen: ChangeNotice[] = [];
		const stop = watchDir(storePaths(dir), what => seen.push(what), {watcher: false});
		const writer = new Child('writer.ts', [dir, '1', 'far', 'now']);
		try {
			await writer.waitFor(l => l.startsWith('done'), 'the other process wrote');
			await until(() => seen.some(n => n.state) && seen.some(n => n.audit), 'a polled change notice');
		} finally {
			stop();
			await writer.kill();
		}
		expect((await store.read()).rev).toBe(1);
	});

	it('a watcher that cannot come back (its directory moved away) leaves the poll, which still tells the state missing, back, and a later append', async () => {
		const seen = await watching(async (dir, paths, seen) => {
			// The move wakes the watcher, which rests; it cannot watch a path that is gone, and the look finds the state missing.
			renameSync(dir, `${dir}.away`);
			await until(() => seen.some(n => n.state), 'the state seen missing');
			const away = seen.length;
			renameSync(`${dir}.away`, dir);
			await until(() => seen.length > away, 'the state seen back');
			const back = seen.length;
			appendFileSync(paths.metrics, '{}\n');
			await until(() => seen.length > back, 'a metrics notice after the return');
		});
		expect(seen.at(-1)).toEqual({state: false, audit: false, metrics: true});
	});
});
