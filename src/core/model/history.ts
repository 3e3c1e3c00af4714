import {z} from 'zod';

const Iso = z.iso.datetime({offset: true});

/**
 * How much of each service's past the live document keeps: enough for every decision that looks
 * back (the risk score's recent rollbacks, the version in place, what a rollback would undo), and
 * bounded so that the document does not grow with the years. The archive keeps everything.
 */
export const HISTORY_KEEP = 64;

/** An archived deployment that still stands: completed and not rolled back since. */
export const StandingRef = z.object({id: z.string(), createdAt: Iso, version: z.string()});
export type StandingRef = z.infer<typeof StandingRef>;

/** When an archived deployment's rollback began. */
export const RollbackRef = z.object({id: z.string(), at: Iso, /** The change rolled back: `intent retry` links a new intent to it. */ intentId: z.string().optional()});
export type RollbackRef = z.infer<typeof RollbackRef>;

export const ServiceHistory = z.object({
	/** Oldest first. */
	standing: z.array(StandingRef).max(HISTORY_KEEP),
	/** Oldest first. */
	rollbacks: z.array(RollbackRef).max(HISTORY_KEEP),
});
export type ServiceHistory = z.infer<typeof ServiceHistory>;

/** What the live document remembers of the deployments it handed to the archive. */
export const History = z.object({
	archived: z.number().int().min(0),
	/** Archived deployments by status. */
	statuses: z.record(z.string(), z.number().int().min(0)),
	/** The newest id of each kind that left the document: new ids never reuse one. */
	lastIds: z.object({deployment: z.string().optional(), intent: z.string().optional(), lease: z.string().optional()}),
	services: z.record(z.string(), ServiceHistory),
});
export type History = z.infer<typeof History>;

export const emptyHistory = (): History => ({archived: 0, statuses: {}, lastIds: {}, services: {}});
