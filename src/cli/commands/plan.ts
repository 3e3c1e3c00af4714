import {open} from 'node:fs/promises';
import {InvalidArgumentError, type Command} from 'commander';
import {definitionFor} from '../../core/lease.js';
import {METRICS, type Band, type CanaryPlan, type MetricName, type Sample, type Thresholds} from '../../core/model/index.js';
import {replayPlan, type PlanChanges} from '../../core/replay/plan.js';
import {replay, type ReplayResult} from '../../core/replay/replay.js';
import type {ReplayStep} from '../../core/replay/timeline.js';
import {replayRecorded, trackRecord, type TrackRecord} from '../../core/replay/track-record.js';
import {statusWord} from '../../core/view/words.js';
import {recentRecorded, recordedDeployment, TRACK_RECORD_RUNS} from '../../store/recorded-samples.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {unknownId, usage} from '../errors.js';
import {SERVICE_NAME, SERVICE_NAME_RULE, count, duration, number, tiers} from '../parse.js';
import {parseSampleLine, streamLines} from './metrics.js';
import {findLease} from './lease.js';
import {planLine} from '../render/plan.js';

type ReplayOpts = {
	lease?: string;
	deployment?: string;
	service?: string;
	last?: number;
	samples?: string;
	tiers?: number[];
	bake?: number;
	progressDeadline?: number;
	minSamples?: number;
	manual?: boolean;
	autoRollback?: boolean;
	threshold?: Partial<Thresholds>;
};

/** A samples file is a recorded canary, not an archive: past this it is a mistake (a log, a dump). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_SAMPLES = 100_000;
const MAX_LAST = 50;

/** `--threshold errorRate=1,2`: a metric's warning and critical bands, repeatable. */
function threshold(text: string, previous: Partial<Thresholds> = {}): Partial<Thresholds> {
	const m = /^(\w+)=([^,]+),([^,]+)$/.exec(text.trim());
	const metric = m?.[1] as MetricName | undefined;
	if (!m || !METRICS.includes(metric!)) throw new InvalidArgumentError(`"${text}" is not <metric>=<warning>,<critical> (metric: ${METRICS.join(', ')}; e.g. errorRate=1,2).`);
	const band = number({min: -1000, max: 1000});
	return {...previous, [metric!]: {warning: band(m[2]!), critical: band(m[3]!)} satisfies Band};
}

/** The file's samples, every line checked at entry: the first bad one is refused with its line number and field. */
async function samplesFile(path: string): Promise<Sample[]> {
	const fh = await open(path, 'r').catch((error: Error) => {
		throw usage(`--samples: cannot read ${path}: ${error.message}`);
	});
	try {
		const info = await fh.stat();
		if (!info.isFile()) throw usage(`--samples: ${path} is not a regular file`);
		if (info.size > MAX_FILE_BYTES) throw usage(`--samples: ${path} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB (allowed: at most ${MAX_SAMPLES} samples in ${MAX_FILE_BYTES / 1024 / 1024} MB)`);
		const samples: Sample[] = [];
		const where = (line: number) => `--samples ${path} line ${line}`;
		for await (const l of streamLines(fh.createReadStream({start: 0, end: Math.max(0, info.size - 1), autoClose: false}))) {
			if ('tooLong' in l) throw usage(`${where(l.line)}: longer than 64 KB: not a sample`, 'INVALID_SAMPLE');
			if (l.text.trim() === '') continue;
			const parsed = parseSampleLine(l.text, l.line);
			if ('error' in parsed) throw usage(parsed.error.message.replace(/^stdin line \d+/, where(l.line)), 'INVALID_SAMPLE');
			// A replay runs on the samples' own times: a sample without one has no place in it.
			if (parsed.sample.at === undefined) throw usage(`${where(l.line)}: at: is required (when the sample was taken, ISO 8601, e.g. 2026-11-26T10:00:00Z)`, 'INVALID_SAMPLE');
			if (samples.length === MAX_SAMPLES) throw usage(`${where(l.line)}: more than ${MAX_SAMPLES} samples (allowed: at most ${MAX_SAMPLES})`, 'INVALID_SAMPLE');
			samples.push(parsed.sample as Sample);
		}
		if (samples.length === 0) throw usage(`--samples: ${path} holds no sample (one JSON object per line, e.g. {"at":"2026-11-26T10:00:00Z","errorRate":0.3})`, 'NO_SAMPLES');
		return samples;
	} finally {
		await fh.close();
	}
}

