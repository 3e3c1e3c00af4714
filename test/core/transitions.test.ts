import {describe, expect, it} from 'vitest';
import {DeploymentStatus, TRANSITIONS, type Command} from '../../src/core/index.js';
import {assertTransition} from '../../src/core/engine/transitions.js';
import {CRIT, Fixture, MIN, WARN} from './helpers.js';

type Verb = 'promote' | 'halt' | 'resume' | 'rollback';
const command = (verb: Verb, id: string): Command =>
	verb === 'promote'
		? {type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'operator says so'}
		: {type: verb === 'rollback' ? 'rollback' : `canary.${verb}`, actor: 'human:alice', id, reason: 'operator says so'};

/** A deployment brought to `status` through the engine, the way an operator would get there. */
function deploymentIn(status: 'running' | 'halted' | 'completed' | 'rolled_back' | 'rollback_failed'): {f: Fixture; id: string} {
	const f = new Fixture(status === 'rollback_failed' ? {scenario: {kind: 'healthy', rollbackDrift: true}} : {});
	const id = f.canary();
	if (status === 'halted') f.run(command('halt', id));
	if (status === 'rolled_back' || status === 'rollback_failed') f.run(command('rollback', id));
	if (status === 'completed') f.complete(id);
	expect(f.dep(id).status).toBe(status);
	return {f, id};
}

describe('deployment state machine', () => {
	it('defines the edges of every status, and none out of rolled_back', () => {
		expect(Object.keys(TRANSITIONS).sort()).toEqual([...DeploymentStatus.options].sort());
		expect(TRANSITIONS.rolled_back).toEqual([]);
		expect(TRANSITIONS.completed).toEqual(['rolling_back']);
		expect(TRANSITIONS.halted).toEqual(['running', 'rolling_back']);
		expect(TRANSITIONS.rollback_failed).toEqual(['rolling_back']);
	});

	it('refuses an edge that does not exist, naming the allowed ones', () => {
		const f = new Fixture();
		const dep = f.dep(f.canary());
		expect(() => assertTransition({...dep, status: 'rolled_back'}, 'running')).toThrow(
			`${dep.id} is rolled back: it cannot become running (allowed: none)`,
		);
		expect(() => assertTransition({...dep, status: 'halted'}, 'completed')).toThrow('(allowed: running, rolling back)');
		expect(() => assertTransition(dep, 'holding')).not.toThrow();
	});

	const illegal: Array<[Verb, Parameters<typeof deploymentIn>[0], string, RegExp]> = [
		['promote', 'halted', 'NOT_ACTIVE', /is halted: cannot promote: resume it first$/],
		['promote', 'completed', 'NOT_ACTIVE', /is completed: cannot promote$/],
		['promote', 'rolled_back', 'NOT_ACTIVE', /is rolled back: cannot promote$/],
		['resume', 'running', 'NOT_HALTED', /is running: only a halted deployment resumes$/],
		['resume', 'rolled_back', 'NOT_HALTED', /is rolled back/],
		['halt', 'completed', 'NOT_ACTIVE', /is completed: cannot halt$/],
		['halt', 'halted', 'NOT_ACTIVE', /is halted: cannot halt/],
		['halt', 'rollback_failed', 'NOT_ACTIVE', /is rollback failed: cannot halt$/],
		['rollback', 'rolled_back', 'CANNOT_ROLL_BACK', /is rolled back: nothing to roll back$/],
	];
	it.each(illegal)('refuses to %s a %s deployment (%s)', (verb, status, code, message) => {
		const {f, id} = deploymentIn(status);
		const error = f.refuse(command(verb, id));
		expect(error).toMatchObject({kind: 'refused', code});
		expect(error.message).toMatch(message);
	});

	it.each(['running', 'halted', 'completed', 'rollback_failed'] as const)('allows a rollback of a %s deployment', status => {
		const {f, id} = deploymentIn(status);
		f.run(command('rollback', id));
		expect(f.dep(id).status).toBe(status === 'rollback_failed' ? 'rollback_failed' : 'rolled_back');
		expect(f.events.filter(e => e.kind === 'deployment.rolling_back').at(-1)!.data.from).toBe(status);
	});

	it('refuses commands about a deployment that does not exist', () => {
		const f = new Fixture();
		for (const verb of ['promote', 'halt', 'resume', 'rollback'] as const) {
			expect(f.refuse(command(verb, 'DEP-20261125-999'))).toMatchObject({kind: 'not_found', message: 'unknown deployment DEP-20261125-999'});
		}
	});
});

describe('every transition is an event with actor, reason and time', () => {
	it('records who moved the deployment, why, when, and from where to where', () => {
		const f = new Fixture();
		const id = f.canary();
		f.clock.advance(MIN);
		f.record(id, WARN);
		f.clock.advance(MIN);
		f.run(command('halt', id));
		f.clock.advance(MIN);
		f.run({type: 'canary.resume', actor: 'human:bob', id, reason: 'false alarm'});
		f.clock.advance(MIN);
		f.record(id, CRIT);
		const moves = f.events.filter(e => e.kind.startsWith('deployment.'));
		expect(moves.map(e => [e.kind, e.actor, e.at, e.data.from, e.data.to])).toEqual([
			['deployment.holding', 'agent:ci-bot', '2026-11-25T10:01:00.000Z', 'running', 'holding'],
			['deployment.halted', 'human:alice', '2026-11-25T10:02:00.000Z', 'holding', 'halted'],
			['deployment.running', 'human:bob', '2026-11-25T10:03:00.000Z', 'halted', 'running'],
			['deployment.halted', 'agent:ci-bot', '2026-11-25T10:04:00.000Z', 'running', 'halted'],
			['deployment.rolling_back', 'agent:ci-bot', '2026-11-25T10:04:00.000Z', 'halted', 'rolling_back'],
			// Verified by the target's report of the revert, which the engine records.
			['deployment.rolled_back', 'engine', '2026-11-25T10:04:00.000Z', 'rolling_back', 'rolled_back'],
		]);
		expect(moves.map(e => e.reason)).toEqual([
			expect.stringContaining('WARNING: TES drop > 2%'),
			'operator says so',
			'false alarm',
			'CRITICAL: TES drop > 5% (read -6%)',
			'CRITICAL: TES drop > 5% (read -6%)',
			'CRITICAL: TES drop > 5% (read -6%)',
		]);
		for (const e of moves) expect(e.subject).toBe(id);
		expect(f.dep(id)).toMatchObject({updatedAt: '2026-11-25T10:04:00.000Z', endedAt: '2026-11-25T10:04:00.000Z'});
	});
});
