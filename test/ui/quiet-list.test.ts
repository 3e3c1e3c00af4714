import {describe, expect, it} from 'vitest';
import {deploymentSummary, WATCH_GAP_MS, type Deployment, type State} from '../../src/core/index.js';
import type {DeploymentList} from '../../src/store/api.js';
import {QUIET_READ_MAX_MS} from '../../src/ui/hooks/use-store-state.js';
import {initialConsoleState} from '../../src/ui/model/console-state.js';
import {frameKey, listFrame, paneWindow} from '../../src/ui/model/list-frame.js';
import {listUnchanged} from '../../src/ui/model/quiet-list.js';
import {screenModel} from '../../src/ui/model/screen.js';
import {bakeAsOf, HELD_LEAD_MS, heldFresh} from '../../src/ui/model/ticks.js';
import {testSigners} from '../trust.js';
import {fixture} from './helpers/mount.js';

const trust = testSigners().trust;
const HEIGHTS = {deployments: 20, leases: 20, audit: 20, intents: 20};
const iso = (t: number) => new Date(t).toISOString();
// Ten minutes and a half into the hour: no minute's end near, nor the list's own minute.
const NOW = Date.parse('2026-11-25T10:30:10Z');
/** When the state held was read whole: a second ago. */
const READ = NOW - 1000;

/** The fixture's running canary, baking for an hour, `accrued` of it done by a tick at `watchedAt`. */
function baking(accrued: number, watchedAt: number, over: Partial<Deployment> = {}): Deployment {
	const fx = fixture();
	const running = fx.state.deployments.find(d => d.id === fx.dep.running)!;
	return {...running, plan: {...running.plan, bakeMs: 3_600_000}, bake: {accruedMs: accrued, watchedAt: iso(watchedAt)}, ...over};
}

const stateOf = (...deployments: Deployment[]): State => ({...fixture().state, deployments});
/** The list index as the store writes it for a state, `rev` later. */
const indexOf = (state: State, rev = state.rev + 1): DeploymentList => ({rev, source: 'index', deployments: state.deployments.map(d => deploymentSummary(d))});

describe('the deployments list without reading the state', () => {
	it('holds a state still that the index shows the same, while no canary warns or nears its bake end', () => {
		const held = stateOf(baking(600_000, NOW - 1000));
		expect(listUnchanged(held, indexOf(held), NOW, READ)).toBe(true);
		// The rev alone vouches for nothing (a hand edit keeps it): rows that differ are read.
		expect(listUnchanged(held, {...indexOf(held, held.rev), deployments: []}, NOW, READ)).toBe(false);
	});

	it('holds still with deployments that ended shown beside the live ones (from the archive, not the index)', () => {
		const live = baking(600_000, NOW - 1000);
		const ended: Deployment = {...live, id: 'DEP-20261124-001', status: 'completed', endedAt: iso(NOW - 86_400_000)};
		const held = stateOf(ended, live);
		expect(listUnchanged(held, indexOf(stateOf(live)), NOW, READ)).toBe(true);
		// A live one the index lacks has ended (or gone) since: read.
		expect(listUnchanged(stateOf(live), {...indexOf(stateOf(live)), deployments: []}, NOW, READ)).toBe(false);
	});

	it('reads when a row the index holds changed: status, tier, worst level, a deployment come or gone', () => {
		const held = stateOf(baking(600_000, NOW - 1000));
		const list = indexOf(held);
		const row = list.deployments[0]!;
		expect(listUnchanged(held, {...list, deployments: [{...row, status: 'halted'}]}, NOW, READ)).toBe(false);
		expect(listUnchanged(held, {...list, deployments: [{...row, tierIndex: 1, percent: 25}]}, NOW, READ)).toBe(false);
		expect(listUnchanged(held, {...list, deployments: [{...row, worst: 'warning'}]}, NOW, READ)).toBe(false);
		expect(listUnchanged(held, {...list, deployments: [row, {...row, id: 'DEP-20261125-099'}]}, NOW, READ)).toBe(false);
		// A live canary the index no longer has ended since: its row changes.
		expect(listUnchanged(held, {...list, deployments: []}, NOW, READ)).toBe(false);
	});

	it('never holds a state longer than a frame may count a bake past its last tick', () => {
		// Past the watch gap core stops counting the bake forward: a minute's frame drawn from an older state would lag.
		expect(QUIET_READ_MAX_MS).toBeLessThan(WATCH_GAP_MS);
		// An engine's last tick before a read is up to a cycle (about a second) older than the read.
		expect(HELD_LEAD_MS + 2000).toBeLessThan(WATCH_GAP_MS);
	});

	it('holds a state read whole within the last seconds before the minute, and through it; reads an older one', () => {
		const held = stateOf(baking(600_000, NOW - 1000));
		const minute = Date.parse('2026-11-25T10:30:00Z');
		expect(listUnchanged(held, indexOf(held), NOW, minute - HELD_LEAD_MS)).toBe(true);
		expect(listUnchanged(held, indexOf(held), NOW, minute - HELD_LEAD_MS - 1)).toBe(false);
		// In the minute's last seconds, only a state read within them serves the next minute.
		const late = minute + 55_000;
		expect(heldFresh(NOW, late)).toBe(false);
		expect(listUnchanged(held, indexOf(held), late, NOW)).toBe(false);
		expect(heldFresh(minute + 60_000 - HELD_LEAD_MS, late)).toBe(true);
		// The rev alone vouches for nothing (a hand edit keeps it): an old state is read again, whatever the rev.
		expect(listUnchanged(held, indexOf(held, held.rev), late, NOW - 3_600_000)).toBe(false);
	});

	it('takes a deployment the index lacks for one that ended, listed from the archive', () => {
		const fx = fixture();
		const ended = fx.state.deployments.find(d => d.id === fx.dep.rolledBack)!;
		const live = baking(600_000, NOW - 1000);
		const held = stateOf(ended, live);
		expect(listUnchanged(held, {...indexOf(held), deployments: [deploymentSummary(live)]}, NOW, READ)).toBe(true);
	});

	it('reads while a canary warns (the row names the metric, the index does not), nears its bake end, or waits for its target', () => {
		const fx = fixture();
		const warns = fx.state.deployments.find(d => d.id === fx.dep.holding)!;
		expect(deploymentSummary(warns).worst).toBe('warning');
		const warning = stateOf(warns);
		expect(listUnchanged(warning, indexOf(warning), NOW, READ)).toBe(false);
		const nearEnd = stateOf(baking(3_600_000 - 90_000, NOW - 1000));
		expect(listUnchanged(nearEnd, indexOf(nearEnd), NOW, READ)).toBe(false);
		const unconfirmed = stateOf({...baking(0, NOW), bake: undefined} as Deployment);
		expect(listUnchanged(unconfirmed, indexOf(unconfirmed), NOW, READ)).toBe(false);
	});
});

