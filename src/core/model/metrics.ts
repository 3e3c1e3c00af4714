import {z} from 'zod';

/** The four metrics the auto-halt monitor watches (the seed's CP19). */
export const METRICS = ['tesDelta', 'errorRate', 'cpu', 'memory'] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * Which side of a band is bad, and the physically possible range of a value.
 * Out-of-range values are refused before evaluation: a 4000% CPU reading is a broken
 * probe, not a reason to halt production.
 */
export const METRIC_INFO: Record<
	MetricName,
	{label: string; flag: string; direction: 'below' | 'above'; min: number; max: number; unit: string}
> = {
	tesDelta: {label: 'TES', flag: '--tes-delta', direction: 'below', min: -100, max: 100, unit: '%'},
	errorRate: {label: 'error rate', flag: '--error-rate', direction: 'above', min: 0, max: 100, unit: '%'},
	cpu: {label: 'CPU', flag: '--cpu', direction: 'above', min: 0, max: 1000, unit: '%'},
	memory: {label: 'memory', flag: '--memory', direction: 'above', min: 0, max: 100, unit: '%'},
};

export const Band = z.object({warning: z.number(), critical: z.number()});
export type Band = z.infer<typeof Band>;

export const Thresholds = z
	.object({tesDelta: Band, errorRate: Band, cpu: Band, memory: Band})
	.superRefine((t, ctx) => {
		for (const name of METRICS) {
			const {direction} = METRIC_INFO[name];
			const {warning, critical} = t[name];
			const ordered = direction === 'below' ? critical < warning : critical > warning;
			if (!ordered) {
				ctx.addIssue({
					code: 'custom',
					path: [name],
					message: `${name}: critical (${critical}) must be ${direction === 'below' ? 'below' : 'above'} warning (${warning})`,
				});
			}
		}
	});
export type Thresholds = z.infer<typeof Thresholds>;

export const DEFAULT_THRESHOLDS: Thresholds = {
	tesDelta: {warning: -2, critical: -5},
	errorRate: {warning: 1, critical: 2},
	cpu: {warning: 110, critical: 120},
	memory: {warning: 90, critical: 95},
};

const metricValue = (name: MetricName) =>
	z
		.number()
		.refine(Number.isFinite, {message: `${name} must be a finite number`})
		.refine(v => v >= METRIC_INFO[name].min && v <= METRIC_INFO[name].max, {
			message: `${name} must be between ${METRIC_INFO[name].min} and ${METRIC_INFO[name].max}`,
		});

/** One observation of a deployment's canary. Any subset of the metrics, at least one. */
export const Sample = z
	.object({
		at: z.iso.datetime({offset: true}),
		tesDelta: metricValue('tesDelta').optional(),
		errorRate: metricValue('errorRate').optional(),
		cpu: metricValue('cpu').optional(),
		memory: metricValue('memory').optional(),
		/** The definition's own metrics, by name (their bands are in the definition). */
		custom: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/), z.number().refine(Number.isFinite, {message: 'must be a finite number'})).optional(),
		/** TES Δ's two readings, when it was computed from them: the canary's and the stable version's. */
		tes: z.object({canary: z.number().refine(Number.isFinite), stable: z.number().refine(Number.isFinite)}).strict().optional(),
	})
	.strict()
	.refine(s => METRICS.some(m => s[m] !== undefined) || Object.keys(s.custom ?? {}).length > 0, {message: `a sample needs at least one of ${METRICS.join(', ')} or a custom metric`});
export type Sample = z.infer<typeof Sample>;

/** What `z.iso.datetime({offset: true})` accepts, for checks by hand of a common shape. */
export const AT_PATTERN = (z.iso.datetime({offset: true}) as unknown as {_zod: {def: {pattern: RegExp}}})._zod.def.pattern;

/** What `Sample` accepts, for the common shape (`at` and any of the four metrics), checked by hand; false means "ask zod". */
function plainSampleOk(v: unknown): boolean {
	if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
	let at = false;
	let metrics = 0;
	for (const key in v) {
		const x = (v as Record<string, unknown>)[key];
		if (key === 'at') {
			if (typeof x !== 'string' || !AT_PATTERN.test(x)) return false;
			at = true;
			continue;
		}
		if (!Object.hasOwn(METRIC_INFO, key)) return false;
		const info = METRIC_INFO[key as MetricName];
		if (typeof x !== 'number' || !Number.isFinite(x) || x < info.min || x > info.max) return false;
		metrics++;
	}
	return at && metrics > 0;
}

/**
 * A sample as the state stores it: the same rules as `Sample`, but the common shape is checked by
 * hand. A whole read validates every window's samples (3,000 with 50 live canaries), and zod's
 * parse of each allocated about 2 KB; anything the hand check does not vouch for (custom metrics,
 * TES readings, any problem) goes through `Sample`, whose issues it reports as its own.
 */
export const StoredSample = z.unknown().superRefine((v, ctx) => {
	if (plainSampleOk(v)) return;
	const parsed = Sample.safeParse(v);
	if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({code: 'custom', message: issue.message, path: issue.path});
}) as unknown as z.ZodType<Sample>;

export type Level = 'ok' | 'warning' | 'critical';
export const LEVEL_RANK: Record<Level, number> = {ok: 0, warning: 1, critical: 2};
