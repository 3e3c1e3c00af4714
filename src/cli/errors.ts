import {EngineError, NotFoundError, type Reason} from '../core/errors.js';

/** The CLI's exit codes: the contract scripts rely on. */
export const EXIT = {ok: 0, refused: 1, usage: 2, conflict: 3, awaitingKeys: 4} as const;

export const EXIT_HELP = `Exit codes:
  0  success
  1  refused by a rule or a failed check (pre-check, lease not verified, gate not passed, verification failed)
  2  invalid input or usage (unknown command or flag, bad number, unknown id); nothing is written
  3  the state changed underneath: review and retry
  4  canary status: the deployment waits for two keys to enter its next tier (calyx canary cosign)`;

/** An error with the exit code it maps to; the message names the field and what is allowed. */
export class CliError extends Error {
	override readonly name = 'CliError';
	constructor(
		message: string,
		readonly exitCode: number,
		readonly code = 'ERROR',
		readonly reasons: Reason[] = [],
	) {
		super(message);
	}
}

export const usage = (message: string, code = 'USAGE') => new CliError(message, EXIT.usage, code);
/** A key read for a flag (or variable): a key file missing or unfit is that flag's error (exit 2). */
export function keyFor<T>(flag: string, read: () => T): T {
	try {
		return read();
	} catch (error) {
		if ((error as Error | undefined)?.name === 'KeyringError') throw usage(`${flag}: ${(error as Error).message}`, 'KEY');
		throw error;
	}
}

export const refusedError = (message: string, code = 'REFUSED', reasons: Reason[] = []) => new CliError(message, EXIT.refused, code, reasons);

/** Where an operator finds the ids of each kind. */
const LISTED_BY: Record<string, string> = {
	deployment: 'calyx canary list',
	lease: 'calyx lease list',
	intent: 'calyx intent list',
	key: 'calyx keys list',
	service: 'calyx service list',
};

/**
 * An id that names nothing, in the one wording every command uses: `unknown lease L-1 (see calyx
 * lease list)`, after the flag it came from when it came from one.
 */
export function unknownId(what: string, id: string | undefined, flag?: string, list = LISTED_BY[what]): CliError {
	return usage(`${flag ? `${flag}: ` : ''}unknown ${what} ${id ?? ''}${list ? ` (see ${list})` : ''}`, 'NOT_FOUND');
}

const ENGINE_EXIT: Record<EngineError['kind'], number> = {invalid: EXIT.usage, not_found: EXIT.usage, refused: EXIT.refused, conflict: EXIT.conflict};

/** Any error thrown below the CLI, as the CLI reports it. */
export function toCliError(error: unknown): CliError {
	if (error instanceof CliError) return error;
	if (error instanceof NotFoundError) return unknownId(error.what, error.id);
	if (error instanceof EngineError) return new CliError(error.message, ENGINE_EXIT[error.kind], error.code, error.reasons);
	const e = error as {name?: string; code?: string; message?: string; path?: string};
	if (e?.name === 'StoreError') {
		// Another writer held or took the lock: like a stale view, the answer is to retry.
		const exit = e.code === 'NOT_INITIALISED' ? EXIT.usage : e.code === 'LOCK_TIMEOUT' || e.code === 'LOCK_LOST' ? EXIT.conflict : EXIT.refused;
		return new CliError(e.message ?? String(error), exit, e.code ?? 'STORE');
	}
	if (e?.name === 'KeyringError') return new CliError(e.message ?? String(error), EXIT.usage, 'KEY');
	return new CliError(e?.message ?? String(error), EXIT.refused, 'INTERNAL');
}
