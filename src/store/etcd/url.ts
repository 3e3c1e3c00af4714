/**
 * Where an etcd store lives: `etcd://h1:2379,h2:2379,h3:2379[/name]`, `etcds://…` for TLS. The
 * name (default `default`) keeps several calyx stores apart on one cluster: every key is under
 * `calyx/<name>/`. TLS files and credentials come from the environment, never from the URL, so that
 * a password is not shown by `ps` nor kept in a shell's history.
 */
export interface EtcdTarget {
	/** `http(s)://host:port`, as the client dials them. */
	endpoints: string[];
	/** The key prefix of this store, ending in `/`. */
	prefix: string;
	name: string;
	tls?: {ca?: string; cert?: string; key?: string};
	auth?: {username: string; password: string};
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))$/;
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_ENDPOINTS = 9;

export const STORE_URL_HELP = 'etcd://host:port[,host:port…][/name] or etcds://… for TLS (name: a-z, 0-9, _ and -)';

/** Whether a --store value names etcd rather than a data directory. */
export const isEtcdUrl = (value: string) => /^etcds?:\/\//i.test(value);

/**
 * The target a URL names, or why it names none (said with the field and what is allowed). TLS and
 * auth from CALYX_ETCD_CA, CALYX_ETCD_CERT, CALYX_ETCD_KEY, CALYX_ETCD_USER, CALYX_ETCD_PASSWORD.
 */
export function parseStoreUrl(url: string, env: NodeJS.ProcessEnv = {}): EtcdTarget | {problem: string} {
	const m = /^(etcds?):\/\/([^/?#]*)(?:\/([^?#]*))?$/i.exec(url);
	if (!m) return {problem: `--store: "${url.slice(0, 80)}" is not a store URL (${STORE_URL_HELP})`};
	if (/^[^/]*@/.test(m[2]!)) return {problem: '--store: credentials do not go in the URL (ps and shell histories show it): set CALYX_ETCD_USER and CALYX_ETCD_PASSWORD'};
	const secure = m[1]!.toLowerCase() === 'etcds' || Boolean(env.CALYX_ETCD_CA || env.CALYX_ETCD_CERT);
	const hosts = m[2]!.split(',');
	if (hosts.length > MAX_ENDPOINTS) return {problem: `--store: ${hosts.length} endpoints; at most ${MAX_ENDPOINTS}`};
	const endpoints: string[] = [];
	for (const hp of hosts) {
		const at = hp.lastIndexOf(':');
		const host = at > 0 ? hp.slice(0, at) : '';
		const port = Number(hp.slice(at + 1));
		if (!HOST.test(host) || !Number.isInteger(port) || port < 1 || port > 65535 || !/^\d+$/.test(hp.slice(at + 1))) {
			return {problem: `--store: endpoint "${hp.slice(0, 80)}" is not host:port with a port from 1 to 65535 (${STORE_URL_HELP})`};
		}
		endpoints.push(`${secure ? 'https' : 'http'}://${host}:${port}`);
	}
	const name = m[3] === undefined || m[3] === '' ? 'default' : m[3];
	if (!NAME.test(name)) return {problem: `--store: store name "${name.slice(0, 80)}" is not allowed (a-z, 0-9, _ and -, at most 63, starting with a letter or digit)`};
	const username = env.CALYX_ETCD_USER;
	if (username !== undefined && env.CALYX_ETCD_PASSWORD === undefined) return {problem: 'CALYX_ETCD_PASSWORD: not set, but CALYX_ETCD_USER is (both or neither)'};
	if (username === undefined && env.CALYX_ETCD_PASSWORD !== undefined) return {problem: 'CALYX_ETCD_USER: not set, but CALYX_ETCD_PASSWORD is (both or neither)'};
	const tls = secure ? {...(env.CALYX_ETCD_CA ? {ca: env.CALYX_ETCD_CA} : {}), ...(env.CALYX_ETCD_CERT ? {cert: env.CALYX_ETCD_CERT} : {}), ...(env.CALYX_ETCD_KEY ? {key: env.CALYX_ETCD_KEY} : {})} : undefined;
	if (tls?.cert && !tls.key) return {problem: 'CALYX_ETCD_KEY: not set, but CALYX_ETCD_CERT is (a client certificate needs its key)'};
	return {
		endpoints,
		prefix: `calyx/${name}/`,
		name,
		...(tls ? {tls} : {}),
		...(username !== undefined ? {auth: {username, password: env.CALYX_ETCD_PASSWORD!}} : {}),
	};
}

/** The URL back, without credentials: what messages and `canary status` name. */
export const targetLabel = (t: Pick<EtcdTarget, 'endpoints' | 'name'>) =>
	`${t.endpoints[0]?.startsWith('https') ? 'etcds' : 'etcd'}://${t.endpoints.map(e => e.replace(/^https?:\/\//, '')).join(',')}/${t.name}`;
