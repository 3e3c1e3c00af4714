import {existsSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {deploymentSummary, deploymentView, runDrill, type Command} from '../../src/core/index.js';
import {initStore, openStore, type BatchStore} from '../../src/store/index.js';
import {settleAllTargets} from '../target.js';
import {clockAt, healthy, listing, seedCanary, sha, tempDir} from './helpers.js';


/** The list as the index gives it equals the list computed from a full read, in this store and a fresh one. */
async function agree(store: BatchStore, now: number) {
	const list = await store.listDeployments();
	const state = await store.read();
	// Those that ended are read from the archive (oldest archived first), then the live ones.
	const all = [...(await store.recentlyEnded(Number.MAX_SAFE_INTEGER)).reverse().map(r => r.deployment), ...state.deployments];
	expect(list.source).toBe('index');
	expect(list.rev).toBe(state.rev);
	expect(list.deployments).toEqual(all.map(d => deploymentSummary(d)));
	// The worst column is the one the status view shows, whatever the time.
	expect(list.deployments.map(d => d.worst)).toEqual(all.map(d => deploymentView(state, d, now).worst));
	expect(await (await openStore(store.dir)).listDeployments()).toEqual(list);
	// The rows alone (what the console asks each second) are the same rows, from the document's first bytes.
	const rows = await store.listDeployments({archived: false, checked: false});
	expect(rows).toEqual({source: 'rows', rev: state.rev, deployments: state.deployments.map(d => deploymentSummary(d))});
	return list;
}

async function seeded() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const clock = clockAt();
	const {deploymentId} = await seedCanary(store, clock);
	return {dir, store, clock, deploymentId};
}

