/**
 * Sanity checks per tier (the seed's CP18), run by the reconciler after a tier is confirmed:
 * - `http`: a GET that must answer 2xx within its timeout. Redirects are not followed: a health URL
 *   that redirects (to a login page that answers 200, say) fails with its Location, not passes.
 * - `exec`: a command hook's `sanity` op (exec.ts), answering `{"ok": …, "output": …}`.
 *
 * A check gives a verdict, always: anything that keeps it from passing (a 500, no answer in time,
 * a refused connection, a hook that crashed) is `ok: false` with an output saying why, which is what
 * the halt records. Only the caller's own cancellation throws (an engine stepping down has no verdict).
 */
import {z} from 'zod';
import {bounded, DriverError, outsideText, type CallContext, type SanityResult} from './driver.js';
import {ExecDriver, ExecSettings} from './exec.js';
import {TimeoutMs} from './settings.js';

function urlProblem(text: string): string | undefined {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return 'must be an absolute URL (http://host:port/path)';
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be http or https, not ${url.protocol.replace(/:$/, '')}`;
	// The URL is written into every output, hence into the audit trail: no password goes there.
	if (url.username || url.password) return 'must not carry credentials (user:password@): the URL is written to the audit trail';
	return undefined;
}

export const HttpCheck = z
	.object({
		kind: z.literal('http'),
		url: z.string().superRefine((text, ctx) => {
			const problem = urlProblem(text);
			if (problem) ctx.addIssue({code: 'custom', message: problem});
		}),
		timeoutMs: TimeoutMs(5000),
	})
	.strict();
export type HttpCheck = z.output<typeof HttpCheck>;

export const SanityCheck = z.discriminatedUnion('kind', [HttpCheck, ExecSettings]);
export type SanityCheck = z.output<typeof SanityCheck>;

/** How much of a body an output quotes: enough for a health endpoint's message. */
export const BODY_QUOTE = 300;

/** The start of the body, whitespace folded, cut at `max` characters with "…" when there was more. */
async function bodyStart(res: Response, max: number): Promise<string> {
	if (!res.body) return '';
	const reader = res.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		// Up to 4 bytes a character, and folded whitespace shrinks: read enough to fill `max` and see if there is more.
		while (size <= max * 4) {
			const {done, value} = await reader.read();
			if (done) break;
			chunks.push(value);
			size += value.length;
		}
	} finally {
		// The rest is not wanted: a large body must cost what its first bytes cost.
		await reader.cancel().catch(() => undefined);
	}
	const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Why a fetch failed, in words: undici hides the system error in `cause`. */
function fetchFailure(error: unknown): string {
	const cause = (error as {cause?: {code?: string; message?: string}}).cause;
	const words: Record<string, string> = {ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ENOTFOUND: 'host not found', EHOSTUNREACH: 'host unreachable'};
	return (cause?.code && words[cause.code]) ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export async function httpSanity(check: HttpCheck, opts: {signal: AbortSignal}): Promise<SanityResult> {
	const started = performance.now();
	const label = `GET ${check.url}`;
	try {
		return await bounded(opts.signal, check.timeoutMs, label, async signal => {
			const res = await fetch(check.url, {signal, redirect: 'manual', headers: {'user-agent': 'calyx-sanity'}});
			const body = await bodyStart(res, BODY_QUOTE);
			const ms = Math.round(performance.now() - started);
			const ok = res.status >= 200 && res.status < 300;
			const location = res.status >= 300 && res.status < 400 ? ` (redirect to ${res.headers.get('location') ?? 'nowhere'}, not followed)` : '';
			const said = body === '' ? '' : `: ${outsideText(body)}`;
			return {ok, output: `${label} → ${res.status}${res.statusText ? ` ${outsideText(res.statusText, 100)}` : ''} in ${ms} ms${location}${said}`};
		});
	} catch (error) {
		if (opts.signal.aborted) throw new DriverError('aborted', `${label}: cancelled by the caller`);
		// The bounded signal's reason (a timeout) reaches here as is, or wrapped by fetch.
		const reason = error instanceof DriverError ? error : (error as {cause?: unknown}).cause instanceof DriverError ? ((error as {cause: DriverError}).cause) : undefined;
		if (reason) return {ok: false, output: reason.message};
		return {ok: false, output: `${label}: ${outsideText(fetchFailure(error), 300)}`};
	}
}

/** Runs a definition's check for a tier (the tier's canary percent): a verdict, whatever happens. */
export async function runSanity(check: SanityCheck, run: {service: string; tier: number; signal: AbortSignal; context?: CallContext}): Promise<SanityResult> {
	if (check.kind === 'http') return httpSanity(check, run);
	try {
		return await new ExecDriver(check, {service: run.service}).sanity(run.tier, {signal: run.signal, context: {...run.context, tier: run.tier}});
	} catch (error) {
		if (run.signal.aborted) throw error;
		return {ok: false, output: error instanceof Error ? error.message : String(error)};
	}
}
