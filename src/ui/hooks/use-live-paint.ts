import {useLayoutEffect} from 'react';
import type {LivePatcher} from '../screen-writer.js';
import type {Snapshot, StoreData} from './use-store-state.js';

/** Paints a snapshot at a time over ink's frame `base`, saying whether it did (else the console renders). */
export type LivePaint = (snap: Snapshot, at: number, fresh: boolean) => boolean;

/** What the screen on show paints without ink, given the screen writer and the frame ink wrote for this render. */
export type LivePainter = (screen: LivePatcher, base: number) => LivePaint;

/**
 * A painter for a screen drawn as frame `F`: `frame` gives the frame this render drew, worked out
 * at the first paint (not by every render); `draw` draws it from another snapshot at another time,
 * as a render would; `rows` says which lines turn the frame on screen into that one, or undefined
 * when more than lines' text changed (ink then draws it); `painted` follows a paint (the keys act
 * on what it showed, the clock counts from it).
 */
export function livePainter<F>(
	frame: () => F | undefined,
	draw: (snap: Snapshot, at: number) => F | undefined,
	rows: (shown: F, next: F) => ReadonlyMap<number, string> | undefined,
	painted: (next: F, at: number, fresh: boolean) => void,
): LivePainter {
	return (screen, base) => {
		let shown: F | undefined;
		return (snap, at, fresh) => {
			shown ??= frame();
			const next = draw(snap, at);
			const lines = shown && next && rows(shown, next);
			if (!next || !lines || !screen.patch(base, lines)) return false;
			painted(next, at, fresh);
			return true;
		};
	};
}

/**
 * While the screen on show can paint itself (a live detail, the deployments list: `painter`), a
 * snapshot read (`data.patch`) or a wake of the clock (`idle`) that changes only the text of rows
 * ink drew is painted over ink's frame without a render (see live-detail.ts, live-list.ts);
 * anything else renders, and ink draws it. The rows are composed for the frame ink wrote for this
 * render: once ink writes another (a key, a dialog, a resize), the screen writer refuses them, and
 * the console renders again. `screen` absent (tests on ink's own renderer): ink draws every change.
 */
export function useLivePaint(data: Pick<StoreData, 'patch' | 'latest'>, idle: {current: ((now: number) => boolean) | undefined}, screen: LivePatcher | undefined, painter: LivePainter | undefined, now: () => number): void {
	useLayoutEffect(() => {
		if (!screen || !painter) {
			data.patch.current = undefined;
			idle.current = undefined;
			return;
		}
		// Layout effects run after ink has written this render's frame.
		const paint = painter(screen, screen.generation());
		data.patch.current = snap => paint(snap, now(), true);
		idle.current = at => paint(data.latest(), at, false);
	});
}
