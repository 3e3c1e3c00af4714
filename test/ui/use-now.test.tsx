import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {ManualClock} from '../../src/core/index.js';
import {useNow} from '../../src/ui/hooks/use-now.js';
import {nextTickMs} from '../../src/ui/model/ticks.js';
import {turn} from './helpers/ink.js';

afterEach(() => {
	cleanup();
	vi.useRealTimers();
});

describe('the clock of the screen', () => {
	it('wakes a second after the last frame when seconds are shown, so a frame drawn for data is also the clock frame', async () => {
		// Only timeouts are faked: React and ink still schedule their work on real immediates.
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']});
		const clock = new ManualClock(Date.parse('2026-11-25T10:00:00.250Z'));
		const drawnAt: number[] = [];
		function Screen({data}: {data: number}) {
			const now = useNow(clock, t => nextTickMs(t, {seconds: true, countdowns: []}));
			drawnAt.push(now);
			return <Text>{`${data} ${now}`}</Text>;
		}
		const r = render(<Screen data={0} />);
		await turn();
		// A few turns let a frame that is coming arrive (React renders on immediates).
		const settle = async () => {
			for (let i = 0; i < 5; i++) await turn();
		};
		const pass = async (ms: number) => {
			clock.advance(ms);
			vi.advanceTimersByTime(ms);
			await settle();
		};
		const start = clock.now();
		await pass(600);
		r.rerender(<Screen data={1} />); // fresh samples, 600 ms after the first frame
		await turn();
		await pass(600); // a second after the first frame: no clock frame, the data frame was 600 ms ago
		expect(drawnAt.filter(t => t > start + 600)).toEqual([]);
		clock.advance(400);
		vi.advanceTimersByTime(400); // a second after the data frame
		for (let i = 0; i < 200 && drawnAt.length < 3; i++) await turn();
		expect(drawnAt.map(t => t - start)).toEqual([0, 600, 1600]);
	});
});
