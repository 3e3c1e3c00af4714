/**
 * A commit's phases, timed through the store's `trace` option (see src/store/commit.ts): each
 * figure is the time since the phase before, so that they add up to the whole mutation.
 */
import type {CommitPhase} from '../../src/store/commit.js';
import {ms, stats} from './stats.js';

type Phase = CommitPhase | 'released';

const NAMES: Record<Phase, string> = {
	locked: 'lock taken',
	checked: 'checks (debris, logs, chain from the verified point; older lines too on a first write)',
	stepped: 'engine step',
	prepared: 'encode (the document, or the journal record; events chained)',
	written: 'document commits: writes durable (document temp with its list rows, O_DSYNC, validated as written; sample append + fsync; backup link)',
	committed: 'document commits: rename + directory fsync (backups rotated; older audit lines re-checked, SCRUB_LINES a second, from the fsyncs on)',
	sampled: 'journal commits: sample append (written, not synced: the record stands for it)',
	journaled: 'journal commits: record append + fsync (the commit point)',
	released: 'lock released, head witnessed',
};

export class Phases {
	#last = 0;
	#round = new Map<string, number>();
	readonly samples = new Map<string, number[]>();

	readonly trace = (phase: Phase) => {
		const now = performance.now();
		this.#round.set(phase, now - this.#last);
		this.#last = now;
	};

	/** Times one call (a mutation), keeping its phases when `keep` (not a warm-up round). */
	async time<T>(keep: boolean, fn: () => Promise<T>): Promise<T> {
		this.#round.clear();
		this.#last = performance.now();
		const out = await fn();
		this.trace('released');
		if (keep) for (const [phase, took] of this.#round) (this.samples.get(phase) ?? this.samples.set(phase, []).get(phase)!).push(took);
		return out;
	}

	rows(): string[][] {
		const total = [...this.samples.values()].reduce((n, s) => n + stats(s).median, 0);
		return [...this.samples].map(([phase, s]) => {
			const st = stats(s);
			return [NAMES[phase as Phase] ?? phase, `${ms(st.median)} ms`, `${ms(st.p95)} ms`, `${Math.round((st.median / total) * 100)}%`];
		});
	}
}
