import {resolve} from 'node:path';
import type {Command} from 'commander';
import {formatDuration} from '../../core/duration.js';
import type {MaintenancePolicy} from '../../store/etcd/maintenance.js';
import type {StoreRef} from '../../store/etcd/migrate.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, refusedError, usage} from '../errors.js';
import type {Moved} from '../../core/model/index.js';
import {count, duration, number} from '../parse.js';
import {registerStoreRetain} from './store-retain.js';

interface PolicyFlags {
	retainRevisions?: number;
	compactEvery?: number;
	defragRatio?: number;
	defragMinMb?: number;
	defragEvery?: number;
}

const mb = (n: number | undefined) => (n === undefined ? '?' : `${(n / 1048576).toFixed(1)} MB`);
const short = (hash: string) => (hash ? `${hash.slice(0, 12)}…` : 'none');

/** A --from or --to: an etcd URL (checked as --store is) or a data directory. */
async function storeRef(cli: Cli, flag: string, value: string | undefined): Promise<StoreRef> {
	if (!value) throw usage(`${flag}: required (a data directory, or etcd://host:port[,…][/name])`);
	const {isEtcdUrl, parseStoreUrl} = await import('../../store/etcd/url.js');
	if (!isEtcdUrl(value)) return {dir: resolve(value)};
	const target = parseStoreUrl(value, cli.io.env);
	if ('problem' in target) throw usage(target.problem.replace(/^--store:/, `${flag}:`), 'INVALID_STORE');
	return {target};
}

const policyOf = (o: PolicyFlags): Partial<MaintenancePolicy> => ({
	...(o.retainRevisions === undefined ? {} : {retainRevisions: o.retainRevisions}),
	...(o.compactEvery === undefined ? {} : {compactEveryMs: o.compactEvery}),
	...(o.defragRatio === undefined ? {} : {defragRatio: o.defragRatio}),
	...(o.defragMinMb === undefined ? {} : {defragMinBytes: o.defragMinMb * 1048576}),
	...(o.defragEvery === undefined ? {} : {defragEveryMs: o.defragEvery}),
});

const policyText = (p: MaintenancePolicy) =>
	`keep the last ${p.retainRevisions} revisions, compact at most every ${formatDuration(p.compactEveryMs)}; defragment a member at ${p.defragRatio}× its in-use size with ${mb(p.defragMinBytes)} to give back, at most every ${formatDuration(p.defragEveryMs)}`;

async function init(cli: Cli, opts: PolicyFlags): Promise<void> {
	const target = await cli.etcdTarget();
	const policy = policyOf(opts);
	if (!target && Object.keys(policy).length > 0) throw usage('--retain-revisions, --compact-every, --defrag-*: the history policy of an etcd store (--store etcd://… or CALYX_STORE); a data directory has none');
	const {created, store} = await cli.initStore({trust: cli.trust});
	let set: MaintenancePolicy | undefined;
	try {
		const {EtcdStore} = await import('../../store/etcd/store.js');
		if (store instanceof EtcdStore) set = Object.keys(policy).length > 0 || created ? await store.maintenance.setPolicy(policy) : await store.maintenance.policy();
	} finally {
		await store.close();
	}
	const where = await cli.storeLabel();
	cli.emit({ok: true, store: where, created, ...(set ? {maintenance: set} : {})}, shown =>
		[created ? `initialised ${where}` : `${where} is already initialised`, ...(shown.maintenance ? [`history: ${policyText(shown.maintenance)} (the leading engine does it)`] : [])].join('\n'),
	);
}

async function migrate(cli: Cli, opts: {from?: string; to?: string; forceClean?: boolean}): Promise<void> {
	const [from, to] = [await storeRef(cli, '--from', opts.from), await storeRef(cli, '--to', opts.to)];
	const [{migrateStore}, {stateHome}] = await Promise.all([import('../../store/etcd/migrate.js'), import('../../store/xdg.js')]);
	const report = await migrateStore(from, to, {trust: cli.trust, stateHome: stateHome(cli.io.env), forceClean: opts.forceClean === true});
	cli.emit({ok: true, ...report}, r =>
		[
			`migrated ${r.from} → ${r.to}`,
			`  events ${r.events} in ${r.commits} commits · head seq ${r.head.seq} (${short(r.head.hash)}) · rev ${r.rev}`,
			`  deployments ${r.deployments.live} live, ${r.deployments.archived} archived · samples ${r.samples}`,
			`  verified on both sides to seq ${r.verified.target.seq} (${short(r.verified.target.hash)}) · ${r.ms.total} ms (read ${r.ms.read}, write and verify ${r.ms.write})`,
			`  sealed ${r.from} at seq ${r.sealed.seq}: nothing is written there any more, and an engine left on it stops`,
			...(r.cleaned ? ['  removed what an earlier migration left under the target first (--force-clean)'] : []),
			...(r.leftovers ? [`  left by earlier runs that did not finish (safe to remove): ${r.leftovers.join(', ')}`] : []),
		].join('\n'),
	);
}

const movedText = (m: Moved) => `migrated to ${m.to} at ${m.at} (sealed at audit seq ${m.seq}): nothing is written here`;

