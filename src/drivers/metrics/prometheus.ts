/**
 * A client of Prometheus' HTTP API: one instant query answering one number, and a probe. Plain
 * `fetch` (the API is JSON over HTTP; a client library adds nothing, see
 * ../shared/research/targets.md).
 *
 * An answer is a value, "no data" or an error, never a guess: an empty result or a NaN (0/0, no
 * traffic in the window) is no data, not a healthy 0; several series are an error (which one would
 * be the canary's?), as is anything Prometheus refuses. Every text that comes from outside (its
 * error text, a body, a version) is cut and has its control characters written out before it goes
 * into a message: messages reach the audit trail and the operator's terminal. Header values may be
 * credentials (`Authorization: Bearer …`): they are sent, and written into no message.
 *
 * Nothing here throws, except when the caller cancels: the caller's own `signal` rejects with its
 * reason (an engine stepping down has no reading), the way the drivers' sanity checks do.
 */
import {displayText} from '../../core/text.js';
import {boundedSignal} from '../targets/driver.js';

export interface PrometheusSettings {
	/** The API's base, `http://host:9090` or behind a path prefix `https://host/prometheus`. */
	address: string;
	/** Sent with every request as given (an Authorization header, a tenant id). */
	headers?: Record<string, string>;
	/** The bound on one call, the body read included (Prometheus is asked to stop evaluating at it too). */
	timeoutMs: number;
}

export type QueryAnswer =
	| {ok: true; value: number}
	| {ok: false; kind: 'no_data'; message: string}
	| {ok: false; kind: 'error'; message: string};

type Failure = {ok: false; message: string};

/** The most read of one answer: an instant query for one number answers in bytes, not megabytes. */
const BODY_MAX = 1024 * 1024;
/** The most of one outside text in a message (a Prometheus error, a body's start). */
const QUOTE_MAX = 300;
/** Header values shorter than this are not scrubbed from messages: "1" or "on" are no secrets, and scrubbing them would garble every message. */
const SECRET_MIN = 4;
/** A word of a header value this long is a credential's body (a token after its scheme), scrubbed alone too. */
const WORD_MIN = 8;
/** Go's float formatting (Prometheus writes sample values as strings): digits, no hex, no blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const fail = (message: string): Failure => ({ok: false, message});
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What makes outside text safe for a message: secrets out first (a cut must not leave half of one), then cut and escaped. */
function quoter(headers: Record<string, string> | undefined): (raw: string) => string {
	// The whole value, and each long word of it: a proxy that answers "token <the token> expired"
	// quotes the credential without its scheme ("Bearer", "Basic").
	const values = Object.values(headers ?? {}).map(v => v.trim());
	const words = values.flatMap(v => v.split(/\s+/)).filter(w => w.length >= WORD_MIN);
	const secrets = [...values.filter(v => v.length >= SECRET_MIN), ...words].sort((a, b) => b.length - a.length);
	return raw => displayText(secrets.reduce((t, s) => t.split(s).join('[header value]'), raw), QUOTE_MAX);
}

