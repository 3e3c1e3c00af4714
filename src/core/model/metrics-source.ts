import {z} from 'zod';
import {parseDuration} from '../duration.js';
import {METRICS} from './metrics.js';

/**
 * Where a service's gate readings come from, in its definition (signed by the admins, then by the
 * two keys of every lease): Prometheus queries polled by the engine, samples pushed with `calyx
 * metrics push`, or the simulator. Plain data: the Prometheus driver (src/drivers/metrics) runs it.
 */

export const METRICS_SOURCES = ['prometheus', 'push', 'simulated'] as const;
export type MetricsSourceKind = (typeof METRICS_SOURCES)[number];

/** What `{{…}}` a query may name besides the definition's own variables. */
export const BUILTIN_VARIABLES = ['service', 'canary', 'stable', 'window'] as const;

const Duration = z
	.string()
	.refine(t => (parseDuration(t) ?? 0) > 0, 'a duration like 5s, 1m or 1m30s (units ms, s, m, h, d)');
const VarName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/, 'a letter, then letters, digits or "_" (at most 32)');
const Query = z.string().min(1).max(2000);

/** How one metric's readings are tolerated: a budget of critical readings, what no data means, how often to ask. */
const Policy = {
	/** Critical readings in the tier that halt it (1: the first one, calyx's default). */
	failureLimit: z.number().int().min(1).max(100).optional(),
	/** `hold` (default): no data holds the gate and says so; `fail`: a reading without data counts as a critical one. */
	noData: z.enum(['hold', 'fail']).optional(),
	interval: Duration.optional(),
};

/** A gate metric: one query, or TES Δ's two (the canary's and the stable version's). */
export const MetricCheck = z.object({query: Query.optional(), canary: Query.optional(), stable: Query.optional(), ...Policy}).strict();
export type MetricCheck = z.infer<typeof MetricCheck>;

export const CustomMetric = z
	.object({
		name: VarName,
		label: z.string().min(1).max(32).optional(),
		query: Query,
		direction: z.enum(['above', 'below'], {error: 'must be above (a ceiling) or below (a floor)'}),
		warning: z.number(),
		critical: z.number(),
		unit: z.string().max(8).optional(),
		...Policy,
	})
	.strict()
	.refine(c => (c.direction === 'below' ? c.critical < c.warning : c.critical > c.warning), {
		message: 'critical must lie beyond warning in the metric\'s direction',
		path: ['critical'],
	});
export type CustomMetric = z.infer<typeof CustomMetric>;

const HeaderName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name');

