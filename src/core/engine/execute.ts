import {randomBytes} from 'node:crypto';
import {produce} from 'immer';
import type {Clock} from '../clock.js';
import {EngineError, invalid} from '../errors.js';
import type {EventDraft} from '../events.js';
import {Config, DEFAULT_CONFIG, SCHEMA_VERSION, type State} from '../model/index.js';
import {settingsToRecord} from '../config-record.js';
import type {Trust} from '../trust.js';
import type {Command} from './commands.js';
import {Ctx, type RecordedSample} from './context.js';
import {halt, promote, resume, startCanary} from './canary.js';
import {approveIntent, createIntent} from './intents.js';
import {changeKeyRole, registerKey, revokeKey} from './keys.js';
import {cosignLease, issueLease} from './leases.js';
import {recordMetrics} from './metrics.js';
import {rollbackCommand} from './rollback.js';
import {applyService} from './services.js';
import {rebindTrust} from './rebind.js';
import {tick} from './tick.js';
import {groupAction} from './group.js';
import {cosignTierCommand} from './tier-keys.js';
import {targetApplied, targetFailed, targetSanity} from './target.js';
import {quoted, requireCommandText} from './validate.js';
import {configChanges} from '../view/config-diff.js';

export interface Env {
	clock: Clock;
	/** The authority over keys (the trust file): only keys its admins registered sign anything. */
	trust: Trust;
	/** Lease nonces; injectable so a test can replay a run byte for byte. */
	nonce?: () => string;
}

export interface Outcome<R = unknown> {
	state: State;
	events: EventDraft[];
	samples: RecordedSample[];
	result: R;
}

export const initialState = (config: Config = DEFAULT_CONFIG): State => ({
	schemaVersion: SCHEMA_VERSION,
	rev: 0,
	auditHead: {seq: 0, hash: ''},
	config: structuredClone(config),
	keys: [],
	intents: [],
	leases: [],
	deployments: [],
	// No `history` until a first deployment ends: a state without one counts every deployment it holds.
});

const isAdopt = (v: unknown): v is readonly string[] | 'drifted' =>
	v === 'drifted' || (Array.isArray(v) && v.length <= 200 && v.every(p => typeof p === 'string' && p.length <= 200));

function setConfig(ctx: Ctx, raw: unknown, reason?: string, adopt?: unknown) {
	const parsed = Config.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw invalid('INVALID_CONFIG', `config.${issue.path.join('.')}: ${issue.message}`);
	}
	if (adopt !== undefined && !isAdopt(adopt)) throw invalid('INVALID_CONFIG', 'adopt: "drifted", or the settings edited by hand to record as they stand (at most 200 paths)');
	// The settings that changed go into the trail: "configuration replaced" alone says nothing of what.
	const changed = configChanges(ctx.base.config, parsed.data).map(c => c.path);
	// A digest of every setting too: `audit verify` and every write compare the document's with the last recorded (core/config-record.ts).
	const {settings, adopted} = settingsToRecord(ctx.trust.configDrift, ctx.base.config, parsed.data, adopt);
	ctx.draft.config = parsed.data;
	ctx.emit('config.changed', 'config', reason ?? 'configuration replaced', {changed: [...changed, ...adopted], settings, ...(adopted.length > 0 ? {adopted} : {})});
	return parsed.data;
}

const COMMAND_TYPES: readonly Command['type'][] = [
	'key.register',
	'key.revoke',
	'key.role',
	'service.apply',
	'trust.rebind',
	'intent.create',
	'intent.approve',
	'lease.issue',
	'lease.cosign',
	'canary.start',
	'canary.promote',
	'tier.cosign',
	'canary.halt',
	'canary.resume',
	'rollback',
	'group',
	'metrics.record',
	'tick',
	'target.applied',
	'target.failed',
	'target.sanity',
	'config.set',
];

function dispatch(ctx: Ctx, cmd: Command, nonce: () => string): unknown {
	switch (cmd.type) {
		case 'key.register':
			return registerKey(ctx, cmd);
		case 'key.revoke':
			return revokeKey(ctx, cmd);
		case 'key.role':
			return changeKeyRole(ctx, cmd);
		case 'service.apply':
			return applyService(ctx, cmd);
		case 'trust.rebind':
			return rebindTrust(ctx, cmd);
		case 'intent.create':
			return createIntent(ctx, cmd);
		case 'intent.approve':
			return approveIntent(ctx, cmd);
		case 'lease.issue':
			return issueLease(ctx, cmd, nonce());
		case 'lease.cosign':
			return cosignLease(ctx, cmd);
		case 'canary.start':
			return startCanary(ctx, cmd);
		case 'canary.promote':
			return promote(ctx, cmd);
		case 'tier.cosign':
			return cosignTierCommand(ctx, cmd);
		case 'canary.halt':
			return halt(ctx, cmd);
		case 'canary.resume':
			return resume(ctx, cmd);
		case 'rollback':
			return rollbackCommand(ctx, cmd);
		case 'group':
			return groupAction(ctx, cmd, nonce());
		case 'metrics.record':
			return recordMetrics(ctx, cmd);
		case 'tick':
			return tick(ctx);
		case 'target.applied':
			return targetApplied(ctx, cmd);
		case 'target.failed':
			return targetFailed(ctx, cmd);
		case 'target.sanity':
			return targetSanity(ctx, cmd);
		case 'config.set':
			return setConfig(ctx, cmd.config, cmd.reason, cmd.adopt);
	}
	// Commands also arrive as parsed JSON: an unknown type must not pass as a change that did nothing.
	throw invalid('UNKNOWN_COMMAND', `type: ${quoted((cmd as {type: unknown}).type)} is not one of ${COMMAND_TYPES.join(', ')}`);
}

/**
 * The engine: one command in, the next state and its events out. Pure: it never calls a target
 * (the reconciler does, and reports back with `target.*` commands). A refused command throws an EngineError and leaves `state` untouched. The result is
 * frozen and shares every unchanged object with `state` (immer): hand it a frozen state (the store
 * does) and a command costs what it changes, not the size of the state.
 */
export function execute<R = unknown>(state: State, cmd: Command, env: Env): Outcome<R> {
	if (cmd.expectedRev !== undefined && cmd.expectedRev !== state.rev) {
		throw new EngineError('conflict', 'STALE_STATE', `state changed (rev ${cmd.expectedRev} → ${state.rev}): review and retry`);
	}
	if (typeof cmd.actor !== 'string' || cmd.actor.trim() === '') throw invalid('ACTOR_REQUIRED', 'actor: who is acting is required');
	requireCommandText(cmd);
	const now = env.clock.now();
	const nonce = env.nonce ?? (() => randomBytes(16).toString('hex'));
	let ctx: Ctx | undefined;
	let result: unknown;
	const next = produce(state, draft => {
		ctx = new Ctx(state, draft, now, cmd.actor, env.trust);
		result = dispatch(ctx, cmd, nonce);
	});
	return {state: next, events: ctx!.events, samples: ctx!.samples, result: result as R};
}
