/** The engine never reads the wall clock itself: every caller injects one, tests a fake. */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = {now: () => Date.now()};

/** A clock that moves only when told to; for tests, drills and replays. */
export class ManualClock implements Clock {
	#ms: number;
	constructor(start: number | string | Date) {
		this.#ms = typeof start === 'number' ? start : new Date(start).getTime();
	}
	now(): number {
		return this.#ms;
	}
	advance(ms: number): number {
		this.#ms += ms;
		return this.#ms;
	}
	set(at: number | string): void {
		this.#ms = typeof at === 'number' ? at : new Date(at).getTime();
	}
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const ms = (isoString: string): number => new Date(isoString).getTime();
