import type {Layout, Slot} from './codec.js';
import {isObject} from './validate.js';

/**
 * A deployment the engine changed is a new line in the document each second, but most of it is
 * what the last read already holds: its rollback pack, plan and feeds, and all but the newest of
 * its window's samples. Parsed afresh, every part is a new object to validate whole and keep;
 * here each part equal to the last read's (validated and frozen) takes that part's place, so
 * that the validation checks only what changed (validate.ts knows the shared parts) and the
 * state held keeps one copy. Equal JSON values only: what the document holds does not change.
 */
export function shareParts(fresh: ReadonlyArray<[string, Slot]>, prev: Layout): void {
	const before = new Map<string, Map<unknown, Record<string, unknown>>>();
	const byId = (key: string) => {
		let map = before.get(key);
		if (!map) {
			map = new Map();
			for (const slot of prev.fields.find(f => f.key === key)?.items ?? []) if (isObject(slot.value) && Object.isFrozen(slot.value)) map.set(slot.value.id, slot.value);
			before.set(key, map);
		}
		return map;
	};
	for (const [key, slot] of fresh) {
		if (!isObject(slot.value) || slot.value.id === undefined) continue;
		const old = byId(key).get(slot.value.id);
		if (old) shareFields(slot.value, old);
	}
}

function shareFields(entity: Record<string, unknown>, old: Record<string, unknown>): void {
	for (const key in entity) {
		// Own fields only: `old.__proto__` is Object.prototype, and setting `__proto__` sets no field.
		if (key === '__proto__' || !Object.hasOwn(old, key)) continue;
		const part = entity[key];
		const was = old[key];
		if (was === null || typeof was !== 'object' || part === null || typeof part !== 'object') continue;
		if (Array.isArray(part) && Array.isArray(was)) shareItems(part, was);
		if (sameJson(part, was)) entity[key] = was;
	}
}

/** A window slides: the fresh array's first item is looked for in the old one, and the items from there compared in step. */
function shareItems(items: unknown[], was: readonly unknown[]): void {
	if (items.length === 0) return;
	const from = was.findIndex(item => sameJson(item, items[0]));
	if (from < 0) return;
	for (let i = 0; i < items.length && from + i < was.length; i++) if (sameJson(items[i], was[from + i])) items[i] = was[from + i];
}

/** Equality of JSON values (what JSON.parse makes: no undefined, no other prototypes), allocating nothing. */
function sameJson(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (Array.isArray(a) || Array.isArray(b)) {
		if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
		return true;
	}
	const x = a as Record<string, unknown>;
	const y = b as Record<string, unknown>;
	let keys = 0;
	// Own keys only: JSON.parse makes `__proto__` an own key, which `y` may hold only through its prototype.
	for (const key in x) {
		if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
		keys++;
	}
	for (const _ in y) keys--;
	return keys === 0;
}
