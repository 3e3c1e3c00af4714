import {appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {basename, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {rm} from 'node:fs/promises';
import type {BatchStore, StoreError} from '../../src/store/index.js';
import {initStore, openStore} from '../../src/store/index.js';
import {moverName} from '../../src/store/lock-owner.js';
import {snapshot} from '../cli/helpers.js';
import {clockAt, deadPid, healthy, listing, seedCanary, tempDir} from './helpers.js';

const intent = {type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'};


/** A lock directory (as an older calyx made them) as `breakIfDead` moves it aside, left by a process killed before removing it. */
function grave(dir: string, name: string, pid = deadPid()) {
	const path = join(dir, name);
	mkdirSync(path);
	writeFileSync(join(path, 'owner'), JSON.stringify({pid, host: hostname(), token: 'feedfacecafebeef'}));
	return path;
}

/** The same, a lock file as this calyx makes them. */
function fileGrave(dir: string, name: string, pid = deadPid()) {
	const path = join(dir, name);
	writeFileSync(path, JSON.stringify({pid, host: hostname(), token: 'feedfacecafebeef'}));
	return path;
}

/** The directory's names and file hashes: what a read must not change (snapshot() skips directories). */
const state = (dir: string) => ({names: listing(dir), files: snapshot(dir)});

async function everyRead(store: BatchStore, deploymentId: string) {
	await store.read();
	await store.audit();
	await store.samples(deploymentId, 5);
	await store.listDeployments();
	await store.verifyAudit();
	return store.repair({dryRun: true});
}

const events = async (store: BatchStore, kind: string) => (await store.audit()).filter(e => e.kind === kind);

describe('what crashed writers leave', () => {
	it('survives every read, and the next write removes it with an audit event naming each path', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {deploymentId} = await seedCanary(store, clockAt());
		await store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: healthy}, {clock: clockAt()});
		const temps = ['.state.json.4242.1.deadbeef.tmp', '.deployments.index.json.4242.2.deadbeef.tmp', '.metrics.ndjson.4242.3.deadbeef.tmp'].map(n => join(dir, n));
		for (const t of temps) writeFileSync(t, '{"half":');
		const graves = [grave(dir, 'write.lock.dead-0badf00d'), grave(dir, 'leader.lock.dead-0badf00d'), grave(dir, 'write.lock.new-0badf00d'), fileGrave(dir, 'write.lock.dead-0bad0001'), fileGrave(dir, 'sim-world.lock.new-0bad0001')];
		// An orphan sample file: samples a repair cut from the log, killed before its audit event committed.
		const pending = join(dir, '.metrics.ndjson.orphan-20261125T100000Z-abc123.pending');
		const samples = `{"rev":99,"deploymentId":"${deploymentId}","sample":{}}\n`;
		writeFileSync(pending, samples);
		const before = state(dir);

		const dry = await everyRead(await openStore(dir), deploymentId);
		expect(state(dir)).toEqual(before);
		for (const path of [...temps, ...graves, pending]) expect(dry.actions.join('\n')).toContain(path);
		expect(dry.left).toEqual([]);

		const {rev} = await store.run(intent, {clock: clockAt()});
		expect(listing(dir).filter(n => n.endsWith('.tmp') || n.includes('.dead-') || n.includes('.new-') || n.endsWith('.pending'))).toEqual([]);
		const [swept] = await events(store, 'store.swept');
		expect(swept).toMatchObject({actor: 'store', rev: rev - 1});
		expect([...(swept!.data.removed as string[])].sort()).toEqual([...temps, ...graves].sort());
		const quarantine = join(dir, 'metrics.ndjson.orphan-20261125T100000Z-abc123');
		expect((await events(store, 'log.recovered')).map(e => e.data)).toEqual([expect.objectContaining({file: join(dir, 'metrics.ndjson'), quarantine, pending})]);
		expect(readFileSync(quarantine, 'utf8')).toBe(samples);
		expect(await store.repair({dryRun: true})).toEqual({actions: [], left: [], applied: false});
	});

	it('a quarantine cut short before the log was truncated is reused, never copied twice', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent, {clock: clockAt()});
		const torn = '{"rev":';
		appendFileSync(join(dir, 'metrics.ndjson'), torn);
		const pending = join(dir, '.metrics.ndjson.torn-20261125T100000Z-abc123.pending');
		writeFileSync(pending, torn);
		// Still at the log's end: not debris of its own, the recovery takes it.
		expect((await store.repair({dryRun: true})).actions).toEqual([expect.stringMatching(/metrics\.ndjson: move the torn last line/)]);
		await store.run(intent, {clock: clockAt()});
		expect(listing(dir).filter(n => n.includes('.torn-'))).toEqual(['metrics.ndjson.torn-20261125T100000Z-abc123']);
		expect((await events(store, 'log.recovered'))[0]?.data).toMatchObject({quarantine: join(dir, 'metrics.ndjson.torn-20261125T100000Z-abc123')});
		expect(readFileSync(join(dir, 'metrics.ndjson'), 'utf8').endsWith(torn)).toBe(false);
	});

	it('a write of a live process that raced a lock breaker (a fresh grave whose holder lives) is left alone', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const live = grave(dir, 'write.lock.dead-12345678', process.pid);
		// A lock being made, its owner file opened and not yet written (or cut short there by a crash).
		const making = join(dir, 'leader.lock.new-12345678');
		mkdirSync(making);
		writeFileSync(join(making, 'owner'), '');
		await store.run(intent, {clock: clockAt()});
		expect(existsSync(join(live, 'owner'))).toBe(true);
		expect(existsSync(join(making, 'owner'))).toBe(true);
		expect(await store.repair({dryRun: true})).toMatchObject({actions: [], left: []});
		// Long past any stale window, each is debris whoever's pid it names, or none.
		for (const path of [live, making]) utimesSync(path, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
		await store.run(intent, {clock: clockAt()});
		expect(existsSync(live)).toBe(false);
		expect(existsSync(making)).toBe(false);
	});
});

