import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {ManualClock, type State} from '../../src/core/index.js';
import {auditKey, useStoreState, useWanted, type Snapshot, type Wants} from '../../src/ui/hooks/use-store-state.js';
import {FakeStore} from './helpers/fake-store.js';
import {waitFor} from './helpers/ink.js';
import {fixture} from './helpers/mount.js';

afterEach(() => cleanup());

/** Records every snapshot the hook hands to the screen, for what `wants` asks. */
function harness(store: FakeStore, wants: Wants, sameFrame?: (next: State) => boolean) {
	const seen: Snapshot[] = [];
	function Probe() {
		const data = useStoreState(store, 5);
		useWanted(data, wants);
		data.sameFrame.current = sameFrame;
		if (seen.at(-1) !== data.snapshot) seen.push(data.snapshot);
		return <Text>rev {data.snapshot.state?.rev ?? '-'}</Text>;
	}
	const r = render(<Probe />);
	return Object.assign(seen, {redraw: () => r.rerender(<Probe />)});
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
});
