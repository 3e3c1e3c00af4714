/**
 * The one interface every real target implements: read what the router reports now, set the
 * canary's share and read it back, and (optionally) run a sanity check. Drivers are asynchronous,
 * hold no lock and record nothing: the reconciler calls them outside the store's lock (through
 * `callDriver`, which adds the timeout and the retries) and records what they return.
 *
 * The split is percent-based: the canary's share of requests, 0–100. The stable side carries the
 * rest. Versions are the engine's business (it knows which version runs on which side); a router
 * like HAProxy knows only servers and weights, so a version in a report is there only when the
 * target itself said it (a hook that reads a Kubernetes backendRef, say).
 */
import {clipText, escapeControls} from '../../core/text.js';

export type DriverKind = 'haproxy' | 'exec' | 'simulated';

/** One side of the split, in the router's own terms. */
export interface SideReport {
	/** The router's weight for this side (HAProxy: `srv_uweight`), when it has one. */
	weight?: number;
	/** Whether the router would send it traffic at all (HAProxy: running and not in maintenance/drain). */
	serving: boolean;
	/** A version, only when the target reports one. */
	version?: string;
}

/**
 * Where the numbers of a report come from: `router` = read from the router after the fact (HAProxy's
 * `show servers state`, a hook that read the HTTPRoute back); `claimed` = a hook said what it did but
 * did not read it back. A claimed report cannot close a tier by itself: policy decides (as Argo's
 * `NotImplemented`), see ../shared/research/controllers.md, lesson 2.
 */
export type Evidence = 'router' | 'claimed';

export interface RouterReport {
	kind: DriverKind;
	/** The canary's share of requests as the router reports it, 0–100 (not rounded: 1/3 is 33.33…). */
	canaryPercent: number;
	stable: SideReport;
	canary: SideReport;
	evidence: Evidence;
	/**
	 * Whether the split survives a restart of the router (HAProxy: the config file's weights equal the
	 * runtime's). Undefined when the target cannot tell.
	 */
	persisted?: boolean;
	/** Anything worth an operator's attention that is not an error (a side not serving, a config drift). */
	notes: string[];
	/** The router's own words, clipped and escaped, for the audit trail. */
	raw: string;
	/** When it was read (ISO 8601), by the injected clock. */
	at: string;
}

/** Per-call context, passed to hooks so that their logs can name the deployment and tier. */
export interface CallContext {
	deployment?: string;
	tier?: number;
	/** Which step is applied: a tier, the final step, or the rollback's snapshot. */
	step?: 'tier' | 'final' | 'snapshot';
	/** The versions on each side, for targets that deploy them (the simulator) or report them. */
	versions?: {stable: string; canary: string};
	/** The tier's share, for a sanity check that depends on it. */
	percent?: number;
}

export interface CallOpts {
	signal: AbortSignal;
	context?: CallContext;
}

export interface SanityResult {
	ok: boolean;
	output: string;
}

export interface TargetDriver {
	readonly kind: DriverKind;
	/**
	 * The longest one call can take, its own timeout and cleanup included (an exec hook's kill grace).
	 * Give `callDriver` a timeout above it: the driver's own timeout then fires first, with the better
	 * reason (a hook's stderr), and `callDriver`'s stays the backstop.
	 */
	readonly boundMs: number;
	/** What the router reports now (level-triggered: never what this driver remembers). */
	read(opts: CallOpts): Promise<RouterReport>;
	/**
	 * Sets the canary's share (an integer 0–100), then reads it back. Idempotent: calling it again with
	 * the same percent changes nothing, so retries and a new leader's re-apply are safe. Rejects with a
	 * `DriverError` of code `mismatch` (the report attached) when the router reads back otherwise.
	 */
	apply(desiredPercent: number, opts: CallOpts): Promise<RouterReport>;
	/** A target's own sanity check for a tier, when it has one (an exec hook's `sanity` op). */
	sanity?(tier: number, opts: CallOpts): Promise<SanityResult>;
}

