import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {formatTime, localZone, ManualClock, shortTime, zoneLabel} from '../../src/core/index.js';
import {clockTime, columnTime, zoneNow} from '../../src/ui/model/format.js';

// The clock is injected: "today" is the clock's day in the zone, never the machine's.
const clock = new ManualClock('2026-11-30T14:03:12.500Z');
const now = clock.now();

describe('times for people: zone named, date unless today', () => {
	it('shows the time with its zone today, in the zone asked for', () => {
		expect(formatTime('2026-11-30T14:03:12.500Z', now, 'UTC')).toBe('14:03:12 UTC');
		expect(formatTime('2026-11-30T14:03:12.500Z', now, 'America/New_York')).toBe('09:03:12 EST');
		expect(formatTime('2026-11-30T14:03:12.500Z', now, 'Europe/Berlin')).toBe('15:03:12 +01:00');
		expect(formatTime('2026-11-30T14:03:12.500Z', now, 'Asia/Kolkata')).toBe('19:33:12 +05:30');
		expect(formatTime(Date.parse('2026-11-30T00:00:00Z'), now, 'UTC')).toBe('00:00:00 UTC');
	});

	it('adds the date when the time is not today in that zone', () => {
		expect(formatTime('2026-11-29T23:59:59Z', now, 'UTC')).toBe('2026-11-29 23:59 UTC');
		expect(formatTime('2026-12-01T00:00:00Z', now, 'UTC')).toBe('2026-12-01 00:00 UTC');
		// 02:00 UTC on the 30th is still the 29th in New York; 23:30 UTC on the 29th is already the 30th in Berlin.
		expect(formatTime('2026-11-30T02:00:00Z', now, 'America/New_York')).toBe('2026-11-29 21:00 EST');
		expect(formatTime('2026-11-29T23:30:00Z', now, 'Europe/Berlin')).toBe('00:30:00 +01:00');
	});

	it('names the zone as it is at that time (daylight saving)', () => {
		expect(formatTime('2026-07-01T12:00:00Z', now, 'America/New_York')).toBe('2026-07-01 08:00 EDT');
		expect(zoneLabel(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('+02:00');
		expect(zoneLabel(now, 'Europe/Berlin')).toBe('+01:00');
		expect(zoneLabel(now, 'UTC')).toBe('UTC');
	});

	it('moves from the time to the date when the clock passes midnight', () => {
		const c = new ManualClock('2026-11-30T23:59:00Z');
		expect(formatTime('2026-11-30T23:58:00Z', c.now(), 'UTC')).toBe('23:58:00 UTC');
		c.advance(2 * 60_000);
		expect(formatTime('2026-11-30T23:58:00Z', c.now(), 'UTC')).toBe('2026-11-30 23:58 UTC');
	});

	it('has a compact form for a column whose title names the zone', () => {
		expect(shortTime('2026-11-30T14:03:12Z', now, 'UTC')).toBe('14:03:12');
		expect(shortTime('2026-11-28T14:03:12Z', now, 'UTC')).toBe('11-28 14:03');
		expect(shortTime('2026-11-28T14:03:12Z', now, 'Asia/Kolkata')).toBe('11-28 19:33');
	});

	it('shows what it cannot read as it is, rather than a wrong time', () => {
		expect(formatTime('not a time', now, 'UTC')).toBe('not a time');
	});
});

describe('the process zone (TZ)', () => {
	const before = process.env.TZ;
	beforeAll(() => {
		process.env.TZ = 'America/New_York';
	});
	afterAll(() => {
		if (before === undefined) delete process.env.TZ;
		else process.env.TZ = before;
	});

	it('is what the console shows times in, named, with the date when not today', () => {
		expect(localZone()).toBe('America/New_York');
		expect(clockTime('2026-11-30T14:03:12Z', now)).toBe('09:03:12 EST');
		expect(clockTime('2026-11-27T14:03:12Z', now)).toBe('2026-11-27 09:03 EST');
		expect(columnTime('2026-11-30T14:03:12Z', now)).toBe('09:03:12');
		expect(zoneNow(now)).toBe('EST');
	});
});
