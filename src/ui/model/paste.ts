/**
 * Bracketed paste: once the console asks for it (ENABLE on mount), the terminal wraps pasted text
 * in ESC[200~ … ESC[201~, so a paste is told from typing and can be taken as text, never as keys.
 * Ink hands over its input as events, each escape sequence an event of its own; a marker split
 * across reads arrives in pieces ("ESC[20", then "0~…"). The reader sees every raw event before
 * the keys are handled and says which belong to a paste (swallowed) and when a paste is whole.
 */
export const BRACKETED_PASTE_ON = '\u001B[?2004h';
export const BRACKETED_PASTE_OFF = '\u001B[?2004l';
export const PASTE_START = '\u001B[200~';
export const PASTE_END = '\u001B[201~';

/** The most of a paste kept: more than any field holds (see LINE_MAX), far less than a flood. */
const PASTE_MAX = 16 * 1024;
// Shortest piece of a marker held back as one: "ESC[" alone is also the start of an arrow key.
const MIN_PIECE = 3;
// A whole control sequence: what a held piece and the event after it make when they were not a marker.
const SEQUENCE = /^\u001B\[[\d;?<]*[A-Za-z~]$/;

export interface PasteRead {
	/** This event is part of a paste (or of a marker): it is not keys. */
	swallow: boolean;
	/** The text of a paste that just ended. */
	pasted?: string;
}

export interface PasteReader {
	read(raw: string): PasteRead;
	/** Whether a paste has begun and not ended. */
	readonly pasting: boolean;
	/** Ends a paste whose end marker never came (the terminal lost it): its text so far, if a paste was open. */
	abandon(): string | undefined;
}

const isPiece = (s: string, marker: string) => s.length >= MIN_PIECE && s.length < marker.length && marker.startsWith(s);

export function createPasteReader(): PasteReader {
	let pasting = false;
	let text = '';
	let held = '';
	const add = (chunk: string) => {
		text = (text + chunk).slice(0, PASTE_MAX);
	};
	const end = (): string => {
		const pasted = text;
		pasting = false;
		text = '';
		return pasted;
	};
	return {
		get pasting() {
			return pasting;
		},
		read(raw) {
			const wasHeld = held !== '';
			const input = held + raw;
			held = '';
			if (!pasting) {
				if (input.startsWith(PASTE_START)) {
					pasting = true;
					add(input.slice(PASTE_START.length));
					return {swallow: true};
				}
				if (isPiece(input, PASTE_START)) {
					held = input;
					return {swallow: true};
				}
				// A held piece that was not a marker was the start of some other sequence: its tail is not keys.
				return {swallow: wasHeld && SEQUENCE.test(input)};
			}
			const at = input.indexOf(PASTE_END);
			if (at >= 0) {
				add(input.slice(0, at));
				return {swallow: true, pasted: end()};
			}
			if (isPiece(input, PASTE_END)) held = input;
			else add(input);
			return {swallow: true};
		},
		abandon() {
			held = '';
			return pasting ? end() : undefined;
		},
	};
}
