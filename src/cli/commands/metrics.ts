import type {Command} from 'commander';
import {Sample, METRICS, METRIC_INFO, type MetricName} from '../../core/model/metrics.js';
import type {SampleOutcome} from '../../core/engine/metrics.js';
import type {BatchResult} from '../../store/api.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {CliError, EXIT, toCliError, usage} from '../errors.js';
import {isoTime, metricOptions} from '../parse.js';

type PushOpts = Partial<Record<MetricName, number>> & {at?: string; stdin?: boolean};

const METRIC_FLAGS = METRICS.map(m => METRIC_INFO[m].flag).join(', ');

/** Parses NDJSON samples up to the first malformed line; that line is reported with its number. */
export function parseNdjson(text: string): {samples: Array<{line: number; sample: Partial<Sample>}>; error?: CliError} {
	const samples: Array<{line: number; sample: Partial<Sample>}> = [];
	const lines = text.split('\n');
	for (const [i, raw] of lines.entries()) {
		if (raw.trim() === '') continue;
		const line = i + 1;
		let value: unknown;
		try {
			value = JSON.parse(raw);
		} catch {
			return {samples, error: usage(`stdin line ${line}: not JSON (one sample object per line, e.g. {"tesDelta":-1.2,"cpu":80})`, 'INVALID_SAMPLE')};
		}
		const parsed = Sample.safeParse({at: new Date().toISOString(), ...(value as object)});
		if (typeof value !== 'object' || value === null || Array.isArray(value) || !parsed.success) {
			const issue = parsed.success ? undefined : parsed.error.issues[0];
			const field = issue?.path.join('.') || 'sample';
			const why = issue?.code === 'unrecognized_keys' ? `unknown field (allowed: ${METRICS.join(', ')}, at)` : (issue?.message ?? 'not an object');
			return {samples, error: usage(`stdin line ${line}: ${field}: ${why}`, 'INVALID_SAMPLE')};
		}
		samples.push({line, sample: value as Partial<Sample>});
	}
	return {samples};
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
	let text = '';
	for await (const chunk of stream) text += chunk.toString();
	return text;
}

const outcomeText = (o: SampleOutcome) =>
	o.action === 'recorded' || o.action === 'held'
		? `${o.evaluation.verdict}${o.evaluation.reasons.length ? `: ${o.evaluation.reasons.join('; ')}` : ''} → ${statusWord(o.status)}`
		: `${o.evaluation.verdict}: ${o.evaluation.reasons.join('; ')} → ${statusWord(o.action)}`;

/**
 * Samples per commit. One sample per commit caps a push at what one lock and a few fsyncs allow
 * (~100/s here); a batch shares them. Bounded so that one commit stays small and a refusal is
 * found within one batch's work.
 */
const SAMPLES_PER_COMMIT = 500;

type Entry = {line?: number; sample: Partial<Sample>};

/** An error as reported for the line it happened at (none for a single sample from flags). */
function atLine(entry: Entry, error: unknown): CliError {
	const e = toCliError(error);
	return new CliError(`${entry.line ? `stdin line ${entry.line}: ` : ''}${e.message}`, e.exitCode, e.code, e.reasons);
}

/**
 * Records the samples in order, a batch per commit, up to the first one refused; the ones before
 * it stay recorded. Under --expect-rev each batch expects the revision the one before produced,
 * so the whole push applies to the state the caller saw, with nobody else's write in between.
 */
async function push(cli: Cli, id: string, entries: Entry[]) {
	const results: Array<{line?: number} & SampleOutcome> = [];
	let expectedRev = cli.global.expectRev;
	for (let start = 0; start < entries.length; start += SAMPLES_PER_COMMIT) {
		const batch = entries.slice(start, start + SAMPLES_PER_COMMIT);
		let out: BatchResult<SampleOutcome>;
		try {
			out = await cli.runMany<SampleOutcome>(batch.map(e => ({type: 'metrics.record', id, sample: e.sample})), expectedRev);
		} catch (error) {
			// Nothing of this batch was written: the first line not recorded is its first.
			return {results, error: atLine(batch[0]!, error)};
		}
		out.results.forEach((result, i) => results.push({...(batch[i]!.line ? {line: batch[i]!.line} : {}), ...result}));
		if (out.failed) return {results, error: atLine(batch[out.failed.index]!, out.failed.error)};
		if (expectedRev !== undefined) expectedRev = out.rev;
	}
	return {results};
}

export function registerMetrics(program: Command, io: Io) {
	const metrics = program.command('metrics').description('metrics samples of live canaries');
	const cmd = metricOptions(
		metrics
			.command('push <deploymentId>')
			.description('record a sample (percent values); a critical halts, and rolls back when the plan says so, before this returns'),
	)
		.option('--at <iso>', 'when the sample was taken (default: now)', isoTime)
		.option('--stdin', 'read NDJSON samples from stdin: {"tesDelta":..,"errorRate":..,"cpu":..,"memory":..,"at":..}')
		.action(
			action<PushOpts>(io, async (cli, [id], o) => {
				const given = METRICS.filter(m => o[m] !== undefined);
				if (o.stdin && given.length > 0) throw usage(`--stdin: give samples either on stdin or as ${METRIC_FLAGS}, not both`);
				let entries: Entry[];
				let parseError: CliError | undefined;
				if (o.stdin) {
					const parsed = parseNdjson(await readAll(cli.io.stdin));
					entries = parsed.samples;
					parseError = parsed.error;
				} else {
					if (given.length === 0) throw usage(`metrics push: give at least one of ${METRIC_FLAGS}, or --stdin`);
					entries = [{sample: {...Object.fromEntries(given.map(m => [m, o[m]])), ...(o.at ? {at: o.at} : {})}}];
				}
				const {results, error} = await push(cli, id!, entries);
				const failure = error ?? parseError;
				const last = results.at(-1);
				cli.emit({ok: !failure, recorded: results.length, results, ...(failure ? {error: {code: failure.code, message: failure.message}} : {})}, () =>
					entries.length === 1 && last
						? `recorded: ${outcomeText(last)}`
						: failure && results.length === 0
							? ''
							: [`recorded ${results.length} sample(s)`, ...results.filter(r => r.action !== 'recorded').map(r => `  line ${r.line}: ${outcomeText(r)}`)].join('\n'),
				);
				if (failure) {
					cli.err(`calyx: ${failure.message}`);
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
