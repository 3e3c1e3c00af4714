import {CONTEXTS, type Binding} from '../keymap.js';

export interface HelpLine {
	key: string;
	heading?: string;
	keys?: string;
	text?: string;
}

const GROUPS = [
	['navigate', 'Navigate'],
	['view', 'Panes and views'],
	['act', 'Actions on the selection'],
] as const;

const where = (b: Binding) => (b.contexts.length === CONTEXTS.length ? '' : ` (${b.contexts.join(', ')})`);

/** The help, straight from the keymap table: every binding this session has, by group. */
export function helpLines(table: readonly Binding[]): HelpLine[] {
	return GROUPS.flatMap(([group, heading]) => {
		const bindings = table.filter(b => b.group === group);
		if (bindings.length === 0) return [];
		return [{key: group, heading}, ...bindings.map(b => ({key: b.action, keys: b.keys, text: `${b.help}${where(b)}`}))];
	});
}

/** Splits the lines into as few columns as the height needs. */
export function helpColumns(lines: readonly HelpLine[], height: number): HelpLine[][] {
	const per = Math.max(1, height);
	const out: HelpLine[][] = [];
	for (let i = 0; i < lines.length; i += per) out.push(lines.slice(i, i + per));
	return out;
}
