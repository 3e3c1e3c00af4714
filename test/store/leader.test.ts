import {existsSync, linkSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Leadership} from '../../src/store/api.js';
import {initStore, openStore} from '../../src/store/index.js';
import {tryLock} from '../../src/store/lock.js';
import {putBack, removeGraveSync} from '../../src/store/lock-owner.js';
import {Child, deadPid, tempDir, until} from './helpers.js';

describe('engine leadership', () => {
	it('makes a second lead() a follower, and hands over when the leader releases', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const other = await openStore(dir);
		const first = await store.lead({heartbeatMs: 1000, staleMs: 5000});
		const second = await other.lead({heartbeatMs: 1000, staleMs: 5000});
		expect([first.role, second.role]).toEqual(['leader', 'follower']);
		// The leader can tell that someone takes over when it stops.
		expect(await store.engineFollowers()).toBe(1);
		const changes: string[] = [];
		second.onChange(role => changes.push(role));
		await first.release();
		expect(first.role).toBe('follower');
		await until(() => second.role === 'leader', 'the follower to lead');
		expect(changes).toEqual(['leader']);
		// The follower that took over no longer waits, and nobody else does.
		expect(await other.engineFollowers()).toBe(0);
		await second.release();
	});

	it('lets a follower take over when the leader process is killed', async () => {
		await withChildLeader(async ({leader, store, follower}) => {
			expect(follower.role).toBe('follower');
			expect(await store.engineLeader()).toMatchObject({pid: leader.proc.pid});
			const changes: string[] = [];
			follower.onChange(role => changes.push(role));
			await leader.kill('SIGKILL');
			await until(() => follower.role === 'leader', 'the follower to take over', 30_000);
			expect(changes).toEqual(['leader']);
			expect(await store.engineLeader()).toMatchObject({pid: process.pid});
			// Released, nobody leads: the console and canary status say so.
			await follower.release();
			expect(await store.engineLeader()).toBeUndefined();
		});
	});

	it('a lock a killed taker left in transit blocks no one: the next engine leads at once, and its release leaves nothing beside', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const lock = join(dir, 'leader.lock');
		const dead = JSON.stringify({pid: deadPid(), host: hostname(), token: 'feedfacefeedface'});
		// Killed after making its lock in transit (with or without its owner written): the lock is not
		// taken. A file as this calyx makes it, a directory as an older one did.
		writeFileSync(`${lock}.new-0bad0002`, dead);
		writeFileSync(`${lock}.new-0bad0003`, '');
		mkdirSync(`${lock}.new-0badf00d`);
		mkdirSync(`${lock}.new-0bad0001`);
		writeFileSync(join(`${lock}.new-0bad0001`, 'owner'), dead);
		const leadership = await store.lead({heartbeatMs: 1000, staleMs: 5000});
		expect(leadership.role).toBe('leader');
		expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({pid: process.pid});
		await leadership.release();
		// Released in one step: no lock left, and none of ours in transit or moved aside.
		expect(existsSync(lock)).toBe(false);
		expect(readdirSync(dir).filter(n => n.startsWith('leader.lock.') && !n.includes('0bad'))).toEqual([]);
	});

	it('keeps a live leader: a follower stays a follower while it heartbeats', async () => {
		await withChildLeader(async ({dir, leader, follower}) => {
			// Let more than one stale window pass, observed through the leader's own heartbeats.
			const first = statSync(join(dir, 'leader.lock')).mtimeMs;
			await until(() => statSync(join(dir, 'leader.lock')).mtimeMs > first + 6000, 'six seconds of heartbeats', 20_000);
			expect(follower.role).toBe('follower');
			expect(leader.lines.filter(l => l.startsWith('role'))).toEqual(['role leader']);
		});
	});
});

/** Another process leading a fresh data directory, and this one following it. */
async function withChildLeader(
	run: (ctx: {dir: string; leader: Child; store: Awaited<ReturnType<typeof openStore>>; follower: Leadership}) => Promise<void>,
): Promise<void> {
	const dir = tempDir();
	await initStore(dir);
	const leader = new Child('leader.ts', [dir]);
	try {
		await leader.waitFor(l => l === 'role leader', 'the child to lead');
		const store = await openStore(dir);
		try {
			await run({dir, leader, store, follower: await store.lead({heartbeatMs: 1000, staleMs: 5000})});
		} finally {
			await store.close();
		}
	} finally {
		await leader.kill();
	}
}

