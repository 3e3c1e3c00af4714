/**
 * Random hex for names and tokens no other writer picks, drawn from a pool refilled 4 KB at a time:
 * each draw from the system costs 20–40 µs, and a commit names four things (its temp file, the
 * lock, the lock's transit and grave names). From Web Crypto rather than an import of node:crypto,
 * which costs ~6 ms to load: the quick `canary list` path loads paths.ts and never names a file.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

export function randomHex(bytes: number): string {
	if (used + bytes > pool.length) {
		globalThis.crypto.getRandomValues(pool);
		used = 0;
	}
	used += bytes;
	return pool.toString('hex', used - bytes, used);
}
