/** A record's first bytes name its revision (journal.ts writes `rev` first). */
const REV = /^\{"rev":(\d+),/;

/**
 * The committed revision over a document at `base`, from the journal's revisions alone (not their
 * content: the full read validates it), for a reader that must not load the schemas (`canary
 * list`'s quick path); undefined when its records do not continue the document.
 */
export function revPast(bytes: Buffer, base: number): number | undefined {
	let rev = base;
	for (let at = 0, nl = bytes.indexOf(10); nl >= 0; at = nl + 1, nl = bytes.indexOf(10, at)) {
		const m = REV.exec(bytes.toString('latin1', at, Math.min(nl, at + 32)));
		if (!m) return undefined;
		const r = Number(m[1]);
		if (r <= base) continue;
		if (r !== rev + 1) return undefined;
		rev = r;
	}
	return rev;
}
