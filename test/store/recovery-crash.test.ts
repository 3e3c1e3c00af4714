import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {initStore, openStore} from '../../src/store/index.js';
import {clockAt, tempDir} from './helpers.js';
import {fault} from './rename-fault.js';

vi.mock('node:fs/promises', async importOriginal => (await import('./rename-fault.js')).withFailingRename(await importOriginal()));
afterEach(() => (fault.failRename = undefined));

const intent = (title: string) => ({type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title});
const revsOf = (dir: string) => readFileSync(join(dir, 'audit.ndjson'), 'utf8').split('\n').filter(Boolean).map(l => (JSON.parse(l) as {rev: number}).rev);
/** Every write stops before its commit point: the document is never renamed into place. */
const stopBeforeCommitPoint = () => (fault.failRename = (from, to) => from.endsWith('.tmp') && to.endsWith('/state.json'));

/**
 * One committed write, then a commit stopped with its audit line durable and its document not in
 * place, then the next writer, whose recovery (adopting that line) is stopped the same way.
 */
async function twoWritesStopped(): Promise<string> {
	const dir = tempDir();
	const {store} = await initStore(dir);
	await store.run(intent('committed'), {clock: clockAt()});
	stopBeforeCommitPoint();
	await expect(store.run(intent('cut short'), {clock: clockAt()})).rejects.toThrow(/injected/);
	const second = await openStore(dir);
	await expect(second.run(intent('also cut short'), {clock: clockAt()})).rejects.toThrow(/injected/);
	return dir;
}

describe('a recovery stopped before its commit point, after a commit stopped before its own', () => {
	it('is recognised whole by the next writer, which adopts both and goes on; nothing committed is lost', async () => {
		const dir = await twoWritesStopped();
		expect(new Set(revsOf(dir)).size).toBe(3);
		fault.failRename = undefined;
		// Two revisions past the head, but one span its marker names: adopted, not refused.
		const third = await openStore(dir);
		const {rev} = await third.run(intent('goes on'), {clock: clockAt()});
		const state = await third.read();
		expect(state.intents.map(i => i.title)).toEqual(['committed', 'goes on']);
		expect(rev).toBeGreaterThan(Math.max(...revsOf(dir).slice(0, -1)));
		const recovered = (await third.audit()).filter(e => e.kind === 'store.recovered');
		expect(recovered.at(-1)!.reason).toMatch(/did not take effect/);
		expect(await third.verifyAudit()).toMatchObject({ok: true});
		expect(await third.repair({dryRun: true})).toMatchObject({actions: [], left: []});
	});

	it('still refuses lines of two revisions that no marker names', async () => {
		const dir = await twoWritesStopped();
		fault.failRename = undefined;
		// The marker replaced by one that names only the last commit's own lines (as before this fix).
		const marker = join(dir, 'commit.json');
		const m = JSON.parse(readFileSync(marker, 'utf8')) as {from: unknown; hashes: string[]};
		const lines = readFileSync(join(dir, 'audit.ndjson'), 'utf8').split('\n').filter(Boolean);
		const firstOrphan = JSON.parse(lines.at(-2)!) as {seq: number; hash: string};
		writeFileSync(marker, JSON.stringify({...m, from: {seq: firstOrphan.seq, hash: firstOrphan.hash}, hashes: m.hashes.slice(-1)}).padEnd(4095) + '\n');
		const third = await openStore(dir);
		await expect(third.run(intent('refused'), {clock: clockAt()})).rejects.toMatchObject({code: 'AUDIT_MISMATCH'});
	});
});
