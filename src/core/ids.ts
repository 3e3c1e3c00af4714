/** Ids in the seed's style, from the injected clock (UTC) and the ids already taken. */

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19).replaceAll(':', '');

function nextSequenced(prefix: string, now: number, taken: Iterable<string>): string {
	const stem = `${prefix}-${ymd(now)}-`;
	let max = 0;
	for (const id of taken) {
		if (id.startsWith(stem)) max = Math.max(max, Number(id.slice(stem.length)) || 0);
	}
	return `${stem}${String(max + 1).padStart(3, '0')}`;
}

export const nextIntentId = (now: number, taken: Iterable<string>) => nextSequenced('INT', now, taken);
export const nextDeploymentId = (now: number, taken: Iterable<string>) => nextSequenced('DEP', now, taken);

/** `LEASE-YYYYMMDD-HHMMSS`, then `-2`, `-3`… for further leases issued within the same second. */
export function nextLeaseId(now: number, taken: Iterable<string>): string {
	const base = `LEASE-${ymd(now)}-${hms(now)}`;
	// Past the newest suffix in use, not into the first gap: older leases of that second may be archived.
	let max = 0;
	for (const id of taken) {
		if (id === base) max = Math.max(max, 1);
		else if (id.startsWith(`${base}-`)) max = Math.max(max, Number(id.slice(base.length + 1)) || 1);
	}
	return max === 0 ? base : `${base}-${max + 1}`;
}
