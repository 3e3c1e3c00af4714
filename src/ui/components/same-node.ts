import {isValidElement} from 'react';

/**
 * Whether two React nodes describe the same output: the same element types and keys, with props
 * equal value for value, children likewise, all the way down. The detail builds its rows as fresh
 * elements every frame; most say exactly what they said a second ago, and a row found the same
 * is neither rendered again by React nor laid out again by ink (see BlockScroll). A function prop
 * counts as equal only when it is the same function: elements from the views carry none.
 */
export function sameNode(a: unknown, b: unknown): boolean {
	if (Object.is(a, b)) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameNode(x, b[i]));
	if (Array.isArray(b)) return false;
	if (isValidElement(a) || isValidElement(b)) {
		if (!isValidElement(a) || !isValidElement(b) || a.type !== b.type || a.key !== b.key) return false;
		return sameProps(a.props as Record<string, unknown>, b.props as Record<string, unknown>);
	}
	return sameProps(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameProps(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
	const keys = Object.keys(a);
	if (keys.length !== Object.keys(b).length) return false;
	return keys.every(k => Object.hasOwn(b, k) && sameNode(a[k], b[k]));
}
