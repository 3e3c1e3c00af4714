import {describe, expect, it, vi} from 'vitest';
import {appliedCommand, failedCommand, SimFleet, sanityCommand, simReports, targetWork, type Command, type Split, type TargetWork} from '../../src/core/index.js';
import {CLEAN, CRIT, FROM, Fixture, SERVICE, TO, withEdited} from './helpers.js';

/** The split the simulated fleet reads back at `percent`. */
const at = (percent: number): Split => ({percent, stable: {weight: 100 - percent, version: FROM}, canary: {weight: percent, version: TO}});
const applied = (id: string, generation: number, split: Split, extra: Partial<Extract<Command, {type: 'target.applied'}>> = {}): Command => ({
	type: 'target.applied',
	actor: 'engine',
	id,
	generation,
	split,
	evidence: 'router',
	sanity: false,
	...extra,
});
const failed = (id: string, generation: number, message = 'fleet API answered 503'): Command => ({type: 'target.failed', actor: 'engine', id, generation, code: 'rejected', message, attempts: 3});
const sanity = (id: string, generation: number, ok: boolean, output = ok ? 'smoke ok' : 'smoke failed: GET /health 503'): Command => ({type: 'target.sanity', actor: 'engine', id, generation, ok, output});

/** A canary whose first tier the engine decided, with the target's work left to the test. */
function pending(opts: ConstructorParameters<typeof Fixture>[0] & {plan?: Record<string, unknown>} = {}) {
	const {plan, ...fixture} = opts;
	const f = new Fixture({...fixture, manualTarget: true});
	const id = f.start(f.signedLease(plan ? {plan} : {}));
	return {f, id};
}

/** Confirms the current decision with the split the simulator reads back, and passes its sanity check. */
function confirm(f: Fixture, id: string): void {
	const dep = f.dep(id);
	f.run(applied(id, dep.desired.generation, at(dep.desired.percent), {sanity: true}));
	f.run(sanity(id, dep.desired.generation, true));
}

