import {sameValue} from '../core/same-value.js';
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

/** The parts of `entity` equal to `old`'s take their place. */
function shareFields(entity: Record<string, unknown>, old: Record<string, unknown>): void {
	for (const key in entity) {
		// Own fields only: `old.__proto__` is Object.prototype, and setting `__proto__` sets no field.
		if (key === '__proto__' || !Object.hasOwn(old, key)) continue;
		const part = entity[key];
		const was = old[key];
		if (was === null || typeof was !== 'object' || part === null || typeof part !== 'object') continue;
		if (Array.isArray(part) && Array.isArray(was)) shareItems(part, was);
		if (sameValue(part, was)) entity[key] = was;
	}
}

/** A window slides: the fresh array's first item is looked for in the old one, and the items from there compared in step. */
function shareItems(items: unknown[], was: readonly unknown[]): void {
	if (items.length === 0) return;
	const from = was.findIndex(item => sameValue(item, items[0]));
	if (from < 0) return;
	for (let i = 0; i < items.length && from + i < was.length; i++) if (sameValue(items[i], was[from + i])) items[i] = was[from + i];
}