describe('the list frame', () => {
	const ui = initialConsoleState();
	it('draws the next minute from a state read in this minute\'s last seconds as from a newer one, and from an older one not', () => {
		const next = Date.parse('2026-11-25T10:31:00Z');
		const drawn = (s: State) => listFrame(s, ui, next + 5000, HEIGHTS, 'human', trust).key;
		// Ticked a second before a read at the freshness limit: 29 min 55 s left at the minute.
		const lastFresh = stateOf(baking(1_794_000, next - HELD_LEAD_MS - 1000));
		const newer = stateOf(baking(1_809_000, next + 4000));
		expect(heldFresh(next - HELD_LEAD_MS, next + 5000)).toBe(true);
		expect(drawn(lastFresh)).toBe(drawn(newer));
		expect(drawn(newer)).toContain('<30m');
		// Ticked past the watch gap before the minute: core no longer counts it forward, and it would lag.
		const older = stateOf(baking(1_789_000, next - WATCH_GAP_MS - 1000));
		expect(drawn(older)).not.toBe(drawn(newer));
	});

	it('draws the time left as it stood at the minute, the same from every tick of that minute', () => {
		// 30 min 2 s left at the tick 5 s ago; four seconds of ticks later, 29 min 58 s.
		const before = stateOf(baking(3_600_000 - 1_802_000, NOW - 5000));
		const after = stateOf(baking(3_600_000 - 1_798_000, NOW - 1000));
		const drawn = (s: State) => listFrame(s, ui, NOW, HEIGHTS, 'human', trust);
		expect(drawn(after).key).toBe(drawn(before).key);
		// As at 10:30:00: 30 min 7 s left, drawn as whole minutes.
		expect(drawn(before).key).toContain('31m');
		const at = Date.parse('2026-11-25T10:30:00Z');
		expect(bakeAsOf(after.deployments[0]!, at).bake).toEqual({accruedMs: 3_600_000 - 1_807_000, watchedAt: iso(at)});
		// A bake whose last tick is before that time is counted forward by core as it is.
		expect(bakeAsOf(before.deployments[0]!, NOW)).toBe(before.deployments[0]);
	});

	it('is the same frame when only the words of a refusal moved (the bake counted to the second), not when what a key may do did', () => {
		const state = stateOf(baking(600_000, NOW - 1000));
		const model = screenModel(state, ui, NOW, [], 'human', trust);
		const window = paneWindow(state, model, ui, NOW, HEIGHTS, false);
		const id = state.deployments[0]!.id;
		const said = (why: string, ok = false) => ({...model, availability: {[id]: {...model.availability[id], promote: {ok, why}}}});
		expect(frameKey(state, said('bake: 49m 59s left of 1h'), window)).toBe(frameKey(state, said('bake: 49m 58s left of 1h'), window));
		expect(frameKey(state, said('bake: 49m 59s left of 1h'), window)).not.toBe(frameKey(state, said('the gate passes', true), window));
	});
});