describe('the reconciler\'s work, derived from the state alone', () => {
	it('asks to apply a decision, then to check it, then nothing', () => {
		const {f, id} = pending();
		const base = {id, service: SERVICE, target: 'simulated', generation: 1, percent: 5, tier: 0};
		expect(targetWork(f.state)).toEqual([{...base, op: 'apply', step: 'tier', versions: {stable: FROM, canary: TO}}]);
		f.run(applied(id, 1, at(5), {sanity: true}));
		expect(f.dep(id).observed).toMatchObject({generation: 1, sanity: 'pending'});
		expect(targetWork(f.state)).toEqual([{...base, op: 'sanity'}]);
		f.run(sanity(id, 1, true));
		expect(targetWork(f.state)).toEqual([]);
		expect(f.dep(id).observed?.sanity).toBe('passed');
	});

	it('asks for no sanity check when the target has none to run', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {sanity: false}));
		expect(f.dep(id).observed?.sanity).toBe('none');
		expect(targetWork(f.state)).toEqual([]);
	});

	it('names the final step and the snapshot as such', () => {
		const {f, id} = pending({plan: {tiers: [100], autoPromote: false, bakeMs: 0, minSamples: 1}});
		confirm(f, id);
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', step: 'final', generation: 2, percent: 100})]);
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'changed my mind'});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', step: 'snapshot', generation: 3, percent: 0})]);
	});

	it('still drives a halted deployment\'s target: to where it was last confirmed, and through a sanity check due', () => {
		const {f, id} = pending();
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'look first'});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({id, op: 'apply', step: 'tier', generation: 2, percent: 0})]);
		f.run(applied(id, 2, at(0), {sanity: true}));
		expect(f.dep(id)).toMatchObject({status: 'halted', observed: {generation: 2, step: 'tier-0', sanity: 'pending'}});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({id, op: 'sanity', generation: 2})]);
		// Halted once the target confirmed, before its check ran: nothing to take back, the check is still due.
		const other = pending();
		other.f.run(applied(other.id, 1, at(5), {sanity: true}));
		other.f.run({type: 'canary.halt', actor: 'human:alice', id: other.id, reason: 'look first'});
		expect(other.f.dep(other.id).desired.generation).toBe(1);
		expect(targetWork(other.f.state)).toEqual([expect.objectContaining({id: other.id, op: 'sanity', generation: 1})]);
	});

	it('leaves rolled back, completed and failed rollbacks alone, whatever their decision says', () => {
		const {f, id} = pending();
		confirm(f, id);
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'undo'});
		expect(targetWork(f.state)).toHaveLength(1);
		for (const status of ['rolled_back', 'completed', 'rollback_failed'] as const) {
			const state = withEdited(f.state, 'deployments', id, d => {
				d.status = status;
			});
			expect(targetWork(state), status).toEqual([]);
		}
	});

	it('runs no sanity check on a revert', () => {
		const {f, id} = pending();
		confirm(f, id);
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'undo'});
		// A revert confirmed but not yet verified (an edited or older document): a sanity check is not its business.
		const state = withEdited(f.state, 'deployments', id, d => {
			d.observed = {generation: d.desired.generation, step: 'snapshot', split: d.pack.snapshot, evidence: 'router', notes: [], at: d.updatedAt, sanity: 'pending'};
		});
		expect(targetWork(state)).toEqual([]);
	});

	it('builds the reports from the work, clipping notes to eight', () => {
		const {f, id} = pending();
		const [work] = targetWork(f.state) as [TargetWork];
		const notes = Array.from({length: 10}, (_, i) => `note ${i}`);
		expect(appliedCommand(work, {split: at(5), evidence: 'claimed', persisted: false, notes}, true)).toEqual({
			type: 'target.applied',
			actor: 'engine',
			id,
			generation: 1,
			split: at(5),
			evidence: 'claimed',
			persisted: false,
			notes: notes.slice(0, 8),
			sanity: true,
		});
		expect(appliedCommand(work, {split: at(5), evidence: 'router', notes: []}, false)).not.toHaveProperty('notes');
		expect(failedCommand(work, {code: 'timeout', message: 'no answer in 2s', attempts: 2})).toEqual({type: 'target.failed', actor: 'engine', id, generation: 1, code: 'timeout', message: 'no answer in 2s', attempts: 2});
		expect(sanityCommand(work, {ok: true, output: 'fine'})).toEqual({type: 'target.sanity', actor: 'engine', id, generation: 1, ok: true, output: 'fine'});
	});
});

