import {StoreError} from '../errors.js';

/** The gRPC client's words, as an operator reads them: what failed, without the transport's notes. */
function reason(error: unknown): string {
	const raw = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
	if (/DEADLINE_EXCEEDED/.test(raw)) return 'no answer in time';
	if (/UNAVAILABLE/.test(raw)) return `no connection: ${raw.replace(/^\d+ UNAVAILABLE:\s*/, '').replace(/\s*Resolution note:.*$/, '').replace(/[\s.(]+$/, '') || 'refused'}`;
	if (/authentication is not enabled/.test(raw)) return 'the cluster has no authentication enabled: unset CALYX_ETCD_USER and CALYX_ETCD_PASSWORD';
	return raw.replace(/^\d+ [A-Z_]+:\s*/, '').slice(0, 200);
}

/** A call the cluster did not serve, as the operator reads it: which endpoints, and why. */
export function unreachable(endpoints: readonly string[], error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	return new StoreError('IO', `the etcd cluster at ${endpoints.join(', ')} could not be used (${reason(error)}); nothing was read or written`, endpoints.join(','));
}
