import {describe, expect, it} from 'vitest';
import {sameValue} from '../../src/core/same-value.js';

describe('sameValue', () => {
	it('compares JSON values all the way down, whatever the key order', () => {
		expect(sameValue(JSON.parse('{"a":[1,{"b":"x"}],"c":null}'), JSON.parse('{"c":null,"a":[1,{"b":"x"}]}'))).toBe(true);
		expect(sameValue({a: [1, 2]}, {a: [1, 3]})).toBe(false);
		expect(sameValue({a: 1}, {a: 1, b: 2})).toBe(false);
		expect(sameValue({a: 1, b: 2}, {a: 1})).toBe(false);
		expect(sameValue([], {})).toBe(false);
		expect(sameValue({0: 'x', length: 1}, ['x'])).toBe(false);
		expect(sameValue(null, {})).toBe(false);
	});

	it('takes a parsed `__proto__` key as a key, never as the prototype', () => {
		expect(sameValue(JSON.parse('{"__proto__":{}}'), {})).toBe(false);
		expect(sameValue(JSON.parse('{"a":1,"__proto__":{}}'), {a: 1, b: 2})).toBe(false);
		expect(sameValue(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"x":1}}'))).toBe(true);
	});

	it('lets the caller decide the objects it knows, at any depth', () => {
		const tagged = (a: object, b: object) => ('tag' in a || 'tag' in b ? (a as {tag?: string}).tag === (b as {tag?: string}).tag : undefined);
		expect(sameValue({x: [{tag: 'a', noise: 1}]}, {x: [{tag: 'a', noise: 2}]}, tagged)).toBe(true);
		expect(sameValue({x: [{tag: 'a'}]}, {x: [{tag: 'b'}]}, tagged)).toBe(false);
	});
});
