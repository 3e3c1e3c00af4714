/**
 * The document's bytes. Compact JSON, but with one entity per line, so that a reader can tell which
 * entities changed by comparing bytes, and a writer can reuse the bytes of those that did not:
 *
 *   {"schemaVersion":1,"rev":42,"auditHead":{"seq":10,"hash":"…"}
 *   ,"config":{…}
 *   ,"deployments":[
 *   {…}
 *   ,{…}
 *   ]
 *   }
 *
 * It is still one JSON document (lowdb, jq and people read it as such). A file in any other layout
 * (hand-edited, pretty-printed, an older version) is read with a plain JSON.parse instead.
 */
const NL = Buffer.from('\n');
const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']\n');
const DOC_END = Buffer.from('}\n');

export interface Header {
	schemaVersion: number;
	rev: number;
	auditHead: {seq: number; hash: string};
}

/** One entity (or single value) and the exact bytes it was read from or written as. */
export interface Slot {
	bytes: Buffer;
	/** Absent until parsed; present when reused from the previous layout. */
	value?: unknown;
}

export type Field = {key: string; slot: Slot; items?: undefined} | {key: string; items: Slot[]; slot?: undefined};

export interface Layout {
	header: Header;
	fields: Field[];
}

const HEADER = /^\{"schemaVersion":(\d+),"rev":(\d+),"auditHead":\{"seq":(\d+),"hash":"([0-9a-f]*)"\}\n/;

/** The first line alone: what a cheap freshness check or the open-time reconcile needs. */
export function parseHeader(head: Buffer): Header | undefined {
	const m = HEADER.exec(head.subarray(0, 256).toString('latin1'));
	if (!m) return undefined;
	return {schemaVersion: Number(m[1]), rev: Number(m[2]), auditHead: {seq: Number(m[3]), hash: m[4]!}};
}

const headerLine = (h: Header) =>
	Buffer.from(`${JSON.stringify({schemaVersion: h.schemaVersion, rev: h.rev, auditHead: {seq: h.auditHead.seq, hash: h.auditHead.hash}}).slice(0, -1)}\n`);

const KEY_LINE = /^,("(?:[^"\\\n]|\\.)*"):/;

/**
 * Splits a file in the layout above into slots, reusing the parsed value of every slot whose bytes
 * equal the same slot of `prev`. Returns undefined when the file is not in this layout.
 */
export function decode(buf: Buffer, prev?: Layout): Layout | undefined {
	const header = parseHeader(buf);
	if (!header) return undefined;
	let pos = buf.indexOf(10) + 1;
	const next = (): Buffer | undefined => {
		if (pos >= buf.length) return undefined;
		const end = buf.indexOf(10, pos);
		if (end < 0) return undefined;
		const line = buf.subarray(pos, end);
		pos = end + 1;
		return line;
	};
	const fields: Field[] = [];
	const prevFields = new Map(prev?.fields.map(f => [f.key, f]));
	for (let line = next(); ; line = next()) {
		if (!line) return undefined;
		if (line.length === 1 && line[0] === 0x7d) break;
		const m = KEY_LINE.exec(line.subarray(0, 300).toString('utf8'));
		if (!m) return undefined;
		const key = JSON.parse(m[1]!) as string;
		const rest = line.subarray(Buffer.byteLength(m[0]));
		const before = prevFields.get(key);
		if (rest.length === 1 && rest[0] === 0x5b) {
			const items: Slot[] = [];
			for (let item = next(); ; item = next()) {
				if (!item) return undefined;
				if (item.length === 1 && item[0] === 0x5d) break;
				const hasComma = item[0] === 0x2c;
				if (hasComma !== items.length > 0) return undefined;
				items.push(reuse(hasComma ? item.subarray(1) : item, before?.items?.[items.length]));
			}
			fields.push({key, items});
		} else {
			fields.push({key, slot: reuse(rest, before?.slot)});
		}
	}
	return pos === buf.length ? {header, fields} : undefined;
}

function reuse(bytes: Buffer, before: Slot | undefined): Slot {
	return before && before.value !== undefined && before.bytes.equals(bytes) ? before : {bytes};
}

/**
 * The bytes of a state: the header, then each field with its value's bytes from `textOf`
 * (cached per object, so unchanged entities cost a pointer, not a JSON.stringify).
 */
export function encode(header: Header, body: Record<string, unknown>, textOf: (key: string, value: unknown) => Buffer): {chunks: Buffer[]; layout: Layout} {
	const chunks: Buffer[] = [headerLine(header)];
	const fields: Field[] = [];
	for (const [key, value] of Object.entries(body)) {
		if (value === undefined) continue;
		if (Array.isArray(value)) {
			chunks.push(Buffer.from(`,${JSON.stringify(key)}:[\n`));
			const items: Slot[] = [];
			value.forEach((item: unknown, i) => {
				const bytes = textOf(key, item);
				if (i > 0) chunks.push(COMMA);
				chunks.push(bytes, NL);
				items.push({bytes, value: item});
			});
			chunks.push(LIST_END);
			fields.push({key, items});
		} else {
			const bytes = textOf(key, value);
			chunks.push(Buffer.from(`,${JSON.stringify(key)}:`), bytes, NL);
			fields.push({key, slot: {bytes, value}});
		}
	}
	chunks.push(DOC_END);
	return {chunks, layout: {header, fields}};
}
