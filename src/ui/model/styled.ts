import chalk from 'chalk';
import {clipLine} from '../screen-writer.js';
import {TONE_COLOR, type Tone} from '../theme.js';

/**
 * Lines as styled strings, for rows the console paints without ink (see live-detail.ts) and ink
 * draws from the same strings. Styled through chalk, as ink's <Text> styles: the same colour level
 * (none under NO_COLOR, or off a terminal), so a row looks the same whichever of the two drew it.
 */
export interface Style {
	color?: string;
	bold?: boolean;
	underline?: boolean;
}

type Paint = (text: string) => string;
const painters = new Map<string, Paint>();

function painter({color, bold, underline}: Style): Paint {
	const key = `${color ?? ''}|${bold ? 'b' : ''}${underline ? 'u' : ''}`;
	let paint = painters.get(key);
	if (!paint) {
		let p = chalk;
		if (color) p = p[color as 'gray'];
		if (bold) p = p.bold;
		if (underline) p = p.underline;
		paint = color || bold || underline ? p : (text: string) => text;
		painters.set(key, paint);
	}
	return paint;
}

export const span = (text: string, style: Style = {}): string => (text === '' ? '' : painter(style)(text));

/** Text in a semantic tone (see theme.ts). */
export const toned = (tone: Tone, text: string, bold = false): string => span(text, {...(TONE_COLOR[tone] ? {color: TONE_COLOR[tone]} : {}), bold});

export const muted = (text: string): string => span(text, {color: 'gray'});

/** A section's title line: the title underlined, a note after it. */
export const titleText = (title: string, note?: string): string => span(title, {bold: true, underline: true}) + (note ? muted(` ${note}`) : '');

const ELLIPSIS = '…';

/**
 * A line cut to `width` cells as ink cuts a `truncate-end` text: what does not fit is replaced by
 * an ellipsis in the last cell. A line that fits is itself.
 */
export function fitText(line: string, width: number): string {
	if (width <= 0) return '';
	return clipLine(line, width).cut ? clipLine(line, width - 1).text + ELLIPSIS : line;
}
