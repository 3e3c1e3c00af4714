import {existsSync, readFileSync} from 'node:fs';
import {open} from 'node:fs/promises';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {initStore} from '../../src/store/index.js';
import {readMarker} from '../../src/store/commit-marker.js';
import {clockAt, sha, tempDir} from './helpers.js';

const intent = (title: string) => ({type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title});

/** FileHandle's prototype: only the commit marker datasyncs (the logs and the document fsync). */
async function fileHandleProto(dir: string) {
	const fh = await open(join(dir, 'state.json'), 'r');
	await fh.close();
	return Object.getPrototypeOf(fh) as {datasync(): Promise<void>};
}

afterEach(() => vi.restoreAllMocks());

describe('the commit marker', () => {
	it('is durable before a byte of the audit append is written: a marker that cannot be synced stops the commit with the log untouched', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent('first'), {clock: clockAt()});
		const audit = join(dir, 'audit.ndjson');
		const before = {audit: sha(audit), state: sha(join(dir, 'state.json'))};
		vi.spyOn(await fileHandleProto(dir), 'datasync').mockRejectedValueOnce(Object.assign(new Error('injected: datasync'), {code: 'EIO'}));
		await expect(store.run(intent('second'), {clock: clockAt()})).rejects.toThrow(/injected: datasync/);
		expect({audit: sha(audit), state: sha(join(dir, 'state.json'))}).toEqual(before);
		// Nothing to recover: the next write goes on from the same head.
		const {rev, events} = await store.run(intent('third'), {clock: clockAt()});
		expect(rev).toBe(2);
		expect(events.map(e => e.kind)).toEqual(['intent.created']);
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('names the lines a commit appends: the marker of the last commit ends where the log does', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {events} = await store.run(intent('one'), {clock: clockAt()});
		const marker = await readMarker(join(dir, 'commit.json'));
		expect(marker).toMatchObject({rev: 1, from: {seq: 0}, to: {seq: 1, hash: events[0]!.hash}, hashes: [events[0]!.hash]});
		expect(readFileSync(join(dir, 'audit.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(1);
		expect(existsSync(join(dir, 'commit.json'))).toBe(true);
	});
});
