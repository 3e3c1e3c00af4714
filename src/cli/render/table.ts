/** Plain columns for terminals and pipes: padded to the widest cell, no borders. */
export function table(headers: string[], rows: string[][]): string {
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
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
