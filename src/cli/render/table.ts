/** Plain columns for terminals and pipes: padded to the widest cell, no borders. */
const visible = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '').length;

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
