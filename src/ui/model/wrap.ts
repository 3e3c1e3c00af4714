import {charWidth} from '../screen-writer.js';
import type {Tone} from '../theme.js';

/**
 * Text cut into terminal rows, for views that know their height before they draw (ink wraps too,
 * but then nobody knows the height until it has drawn). Two callers: `wrapRows` for the audit
 * event view (display text, one column a character, newlines kept as row breaks), and
 * `wrapText`/`wrapContent` for a dialog's labelled content (cells counted, nothing ever cut: a
 * signer reads every word of what is signed).
 */

/** One labelled fact of a dialog's content, before wrapping: `digest  3f9a…`. */
export interface ContentLine {
	label: string;
	text: string;
	tone?: Tone;
}

/** One terminal row of wrapped content: the label on the first row of its line only. */
export interface Row {
	label: string;
	text: string;
	tone?: Tone;
}

const widthOf = (s: string) => [...s].reduce((n, ch) => n + charWidth(ch), 0);

/** Cuts a word wider than a row into pieces that fit (a digest in a narrow terminal). */
function pieces(word: string, width: number): string[] {
	const out: string[] = [];
	let piece = '';
	for (const ch of word) {
		if (piece !== '' && widthOf(piece) + charWidth(ch) > width) {
			out.push(piece);
			piece = '';
		}
		piece += ch;
	}
	return piece === '' ? out : [...out, piece];
}

/** Word-wraps text to `width` cells: at least one row, none wider (single spaces between words). */
export function wrapText(text: string, width: number): string[] {
	const w = Math.max(1, width);
	const rows: string[] = [];
	let row = '';
	for (const word of text.split(/ +/).filter(x => x !== '')) {
		for (const piece of widthOf(word) > w ? pieces(word, w) : [word]) {
			const next = row === '' ? piece : `${row} ${piece}`;
			if (widthOf(next) <= w) row = next;
			else {
				rows.push(row);
				row = piece;
			}
		}
	}
	return [...rows, row];
}

/**
 * Labelled lines wrapped to `width`: labels in a column as wide as the widest, values beside it,
 * a wrapped value continuing under its own start. Nothing is cut: every word ends up on a row.
 */
export function wrapContent(lines: readonly ContentLine[], width: number): Row[] {
	const labelWidth = Math.max(0, ...lines.map(l => widthOf(l.label)));
	// The value column keeps a third of the width at least, whatever the labels take.
	const indent = Math.min(labelWidth + 1, Math.floor((width * 2) / 3));
	return lines.flatMap(l =>
		wrapText(l.text, width - indent).map((text, i) => ({
			label: i === 0 ? l.label.padEnd(indent - 1) : ' '.repeat(indent - 1),
			text,
			...(l.tone ? {tone: l.tone} : {}),
		})),
	);
}

/**
 * Text cut into rows of at most `width` characters, at a space where one is near the edge, for
 * views that scroll by rows: ink wraps too, but then nobody knows the height before it draws.
 * The text is display text already (cut and escaped, see `displayText`), so its length is bounded.
 * Characters are counted as one column each; a wide one may push a row past the edge, where the
 * row's Line cuts it rather than wrapping into the next.
 */
export function wrapRows(text: string, width: number): string[] {
	const w = Math.max(1, width);
	const rows: string[] = [];
	for (const paragraph of text.split('\n')) {
		let rest = [...paragraph];
		if (rest.length === 0) rows.push('');
		while (rest.length > 0) {
			if (rest.length <= w) {
				rows.push(rest.join(''));
				break;
			}
			// Break after the last space in the row's second half; a long word is cut where it reaches the edge.
			const space = rest.lastIndexOf(' ', w);
			const cut = space >= Math.floor(w / 2) ? space + 1 : w;
			rows.push(rest.slice(0, cut).join('').trimEnd());
			rest = rest.slice(cut);
		}
	}
	return rows;
}
