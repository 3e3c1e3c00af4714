import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {Etcd3} from 'etcd3';
import {initialState} from '../../core/engine/execute.js';
import type {Config} from '../../core/model/index.js';
import type {BatchStore} from '../api.js';
import {StoreError} from '../errors.js';
import {loadTrust} from '../trust.js';
import {stateHome} from '../xdg.js';
import type {Trust} from '../../core/trust.js';
import {EtcdStore} from './store.js';
import {unreachable} from './unreachable.js';
import type {EtcdTarget} from './url.js';

export {isEtcdUrl, parseStoreUrl, STORE_URL_HELP, targetLabel, type EtcdTarget} from './url.js';

export interface EtcdStoreOptions {
	trust?: Trust;
	stateHome?: string;
	/** How long a write retries conflicts, and how long the cluster may take to answer at open. */
	lockTimeoutMs?: number;
	connectTimeoutMs?: number;
}

/** A call that has not answered in this long fails (the client retries a lost host on another, within it). */
const CALL_MS = 2_500;
const DIAL_MS = 2_000;

const tlsFile = (name: string, path: string | undefined): Buffer | undefined => {
	if (!path) return undefined;
	try {
		return readFileSync(path);
	} catch (error) {
		throw new StoreError('IO', `${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, path);
	}
};

function client(target: EtcdTarget): Etcd3 {
	const ca = tlsFile('CALYX_ETCD_CA', target.tls?.ca);
	const cert = tlsFile('CALYX_ETCD_CERT', target.tls?.cert);
	const key = tlsFile('CALYX_ETCD_KEY', target.tls?.key);
	return new Etcd3({
		hosts: target.endpoints,
		dialTimeout: DIAL_MS,
		// Reads go a page at a time (pages.ts); a large live state still arrives in one reply.
		grpcOptions: {'grpc.max_receive_message_length': 64 * 1024 * 1024},
		defaultCallOptions: context => (context.isStream ? {} : {deadline: Date.now() + CALL_MS}),
		...(ca || cert ? {credentials: {rootCertificate: ca ?? Buffer.alloc(0), ...(key ? {privateKey: key} : {}), ...(cert ? {certChain: cert} : {})}} : {}),
		...(target.auth ? {auth: target.auth} : {}),
	});
}

/** Whether the cluster answers within the deadline; the error names the endpoints, never hangs. */
async function reach(etcd: Etcd3, target: EtcdTarget, ms: number): Promise<void> {
	const failed = await etcd
		.get(`${target.prefix}s/meta`)
		.options({deadline: Date.now() + ms})
		.exec()
		.then(
			() => undefined,
			(error: unknown) => error,
		);
	if (failed === undefined) return;
	etcd.close();
	throw unreachable(target.endpoints, failed);
}

/** A client of the store's cluster whether or not it holds a store yet (a migration's target, `store status`). */
export async function connectEtcdStore(target: EtcdTarget, opts: EtcdStoreOptions = {}): Promise<EtcdStore> {
	const etcd = client(target);
	await reach(etcd, target, opts.connectTimeoutMs ?? 5_000);
	const home = opts.stateHome ?? stateHome();
	const id = createHash('sha256').update(`${[...target.endpoints].sort().join(',')}/${target.prefix}`).digest('hex').slice(0, 12);
	// This box's own files for the store (the simulated target's world): never shared, never in etcd.
	const dir = join(home, 'calyx', 'etcd', `${target.name}-${id}`);
	await mkdir(dir, {recursive: true, mode: 0o700});
	// One member at a time (status, defragmentation): a client of that endpoint alone.
	const member = (endpoint: string) => client({...target, endpoints: [endpoint]});
	return new EtcdStore({client: etcd, target, trust: opts.trust ?? loadTrust(), dir, stateHome: home, lockTimeoutMs: opts.lockTimeoutMs ?? 15_000, member});
}

/** Opens an initialised store on the cluster; NOT_INITIALISED when it holds none under its name. */
export async function openEtcdStore(target: EtcdTarget, opts: EtcdStoreOptions = {}): Promise<EtcdStore> {
	const store = await connectEtcdStore(target, opts);
	try {
		await store.read();
		return store;
	} catch (error) {
		await store.close();
		throw error;
	}
}

/**
 * Makes the store's first state (rev 0, an empty trail) in one transaction that succeeds only if
 * none is there, or opens the one there: safe to run twice and from two boxes at once. Refuses to
 * start over beside an audit trail whose state is missing.
 */
export async function initEtcdStore(target: EtcdTarget, opts: EtcdStoreOptions & {config?: Config} = {}): Promise<{created: boolean; store: BatchStore}> {
	const store = await connectEtcdStore(target, opts);
	try {
		const created = await store.create(initialState(opts.config));
		await store.read();
		return {created, store};
	} catch (error) {
		await store.close();
		throw error;
	}
}
