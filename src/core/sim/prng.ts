/** mulberry32: a tiny deterministic generator, so a seeded scenario replays identically. */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** FNV-1a over text, to derive a per-sample seed from the world seed, service and poll number. */
export function hashSeed(...parts: Array<string | number>): number {
	let h = 0x811c9dc5;
	for (const ch of parts.join('\u0000')) {
		h ^= ch.charCodeAt(0);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}
