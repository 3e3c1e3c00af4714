import {z} from 'zod';
import {State} from '../core/model/index.js';

/** The first thing wrong with a document: the zod path of the field and what is allowed there. */
export interface Problem {
	field: string;
	message: string;
}

/** The state's fields and their schemas. */
const FIELDS: Record<string, z.ZodType> = State.shape;

export const isObject = (value: unknown): value is Record<string, unknown> =>
	value !== null && typeof value === 'object' && !Array.isArray(value);

export function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
	let out = prefix;
	for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
	return out || '(document)';
}

export function check(schema: z.ZodType, value: unknown, prefix: string): Problem | undefined {
	const result = schema.safeParse(value);
	if (result.success) return undefined;
	const issue = result.error.issues[0]!;
	return {field: formatPath(prefix, issue.path), message: issue.message};
}

const unwrap = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema);

/**
 * Validates what is not yet known to be valid. `known` says whether an object was validated before
 * and has not changed since: immer keeps unchanged entities identical and the store freezes what
 * it validated, so identity is proof. A 10,000-deployment state with one changed deployment costs
 * one entity's validation, not ten thousand.
 */
export function validateState(doc: Record<string, unknown>, known: (key: string, value: object) => boolean): Problem | undefined {
	// A field nobody reads would still be parsed, kept and rewritten by every command (a 400 MB one was).
	for (const key in doc) if (!(key in FIELDS)) return {field: key, message: `unknown field (allowed: ${Object.keys(FIELDS).join(', ')})`};
	for (const [key, schema] of Object.entries(FIELDS)) {
		const value = doc[key];
		const inner = unwrap(schema);
		if (inner instanceof z.ZodArray && Array.isArray(value)) {
			const element = inner.element as z.ZodType;
			for (let i = 0; i < value.length; i++) {
				const item: unknown = value[i];
				if (isObject(item) && known(key, item)) continue;
				const problem = checkEntity(element, item, `${key}[${i}]`);
				if (problem) return problem;
			}
			continue;
		}
		if (isObject(value) && known(key, value)) continue;
		const problem = check(schema, value, key);
		if (problem) return problem;
	}
	return undefined;
}

const DEPLOYMENT = (unwrap(FIELDS.deployments!) as z.ZodArray).element as z.ZodType;

/** One deployment against the document's schema for its entries (a journal record's: journal.ts); its frozen parts already checked are skipped. */
export const checkDeployment = (value: unknown, prefix: string): Problem | undefined => checkEntity(DEPLOYMENT, value, prefix);

/** Frozen parts of entities that passed their field's schema: identity then proves them valid still. */
const validParts = new WeakMap<z.ZodType, WeakSet<object>>();

const plainObject = (schema: z.ZodType): schema is z.ZodObject =>
	schema instanceof z.ZodObject && !schema._zod.def.catchall && !(schema._zod.def.checks?.length);

function knownPart(schema: z.ZodType, value: unknown): value is object {
	return value !== null && typeof value === 'object' && validParts.get(schema)?.has(value) === true;
}

function markValid(schema: z.ZodType, value: unknown): void {
	// Only a frozen value stays what was checked; anything else is checked again next time.
	if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return;
	let set = validParts.get(schema);
	if (!set) validParts.set(schema, (set = new WeakSet()));
	set.add(value);
}

/**
 * One entity, field by field when its schema is a plain object (no refinement across its fields,
 * no catch-all): a changed deployment keeps its rollback pack, plan and older window samples
 * (immer shares them), so one sample costs the parts it changed, not a 10 KB entity's whole parse.
 * A field's problem is named by the same path the whole parse would give.
 */
function checkEntity(schema: z.ZodType, value: unknown, prefix: string): Problem | undefined {
	if (!plainObject(schema) || !isObject(value)) return check(schema, value, prefix);
	const fields = Object.entries(schema.shape as Record<string, z.ZodType>);
	// Parsed afresh (a document read from disk): no part is known, and one parse of the whole costs
	// less than one per field and per window sample.
	if (!fields.some(([field, fieldSchema]) => knownPart(fieldSchema, value[field]))) {
		const problem = check(schema, value, prefix);
		// Its frozen parts (a state the store loaded, then changed) are known from now on.
		if (!problem) for (const [field, fieldSchema] of fields) markValid(fieldSchema, value[field]);
		return problem;
	}
	for (const [field, fieldSchema] of fields) {
		const part = value[field];
		if (knownPart(fieldSchema, part)) continue;
		const inner = unwrap(fieldSchema);
		const problem =
			inner instanceof z.ZodArray && !inner._zod.def.checks?.length && Array.isArray(part)
				? checkItems(inner.element as z.ZodType, part, `${prefix}.${field}`)
				: check(fieldSchema, part, `${prefix}.${field}`);
		if (problem) return problem;
		markValid(fieldSchema, part);
	}
	return undefined;
}

function checkItems(element: z.ZodType, items: readonly unknown[], prefix: string): Problem | undefined {
	for (let i = 0; i < items.length; i++) {
		if (knownPart(element, items[i])) continue;
		const problem = check(element, items[i], `${prefix}[${i}]`);
		if (problem) return problem;
		markValid(element, items[i]);
	}
	return undefined;
}

/**
 * Marks the frozen parts of a validated, frozen entity of the state's field `key` (its fields, and
 * the items of its array fields) as valid: the next read that finds them again in a changed
 * entity (share.ts) checks only what changed.
 */
export function markParts(key: string, entity: unknown): void {
	const inner = FIELDS[key] && unwrap(FIELDS[key]);
	const schema = inner instanceof z.ZodArray ? (inner.element as z.ZodType) : undefined;
	if (!schema || !plainObject(schema) || !isObject(entity)) return;
	for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
		const part = entity[field];
		markValid(fieldSchema, part);
		const array = unwrap(fieldSchema);
		if (array instanceof z.ZodArray && !array._zod.def.checks?.length && Array.isArray(part)) for (const item of part) markValid(array.element as z.ZodType, item);
	}
}

/** Freezes a validated value so that no caller can change it behind the validation's back. */
export function deepFreeze(value: unknown): void {
	if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
	Object.freeze(value);
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
	} else {
		// for…in allocates nothing (Object.values would, per object); validated JSON has no inherited keys.
		for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
	}
}
