import {StoreError} from '../errors.js';

/** A call the cluster did not answer, as the operator reads it: which endpoints, and the client's reason. */
export function unreachable(endpoints: readonly string[], error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
	return new StoreError('IO', `the etcd cluster at ${endpoints.join(', ')} did not answer (${why}); nothing was read or written`, endpoints.join(','));
}
