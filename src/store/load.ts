import {SCHEMA_VERSION, type State} from '../core/model/index.js';
import {decode, type Layout, type Slot} from './codec.js';
import type {StoreErrorDetail} from './errors.js';
import {firstJsonError, lineColumn} from './json-position.js';
import {LIST_FIELD} from './list-read.js';
import {migrate} from './migrations.js';
import {deepFreeze, isObject, markParts, validateState} from './validate.js';
import {shareParts} from './share.js';

/** What is wrong with a state file, before the store adds its path and the last good backup. */
export class Diagnosis extends Error {
	constructor(
		readonly code: 'CORRUPT' | 'VERSION',
		message: string,
		readonly detail: StoreErrorDetail = {},
	) {
		super(message);
	}
}

/**
 * The exact bytes each validated object was read from or written as, per field. An object in here
 * passed validation and, being frozen, has not changed since: it is neither validated nor
 * serialised again.
 */
export class TextCache {
	readonly #fields = new Map<string, WeakMap<object, Buffer>>();
	#field(key: string) {
		let map = this.#fields.get(key);
		if (!map) this.#fields.set(key, (map = new WeakMap()));
		return map;
	}
	has(key: string, value: unknown): boolean {
		return value !== null && typeof value === 'object' && this.#fields.get(key)?.has(value) === true;
	}
	get(key: string, value: unknown): Buffer | undefined {
		return value !== null && typeof value === 'object' ? this.#fields.get(key)?.get(value) : undefined;
	}
	set(key: string, value: unknown, bytes: Buffer): void {
		if (value !== null && typeof value === 'object') this.#field(key).set(value, bytes);
	}
}

export interface Loaded {
	state: State;
	/** Present when the file is in the store's own layout: the next read compares against it. */
	layout?: Layout;
	/** The version the file was migrated from in memory (not yet written back). */
	migratedFrom?: number;
}

/** Parses and validates a state file's bytes; throws a Diagnosis naming the position or field. */
export function loadDocument(buf: Buffer, texts: TextCache, prev?: Layout): Loaded {
	if (buf.length === 0) throw new Diagnosis('CORRUPT', 'is empty (0 bytes)', {position: 0, line: 1, column: 1});
	if (buf[0] === 0 && buf.every(b => b === 0)) {
		throw new Diagnosis('CORRUPT', `is filled with NUL bytes (${buf.length} bytes): its data never reached the disk`, {position: 0, line: 1, column: 1});
	}
	const layout = decode(buf, prev);
	if (layout && layout.header.schemaVersion === SCHEMA_VERSION) {
		const fresh: Array<[string, Slot]> = [];
		const doc = materialise(layout, fresh);
		if (doc) {
			if (prev) shareParts(fresh, prev);
			check(doc, texts);
			for (const [key, slot] of fresh) markParts(key, slot.value);
			// A few changed entities get their own copies, so that they do not keep the whole file's
			// buffer alive; when most of the file is new, its buffer is in use anyway.
			const copy = fresh.length * 2 < layout.fields.reduce((n, f) => n + (f.items?.length ?? 1), 0);
			for (const [key, slot] of fresh) {
				if (copy) slot.bytes = Buffer.from(slot.bytes);
				texts.set(key, slot.value, slot.bytes);
			}
			return {state: doc as State, layout};
		}
	}
	const text = buf.toString('utf8');
	const parsed = parseJson(text);
	if (!isObject(parsed)) {
		throw new Diagnosis('CORRUPT', `does not hold a state document (it holds ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`})`, {position: 0, line: 1, column: 1});
	}
	delete parsed[LIST_FIELD];
	const migrated = migrate(parsed);
	if ('refused' in migrated) {
		throw new Diagnosis(migrated.field === 'schemaVersion' && typeof parsed.schemaVersion === 'number' ? 'VERSION' : 'CORRUPT', migrated.refused, {field: migrated.field});
	}
	check(migrated.doc, texts);
	return migrated.from === undefined ? {state: migrated.doc as State} : {state: migrated.doc as State, migratedFrom: migrated.from};
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		const position = firstJsonError(text) ?? text.length;
		const where = lineColumn(text, position);
		const at = `at line ${where.line}, column ${where.column} (character ${position})`;
		const why =
			position >= text.length
				? `ends early ${at}: the file is truncated`
				: text.charCodeAt(position) === 0
					? `has NUL bytes from ${at}: part of a write never reached the disk`
					: `is not valid JSON ${at}: ${(error as Error).message}`;
		throw new Diagnosis('CORRUPT', why, {position, ...where});
	}
}

/** Builds the document from its slots, parsing those not reused; undefined if one does not parse. */
function materialise(layout: Layout, fresh: Array<[string, Slot]>): Record<string, unknown> | undefined {
	const doc: Record<string, unknown> = {...layout.header};
	const value = (key: string, slot: Slot) => {
		if (slot.value === undefined) {
			slot.value = JSON.parse(slot.bytes.toString('utf8'));
			fresh.push([key, slot]);
		}
		return slot.value;
	};
	try {
		for (const field of layout.fields) {
			// The list's rows are derived from the deployments (list-rows.ts): never part of the state.
			if (field.key !== LIST_FIELD) doc[field.key] = field.slot ? value(field.key, field.slot) : field.items.map(s => value(field.key, s));
		}
	} catch {
		return undefined;
	}
	return doc;
}

function check(doc: Record<string, unknown>, texts: TextCache): void {
	const problem = validateState(doc, (key, value) => texts.has(key, value));
	if (problem) throw new Diagnosis('CORRUPT', `fails its schema at ${problem.field}: ${problem.message}`, {field: problem.field});
	deepFreeze(doc);
}
