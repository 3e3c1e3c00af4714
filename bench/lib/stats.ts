/** Timing helpers shared by the benches: each figure is reported with its median and p95. */
import {availableParallelism, loadavg} from 'node:os';

export interface Stats {
	n: number;
	median: number;
	p95: number;
	mean: number;
	min: number;
	max: number;
}

export function stats(samples: number[]): Stats {
	if (samples.length === 0) throw new Error('no samples');
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
	return {
		n: sorted.length,
		median: at(0.5),
		p95: at(0.95),
		mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
		min: sorted[0]!,
		max: sorted[sorted.length - 1]!,
	};
}

/** Runs `fn` `warmup` times unmeasured, then `iterations` times, returning each duration in ms. */
export async function sample(fn: (i: number) => unknown, opts: {iterations: number; warmup?: number}): Promise<number[]> {
	for (let i = 0; i < (opts.warmup ?? 0); i++) await fn(-1 - i);
	const out: number[] = [];
	for (let i = 0; i < opts.iterations; i++) {
		const start = performance.now();
		await fn(i);
		out.push(performance.now() - start);
	}
	return out;
}

/** Wall time of one call, in ms. */
export async function once(fn: () => unknown): Promise<number> {
	const start = performance.now();
	await fn();
	return performance.now() - start;
}

export const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const ratio = (x: number, floor: number) => `${(x / floor).toFixed(1)}×`;
export const perSecond = (count: number, totalMs: number) => Math.round((count / totalMs) * 1000);
export const thousands = (n: number) => n.toLocaleString('en-US');

/** A plain left-aligned text table (first row is the header). */
export function table(rows: Array<Array<string | number>>): string {
	const cells = rows.map(r => r.map(String));
	const widths = cells[0]!.map((_, c) => Math.max(...cells.map(r => r[c]?.length ?? 0)));
	const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
	return [line(cells[0]!), widths.map(w => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Several figures sampled in turns, one of each per round (the order reversed every other round),
 * so that whatever else the machine is doing lands on all of them alike. Also returns each round's
 * ratio of every figure to the first one (`paired`): the ratio of two figures measured a moment
 * apart, steadier than the ratio of two distributions when the load drifts.
 */
export async function interleaved<K extends string>(fns: Record<K, (i: number) => unknown>, opts: {rounds: number; warmup?: number}): Promise<{samples: Record<K, number[]>; paired: Record<K, number[]>}> {
	const names = Object.keys(fns) as K[];
	const samples = Object.fromEntries(names.map(n => [n, [] as number[]])) as Record<K, number[]>;
	for (let round = -(opts.warmup ?? 0); round < opts.rounds; round++) {
		const order = round % 2 === 0 ? names : [...names].reverse();
		for (const name of order) {
			const start = performance.now();
			await fns[name](round);
			if (round >= 0) samples[name].push(performance.now() - start);
		}
	}
	const first = samples[names[0]!];
	const paired = Object.fromEntries(names.map(n => [n, samples[n].map((x, i) => x / first[i]!)])) as Record<K, number[]>;
	return {samples, paired};
}

/** The machine's load while a figure was measured: a benchmark on a busy box says so. */
export function load(): string {
	const [one] = loadavg();
	return `load average ${one!.toFixed(2)} on ${availableParallelism()} cores`;
}
