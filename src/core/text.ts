/**
 * Untrusted text: titles, versions, reasons, actors, key ids. Refused at entry when it holds a
 * control character (see validate.ts), and escaped on every output anyway: state written by an
 * older version, or edited by hand, must not write to the operator's terminal (a window title,
 * the clipboard, a cleared screen, a fake red "HALTED" line, a colour an agent picked for a
 * human to cosign under). The CLI printers and the console share these functions.
 */

/**
 * C0 and DEL, C1 (U+0080–U+009F: a terminal may take U+009B for CSI), and the bidi embeddings,
 * overrides and isolates (text that reads differently from what it is).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
/** What JSON.stringify leaves raw that a terminal may still act on (it escapes C0 itself). */
const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Length caps at entry: free text stays readable on a screen, names and versions fit a column. */
export const TEXT_LIMITS = {text: 2000, version: 64, actor: 128, id: 128} as const;

/** What the console draws of one string at most: more than any text accepted at entry. */
export const DISPLAY_MAX = 4096;

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0');
const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'};

/** A control character as it is written in text: `\x1b`, `\n`, `\u009b`, `\u202e`. */
export function visibleForm(ch: string): string {
	const code = ch.codePointAt(0)!;
	return NAMED[ch] ?? (code < 0x80 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

/** The text with every control character written out visibly; text without one is returned as is. */
export function escapeControls(text: string): string {
	return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, visibleForm) : text;
}

/** Typed or pasted text without its control characters: a paste is text, never keys. */
export const stripControls = (text: string): string => (UNSAFE.test(text) ? text.replace(UNSAFE_ALL, '') : text);

/** The first control character in `text` and where (1-based, as a person counts), if any. */
export function findControl(text: string): {position: number; form: string} | undefined {
	const m = UNSAFE.exec(text);
	return m ? {position: m.index + 1, form: visibleForm(m[0])} : undefined;
}

/**
 * Why `text` may not be stored, or undefined: a control character, or more than `max` characters.
 * Callers prefix the field (`title: …`); the character is named in its escaped form.
 */
export function textProblem(text: string, max: number): string | undefined {
	const control = findControl(text);
	if (control) return `contains a control character (${control.form} at character ${control.position}): only printable text is allowed`;
	if (text.length > max) return `is ${text.length} characters long: at most ${max} are allowed`;
	return undefined;
}

/** The first `max` UTF-16 units, never ending on half a surrogate pair. */
const head = (text: string, max: number) => {
	const last = text.charCodeAt(max - 1);
	return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
};

/** At most `max` UTF-16 units of `text`, and when cut, a note of how long it was. */
export function clipText(text: string, max: number): string {
	return text.length <= max ? text : `${head(text, max)}… (${text.length} characters in all)`;
}

/**
 * A string as a screen may draw it: cut before anything else (a megabyte of reason must cost what
 * `max` characters cost), then escaped, then cut again (an escape is longer than what it stands for).
 */
export function displayText(text: string, max = DISPLAY_MAX): string {
	if (text.length <= max && !UNSAFE.test(text)) return text;
	const escaped = escapeControls(head(text, max));
	return text.length <= max && escaped.length <= max ? escaped : `${head(escaped, max)}… (${text.length} characters in all)`;
}

/**
 * A deep copy of `value` with `fn` applied to every string, sharing every object in which nothing
 * changed. Frozen objects (the store's state is frozen) are remembered: a state that moved by one
 * deployment costs one deployment's walk.
 */
function stringMapper(fn: (s: string) => string): <T>(value: T) => T {
	const seen = new WeakMap<object, unknown>();
	const walk = (value: unknown): unknown => {
		if (typeof value === 'string') return fn(value);
		if (value === null || typeof value !== 'object') return value;
		if (seen.has(value)) return seen.get(value);
		let out: unknown = value;
		if (Array.isArray(value)) {
			// Copied from the first item that changed: an unchanged array (most are) allocates nothing.
			let mapped: unknown[] | undefined;
			for (let i = 0; i < value.length; i++) {
				const w = walk(value[i]);
				if (w !== value[i]) (mapped ??= value.slice())[i] = w;
			}
			if (mapped) out = mapped;
		} else {
			let changed: Record<string, unknown> | undefined;
			for (const key in value) {
				const v = (value as Record<string, unknown>)[key];
				const w = walk(v);
				if (w !== v) (changed ??= {...(value as Record<string, unknown>)})[key] = w;
			}
			if (changed) out = changed;
		}
		if (Object.isFrozen(value)) seen.set(value, out);
		return out;
	};
	return <T>(value: T) => walk(value) as T;
}

/** Every string in `value` escaped (`escapeControls`), for printers that show data whole. */
export const escapeDeep = stringMapper(escapeControls);

/** Every string in `value` cut and escaped (`displayText`), for the console. */
export const displayDeep = stringMapper(s => displayText(s));

/**
 * JSON for a terminal or a pipe: exactly `JSON.stringify`'s document (it parses to the same
 * value), with DEL, C1 and bidi controls written as `\u` escapes, which JSON leaves raw.
 */
export function safeJson(value: unknown, indent?: number): string {
	return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, ch => `\\u${hex(ch.charCodeAt(0), 4)}`);
}
