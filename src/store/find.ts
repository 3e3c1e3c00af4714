import type {Deployment} from '../core/model/index.js';
import type {Store} from './api.js';

/** A deployment by id, live or archived, through whatever the store offers (a fake holds all in `read()`). */
export async function findDeployment(store: Store, id: string): Promise<Deployment | undefined> {
	if (store.deployment) return (await store.deployment(id))?.deployment;
	return (await store.read()).deployments.find(d => d.id === id);
}
