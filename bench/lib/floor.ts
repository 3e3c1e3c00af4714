/**
 * The durable-write floor: the bytes replaced as any program must to survive a crash (a new file,
 * written, fsync'd, renamed over the old one, the directory fsync'd), in plain fs calls. None of
 * calyx's code, so that making the store's write cheaper never moves the floor it is judged by.
 */
import {open, rename} from 'node:fs/promises';
import {dirname} from 'node:path';
import {interleaved, ms, ratio, stats, type Stats} from './stats.js';

let serial = 0;

export async function durableFloor(path: string, bytes: Buffer): Promise<void> {
	const tmp = `${path}.floor-${process.pid}-${serial++}`;
	const fh = await open(tmp, 'wx', 0o600);
	try {
		for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done)).bytesWritten;
		await fh.sync();
	} finally {
		await fh.close();
	}
	await rename(tmp, path);
	const dir = await open(dirname(path), 'r');
	try {
		await dir.sync();
	} finally {
		await dir.close();
	}
}

export interface Against {
	figure: Stats;
	floor: Stats;
	/** Each round's figure over the floor measured beside it. */
	paired: Stats;
	/** The figure's rounds, in order (ms). */
	rounds: number[];
}

/** `figure` in turns with the durable-write floor of `bytes` at `path` (see `interleaved`). */
export async function againstFloor(figure: (i: number) => unknown, path: string, bytes: Buffer, opts: {rounds: number; warmup?: number}): Promise<Against> {
	const {samples, paired} = await interleaved({figure, floor: () => durableFloor(path, bytes)}, {warmup: 10, ...opts});
	return {figure: stats(samples.figure), floor: stats(samples.floor), paired: stats(paired.floor.map(r => 1 / r)), rounds: samples.figure};
}

export const AGAINST_HEADER = ['median', 'p95', 'floor median', 'floor p95', 'p95 / floor p95', 'median / floor median', 'per round: median, p95'];

/** The columns every such figure prints: both distributions, their ratios, and the ratio taken round by round. */
export const againstColumns = (a: Against) => [
	`${ms(a.figure.median)} ms`,
	`${ms(a.figure.p95)} ms`,
	`${ms(a.floor.median)} ms`,
	`${ms(a.floor.p95)} ms`,
	ratio(a.figure.p95, a.floor.p95),
	ratio(a.figure.median, a.floor.median),
	`${a.paired.median.toFixed(1)}×, ${a.paired.p95.toFixed(1)}×`,
];

/** Whether the box was quiet enough for a p95 to mean anything: the floor's own spread. */
export const floorSpread = (a: Against) => `the floor's p95 is ${ratio(a.floor.p95, a.floor.median)} its median`;
