import {escapeControls} from '../../core/text.js';
import {asciiText, asciiWanted} from '../../core/view/glyphs.js';
import {SGR} from './table.js';

/**
 * The last guard before a terminal: whatever a printer forgot to escape is written out visibly
 * here. Printers escape the data they interpolate themselves (`escapeDeep`), so that a newline in
 * a title cannot start a line of its own and columns are measured on what shows; this keeps the
 * lines a printer meant, and nothing else a terminal would act on.
 */
export const terminalText = (text: string): string => text.split('\n').map(escapeControls).join('\n');

/** The same, keeping the painter's colours (and only colours): for printers that paint. */
export const paintedText = (text: string): string =>
	text
		.split('\n')
		.map(line => line.split(SGR_SPLIT).map((part, i) => (i % 2 === 1 ? part : escapeControls(part))).join(''))
		.join('\n');

/**
 * Text as this terminal can show it: in ASCII where the locale is not UTF-8 (CALYX_ASCII, LC_ALL,
 * LC_CTYPE, LANG; see glyphs.ts), each glyph by a stand-in of its width, so columns stay aligned.
 * Not for a JSON document, which stays exact for the program that reads it.
 */
export const drawnFor = (env: NodeJS.ProcessEnv, text: string): string => (asciiWanted(env) ? asciiText(text) : text);

// Captured, so that split() keeps each colour code at an odd index.
const SGR_SPLIT = new RegExp(`(${SGR.source})`, 'g');