/** Exit 1 when the store is not fit to drive deployments: a member unreachable, or sealed by a migration. */
async function status(cli: Cli): Promise<number> {
	const target = await cli.etcdTarget();
	if (!target) {
		const store = await cli.store();
		const [state, leader, followers] = await Promise.all([store.read(), store.engineLeader(), store.engineFollowers()]);
		const data = {store: store.dir, kind: 'file', rev: state.rev, auditHead: state.auditHead, ...(state.moved ? {moved: state.moved} : {}), engine: {leader: leader ?? null, followers}};
		cli.emit(data, d =>
			[
				`store   ${d.store} (a data directory)`,
				`state   rev ${d.rev} · audit seq ${d.auditHead.seq}`,
				...(d.moved ? [`sealed  ${movedText(d.moved)}`] : []),
				`engine  ${d.engine.leader ? `leader pid ${d.engine.leader.pid} on ${d.engine.leader.host}` : 'no leader'} · ${d.engine.followers} waiting`,
			].join('\n'),
		);
		return state.moved ? EXIT.refused : EXIT.ok;
	}
	const [{connectEtcdStore, targetLabel}, {stateHome}] = await Promise.all([import('../../store/etcd/index.js'), import('../../store/xdg.js')]);
	const store = await connectEtcdStore(target, {trust: cli.trust, stateHome: stateHome(cli.io.env)});
	try {
		const state = await store.read().catch((error: Error) => error);
		const [cluster, leader, followers] = await Promise.all([store.maintenance.status(target.endpoints), store.engineLeader(), store.engineFollowers()]);
		const data = {
			store: targetLabel(target),
			kind: 'etcd',
			...cluster,
			...(state instanceof Error ? {state: null, problem: state.message} : {state: {rev: state.rev, auditHead: state.auditHead}, ...(state.moved ? {moved: state.moved} : {})}),
			engine: {leader: leader ?? null, followers},
		};
		cli.emit(data, d =>
			[
				`store     ${d.store}`,
				`endpoints ${d.endpoints.join(', ')}`,
				...d.members.map((m, i) => `${i === 0 ? 'members  ' : '         '} ${m.name} ${m.endpoint}${m.leader ? ' (Raft leader)' : ''} · ${m.unreachable ? `unreachable: ${m.unreachable}` : `db ${mb(m.dbSize)}, in use ${mb(m.dbSizeInUse)}${m.alarms.length ? ` · alarms: ${m.alarms.join(', ')}` : ''}`}`),
				`revision  ${d.revision} · compacted ${d.compactedRevision ?? 'never'}`,
				`state     ${d.state ? `rev ${d.state.rev} · audit seq ${d.state.auditHead.seq}` : (d.problem ?? 'none')}`,
				...('moved' in d && d.moved ? [`sealed    ${movedText(d.moved)}`] : []),
				`engine    ${d.engine.leader ? `leader pid ${d.engine.leader.pid} on ${d.engine.leader.host}` : 'no leader'} · ${d.engine.followers} waiting`,
				`history   ${policyText(d.policy)}`,
				...d.log.slice(-5).map(a => `          ${a.at} ${a.kind}: ${a.detail}`),
			].join('\n'),
		);
		if (state instanceof Error) throw refusedError(state.message, 'NOT_INITIALISED');
		return cluster.members.some(m => m.unreachable) || state.moved ? EXIT.refused : EXIT.ok;
	} finally {
		await store.close();
	}
}

export function registerStore(program: Command, io: Io) {
	const cmd = program.command('store').description('the store itself: create an etcd store with its history policy, migrate between a data directory and etcd, status');
	const init_ = cmd
		.command('init')
		.description('create the store (like calyx init) and, on etcd, the policy the leading engine keeps its history by')
		.option('--retain-revisions <n>', 'revisions of etcd history kept (default 10000)', number({min: 100, max: 100_000_000, integer: true}))
		.option('--compact-every <duration>', 'least time between compactions (default 5m)', duration)
		.option('--defrag-ratio <x>', 'defragment a member whose database is this many times its in-use size (default 2)', number({min: 1, max: 100}))
		.option('--defrag-min-mb <n>', '… and has at least this many MB to give back (default 64)', count(1_000_000))
		.option('--defrag-every <duration>', 'least time between two defragmentations of a member (default 1h)', duration)
		.action(action(io, (cli, _args, opts: PolicyFlags) => init(cli, opts)));
	examples(init_, 'calyx --store etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379 store init', 'CALYX_STORE=etcd://h1:2379,h2:2379,h3:2379/prod calyx store init --retain-revisions 50000');
	const migrate_ = cmd
		.command('migrate')
		.description('copy a store whole (state, the audit chain byte for byte, samples, archive) into an empty target, verified on both sides; then seal the source (nothing is written there after)')
		.option('--from <dir|url>', 'the store to copy: a data directory or etcd://…')
		.option('--to <dir|url>', 'where: a new or empty data directory, or etcd://… holding no store')
		.option('--force-clean', 'remove the keys a migration that did not finish left under the etcd target (never a store)')
		.action(action(io, (cli, _args, opts: {from?: string; to?: string; forceClean?: boolean}) => migrate(cli, opts)));
	examples(migrate_, 'calyx store migrate --from /srv/calyx --to etcd://h1:2379,h2:2379,h3:2379', 'calyx store migrate --from etcd://h1:2379/prod --to /srv/calyx-back --json');
	cmd
		.command('status')
		.description('the store: rev, audit head, engine leader; on etcd its members (Raft leader, db size and in use), revision, compaction and history policy. Exit 1 when a member does not answer or a migration sealed it')
		.action(action(io, cli => status(cli)));
	registerStoreRetain(cmd, io);
}
