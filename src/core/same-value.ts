/**
 * Whether two plain values (objects, arrays, primitives: what JSON.parse makes) are equal all the
 * way down, own keys only (JSON.parse makes `__proto__` an own key, which `b` may hold only
 * through its prototype), allocating nothing. `special` decides a pair of objects it knows (the
 * console's React elements) and says undefined for the rest.
 */
export function sameValue(a: unknown, b: unknown, special?: (a: object, b: object) => boolean | undefined): boolean {
	if (Object.is(a, b)) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	const decided = special?.(a, b);
	if (decided !== undefined) return decided;
	if (Array.isArray(a) || Array.isArray(b)) {
		if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], special)) return false;
		return true;
	}
	const x = a as Record<string, unknown>;
	const y = b as Record<string, unknown>;
	let keys = 0;
	for (const key in x) {
		if (!Object.hasOwn(y, key) || !sameValue(x[key], y[key], special)) return false;
		keys++;
	}
	for (const _ in y) keys--;
	return keys === 0;
}
