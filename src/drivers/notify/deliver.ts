import type {Sink} from '../../core/model/index.js';
import {callDriver, realTimers, type CallPolicy, type CallResult, type Timers} from '../call.js';
import {resolveReference} from '../metrics/headers.js';
import {DriverError} from '../targets/driver.js';
import {bodyFor} from './message.js';
import type {Notice} from './notice.js';

/**
 * Sized for a chat service that blips: five attempts over about a minute and a half (10 s each at
 * most, pauses of 5, 10, 20 and 40 s, jittered), then the delivery is recorded as failed.
 */
export const NOTIFY_POLICY: CallPolicy = {timeoutMs: 10_000, retries: 4, backoffMs: 5_000, maxBackoffMs: 40_000};

/** Who must have a sink's environment variable: only the processes that may lead the engine send. */
const SENDERS = 'every engine or console that may lead needs it';

export interface DeliveryEnv {
	policy?: CallPolicy;
	timers?: Timers;
	now?: () => number;
	env?: NodeJS.ProcessEnv;
	signal?: AbortSignal;
	/** Jitter; tests pass a constant. */
	random?: () => number;
	/** Each attempt that fails, retried or not: a sink that is down is shown at once (see health.ts). */
	onFailedAttempt?: (error: string) => void;
}

/**
 * The sink's address, read now (a rotated secret is picked up at the next delivery). A problem
 * names the sink and where the address should be found, never the address: a Slack URL is a secret.
 */
async function addressOf(name: string, sink: Sink, env: NodeJS.ProcessEnv): Promise<string> {
	const resolved = await resolveReference(`sink ${name} url`, sink.url, env, SENDERS);
	if ('problem' in resolved) throw new DriverError('settings', resolved.problem);
	const where = typeof sink.url === 'string' ? 'its address' : 'env' in sink.url ? `the environment variable ${sink.url.env}` : sink.url.file;
	if (!URL.canParse(resolved.value) || !/^https?:$/.test(new URL(resolved.value).protocol)) {
		throw new DriverError('settings', `sink ${name} url: ${where} does not hold an http:// or https:// address`);
	}
	return resolved.value;
}

/** What one attempt's failure says: a status or a cause's code, never the address or an answer's body. */
function failure(error: unknown): DriverError {
	if (error instanceof DriverError) return error;
	const cause = (error as {cause?: {code?: unknown}}).cause;
	const code = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'error';
	return new DriverError('unreachable', `cannot reach the sink (${code})`);
}

/** One POST. 2xx is delivered; 408, 429 and 5xx are tried again; any other answer is refused at once. */
async function post(url: string, body: string, signal: AbortSignal): Promise<void> {
	let res: Response;
	try {
		res = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body, signal, redirect: 'error'});
	} catch (error) {
		throw failure(error);
	}
	// Nobody reads the answer: release the connection without buffering what it says.
	await res.body?.cancel().catch(() => undefined);
	if (res.ok) return;
	const again = res.status === 408 || res.status === 429 || res.status >= 500;
	throw new DriverError(again ? 'unreachable' : 'rejected', `the sink answered HTTP ${res.status}`);
}

/** Sends `notice` to `sink` under the retry policy; the outcome is a value (call.ts), never a throw. */
export async function deliver(name: string, sink: Sink, notice: Notice, opts: DeliveryEnv = {}): Promise<CallResult<void>> {
	const env = opts.env ?? process.env;
	const body = bodyFor(sink.kind, notice);
	return callDriver(
		`sink ${name}`,
		async signal => {
			try {
				await post(await addressOf(name, sink, env), body, signal);
			} catch (error) {
				opts.onFailedAttempt?.(error instanceof Error ? error.message : String(error));
				throw error;
			}
		},
		opts.policy ?? NOTIFY_POLICY,
		{timers: opts.timers ?? realTimers, ...(opts.now ? {now: opts.now} : {}), ...(opts.signal ? {signal: opts.signal} : {}), ...(opts.random ? {random: opts.random} : {})},
	);
}
