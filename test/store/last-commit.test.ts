import {appendFileSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore} from '../../src/store/index.js';
import {documentIdentity} from '../../src/store/file-id.js';
import {LastCommit, logSizes} from '../../src/store/last-commit.js';
import {sampleLines} from '../../src/store/metrics-log.js';
import {storePaths} from '../../src/store/paths.js';
import {clockAt, healthy, seedCanary, tempDir} from './helpers.js';

/** A store that has just committed: its next write would skip the log tails it left as they were. */
async function justCommitted() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const {deploymentId} = await seedCanary(store);
	const record = () => store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: healthy}, {clock: clockAt()});
	await record();
	return {dir, store, deploymentId, record};
}

describe('a store that has just committed, at its next write', () => {
	it('still finds the lines of another writer that crashed before saving its state', async () => {
		const {dir, store, deploymentId, record} = await justCommitted();
		const {rev} = await store.read();
		appendFileSync(join(dir, 'metrics.ndjson'), sampleLines([{deploymentId, sample: {at: '2026-11-25T10:00:00.000Z', cpu: 99}}], rev + 1));
		await record();
		const [recovered] = await store.audit({limit: 1});
		expect(recovered).toMatchObject({kind: 'store.recovered', data: {orphanRev: rev + 1, samples: 1}});
		expect(readFileSync(recovered!.data.quarantine as string, 'utf8')).toContain('"cpu":99');
		expect((await store.samples(deploymentId)).some(s => s.cpu === 99)).toBe(false);
	});

	it('still finds a torn line, and a temp file a dead writer left', async () => {
		const {dir, store, record} = await justCommitted();
		appendFileSync(join(dir, 'metrics.ndjson'), '{"rev":');
		writeFileSync(join(dir, '.state.json.999999.1.deadbeef.tmp'), '{');
		await record();
		const kinds = (await store.audit({limit: 2})).map(e => e.kind);
		expect(kinds).toEqual(['log.recovered', 'store.swept']);
		expect((await store.verifyAudit()).ok).toBe(true);
	});
});

describe('LastCommit', () => {
	async function left() {
		const dir = tempDir();
		await initStore(dir);
		const paths = storePaths(dir);
		const logs = [paths.audit, paths.metrics];
		writeFileSync(paths.metrics, '{"rev":1}\n');
		const last = new LastCommit();
		const {id} = await documentIdentity(paths);
		last.left(id, await logSizes(logs), new Map([[paths.metrics, 0]]));
		return {paths, logs, last, id};
	}

	it('says unchanged only for the same document and every log at the inode and size it left', async () => {
		const {logs, last, id} = await left();
		expect(last.unchanged(id, await logSizes(logs))).toBe(true);
	});

	it('is asked once: a second write checks in full unless the first left its record again', async () => {
		const {logs, last, id} = await left();
		last.unchanged(id, await logSizes(logs));
		expect(last.unchanged(id, await logSizes(logs))).toBe(false);
	});

	it('sees a log replaced by another file of the same size', async () => {
		const {paths, logs, last, id} = await left();
		writeFileSync(`${paths.metrics}.new`, '{"rev":2}\n');
		renameSync(`${paths.metrics}.new`, paths.metrics);
		expect(last.unchanged(id, await logSizes(logs))).toBe(false);
	});

	it('sees a log that was created, grew or was cut, and another document', async () => {
		const {paths, logs, last, id} = await left();
		appendFileSync(paths.audit, '');
		expect(last.unchanged(id, await logSizes(logs))).toBe(false);
		const again = await left();
		appendFileSync(again.paths.metrics, '{"rev":2}\n');
		expect(again.last.unchanged(again.id, await logSizes(again.logs))).toBe(false);
		const other = await left();
		expect(other.last.unchanged({...other.id, ino: other.id.ino + 1n}, await logSizes(other.logs))).toBe(false);
	});

	it('does not vouch for a log the commit created (its inode was never read)', async () => {
		const {paths, logs, id} = await left();
		const last = new LastCommit();
		const before = await logSizes(logs);
		appendFileSync(paths.audit, '{"seq":1}\n');
		last.left(id, before, new Map([[paths.audit, 10]]));
		expect(last.unchanged(id, await logSizes(logs))).toBe(false);
	});
});