/** The endpoint `path` under the address, keeping its path prefix, without a doubled slash. */
function endpoint(address: string, path: string): {ok: true; url: URL; where: string} | Failure {
	let url: URL;
	try {
		url = new URL(address);
	} catch {
		return fail(`address ${displayText(JSON.stringify(address), 200)} is not an absolute URL (http://host:9090)`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`address must be http or https, not ${displayText(url.protocol, 20)}`);
	// The address is written into messages (the audit trail): a password has no place there. Use headers.
	if (url.username || url.password) return fail('address must not carry credentials (user:password@): send them as a header (Authorization)');
	if (url.search || url.hash) return fail('address must not carry a query or a fragment (?…, #…): it is the base the API paths go under');
	const prefix = url.pathname.replace(/\/+$/, '');
	url.pathname = prefix + path;
	return {ok: true, url, where: displayText(url.origin + prefix, 200)};
}

/** The request's headers: the settings' as given, then ours. A bad one is named, its value never shown (undici's own message quotes it). */
function headerSet(given: Record<string, string> | undefined, form: boolean): Headers | Failure {
	const headers = new Headers();
	for (const [name, value] of Object.entries(given ?? {})) {
		try {
			headers.set(name, value);
		} catch {
			return fail(`header ${displayText(JSON.stringify(name), 80)}: not a valid HTTP header name or value (the value is not shown)`);
		}
	}
	headers.set('accept', 'application/json');
	if (form) headers.set('content-type', 'application/x-www-form-urlencoded');
	return headers;
}

/** The body as text, reading at most BODY_MAX bytes: a huge or endless answer costs what its first megabyte costs. */
async function readBounded(res: Response): Promise<string | Failure> {
	const declared = Number(res.headers.get('content-length') ?? NaN);
	const tooLarge = (n: string) => fail(`answer of ${n} bytes: more than the ${BODY_MAX} read at most`);
	if (declared > BODY_MAX) {
		await res.body?.cancel().catch(() => undefined);
		return tooLarge(String(declared));
	}
	if (!res.body) return '';
	const reader = res.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const {done, value} = await reader.read();
			if (done) break;
			size += value.length;
			if (size > BODY_MAX) return tooLarge(`over ${BODY_MAX}`);
			chunks.push(value);
		}
	} finally {
		await reader.cancel().catch(() => undefined);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Why fetch failed, in its system's words: undici says only "fetch failed" and keeps the reason (`connect ECONNREFUSED 127.0.0.1:9090`) in `cause`. */
function fetchFailure(error: unknown): string {
	const cause = (error as {cause?: unknown}).cause;
	const describe = (e: unknown): string => {
		const {code, message, errors} = (e ?? {}) as {code?: unknown; message?: unknown; errors?: unknown};
		if (typeof message === 'string' && message !== '') return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
		// An AggregateError (every address of a name refused) has an empty message and its reasons inside.
		if (Array.isArray(errors) && errors.length > 0) return errors.map(describe).join('; ');
		return typeof code === 'string' ? code : String(e);
	};
	return cause === undefined ? describe(error) : describe(cause);
}

interface Call {
	settings: PrometheusSettings;
	path: string;
	/** A form-encoded POST when given (no URL length limit for a long query), else a GET. */
	form?: URLSearchParams;
	signal?: AbortSignal;
}

/** One call to the API: its `data` on `status: success`, or why not, in words fit for a message. */
async function callApi(call: Call): Promise<{ok: true; data: unknown} | Failure> {
	const {settings, signal} = call;
	const quote = quoter(settings.headers);
	const target = endpoint(settings.address, call.path);
	if (!target.ok) return target;
	const headers = headerSet(settings.headers, call.form !== undefined);
	if (!(headers instanceof Headers)) return headers;
	if (!Number.isFinite(settings.timeoutMs) || settings.timeoutMs <= 0) return fail(`timeoutMs must be a positive number of milliseconds, not ${String(settings.timeoutMs)}`);
	signal?.throwIfAborted();
	const ms = Math.ceil(settings.timeoutMs);
	// Not AbortSignal.any([signal, AbortSignal.timeout(ms)]): on Node 20 every composite stays reachable
	// from a long-lived parent (an engine's signal), ~65 bytes a call that no GC frees. This one timer
	// and one listener are removed when the call ends.
	const bound = boundedSignal(signal ?? new AbortController().signal, ms, 'Prometheus');
	let res: Response;
	let body: string | Failure;
	try {
		res = await fetch(target.url, {
			method: call.form ? 'POST' : 'GET',
			headers,
			body: call.form,
			signal: bound.signal,
			// A redirect is reported, not followed: it would carry the headers (credentials) wherever it points.
			redirect: 'manual',
		});
		body = await readBounded(res);
	} catch (error) {
		signal?.throwIfAborted();
		if (bound.signal.aborted) return fail(`no answer from Prometheus at ${target.where} within the timeout of ${ms} ms`);
		return fail(`cannot reach Prometheus at ${target.where}: ${quote(fetchFailure(error))}`);
	} finally {
		bound.dispose();
	}
	if (typeof body !== 'string') return body;
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		json = undefined;
	}
	const http = `HTTP ${res.status}${res.statusText ? ` ${quote(res.statusText)}` : ''}`;
	// Prometheus' own refusals (400 bad_data for bad PromQL, 422 execution, 503 timeout) come as JSON: its words say why.
	if (isRecord(json) && json.status === 'error') {
		return fail(`${quote(text(json.errorType) ?? 'error')}: ${quote(text(json.error) ?? '(no error text)')}${res.ok ? '' : ` (${http})`}`);
	}
	if (res.status >= 300 && res.status < 400) {
		return fail(`${http} from ${target.where}: a redirect to ${quote(res.headers.get('location') ?? 'nowhere')}, not followed: set the address to where it points`);
	}
	const start = quote(body.replace(/\s+/g, ' ').trim());
	if (!res.ok) return fail(`${http} from ${target.where}${start ? `: ${start}` : ''}`);
	if (!isRecord(json)) return fail(`an answer from ${target.where} that is not Prometheus' JSON${start ? `: ${start}` : ' (empty)'}`);
	if (json.status !== 'success') return fail(`an answer from ${target.where} with status ${quote(JSON.stringify(json.status) ?? 'missing')}, not "success"`);
	return {ok: true, data: json.data};
}

