import {describe, expect, it} from 'vitest';
import {archiveEnded, runDrill} from '../../src/core/index.js';
import {createShownState} from '../../src/ui/model/ended.js';

describe('the deployments that ended, as the console shows them', () => {
	const drill = runDrill();
	const {state: hot, records} = archiveEnded(drill.state);

	it('lists them before the live ones, oldest ended first, each beside the intent and leases it was archived with', () => {
		expect(records.length).toBeGreaterThan(0);
		const shown = createShownState()(hot, [...records].reverse());
		expect(shown.deployments.map(d => d.id)).toEqual([...records.map(r => r.deployment.id), ...hot.deployments.map(d => d.id)]);
		for (const r of records) {
			if (r.intent) expect(shown.intents.filter(i => i.id === r.intent!.id)).toHaveLength(1);
			for (const l of r.leases) expect(shown.leases.filter(x => x.id === l.id)).toHaveLength(1);
		}
		// The document's own state is left as it was.
		expect(hot.deployments.every(d => !records.some(r => r.deployment.id === d.id))).toBe(true);
	});

	it('shows one that is live again (being rolled back) once, live; and hands back the same state while nothing changed', () => {
		const shownState = createShownState();
		const again = {...hot, deployments: [...hot.deployments, {...records[0]!.deployment, status: 'rolling_back' as const}]};
		const shown = shownState(again, records);
		expect(shown.deployments.filter(d => d.id === records[0]!.deployment.id).map(d => d.status)).toEqual(['rolling_back']);
		expect(shownState(again, records)).toBe(shown);
		expect(shownState(again, [...records])).toBe(shown);
		expect(shownState({...again}, records)).not.toBe(shown);
		expect(createShownState()(hot, [])).toBe(hot);
	});
});
