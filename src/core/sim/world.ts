import {z} from 'zod';

export const Scenario = z.object({
	/** healthy: stays within bands; degrading: breaches critical once the canary reaches `atPercent`; noisy: occasional warnings. */
	kind: z.enum(['healthy', 'degrading', 'noisy']),
	atPercent: z.number().min(0).max(100).optional(),
	/** The sanity check fails when the canary reaches this share. */
	sanityFailAt: z.number().min(0).max(100).optional(),
	/** Reverting leaves traffic on the canary: the rollback cannot be verified. */
	rollbackDrift: z.boolean().optional(),
});
export type Scenario = z.infer<typeof Scenario>;

export const FleetState = z.object({
	service: z.string(),
	replicas: z.number().int(),
	stable: z.object({version: z.string()}),
	canary: z.object({version: z.string(), weight: z.number()}).nullable(),
});
export type FleetState = z.infer<typeof FleetState>;

export const SimService = z.object({
	fleet: FleetState,
	load: z.number().min(0).max(100),
	scenario: Scenario,
	/** Polls since the canary's weight last changed: scenarios unfold per tier. */
	tierPolls: z.number().int().min(0),
	polls: z.number().int().min(0),
});
export type SimService = z.infer<typeof SimService>;

export const SimWorld = z.object({
	kind: z.literal('simulated'),
	seed: z.number().int(),
	services: z.record(z.string(), SimService),
});
export type SimWorld = z.infer<typeof SimWorld>;

export const emptyWorld = (seed = 1): SimWorld => ({kind: 'simulated', seed, services: {}});
