import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';
import {EngineError, execute, type Command, type EventDraft} from '../../src/core/index.js';
import {CLEAN, CRIT, Fixture, TO, WARN} from './helpers.js';

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/core');

/**
 * A fixture that also proves, for every command it executes (the target's reports included), that
 * the state it handed over did not change.
 */
class Watched extends Fixture {
	override exec<R>(cmd: Command): R {
		const given = this.state;
		const before = structuredClone(given);
		try {
			return super.exec<R>(cmd);
		} finally {
			expect(given).toEqual(before);
		}
	}
}

/**
 * Every kind of command, through a whole life: keys, intents, leases, a canary that completes, one
 * rolled back, one whose target is down; logged per command executed, the target's reports included.
 */
function script(f: Fixture): Array<{cmd: Command; events: EventDraft[]; result: unknown}> {
	const log: Array<{cmd: Command; events: EventDraft[]; result: unknown}> = [];
	const original = f.exec.bind(f);
	f.exec = (<R>(cmd: Command): R => {
		const from = f.events.length;
		const result = original<R>(cmd);
		log.push({cmd, events: f.events.slice(from), result});
		return result;
	}) as Fixture['exec'];
	f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, sampleWindow: 30}});
	const first = f.canary();
	f.record(first, WARN);
	f.run({type: 'canary.halt', actor: 'human:alice', id: first, reason: 'look'});
	f.run({type: 'canary.resume', actor: 'human:alice', id: first, reason: 'fine'});
	f.complete(first);
	const second = f.canary({intent: {fromVersion: TO, toVersion: '1.6.0'}});
	f.bake(second);
	f.run({type: 'canary.promote', actor: 'human:alice', id: second});
	f.record(second, CRIT);
	f.run({type: 'rollback', actor: 'human:alice', id: first, reason: 'regression'});
	// The fleet API is down: the first tier fails, the halt rolls back, the revert fails too; retried once it is back.
	f.targetDown = 'fleet API answered 503';
	const third = f.canary({intent: {toVersion: '1.7.0'}});
	f.targetDown = undefined;
	f.run({type: 'rollback', actor: 'human:alice', id: third, reason: 'fleet API back'});
	f.run(f.revocation('ci-bot', 'rotated'));
	return log;
}

describe('engine purity', () => {
	it('never mutates the state it is given, for every kind of command', () => {
		const f = new Watched();
		const log = script(f);
		const every: Array<Command['type']> = [
			'config.set',
			'key.register',
			'key.revoke',
			'intent.create',
			'intent.approve',
			'lease.issue',
			'lease.cosign',
			'canary.start',
			'canary.promote',
			'canary.halt',
			'canary.resume',
			'rollback',
			'metrics.record',
			'tick',
			'target.applied',
			'target.failed',
			'target.sanity',
		];
		expect(new Set(log.map(l => l.cmd.type))).toEqual(new Set(every));
		expect(f.state.deployments.map(d => d.status)).toEqual(['rolled_back', 'rolled_back', 'rolled_back']);
	});

	it('never mutates the state it is given when a command is refused', () => {
		const f = new Fixture();
		const id = f.canary();
		// Fixture.refuse deep-compares the state before and after each of these.
		f.refuse({type: 'canary.resume', actor: 'human:alice', id, reason: 'x'});
		f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: {cpu: Number.NaN}});
		f.refuse({type: 'canary.promote', actor: 'human:alice', id});
		f.refuse(f.startCmd(f.dep(id).leaseId));
		f.refuse({type: 'config.set', actor: 'human:alice', config: {}});
		expect(f.dep(id).status).toBe('running');
	});

	it('never calls the target inside a command: a start decides, and a target that is down answers with a report of its own', () => {
		const f = new Fixture({manualTarget: true});
		const leaseId = f.signedLease({plan: {autoRollback: false}});
		f.targetDown = 'fleet API answered 503';
		// The command completes whatever the target's health: it only decides the first tier.
		const {id} = f.run<{id: string}>(f.startCmd(leaseId));
		expect(f.dep(id)).toMatchObject({status: 'running', desired: {generation: 1, step: 'tier-5', percent: 5}});
		expect(f.dep(id).observed).toBeUndefined();
		expect(f.fleetOf()).toMatchObject({stable: {version: '1.4.0'}, canary: null});
		// The reconciler's report of the failure is the command that halts. The halt takes the refused tier
		// back to where the target was (the snapshot's share: nothing was confirmed), a decision of its own.
		f.reconcile();
		expect(f.dep(id)).toMatchObject({
			status: 'halted',
			halt: {trigger: 'target', actor: 'engine', reason: 'the target could not apply 5%: fleet API answered 503'},
			desired: {generation: 2, step: 'tier-0', percent: 0},
		});
		expect(f.events.filter(e => e.subject === id && e.kind === 'target.failed').map(e => e.data)).toEqual([
			{generation: 1, step: 'tier-5', code: 'rejected', attempts: 3},
			{generation: 2, step: 'tier-0', code: 'rejected', attempts: 3},
		]);
		// The target refused that too: recorded once, and the deployment waits for its operator.
		expect(f.dep(id).targetError).toMatchObject({generation: 2, step: 'tier-0', code: 'rejected', message: 'fleet API answered 503', attempts: 3});
		expect(f.kinds(id).slice(-3)).toEqual(['target.failed', 'deployment.halted', 'target.failed']);
		expect(f.fleetOf().canary).toBeNull();
	});

	it('returns a new state and shares nothing it changed with the old one', () => {
		const f = new Fixture();
		const id = f.canary();
		const given = f.state;
		const out = execute(given, {type: 'metrics.record', actor: 'agent:ci-bot', id, sample: WARN}, f.env);
		expect(out.state).not.toBe(given);
		expect(out.state.deployments[0]).not.toBe(given.deployments[0]);
		expect(given.deployments[0]!.status).toBe('running');
		expect(out.state.deployments[0]!.status).toBe('holding');
	});

	it('hands out plain data: state, events and results outlive the command and serialise', () => {
		const f = new Fixture();
		const results = script(f).map(l => l.result);
		for (const value of [f.state, ...f.events, ...results]) {
			expect(() => structuredClone(value)).not.toThrow();
			expect(JSON.parse(JSON.stringify(value ?? null))).toEqual(JSON.parse(JSON.stringify(structuredClone(value ?? null))));
		}
	});

	it('gives the same states and events for the same commands, clock and seed', () => {
		const once = () => {
			const f = new Fixture();
			script(f);
			return {state: f.state, events: f.events};
		};
		expect(once()).toEqual(once());
	});

	it('refuses a command made against an older revision: conflict, nothing applied', () => {
		const f = new Fixture().registerKeys();
		expect(f.state.rev).toBe(2);
		const error = f.refuse({...f.proposal({toVersion: '2.0.0'}), expectedRev: 1});
		expect(error).toMatchObject({kind: 'conflict', code: 'STALE_STATE', message: 'state changed (rev 1 → 2): review and retry'});
		expect(f.run({...f.proposal({toVersion: '2.0.0'}), expectedRev: 2})).toMatchObject({status: 'draft'});
	});

	it.each(['', '   '])('needs an actor (%j)', actor => {
		const f = new Fixture();
		expect(f.refuse({type: 'tick', actor})).toMatchObject({kind: 'invalid', code: 'ACTOR_REQUIRED'});
	});

	it('refuses a command type it does not know, naming the allowed ones', () => {
		const f = new Fixture();
		const error = f.refuse({type: 'canary.yolo', actor: 'human:alice'} as unknown as Command);
		expect(error).toMatchObject({kind: 'invalid', code: 'UNKNOWN_COMMAND'});
		expect(error.message).toMatch(/^type: "canary\.yolo" is not one of .*canary\.promote/);
	});

	it('throws only EngineErrors for refusals, with a kind the CLI maps to an exit code', () => {
		const f = new Fixture();
		const error = f.refuse({type: 'intent.approve', actor: 'human:alice', id: 'INT-20261125-404', keyId: 'alice', signature: 'AAAA'});
		expect(error).toBeInstanceOf(EngineError);
		expect(['invalid', 'not_found', 'refused', 'conflict']).toContain(error.kind);
	});
});

