import type {StoreErrorCode} from './api.js';

/** Where in a bad file the problem is, and what the operator can restore from. */
export interface StoreErrorDetail {
	/** Character offset into the file (JSON position), with its 1-based line and column. */
	position?: number;
	line?: number;
	column?: number;
	/** The zod path of the first failing field, e.g. `deployments[3].status`. */
	field?: string;
	/** The newest backup that still loads, if any. */
	backup?: string;
	/** What was found, without what a refused write adds to it (for a read that reports it: trust show). */
	finding?: string;
}

/**
 * Why the store refused or failed. Messages name the file; for a corrupt file also the position or
 * field and the last good backup. Nothing has been written when one of these is thrown.
 */
export class StoreError extends Error {
	override readonly name = 'StoreError';
	constructor(
		readonly code: StoreErrorCode,
		message: string,
		readonly path?: string,
		readonly detail: StoreErrorDetail = {},
	) {
		super(message);
	}
}

export const isNodeError = (error: unknown, code?: string): error is NodeJS.ErrnoException =>
	error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && (code === undefined || (error as NodeJS.ErrnoException).code === code);

/** Wraps a failed file operation: the message says what was being done, to which file, and the errno. */
export function ioError(action: string, path: string, cause: unknown): StoreError {
	if (cause instanceof StoreError) return cause;
	return new StoreError('IO', `${action} ${path} failed: ${errnoText(cause)}; nothing was applied`, path);
}

/**
 * A system error as words and its code: node's message already starts with the code and ends with
 * the call and path ("ENOTDIR: not a directory, open '/x'"), which the caller names better.
 */
export function errnoText(cause: unknown): string {
	if (!isNodeError(cause)) return String(cause);
	const words = cause.message.replace(`${cause.code}: `, '').replace(/, \w+ '[^']*'(?: -> '[^']*')?$/, '');
	return `${words} (${cause.code})`;
}

/** Runs a file operation, mapping any failure to an IO StoreError naming the path. */
export async function io<T>(action: string, path: string, op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (error) {
		throw ioError(action, path, error);
	}
}
