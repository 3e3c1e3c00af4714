import {restoreArchived} from '../../core/archive.js';
import type {Command} from 'commander';
import {formatDuration} from '../../core/duration.js';
import {cosign, definitionFor} from '../../core/lease.js';
import {escapeDeep} from '../../core/text.js';
import type {CanaryPlan, Lease, State} from '../../core/model/index.js';
import {serviceRecordOf} from '../../core/service.js';
import type {Trust} from '../../core/trust.js';
import type {ShowTime} from '../../core/time.js';
import {leaseView, type LeaseView} from '../../core/view/lease.js';
import type {ServiceSummary} from '../../core/view/service.js';
import {metricsLines, metricsView, type MetricsView} from '../render/metrics.js';
import {planLine} from '../render/plan.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, unknownId, usage} from '../errors.js';
import {count, duration, tierKeys, tiers} from '../parse.js';
import {table} from '../render/table.js';

type IssueOpts = {ttl?: number; tiers?: number[]; tierKeys?: number[]; progressDeadline?: number; bake?: number; minSamples?: number; ackRisk?: boolean; manual?: boolean; autoRollback?: boolean};

export async function findLease(cli: Cli, id: string) {
	const store = await cli.store();
	const live = await store.read();
	const inDocument = live.leases.find(l => l.id === id);
	if (inDocument) return {state: live, lease: inDocument};
	// A lease whose deployment ended is in the archive with it: shown beside its intent and deployment, as it was.
	const record = await store.archived(id);
	const lease = record?.leases.find(l => l.id === id);
	if (!record || !lease) throw unknownId('lease', id);
	return {state: restoreArchived(live, record), lease};
}

/** What the lease signs about its service, the metrics per metric (the lease's plan gives the four their bands) and without header values. */
type ServiceShown = Omit<ServiceSummary, 'metrics'> & {metrics?: MetricsView};
export type LeaseShown = Omit<LeaseView, 'service'> & {service?: ServiceShown};

/** The lease's view for printing: the core summary's one line of metrics JSON (headers and all) replaced. */
/** An intent's change, and its title when it says more than the change (an untitled intent's title is the change). */
function intentLine(i: {id: string; service: string; fromVersion: string; toVersion: string; title: string}): string {
	const change = `${i.service} ${i.fromVersion} → ${i.toVersion}`;
	return `${i.id} ${change}${i.title === change ? '' : `: ${i.title}`}`;
}

function leaseShown(state: State, lease: Lease, now: number, trust: Trust): LeaseShown {
	const {service: summary, ...view} = leaseView(state, lease, now, trust);
	if (!summary) return view;
	const {metrics: _oneLine, ...service} = summary;
	const definition = serviceRecordOf(state, service.name)?.definition;
	const metrics = definition ? metricsView(definition, lease.plan) : undefined;
	return {...view, service: {...service, ...(metrics ? {metrics} : {})}};
}

export function leaseText(v: LeaseShown, time: ShowTime): string {
	const expires = v.expiresInMs > 0 ? `in ${formatDuration(v.expiresInMs)}` : `${formatDuration(-v.expiresInMs)} ago`;
	return [
		`${v.id}  ${v.status.toUpperCase()}`,
		...(v.intent ? [`intent:   ${intentLine(v.intent)}`] : []),
		...(v.service ? serviceText(v.service) : []),
		`risk:     ${v.risk.level} (${v.risk.score})${v.risk.acknowledged ? ', acknowledged by the signers' : ''}`,
		`plan:     ${planLine(v.plan)}`,
		`digest:   ${v.digest}`,
		`expires:  ${time(v.expiresAt)} (${expires})`,
		`signers:  ${v.signers.map(s => `${s.role}:${s.keyId} at ${time(s.signedAt)}`).join(', ') || 'none yet'}`,
		...(v.missing.length > 0 ? [`missing:  ${v.missing.join(', ')} key${v.secondKey ? ` (by ${time(v.secondKey.by)}: ${v.secondKey.leftMs > 0 ? `${formatDuration(v.secondKey.leftMs)} left` : 'too late'})` : ''}`] : []),
		`verdict:  ${v.verified ? 'VERIFIED: two distinct keys, human and agent' : 'NOT VERIFIED'}`,
		...v.reasons.map(r => `  - ${r.code}: ${r.message}`),
		...(v.deploymentId ? [`started:  ${v.deploymentId}`] : []),
	].join('\n');
}

