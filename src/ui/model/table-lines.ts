/**
 * A table's lines as ink-table drew them: a rule above, the headings, a rule and a line per row,
 * a rule below, every cell padded by one space and as wide as its column's widest value. Drawn as
 * strings, one terminal line each: ink-table made a box per line and a text per cell and border,
 * each measured and written by ink on every frame (box-drawing characters take string-width's
 * slow path), about a third of a live detail's frame for its two tables.
 */
export type TablePart = {text: string; role: 'border' | 'heading' | 'cell'};

/** One line: a rule is all border; a heading or a row alternates borders and cells. */
export type TableLine = readonly TablePart[];

const PADDING = 1;
const RULES = {top: ['┌', '┬', '┐'], middle: ['├', '┼', '┤'], bottom: ['└', '┴', '┘']} as const;

export function tableLines<T extends Record<string, string>>(rows: readonly T[], columns: readonly (keyof T & string)[]): TableLine[] {
	const widths = columns.map(c => Math.max(c.length, ...rows.map(r => r[c]!.length)) + PADDING * 2);
	const rule = ([left, cross, right]: readonly [string, string, string]): TableLine => [{text: left + widths.map(w => '─'.repeat(w)).join(cross) + right, role: 'border'}];
	const line = (values: readonly string[], role: 'heading' | 'cell'): TableLine => [
		{text: '│', role: 'border'},
		...values.flatMap((v, i) => [
			{text: `${' '.repeat(PADDING)}${v}${' '.repeat(widths[i]! - v.length - PADDING)}`, role},
			{text: '│', role: 'border' as const},
		]),
	];
	return [rule(RULES.top), line(columns, 'heading'), ...rows.flatMap(r => [rule(RULES.middle), line(columns.map(c => r[c]!), 'cell')]), rule(RULES.bottom)];
}
