const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** Parses `0s`, `30s`, `15m`, `1h`, `1h30m`; returns undefined for anything else. */
export function parseDuration(text: string): number | undefined {
	const trimmed = text.trim();
	if (!/^(\d+(ms|s|m|h|d))+$/.test(trimmed)) return undefined;
	let total = 0;
	for (const [, n, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * UNITS[unit!]!;
	return Number.isSafeInteger(total) ? total : undefined;
}

/** Short human form: `14m 5s`, `2h 1m`, `45s`, `0s`. */
export function formatDuration(msValue: number): string {
	const s = Math.max(0, Math.round(msValue / 1000));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
	if (m > 0) return sec > 0 ? `${m}m ${sec}s` : `${m}m`;
	return `${sec}s`;
}