const noData = (message: string): QueryAnswer => ({ok: false, kind: 'no_data', message});
const error = (message: string): QueryAnswer => ({ok: false, kind: 'error', message});

/** One sample `[time, "value"]` as a number, or why it is none. */
function sampleValue(sample: unknown, quote: (raw: string) => string): QueryAnswer {
	const value = Array.isArray(sample) && sample.length === 2 ? text(sample[1]) : undefined;
	if (value === undefined) return error('a sample that is not [time, "value"]');
	if (/^nan$/i.test(value)) return noData('NaN (0/0: no traffic in the window?)');
	if (/^[+-]?inf(inity)?$/i.test(value)) return noData(`${value} (a division by zero: no traffic in the window?)`);
	if (!DECIMAL.test(value)) return error(`a value that is not a number: ${quote(JSON.stringify(value))}`);
	const number = Number(value);
	// A decimal past a double's range (1e999) parses to Infinity: the same "no number" as +Inf.
	return Number.isFinite(number) ? {ok: true, value: number} : noData(`${quote(value)} (beyond a double's range)`);
}

/** The one number an answer's data holds. */
function answerOf(data: unknown, quote: (raw: string) => string): QueryAnswer {
	if (!isRecord(data)) return error('an answer without data');
	const {resultType, result} = data;
	if (resultType === 'scalar') return sampleValue(result, quote);
	if (resultType === 'vector') {
		if (!Array.isArray(result)) return error('a vector answer without a result list');
		if (result.length === 0) return noData('empty result (no series matched)');
		if (result.length > 1) return error(`${result.length} series: aggregate the query (e.g. sum(…)) to one number`);
		return sampleValue(isRecord(result[0]) ? result[0].value : undefined, quote);
	}
	if (resultType === 'matrix') return error('a range vector (matrix): an instant query for one number needs an instant vector (rate(x[5m]), not x[5m])');
	return error(`a result of type ${quote(JSON.stringify(resultType) ?? 'missing')}: only a vector or a scalar gives one number`);
}

/**
 * Evaluates `query` at `opts.time` (unix ms; default: now, Prometheus' clock) and answers its one number.
 * Rejects only when `opts.signal` is aborted (with its reason).
 */
export async function queryInstant(settings: PrometheusSettings, query: string, opts: {signal?: AbortSignal; time?: number} = {}): Promise<QueryAnswer> {
	if (query.trim() === '') return error('an empty query');
	const form = new URLSearchParams({query});
	if (opts.time !== undefined) {
		if (!Number.isFinite(opts.time)) return error(`time must be unix milliseconds, not ${String(opts.time)}`);
		form.set('time', (opts.time / 1000).toFixed(3));
	}
	// Prometheus stops evaluating at its own timeout too: a query we gave up on does not keep its CPU busy.
	form.set('timeout', `${Math.max(1, Math.ceil(settings.timeoutMs))}ms`);
	const answer = await callApi({settings, path: '/api/v1/query', form, ...(opts.signal ? {signal: opts.signal} : {})});
	return answer.ok ? answerOf(answer.data, quoter(settings.headers)) : error(answer.message);
}

/**
 * Whether a Prometheus answers at the address, with these headers: its build info
 * (`Prometheus 2.42.0 at http://…`). An API without build info (a compatible store answering 404 there)
 * passes when it evaluates a constant query.
 */
export async function probePrometheus(settings: PrometheusSettings, opts: {signal?: AbortSignal} = {}): Promise<{ok: true; detail: string} | {ok: false; message: string}> {
	const signal = opts.signal ? {signal: opts.signal} : {};
	const target = endpoint(settings.address, '');
	const where = target.ok ? target.where : displayText(settings.address, 200);
	const info = await callApi({settings, path: '/api/v1/status/buildinfo', ...signal});
	if (info.ok) {
		const version = isRecord(info.data) ? text(info.data.version) : undefined;
		return {ok: true, detail: `Prometheus ${version ? displayText(version, 64) : '(version not given)'} at ${where}`};
	}
	if (!/^HTTP 404\b/.test(info.message)) return info;
	const constant = await queryInstant(settings, '1', opts);
	if (constant.ok && constant.value === 1) return {ok: true, detail: `a Prometheus API (no build info) at ${where}`};
	return fail(`${info.message}; and the query 1 answered ${constant.ok ? constant.value : constant.message}`);
}
