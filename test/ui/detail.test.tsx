import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, selectedLine, selectRow, settled, waitFor, waitForFrame} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';
import {clockTime} from '../../src/ui/model/format.js';

afterEach(() => cleanup());

const fx0 = () => fixture();

async function open(id: string, size = {columns: 120, rows: 90}) {
	const m = await mount({size});
	await selectRow(m.r, id);
	await press(m.r, KEY.enter);
	await waitForFrame(m.r, /^Metrics|gate not evaluated/m);
	return m;
}

describe('the deployment detail', () => {
	it('explains the gate: gauges per metric, samples against the minimum, bake time, why it holds', async () => {
		const {r, fx} = await open(fx0().dep.holding);
		const frame = await waitForFrame(r, /canary\.started/);
		expect(frame).toMatch(new RegExp(`${fx.dep.holding} +payments 1\\.0\\.0 → 1\\.1\\.0 +holding +tier \\[5\\]›25›100 at 5%`));
		expect(frame).toMatch(/gate HOLD WARNING: TES drop > 2%/);
		expect(frame).not.toMatch(/gate HOLD gate/);
		const tes = frame.split('\n').find(l => l.startsWith('TES'))!;
		// The value is the one the gate judges and its reason names (the window's worst), the latest after it.
		expect(tes).toMatch(/TES +-3\.1% [█·¦‖]+ WARN +4\/3 +now -?\d+(\.\d+)?% [▁▂▃▄▅▆▇█]+/);
		expect(frame).toMatch(/CPU +\d+(\.\d+)?% [█·¦‖]+ ok +4\/3/);
		expect(frame).toMatch(/bake \d+s of 15m \((15m|14m \d+s) left\)/);
		expect(frame).toContain('samples TES 4 · error rate 4 · CPU 4 · memory 4 (3 needed each)');
		expect(frame).toMatch(/why WARNING: TES drop > 2% in the last 3 samples — TES -3\.1% \(warning < -2%, critical < -5%\); waiting for a clean window/);
		expect(frame).toMatch(/hold since \d\d:\d\d:\d\d \S+ WARNING: TES drop > 2%/);
	});

	it('shows the lease and its signers, the rollback pack, the risk with its factors and the recent audit events', async () => {
		const {r, store, fx, clock} = await open(fx0().dep.running);
		const dep = store.state.deployments.find(d => d.id === fx.dep.running)!;
		const lease = store.state.leases.find(l => l.id === dep.leaseId)!;
		const frame = await waitForFrame(r, 'canary.started');
		expect(frame).toContain(`Lease ${lease.id} · expires ${clockTime(lease.expiresAt, clock.now())}`);
		expect(frame).toMatch(/│ human +│ alice +│ \d\d:\d\d:\d\d \S+ +│/);
		expect(frame).toMatch(/│ agent +│ ci-bot +│ \d\d:\d\d:\d\d \S+ +│/);
		expect(frame).toContain(`Rollback pack ${dep.pack.id}`);
		expect(frame).toContain(`snapshot sha256 ${dep.pack.manifest.snapshotChecksum}`);
		const ops = Object.values(dep.pack.reversePatches).reduce((n, p) => n + p.length, 0);
		expect(frame).toContain(`reverse patch ${ops} operations over ${dep.pack.manifest.steps.length} steps`);
		expect(frame).toContain(`Risk score ${lease.risk.score} (${lease.risk.level})`);
		for (const f of lease.risk.factors) expect(frame).toMatch(new RegExp(`│ ${f.name} +│ ${f.points} +│`));
		expect(frame).toMatch(/\d\d:\d\d:\d\d \S+ canary\.started human:alice checkout 1\.0\.0 → 1\.1\.0/);
	});

	it('shows why a halted or rolled-back canary is where it is', async () => {
		const halted = await open(fx0().dep.halted);
		let frame = await waitForFrame(halted.r, 'halted (manual)');
		expect(frame).toContain('gate not evaluated: the canary is halted');
		expect(frame).toMatch(/halted \(manual\) by human:alice at \d\d:\d\d:\d\d \S+ paging storm/);
		halted.r.unmount();
		const back = await open(fx0().dep.rolledBack);
		frame = await waitForFrame(back.r, 'rollback (manual)');
		expect(frame).toMatch(/rollback \(manual\) by human:alice from \S+ verified against the snapshot: bad migration/);
	});

	it('follows new samples live', async () => {
		const {r, store, fx} = await open(fx0().dep.running);
		await waitForFrame(r, /samples TES 3 · .*\(3 needed each\)/);
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {tesDelta: -2.5, errorRate: 0.2, cpu: 50, memory: 60}});
		await waitForFrame(r, f => /samples TES 4 · .*\(3 needed each\)/.test(f) && /^TES +-2\.5% .* WARN/m.test(f));
	});

	it('scrolls by whole blocks on a small terminal, and Esc goes back to the same row', async () => {
		const {r, fx} = await open(fx0().dep.holding, {columns: 80, rows: 24});
		expect(frameOf(r)).toContain('↓ more below');
		expect(frameOf(r)).not.toContain('Recent audit events');
		await press(r, 'G');
		const bottom = await waitForFrame(r, 'Recent audit events');
		expect(bottom).not.toContain('↓ more below');
		expect(bottom).not.toMatch(/^Metrics/m);
		await press(r, 'g');
		await waitForFrame(r, f => /^Metrics/m.test(f));
		await press(r, 'j', 'j');
		await waitForFrame(r, f => !f.includes(`${fx.dep.holding}  payments`));
		await press(r, KEY.esc);
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.holding) && f.includes('DEPLOYMENT'));
	});

	// The pane: below the header and the pane tabs, above the status line and the footer.
	const paneOf = (frame: string) => frame.split('\n').slice(3, -2);
	const MORE = '↓ more below';
	const AUDIT_LINE = /^\d\d:\d\d:\d\d \S+ \S+\.\S+ /;

	it('says more is below only when something is cut off, with every row above the hint in use', async () => {
		const size = {columns: 120, rows: 40};
		const {r, store, fx} = await mount({size});
		// The detail ends with its audit events: G must not be pressed before they arrived.
		const audit = store.audit.bind(store);
		let served = 0;
		store.audit = async filter => {
			const events = await audit(filter);
			if (filter?.deploymentId) served += 1;
			return events;
		};
		await selectRow(r, fx.dep.running);
		await press(r, KEY.enter);
		const top = paneOf(await waitForFrame(r, 'Risk score'));
		expect(top).toHaveLength(size.rows - 1 - 5);
		expect(top.at(-1)).toContain(MORE);
		for (const [i, line] of top.entries()) expect(line.trim(), `pane row ${i} of a cut-off detail`).not.toBe('');

		// The end is where the hint goes, and one block back it is there again.
		await waitFor(() => served > 0, () => 'the audit events of the detail');
		await settled(r);
		await press(r, 'G');
		const end = paneOf(await waitForFrame(r, f => !f.includes(MORE) && f.includes('Recent audit events')));
		expect(end.filter(l => l.trim() !== '').at(-1)).toMatch(AUDIT_LINE);
		await press(r, 'k');
		await waitForFrame(r, f => paneOf(f).at(-1)!.includes(MORE));
		await press(r, 'G', 'j', 'j');
		await settled(r);
		expect(paneOf(frameOf(r))).toEqual(end);
	});

	it('shows no hint and does not scroll when the whole detail fits', async () => {
		const {r, fx} = await open(fx0().dep.halted, {columns: 120, rows: 50});
		const frame = await waitForFrame(r, f => paneOf(f).some(l => AUDIT_LINE.test(l)));
		expect(frame).not.toContain(MORE);
		const pane = paneOf(frame);
		expect(pane[0]).toContain(`${fx.dep.halted}  search`);
		expect(pane.at(-1)!.trim()).toBe('');
		await press(r, 'j', 'G');
		await settled(r);
		expect(paneOf(frameOf(r))).toEqual(pane);
	});

	it('acts on the deployment it shows', async () => {
		const {r, fx} = await open(fx0().dep.halted);
		await press(r, 'u');
		await waitForFrame(r, `Resume ${fx.dep.halted}`);
	});
});
