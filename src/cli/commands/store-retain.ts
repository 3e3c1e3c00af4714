import {resolve} from 'node:path';
import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {number} from '../parse.js';

const KEEP_DEFAULT = 100_000;

/** `calyx store retain`: an etcd store's audit retention (src/store/etcd/retention.ts). */
export function registerStoreRetain(store: Command, io: Io) {
	const cmd = store
		.command('retain')
		.description("an etcd store: move the audit trail's oldest events to a new file and remove them from the cluster (archive, then delete); the trail verifies from its base, which a chained audit.retained event vouches for")
		.option('--to <file>', 'a new file for the events moved (never overwritten)')
		.option('--keep <n>', `events kept on the cluster (default ${KEEP_DEFAULT}, at least 100)`, number({min: 100, max: 1_000_000_000, integer: true}))
		.action(
			action(io, async (cli, _args, o: {to?: string; keep?: number}) => {
				if (!(await cli.etcdTarget())) throw usage('store retain: an etcd store\'s (--store etcd://… or CALYX_STORE); a data directory keeps its whole trail');
				if (!o.to) throw usage('--to: required: a new file to move the oldest events to');
				const [{EtcdStore}, store] = await Promise.all([import('../../store/etcd/store.js'), cli.store()]);
				if (!(store instanceof EtcdStore)) throw usage('store retain: an etcd store\'s');
				const report = await store.retain(o.keep ?? KEEP_DEFAULT, resolve(o.to), cli.actor());
				cli.emit({ok: true, store: store.where, ...report}, r =>
					r.events === 0
						? `nothing to move: the trail on ${store.where} holds no more than ${o.keep ?? KEEP_DEFAULT} events past a commit's boundary`
						: `moved events ${r.from}…${r.through} (${r.events}) to ${r.file} (sha256 ${r.sha256}); the trail on ${store.where} starts after seq ${r.through}, vouched for by event ${r.vouchedBy}`,
				);
			}),
		);
	examples(cmd, 'calyx store retain --keep 100000 --to /srv/calyx-audit/2026-12.ndjson', 'sha256sum /srv/calyx-audit/2026-12.ndjson   # matches the audit.retained event');
}
