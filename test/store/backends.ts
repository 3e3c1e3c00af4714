/**
 * The two stores the contract suite runs against: the file store in a temp directory and the etcd
 * store on a real 3-member cluster (one cluster per test file; each store under a name of its own,
 * so that tests do not see each other's keys).
 */
import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll} from 'vitest';
import {initEtcdStore, openEtcdStore, parseStoreUrl, type EtcdTarget} from '../../src/store/etcd/index.js';
import {initStore, openStore, type BatchStore} from '../../src/store/index.js';
import {etcdSkipReason, startCluster, type EtcdCluster} from '../helpers/etcd-cluster.js';
import {tempDir} from './helpers.js';

export interface Backend {
	name: 'file' | 'etcd';
	/** Why this backend's tests cannot run here (printed), or undefined. */
	absent: string | undefined;
	/** A new, empty store and how to open it again (another process's view). */
	fresh(): Promise<{store: BatchStore; reopen(): Promise<BatchStore>; where: string}>;
}

export const fileBackend: Backend = {
	name: 'file',
	absent: undefined,
	async fresh() {
		const dir = tempDir();
		const {store} = await initStore(dir);
		return {store, reopen: () => openStore(dir), where: dir};
	},
};

/** The etcd backend; call once at a test file's top level (it starts the cluster before the file's tests). */
export function etcdBackend(): Backend & {cluster(): EtcdCluster; target(): EtcdTarget} {
	const absent = etcdSkipReason('the etcd store tests');
	let cluster: EtcdCluster | undefined;
	const home = tempDir();
	const targetOf = () => {
		const parsed = parseStoreUrl(`${cluster!.url}/t${randomBytes(5).toString('hex')}`);
		if ('problem' in parsed) throw new Error(parsed.problem);
		return parsed;
	};
	if (!absent) {
		beforeAll(async () => {
			cluster = await startCluster();
		}, 60_000);
		afterAll(async () => {
			await cluster?.stop();
		});
	}
	return {
		name: 'etcd',
		absent,
		cluster: () => cluster!,
		target: targetOf,
		async fresh() {
			const target = targetOf();
			const {store} = await initEtcdStore(target, {stateHome: home});
			return {store, reopen: () => openEtcdStore(target, {stateHome: home}), where: target.prefix};
		},
	};
}
