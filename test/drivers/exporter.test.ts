import {afterEach, describe, expect, it} from 'vitest';
import {startExporter} from '../../src/drivers/exporter/index.js';
import {ExporterMetrics} from '../../src/drivers/exporter/metrics.js';
import {MAX_EXPORTED, showState} from '../../src/drivers/exporter/state-view.js';
import {TrailCounter} from '../../src/drivers/exporter/trail-counts.js';
import {openStore, type BatchStore} from '../../src/store/index.js';
import {until} from '../store/helpers.js';
import {settleAllTargets} from '../target.js';
import {fakeEngine, parseExposition, pick, rig, type Rig} from './exporter-fixture.js';

const rigs: Rig[] = [];
afterEach(async () => {
	for (const r of rigs.splice(0)) await r.exporter.close();
});
const started = async (opts?: Parameters<typeof rig>[0]) => {
	const r = await rig(opts);
	rigs.push(r);
	return r;
};
const refusal = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('the engine accepted it'), () => undefined);
/** Another process's view of the data directory: an operator at the CLI. */
const operator = (r: Rig): Promise<BatchStore> => openStore(r.dir);

describe('the exposition of a live canary', () => {
	it('names each live deployment by id and service: status, tier, canary percent, time in tier, the gate per metric', async () => {
		const r = await started();
		r.clock.advance(90_000);
		const all = await r.scrape();
		const dep = {deployment: r.deploymentId, service: 'checkout'};
		expect(pick(all, 'calyx_deployment_status', dep)).toEqual([{name: 'calyx_deployment_status', labels: {...dep, status: 'running'}, value: 1}]);
		expect(pick(all, 'calyx_deployment_tier', dep).map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_deployment_canary_percent', dep).map(s => s.value)).toEqual([5]);
		expect(pick(all, 'calyx_deployment_confirmed_percent', dep).map(s => s.value)).toEqual([5]);
		expect(pick(all, 'calyx_deployment_tier_seconds', dep).map(s => s.value)).toEqual([90]);
		// No sample yet: the gate holds, each of the simulated target's four metrics inconclusive.
		expect(pick(all, 'calyx_deployment_gate', dep).map(s => s.labels.verdict)).toEqual(['hold']);
		const levels = pick(all, 'calyx_deployment_gate_metric', dep).map(s => `${s.labels.metric}=${s.labels.level}:${s.value}`);
		expect(levels.sort()).toEqual(['cpu=inconclusive:1', 'errorRate=inconclusive:1', 'memory=inconclusive:1', 'tesDelta=inconclusive:1']);
		expect(pick(all, 'calyx_deployments').map(s => [s.labels.status, s.value])).toEqual([['running', 1]]);
		expect(pick(all, 'calyx_engine_leader').map(s => s.value)).toEqual([1]);
		// The closed sets start at 0, so increase() sees a first halt.
		expect(pick(all, 'calyx_halts_total').map(s => `${s.labels.trigger}:${s.value}`).sort()).toEqual(['critical:0', 'deadline:0', 'manual:0', 'metrics:0', 'sanity:0', 'target:0']);
		expect(pick(all, 'calyx_rollbacks_total').map(s => `${s.labels.cause}:${s.value}`).sort()).toEqual(['automatic:0', 'manual:0']);
		expect(pick(all, 'calyx_cosigns_total')).toHaveLength(4);
		// Every per-deployment series names a live deployment: nothing else carries the label.
		expect(new Set(all.flatMap(s => (s.labels.deployment ? [s.labels.deployment] : [])))).toEqual(new Set([r.deploymentId]));
	});

	it('counts a halt and a rollback another process writes; the deployment that ends leaves no series', async () => {
		const r = await started();
		const op = await operator(r);
		await op.run({type: 'canary.halt', actor: 'human:alice', id: r.deploymentId, reason: 'pager: checkout latency'}, {clock: r.clock});
		let all = await r.scrape();
		expect(pick(all, 'calyx_halts_total', {trigger: 'manual'}).map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_deployment_status', {deployment: r.deploymentId}).map(s => s.labels.status)).toEqual(['halted']);
		// A halted canary is not judged: no gate series at its old verdict.
		expect(pick(all, 'calyx_deployment_gate', {deployment: r.deploymentId})).toEqual([]);
		expect(pick(all, 'calyx_deployment_gate_metric', {deployment: r.deploymentId})).toEqual([]);

		await op.run({type: 'rollback', actor: 'human:alice', id: r.deploymentId, reason: 'error rate above 2%'}, {clock: r.clock});
		await settleAllTargets(r.store, r.clock);
		expect((await r.store.read()).deployments).toEqual([]);
		all = await r.scrape();
		expect(all.filter(s => s.labels.deployment !== undefined)).toEqual([]);
		expect(pick(all, 'calyx_deployments')).toEqual([]);
		expect(pick(all, 'calyx_rollbacks_total', {cause: 'manual'}).map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_rollbacks_failed_total', {cause: 'manual'}).map(s => s.value)).toEqual([0]);
		// Counted once: a second scrape reads no event twice.
		expect(pick(await r.scrape(), 'calyx_halts_total', {trigger: 'manual'}).map(s => s.value)).toEqual([1]);
	});

	it('counts a refused cosign by the code the engine gave', async () => {
		const r = await started();
		const op = await operator(r);
		const cosign = {type: 'tier.cosign', actor: 'human:alice', id: r.deploymentId, requestId: 'TK-0000000000000000', role: 'human', keyId: 'alice', signature: 'AAAA'} as const;
		await refusal(op.run(cosign, {clock: r.clock}));
		await refusal(op.run(cosign, {clock: r.clock}));
		expect(pick(await r.scrape(), 'calyx_cosigns_refused_total').map(s => [s.labels, s.value])).toEqual([[{kind: 'tier', code: 'NOT_AWAITING_COSIGN'}, 2]]);
	});
});

describe('leadership', () => {
	it('a follower exports its role and no deployment; counting starts at the head it sees on taking the lead', async () => {
		const r = await started({role: 'follower'});
		const op = await operator(r);
		let all = await r.scrape();
		expect(pick(all, 'calyx_engine_leader').map(s => s.value)).toEqual([0]);
		expect(all.filter(s => s.labels.deployment !== undefined)).toEqual([]);
		// Halted while another engine led: that one's to count.
		await op.run({type: 'canary.halt', actor: 'human:alice', id: r.deploymentId, reason: 'pager'}, {clock: r.clock});
		r.engine.become('leader');
		all = await r.scrape();
		expect(pick(all, 'calyx_engine_leader').map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_halts_total', {trigger: 'manual'}).map(s => s.value)).toEqual([0]);
		await op.run({type: 'canary.resume', actor: 'human:alice', id: r.deploymentId, reason: 'false alarm'}, {clock: r.clock});
		await op.run({type: 'canary.halt', actor: 'human:alice', id: r.deploymentId, reason: 'pager again'}, {clock: r.clock});
		expect(pick(await r.scrape(), 'calyx_halts_total', {trigger: 'manual'}).map(s => s.value)).toEqual([1]);
	});

	it('a console that follows answers 503; once it leads, the metrics', async () => {
		const r = await started({role: 'follower', whileFollowing: 'refuse'});
		const answer = await r.exporter.scrape();
		expect(answer.status).toBe(503);
		expect(answer.body).toMatch(/does not lead the engine/);
		r.engine.become('leader');
		expect(pick(await r.scrape(), 'calyx_deployment_status', {deployment: r.deploymentId})).toHaveLength(1);
	});
});

describe('the engine timings', () => {
	it('a cycle and each write of the engine land in their histograms', async () => {
		const r = await started();
		r.exporter.ticked(12);
		await r.exporter.engineStore.run({type: 'canary.halt', actor: 'engine', id: r.deploymentId, reason: 'timed'}, {clock: r.clock});
		const all = await r.scrape();
		expect(pick(all, 'calyx_engine_tick_duration_seconds_count').map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_engine_tick_duration_seconds_bucket', {le: '0.01'}).map(s => s.value)).toEqual([0]);
		expect(pick(all, 'calyx_engine_tick_duration_seconds_bucket', {le: '0.025'}).map(s => s.value)).toEqual([1]);
		expect(pick(all, 'calyx_store_write_duration_seconds_count').map(s => s.value)).toEqual([1]);
		// The timed store is the store: the write took effect.
		expect((await r.store.read()).deployments[0]!.status).toBe('halted');
	});
});

describe('leases waiting for their second key', () => {
	it('each has the time left before it lapses; one started, voided or lapsed has no series', async () => {
		const r = await started();
		const state = await r.store.read();
		const {activatedAt: _a, consumedAt: _c, deploymentId: _d, ...base} = state.leases[0]!;
		const by = (s: number) => new Date(r.clock.now() + s * 1000).toISOString();
		const leases = [
			{...base, id: 'LEASE-20261125-100001', secondKeyBy: by(600)},
			{...base, id: 'LEASE-20261125-100002', secondKeyBy: by(-5)},
			{...base, id: 'LEASE-20261125-100003', secondKeyBy: by(600), voidedAt: by(0)},
			{...base, id: 'LEASE-20261125-100004', secondKeyBy: by(600), lapsedAt: by(0)},
			state.leases[0]!,
		];
		const m = new ExporterMetrics();
		showState(m, {deployments: [], leases, intents: state.intents}, r.clock.now());
		const left = pick(parseExposition(await m.registry.metrics()), 'calyx_lease_second_key_seconds_left');
		expect(left.map(s => [s.labels.lease, s.labels.service, s.value])).toEqual([
			['LEASE-20261125-100001', state.deployments[0]!.service, 600],
			['LEASE-20261125-100002', state.deployments[0]!.service, -5],
		]);
		showState(m, {deployments: [], leases: [], intents: []}, r.clock.now());
		expect(pick(parseExposition(await m.registry.metrics()), 'calyx_lease_second_key_seconds_left')).toEqual([]);
	});
});

describe('bounds', () => {
	it('a user-written label value is bounded; at most MAX_EXPORTED deployments are exported one by one', async () => {
		const r = await started();
		const dep = (await r.store.read()).deployments[0]!;
		const m = new ExporterMetrics();
		const many = Array.from({length: MAX_EXPORTED + 1}, (_, i) => ({...dep, id: `DEP-20261125-${String(i).padStart(4, '0')}`, service: i === 0 ? `a"b\n${'x'.repeat(100)}` : dep.service}));
		showState(m, {deployments: many}, r.clock.now());
		const all = parseExposition(await m.registry.metrics());
		const status = pick(all, 'calyx_deployment_status');
		expect(status).toHaveLength(MAX_EXPORTED);
		expect(status[0]!.labels.service).toBe(`a_b_${'x'.repeat(59)}`);
		expect(pick(all, 'calyx_deployments').map(s => s.value)).toEqual([MAX_EXPORTED + 1]);
	});

	it('refusal codes past their budget are counted as other; a gap longer than one read is counted as skipped', async () => {
		const r = await started();
		const m = new ExporterMetrics();
		const trail = new TrailCounter(m, (limit, through) => r.store.audit({limit, throughSeq: through}), 1);
		for (let i = 0; i < 60; i++) trail.count({kind: 'lease.cosign_refused', data: {code: `CODE_${i}`}});
		trail.count({kind: 'lease.cosign_refused', data: {code: 'BAD"CODE\n'}});
		const refused = pick(parseExposition(await m.registry.metrics()), 'calyx_cosigns_refused_total');
		expect(refused.length).toBeLessThanOrEqual(49);
		expect(pick(refused, 'calyx_cosigns_refused_total', {code: 'other'}).map(s => s.value)).toEqual([13]);
		await trail.catchUp(await r.store.read());
		const before = (await r.store.read()).auditHead.seq;
		const op = await operator(r);
		await op.run({type: 'canary.halt', actor: 'human:alice', id: r.deploymentId, reason: 'pager'}, {clock: r.clock});
		await op.run({type: 'rollback', actor: 'human:alice', id: r.deploymentId, reason: 'pager'}, {clock: r.clock});
		const state = await r.store.read();
		const gap = state.auditHead.seq - before;
		expect(gap).toBeGreaterThan(1);
		await trail.catchUp(state);
		const all = parseExposition(await m.registry.metrics());
		expect(pick(all, 'calyx_exporter_events_skipped_total').map(s => s.value)).toEqual([gap - 1]);
		// The one read is the newest: the rollback decided, not the halt before it.
		expect(pick(all, 'calyx_halts_total', {trigger: 'manual'}).map(s => s.value)).toEqual([0]);
		expect(pick(all, 'calyx_rollbacks_total', {cause: 'manual'}).map(s => s.value)).toEqual([1]);
	});
});

describe('a scrape never waits without bound', () => {
	it('scrapes at once share one read; a state that does not load answers 503 within the scrape timeout', async () => {
		let reads = 0;
		let release: (() => void) | undefined;
		const stuck = new Promise<void>(resolve => (release = resolve));
		const r = await started();
		// The first read (the baseline, as the engine takes the lead) answers; every later one hangs until released.
		const store = {paths: r.store.paths, read: async () => (++reads > 1 && (await stuck), r.store.read())} as unknown as BatchStore;
		const exporter = await startExporter({listen: {host: '127.0.0.1', port: 0}, store, whileFollowing: 'serve', scrapeTimeoutMs: 50});
		try {
			exporter.follow(fakeEngine('leader'));
			const answers = await Promise.all([exporter.scrape(), exporter.scrape(), exporter.scrape()]);
			expect(answers.map(a => [a.status, a.body])).toEqual(Array.from({length: 3}, () => [503, 'the state did not load within 50 ms\n']));
			// The baseline's read and one refresh the three scrapes share (on a loaded box the baseline may outlast the 50 ms).
			await until(() => reads >= 2 || undefined, 'the shared refresh to read');
			expect(reads).toBe(2);
			release!();
			const later = await exporter.scrape();
			expect(later.status).toBe(200);
		} finally {
			await exporter.close();
		}
	});
});
