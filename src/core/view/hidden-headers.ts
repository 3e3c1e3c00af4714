/**
 * A metrics source's header values are never shown: a credential may only be given by reference
 * (`{env}`, `{file}`: not a secret, shown as it is), but any plain value is still hidden, wherever
 * a definition reaches an operator (a view, `service show`, an audit event's data: `service.applied`
 * holds the signed statement whole). Names are shown: they say enough to review.
 */

export const HIDDEN_VALUE = '[not shown]';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A header map with every plain value hidden. */
export const hiddenHeaders = (headers: Readonly<Record<string, unknown>>): Record<string, unknown> =>
	Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === 'string' ? HIDDEN_VALUE : value]));

/**
 * A copy of `value` with every `headers` map in it, at any depth, hidden; objects without one are
 * shared, not copied (an audit list of thousands of events is walked per frame).
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
			const next = key === 'headers' && isRecord(inner) ? hiddenHeaders(inner) : walk(inner);
			if (next !== inner) (changed ??= {...v})[key] = next;
		}
		return changed ?? v;
	};
	return walk(value) as T;
}