describe('the deployments list the document carries', () => {
	it('agrees with the full read after every kind of change, and is what the list is read from', async () => {
		const {store, clock, deploymentId} = await seeded();
		const worst = new Set<string>();
		const step = async (cmd: Command) => {
			clock.advance(1000);
			await store.run(cmd, {clock});
			for (const d of (await agree(store, clock.now())).deployments) worst.add(d.worst);
		};
		for (const d of (await agree(store, clock.now())).deployments) worst.add(d.worst);
		await step({actor: 'human:alice', type: 'metrics.record', id: deploymentId, sample: healthy});
		await step({actor: 'human:alice', type: 'metrics.record', id: deploymentId, sample: {...healthy, tesDelta: -3}});
		expect((await store.read()).deployments[0]!.status).toBe('holding');
		await step({actor: 'human:alice', type: 'canary.halt', id: deploymentId, reason: 'pager'});
		await step({actor: 'human:alice', type: 'canary.resume', id: deploymentId, reason: 'not us'});
		await step({actor: 'human:alice', type: 'metrics.record', id: deploymentId, sample: {...healthy, errorRate: 3}});
		// The critical decides the rollback; the list shows it under way until the target confirms the revert.
		expect((await store.read()).deployments[0]!.status).toBe('rolling_back');
		await settleAllTargets(store, clock);
		for (const d of (await agree(store, clock.now())).deployments) worst.add(d.worst);
		expect((await store.deployment(deploymentId))?.deployment.status).toBe('rolled_back');
		const many = runDrill();
		// Ids of their own: the drill's clock made the same day's ids as the seed's.
		const drilled = many.state.deployments.map((d, i) => ({...d, id: `DEP-20200101-${String(i + 1).padStart(3, '0')}`}));
		await store.mutate(state => ({state: {...state, deployments: [...state.deployments, ...drilled]}, events: [], result: null}));
		const list = await agree(store, clock.now());
		for (const d of list.deployments) worst.add(d.worst);
		expect(list.deployments).toHaveLength(1 + many.state.deployments.length);
		expect(new Set(list.deployments.map(d => d.status))).toEqual(new Set(['rolled_back', 'completed']));
		expect([...worst].sort()).toEqual(['critical', 'none', 'ok', 'warning']);
	});

	it('is the document\'s own: a copy carries it, a deployment edited by hand is caught and the list comes from the document', async () => {
		const {dir, store, deploymentId} = await seeded();
		const state = join(dir, 'state.json');
		// Same bytes, another file (a copy put in place, a restored directory): the rows describe these bytes.
		writeFileSync(`${state}.copy`, readFileSync(state));
		renameSync(`${state}.copy`, state);
		expect(await (await openStore(dir)).listDeployments()).toMatchObject({source: 'index', deployments: [{id: deploymentId, status: 'running'}]});
		// Edited in place, the row left as it was: its digest no longer matches the deployment's line,
		// for a store that read the rows before (and keeps what it made of them) as for a new one.
		expect((await store.listDeployments()).source).toBe('index');
		writeFileSync(state, readFileSync(state, 'utf8').replace(/^(\{"id":"DEP.*)"status":"running"/m, '$1"status":"halted"'));
		for (const reader of [store, await openStore(dir)]) expect(await reader.listDeployments()).toMatchObject({source: 'document', deployments: [{id: deploymentId, status: 'halted'}]});
	});

	it('an index file an older calyx left beside the document is not read, and the next write removes it, audited', async () => {
		const {dir, store, clock, deploymentId} = await seeded();
		const old = join(dir, 'deployments.index.json');
		writeFileSync(old, '{"version":1,"rev":1,"deployments":[]}');
		await agree(store, clock.now());
		expect(existsSync(old)).toBe(true);
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'pager'}, {clock});
		await agree(store, clock.now());
		expect(existsSync(old)).toBe(false);
		const swept = (await store.audit()).filter(e => e.kind === 'store.swept');
		expect(swept.flatMap(e => e.data.removed as string[])).toEqual([old]);
	});

	/** Applies `damage` to the list's lines only (between `,"list":[` and its `]`). */
	const inRows = (text: string, damage: (rows: string) => string) => text.replace(/(,"list":\[\n)([\s\S]*?\n)(\]\n)/, (_m, open: string, rows: string, close: string) => open + damage(rows) + close);
	const DAMAGE: Array<[string, (text: string) => string]> = [
		['a row with an unknown status', text => inRows(text, rows => rows.replace('"running"', '"exploded"'))],
		['a row missing a field', text => inRows(text, rows => rows.replace('"none",', ''))],
		['a row with a bad time', text => inRows(text, rows => rows.replace(/"[^"]+",(null|"[a-z]+")\]\n/, '"yesterday",$1]\n'))],
		['a row with an unknown target state', text => inRows(text, rows => rows.replace(/,(null|"[a-z]+")\]\n/, ',"exploded"]\n'))],
		['a row that is not JSON', text => inRows(text, rows => rows.replace(/\]\n$/, '\n'))],
		['its columns in another order', text => inRows(text, rows => rows.replace('"from","to"', '"to","from"'))],
		['a row whose digest is not its deployment\'s', text => inRows(text, rows => rows.replace(/,\["(.)/, (_m, c: string) => `,["${c === 'A' ? 'B' : 'A'}`))],
		['a row too many', text => inRows(text, rows => `${rows},${rows.split('\n')[1]!.slice(1)}\n`)],
		// Valid values, the digest left as written: the row no longer says what its deployment is.
		['a row edited to another status, its digest kept', text => inRows(text, rows => rows.replace('"running"', '"completed"'))],
		['a row edited to another version, its digest kept', text => inRows(text, rows => rows.replace(/("DEP-[0-9-]+","[a-z-]+",)"[^"]+"/, '$1"9.9.9"'))],
		['a row naming another deployment, its digest kept', text => inRows(text, rows => rows.replace(/"DEP-[0-9]+-([0-9]+)"/, '"DEP-20990101-$1"'))],
		['no list at all (an older calyx)', text => text.replace(/,"list":\[\n[\s\S]*?\n\]\n/, '')],
		['pretty-printed by hand', text => JSON.stringify(JSON.parse(text), null, 2)],
	];
	for (const [name, damage] of DAMAGE) {
		it(`${name}: the rows are not used, the list comes from the document, and reading writes nothing`, async () => {
			const {dir, store} = await seeded();
			const truth = (await store.read()).deployments.map(d => deploymentSummary(d));
			const state = join(dir, 'state.json');
			const damaged = damage(readFileSync(state, 'utf8'));
			expect(damaged).not.toBe(readFileSync(state, 'utf8'));
			writeFileSync(state, damaged);
			const files = Object.fromEntries(listing(dir).map(f => [f, sha(join(dir, f))]));
			const list = await (await openStore(dir)).listDeployments();
			const rev = (await store.read()).rev;
			expect(list).toEqual({source: 'document', rev, deployments: truth});
			// The rows alone are taken as written (their digests unchecked, the deployments not counted), or
			// not at all: the console that asks so reads whole a file changed at the same rev (use-store-state.ts).
			const edited = name.endsWith('its digest kept');
			const asWritten = name.startsWith('a row whose digest') || name === 'a row too many' || edited;
			const rows = await (await openStore(dir)).listDeployments({archived: false, checked: false});
			if (asWritten) expect(rows).toMatchObject({source: 'rows', rev, ...(edited ? {} : {deployments: expect.arrayContaining(truth)})});
			else expect(rows).toEqual({source: 'document', rev, deployments: truth, state: await store.read()});
			expect(Object.fromEntries(listing(dir).map(f => [f, sha(join(dir, f))]))).toEqual(files);
		});
	}

	it('read alone, the rows come from the first bytes: past the first read (16 KB) in more reads, and a document damaged after them is not read', async () => {
		const {dir, store} = await seeded();
		const many = runDrill().state.deployments.filter(d => d.status === 'completed');
		// 500 live rows, about 85 KB of them: the first read of 16 KB, then 32, 64 and 128 KB.
		const live = Array.from({length: 500}, (_, i) => ({...many[i % many.length]!, status: 'running' as const, endedAt: undefined, id: `DEP-20200101-${String(i + 1).padStart(3, '0')}`}));
		await store.mutate(state => ({state: {...state, deployments: [...state.deployments, ...live]}, events: [], result: null}));
		const state = await store.read();
		const rows = await (await openStore(dir)).listDeployments({archived: false, checked: false});
		expect(rows).toEqual({source: 'rows', rev: state.rev, deployments: state.deployments.map(d => deploymentSummary(d))});
		const text = readFileSync(join(dir, 'state.json'), 'utf8');
		expect(text.indexOf('\n]\n')).toBeGreaterThan(65_536);
		// Cut short after its rows (a disk error, a hand edit): the rows still read; the checked list refuses.
		writeFileSync(join(dir, 'state.json'), text.slice(0, text.indexOf(',"deployments":[')));
		expect(await (await openStore(dir)).listDeployments({archived: false, checked: false})).toEqual(rows);
		await expect((await openStore(dir)).listDeployments({archived: false})).rejects.toMatchObject({code: 'CORRUPT'});
	});

	it('never hides a problem with the document itself', async () => {
		const {dir, store} = await seeded();
		writeFileSync(join(dir, 'state.json'), '{"schemaVersion":2,"rev":');
		await expect(store.listDeployments()).rejects.toMatchObject({name: 'StoreError', code: 'CORRUPT'});
		rmSync(join(dir, 'state.json'));
		await expect(store.listDeployments()).rejects.toMatchObject({name: 'StoreError', code: 'NOT_INITIALISED'});
	});

	it('a temp file an older calyx\'s list index left is swept by the next write, not by opening', async () => {
		const {dir, store} = await seeded();
		const stray = join(dir, '.deployments.index.json.4242.1.deadbeef.tmp');
		writeFileSync(stray, '{"version":1,');
		await openStore(dir);
		expect(existsSync(stray)).toBe(true);
		await store.mutate(state => ({state, events: [], result: undefined}));
		expect(existsSync(stray)).toBe(false);
	});
});
