import {describe, expect, it} from 'vitest';
import {ensureDemoTrust} from '../../src/store/trust.js';
import {initialConsoleState, type ConsoleState} from '../../src/ui/model/console-state.js';
import {layoutFor} from '../../src/ui/model/screen.js';
import {drawDetail, type DetailScene} from '../../src/ui/views/detail-frame.js';
import {fixture} from './helpers/mount.js';

const fx = fixture();
const at = fx.clock.now();
const onDetail = (id: string, over: Partial<ConsoleState> = {}): ConsoleState => {
	const ui = initialConsoleState();
	return {...ui, detail: true, cursor: {...ui.cursor, deployments: {index: 0, top: 0, id}}, ...over};
};
const scene = (ui: ConsoleState, keysAt: number[] = []): DetailScene => ({
	ui,
	layout: layoutFor({columns: 120, rows: 50}),
	signerRole: 'human',
	trust: ensureDemoTrust().trust,
	wants: {samples: {deploymentId: fx.dep.running, limit: 60}, audit: [{deploymentId: fx.dep.running, limit: 8}]},
	queriesKey: 'm',
	statusMs: 1000,
	keysFrom: (_state, _model, shownAt) => {
		keysAt.push(shownAt);
		return {};
	},
});

describe('a detail drawn from a snapshot at a time (what the render and a painted second share)', () => {
	it('draws the selected deployment, and hands the keys what it shows at that time', () => {
		const keysAt: number[] = [];
		const drawn = drawDetail(scene(onDetail(fx.dep.running), keysAt), {state: fx.state, audit: {}}, at + 5000)!;
		expect(drawn.frame.visible[0]!.block.text).toContain(fx.dep.running);
		expect(drawn.frame.keys.detailMax).toBe(drawn.detailMax);
		// A dialog opened from a painted second reviews the facts as of that second, not the last render's.
		expect(keysAt).toEqual([at + 5000]);
	});

	it('says the frame around it changed when a status message expires or the counts by status move', () => {
		const ui = onDetail(fx.dep.running, {status: {tone: 'info', text: 'marks cleared', at}});
		const shown = drawDetail(scene(ui), {state: fx.state, audit: {}}, at + 500)!.frame;
		expect(drawDetail(scene(ui), {state: fx.state, audit: {}}, at + 900)!.frame.chrome).toBe(shown.chrome);
		expect(drawDetail(scene(ui), {state: fx.state, audit: {}}, at + 1500)!.frame.chrome).not.toBe(shown.chrome);
		const halted = {...fx.state, deployments: fx.state.deployments.map(d => (d.id === fx.dep.running ? {...d, status: 'halted' as const} : d))};
		expect(drawDetail(scene(ui), {state: halted, audit: {}}, at + 500)!.frame.chrome).not.toBe(shown.chrome);
	});

	it('draws nothing without a state or a deployment to show', () => {
		expect(drawDetail(scene(onDetail(fx.dep.running)), {audit: {}}, at)).toBeUndefined();
		expect(drawDetail(scene(onDetail('DEP-NONE')), {state: {...fx.state, deployments: []}, audit: {}}, at)).toBeUndefined();
	});
});
