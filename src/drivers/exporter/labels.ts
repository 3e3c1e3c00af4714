/**
 * Label values from the outside world (service names, custom metric names, refusal codes) are
 * validated where they enter calyx; here they are bounded once more, because a label value that
 * varies without bound makes a series per value in every Prometheus that scrapes us.
 */
const SAFE = /^[A-Za-z0-9._-]+$/;
export const LABEL_MAX = 63;
/** What a value that cannot be kept becomes (more distinct values than a label's budget). */
export const OTHER = 'other';

/** A value as a label holds it: letters, digits, `.`, `_`, `-`, at most LABEL_MAX characters. */
export function boundedLabel(text: string): string {
	const kept = SAFE.test(text) ? text : text.replace(/[^A-Za-z0-9._-]/g, '_');
	return kept.length === 0 ? '_' : kept.slice(0, LABEL_MAX);
}

/**
 * A label whose values are not a closed set the code knows (a refusal code): the first `budget`
 * distinct values are kept, any later one is counted as OTHER. Bounded for the life of the process.
 */
export class LabelBudget {
	readonly #seen = new Set<string>();
	constructor(readonly budget: number) {}

	label(text: string): string {
		const value = boundedLabel(text);
		if (this.#seen.has(value)) return value;
		if (this.#seen.size >= this.budget) return OTHER;
		this.#seen.add(value);
		return value;
	}
}

/** A value of a closed set (a halt's trigger), or OTHER when the trail holds one this build does not know. */
export const oneOf = <T extends string>(allowed: readonly T[], value: unknown): T | typeof OTHER =>
	typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : OTHER;
