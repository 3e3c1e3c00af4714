/**
 * The console and the CLI draw with a few non-ASCII glyphs (…, →, ✓, sparkline blocks, box
 * borders). A terminal whose locale is not UTF-8 (LANG=C over SSH to a box with no locale) shows
 * each as `�` or as mojibake. There, every character past ASCII is drawn with one ASCII stand-in of
 * the same width, at the last step before the terminal: the layout (column fits, the live rows
 * painted in place) is measured on the real text and stays exact, no view needs its own
 * conditional, and text from outside (a title in another script) cannot bring the bytes back.
 */

const ZERO_WIDTH = /[\u0300-\u036F\u200B-\u200F\uFE00-\uFE0F]/u;
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;

/** Cells a character takes on screen: 0 for a combining mark, 2 for a wide (CJK, emoji) one. */
export const charWidth = (ch: string) => (ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1);

/** The glyphs calyx draws, each with its one-cell ASCII stand-in (`~` marks a cut, as file managers do). */
export const ASCII_GLYPHS: Readonly<Record<string, string>> = {
	'…': '~',
	'→': '>',
	'←': '<',
	'↑': '^',
	'↓': 'v',
	'↺': '<',
	'▲': '^',
	'▼': 'v',
	'▶': '>',
	'›': '>',
	'‹': '<',
	'·': '.',
	'•': '*',
	'—': '-',
	'–': '-',
	'✓': '+',
	'✗': 'x',
	'⚠': '!',
	'⊘': '!',
	'≠': '#',
	'≥': '>',
	'≤': '<',
	'×': 'x',
	'Δ': 'd',
	'¦': ':',
	'‖': '|',
	'■': '#',
	'‘': "'",
	'’': "'",
	'“': '"',
	'”': '"',
	'\u00A0': ' ',
};

// Sparkline bars, lowest to highest: the ramp keeps their order readable (and █ is a gauge's fill).
const BARS = '▁▂▃▄▅▆▇█';
const RAMP = '.:-=+*%#';
const HORIZONTAL = new Set('─━┄┅┈┉╌╍═╴╶╸╺╼╾');
const VERTICAL = new Set('│┃┆┇┊┋╎╏║╵╷╹╻╽╿');

/** One character as an ASCII terminal shows it: itself, its stand-in, or `?` per cell it takes. */
export function asciiGlyph(ch: string): string {
	if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ch;
	const mapped = ASCII_GLYPHS[ch];
	if (mapped !== undefined) return mapped;
	const bar = BARS.indexOf(ch);
	if (bar >= 0) return RAMP[bar]!;
	const code = ch.codePointAt(0)!;
	// Box drawing (ink's borders, the cosign tables): + at every corner and crossing.
	if (code >= 0x2500 && code <= 0x257f) return HORIZONTAL.has(ch) ? '-' : VERTICAL.has(ch) ? '|' : '+';
	if (code >= 0x2580 && code <= 0x259f) return '#';
	return '?'.repeat(charWidth(ch));
}

/** Text with every character past ASCII drawn by asciiGlyph; as wide on screen as it was. */
export const asciiText = (text: string): string => (/[^\x00-\x7F]/.test(text) ? Array.from(text, asciiGlyph).join('') : text);

/** ASCII or not; or why CALYX_ASCII could not be read. */
export type GlyphDecision = {ascii: boolean} | {problem: string};

/**
 * ASCII or UTF-8, decided once at start. CALYX_ASCII=1 or 0 decides; else the locale the C library
 * would use for characters (POSIX: LC_ALL, else LC_CTYPE, else LANG; an empty one counts as unset)
 * draws UTF-8 when it names UTF-8, and ASCII otherwise (C, POSIX, a Latin-1 charset, no locale at all).
 */
export function glyphsFor(env: Readonly<Record<string, string | undefined>>): GlyphDecision {
	const override = env.CALYX_ASCII;
	if (override === '1' || override === '0') return {ascii: override === '1'};
	if (override !== undefined && override !== '') return {problem: `CALYX_ASCII: "${override.slice(0, 20)}" is not allowed (1: draw ASCII only, 0: draw UTF-8, unset: as the locale says)`};
	const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find(v => v !== undefined && v !== '') ?? '';
	return {ascii: !/utf-?8/i.test(locale)};
}

/** glyphsFor, for output that cannot refuse: a CALYX_ASCII it does not know leaves the locale to decide. */
export const asciiWanted = (env: Readonly<Record<string, string | undefined>>): boolean => {
	const d = glyphsFor(env);
	return 'ascii' in d ? d.ascii : (glyphsFor({...env, CALYX_ASCII: ''}) as {ascii: boolean}).ascii;
};
