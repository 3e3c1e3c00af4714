import {useLayoutEffect} from 'react';
import type {KeyContext} from '../model/console-state.js';
import {detailPatch, type DetailFrame} from '../model/live-detail.js';
import type {LivePatcher} from '../screen-writer.js';
import type {Snapshot, StoreData} from './use-store-state.js';

export interface LiveDetail {
	/** Where rows are painted without ink; absent (tests on ink's own renderer), every change is drawn by ink. */
	screen: LivePatcher | undefined;
	/** The detail as this render draws it; undefined while the screen shows anything else over it or instead. */
	frame: DetailFrame | undefined;
	/** The detail drawn from another snapshot at another time, as this render would draw it. */
	draw: (snap: Snapshot, at: number) => DetailFrame | undefined;
	/** The line the detail's pane starts on, and the terminal's width. */
	top: number;
	width: number;
	now: () => number;
	/** After a paint: the keys act on what it showed, and the clock counts from it (`fresh`: for data just read). */
	painted: (keys: Partial<KeyContext>, at: number, fresh: boolean) => void;
}

/**
 * While a detail is on screen and nothing else, a snapshot read (`data.patch`) or a second of the
 * clock (`idle`) that changes only the text of its rows is painted over ink's frame without a
 * render (see live-detail.ts); anything else renders, and ink draws it. The rows are composed for
 * the frame ink wrote for this render: once ink writes another (a key, a dialog, a resize), the
 * screen writer refuses them, and the console renders again.
 */
export function useLiveDetail(data: Pick<StoreData, 'patch' | 'latest'>, idle: {current: ((now: number) => boolean) | undefined}, live: LiveDetail): void {
	useLayoutEffect(() => {
		const {screen, frame, draw} = live;
		if (!screen || !frame) {
			data.patch.current = undefined;
			idle.current = undefined;
			return;
		}
		// Layout effects run after ink has written this render's frame.
		const base = screen.generation();
		const paint = (snap: Snapshot, at: number, fresh: boolean) => {
			const next = draw(snap, at);
			const rows = next && detailPatch(frame, next, live.top, live.width);
			if (!next || !rows || !screen.patch(base, rows)) return false;
			live.painted(next.keys, at, fresh);
			return true;
		};
		data.patch.current = snap => paint(snap, live.now(), true);
		idle.current = at => paint(data.latest(), at, false);
	});
}
