/**
 * A metrics source's headers carry credentials (an Authorization token, or where the engine reads
 * one): the console names them and never shows a value, wherever a definition reaches the screen
 * (the cosign dialog, an audit event's data: `service.applied` holds the signed statement whole).
 */

export const HIDDEN_VALUE = '[not shown]';

/** `Authorization (value not shown), X-Scope-OrgID (value not shown)`. */
export const headerNames = (headers: Readonly<Record<string, unknown>>) =>
	Object.keys(headers)
		.map(name => `${name} (value not shown)`)
		.join(', ');

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of `value` with the value of every `headers` entry, at any depth, replaced by
 * `[not shown]`; objects without one are shared, not copied. Any `headers` is hidden, not only a
 * Prometheus source's: a header is where credentials travel, and a name says enough to review.
 */
export function hideHeaderValues<T>(value: T): T {
	const walk = (v: unknown): unknown => {
		if (Array.isArray(v)) {
			const mapped = v.map(walk);
			return mapped.some((x, i) => x !== v[i]) ? mapped : v;
		}
		if (!isRecord(v)) return v;
		let changed: Record<string, unknown> | undefined;
		for (const [key, inner] of Object.entries(v)) {
			const next = key === 'headers' && isRecord(inner) ? Object.fromEntries(Object.keys(inner).map(name => [name, HIDDEN_VALUE])) : walk(inner);
			if (next !== inner) (changed ??= {...v})[key] = next;
		}
		return changed ?? v;
	};
	return walk(value) as T;
}
