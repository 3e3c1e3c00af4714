import type {Deployment} from '../core/model/index.js';
import {deployedVersion} from '../core/archive.js';
import {escapeControls} from '../core/text.js';
import {targetView} from '../core/view/target.js';
import {runningVersion, type TargetReading} from '../core/target.js';
import {callDriver} from '../drivers/call.js';
import {reconcileDeployment} from '../drivers/reconciler.js';
import {readForStart} from '../drivers/start-reading.js';
import {serviceInForce} from '../core/service.js';
import {readTarget, resolveTarget} from '../drivers/targets/resolve.js';
import {SimulatedDriver} from '../drivers/targets/simulated.js';
import type {Cli} from './context.js';
import {CliError, EXIT, usage} from './errors.js';

/** The drivers' files (the simulated target's world) live in the store's own directory: an etcd store's is on this box. */
const env = (cli: Cli, store: {dir: string}) => ({dataDir: store.dir, now: () => cli.clock.now()});

/**
 * The target of a lease's service as `canary start` needs it, read before the command (outside the
 * lock): what the pre-checks and the rollback pack's snapshot are made from. A target that cannot
 * be read refuses the start with the driver's reason: nothing is written.
 */
export async function readingForLease(cli: Cli, leaseId: string): Promise<TargetReading | undefined> {
	const store = await cli.store();
	try {
		return await readForStart(await store.read(), store.trust, leaseId, env(cli, store));
	} catch (error) {
		const why = error instanceof Error ? error.message : String(error);
		throw new CliError(`cannot read the target of ${leaseId}: ${why}; nothing was started`, EXIT.refused, 'TARGET_UNREADABLE');
	}
}

/**
 * After a command decided a new step: carry it to the target now (outside the lock) and return the
 * deployment as recorded after the target answered, so the command can say what the router holds,
 * not what it was asked. A leading engine may do the same work at the same time: the engine keeps
 * one record of it.
 */
export async function settleDeployment(cli: Cli, id: string): Promise<Deployment> {
	const store = await cli.store();
	await reconcileDeployment(store, env(cli, store), id, {clock: cli.clock});
	const dep = (await store.deployment(id))?.deployment;
	if (!dep) throw new CliError(`${id} vanished while its target was applied`, EXIT.refused);
	return dep;
}

/** `25% · confirmed by the haproxy target`, from the same view the screens use; a router's error escaped. */
export function targetLine(dep: Deployment): string {
	const view = targetView(dep);
	const want = `${view.desired.percent}%`;
	if (view.state === 'confirmed') return `${want} · confirmed by the ${view.kind} target`;
	if (view.state === 'failed') return `${want} · the ${view.kind} target failed: ${escapeControls(view.error!.message)}`;
	return `${want} · applying (the ${view.kind} target has not confirmed yet)`;
}

/**
 * The version a service runs now, for `intent create` without --from: what its last completed
 * deployment rolled out, else what its target reports (the simulator does; a router does not, and
 * then --from is required). Read outside the lock, before the signed request is made.
 */
export async function runningVersionOf(cli: Cli, service: string): Promise<string> {
	const store = await cli.store();
	const state = await store.read();
	const deployed = deployedVersion(state, service);
	if (deployed) return deployed;
	// Only the simulator is read here: no lease covers a definition's target yet, and a router knows no versions.
	const inForce = serviceInForce(state, store.trust, service);
	if (!('none' in inForce)) throw usage(`--from: ${service} has a service definition, whose target does not say which version runs: say it`);
	const target = resolveTarget(service, env(cli, store));
	if (target.driver instanceof SimulatedDriver && !(await target.driver.knows())) {
		throw usage(`--from: ${service} was never deployed here and the simulated target has not seen it: say which version runs now (--from <version>)`);
	}
	const read = await callDriver(`${target.kind} read ${service}`, signal => readTarget(target, signal, () => cli.clock.now()));
	const version = read.ok ? runningVersion(read.value.split) : undefined;
	if (version) return version;
	const why = read.ok ? `the ${target.kind} target of ${service} reports no single running version` : `the ${target.kind} target of ${service} could not be read (${read.error.message})`;
	throw usage(`--from: ${why}: say which version runs now`);
}