describe('target.applied', () => {
	it('confirms the decision: observed, the tier\'s bake and an empty window start now', () => {
		const {f, id} = pending();
		f.clock.advance(2000);
		f.run(applied(id, 1, at(5), {notes: ['canary server draining'], persisted: true}));
		const now = new Date(f.clock.now()).toISOString();
		expect(f.dep(id)).toMatchObject({
			observed: {generation: 1, step: 'tier-5', split: at(5), evidence: 'router', persisted: true, notes: ['canary server draining'], at: now, sanity: 'none'},
			bake: {accruedMs: 0, watchedAt: now},
			tierStartedAt: now,
			window: [],
		});
		expect(f.events.at(-1)).toMatchObject({kind: 'canary.tier_applied', actor: 'engine', data: {tier: 0, generation: 1, percent: 5, evidence: 'router', notes: ['canary server draining']}});
	});

	it('takes a share within half a percent of the decision (a router\'s weights), and a split without versions', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, {percent: 5.3, stable: {weight: 947}, canary: {weight: 53}}));
		expect(f.dep(id).observed).toMatchObject({generation: 1, split: {percent: 5.3}});
	});

	it('refuses a report about an older decision, or one already confirmed, and changes nothing', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5)));
		expect(f.refuse(applied(id, 1, at(5)))).toMatchObject({kind: 'refused', code: 'ALREADY_CONFIRMED'});
		expect(f.refuse(failed(id, 1))).toMatchObject({kind: 'refused', code: 'ALREADY_CONFIRMED'});
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'undo'});
		const stale = f.refuse(applied(id, 1, at(5)));
		expect(stale).toMatchObject({kind: 'refused', code: 'STALE_REPORT'});
		expect(stale.message).toBe(`${id}: the report is about decision 1, the deployment wants decision 2 (snapshot) now`);
		expect(f.refuse(failed(id, 1))).toMatchObject({code: 'STALE_REPORT'});
		expect(f.refuse(sanity(id, 1, true))).toMatchObject({code: 'STALE_REPORT'});
		expect(f.refuse(applied(id, 3, at(5)))).toMatchObject({code: 'STALE_REPORT'});
	});

	it.each([0, -1, 1.5, Number.NaN])('refuses generation %d', generation => {
		const {f, id} = pending();
		expect(f.refuse(applied(id, generation, at(5)))).toMatchObject({kind: 'invalid', code: 'INVALID_GENERATION'});
	});

	it('refuses reports about a deployment whose target is no longer driven, or that does not exist', () => {
		const f = new Fixture();
		const id = f.canary();
		f.complete(id);
		const generation = f.dep(id).desired.generation;
		expect(f.refuse(applied(id, generation, at(100)))).toMatchObject({kind: 'refused', code: 'NOT_RECONCILED'});
		expect(f.refuse(failed(id, generation))).toMatchObject({code: 'NOT_RECONCILED'});
		expect(f.refuse(applied('DEP-20261125-999', 1, at(5)))).toMatchObject({kind: 'not_found'});
	});

	it.each<[string, unknown, RegExp]>([
		['a share above 100%', {percent: 150, stable: {}, canary: {}}, /^split\.percent: /],
		['a negative weight', {percent: 5, stable: {weight: -95}, canary: {weight: 5}}, /^split\.stable\.weight: /],
		['a field no split has', {percent: 5, stable: {}, canary: {}, extra: 1}, /^split: /],
		['no split at all', undefined, /^split: /],
	])('refuses %s (INVALID_REPORT) and changes nothing', (_name, split, message) => {
		const {f, id} = pending();
		const error = f.refuse(applied(id, 1, split as Split));
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_REPORT'});
		expect(error.message).toMatch(message);
	});

	it('refuses notes with a control character, too many notes, and a report text with one (INVALID_REPORT, INVALID_TEXT)', () => {
		const {f, id} = pending();
		const notes = f.refuse(applied(id, 1, at(5), {notes: ['fine', 'server \u001b[2J gone']}));
		expect(notes).toMatchObject({kind: 'invalid', code: 'INVALID_REPORT'});
		expect(notes.message).toMatch(/^notes\.1: must be printable text/);
		expect(f.refuse(applied(id, 1, at(5), {notes: Array.from({length: 9}, () => 'n')}))).toMatchObject({code: 'INVALID_REPORT'});
		const message = f.refuse(failed(id, 1, 'HAProxy said \u009b31mHALTED'));
		expect(message).toMatchObject({kind: 'invalid', code: 'INVALID_TEXT'});
		expect(message.message).toMatch(/^message: contains a control character/);
		f.run(applied(id, 1, at(5), {sanity: true}));
		expect(f.refuse(sanity(id, 1, true, 'ok\u0007'))).toMatchObject({kind: 'invalid', code: 'INVALID_TEXT', message: expect.stringMatching(/^output: /)});
		expect(f.refuse({...failed(id, 1), code: 'bad code with spaces and \n'} as Command)).toMatchObject({code: 'INVALID_TEXT'});
	});

	it.each<[string, Partial<Extract<Command, {type: 'target.applied'}>>, RegExp]>([
		['a version with a terminal escape on the canary side', {split: {...at(5), canary: {weight: 5, version: `${TO}\u001b]0;owned\u0007`}}}, /^split\.canary\.version: contains a control character \(\\x1b at character 6\)/],
		['a version with a bidi override on the stable side', {split: {...at(5), stable: {weight: 95, version: '1.4.0\u202e'}}}, /^split\.stable\.version: contains a control character/],
		['evidence that is neither router nor claimed', {evidence: 'trust me' as never}, /^evidence: /],
		['persisted that is not a boolean', {persisted: 'yes' as never}, /^persisted: /],
		['sanity that is not a boolean', {sanity: 'true' as never}, /^sanity: /],
	])('refuses %s (INVALID_REPORT) and changes nothing', (_name, change, message) => {
		const {f, id} = pending();
		const error = f.refuse({...applied(id, 1, at(5)), ...change} as Command);
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_REPORT'});
		expect(error.message).toMatch(message);
		expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
	});

	it.each<[string, Partial<Extract<Command, {type: 'target.failed'}>>, RegExp]>([
		['a split read after the failure with a control character', {split: {...at(5), canary: {weight: 5, version: 'x\u009b2J'}}}, /^split\.canary\.version: /],
		['a fractional number of attempts', {attempts: 2.5}, /^attempts: /],
		['attempts that are not a number', {attempts: Number.NaN}, /^attempts: /],
	])('refuses a failure report with %s (INVALID_REPORT)', (_name, change, message) => {
		const {f, id} = pending();
		const error = f.refuse({...failed(id, 1), ...change} as Command);
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_REPORT'});
		expect(error.message).toMatch(message);
	});

	it('records a hook\'s claim as a claim, for a tier and for a revert', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {evidence: 'claimed'}));
		expect(f.dep(id).observed?.evidence).toBe('claimed');
		expect(f.events.at(-1)).toMatchObject({kind: 'canary.tier_applied', data: {evidence: 'claimed'}});
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'undo'});
		f.run(applied(id, 2, f.dep(id).pack.snapshot, {evidence: 'claimed'}));
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', observed: {step: 'snapshot', evidence: 'claimed'}, rollback: {verified: true}});
		expect(f.events.find(e => e.kind === 'rollback.verified')!.data).toMatchObject({evidence: 'claimed'});
	});

	it('records a split that does not carry the decision as the target\'s failure: halted, with the reason, and the targetError', () => {
		const {f, id} = pending({plan: {autoRollback: false}});
		f.run(applied(id, 1, at(25)));
		expect(f.dep(id)).toMatchObject({
			status: 'halted',
			halt: {trigger: 'target', actor: 'engine', reason: 'the target could not apply 5%: the target reads back 25%, not the 5% decided'},
			targetError: {generation: 1, step: 'tier-5', code: 'mismatch', attempts: 1},
		});
		expect(f.dep(id).observed).toBeUndefined();
		expect(f.kinds(id).slice(-2)).toEqual(['target.failed', 'deployment.halted']);
		expect(f.kinds(id)).not.toContain('canary.tier_applied');
	});

	it('takes a split whose canary side runs another version as a mismatch', () => {
		const {f, id} = pending({plan: {autoRollback: false}});
		f.run(applied(id, 1, {...at(5), canary: {weight: 5, version: '9.9.9'}}));
		expect(f.dep(id)).toMatchObject({status: 'halted', targetError: {code: 'mismatch'}});
	});
});

