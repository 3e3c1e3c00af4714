/**
 * Every call to the outside world goes through here: a timeout per attempt and a bounded number of
 * attempts with capped exponential backoff. A call that does not answer within its timeout is a
 * failure with a reason, never a hang, even when the driver ignores its AbortSignal (the attempt is
 * raced against the timer). The outcome is a value, not an exception, so that the reconciler records
 * `target.applied` or `target.failed` with the attempts, without a try/catch at each call site.
 *
 * Timers and the clock are injected: tests drive time by hand instead of sleeping.
 */
import {asDriverError, DriverError, type DriverErrorCode} from './targets/driver.js';

export interface Timers {
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface CallPolicy {
	/** The bound on one attempt, in ms. */
	timeoutMs: number;
	/** Attempts after the first; 0 = one attempt. Only retryable errors (DriverError.retryable) are retried. */
	retries: number;
	/** The pause before the first retry; it doubles each time, up to `maxBackoffMs`. */
	backoffMs: number;
	maxBackoffMs: number;
}

/** Sized for a tick of a few seconds: the worst case (`worstCaseMs`) stays under 20 s. */
export const DEFAULT_POLICY: CallPolicy = {timeoutMs: 5000, retries: 2, backoffMs: 200, maxBackoffMs: 2000};

export interface Attempt {
	/** 1-based. */
	n: number;
	startedAt: number;
	ms: number;
	error?: {code: DriverErrorCode; message: string};
}

export type CallResult<T> = {ok: true; value: T; attempts: Attempt[]} | {ok: false; error: DriverError; attempts: Attempt[]};

export interface CallEnv {
	/** The caller's own cancellation (the engine stepping down): ends the call at once, not retried. */
	signal?: AbortSignal;
	timers?: Timers;
	now?: () => number;
	/** 0–1; the backoff uses half fixed, half random, so that several callers do not retry in step. */
	random?: () => number;
}

/** The pause before retry `n` (1-based), before jitter. */
export const backoffFor = (policy: CallPolicy, n: number): number => Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (n - 1));

/** The longest a call can take under `policy`: every attempt timing out, every pause at its cap. */
export function worstCaseMs(policy: CallPolicy): number {
	let total = policy.timeoutMs * (policy.retries + 1);
	for (let n = 1; n <= policy.retries; n++) total += backoffFor(policy, n);
	return total;
}

const abortedError = (label: string) => new DriverError('aborted', `${label}: cancelled by the caller`);

/** One attempt, bounded by `timeoutMs` whatever `fn` does with its signal. */
function attempt<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, parent: AbortSignal | undefined, timers: Timers): Promise<T> {
	const controller = new AbortController();
	return new Promise<T>((resolve, reject) => {
		let settled = false;
		const finish = (error: DriverError | undefined, value?: T) => {
			if (settled) return;
			settled = true;
			timers.clearTimeout(timer);
			parent?.removeEventListener('abort', onParentAbort);
			if (error) {
				// Tell the driver to stop (close its socket, kill its hook): the answer is no longer wanted.
				controller.abort(error);
				reject(error);
			} else resolve(value as T);
		};
		const onParentAbort = () => finish(abortedError(label));
		const timer = timers.setTimeout(() => finish(new DriverError('timeout', `${label}: no answer within ${timeoutMs} ms`)), timeoutMs);
		if (parent?.aborted) return finish(abortedError(label));
		parent?.addEventListener('abort', onParentAbort, {once: true});
		let pending: Promise<T>;
		try {
			pending = fn(controller.signal);
		} catch (error) {
			return finish(asDriverError(error));
		}
		pending.then(
			value => finish(undefined, value),
			error => finish(controller.signal.aborted && controller.signal.reason instanceof DriverError ? controller.signal.reason : asDriverError(error)),
		);
	});
}

/** A pause that the caller's signal cuts short. */
function pause(ms: number, signal: AbortSignal | undefined, timers: Timers): Promise<boolean> {
	return new Promise(resolve => {
		if (signal?.aborted) return resolve(false);
		const onAbort = () => {
			timers.clearTimeout(handle);
			resolve(false);
		};
		const handle = timers.setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve(true);
		}, ms);
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}

/**
 * Runs `fn` under `policy`. `label` names the call in every reason (`haproxy apply 25%: no answer
 * within 5000 ms`). On failure the error is the last attempt's, its message prefixed with the count
 * when there was more than one.
 */
export async function callDriver<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, policy: CallPolicy = DEFAULT_POLICY, env: CallEnv = {}): Promise<CallResult<T>> {
	const timers = env.timers ?? realTimers;
	const now = env.now ?? Date.now;
	const random = env.random ?? Math.random;
	const attempts: Attempt[] = [];
	for (let n = 1; ; n++) {
		const startedAt = now();
		try {
			const value = await attempt(label, fn, policy.timeoutMs, env.signal, timers);
			attempts.push({n, startedAt, ms: now() - startedAt});
			return {ok: true, value, attempts};
		} catch (thrown) {
			const error = asDriverError(thrown);
			attempts.push({n, startedAt, ms: now() - startedAt, error: {code: error.code, message: error.message}});
			const last = n > policy.retries || !error.retryable || env.signal?.aborted;
			if (last) {
				const message = n > 1 ? `${error.message} (attempt ${n} of ${policy.retries + 1})` : error.message;
				return {ok: false, error: new DriverError(error.code, message, error.extra), attempts};
			}
			const delay = backoffFor(policy, n) * (0.5 + 0.5 * random());
			if (!(await pause(delay, env.signal, timers))) return {ok: false, error: abortedError(label), attempts};
		}
	}
}
