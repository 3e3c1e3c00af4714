import type {EventDraft} from './events.js';

/**
 * Why a command was not applied. The kind maps to the CLI's exit codes:
 * invalid/not_found → 2, refused → 1, conflict → 3.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'refused' | 'conflict';

export interface Reason {
	code: string;
	message: string;
}

export class EngineError extends Error {
	override readonly name = 'EngineError';
	constructor(
		readonly kind: ErrorKind,
		readonly code: string,
		message: string,
		readonly reasons: Reason[] = [],
		/** A refusal worth recording (a replayed signature, a failed pre-check): the store audits it. */
		readonly audit?: EventDraft,
	) {
		super(message);
	}
}

export const invalid = (code: string, message: string) => new EngineError('invalid', code, message);
/** An id that names nothing: one wording everywhere (the CLI adds where to look them up). */
export class NotFoundError extends EngineError {
	constructor(
		readonly what: string,
		readonly id: string,
	) {
		super('not_found', 'NOT_FOUND', `unknown ${what} ${id}`);
	}
}

export const notFound = (what: string, id: string) => new NotFoundError(what, id);
export const refused = (code: string, message: string, reasons: Reason[] = [], audit?: EventDraft) =>
	new EngineError('refused', code, message, reasons, audit);
