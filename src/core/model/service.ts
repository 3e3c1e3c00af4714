import {z} from 'zod';
import {findControl, TEXT_LIMITS, textProblem} from '../text.js';
import {AdminSignature} from './signature.js';
import {MetricsSpec} from './metrics-source.js';
import {NAME_PATTERN, NAME_RULE} from '../names.js';

/**
 * A service definition: which target carries the service's traffic and how, the sanity check per
 * tier, and (next) where its metrics come from. The engine is pure and knows no driver, so here the
 * target's settings, the checks and the metrics are bounded JSON data; the drivers' own schemas
 * (src/drivers/targets) validate what they mean before an admin signs (calyx service apply).
 */

const Iso = z.iso.datetime({offset: true});
/** The rules of an intent's service name: a definition is looked up by it. */
const Name = z.string().regex(NAME_PATTERN, NAME_RULE);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const TARGET_KINDS = ['simulated', 'haproxy', 'exec'] as const;
export type ServiceTargetKind = (typeof TARGET_KINDS)[number];

/** What data a definition may hold: enough for any router's settings, small enough for every screen and statement. */
export const DEFINITION_LIMITS = {bytes: 64 * 1024, depth: 8, items: 256, keyLength: 128} as const;

type Path = Array<string | number>;

/**
 * Why `value` is not plain, bounded JSON text a terminal can show, and where: a string or key with a
 * control character (it is shown to the admins who sign it, and goes into the audit trail), a
 * non-finite number, a value JSON cannot hold, too deep or too many items.
 */
export function jsonProblem(value: unknown, path: Path = [], depth = 0): {path: Path; message: string} | undefined {
	if (value === null || typeof value === 'boolean') return undefined;
	if (typeof value === 'string') {
		const problem = textProblem(value, TEXT_LIMITS.text);
		return problem ? {path, message: problem} : undefined;
	}
	if (typeof value === 'number') return Number.isFinite(value) ? undefined : {path, message: 'must be a finite number'};
	if (typeof value !== 'object') return {path, message: `a ${typeof value} is not JSON`};
	if (depth >= DEFINITION_LIMITS.depth) return {path, message: `nested more than ${DEFINITION_LIMITS.depth} levels deep`};
	const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
	if (entries.length > DEFINITION_LIMITS.items) return {path, message: `has ${entries.length} items: at most ${DEFINITION_LIMITS.items} are allowed`};
	for (const [key, v] of entries) {
		if (typeof key === 'string') {
			const control = findControl(key);
			if (control || key.length > DEFINITION_LIMITS.keyLength) return {path: [...path, key], message: `is not a name: a key holds printable text of at most ${DEFINITION_LIMITS.keyLength} characters`};
		}
		const problem = jsonProblem(v, [...path, key], depth + 1);
		if (problem) return problem;
	}
	return undefined;
}

const bounded = (value: unknown, ctx: z.RefinementCtx) => {
	const problem = jsonProblem(value);
	if (problem) ctx.addIssue({code: 'custom', message: problem.message, path: problem.path});
};


export const ServiceTarget = z
	.object({kind: z.enum(TARGET_KINDS, {error: `must be one of ${TARGET_KINDS.join(', ')}`})})
	.catchall(z.unknown())
	.superRefine((t, ctx) => {
		const settings = Object.keys(t).filter(k => k !== 'kind');
		// Nothing to configure on the simulator: a setting there is a mistake (a kind mistyped?), not a no-op.
		if (t.kind === 'simulated' && settings.length > 0) ctx.addIssue({code: 'custom', message: 'the simulated target takes no settings', path: [settings[0]!]});
	});
export type ServiceTarget = z.infer<typeof ServiceTarget>;

/** One sanity check and the tiers (canary percents) it runs at; without `tiers`, at every tier. */
export const SanityEntry = z
	.object({
		tiers: z
			.array(z.number().int().min(1).max(100))
			.min(1)
			.max(16)
			.refine(t => t.every((p, i) => i === 0 || p > t[i - 1]!), 'must be increasing percents from 1 to 100')
			.optional(),
		check: z.object({kind: z.string().min(1).max(32)}).catchall(z.unknown()),
	})
	.strict();
export type SanityEntry = z.infer<typeof SanityEntry>;

export const ServiceDefinition = z
	.object({
		name: Name,
		target: ServiceTarget,
		sanity: z.array(SanityEntry).max(16).optional(),
		/** Where the gate's readings come from (model/metrics-source.ts); absent: the simulator or pushes. */
		metrics: MetricsSpec.optional(),
	})
	.strict()
	.superRefine((d, ctx) => {
		bounded(d, ctx);
		const bytes = Buffer.byteLength(JSON.stringify(d));
		if (bytes > DEFINITION_LIMITS.bytes) ctx.addIssue({code: 'custom', message: `is ${bytes} bytes: at most ${DEFINITION_LIMITS.bytes} are allowed`, path: []});
	});
export type ServiceDefinition = z.infer<typeof ServiceDefinition>;

/** Shown to the admins who sign it and in the audit trail: held to the rules of all free text, and required. */
const Reason = z.string().superRefine((r, ctx) => {
	const problem = r.trim() === '' ? 'a non-empty reason is required' : textProblem(r, TEXT_LIMITS.text);
	if (problem) ctx.addIssue({code: 'custom', message: problem});
});

/**
 * What admins sign to put a definition in force for a service, or change it: the whole definition,
 * its digest, and `prev`, the digest of the service's previous statement ('' for the first), so a
 * statement applies once, in order, and an old definition cannot be put back by replaying it.
 */
export const ServiceStatement = z
	.object({
		v: z.literal(1),
		kind: z.literal('calyx.service'),
		name: Name,
		definition: ServiceDefinition,
		/** sha256 of the definition's canonical (RFC 8785) JSON. */
		digest: Hex64,
		reason: Reason,
		at: Iso,
		prev: z.union([Hex64, z.literal('')]),
	})
	.strict()
	.refine(s => s.definition.name === s.name, {message: 'must be the name the statement is about', path: ['definition', 'name']});
export type ServiceStatement = z.infer<typeof ServiceStatement>;

export const SignedServiceStatement = z.object({statement: ServiceStatement, signatures: z.array(AdminSignature).max(64)}).strict();
export type SignedServiceStatement = z.infer<typeof SignedServiceStatement>;

/** A service's definition in force, and the statements that put it there (checked by core/service.ts). */
export const ServiceRecord = z.object({
	name: Name,
	definition: ServiceDefinition,
	digest: Hex64,
	appliedAt: Iso,
	appliedBy: z.string(),
	statements: z.array(SignedServiceStatement),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;