/**
 * Why a call failed, as a code the reconciler can branch on:
 * - `timeout`: no answer within the bound; `aborted`: the caller gave up (not retried);
 * - `unreachable`: nothing listens (socket missing, connection refused, command not found);
 * - `protocol`: an answer that does not parse (garbage, truncated, oversized);
 * - `rejected`: the target answered and refused (HAProxy "No such server.", a hook's `ok: false`, a non-zero exit);
 * - `mismatch`: applied, but the read-back differs (the report is attached);
 * - `io`: a local file (HAProxy's config) could not be read or written;
 * - `settings`: the settings themselves are wrong (never retried).
 */
export type DriverErrorCode = 'timeout' | 'aborted' | 'unreachable' | 'protocol' | 'rejected' | 'mismatch' | 'io' | 'settings';

/** Codes worth another attempt: the cause may be gone in a moment. */
const RETRYABLE: ReadonlySet<DriverErrorCode> = new Set(['timeout', 'unreachable', 'protocol', 'mismatch', 'io']);

/** At most this much of a target's output travels in an error's message (the audit keeps messages short). */
export const DETAIL_MAX = 2000;

export class DriverError extends Error {
	override readonly name = 'DriverError';
	constructor(
		readonly code: DriverErrorCode,
		message: string,
		readonly extra: {detail?: string; report?: RouterReport; cause?: unknown} = {},
	) {
		super(message, extra.cause === undefined ? undefined : {cause: extra.cause});
	}
	get retryable(): boolean {
		return RETRYABLE.has(this.code);
	}
	get report(): RouterReport | undefined {
		return this.extra.report;
	}
}

/** Text from outside (a router's answer, a hook's stderr) made safe for a message, the audit and a terminal. */
export const outsideText = (text: string, max = DETAIL_MAX): string => escapeControls(clipText(text, max));

/** Any thrown value as a DriverError: an unexpected exception keeps its message, under `code`. */
export function asDriverError(error: unknown, code: DriverErrorCode = 'protocol'): DriverError {
	if (error instanceof DriverError) return error;
	return new DriverError(code, outsideText(error instanceof Error ? error.message : String(error)), {cause: error});
}

/** Refuses a percent that is not an integer 0–100: the caller's bug, never sent to a router. */
export function checkPercent(percent: number): void {
	if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
		throw new DriverError('settings', `desired percent must be an integer from 0 to 100, got ${String(percent)}`);
	}
}

/** The canary's share of two weights; two zero weights is no traffic at all, reported as 0 with a note by callers. */
export const shareOf = (stable: number, canary: number): number => (stable + canary === 0 ? 0 : (100 * canary) / (stable + canary));

/**
 * A signal that aborts when `parent` does or after `ms`, with a DriverError as its reason: each
 * driver bounds its own calls too, so that it never hangs even when called without `callDriver`.
 * `dispose` clears the timer once the call is over.
 */
export function boundedSignal(parent: AbortSignal, ms: number, label: string): {signal: AbortSignal; dispose(): void} {
	const controller = new AbortController();
	const onAbort = () => controller.abort(parent.reason instanceof DriverError ? parent.reason : new DriverError('aborted', `${label}: cancelled by the caller`));
	const timer = setTimeout(() => controller.abort(new DriverError('timeout', `${label}: no answer within ${ms} ms`)), ms);
	if (parent.aborted) onAbort();
	else parent.addEventListener('abort', onAbort, {once: true});
	return {
		signal: controller.signal,
		dispose: () => {
			clearTimeout(timer);
			parent.removeEventListener('abort', onAbort);
		},
	};
}

/** Runs `fn` under `boundedSignal`, disposing of the timer however it ends. */
export async function bounded<T>(parent: AbortSignal, ms: number, label: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const {signal, dispose} = boundedSignal(parent, ms, label);
	try {
		return await fn(signal);
	} finally {
		dispose();
	}
}