/** A secret given by where the engine finds it when it asks: an environment variable of its process, or a file of its host. */
export const EnvRef = z.object({env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')}).strict();
export const FileRef = z.object({file: z.string().min(2).max(1024).refine(p => p.startsWith('/'), 'an absolute path')}).strict();
export const SecretRef = z.union([EnvRef, FileRef]);
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * A header's value: plain text (shown to every signer, kept in the data directory), or where the
 * engine finds it when it asks, for a credential: an environment variable or a file of its host.
 */
export const HeaderValue = z.union([z.string().max(4096), EnvRef, FileRef]);
export type HeaderValue = z.infer<typeof HeaderValue>;

/** Header names that carry credentials (Authorization, X-Api-Key, Cookie, …): their value may not be written into a definition. */
const CREDENTIAL = /auth|token|key|secret|cookie|passw|session|credential/i;

export const PrometheusSource = z
	.object({
		address: z
			.string()
			.max(512)
			.refine(a => URL.canParse(a) && /^https?:$/.test(new URL(a).protocol), 'an http:// or https:// address')
			// Every signer and every screen shows the address: a credential goes in a header, by reference.
			.refine(a => !URL.canParse(a) || (new URL(a).username === '' && new URL(a).password === ''), 'must not carry credentials (user:password@): give an Authorization header by reference ({env} or {file})'),
		/** Sent with every query; a credential by reference only (`{env}` or `{file}`), never in the definition. */
		headers: z.record(HeaderName, HeaderValue).optional(),
		/** At most 30 s: a poll that waits longer says nothing in time about a canary taking traffic. */
		timeout: Duration.refine(t => (parseDuration(t) ?? 0) <= 30_000, 'at most 30s').optional(),
	})
	.strict()
	.superRefine((p, ctx) => {
		for (const [name, value] of Object.entries(p.headers ?? {})) {
			if (typeof value === 'string' && CREDENTIAL.test(name)) {
				ctx.addIssue({code: 'custom', path: ['headers', name], message: `a credential is not written into a definition (every signer sees it, the data directory keeps it): give {env: NAME} or {file: /path} for the engine's host`});
			}
		}
	});
export type PrometheusSource = z.infer<typeof PrometheusSource>;

const Checks = z.object(Object.fromEntries(METRICS.map(m => [m, MetricCheck.optional()])) as Record<(typeof METRICS)[number], z.ZodOptional<typeof MetricCheck>>).strict();

export const MetricsSpec = z
	.object({
		source: z.enum(METRICS_SOURCES, {error: `must be one of ${METRICS_SOURCES.join(', ')}`}),
		prometheus: PrometheusSource.optional(),
		interval: Duration.optional(),
		/** The query window, `{{window}}` in a query: a PromQL duration. */
		window: Duration.optional(),
		/** Prometheus' scrape interval for the service: the default warm-up counts two. */
		scrapeInterval: Duration.optional(),
		/** How long after the target confirms a tier before its first reading (default: window + two scrapes). */
		initialDelay: Duration.optional(),
		consecutiveErrorLimit: z.number().int().min(1).max(100).optional(),
		variables: z.record(VarName, z.string().max(256)).optional(),
		checks: Checks.optional(),
		custom: z.array(CustomMetric).max(16).optional(),
	})
	.strict()
	.superRefine((spec, ctx) => {
		for (const problem of specProblems(spec)) ctx.addIssue({code: 'custom', ...problem});
	});
export type MetricsSpec = z.infer<typeof MetricsSpec>;

type Problem = {path: Array<string | number>; message: string};

/** `{{name}}` placeholders of a query, in order. */
export const placeholders = (query: string): string[] => [...query.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map(m => m[1]!);

function specProblems(spec: MetricsSpec): Problem[] {
	const problems: Problem[] = [];
	const checks = Object.entries(spec.checks ?? {}) as Array<[string, MetricCheck]>;
	const custom = spec.custom ?? [];
	if (spec.source !== 'prometheus') {
		if (spec.prometheus) problems.push({path: ['prometheus'], message: `only a prometheus source has prometheus settings (source is ${spec.source})`});
		if (custom.length > 0) problems.push({path: ['custom'], message: 'custom metrics are read from Prometheus: they need source prometheus'});
		for (const [name, check] of checks) {
			if (check.query ?? check.canary ?? check.stable) problems.push({path: ['checks', name], message: `a ${spec.source} source runs no query: only failureLimit and noData apply`});
		}
		return problems;
	}
	if (!spec.prometheus) problems.push({path: ['prometheus'], message: 'a prometheus source needs prometheus.address'});
	if (checks.length === 0 && custom.length === 0) problems.push({path: ['checks'], message: 'a prometheus source needs at least one query (checks or custom)'});
	// TES Δ compares with the stable version, which serves nothing at 100 %: alone, it would leave the last tier unjudged.
	else if (checks.every(([name]) => name === 'tesDelta') && custom.length === 0) {
		problems.push({path: ['checks'], message: 'TES Δ is not judged at 100 % (the stable version serves nothing to compare with): add a query that judges the last tier too (errorRate, cpu, memory or a custom metric)'});
	}
	for (const [name, check] of checks) {
		const pair = name === 'tesDelta';
		if (pair && (check.query || !check.canary || !check.stable)) {
			problems.push({path: ['checks', name], message: 'TES Δ compares two queries: give canary and stable (the delta is computed in percent), not query'});
		}
		if (!pair && (!check.query || check.canary || check.stable)) problems.push({path: ['checks', name], message: `${name} needs query (canary and stable are TES Δ's)`});
	}
	const names = new Set<string>(METRICS);
	for (const [i, c] of custom.entries()) {
		if (names.has(c.name)) problems.push({path: ['custom', i, 'name'], message: `${c.name} is taken (by a gate metric or another custom metric)`});
		names.add(c.name);
	}
	const declared = Object.keys(spec.variables ?? {});
	for (const v of declared) {
		if ((BUILTIN_VARIABLES as readonly string[]).includes(v)) problems.push({path: ['variables', v], message: `${v} is built in: choose another name`});
	}
	const allowed = new Set<string>([...BUILTIN_VARIABLES, ...declared]);
	const queries: Array<[Array<string | number>, string | undefined]> = [
		...checks.flatMap(([name, c]) => (['query', 'canary', 'stable'] as const).map(k => [['checks', name, k], c[k]] as [Array<string | number>, string | undefined])),
		...custom.map((c, i) => [['custom', i, 'query'], c.query] as [Array<string | number>, string]),
	];
	for (const [path, query] of queries) {
		for (const name of query ? placeholders(query) : []) {
			if (!allowed.has(name)) problems.push({path, message: `unknown variable {{${name}}}: allowed are ${[...allowed].map(a => `{{${a}}}`).join(', ')} (declare it under variables)`});
		}
	}
	return problems;
}
