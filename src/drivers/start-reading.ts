import {verifyLease} from '../core/lease.js';
import type {State} from '../core/model/index.js';
import {serviceInForce} from '../core/service.js';
import type {TargetReading} from '../core/target.js';
import type {Trust} from '../core/trust.js';
import {callDriver} from './call.js';
import {metricsTiming} from '../core/metric-specs.js';
import {resolveSettings} from './metrics/headers.js';
import {probePrometheus} from './metrics/prometheus.js';
import {DriverError} from './targets/driver.js';
import {readTarget, resolveTarget, type ResolveEnv} from './targets/resolve.js';

/**
 * What `canary start` reads before it runs (the CLI and the console alike): the target of the
 * lease's service under the definition in force, or the simulator when there is none; undefined for
 * a lease that does not verify (nothing is read for it). A definition the admins did not sign is
 * not read at all.
 */
export async function readForStart(state: State, trust: Trust, leaseId: string, env: ResolveEnv & {now: () => number}): Promise<TargetReading | undefined> {
	const lease = state.leases.find(l => l.id === leaseId);
	const intent = lease && state.intents.find(i => i.id === lease.intentId);
	// An unknown lease: the engine's own refusal names it better than a guess here.
	if (!lease || !intent) return undefined;
	const inForce = serviceInForce(state, trust, intent.service);
	if ('problem' in inForce) throw new DriverError('settings', inForce.problem.message);
	const definition = 'record' in inForce ? inForce.record.definition : undefined;
	// A lease that does not verify starts nothing: its target is not read (an exec hook, a command of
	// the definition's, runs only under a lease both keys signed), and the start's refusal says why.
	if (!verifyLease(state, trust, lease, env.now()).ok) return undefined;
	const target = resolveTarget(intent.service, env, {fromVersion: intent.fromVersion, ...(definition ? {definition} : {})});
	const read = await callDriver(`${target.kind} read ${intent.service}`, signal => readTarget(target, signal, env.now));
	if (!read.ok) throw read.error;
	const spec = definition?.metrics;
	if (spec?.source !== 'prometheus' || !spec.prometheus) return read.value;
	// Probed with the target: a canary judged by a Prometheus that is down would hold from its first tier.
	const resolved = await resolveSettings({...spec.prometheus, timeoutMs: metricsTiming(spec).timeoutMs});
	if (!resolved.ok) return {...read.value, metrics: {ok: false, detail: `Prometheus at ${spec.prometheus.address}: ${resolved.problem}`}};
	const probe = await probePrometheus(resolved.settings);
	return {...read.value, metrics: probe.ok ? {ok: true, detail: probe.detail} : {ok: false, detail: `Prometheus unreachable: ${probe.message}`}};
}
