import {render} from 'ink-testing-library';
import {ManualClock} from '../../../src/core/index.js';
import ConsoleApp, {type ConsoleAppProps} from '../../../src/ui/app.js';
import {FakeStore, fakeEngine} from './fake-store.js';
import {FakeTargets} from './fake-targets.js';
import {buildFixture, type Fixture} from './fixture.js';
import {inputReady, waitForFrame, type Rendered} from './ink.js';

const fixtures = new Map<number, Fixture>();

/** Fixtures are built once per size and file: the engine and Ed25519 keys make them the slow part. */
export function fixture(fillers = 0): Fixture {
	let f = fixtures.get(fillers);
	if (!f) {
		f = buildFixture({fillers});
		fixtures.set(fillers, f);
	}
	return f;
}

/**
 * Wall time as a person typing sees it: every key a second after the last, so neither the
 * split-escape guard nor the typeahead guard fires. Tests of those guards pass their own clock.
 */
export function typist(): () => number {
	let t = 0;
	return () => (t += 1000);
}

export interface Mounted {
	r: Rendered;
	store: FakeStore;
	fx: Fixture;
	engine: ReturnType<typeof fakeEngine>;
	clock: ManualClock;
	targets: FakeTargets;
}

/**
 * The console over a fake store and its simulated fleet, at a given size, ready for keys.
 * `targets` adjusts the fake targets before the first frame (hold its reads, ...).
 */
export async function mount(
	opts: {fillers?: number; size?: {columns: number; rows: number}; props?: Partial<ConsoleAppProps>; store?: FakeStore; targets?: (t: FakeTargets) => void} = {},
): Promise<Mounted> {
	const fx = fixture(opts.fillers ?? 0);
	// Each console gets its own clock: a test that moves time must not move the next test's.
	const clock = new ManualClock(fx.clock.now());
	const store = opts.store ?? new FakeStore(fx, clock);
	const targets = new FakeTargets(store, clock);
	opts.targets?.(targets);
	const engine = fakeEngine();
	const r = render(
		<ConsoleApp
			store={store}
			dataDir="/srv/calyx"
			readonly={false}
			engine={engine}
			clock={clock}
			actor="human:alice"
			identity={fx.keys.human}
			size={opts.size ?? {columns: 100, rows: 30}}
			tickMs={50}
			coalesceMs={10}
			wallClock={typist()}
			targets={targets}
			{...opts.props}
		/>,
	);
	await waitForFrame(r, 'DEPLOYMENT');
	await inputReady(r);
	return {r, store, fx, engine, clock, targets};
}
