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
	const set = new Set(taken);
	if (!set.has(base)) return base;
	let n = 2;
	while (set.has(`${base}-${n}`)) n++;
	return `${base}-${n}`;
}
