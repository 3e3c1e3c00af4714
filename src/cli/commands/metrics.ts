import type {Command} from 'commander';
import type {z} from 'zod';
import {Sample, METRICS, METRIC_INFO, type MetricName} from '../../core/model/metrics.js';
import type {SampleOutcome} from '../../core/engine/metrics.js';
import type {BatchResult} from '../../store/api.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import {settleDeployment, targetLine} from '../target.js';
import {targetView} from '../../core/view/target.js';
import type {Cli, Io} from '../context.js';
import {CliError, EXIT, toCliError, usage} from '../errors.js';
import {isoTime, metricOptions} from '../parse.js';

type PushOpts = Partial<Record<MetricName, number>> & {at?: string; stdin?: boolean};

const METRIC_FLAGS = METRICS.map(m => METRIC_INFO[m].flag).join(', ');

/** The fields of a sample line, and of its TES pair: what an "unknown field" message lists. */
const SAMPLE_FIELDS = [...METRICS, 'custom', 'tes', 'at'];
const TES_FIELDS = ['canary', 'stable'];

type Issue = z.core.$ZodIssue;

/** One schema issue in the words of the field it is about: `tes.stabel: unknown field (allowed: canary, stable)`. */
function issueText(issue: Issue | undefined): string {
	if (!issue) return 'sample: not an object';
	const at = (path: ReadonlyArray<PropertyKey>) => path.map(String).join('.') || 'sample';
	if (issue.code === 'unrecognized_keys') {
		const allowed = issue.path.length === 0 ? SAMPLE_FIELDS : issue.path[0] === 'tes' ? TES_FIELDS : undefined;
		return `${at([...issue.path, issue.keys[0]!])}: unknown field${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`;
	}
	if (issue.code === 'invalid_key') return `${at(issue.path)}: not a metric name (a letter, then letters, digits or "_", at most 32 characters)`;
	return `${at(issue.path)}: ${issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required ($1)')}`;
}

/** One NDJSON line as a sample, or the usage error that names its line and field. */
export function parseSampleLine(raw: string, line: number): {sample: Partial<Sample>} | {error: CliError} {
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		return {error: usage(`stdin line ${line}: not JSON (one sample object per line, e.g. {"tesDelta":-1.2,"cpu":80})`, 'INVALID_SAMPLE')};
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return {error: usage(`stdin line ${line}: sample: not an object`, 'INVALID_SAMPLE')};
	const parsed = Sample.safeParse({at: new Date().toISOString(), ...value});
	if (!parsed.success) {
		// A mistyped field explains the required one reported missing: name the typo first.
		const issues = parsed.error.issues;
		return {error: usage(`stdin line ${line}: ${issueText(issues.find(i => i.code === 'unrecognized_keys') ?? issues[0])}`, 'INVALID_SAMPLE')};
	}
	return {sample: value as Partial<Sample>};
}

/** A sample line is a few hundred bytes; a longer one is not a sample, and is not buffered whole. */
const MAX_LINE_BYTES = 65_536;

/**
 * The lines of a stream as they arrive, numbered as the file has them, holding at most one line:
 * a push of any length runs in constant memory.
 */
export async function* streamLines(stream: NodeJS.ReadableStream): AsyncGenerator<{line: number; text: string} | {line: number; tooLong: true}> {
	let pending = Buffer.alloc(0);
	let line = 0;
	let skipping = false;
	for await (const chunk of stream) {
		let buf = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)]);
		for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
			line++;
			if (!skipping) yield {line, text: buf.subarray(0, nl).toString('utf8')};
			skipping = false;
			buf = buf.subarray(nl + 1);
		}
		if (buf.length > MAX_LINE_BYTES && !skipping) {
			yield {line: line + 1, tooLong: true};
			return;
		}
		pending = buf;
	}
	if (pending.length > 0) yield {line: line + 1, text: pending.toString('utf8')};
}

// A warning's reasons name their level already ("WARNING: TES drop > 2%"): the verdict before them said it twice.
const outcomeText = (o: SampleOutcome) =>
	o.action === 'recorded' || o.action === 'held'
		? `${o.evaluation.reasons.length ? o.evaluation.reasons.join('; ') : o.evaluation.verdict} → ${statusWord(o.status)}`
		: `${o.evaluation.verdict}: ${o.evaluation.reasons.join('; ')} → ${statusWord(o.action)}`;

/**
 * Samples per commit. One sample per commit caps a push at what one lock and a few fsyncs allow
 * (~100/s here); a batch shares them. Bounded so that one commit stays small and a refusal is
 * found within one batch's work.
 */
const SAMPLES_PER_COMMIT = 500;

type Entry = {line?: number; sample: Partial<Sample>};
type Result = {line?: number} & SampleOutcome;

/** What a push reports: every sample counted, the last outcomes kept (a stream may be endless). */
const KEPT_RESULTS = 100;

/** An error as reported for the line it happened at (none for a single sample from flags). */
function atLine(entry: Entry, error: unknown): CliError {
	const e = toCliError(error);
	return new CliError(`${entry.line ? `stdin line ${entry.line}: ` : ''}${e.message}`, e.exitCode, e.code, e.reasons);
}

/**
 * Records samples in order, a batch per commit, up to the first one refused or malformed; the
 * ones before it stay recorded. Under --expect-rev each batch expects the revision the one before
 * produced, so the whole push applies to the state the caller saw, with nobody else's write in
 * between. Entries are pulled as they come: a batch is the most held at once.
 */
