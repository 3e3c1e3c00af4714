/** A colour code as the painter writes it: the only escape sequence a printer may send. */
export const SGR = /\u001B\[(?:0|1|3[1-6]|90)m/;
const SGR_ALL = new RegExp(SGR.source, 'g');
const visible = (text: string) => text.replace(SGR_ALL, '').length;

/**
 * Plain columns for terminals and pipes: padded to the widest cell, no borders. Cells are escaped
 * data (`escapeDeep`) or painted: widths count what shows.
 */
export function table(headers: string[], rows: string[][]): string {
	// Widths count what shows: colour codes take no columns.
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => visible(r[i] ?? ''))));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - visible(c)))))
			.join('  ')
			.trimEnd();
	return [line(headers), ...rows.map(line)].join('\n');
}

const CODES = {red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1} as const;
export type Paint = (color: keyof typeof CODES, text: string) => string;

/** ANSI colour when allowed; the words always carry the meaning without it. */
export const painter =
	(enabled: boolean): Paint =>
	(color, text) =>
		enabled ? `\u001B[${CODES[color]}m${text}\u001B[0m` : text;
