import {closeSync, readSync} from 'node:fs';
import {isNodeError} from './errors.js';
import {MAX_DOCUMENT_BYTES} from './file-id.js';
import {openDataSync} from './safe-fs.js';

/** A record's first bytes name its revision (journal.ts writes `rev` first). */
const REV = /^\{"rev":(\d+),/;

/**
 * The journal's bytes, for a reader that must not load the schemas (`canary list`'s quick path),
 * read before the document (see journal.ts); empty when there is none, undefined when it cannot be
 * read as a journal (the program then reads it in full, and says what is wrong).
 */
export function journalBytes(path: string): Buffer | undefined {
	let opened;
	try {
		opened = openDataSync(path, 'read');
	} catch (error) {
		return isNodeError(error, 'ENOENT') ? Buffer.alloc(0) : undefined;
	}
	const {fd, st} = opened;
	try {
		if (st.size > BigInt(MAX_DOCUMENT_BYTES)) return undefined;
		const buf = Buffer.alloc(Number(st.size));
		for (let done = 0; done < buf.length; ) {
			const n = readSync(fd, buf, done, buf.length - done, done);
			if (n === 0) return buf.subarray(0, done);
			done += n;
		}
		return buf;
	} finally {
		closeSync(fd);
	}
}

/**
 * The committed revision over a document at `base`, from the journal's revisions alone (not their
 * content: the full read validates it); undefined when its records do not continue the document.
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