async function push(cli: Cli, id: string, entries: AsyncIterable<Entry | {error: CliError}>) {
	const results: Result[] = [];
	let recorded = 0;
	let expectedRev = cli.global.expectRev;
	let batch: Entry[] = [];
	const keep = (r: Result) => {
		recorded++;
		results.push(r);
		if (results.length > KEPT_RESULTS) results.shift();
	};
	const commit = async (): Promise<CliError | undefined> => {
		if (batch.length === 0) return undefined;
		const pending = batch;
		batch = [];
		let out: BatchResult<SampleOutcome>;
		try {
			out = await cli.runMany<SampleOutcome>(pending.map(e => ({type: 'metrics.record', id, sample: e.sample})), expectedRev);
		} catch (error) {
			// Nothing of this batch was written: the first line not recorded is its first.
			return atLine(pending[0]!, error);
		}
		out.results.forEach((result, i) => keep({...(pending[i]!.line ? {line: pending[i]!.line} : {}), ...result}));
		if (out.failed) return atLine(pending[out.failed.index]!, out.failed.error);
		if (expectedRev !== undefined) expectedRev = out.rev;
		return undefined;
	};
	for await (const entry of entries) {
		if ('error' in entry) {
			const error = (await commit()) ?? entry.error;
			return {recorded, results, error};
		}
		batch.push(entry);
		if (batch.length >= SAMPLES_PER_COMMIT) {
			const error = await commit();
			if (error) return {recorded, results, error};
		}
	}
	const error = await commit();
	return error ? {recorded, results, error} : {recorded, results};
}

async function* stdinEntries(stream: NodeJS.ReadableStream): AsyncGenerator<Entry | {error: CliError}> {
	for await (const l of streamLines(stream)) {
		if ('tooLong' in l) {
			yield {error: usage(`stdin line ${l.line}: longer than ${MAX_LINE_BYTES} bytes: not a sample`, 'INVALID_SAMPLE')};
			return;
		}
		if (l.text.trim() === '') continue;
		const parsed = parseSampleLine(l.text, l.line);
		if ('error' in parsed) {
			yield parsed;
			return;
		}
		yield {line: l.line, sample: parsed.sample};
	}
}

async function* one(entry: Entry): AsyncGenerator<Entry> {
	yield entry;
}

export function registerMetrics(program: Command, io: Io) {
	const metrics = program.command('metrics').description('metrics samples of live canaries');
	const cmd = metricOptions(
		metrics
			.command('push <deploymentId>')
			.description('record a sample (percent values); a critical halts, and rolls back when the plan says so, before this returns'),
	)
		.option('--at <iso>', 'when the sample was taken (default: now)', isoTime)
		.option('--stdin', 'read NDJSON samples from stdin: {"tesDelta":..,"errorRate":..,"cpu":..,"memory":..,"custom":{"<name>":..},"tes":{"canary":..,"stable":..},"at":..}')
		.action(
			action<PushOpts>(io, async (cli, [id], o) => {
				const given = METRICS.filter(m => o[m] !== undefined);
				if (o.stdin && given.length > 0) throw usage(`--stdin: give samples either on stdin or as ${METRIC_FLAGS}, not both`);
				let entries: AsyncIterable<Entry | {error: CliError}>;
				if (o.stdin) entries = stdinEntries(cli.io.stdin);
				else {
					if (given.length === 0) throw usage(`metrics push: give at least one of ${METRIC_FLAGS}, or --stdin`);
					entries = one({sample: {...Object.fromEntries(given.map(m => [m, o[m]])), ...(o.at ? {at: o.at} : {})}});
				}
				const {recorded, results, error: failure} = await push(cli, id!, entries);
				const last = results.at(-1);
				const omitted = recorded - results.length;
				// A critical decided a rollback: carried to the target now, and said as the target answered.
				const reverted = results.some(r => r.action === 'rolling_back') ? await settleDeployment(cli, id!) : undefined;
				const target = reverted ? {target: targetView(reverted), status: reverted.status} : {};
				const targetSaid = reverted ? [`target: ${statusWord(reverted.status)}, ${targetLine(reverted)}`] : [];
				cli.emit({ok: !failure, recorded, results, ...target, ...(omitted > 0 ? {resultsOmitted: omitted} : {}), ...(failure ? {error: {code: failure.code, message: failure.message}} : {})}, () =>
					[
						...(!o.stdin && last
							? [`recorded: ${outcomeText(last)}`]
							: failure && recorded === 0
								? []
								: [`recorded ${recorded} sample(s)`, ...results.filter(r => r.action !== 'recorded').map(r => `  line ${r.line}: ${outcomeText(r)}`)]),
						...targetSaid,
					].join('\n'),
				);
				if (failure) {
					// Batches before the failing line are committed: say how far the push got.
					const got = o.stdin ? ` (${recorded} sample(s) before it were recorded; nothing from this line on)` : '';
					cli.err(`calyx: ${failure.message}${got}`);
					return failure.exitCode;
				}
				return EXIT.ok;
			}),
		);
	examples(
		cmd,
		'calyx metrics push DEP-20261126-001 --tes-delta -0.4 --error-rate 0.3 --cpu 71 --memory 64',
		'calyx metrics push DEP-20261126-001 --stdin < probe.ndjson',
	);
}
