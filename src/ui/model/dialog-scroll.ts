import type {Key} from 'ink';
import {TYPEAHEAD_MS, type Dialog} from './dialog.js';

/**
 * A dialog whose content is taller than its window (the cosign dialog: everything being signed)
 * scrolls, and its `y` is taken only once every row has been on screen: a signature over lines
 * nobody saw is not a review. Scrolling moves at most a window less one row at a time, so what
 * has been read is always one stretch from the top: `read.rows` is where it ends. Rows depend on
 * the width they were wrapped to, so what was read at another width counts for nothing.
 */
export interface DialogBody {
	/** The dialog it was drawn for: a key that lands before the re-render never borrows another's. */
	target: string;
	/** Content rows, wrapped to `width`. */
	rows: number;
	/** Rows the window shows at once. */
	height: number;
	width: number;
}

export const maxScroll = (body: DialogBody) => Math.max(0, body.rows - body.height);

/** The dialog's first row on screen, within what the content allows now (it grows and shrinks with the data). */
export const scrollOf = (d: Dialog, body: DialogBody) => Math.min(d.scroll ?? 0, maxScroll(body));

/** Rows never yet on screen; everything when the body drawn is not this dialog's. */
export function unreadRows(d: Dialog, body: DialogBody | undefined): number {
	if (!body || body.target !== d.target) return Number.POSITIVE_INFINITY;
	const before = d.read?.width === body.width ? d.read.rows : 0;
	return Math.max(0, body.rows - Math.max(before, scrollOf(d, body) + body.height));
}

export const scrollFirst = (unread: number) =>
	Number.isFinite(unread) ? `scroll to the end first (${unread} more line${unread === 1 ? '' : 's'})` : 'scroll to the end first';

function step(input: string, key: Key, page: number): number | undefined {
	if (key.ctrl || key.meta) return undefined;
	if (key.upArrow || input === 'k') return -1;
	if (key.downArrow || input === 'j') return 1;
	if (key.pageUp) return -page;
	if (key.pageDown) return page;
	return undefined;
}

/** The dialog after `n` rows of scrolling, with what has been read so far. */
function scrolledBy(d: Dialog, n: number, body: DialogBody): Dialog {
	const scroll = Math.max(0, Math.min(maxScroll(body), scrollOf(d, body) + n));
	const before = d.read?.width === body.width ? d.read.rows : 0;
	const rows = Math.max(before, Math.min(body.rows, scroll + body.height));
	return {...d, scroll, read: {width: body.width, rows}, error: undefined};
}

/**
 * The keys a scrolled dialog takes before its steps do: ↑↓/j k and PgUp/PgDn scroll (until the
 * `y` is typed: after it only Enter goes on), and a `y` with rows still unread is refused with how
 * many. Undefined for any other key, which the dialog's steps then handle; so is a `y` typed
 * before the dialog could be seen, which the typeahead guard names as such (see dialog.ts).
 */
/** The dialogs whose content scrolls and must be read to the end: what a key signs. */
export const isScrolled = (d: Pick<Dialog, 'action'>) => d.action === 'cosign' || d.action === 'tierCosign';

export function readingKey(d: Dialog, input: string, key: Key, body: DialogBody | undefined, at: number): Dialog | undefined {
	if (!isScrolled(d) || d.step !== 'confirm' || d.input !== '' || d.submitting) return undefined;
	const page = Math.max(1, (body?.height ?? 1) - 1);
	const n = step(input, key, page);
	if (n !== undefined) return body && body.target === d.target ? scrolledBy(d, n, body) : d;
	if (input === 'y' && !key.ctrl && !key.meta && at - d.openedAt >= TYPEAHEAD_MS) {
		const unread = unreadRows(d, body);
		if (unread > 0) return {...d, error: scrollFirst(unread)};
	}
	return undefined;
}

// The dialog frame around a scrolled body (see DialogFrame): a border above and below, the title,
// and the prompt, which takes up to three rows (two, and an error); the last body row is the
// scroll hint. Fixed, so the window does not change size when an error comes and goes.
const FRAME_ROWS = 2 + 1 + 3 + 1;
// A border and a column of padding on each side.
const FRAME_COLUMNS = 4;

/** The window a scrolled dialog's content gets in a pane of `height` rows and `columns`. */
export const bodyWindow = (height: number, columns: number) => ({height: Math.max(1, height - FRAME_ROWS), width: Math.max(1, columns - FRAME_COLUMNS)});
