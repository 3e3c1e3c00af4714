import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {DEFAULT_PLAN, evaluateGate, iso, ms, type Sample} from '../../src/core/index.js';
import MetricLine from '../../src/ui/components/MetricLine.js';
import {frameOf} from './helpers/ink.js';

afterEach(() => cleanup());

const START = '2026-11-25T10:00:00.000Z';
const CLEAN: Omit<Sample, 'at'> = {tesDelta: 0.3, errorRate: 0.2, cpu: 50, memory: 60};
const gateOf = (...samples: Array<Partial<Sample>>) =>
	evaluateGate({plan: DEFAULT_PLAN, window: samples.map((s, i) => ({...CLEAN, ...s, at: iso(ms(START) + i * 60_000)})), tierStartedAt: START}, ms(START));

function lineOf(gate: ReturnType<typeof gateOf>, metric: 'cpu' | 'tesDelta') {
	const m = gate.metrics.find(x => x.metric === metric)!;
	const r = render(<MetricLine gate={m} series={[1, 2, 3]} gaugeWidth={12} sparkWidth={20} />);
	return frameOf(r);
}

describe('the value the gate judges', () => {
	it('names the worst of the recent window in the hold, not the first warning', () => {
		const g = gateOf({tesDelta: -2.5}, {tesDelta: -4.2}, {tesDelta: -0.1});
		const tes = g.metrics.find(m => m.metric === 'tesDelta')!;
		expect(tes.level).toBe('warning');
		expect(tes.judged?.value).toBe(-4.2);
		expect(tes.latest?.value).toBe(-0.1);
		expect(g.reasons[0]).toMatch(/^WARNING: TES drop > 2% in the last 3 samples — TES -4\.2% /);
	});

	it('names the worst critical of the tier, even outside the recent window', () => {
		const g = gateOf({tesDelta: -5.5}, {tesDelta: -7.25}, {tesDelta: -6}, {}, {}, {});
		const tes = g.metrics.find(m => m.metric === 'tesDelta')!;
		expect(tes).toMatchObject({level: 'critical', judged: {value: -7.25}, latest: {value: 0.3}});
		expect(g.summary).toMatch(/— TES -7\.25% /);
	});

	it('judges the latest when the window is clean or too thin', () => {
		const clean = gateOf({cpu: 70}, {cpu: 90}, {cpu: 61});
		expect(clean.metrics.find(m => m.metric === 'cpu')).toMatchObject({level: 'ok', judged: {value: 61}});
		expect(gateOf({cpu: 80}).metrics.find(m => m.metric === 'cpu')).toMatchObject({level: 'inconclusive', judged: {value: 80}});
	});

	it('shows the judged value beside WARN and the calmer latest after it, as the hold reason reads', () => {
		const g = gateOf({cpu: 112.41}, {cpu: 61.02}, {cpu: 61.02});
		expect(g.reasons[0]).toMatch(/CPU 112\.41%/);
		const line = lineOf(g, 'cpu');
		expect(line).toMatch(/^CPU +112\.41% [█·¦‖]+ WARN +3\/3 +now 61\.02% [▁▂▃▄▅▆▇█]+$/);
		expect(line).not.toMatch(/CPU +61\.02%/);
	});

	it('shows one value when the latest is the judged one', () => {
		const line = lineOf(gateOf({cpu: 61}, {cpu: 62}, {cpu: 63}), 'cpu');
		expect(line).toMatch(/^CPU +63% [█·¦‖]+ ok +3\/3 +[▁▂▃▄▅▆▇█]+$/);
		expect(line).not.toContain('now');
	});
});