describe('a lock its mover died moving, before its owner file held anything', () => {
	it('is swept by the next write when its name says its mover here is dead; left while young when the mover lives or is elsewhere', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const made = (name: string, owner?: string) => {
			mkdirSync(join(dir, name));
			if (owner !== undefined) writeFileSync(join(dir, name, 'owner'), owner);
			return join(dir, name);
		};
		const madeFile = (name: string) => {
			writeFileSync(join(dir, name), '');
			return join(dir, name);
		};
		const dead = deadPid();
		// Killed after the mkdir, inside the owner file's open, between the owner's unlink and the rmdir.
		const debris = [
			made(basename(moverName(join(dir, 'write.lock'), 'new', dead))),
			made(basename(moverName(join(dir, 'leader.lock'), 'new', dead)), ''),
			made(basename(moverName(join(dir, 'write.lock'), 'dead', dead))),
			// This calyx's lock file, killed between its open and its write.
			madeFile(basename(moverName(join(dir, 'write.lock'), 'new', dead))),
		];
		const ours = made(basename(moverName(join(dir, 'leader.lock'), 'new')), '');
		const oursToo = madeFile(basename(moverName(join(dir, 'write.lock'), 'new')));
		const elsewhere = made(`write.lock.new-${dead}-0badf00d-12345678`);
		await store.run(intent, {clock: clockAt()});
		for (const path of debris) expect(existsSync(path), path).toBe(false);
		expect(existsSync(ours)).toBe(true);
		expect(existsSync(oursToo)).toBe(true);
		expect(existsSync(elsewhere)).toBe(true);
		const swept = (await events(store, 'store.swept')).flatMap(e => e.data.removed as string[]);
		expect(swept.sort()).toEqual([...debris].sort());
	});
});

