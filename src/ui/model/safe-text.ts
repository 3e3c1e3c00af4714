/**
 * Untrusted text (titles, reasons, anything another process wrote into the store) made safe to
 * paint: control characters (C0, DEL, C1) and the invisible formatting characters that reorder or
 * hide text (bidi overrides, zero-width joiners) are shown as escapes instead of acting on the
 * terminal, and an optional bound cuts the text with an ellipsis. Every line of the console that
 * shows such text goes through here.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e'};

const escape = (ch: string) => {
	const named = NAMED[ch];
	if (named) return named;
	const code = ch.codePointAt(0)!;
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

export function safeText(text: string, max = Number.POSITIVE_INFINITY): string {
	const safe = text.replace(UNSAFE, escape);
	const chars = [...safe];
	return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : safe;
}