describe('audit events', () => {
	it('yields {at, actor, kind, subject, reason, data} for every command that changes something', () => {
		const f = new Fixture();
		for (const {cmd, events} of script(f)) {
			if (cmd.type !== 'tick' && cmd.type !== 'metrics.record') expect(events.length, cmd.type).toBeGreaterThan(0);
			for (const e of events) {
				expect(Object.keys(e).sort()).toEqual(['actor', 'at', 'data', 'kind', 'reason', 'subject']);
				expect(e.actor).toBe(cmd.actor);
				expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
				expect(e.kind).toMatch(/^[a-z_]+\.[a-z_]+$/);
				expect(e.subject).not.toBe('');
				expect(e.reason.trim()).not.toBe('');
				expect(typeof e.data).toBe('object');
			}
		}
	});

	it('records the moves a tick causes, as the engine', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CLEAN);
		f.wait(f.dep(id).plan.bakeMs);
		let from = f.events.length;
		f.tick();
		expect(f.events.slice(from).map(e => [e.kind, e.actor])).toEqual([['deployment.holding', 'engine']]);
		f.record(id, CLEAN);
		from = f.events.length;
		f.record(id, CLEAN);
		expect(f.events.slice(from).map(e => [e.kind, e.actor, e.reason])).toEqual([['deployment.running', 'agent:ci-bot', 'window clean again: gate open']]);
		from = f.events.length;
		f.tick();
		expect(f.events.slice(from).map(e => e.kind)).toEqual(['canary.promoted', 'canary.tier_applied', 'canary.sanity_passed']);
	});
});

describe('src/core stays pure', () => {
	const files = readdirSync(CORE, {recursive: true, encoding: 'utf8'}).filter(p => p.endsWith('.ts'));
	const imports = files.flatMap(file => {
		const text = readFileSync(join(CORE, file), 'utf8');
		return ts.preProcessFile(text, true, true).importedFiles.map(i => ({file, spec: i.fileName}));
	});
	const FORBIDDEN = ['ink', 'react', 'lowdb', 'fs', 'node:fs'];

	it('is scanned: the engine\'s files and their imports are found', () => {
		expect(files).toContain('engine/execute.ts');
		expect(imports).toContainEqual({file: 'engine/execute.ts', spec: 'immer'});
	});

	it('imports nothing from ink, react, lowdb or node:fs / fs', () => {
		const bad = imports.filter(({spec}) => FORBIDDEN.some(name => spec === name || spec.startsWith(`${name}/`)));
		expect(bad).toEqual([]);
	});

	it('imports nothing from outside src/core by relative path', () => {
		const outside = imports.filter(({file, spec}) => spec.startsWith('.') && relative(CORE, resolve(CORE, dirname(file), spec)).startsWith('..'));
		expect(outside).toEqual([]);
	});
});