/** What the lease signs about the service: its target and sanity checks, or that it has no definition. */
function serviceText(s: ServiceShown): string[] {
	if (!s.digest) return [`service:  ${s.name}: ${s.target}`];
	return [
		`service:  ${s.name} on ${s.target} (definition ${s.digest.slice(0, 12)})`,
		...s.sanity.map((line, i) => `${i === 0 ? 'sanity:  ' : '         '} ${line}`),
		...(s.metrics ? metricsLines(s.metrics) : []),
	];
}

function registerIssue(lease: Command, io: Io) {
	const cmd = lease
		.command('issue <intentId>')
		.description('issue a lease for an approved intent: the content both keys will sign')
		.option('--ttl <duration>', 'how long the lease stays valid (default 1h)', duration)
		.option('--tiers <list>', 'canary traffic tiers in percent (default 5,25,100)', tiers)
		.option('--bake <duration>', 'bake time per tier (default 15m; 0s for drills)', duration)
		.option('--progress-deadline <duration>', 'halt a tier that has not promoted this long after its bake (no samples, a router that never confirms)', duration)
		.option('--tier-keys <list>', 'tiers entered only after a fresh two-key cosign over the gate evidence (e.g. 100)', tierKeys)
		.option('--min-samples <n>', 'samples per metric a tier needs (default 3)', count(10_000))
		.option('--ack-risk', 'the signers acknowledge the risk score (signed; needed for high risk)')
		.option('--manual', 'no auto-promotion: each tier waits for an operator to promote')
		.option('--no-auto-rollback', 'a critical halts but does not roll back by itself')
		.action(
			action<IssueOpts>(io, async (cli, [intentId], o) => {
				if (o.minSamples === 0) throw usage('--min-samples: must be at least 1');
				const plan: Partial<CanaryPlan> = {
					...(o.tiers ? {tiers: o.tiers} : {}),
					...(o.tierKeys ? {tierKeys: o.tierKeys} : {}),
					...(o.progressDeadline !== undefined ? {progressDeadlineMs: o.progressDeadline} : {}),
					...(o.bake !== undefined ? {bakeMs: o.bake} : {}),
					...(o.minSamples !== undefined ? {minSamples: o.minSamples} : {}),
					...(o.manual ? {autoPromote: false} : {}),
					...(o.autoRollback === false ? {autoRollback: false} : {}),
				};
				const {result} = await cli.run<Lease>({
					type: 'lease.issue',
					intentId: intentId!,
					plan,
					...(o.ttl !== undefined ? {ttlMs: o.ttl} : {}),
					...(o.ackRisk ? {ackRisk: true} : {}),
				});
				cli.emit(result, () =>
					[`issued ${result.id} for ${result.intentId}, expires ${cli.time(result.expiresAt)}`, `digest ${result.digest}`, `next: calyx lease sign ${result.id} --key <human key>, then with an agent key`].join('\n'),
				);
			}),
		);
	examples(cmd, 'calyx lease issue INT-20261126-001', 'calyx lease issue INT-20261126-001 --bake 0s --tiers 10,50,100 --ack-risk', 'calyx lease issue INT-20261126-001 --tier-keys 100');
}

