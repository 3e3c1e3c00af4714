import {describe, expect, it} from 'vitest';
import {
	canonicalJson,
	checksum,
	formatDuration,
	ms,
	nextDeploymentId,
	nextIntentId,
	nextLeaseId,
	parseDuration,
	sha256,
} from '../../src/core/index.js';

const NOON = ms('2026-11-25T12:00:00Z');

describe('ids', () => {
	it('numbers intents per UTC day: INT-YYYYMMDD-NNN', () => {
		expect(nextIntentId(NOON, [])).toBe('INT-20261125-001');
		expect(nextIntentId(NOON, ['INT-20261125-001', 'INT-20261125-007', 'INT-20261124-042'])).toBe('INT-20261125-008');
		expect(nextIntentId(ms('2026-11-26T00:00:00Z'), ['INT-20261125-008'])).toBe('INT-20261126-001');
		expect(nextIntentId(ms('2026-11-25T23:59:59.999Z'), [])).toBe('INT-20261125-001');
	});

	it('goes past 999 without losing order, and ignores ids it cannot read', () => {
		expect(nextIntentId(NOON, ['INT-20261125-999'])).toBe('INT-20261125-1000');
		expect(nextIntentId(NOON, ['INT-20261125-abc', 'DEP-20261125-005'])).toBe('INT-20261125-001');
	});

	it('numbers deployments the same way: DEP-YYYYMMDD-NNN', () => {
		expect(nextDeploymentId(NOON, ['DEP-20261125-002', 'INT-20261125-009'])).toBe('DEP-20261125-003');
	});

	it('names leases by the second they were issued, LEASE-YYYYMMDD-HHMMSS, unique within that second', () => {
		const t = ms('2026-11-25T09:05:07.250Z');
		expect(nextLeaseId(t, [])).toBe('LEASE-20261125-090507');
		expect(nextLeaseId(t, ['LEASE-20261125-090507'])).toBe('LEASE-20261125-090507-2');
		expect(nextLeaseId(t, ['LEASE-20261125-090507', 'LEASE-20261125-090507-2'])).toBe('LEASE-20261125-090507-3');
		expect(nextLeaseId(t + 1000, ['LEASE-20261125-090507'])).toBe('LEASE-20261125-090508');
	});
});

describe('durations', () => {
	it.each([
		['0s', 0],
		['250ms', 250],
		['30s', 30_000],
		['15m', 900_000],
		['1h', 3_600_000],
		['1h30m', 5_400_000],
		['2d', 172_800_000],
		[' 15m ', 900_000],
	])('parses %j as %d ms', (text, value) => {
		expect(parseDuration(text)).toBe(value);
	});

	it.each(['', '15', 'm', '1.5h', '-1m', '15 m', '1h 30m', '15min', `${'9'.repeat(20)}d`])('refuses %j', text => {
		expect(parseDuration(text)).toBeUndefined();
	});

	it.each([
		[0, '0s'],
		[-5000, '0s'],
		[45_000, '45s'],
		[59_500, '1m'],
		[845_000, '14m 5s'],
		[900_000, '15m'],
		[3_600_000, '1h'],
		[7_260_000, '2h 1m'],
	])('formats %d ms as %j', (value, text) => {
		expect(formatDuration(value)).toBe(text);
	});
});

describe('canonical JSON (RFC 8785)', () => {
	it('sorts keys at every depth and keeps array order', () => {
		const a = canonicalJson({b: 1, a: {d: [3, 1], c: null}});
		expect(a).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
		expect(canonicalJson({a: {c: null, d: [3, 1]}, b: 1})).toBe(a);
	});

	it('sorts keys by UTF-16 code units and writes numbers the ECMAScript way', () => {
		expect(canonicalJson({'\u20ac': 1, '\r': 2, '1': 3})).toBe('{"\\r":2,"1":3,"\u20ac":1}');
		expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27]');
	});

	it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %d anywhere in the value', value => {
		expect(() => canonicalJson(value)).toThrow();
		expect(() => canonicalJson({plan: {bakeMs: value}})).toThrow();
		expect(() => checksum([1, value])).toThrow();
	});

	it('refuses a value that has no JSON form', () => {
		expect(() => canonicalJson(undefined)).toThrow('value cannot be canonicalised');
	});

	it('hashes with SHA-256 over the canonical bytes', () => {
		expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		expect(checksum({b: 2, a: 1})).toBe(sha256('{"a":1,"b":2}'));
		expect(checksum({a: 1, b: 2})).toBe(checksum({b: 2, a: 1}));
	});
});