describe('target.failed', () => {
	it('halts with trigger target and rolls back under auto-rollback', () => {
		const {f, id} = pending();
		f.run(failed(id, 1));
		expect(f.dep(id)).toMatchObject({
			status: 'rolling_back',
			halt: {trigger: 'target', reason: 'the target could not apply 5%: fleet API answered 503'},
			rollback: {trigger: 'automatic', reason: 'the target could not apply 5%: fleet API answered 503', step: 'none'},
			targetError: {generation: 1, step: 'tier-5', code: 'rejected', message: 'fleet API answered 503', attempts: 3},
			desired: {generation: 2, step: 'snapshot'},
		});
		expect(f.kinds(id).slice(-3)).toEqual(['target.failed', 'deployment.halted', 'deployment.rolling_back']);
		// The revert is the reconciler's next work; once verified, the failure is history.
		f.reconcile();
		expect(f.dep(id).status).toBe('rolled_back');
		expect(f.dep(id).targetError).toBeUndefined();
	});

	it('on a halted deployment, only records the error: no second halt, no rollback', () => {
		const {f, id} = pending();
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'look first'});
		const before = f.dep(id);
		// The halt decided the snapshot's share (decision 2): a report about the tier it took back is stale.
		expect(f.refuse(failed(id, 1, 'still down'))).toMatchObject({code: 'STALE_REPORT'});
		f.run(failed(id, 2, 'still down'));
		expect(f.dep(id)).toMatchObject({status: 'halted', halt: before.halt, desired: before.desired, targetError: {generation: 2, message: 'still down'}});
		expect(f.dep(id).rollback).toBeUndefined();
		expect(f.kinds(id).at(-1)).toBe('target.failed');
		// A later confirmation (a reconciler's answer still under way) clears it.
		f.run(applied(id, 2, at(0)));
		expect(f.dep(id).targetError).toBeUndefined();
		expect(f.dep(id).status).toBe('halted');
	});

	it('retries a failed decision once resumed: the resumed deployment decides its tier again and waits for its target', () => {
		const {f, id} = pending({plan: {autoRollback: false}});
		f.run(failed(id, 1));
		// The halt takes the refused tier back; the target refuses that too.
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', generation: 2, percent: 0})]);
		f.run(failed(id, 2));
		expect(targetWork(f.state)).toEqual([]);
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'fleet API back'});
		expect(f.dep(id)).toMatchObject({status: 'running', desired: {generation: 3, step: 'tier-5', percent: 5}});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', step: 'tier', generation: 3, percent: 5})]);
		expect(f.refuse(applied(id, 2, at(0)))).toMatchObject({code: 'STALE_REPORT'});
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'running', observed: {generation: 3, step: 'tier-5', sanity: 'passed'}});
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 5});
	});

	it('gives a halted deployment whose target refused its decision no more work until it is resumed or rolled back', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease({plan: {autoRollback: false}}));
		f.targetDown = 'fleet API answered 503';
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'halted', desired: {generation: 2, step: 'tier-0'}, targetError: {generation: 2}});
		// No retry every cycle, no event for each: the reconciler's cycles and the engine's ticks find nothing to do.
		const events = f.events.length;
		for (let i = 0; i < 3; i++) {
			expect(targetWork(f.state)).toEqual([]);
			f.reconcile();
			f.tick();
		}
		expect(f.events.length).toBe(events);
		// The operator rolls back: the revert is work at once, applied once the target answers again.
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'fleet API keeps failing'});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({id, op: 'apply', step: 'snapshot', generation: 3, percent: 0})]);
		f.targetDown = undefined;
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {verified: true, step: 'none'}});
		expect(f.dep(id).targetError).toBeUndefined();
		expect(targetWork(f.state)).toEqual([]);
	});
});