function registerSign(lease: Command, io: Io) {
	const cmd = lease
		.command('sign <leaseId>')
		.description('cosign a lease with your key (Ed25519 over its canonical content)')
		.option('--key <file>', 'private key file or id (default: CALYX_KEY)')
		.action(
			action<{key?: string}>(io, async (cli, [leaseId], o) => {
				const key = cli.key(o.key);
				const {state, lease: found} = await findLease(cli, leaseId!);
				const intent = state.intents.find(i => i.id === found.intentId);
				if (!intent) throw usage(`leaseId: ${found.id} refers to a missing intent ${found.intentId}`, 'NOT_FOUND');
				// Over the service's definition as the document holds it: what the engine checks the lease against.
				const signature = cosign(found, intent, key.role, key.id, key.privateKey, definitionFor(state, intent.service));
				const {result} = await cli.run<{activated: boolean; missing: string[]}>({
					type: 'lease.cosign',
					actor: `${key.role}:${key.id}`,
					leaseId: found.id,
					role: key.role,
					keyId: key.id,
					signature,
				});
				cli.emit({ok: true, leaseId: found.id, role: key.role, keyId: key.id, ...result}, () =>
					result.activated
						? `signed ${found.id} as ${key.role}:${key.id}; both keys verified: the lease is active\nnext: calyx canary start ${found.id}`
						: `signed ${found.id} as ${key.role}:${key.id}; still missing the ${result.missing.join(' and ')} key`,
				);
			}),
		);
	examples(cmd, 'calyx lease sign LEASE-20261126-101500 --key ~/.config/calyx/keys/alice.pem', 'CALYX_KEY=ci-bot calyx lease sign LEASE-20261126-101500');
}

/**
 * The plan against the service's last few deployments, so that a human signs knowing how strict it
 * is. Evidence beside the lease, never a reason for `show` to fail: a past it cannot read is said.
 */
async function replayLine(cli: Cli, plan: CanaryPlan, service: string): Promise<{line: string; completed?: number; halted?: number; unfinished?: number; unsampled?: number}> {
	const {planTrackRecord} = await import('../../store/recorded-samples.js');
	try {
		const {line, completed, halted, unfinished, unsampled} = await planTrackRecord(await cli.store(), plan, service);
		return {line, completed, halted, unfinished, unsampled};
	} catch (error) {
		return {line: `not replayed: ${(error as Error).message}`};
	}
}

export function registerLease(program: Command, io: Io) {
	const lease = program.command('lease').description('leases: the two-key authorization of one deployment');
	registerIssue(lease, io);
	registerSign(lease, io);

	const verify = lease
		.command('verify <leaseId>')
		.description('check the two-key rule now: exit 0 when it holds, else 1 with every reason')
		.action(
			action(io, async (cli, [leaseId]) => {
				const {state, lease: found} = await findLease(cli, leaseId!);
				const view = leaseShown(state, found, cli.clock.now(), await (await cli.store()).checkedTrust());
				cli.emit({leaseId: view.id, verified: view.verified, reasons: view.reasons, signers: view.signers}, () => leaseText(escapeDeep(view), cli.time));
				return view.verified ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(verify, 'calyx lease verify LEASE-20261126-101500 && calyx canary start LEASE-20261126-101500');

	const show = lease
		.command('show <leaseId>')
		.description('show a lease: intent, the service definition it signs (metrics per metric, header values never shown), risk, plan, digest, signers, and what its plan would have done to the service\'s last 5 deployments')
		.action(
			action(io, async (cli, [leaseId]) => {
				const {state, lease: found} = await findLease(cli, leaseId!);
				const view = leaseShown(state, found, cli.clock.now(), await (await cli.store()).checkedTrust());
				const replayed = view.intent ? await replayLine(cli, found.plan, view.intent.service) : undefined;
				cli.emit({...view, ...(replayed ? {replayed} : {})}, shown => [leaseText(shown, cli.time), ...(shown.replayed ? [`replayed: ${shown.replayed.line}`] : [])].join('\n'));
			}),
		);
	examples(show, 'calyx lease show LEASE-20261126-101500');

	const list = lease
		.command('list')
		.description('list leases')
		.action(
			action(io, async cli => {
				const store = await cli.store();
				const [state, trust] = await Promise.all([store.read(), store.checkedTrust()]);
				const views = state.leases.map(l => leaseShown(state, l, cli.clock.now(), trust));
				cli.emit({leases: views}, shown =>
					table(
						['ID', 'INTENT', 'STATUS', 'SIGNERS', 'EXPIRES'],
						shown.leases.map(v => [v.id, v.intent?.id ?? '?', v.status, v.signers.map(s => `${s.role}:${s.keyId}`).join(',') || '-', cli.time(v.expiresAt)]),
					),
				);
			}),
		);
	examples(list, 'calyx lease list', 'calyx lease list --json');
}