describe('a lock released', () => {
	it('is removed only if it is the releaser\'s: one another process took in between is put back, whole', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'state.json'), '{}');
		const lock = join(dir, 'write.lock');
		const mine = await tryLock(lock, {stale: 5000});
		expect(mine).toBeDefined();
		// Ours went stale while we stalled, and another process took it over (its own lock, its owner).
		rmSync(lock);
		const theirs = JSON.stringify({pid: process.pid, host: hostname(), token: 'aaaaaaaaaaaaaaaa'});
		writeFileSync(lock, theirs);
		await mine!.release();
		expect(readFileSync(lock, 'utf8')).toBe(theirs);
		expect(readdirSync(dir).sort()).toEqual(['state.json', 'write.lock']);
		// Our own, released: gone, nothing left beside it.
		rmSync(lock);
		const again = await tryLock(lock, {stale: 5000});
		expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({pid: process.pid, host: hostname()});
		await again!.release();
		expect(readdirSync(dir)).toEqual(['state.json']);
	});
});

describe('a lock an older calyx left (a directory with an owner file)', () => {
	const olderLock = (lock: string, owner: object) => {
		mkdirSync(lock);
		writeFileSync(join(lock, 'owner'), JSON.stringify(owner));
	};

	it('is broken at once when its holder on this host is gone, and the new lock is a file', async () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		olderLock(lock, {pid: deadPid(), host: hostname(), token: 'feedfacefeedface'});
		const mine = await tryLock(lock, {stale: 5000});
		expect(mine).toBeDefined();
		expect(statSync(lock).isFile()).toBe(true);
		await mine!.release();
		expect(readdirSync(dir)).toEqual([]);
	});

	it('held by a live process is waited for, and taken over once stale', async () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		olderLock(lock, {pid: process.pid, host: 'elsewhere', token: 'feedfacefeedface'});
		expect(await tryLock(lock, {stale: 5000})).toBeUndefined();
		expect(statSync(lock).isDirectory()).toBe(true);
		const old = new Date(Date.now() - 6000);
		utimesSync(lock, old, old);
		const mine = await tryLock(lock, {stale: 5000});
		expect(mine).toBeDefined();
		await mine!.release();
		expect(readdirSync(dir)).toEqual([]);
	});
});

