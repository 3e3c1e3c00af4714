import {z} from 'zod';
import type {RecordedSample} from '../core/engine/context.js';
import {Sample} from '../core/model/index.js';
import {StoreError} from './errors.js';
import {blocks, eachLine, linesBackward, readTail, type Tail} from './lines.js';
import {check} from './validate.js';

/**
 * Every metrics sample, append-only NDJSON: `{"rev":N,"deploymentId":"…","sample":{…}}`. The
 * document keeps only a bounded window per deployment; this log keeps them all. `rev` ties a line
 * to the mutation that recorded it, so lines of a mutation that never committed can be told apart.
 */
export const MetricLine = z.object({rev: z.number().int().min(0), deploymentId: z.string().min(1), sample: Sample});
export type MetricLine = z.infer<typeof MetricLine>;

export function sampleLines(samples: RecordedSample[], rev: number): Buffer {
	let text = '';
	samples.forEach((s, i) => {
		const line = {rev, deploymentId: s.deploymentId, sample: s.sample};
		const problem = check(MetricLine, line, `samples[${i}]`);
		if (problem) throw new StoreError('INVALID', `metrics sample ${problem.field}: ${problem.message}; nothing was written`);
		text += `${JSON.stringify(line)}\n`;
	});
	return Buffer.from(text);
}

const REV = /^\{"rev":(\d+),/;

/** The revision of a line, read without parsing it (the writer puts `rev` first). */
export const revOf = (line: Buffer): number | undefined => {
	const m = REV.exec(line.toString('latin1', 0, 24));
	return m ? Number(m[1]) : undefined;
};

export function parseSample(path: string, line: Buffer, start: number): MetricLine {
	let raw: unknown;
	try {
		raw = JSON.parse(line.toString('utf8'));
	} catch {
		throw new StoreError('CORRUPT', `${path}: the line at byte ${start} is not JSON`, path, {position: start});
	}
	const problem = check(MetricLine, raw, '');
	if (problem) throw new StoreError('CORRUPT', `${path}: the line at byte ${start} fails its schema at ${problem.field}: ${problem.message}`, path, {position: start, field: problem.field});
	return raw as MetricLine;
}

/** A deployment's samples, oldest first; with a limit, the newest `limit`, read from the end (or from byte `end`). */
export async function readSamples(path: string, deploymentId: string, limit?: number, throughRev = Number.POSITIVE_INFINITY, end?: number): Promise<Sample[]> {
	const needle = Buffer.from(`"deploymentId":${JSON.stringify(deploymentId)}`);
	const out: Sample[] = [];
	const consider = (line: Buffer, start: number) => {
		if (line.indexOf(needle) < 0) return;
		const parsed = parseSample(path, line, start);
		// Samples past the document's revision belong to a mutation that never committed.
		if (parsed.deploymentId === deploymentId && parsed.rev <= throughRev) out.push(parsed.sample);
	};
	if (limit !== undefined) {
		if (limit <= 0) return [];
		const tail: Tail | undefined = end === undefined ? await readTail(path) : undefined;
		for await (const {line, start} of linesBackward(path, end ?? tail!.tornAt ?? tail!.size)) {
			consider(line, start);
			if (out.length >= limit) break;
		}
		return out.reverse();
	}
	for await (const block of blocks(path)) if (!block.torn) eachLine(block, consider);
	return out;
}