describe('a halt freezes the target where it was last confirmed', () => {
	it('takes back a promotion the target had not confirmed: the reconciler applies the confirmed share, never the promoted one', () => {
		const {f, id} = pending({plan: {autoPromote: false, bakeMs: 0, minSamples: 1}});
		f.reconcile();
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		expect(f.dep(id).desired).toMatchObject({generation: 2, step: 'tier-25', percent: 25});
		const late = simReports(f.state, new SimFleet(structuredClone(f.fleet.world)));
		const applies = vi.spyOn(f.fleet, 'apply');
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'customer report'});
		expect(f.dep(id)).toMatchObject({status: 'halted', desired: {generation: 3, step: 'tier-5', percent: 5}});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({id, op: 'apply', step: 'tier', generation: 3, percent: 5})]);
		// A report of the promotion, from a reconciler that applied it before the halt, is stale.
		expect(f.refuse(late[0]!)).toMatchObject({code: 'STALE_REPORT'});
		f.reconcile();
		expect(applies.mock.calls.map(([, want]) => want.percent)).toEqual([5]);
		expect(f.dep(id)).toMatchObject({status: 'halted', observed: {generation: 3, step: 'tier-5', split: at(5)}});
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 5});
		expect(f.events.filter(e => e.subject === id && e.kind === 'canary.tier_applied').map(e => e.data.percent)).toEqual([5, 5]);
	});

	it('decides the snapshot\'s share when the halt comes before the first tier was confirmed', () => {
		const {f, id} = pending();
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'wrong service'});
		const dep = f.dep(id);
		expect(dep.desired).toMatchObject({generation: 2, step: `tier-${dep.pack.snapshot.percent}`, percent: dep.pack.snapshot.percent});
		expect(dep.rollback).toBeUndefined();
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'halted', observed: {generation: 2, split: {percent: 0}}});
		expect(f.fleetOf().canary).toBeNull();
	});

	it('changes no decision the target already confirmed', () => {
		const {f, id} = pending();
		confirm(f, id);
		const desired = f.dep(id).desired;
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'look first'});
		expect(f.dep(id).desired).toEqual(desired);
		expect(targetWork(f.state)).toEqual([]);
	});

	it('resumes with the promotion it took back decided again: no tier is skipped', () => {
		const {f, id} = pending({plan: {autoPromote: false, bakeMs: 0, minSamples: 1}});
		f.reconcile();
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'customer report'});
		f.reconcile();
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'false alarm'});
		expect(f.dep(id)).toMatchObject({status: 'running', percent: 25, tierIndex: 1, desired: {generation: 4, step: 'tier-25', percent: 25}});
		f.reconcile();
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 25});
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		expect(f.dep(id).desired).toMatchObject({generation: 5, step: 'tier-100', percent: 100});
	});
});

