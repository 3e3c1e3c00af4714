import {describe, expect, it} from 'vitest';
import {Sample, StoredSample} from '../../src/core/model/metrics.js';

const AT = '2026-12-04T10:00:00.000Z';
const CASES: Array<[string, unknown]> = [
	['the four metrics', {at: AT, tesDelta: -1.5, errorRate: 0.2, cpu: 80, memory: 60}],
	['one metric, an offset time', {at: '2026-12-04T10:00:00+01:00', cpu: 0}],
	['the bounds themselves', {at: AT, tesDelta: -100, errorRate: 100, cpu: 1000, memory: 0}],
	['custom metrics', {at: AT, custom: {latency_p99: 120}}],
	['TES readings', {at: AT, tesDelta: -1, tes: {canary: 0.97, stable: 0.98}}],
	['a leap day', {at: '2028-02-29T00:00:00Z', cpu: 1}],
	['no metric', {at: AT}],
	['no time', {cpu: 5}],
	['February 30th', {at: '2026-02-30T10:00:00Z', cpu: 5}],
	['a date without a time', {at: '2026-12-04', cpu: 5}],
	['a time that is a number', {at: 1, cpu: 5}],
	['a value out of range', {at: AT, cpu: 1000.5}],
	['a negative error rate', {at: AT, errorRate: -0.1}],
	['NaN', {at: AT, memory: Number.NaN}],
	['Infinity', {at: AT, cpu: Number.POSITIVE_INFINITY}],
	['a string value', {at: AT, cpu: '5'}],
	['an unknown field', {at: AT, cpu: 5, extra: 1}],
	['__proto__ as a field', JSON.parse(`{"at":"${AT}","cpu":5,"__proto__":{"x":1}}`)],
	['toString as a field', {at: AT, cpu: 5, toString: 1}],
	['an array', [AT, 5]],
	['null', null],
	['a bad custom name', {at: AT, custom: {'9bad': 1}}],
];

describe('a stored sample is held to the rules of a sample, checked by hand where it can be', () => {
	it.each(CASES)('%s: the same verdict and the same first issue (field and message)', (_what, value) => {
		const want = Sample.safeParse(value);
		const got = StoredSample.safeParse(value);
		expect(got.success).toBe(want.success);
		if (!want.success && !got.success) {
			expect({path: got.error.issues[0]!.path, message: got.error.issues[0]!.message}).toEqual({path: want.error.issues[0]!.path, message: want.error.issues[0]!.message});
		}
	});

	it('the cases hold both verdicts', () => {
		const verdicts = new Set(CASES.map(([, v]) => Sample.safeParse(v).success));
		expect(verdicts).toEqual(new Set([true, false]));
	});
});