describe('what is named like debris but is not calyx\'s', () => {
	it('a link is not followed and not removed, another user\'s file is left, and each is reported', async () => {
		const dir = tempDir();
		const outside = tempDir();
		const {store} = await initStore(dir);
		const target = join(outside, 'precious');
		writeFileSync(target, 'keep me');
		mkdirSync(join(outside, 'lockish'));
		writeFileSync(join(outside, 'lockish', 'owner'), JSON.stringify({pid: deadPid(), host: hostname(), token: 'x'}));
		const links = [join(dir, '.state.json.4242.1.deadbeef.tmp'), join(dir, 'write.lock.dead-deadbeef'), join(dir, '.audit.ndjson.torn-20261125T100000Z-abc123.pending')];
		symlinkSync(target, links[0]!);
		symlinkSync(join(outside, 'lockish'), links[1]!);
		symlinkSync(target, links[2]!);
		const odd = grave(dir, 'write.lock.dead-0badf00d');
		writeFileSync(join(odd, 'notes'), 'not a lock file');
		const oddFile = join(dir, 'leader.lock.dead-0bad0004');
		writeFileSync(oddFile, 'my notes, not an owner record');
		utimesSync(oddFile, new Date(0), new Date(0));
		const theirs = join(dir, '.state.json.4243.1.deadbeef.tmp');
		writeFileSync(theirs, '{}');
		const root = process.geteuid?.() === 0;
		// Another user's locks on their way out: one in passage (its holder alive) is none of the sweep's business; a dead one is reported.
		const passing = grave(dir, 'leader.lock.dead-0bad0002', process.pid);
		const theirGrave = join(dir, 'leader.lock.dead-0bad0003');
		if (root) grave(dir, basename(theirGrave));
		if (root) for (const path of [theirs, passing, join(passing, 'owner'), theirGrave, join(theirGrave, 'owner')]) chownSync(path, 65534, 65534);

		const report = await store.repair({dryRun: true});
		expect(report.actions).toEqual(root ? [] : [expect.stringContaining(theirs)]);
		for (const link of links) expect(report.left).toContainEqual(expect.stringMatching(new RegExp(`^${link.replace(/[.]/g, '\\.')} is a symbolic link`)));
		expect(report.left).toContainEqual(expect.stringContaining(`${odd} holds notes`));
		expect(report.left).toContainEqual(expect.stringContaining(`${oddFile} holds what calyx does not put in a lock`));
		if (root) expect(report.left).toContainEqual(expect.stringContaining(`${theirs} belongs to uid 65534`));
		if (root) expect(report.left).toContainEqual(expect.stringContaining(`${theirGrave} belongs to uid 65534`));
		expect(report.left.join('\n')).not.toContain(passing);

		await store.run(intent, {clock: clockAt()});
		await store.repair();
		for (const link of links) expect(listing(dir)).toContain(link.slice(dir.length + 1));
		expect(readFileSync(target, 'utf8')).toBe('keep me');
		expect(existsSync(join(outside, 'lockish', 'owner'))).toBe(true);
		expect(existsSync(join(odd, 'notes'))).toBe(true);
		expect(readFileSync(oddFile, 'utf8')).toBe('my notes, not an owner record');
		expect(existsSync(theirs)).toBe(root);
	});

	it('a state.json.bak0 that is no older state is never rotated in: writes stop naming it, and it is reported', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent, {clock: clockAt()});
		const pending = join(dir, 'state.json.bak0');
		writeFileSync(pending, 'not a state');
		expect((await store.repair({dryRun: true})).left).toEqual([expect.stringContaining(`${pending} does not hold a state older than state.json`)]);
		const error = (await store.run(intent, {clock: clockAt()}).catch((e: unknown) => e)) as StoreError;
		expect([error.code, error.path]).toEqual(['UNSAFE', pending]);
		expect(readFileSync(pending, 'utf8')).toBe('not a state');
		// A link there stops every command at open, as at any other calyx name.
		await rm(pending);
		symlinkSync(join(dir, 'state.json'), pending);
		expect(((await openStore(dir).catch((e: unknown) => e)) as StoreError).code).toBe('UNSAFE');
	});

	it('names only exactly what calyx makes', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const near = ['.state.json.notes.tmp', '.state.json.1.1.DEADBEEF.tmp', 'write.lock.dead-', 'write.lock.dead-0badf00d0', '.state.json.bak0.tmp', '.metrics.ndjson.orphan-x.pending'];
		for (const n of near) writeFileSync(join(dir, n), 'mine');
		expect(await store.repair({dryRun: true})).toEqual({actions: [], left: [], applied: false});
		await store.run(intent, {clock: clockAt()});
		expect(listing(dir)).toEqual(expect.arrayContaining(near));
	});
});
