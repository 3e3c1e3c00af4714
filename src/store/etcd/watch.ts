import type {Etcd3, Watcher} from 'etcd3';
import type {ChangeNotice} from '../api.js';
import type {KeyLayout} from './keys.js';

/** Changes within this window are told once (a commit puts several keys at one revision). */
const COALESCE_MS = 20;
/** How soon a watch that ended (compacted, cancelled) is made again. */
const REWATCH_MS = 250;

/**
 * The change feed: a watch on the store's prefix, told as the file store tells its directory's
 * changes. A watch cancelled (its start revision compacted, the server gone) is made again and
 * reported as a change of everything, so that a reader re-reads what it may have missed.
 */
export function watchPrefix(client: Etcd3, keys: KeyLayout, listener: (what: ChangeNotice) => void): () => void {
	let stopped = false;
	let watcher: Watcher | undefined;
	let pending: ChangeNotice | undefined;
	let timer: NodeJS.Timeout | undefined;
	const flush = () => {
		timer = undefined;
		const what = pending;
		pending = undefined;
		if (what && !stopped) listener(what);
	};
	const tell = (what: Partial<ChangeNotice>) => {
		pending = {state: Boolean(pending?.state || what.state), audit: Boolean(pending?.audit || what.audit), metrics: Boolean(pending?.metrics || what.metrics)};
		timer ??= setTimeout(flush, COALESCE_MS);
	};
	const onKey = (kv: {key: Buffer}) => {
		const kind = keys.kindOf(kv.key.toString());
		if (kind) tell({[kind]: true});
	};
	const again = () => {
		if (stopped) return;
		const old = watcher;
		watcher = undefined;
		void old?.cancel().catch(() => undefined);
		setTimeout(() => void start(), REWATCH_MS).unref();
		tell({state: true, audit: true, metrics: true});
	};
	const start = async () => {
		if (stopped) return;
		const w = await client.watch().prefix(keys.prefix).create().catch(() => undefined);
		if (!w) return again();
		if (stopped) return void w.cancel().catch(() => undefined);
		watcher = w;
		// Only the current watch's end starts another: cancelling an old one ends it too.
		const lost = () => watcher === w && again();
		w.on('put', onKey).on('delete', onKey).on('error', lost).on('end', lost);
	};
	void start();
	return () => {
		stopped = true;
		if (timer) clearTimeout(timer);
		void watcher?.cancel().catch(() => undefined);
	};
}
