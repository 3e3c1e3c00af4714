import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {deploymentSummary, ManualClock, type State} from '../../src/core/index.js';
import type {ChangeNotice, DeploymentList} from '../../src/store/api.js';
import {auditKey, useStoreState, useWanted, type Snapshot, type StoreData, type Wants} from '../../src/ui/hooks/use-store-state.js';
import {FakeStore} from './helpers/fake-store.js';
import {waitFor} from './helpers/ink.js';
import {fixture} from './helpers/mount.js';

afterEach(() => cleanup());

/** Records every snapshot the hook hands to the screen, for what `wants` asks. */
function harness(store: FakeStore, wants: Wants, sameFrame?: (next: State) => boolean, unchanged?: StoreData['unchanged']['current'], patch?: StoreData['patch']['current']) {
	const seen: Snapshot[] = [];
	let reload = () => {};
	function Probe() {
		const data = useStoreState(store, 5);
		useWanted(data, wants);
		data.sameFrame.current = sameFrame;
		data.unchanged.current = unchanged;
		data.patch.current = patch;
		reload = data.reload;
		if (seen.at(-1) !== data.snapshot) seen.push(data.snapshot);
		return <Text>rev {data.snapshot.state?.rev ?? '-'}</Text>;
	}
	const r = render(<Probe />);
	return Object.assign(seen, {redraw: () => r.rerender(<Probe />), reload: () => reload()});
}

/** The file store's list index over the fake: the rows of the state as it stands, and the audit head each commit moves. */
class IndexedStore extends FakeStore {
	lists = 0;
	/** The deployments asked for with the list (an open detail's). */
	asked: string[] = [];
	/** Lists from the whole state, read for it (as the etcd store does). */
	whole = false;
	async listDeployments(opts: {deployment?: string} = {}): Promise<DeploymentList> {
		this.lists += 1;
		const deployment = opts.deployment === undefined ? undefined : this.state.deployments.find(d => d.id === opts.deployment);
		if (opts.deployment !== undefined) this.asked.push(opts.deployment);
		const one = deployment && {rev: this.state.rev, auditHead: this.state.auditHead, deployment};
		const source = this.whole ? {source: 'document' as const, state: this.state} : {source: 'index' as const};
		return {rev: this.state.rev, ...source, deployments: this.state.deployments.map(d => deploymentSummary(d)), ...(one ? {one} : {})};
	}
	override notify(what: ChangeNotice): void {
		this.state = {...this.state, auditHead: {seq: this.log.length, hash: this.log.at(-1)?.hash ?? ''}};
		super.notify(what);
	}
}

