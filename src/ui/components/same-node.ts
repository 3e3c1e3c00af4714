import {isValidElement} from 'react';
import {sameValue} from '../../core/same-value.js';

/**
 * Whether two React nodes describe the same output: the same element types and keys, with props
 * equal value for value, children likewise, all the way down. The detail builds its rows as fresh
 * elements every frame; most say exactly what they said a second ago, and a row found the same
 * is neither rendered again by React nor laid out again by ink (see BlockScroll). A function prop
 * counts as equal only when it is the same function: elements from the views carry none.
 */
export const sameNode = (a: unknown, b: unknown): boolean => sameValue(a, b, sameElement);

function sameElement(a: object, b: object): boolean | undefined {
	if (!isValidElement(a) && !isValidElement(b)) return undefined;
	if (!isValidElement(a) || !isValidElement(b) || a.type !== b.type || a.key !== b.key) return false;
	return sameNode(a.props, b.props);
}
