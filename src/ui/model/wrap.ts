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
