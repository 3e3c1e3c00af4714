import {invalid} from '../errors.js';
import {clipText, escapeControls, TEXT_LIMITS, textProblem} from '../text.js';
import type {Command, CommandType} from './commands.js';
import {NAME_PATTERN} from '../names.js';

const NAME = NAME_PATTERN;

/** A value echoed in a message: escaped and short, whatever was sent. */
export const quoted = (value: unknown) => `"${clipText(escapeControls(String(value)), 80)}"`;

export function requireName(field: string, value: string): void {
	if (typeof value !== 'string' || !NAME.test(value)) {
		throw invalid('INVALID_NAME', `${field}: ${quoted(value)} must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit`);
	}
}

export function requireReason(reason: string | undefined, field = 'reason'): string {
	if (typeof reason !== 'string' || reason.trim().length === 0) {
		throw invalid('REASON_REQUIRED', `${field}: a non-empty reason is required`);
	}
	return reason.trim();
}

export function requireCount(field: string, value: number | undefined, fallback: number, max = 10_000_000): number {
	if (value === undefined) return fallback;
	if (!Number.isSafeInteger(value) || value < 0 || value > max) {
		throw invalid('INVALID_NUMBER', `${field}: must be a whole number from 0 to ${max}`);
	}
	return value;
}

type TextKind = keyof typeof TEXT_LIMITS;

/** Text as stored: no control character, at most the kind's length. */
export function requireText(field: string, value: unknown, kind: TextKind): void {
	if (typeof value !== 'string') throw invalid('INVALID_TEXT', `${field}: must be text`);
	const problem = textProblem(value, TEXT_LIMITS[kind]);
	if (problem) throw invalid('INVALID_TEXT', `${field}: ${problem}`);
}

/**
 * Every free-text field of every command, by the name the caller knows it by, and its kind. Checked
 * before any handler runs, so the CLI, the console and a script sending JSON are held to the same
 * rules; ids and names are held to the short limit even where a look-up would refuse them anyway,
 * so that no refusal echoes a megabyte.
 */
const TEXT_FIELDS: {[T in CommandType]?: Record<string, [field: string, kind: TextKind]>} = {
	'intent.create': {service: ['service', 'id'], fromVersion: ['from', 'version'], toVersion: ['to', 'version'], title: ['title', 'text'], keyId: ['key id', 'id'], retryOf: ['retry of', 'id']},
	'intent.approve': {id: ['id', 'id'], reason: ['reason', 'text'], keyId: ['key id', 'id']},
	'lease.issue': {intentId: ['intent', 'id']},
	'lease.cosign': {leaseId: ['lease', 'id'], keyId: ['key id', 'id']},
	'canary.start': {leaseId: ['lease', 'id']},
	'canary.promote': {id: ['id', 'id'], reason: ['reason', 'text']},
	'tier.cosign': {id: ['id', 'id'], requestId: ['request', 'id'], keyId: ['key id', 'id']},
	'canary.halt': {id: ['id', 'id'], reason: ['reason', 'text']},
	'canary.resume': {id: ['id', 'id'], reason: ['reason', 'text']},
	rollback: {id: ['id', 'id'], reason: ['reason', 'text']},
	group: {reason: ['reason', 'text']},
	'metrics.record': {id: ['id', 'id']},
	'target.applied': {id: ['id', 'id']},
	'target.failed': {id: ['id', 'id'], code: ['code', 'id'], message: ['message', 'text']},
	'target.sanity': {id: ['id', 'id'], output: ['output', 'text']},
	'config.set': {reason: ['reason', 'text']},
	'trust.rebind': {reason: ['reason', 'text']},
};

export function requireCommandText(cmd: Command): void {
	requireText('actor', cmd.actor, 'actor');
	const fields = TEXT_FIELDS[cmd.type] ?? {};
	for (const [key, [field, kind]] of Object.entries(fields)) {
		const value = (cmd as Record<string, unknown>)[key];
		if (value !== undefined) requireText(field, value, kind);
	}
}
