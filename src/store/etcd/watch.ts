import type {Etcd3, Watcher} from 'etcd3';
import type {ChangeNotice} from '../api.js';
import type {KeyLayout} from './keys.js';

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
	const tell = (what: ChangeNotice) => {
		if (!stopped && (what.state || what.audit || what.metrics)) listener(what);
	};
	// A commit's keys change at one revision and come in one reply: told once, at once.
	const onReply = (res: {events: ReadonlyArray<{kv: {key: Buffer}}>}) => {
		const what: ChangeNotice = {state: false, audit: false, metrics: false};
		for (const event of res.events) {
			const kind = keys.kindOf(event.kv.key.toString());
			if (kind) what[kind] = true;
		}
		tell(what);
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
		w.on('data', onReply).on('error', lost).on('end', lost);
	};
	void start();
	return () => {
		stopped = true;
		void watcher?.cancel().catch(() => undefined);
	};
}
