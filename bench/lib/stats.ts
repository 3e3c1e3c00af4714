/** Timing helpers shared by the benches: each figure is reported with its median and p95. */

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