describe('reading the store for the screen', () => {
	// An engine cycle commits its samples and its tick together (src/drivers/engine-cycle.ts).
	it('brings one engine tick (its samples and the tick, one commit) as one snapshot: the state, the samples and the audit trail together', async () => {
		const fx = fixture();
		const store = new FakeStore(fx, new ManualClock(fx.clock.now()));
		const id = fx.dep.running;
		const wants: Wants = {samples: {deploymentId: id, limit: 60}, audit: [{deploymentId: id, limit: 8}]};
		const seen = harness(store, wants);
		const ready = await waitFor(
			() => seen.find(s => s.state && s.samples && s.audit[auditKey(wants.audit[0]!)]),
			() => 'the first snapshot with state, samples and audit',
		);
		const before = seen.length;
		const rev = ready.state!.rev;
		const sampleCount = ready.samples!.data.length;

		store.engineCycle();
		const next = await waitFor(
			() => seen.find(s => (s.state?.rev ?? 0) > rev),
			() => 'a snapshot after the tick',
		);
		expect(seen.length).toBe(before + 1);
		expect(next.state!.rev).toBe(rev + 1);
		expect(next.samples!.data.length).toBe(Math.min(60, sampleCount + 1));
		// The trail as it stands after the tick, read in the same pass.
		expect(next.audit[auditKey(wants.audit[0]!)]).toEqual(await store.audit({deploymentId: id, limit: 8}));
	});

	it('reads a scope the screen newly wants at once, without waiting for a change', async () => {
		const fx = fixture();
		const store = new FakeStore(fx, new ManualClock(fx.clock.now()));
		const seen = harness(store, {audit: [{limit: 500}]});
		const snap = await waitFor(
			() => seen.find(s => s.audit[auditKey({limit: 500})]),
			() => 'the audit pane read',
		);
		expect(snap.audit[auditKey({limit: 500})]!.length).toBe(store.log.length);
	});

	it('keeps the last state on screen and says why when a read fails', async () => {
		const fx = fixture();
		const store = new FakeStore(fx, new ManualClock(fx.clock.now()));
		const seen = harness(store, {audit: []});
		const first = await waitFor(() => seen.find(s => s.state), () => 'a first state');
		store.read = async () => {
			throw new Error('state file /srv/calyx/state.json is not valid JSON');
		};
		store.notify({state: true, audit: false, metrics: false});
		const failed = await waitFor(() => seen.find(s => s.error), () => 'a snapshot with the error');
		expect(failed.error).toContain('/srv/calyx/state.json');
		expect(failed.state).toBe(first.state);
	});

	it('hands a screen that paints itself every read, even one that would draw the same frame as ink\'s (it may have painted another since)', async () => {
		const fx = fixture();
		const store = new FakeStore(fx, new ManualClock(fx.clock.now()));
		const painted: number[] = [];
		// As a screen sets it: once a frame is on screen to paint over.
		let onScreen = false;
		const seen = harness(
			store,
			{audit: []},
			() => true,
			undefined,
			snap => {
				if (!onScreen) return false;
				painted.push(snap.state!.rev);
				return true;
			},
		);
		await waitFor(() => seen.find(s => s.state), () => 'a first state');
		onScreen = true;
		const drawn = seen.length;
		store.external({type: 'tick', actor: 'engine'});
		await waitFor(() => painted.includes(store.state.rev), () => 'the new state painted');
		expect(seen.length).toBe(drawn);
	});

	it('takes a state that would draw the same frame without drawing, and draws the next frame from it', async () => {
		const fx = fixture();
		const store = new FakeStore(fx, new ManualClock(fx.clock.now()));
		const asked: number[] = [];
		const seen = harness(store, {audit: []}, next => {
			asked.push(next.rev);
			return true;
		});
		const first = await waitFor(() => seen.find(s => s.state), () => 'a first state');
		const drawn = seen.length;
		store.external({type: 'tick', actor: 'engine'});
		await waitFor(() => asked.includes(store.state.rev), () => 'the screen asked about the new state');
		// Not drawn: no snapshot was handed over for it.
		expect(seen.length).toBe(drawn);
		expect(seen.at(-1)!.state).toBe(first.state);
		seen.redraw();
		expect(seen.at(-1)!.state!.rev).toBe(store.state.rev);
	});

	it('does not read a state the list index shows would draw the same screen, but reads once the audit trail grew, and when asked', async () => {
		const fx = fixture();
		const store = new IndexedStore(fx, new ManualClock(fx.clock.now()));
		const checked: number[] = [];
		const seen = harness(store, {audit: []}, undefined, (list, held) => {
			checked.push(list.rev);
			expect(held.rev).toBeLessThan(list.rev);
			return true;
		});
		// The first read is a read, whatever the index says: the state may have moved before the watch.
		await waitFor(() => store.reads > 0 && seen.at(-1)?.state, () => 'the first read');
		const reads = store.reads;
		// Ticks that record samples and bake time only: nothing in the audit trail.
		const quietTick = () => {
			store.state = {...store.state, rev: store.state.rev + 1};
			store.notify({state: true, audit: false, metrics: true});
		};
		quietTick();
		await waitFor(() => checked.includes(store.state.rev), () => 'the index asked about the tick');
		quietTick();
		await waitFor(() => checked.includes(store.state.rev), () => 'the index asked about the next tick');
		expect(store.reads).toBe(reads);

		// Another process's command: the trail grew, so the state is read, index or not, until one recording it is in.
		store.external({type: 'canary.halt', id: fx.dep.running, reason: 'from another terminal', actor: 'human:bob'});
		await waitFor(() => seen.at(-1)!.state!.rev === store.state.rev, () => 'the halt drawn');
		expect(store.reads).toBeGreaterThan(reads);
		const after = store.reads;
		quietTick();
		await waitFor(() => checked.includes(store.state.rev), () => 'the index asked again after the halt');
		expect(store.reads).toBe(after);

		// After an action the console reads, whatever the index says.
		seen.reload();
		await waitFor(() => store.reads > after, () => 'the read asked for');
	});

	it('takes the state a store read whole to list its deployments (etcd\'s) as the read: a changed screen does not read it twice', async () => {
		const fx = fixture();
		const store = new IndexedStore(fx, new ManualClock(fx.clock.now()));
		store.whole = true;
		const seen = harness(store, {audit: []}, undefined, () => false);
		await waitFor(() => store.reads > 0 && seen.at(-1)?.state, () => 'the first read');
		const reads = store.reads;
		const lists = store.lists;
		store.state = {...store.state, rev: store.state.rev + 1};
		store.notify({state: true, audit: false, metrics: true});
		const next = await waitFor(() => seen.find(s => s.state?.rev === store.state.rev), () => 'the tick drawn');
		expect(store.lists).toBe(lists + 1);
		expect(store.reads).toBe(reads);
		expect(next.state!.deployments.map(d => d.id)).toEqual(store.state.deployments.map(d => d.id));
	});

	it('with a detail open, reads only its deployment (and its samples) while the index shows no other row changed, and the whole state once one did', async () => {
		const fx = fixture();
		const store = new IndexedStore(fx, new ManualClock(fx.clock.now()));
		const id = fx.dep.running;
		// The head the index's store moves with each commit, already in the state held.
		store.state = {...store.state, auditHead: {seq: store.log.length, hash: store.log.at(-1)?.hash ?? ''}};
		const seen = harness(store, {samples: {deploymentId: id, limit: 60}, audit: []});
		const first = await waitFor(() => store.reads > 0 && seen.find(s => s.state && s.samples), () => 'the first read, with the samples');
		const reads = store.reads;
		// An engine tick that records a sample and rewrites every live deployment, none of their rows.
		const tick = (change: (d: State['deployments'][number]) => State['deployments'][number]) => {
			const sample = {...store.metricLog.get(id)!.at(-1)!, at: new Date(fx.clock.now() + 1000 * (store.state.rev + 1)).toISOString()};
			store.metricLog.set(id, [...store.metricLog.get(id)!, sample]);
			store.state = {...store.state, rev: store.state.rev + 1, deployments: store.state.deployments.map(change)};
			store.notify({state: true, audit: false, metrics: true});
		};
		tick(d => ({...d, sampleCount: d.sampleCount + 1}));
		const next = await waitFor(() => seen.find(s => s.state?.rev === store.state.rev), () => 'the tick drawn');
		expect(store.reads).toBe(reads);
		expect(store.asked).toEqual([id]);
		const shown = next.state!.deployments.find(d => d.id === id)!;
		expect(shown.sampleCount).toBe(store.state.deployments.find(d => d.id === id)!.sampleCount);
		expect(next.samples!.data.length).toBe(first.samples!.data.length + 1);
		// The others stand as held: only their rows are on screen, and those did not change.
		const other = next.state!.deployments.find(d => d.id !== id)!;
		expect(other).toBe(first.state!.deployments.find(d => d.id === other.id));

		// Another deployment's row changes (its tier): the whole state is read.
		const moved = store.state.deployments.find(d => d.id !== id)!.id;
		tick(d => (d.id === moved ? {...d, percent: d.percent + 1} : d));
		await waitFor(() => seen.find(s => s.state?.rev === store.state.rev), () => 'the moved row drawn');
		expect(store.reads).toBe(reads + 1);
	});

	it('reads whole a state file that changed while its rev did not (a hand edit, a copy put back, damage), list or detail, whatever the rows say', async () => {
		for (const wants of [{audit: []}, {samples: {deploymentId: fixture().dep.running, limit: 60}, audit: []}] as Wants[]) {
			const fx = fixture();
			const store = new IndexedStore(fx, new ManualClock(fx.clock.now()));
			store.state = {...store.state, auditHead: {seq: store.log.length, hash: store.log.at(-1)?.hash ?? ''}};
			const asked: number[] = [];
			const seen = harness(store, wants, undefined, list => (asked.push(list.rev), true));
			await waitFor(() => store.reads > 0 && seen.at(-1)?.state, () => 'the first read');
			const reads = store.reads;
			// The rows as they were, one deployment's line edited by hand: the rev stays.
			const edited = store.state.deployments.find(d => d.id !== fx.dep.running)!.id;
			const count = store.state.deployments.find(d => d.id === edited)!.sampleCount + 1000;
			store.state = {...store.state, deployments: store.state.deployments.map(d => (d.id === edited ? {...d, sampleCount: count} : d))};
			store.notify({state: true, audit: false, metrics: false});
			const next = await waitFor(() => seen.find(s => s.state?.deployments.find(d => d.id === edited)?.sampleCount === count), () => 'the edit drawn');
			expect(store.reads).toBe(reads + 1);
			// Not judged by the rows: the screen's own check was never asked.
			expect(asked).toEqual([]);
			expect(next.state!.rev).toBe(store.state.rev);
		}
	});
});
