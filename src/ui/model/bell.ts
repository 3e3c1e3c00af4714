import type {Deployment} from '../../core/index.js';

/** The statuses that call for a person: a halt, a rollback that failed, a tier waiting for two keys. */
export const CALLS_FOR_PERSON: ReadonlySet<Deployment['status']> = new Set(['halted', 'rollback_failed', 'awaiting_cosign']);

/**
 * The deployments that came to need a person since the statuses seen before: entered one of those
 * statuses (or appeared in one). Staying there is not news: the bell rings on the change, once.
 */
export function newlyCalling(before: ReadonlyMap<string, string>, deployments: ReadonlyArray<Pick<Deployment, 'id' | 'status'>>): string[] {
	return deployments.filter(d => CALLS_FOR_PERSON.has(d.status) && before.get(d.id) !== d.status).map(d => d.id);
}