describe('target.sanity', () => {
	it('passes: recorded with its output, and the tier bakes', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {sanity: true}));
		f.run(sanity(id, 1, true, 'sanity: 5/5'));
		expect(f.dep(id).sanity).toEqual([{percent: 5, ok: true, output: 'sanity: 5/5', at: f.dep(id).updatedAt}]);
		expect(f.kinds(id).at(-1)).toBe('canary.sanity_passed');
	});

	it('fails: halts with its output as the reason, and rolls back under auto-rollback', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {sanity: true}));
		f.run(sanity(id, 1, false, 'smoke: 2/5 failed'));
		expect(f.dep(id)).toMatchObject({status: 'rolling_back', observed: {sanity: 'failed'}, halt: {trigger: 'sanity', reason: 'smoke: 2/5 failed'}});
		expect(f.kinds(id).slice(-3)).toEqual(['canary.sanity_failed', 'deployment.halted', 'deployment.rolling_back']);
	});

	it('refuses a result that is not a boolean (INVALID_REPORT): a garbled report is neither a pass nor a failure', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {sanity: true}));
		expect(f.refuse({...sanity(id, 1, true), ok: 'yes'} as unknown as Command)).toMatchObject({kind: 'invalid', code: 'INVALID_REPORT', message: expect.stringMatching(/^ok: /)});
		expect(f.dep(id).observed?.sanity).toBe('pending');
	});

	it('is refused when none is due, and changes nothing', () => {
		const {f, id} = pending();
		expect(f.refuse(sanity(id, 1, true))).toMatchObject({kind: 'refused', code: 'NO_SANITY_DUE'});
		f.run(applied(id, 1, at(5), {sanity: true}));
		f.run(sanity(id, 1, true));
		expect(f.refuse(sanity(id, 1, false))).toMatchObject({code: 'NO_SANITY_DUE', message: `${id}: no sanity check is due for decision 1`});
		expect(f.dep(id).observed?.sanity).toBe('passed');
	});

	it('on a halted deployment records a failure without a second halt', () => {
		const {f, id} = pending();
		f.run(applied(id, 1, at(5), {sanity: true}));
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'look first'});
		f.run(sanity(id, 1, false));
		expect(f.dep(id)).toMatchObject({status: 'halted', halt: {trigger: 'manual'}, observed: {sanity: 'failed'}});
		expect(f.dep(id).rollback).toBeUndefined();
	});
});

