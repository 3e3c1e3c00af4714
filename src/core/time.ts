/**
 * Times as people read them: in the zone of the process (TZ), named, with the date unless it is
 * today there: `14:03:12 UTC`, `2026-11-30 14:03 CET`. Stored times stay ISO in UTC; only text for
 * people goes through here (--json keeps ISO). `now` comes from the caller's clock.
 */
export function formatTime(at: string | number, now: number, zone: string): string {
	const t = partsOf(typeof at === 'number' ? at : Date.parse(at), zone);
	if (!t) return String(at);
	return sameDay(t, partsOf(now, zone)) ? `${t.hour}:${t.minute}:${t.second} ${t.zone}` : `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute} ${t.zone}`;
}

/**
 * The compact form for a dense column whose title names the zone (`zoneLabel`): `14:03:12` today,
 * `11-30 14:03` before.
 */
export function shortTime(at: string | number, now: number, zone: string): string {
	const t = partsOf(typeof at === 'number' ? at : Date.parse(at), zone);
	if (!t) return String(at);
	return sameDay(t, partsOf(now, zone)) ? `${t.hour}:${t.minute}:${t.second}` : `${t.month}-${t.day} ${t.hour}:${t.minute}`;
}

/** The zone's name at a moment (`UTC`, `EST`, `+01:00`): it changes with daylight saving time. */
export const zoneLabel = (now: number, zone: string): string => partsOf(now, zone)?.zone ?? zone;

let processZone: string | undefined;

/** The process's zone (TZ, else the system's), as an IANA name; read once: a console renders many times a second. */
export function localZone(): string {
	return (processZone ??= new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

interface Parts {
	year: string;
	month: string;
	day: string;
	hour: string;
	minute: string;
	second: string;
	zone: string;
}

// Building a formatter costs far more than using one: one per zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
	let f = formatters.get(zone);
	if (!f) {
		// en-US names the zones people know by an abbreviation (UTC, EST, PDT); others come as GMT+1.
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			timeZoneName: 'short',
		});
		formatters.set(zone, f);
	}
	return f;
}

/** `GMT+5:30` → `+05:30`, `GMT-3` → `-03:00`, `GMT` stays; abbreviations pass as they are. */
function zoneName(name: string): string {
	const m = /^(?:GMT|UTC)([+-])(\d{1,2})(?::(\d{2}))?$/.exec(name);
	return m ? `${m[1]}${m[2]!.padStart(2, '0')}:${m[3] ?? '00'}` : name;
}

const sameDay = (a: Parts, b: Parts | undefined) => b !== undefined && a.year === b.year && a.month === b.month && a.day === b.day;

function partsOf(msValue: number, zone: string): Parts | undefined {
	if (!Number.isFinite(msValue)) return undefined;
	const p: Record<string, string> = {};
	for (const part of formatterOf(zone).formatToParts(msValue)) p[part.type] = part.value;
	return {year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second!, zone: zoneName(p.timeZoneName ?? zone)};
}

/** A time as text, for one moment of the caller's clock; passed to renderers instead of the clock. */
export type ShowTime = (at: string | number) => string;

export const showTime =
	(now: number, zone = localZone()): ShowTime =>
	at =>
		formatTime(at, now, zone);
