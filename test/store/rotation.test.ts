import {linkSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {initStore, openStore, type StoreError} from '../../src/store/index.js';
import {clockAt, listing, sha, tempDir} from './helpers.js';
import {fault} from './rename-fault.js';

vi.mock('node:fs/promises', async importOriginal => (await import('./rename-fault.js')).withFailingRename(await importOriginal()));
afterEach(() => (fault.failRename = undefined));

const intent = (title: string) => ({type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title});
const revOf = (dir: string, file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as {rev: number}).rev;
const revs = (dir: string) => ['state.json', 'state.json.bak1', 'state.json.bak2'].map(f => revOf(dir, f));

async function threeWrites() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	for (const t of ['a', 'b', 'c']) await store.run(intent(t), {clock: clockAt()});
	expect(revs(dir)).toEqual([3, 2, 1]);
	return {dir, store};
}

describe('backups rotate only once the new state is current', () => {
	it('a commit whose rename fails leaves state.json and both backups as they were, and no debris', async () => {
		const {dir, store} = await threeWrites();
		const before = {state: sha(join(dir, 'state.json')), bak1: sha(join(dir, 'state.json.bak1')), files: listing(dir)};
		fault.failRename = (from, to) => from.endsWith('.tmp') && to.endsWith('/state.json');
		const error = (await store.run(intent('d'), {clock: clockAt()}).catch((e: unknown) => e)) as StoreError;
		expect(error.code).toBe('IO');
		expect(error.message).toContain('injected');
		// bak1 is still the previous good document, not a second copy of the current one.
		expect(revs(dir)).toEqual([3, 2, 1]);
		expect({state: sha(join(dir, 'state.json')), bak1: sha(join(dir, 'state.json.bak1')), files: listing(dir)}).toEqual(before);
		fault.failRename = undefined;
		// The failed commit's audit lines (rev 4) are recorded as not taken effect (rev 5), then it commits.
		expect((await store.run(intent('d'), {clock: clockAt()})).rev).toBe(6);
		expect(revs(dir)).toEqual([6, 5, 3]);
	});

	it('a rotation cut short after the commit is finished by the next repair, which records the moves', async () => {
		const {dir, store} = await threeWrites();
		fault.failRename = from => from.endsWith('.bak0');
		// The commit happened: a failed rotation does not fail the write.
		expect((await store.run(intent('d'), {clock: clockAt()})).rev).toBe(4);
		fault.failRename = undefined;
		expect(revOf(dir, 'state.json.bak0')).toBe(3);
		expect(listing(dir)).not.toContain('state.json.bak1');
		const dry = await store.repair({dryRun: true});
		expect(dry.actions).toEqual([expect.stringMatching(/^finish the backup rotation a crash cut short: .*state\.json\.bak0 \(the previous state\) becomes .*state\.json\.bak1/)]);
		await store.repair();
		// The repair's own commit (rev 5) keeps rev 4; the rev 3 the cut-short rotation held is next.
		expect(revs(dir)).toEqual([5, 4, 3]);
		expect(listing(dir)).not.toContain('state.json.bak0');
		const swept = (await store.audit()).find(e => e.kind === 'store.swept');
		expect(swept?.data).toMatchObject({moved: [{from: join(dir, 'state.json.bak1'), to: join(dir, 'state.json.bak2')}, {from: join(dir, 'state.json.bak0'), to: join(dir, 'state.json.bak1')}]});
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('a crash between the backup link and the rename: the next write reuses the link and removes the temp, audited', async () => {
		const {dir, store} = await threeWrites();
		linkSync(join(dir, 'state.json'), join(dir, 'state.json.bak0'));
		const temp = join(dir, `.state.json.4242.7.0badc0de.tmp`);
		writeFileSync(temp, '{"half":');
		const reopened = await openStore(dir);
		expect((await reopened.run(intent('d'), {clock: clockAt()})).rev).toBe(5);
		expect(revs(dir)).toEqual([5, 4, 3]);
		expect(listing(dir).filter(n => n.endsWith('.tmp') || n.endsWith('.bak0'))).toEqual([]);
		const swept = (await reopened.audit()).find(e => e.kind === 'store.swept');
		expect(swept).toMatchObject({rev: 4, data: {removed: [temp]}});
	});

	it('a state file that does not load names the pending backup a cut-short rotation left', async () => {
		const {dir, store} = await threeWrites();
		fault.failRename = from => from.endsWith('.bak0');
		await store.run(intent('d'), {clock: clockAt()});
		fault.failRename = undefined;
		writeFileSync(join(dir, 'state.json'), '{');
		const error = (await (await openStore(dir)).read().catch((e: unknown) => e)) as StoreError;
		expect(error.detail.backup).toBe(join(dir, 'state.json.bak0'));
	});
});
