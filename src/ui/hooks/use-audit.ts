import type {AuditEvent} from '../../core/index.js';
import type {Store} from '../../store/api.js';
import {useStoreQuery} from './use-store-query.js';

/** Recent audit events, all of them or one deployment's, reloaded when the trail grows. */
export function useAudit(
	store: Store,
	scope: {deploymentId?: string; limit: number} | undefined,
	version: number,
): {events?: AuditEvent[]; error?: string} {
	const subject = scope ? `${scope.deploymentId ?? '*'}:${scope.limit}` : undefined;
	const {data, error} = useStoreQuery(subject, version, () =>
		store.audit(scope!.deploymentId ? {deploymentId: scope!.deploymentId, limit: scope!.limit} : {limit: scope!.limit}),
	);
	return {...(data ? {events: data} : {}), ...(error ? {error} : {})};
}