const offset = (msValue: number) => {
	const s = Math.round(msValue / 1000);
	return `+${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

const planText = (p: CanaryPlan) => planLine(p) + METRICS.map(m => `, ${m} ${p.thresholds[m].warning}/${p.thresholds[m].critical}`).join('');

/** A promotion shows the values the gate passed on; a hold or halt already names its value in its reason. */
function stepText(s: ReplayStep): string {
	const values = s.action === 'promoted' && s.readings.length > 0 ? ` · ${s.readings.map(r => `${r.label} ${r.value}${r.unit}`).join(', ')}` : '';
	return `${offset(s.offsetMs).padStart(10)}  ${`${s.percent}%`.padStart(4)}  ${statusWord(s.action).padEnd(18)}  ${s.reason}${values}`;
}

function verdictText(r: ReplayResult): string {
	const v = r.verdict;
	if (v.outcome === 'completed') return `verdict: completed after ${offset(v.offsetMs)}`;
	if (v.outcome === 'halted') return `verdict: halted at ${v.percent}% after ${offset(v.offsetMs)}${v.on ? ` on ${v.on.join(' and ')}` : ''}${v.rolledBack ? ', rolled back' : ''}: ${v.reason}`;
	return `verdict: unfinished: ${v.reason}`;
}

export function replayText(r: ReplayResult): string[] {
	const {given, judged, warmingUp, unjudged, unused} = r.samples;
	const left = [[warmingUp, 'while warming up'], [unjudged, 'of metrics no gate judges'], [unused, 'after the end']] as const;
	const counts = [`${judged} of ${given} samples judged`, ...left.filter(([n]) => n > 0).map(([n, why]) => `${n} ${why}`)].join(', ');
	return [`start ${r.start} (${counts})`, ...r.timeline.map(stepText), verdictText(r), ...r.notes.map(n => `note: ${n}`)];
}

/** The plan replayed: the lease's, else the deployment's own, else the site's default, with the flags' changes. */
function changesOf(o: ReplayOpts): PlanChanges {
	if (o.minSamples === 0) throw usage('--min-samples: must be at least 1');
	return {
		...(o.tiers ? {tiers: o.tiers} : {}),
		...(o.bake !== undefined ? {bakeMs: o.bake} : {}),
		...(o.progressDeadline !== undefined ? {progressDeadlineMs: o.progressDeadline} : {}),
		...(o.minSamples !== undefined ? {minSamples: o.minSamples} : {}),
		...(o.manual ? {autoPromote: false} : {}),
		...(o.autoRollback === false ? {autoRollback: false} : {}),
		...(o.threshold ? {thresholds: o.threshold} : {}),
	};
}

/** What the replay runs on, read once: the store's state and configuration, and the lease if one was named. */
async function context(cli: Cli, o: ReplayOpts) {
	const store = await cli.store();
	const state = await store.read();
	const leased = o.lease === undefined ? undefined : await findLease(cli, o.lease);
	const intent = leased?.state.intents.find(i => i.id === leased.lease.intentId);
	return {store, leased, intent, base: leased?.lease.plan ?? state.config.plan, opts: {config: state.config}};
}

type Context = Awaited<ReturnType<typeof context>>;

async function replayDeployment(cli: Cli, {store, leased, base, opts}: Context, id: string, changes: PlanChanges): Promise<void> {
	const recorded = await recordedDeployment(store, id);
	if (!recorded) throw unknownId('deployment', id, '--deployment', 'calyx canary list --all');
	if (recorded.samples.length === 0) throw usage(`--deployment: ${id} recorded no sample: nothing to replay`, 'NO_SAMPLES');
	const result = replayRecorded(recorded, replayPlan(leased ? base : recorded.deployment.plan, changes), opts);
	cli.emit({source: {deployment: id}, replay: result}, shown => [`replay of ${shown.source.deployment} under ${planText(shown.replay.plan)}`, ...replayText(shown.replay)].join('\n'));
}

function replayFile(cli: Cli, {leased, intent, base, opts}: Context, file: string, samples: Sample[], changes: PlanChanges): void {
	// A lease judges by its service's definition (its metrics and budgets); a bare plan by the four metrics alone.
	const definition = intent ? definitionFor(leased!.state, intent.service) : undefined;
	const what = intent ? {service: intent.service, fromVersion: intent.fromVersion, toVersion: intent.toVersion} : {};
	const result = replay({plan: replayPlan(base, changes), samples, ...what, ...(definition ? {definition} : {}), ...opts});
	cli.emit({source: {file}, replay: result}, shown => [`replay of ${shown.source.file} under ${planText(shown.replay.plan)}`, ...replayText(shown.replay)].join('\n'));
}

async function replayService(cli: Cli, {store, base, opts}: Context, service: string, last: number, changes: PlanChanges): Promise<void> {
	const plan = replayPlan(base, changes);
	const record: TrackRecord = trackRecord(plan, service, await recentRecorded(store, service, last), opts);
	cli.emit({source: {service, last}, trackRecord: record}, shown =>
		[
			`replays under ${planText(plan)}`,
			...shown.trackRecord.runs.flatMap(r => ['', r.deploymentId, ...(r.result ? replayText(r.result) : ['no sample recorded: nothing to replay'])]),
			'',
			shown.trackRecord.line,
		].join('\n'),
	);
}

async function runReplay(cli: Cli, o: ReplayOpts): Promise<void> {
	const sources = [o.deployment, o.service, o.samples].filter(s => s !== undefined);
	// A lease alone is tried against its own service's past: what its signers want to know.
	const ofService = o.service !== undefined || (sources.length === 0 && o.lease !== undefined);
	if (sources.length > 1 || (sources.length === 0 && !ofService)) throw usage('samples: give exactly one of --deployment <id>, --service <name> or --samples <file.ndjson> (with --lease alone: its service\'s last deployments)');
	if (o.last !== undefined && !ofService) throw usage('--last: goes with --service (or --lease alone)');
	if (o.service !== undefined && !SERVICE_NAME.test(o.service)) throw usage(`--service: ${SERVICE_NAME_RULE}`);
	const changes = changesOf(o);
	// Read before the store opens: a bad file is refused without touching the data directory.
	const fileSamples = o.samples === undefined ? undefined : await samplesFile(o.samples);
	const ctx = await context(cli, o);
	if (o.deployment !== undefined) return replayDeployment(cli, ctx, o.deployment, changes);
	if (fileSamples) return replayFile(cli, ctx, o.samples!, fileSamples, changes);
	const service = o.service ?? ctx.intent?.service;
	if (service === undefined) throw usage(`--lease: ${o.lease} refers to a missing intent: give --service`, 'NOT_FOUND');
	return replayService(cli, ctx, service, o.last ?? TRACK_RECORD_RUNS, changes);
}

export function registerPlan(program: Command, io: Io) {
	const plan = program.command('plan').description('canary plans, tried before anyone signs');
	const cmd = plan
		.command('replay')
		.description('run a plan against recorded samples through the engine\'s own gate, bands, warm-up and budgets, and print where it would have held, promoted, halted')
		.option('--lease <id>', 'the plan of this lease (default: the deployment\'s own plan, else the configured default)')
		.option('--deployment <id>', 'the samples a past deployment recorded')
		.option('--service <name>', 'the last deployments of this service that are over (see --last); with --lease alone, the lease\'s service')
		.option('--last <n>', `with --service or --lease alone: how many (default ${TRACK_RECORD_RUNS}, at most ${MAX_LAST})`, count(MAX_LAST))
		.option('--samples <file>', 'NDJSON samples, one a line: {"at":"2026-11-26T10:00:00Z","tesDelta":..,"errorRate":..,"cpu":..,"memory":..,"custom":{..}}')
		.option('--tiers <list>', 'canary traffic tiers in percent, e.g. 5,25,100', tiers)
		.option('--bake <duration>', 'bake time per tier, e.g. 15m', duration)
		.option('--min-samples <n>', 'samples per metric a tier needs', count(10_000))
		.option('--progress-deadline <duration>', 'halt a tier that has not promoted this long after its bake', duration)
		.option('--threshold <metric=warning,critical>', `a metric's bands, repeatable (metric: ${METRICS.join(', ')})`, threshold)
		.option('--manual', 'no auto-promotion (the replay promotes as soon as the gate passes, as an operator would)')
		.option('--no-auto-rollback', 'a critical halts but does not roll back by itself')
		.action(
			action<ReplayOpts>(io, async (cli, _args, o) => {
				if (o.last === 0) throw usage(`--last: must be from 1 to ${MAX_LAST}`);
				await runReplay(cli, o);
			}),
		);
	examples(
		cmd,
		'calyx plan replay --deployment DEP-20261126-001',
		'calyx plan replay --lease LEASE-20261126-101500',
		'calyx plan replay --service checkout --bake 30m --threshold errorRate=0.5,1 --json',
		'calyx plan replay --samples recorded.ndjson --tiers 10,50,100 --min-samples 5',
	);
}
