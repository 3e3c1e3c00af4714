import {SCHEMA_VERSION, type State} from '../../core/model/index.js';
import {StoreError} from '../errors.js';
import {deepFreeze, validateState} from '../validate.js';
import {LISTS, type KeyLayout, type ListName} from './keys.js';

/** A key as a range read returns it: the value and the revision that last changed it. */
export interface Kv {
	key: string;
	value: Buffer;
	mod: string;
}

/**
 * The etcd store's layout version, in `s/meta`: the state's schema version when the layout was
 * made. The state's version 4 changed only the file store (its journal), so an etcd store stays
 * at 3, and a calyx of version 3 still reads it.
 */
const ETCD_SCHEMA_VERSION = 3;

/** What `s/meta` holds: the document's header and single values, and each list's ids in order. */
interface Meta {
	schemaVersion: number;
	rev: number;
	auditHead: State['auditHead'];
	config: State['config'];
	history?: State['history'];
	moved?: State['moved'];
	order: Partial<Record<ListName, string[]>>;
}

const idOf = (list: ListName, entity: object): string => String((entity as {id?: unknown; name?: unknown})[list === 'services' ? 'name' : 'id']);
const listOf = (state: State, list: ListName): readonly object[] | undefined => state[list];

/** The writes that turn one state into the next: entities whose text changed, those gone, and the meta. */
export interface StateWrites {
	puts: Array<[key: string, value: string]>;
	deletes: string[];
	meta: string;
}

/**
 * The live state as a key per entity. Reading reuses the decoded (validated, frozen) entity of a
 * key whose revision did not change, so that unchanged entities keep their identity from one read to
 * the next and only what changed is parsed and validated; writing puts only entities whose text
 * changed.
 */
export class SnapshotCodec {
	readonly #decoded = new Map<string, {mod: string; value: object}>();
	/** Validated objects and the JSON they were read from or will be written as. */
	readonly #texts = new WeakMap<object, string>();

	constructor(
		readonly keys: KeyLayout,
		/** How messages name the store (its URL). */
		readonly where: string,
	) {}

	/**
	 * The state a range read of `s/` returned (`fresh`), with keys read before that it did not return
	 * again (`carried`: unchanged since, or deleted: those the meta no longer lists drop out), and the
	 * keys it was made of; CORRUPT naming the key when they do not hold one.
	 */
	decode(fresh: readonly Kv[], carried: readonly Kv[] = []): {state: State; used: Kv[]} {
		const kvs = [...fresh, ...carried];
		const metaKv = kvs.find(kv => kv.key === this.keys.meta);
		if (!metaKv) throw new StoreError('NOT_INITIALISED', `${this.where} holds no calyx store (no ${this.keys.meta}): run calyx store init --store ${this.where}`, this.where);
		const meta = this.#parse<Meta>(metaKv);
		if (meta.schemaVersion !== ETCD_SCHEMA_VERSION) {
			throw new StoreError('VERSION', `${this.where}: the store is at schema version ${String(meta.schemaVersion)}; this calyx reads ${ETCD_SCHEMA_VERSION}`, this.where);
		}
		const byKey = new Map<string, Kv>();
		for (const kv of kvs) if (kv !== metaKv) byKey.set(kv.key, kv);
		const used: Kv[] = [metaKv];
		const {order, ...header} = meta;
		const doc: Record<string, unknown> = {...header, schemaVersion: SCHEMA_VERSION};
		for (const list of LISTS) {
			const ids = order?.[list];
			if (ids === undefined) continue;
			doc[list] = ids.map(id => {
				const key = this.keys.entity(list, id);
				const kv = byKey.get(key);
				if (!kv) throw new StoreError('CORRUPT', `${this.where}: ${this.keys.meta} lists ${list} ${id}, but ${key} is missing`, key);
				byKey.delete(key);
				used.push(kv);
				const seen = this.#decoded.get(key);
				if (seen?.mod === kv.mod) return seen.value;
				const value = this.#parse<object>(kv);
				this.#decoded.set(key, {mod: kv.mod, value});
				this.#texts.delete(value);
				return value;
			});
		}
		const stray = fresh.find(kv => byKey.has(kv.key) && this.keys.entityOf(kv.key))?.key;
		if (stray) throw new StoreError('CORRUPT', `${this.where}: ${stray} is not listed in ${this.keys.meta} (written by hand?)`, stray);
		const problem = validateState(doc, (_key, value) => this.#texts.has(value));
		if (problem) throw new StoreError('CORRUPT', `${this.where}: the state fails its schema at ${problem.field}: ${problem.message}`, this.where, {field: problem.field});
		deepFreeze(doc);
		const state = doc as State;
		for (const list of LISTS) for (const entity of listOf(state, list) ?? []) if (!this.#texts.has(entity)) this.#texts.set(entity, JSON.stringify(entity));
		return {state, used};
	}

	/** The next state checked against its schema (INVALID, nothing written) and the writes that make it. */
	writes(prev: State, next: State): StateWrites {
		const problem = validateState(next as unknown as Record<string, unknown>, (_key, value) => this.#texts.has(value));
		if (problem) throw new StoreError('INVALID', `the next state fails its schema at ${problem.field}: ${problem.message}; nothing was written`, undefined, {field: problem.field});
		deepFreeze(next);
		const before = new Map<string, string>();
		for (const list of LISTS) for (const entity of listOf(prev, list) ?? []) before.set(this.keys.entity(list, idOf(list, entity)), this.#textOf(entity));
		const puts: StateWrites['puts'] = [];
		const order: Meta['order'] = {};
		for (const list of LISTS) {
			const entities = listOf(next, list);
			if (entities === undefined) continue;
			order[list] = entities.map(entity => {
				const id = idOf(list, entity);
				const key = this.keys.entity(list, id);
				const text = this.#textOf(entity);
				if (before.get(key) !== text) puts.push([key, text]);
				before.delete(key);
				return id;
			});
		}
		const meta: Meta = {schemaVersion: ETCD_SCHEMA_VERSION, rev: next.rev, auditHead: next.auditHead, config: next.config, ...(next.history ? {history: next.history} : {}), ...(next.moved ? {moved: next.moved} : {}), order};
		return {puts, deletes: [...before.keys()], meta: JSON.stringify(meta)};
	}

	#textOf(entity: object): string {
		let text = this.#texts.get(entity);
		if (text === undefined) {
			text = JSON.stringify(entity);
			this.#texts.set(entity, text);
		}
		return text;
	}

	#parse<T>(kv: Kv): T {
		try {
			return JSON.parse(kv.value.toString('utf8')) as T;
		} catch {
			throw new StoreError('CORRUPT', `${this.where}: ${kv.key} is not JSON`, kv.key);
		}
	}
}