describe('the final step completes only on the target\'s confirmation', () => {
	it('stays running at the final decision until the target confirms it, then completes', () => {
		const {f, id} = pending({plan: {tiers: [5, 100]}});
		confirm(f, id);
		f.bake(id);
		f.tick();
		confirm(f, id);
		f.bake(id);
		expect(f.tick().actions).toEqual([expect.objectContaining({id, action: 'completing', percent: 100})]);
		expect(f.dep(id)).toMatchObject({status: 'running', desired: {step: 'final', percent: 100}});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deploying');
		expect(f.tick().actions).toEqual([expect.objectContaining({id, action: 'applying'})]);
		expect(f.dep(id).status).toBe('running');
		const generation = f.dep(id).desired.generation;
		f.run(applied(id, generation, {percent: 0, stable: {weight: 100, version: TO}, canary: {weight: 0}}, {sanity: true}));
		expect(f.dep(id)).toMatchObject({status: 'completed', observed: {step: 'final', sanity: 'none'}});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deployed');
		expect(f.kinds(id).slice(-2)).toEqual(['canary.final_applied', 'deployment.completed']);
		expect(targetWork(f.state)).toEqual([]);
	});

	it.each<[string, Split]>([
		['all traffic on the old version', {percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0}}],
		['a canary at 25%', at(25)],
		['all traffic on a canary that runs another version', {percent: 100, stable: {weight: 0, version: FROM}, canary: {weight: 100, version: '9.9.9'}}],
	])('is not confirmed by %s', (_name, split) => {
		const {f, id} = pending({plan: {tiers: [100], autoRollback: false, autoPromote: false, bakeMs: 0, minSamples: 1}});
		confirm(f, id);
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		f.run(applied(id, f.dep(id).desired.generation, split));
		expect(f.dep(id)).toMatchObject({status: 'halted', targetError: {step: 'final', code: 'mismatch'}});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deploying');
		expect(f.kinds(id)).not.toContain('canary.final_applied');
	});

	it('is confirmed by a router that sends all traffic to the canary side, versions or not', () => {
		for (const canary of [{weight: 100}, {weight: 100, version: TO}]) {
			const {f, id} = pending({plan: {tiers: [100], autoPromote: false, bakeMs: 0, minSamples: 1}});
			confirm(f, id);
			f.record(id, CLEAN);
			f.run({type: 'canary.promote', actor: 'human:alice', id});
			f.run(applied(id, f.dep(id).desired.generation, {percent: 100, stable: {weight: 0}, canary}));
			expect(f.dep(id).status).toBe('completed');
		}
	});

	it('fails like any step: halts and rolls back when the target cannot carry it', () => {
		const {f, id} = pending({plan: {tiers: [100], autoPromote: false, bakeMs: 0, minSamples: 1}});
		confirm(f, id);
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		f.run(failed(id, f.dep(id).desired.generation));
		expect(f.dep(id)).toMatchObject({status: 'rolling_back', halt: {trigger: 'target', reason: 'the target could not apply 100%: fleet API answered 503'}});
	});
});

describe('a crash between a decision and its record', () => {
	it('derives the same work again from the state, records one confirmation, and refuses the late duplicate', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.reconcile();
		f.bake(id);
		f.tick();
		expect(f.dep(id).desired).toMatchObject({generation: 2, percent: 25});
		// The first leader applies the decision to the fleet, then dies before recording what it read back.
		const work = targetWork(f.state);
		const lost = simReports(f.state, f.fleet);
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 25});
		// A new leader starts from the state alone: the same work, applied again (idempotent on the fleet).
		expect(targetWork(f.state)).toEqual(work);
		const before = f.kinds(id).filter(k => k === 'canary.tier_applied').length;
		f.reconcile();
		expect(f.kinds(id).filter(k => k === 'canary.tier_applied').length).toBe(before + 1);
		expect(f.dep(id)).toMatchObject({status: 'running', percent: 25, observed: {generation: 2, sanity: 'passed'}});
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 25});
		// The first leader's report, arriving late, is refused and changes nothing.
		expect(f.refuse(lost[0]!)).toMatchObject({code: 'ALREADY_CONFIRMED'});
		expect(targetWork(f.state)).toEqual([]);
	});

	it('a report that outlived a newer decision is refused as stale', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		const lost = simReports(f.state, f.fleet);
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'undo before the target answered'});
		expect(f.refuse(lost[0]!)).toMatchObject({code: 'STALE_REPORT'});
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {verified: true, step: 'none'}});
		expect(f.kinds(id)).not.toContain('canary.tier_applied');
	});

	it('records a critical sample against an unconfirmed tier in the log, not in its window', () => {
		const {f, id} = pending({plan: {autoRollback: false}});
		f.record(id, CLEAN);
		expect(f.dep(id)).toMatchObject({sampleCount: 1, window: []});
		// A critical still halts: whatever split it measured, nothing is promoted past it.
		f.record(id, CRIT);
		expect(f.dep(id).status).toBe('halted');
	});
});