describe('a lock moved aside by someone else', () => {
	it('makes its holder lose it at the next check, however young: nothing is written under a lock that is not there', async () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		const mine = await tryLock(lock, {stale: 5000});
		await expect(mine!.assertHeld('writing the state')).resolves.toBeUndefined();
		// A breaker that judged another lock moved this one aside, and a taker linked its own.
		renameSync(lock, `${lock}.dead-0bad0009`);
		writeFileSync(lock, JSON.stringify({pid: process.pid, host: hostname(), token: 'bbbbbbbbbbbbbbbb'}));
		await expect(mine!.assertHeld('writing the state')).rejects.toMatchObject({code: 'LOCK_LOST'});
		// Its release touches neither the taker's lock nor the grave.
		await mine!.release();
		expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('bbbbbbbbbbbbbbbb');
		expect(existsSync(`${lock}.dead-0bad0009`)).toBe(true);
	});

	it('is its holder\'s own file, not a copy of it: put back by link it is still held, a copy with the same token is not', async () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		const mine = await tryLock(lock, {stale: 5000});
		const grave = `${lock}.dead-0bad000b`;
		// Moved aside and linked back (a breaker that judged another lock): the same file, still held.
		renameSync(lock, grave);
		linkSync(grave, lock);
		unlinkSync(grave);
		await expect(mine!.assertHeld('writing the state')).resolves.toBeUndefined();
		// A copy in its place, token and all: another file, not the holder's.
		const text = readFileSync(lock, 'utf8');
		unlinkSync(lock);
		writeFileSync(lock, text);
		await expect(mine!.assertHeld('writing the state')).rejects.toMatchObject({code: 'LOCK_LOST'});
		// Its release leaves the copy alone: it is not the holder's to remove.
		await mine!.release();
		expect(readFileSync(lock, 'utf8')).toBe(text);
	});

	it('found lost by its heartbeat, closes the descriptor it held on it, released or not (a leader that lost it never releases it)', async () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		const onLock = () => readdirSync('/proc/self/fd').filter(fd => {
			try {
				return readlinkSync(`/proc/self/fd/${fd}`).startsWith(lock);
			} catch {
				return false;
			}
		}).length;
		let lost = false;
		const mine = await tryLock(lock, {stale: 5000, update: 20, onLost: () => (lost = true)});
		expect(onLock()).toBe(1);
		// A copy in its place: the next heartbeat finds the lock is not its file.
		const text = readFileSync(lock, 'utf8');
		unlinkSync(lock);
		writeFileSync(lock, text);
		await until(() => lost, 'the heartbeat to find the lock lost', 5000);
		expect(onLock()).toBe(0);
		await expect(mine!.assertHeld('writing the state')).rejects.toMatchObject({code: 'LOCK_LOST'});
		await mine!.release();
		expect(readFileSync(lock, 'utf8')).toBe(text);
	});

	it('lost to a writer that set its last line aside and committed its own: the write says LOCK_LOST, not that the trail was rewritten', async () => {
		const dir = tempDir();
		let takeOver = false;
		// Right after the lock is taken, this writer stalls: another takes the lock over, sets aside this
		// writer's last line as uncommitted and commits its own in its place.
		const trace = (phase: string) => {
			if (phase !== 'locked' || !takeOver) return;
			const lock = join(dir, 'write.lock');
			const text = readFileSync(lock, 'utf8');
			unlinkSync(lock);
			writeFileSync(lock, text);
			const trail = join(dir, 'audit.ndjson');
			writeFileSync(trail, readFileSync(trail, 'utf8').replace('"reason":"one"', '"reason":"other"'));
		};
		const {store} = await initStore(dir, {trace});
		const note = (reason: string) => ({at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'demo.note', subject: 'state', reason, data: {}});
		await store.mutate(state => ({state, events: [note('one')], result: null}));
		takeOver = true;
		await expect(store.mutate(state => ({state, events: [note('two')], result: null}))).rejects.toMatchObject({code: 'LOCK_LOST'});
		await store.close();
	});

	it('is put back only where nothing stands, and a grave is never removed with what calyx does not put in a lock', () => {
		const dir = tempDir();
		const lock = join(dir, 'write.lock');
		const grave = `${lock}.dead-0bad000a`;
		writeFileSync(grave, JSON.stringify({pid: process.pid, host: hostname(), token: 'aaaaaaaaaaaaaaaa'}));
		writeFileSync(lock, JSON.stringify({pid: process.pid, host: hostname(), token: 'cccccccccccccccc'}));
		expect(() => putBack(grave, lock)).toThrow(/EEXIST/);
		expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('cccccccccccccccc');
		rmSync(lock);
		putBack(grave, lock);
		expect([existsSync(grave), JSON.parse(readFileSync(lock, 'utf8')).token]).toEqual([false, 'aaaaaaaaaaaaaaaa']);
		const planted = `${lock}.dead-0bad000b`;
		mkdirSync(join(planted, 'sub'), {recursive: true});
		writeFileSync(join(planted, 'owner'), JSON.stringify({pid: deadPid(), host: hostname(), token: 'x'}));
		writeFileSync(join(planted, 'sub', 'precious'), 'keep');
		expect(() => removeGraveSync(planted)).toThrow();
		expect(readFileSync(join(planted, 'sub', 'precious'), 'utf8')).toBe('keep');
	});

	it('a directory planted at the lock\'s name with more than an owner in it: taken over as dead, never deleted; repair lists it', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const lock = join(dir, 'write.lock');
		mkdirSync(join(lock, 'notes'), {recursive: true});
		writeFileSync(join(lock, 'owner'), JSON.stringify({pid: deadPid(), host: hostname(), token: 'dddddddddddddddd'}));
		writeFileSync(join(lock, 'notes', 'todo.txt'), 'mine');
		expect((await store.run({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.0.0', toVersion: '1.1.0'})).rev).toBe(1);
		const graves = readdirSync(dir).filter(n => n.startsWith('write.lock.dead-'));
		expect(graves).toHaveLength(1);
		expect(readFileSync(join(dir, graves[0]!, 'notes', 'todo.txt'), 'utf8')).toBe('mine');
		expect((await store.repair({dryRun: true})).left).toContainEqual(expect.stringContaining(`${graves[0]} holds notes`));
	});
});
