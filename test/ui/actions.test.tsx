import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {EngineError, ManualClock, verifyLease} from '../../src/core/index.js';
import {STALE} from '../../src/ui/model/outcome.js';
import {FakeStore, fakeEngine} from './helpers/fake-store.js';
import {frameOf, KEY, press, readToEnd, selectedLine, selectRow, settled, type, waitFor, waitForFrame, type Rendered} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());


const select = selectRow;
const leases = async (r: Awaited<ReturnType<typeof mount>>['r']) => {
	await press(r, '2');
	await waitForFrame(r, /\[2 Leases/);
};

describe('halt', () => {
	it('asks a reason and dispatches canary.halt with it, the actor and the revision on screen', async () => {
		const {r, store, fx} = await mount();
		const rev = store.state.rev;
		await press(r, 'h');
		await waitForFrame(r, `Halt ${fx.dep.running}`);
		await type(r, 'paging storm');
		await waitForFrame(r, 'reason: paging storm');
		expect(store.runs).toEqual([]);
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ halted ${fx.dep.running}`);
		expect(store.runs).toEqual([{type: 'canary.halt', id: fx.dep.running, reason: 'paging storm', actor: 'human:alice', expectedRev: rev}]);
		await waitForFrame(r, f => /checkout .* halted/.test(selectedLine(f)));
	});

	it('does not submit without a reason, and Esc cancels with nothing done', async () => {
		const {r, store} = await mount();
		await press(r, 'h');
		await waitForFrame(r, 'reason:');
		await press(r, KEY.enter);
		await waitForFrame(r, '✗ a reason is required');
		await press(r, KEY.esc);
		await waitForFrame(r, '· cancelled: nothing was done');
		expect(store.runs).toEqual([]);
	});
});

describe('rollback', () => {
	it('needs the deployment id typed exactly, then a reason', async () => {
		const {r, store, fx} = await mount();
		await select(r, fx.dep.halted);
		await press(r, 'r');
		await waitForFrame(r, `Roll back ${fx.dep.halted}`);
		await type(r, fx.dep.running);
		await press(r, KEY.enter);
		await waitForFrame(r, `✗ type ${fx.dep.halted} exactly to confirm`);
		for (let i = 0; i < fx.dep.running.length; i++) await press(r, KEY.backspace);
		await type(r, fx.dep.halted);
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		await type(r, 'schema drift');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ rolled back ${fx.dep.halted}: target verified against the snapshot`);
		expect(store.runs).toEqual([expect.objectContaining({type: 'rollback', id: fx.dep.halted, reason: 'schema drift'})]);
	});

	it('is refused up front for a deployment with nothing to roll back', async () => {
		const {r, store, fx} = await mount();
		await select(r, fx.dep.rolledBack);
		await press(r, 'r');
		await waitForFrame(r, `✗ ${fx.dep.rolledBack} is rolled back: nothing to roll back`);
		expect(frameOf(r)).not.toContain('Roll back');
		expect(store.runs).toEqual([]);
	});
});

describe('cosign', () => {
	it('shows intent, risk, plan and digest, and signs on y then Enter once all of it was on screen', async () => {
		const {r, store, fx} = await mount();
		await leases(r);
		await select(r, fx.lease.agentSigned);
		await press(r, 'c');
		const lease = store.state.leases.find(l => l.id === fx.lease.agentSigned)!;
		const dialog = await waitForFrame(r, `Cosign ${lease.id}`);
		expect(dialog).toContain('you sign as human:alice');
		expect(dialog).toMatch(new RegExp(`intent +${lease.intentId} · reports 1.0.0 → 0.9.0`));
		expect(dialog).toMatch(/risk +\d+ \((low|medium|high)\)/);
		expect(dialog).toMatch(/plan +tiers 5›25›100 · bake 15m/);
		await readToEnd(r);
		// What the gate judges comes before it: the digest is further down.
		expect(frameOf(r)).toMatch(new RegExp(`digest +${lease.digest}`));
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		expect(store.runs).toEqual([]);
		await press(r, KEY.enter);
		await waitForFrame(r, '✓ both keys signed: s starts the canary');
		// The outcome stays on its pane: switching panes clears it.
		await press(r, '1');
		await waitForFrame(r, f => f.includes('[1 Deployments') && !f.includes('✓ signed'));
		const run = store.runs[0]!;
		expect(run).toMatchObject({type: 'lease.cosign', leaseId: lease.id, role: 'human', keyId: 'alice', actor: 'human:alice'});
		expect(verifyLease(store.state, store.trust, store.state.leases.find(l => l.id === lease.id)!, store.clock.now()).ok).toBe(true);
	});

	it.each([
		['n', ['n']],
		['Enter without y', [KEY.enter]],
		['y then n', ['y', 'n']],
		['Esc', [KEY.esc]],
	])('cancels on %s', async (_, keys) => {
		const {r, store, fx} = await mount();
		await leases(r);
		await select(r, fx.lease.unsigned);
		await press(r, 'c');
		await waitForFrame(r, `Cosign ${fx.lease.unsigned}`);
		await press(r, ...keys);
		await waitForFrame(r, 'cancelled: nothing was done');
		expect(store.runs).toEqual([]);
	});

	it('surfaces the engine refusal when the lease expired while the dialog was open', async () => {
		const {r, store, fx, clock} = await mount();
		await leases(r);
		await select(r, fx.lease.unsigned);
		await press(r, 'c');
		await readToEnd(r);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		clock.advance(2 * 3_600_000);
		await press(r, KEY.enter);
		await waitForFrame(r, /✗ refused: lease expired at/);
		expect(store.runs).toHaveLength(1);
	});

	it('says why not when no key is loaded', async () => {
		const {r, store} = await mount({props: {identity: undefined, actor: 'operator:sam'}});
		await press(r, '2', 'c');
		await waitForFrame(r, '✗ no signing key loaded');
		expect(store.runs).toEqual([]);
		expect(frameOf(r)).toContain('you operator:sam (no signing key)');
	});
});

describe('promote', () => {
	it('promotes after y then Enter when the gate is open', async () => {
		const {r, store, fx} = await mount();
		await select(r, fx.dep.awaiting);
		await press(r, 'p');
		await waitForFrame(r, `Promote ${fx.dep.awaiting}`);
		await waitForFrame(r, 'moves the canary from 5% to 25%');
		await press(r, 'y', KEY.enter);
		await waitForFrame(r, `✓ promoted ${fx.dep.awaiting}: 5% → 25%`);
		expect(store.runs).toEqual([expect.objectContaining({type: 'canary.promote', id: fx.dep.awaiting})]);
		expect(store.runs[0]).not.toHaveProperty('force');
	});

	it('explains a hold instead of opening, and P forces past it with the typed id and a reason', async () => {
		const {r, store, fx} = await mount();
		await select(r, fx.dep.holding);
		await press(r, 'p');
		await waitForFrame(r, '✗ the gate holds (P promotes past it, with a reason): WARNING: TES drop > 2%');
		await press(r, 'P');
		await waitForFrame(r, `Force promotion past a hold ${fx.dep.holding}`);
		expect(frameOf(r)).toContain('• WARNING: TES drop > 2%');
		await type(r, fx.dep.holding);
		await press(r, KEY.enter);
		await type(r, 'known noisy probe');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ force-promoted ${fx.dep.holding}: 5% → 25%`);
		expect(store.runs).toEqual([expect.objectContaining({type: 'canary.promote', id: fx.dep.holding, force: true, reason: 'known noisy probe'})]);
	});
});

describe('resume', () => {
	it('asks a reason and resumes a halted canary', async () => {
		const {r, store, fx} = await mount();
		await select(r, fx.dep.halted);
		await press(r, 'u');
		await waitForFrame(r, `Resume ${fx.dep.halted}`);
		await type(r, 'storm over');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ resumed ${fx.dep.halted} at 5%`);
		expect(store.runs).toEqual([expect.objectContaining({type: 'canary.resume', id: fx.dep.halted, reason: 'storm over'})]);
	});
});

describe('a stale view', () => {
	it('is refused with "state changed, review and retry" and what changed when what was confirmed no longer holds', async () => {
		const {r, store, fx} = await mount();
		await press(r, 'h');
		await type(r, 'too hot');
		store.changeQuietly({type: 'canary.halt', actor: 'human:bob', id: fx.dep.running, reason: 'bob was faster'});
		await press(r, KEY.enter);
		await waitForFrame(r, `✗ ${STALE}: status live → halted; halt none → bob was faster`);
		expect(store.runs).toEqual([]);
		// The dialog closes: it rested on facts that no longer hold; the operator reopens it to act.
		expect(frameOf(r)).not.toContain(`Halt ${fx.dep.running}`);
	});

	it('retries when a write it does not care about lands between the check and its own write', async () => {
		const {r, store, fx} = await mount();
		store.failNext = new EngineError('conflict', 'STALE_STATE', 'state changed (rev 3 → 4): review and retry');
		await press(r, 'h');
		await type(r, 'x');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ halted ${fx.dep.running}`);
		expect(store.runs).toHaveLength(2);
	});

	it('gives up with "state changed, review and retry" when the writes keep landing first', async () => {
		const {r, store} = await mount();
		store.failNext = new EngineError('conflict', 'STALE_STATE', 'state changed (rev 3 → 4): review and retry');
		store.failTimes = 10;
		await press(r, 'h');
		await type(r, 'x');
		await press(r, KEY.enter);
		await waitForFrame(r, `✗ ${STALE}`);
		expect(store.runs).toHaveLength(3);
	});

	it('goes through when only in-band samples arrived since the screen was drawn', async () => {
		const {r, store, fx} = await mount();
		await press(r, 'h');
		await type(r, 'planned');
		store.changeQuietly({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {cpu: 51}});
		const rev = store.state.rev;
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ halted ${fx.dep.running}`);
		expect(store.runs[0]).toMatchObject({expectedRev: rev});
	});
});

describe('read-only mode', () => {
	it('removes the action keys from the handler, the footer and the help, and shows the lock', async () => {
		const {r, store} = await mount({props: {readonly: true}});
		const frame = frameOf(r);
		expect(frame).toContain('⊘ read-only');
		const footer = frame.split('\n').at(-1)!;
		for (const label of ['promote', 'halt', 'resume', 'rollback', 'force', 'cosign']) expect(footer).not.toContain(label);
		await press(r, 'h');
		await waitForFrame(r, '· read-only: halt is not available');
		for (const k of ['p', 'P', 'r', 'u']) await press(r, k);
		await press(r, '2', 'c');
		await waitForFrame(r, '· read-only: cosign is not available');
		await settled(r);
		expect(frameOf(r)).not.toMatch(/Halt|Promote|Roll back|Resume|Cosign /);
		await press(r, '?');
		const help = await waitForFrame(r, 'Keys');
		expect(help).toContain('(read-only: no actions)');
		expect(help).not.toMatch(/Actions on the selection|cosign the selected|halt the canary/);
		expect(store.runs).toEqual([]);
	});
});

describe('split escape sequences', () => {
	it('an Esc followed by "[A" does not act', async () => {
		// The bytes of a split arrow arrive within milliseconds: wall time stands still here.
		const {r, store, fx} = await mount({props: {wallClock: () => 0}});
		await press(r, 'j');
		const second = await waitForFrame(r, f => !selectedLine(f).includes(fx.dep.running));
		await press(r, 'r');
		await waitForFrame(r, 'Roll back');
		await press(r, KEY.esc, '[A');
		await waitForFrame(r, 'cancelled: nothing was done');
		await press(r, KEY.esc, '[', 'A', KEY.esc, 'O', 'B');
		await settled(r);
		expect(selectedLine(frameOf(r))).toBe(selectedLine(second));
		expect(frameOf(r)).not.toContain('Roll back');
		expect(store.runs).toEqual([]);
	});
});

describe('typeahead', () => {
	it('drops keys that reach a dialog before the operator could have seen it', async () => {
		const wall = {t: 0};
		const {r, store, fx} = await mount({props: {wallClock: () => wall.t}});
		await select(r, fx.dep.awaiting);
		// "spy⏎" typed blind in one burst: p opens the promote dialog, y and Enter must not confirm it.
		await type(r, 'spy');
		await press(r, KEY.enter);
		await waitForFrame(r, `Promote ${fx.dep.awaiting}`);
		// Keys are handled in order: the dialog still waiting for its y after a later one proves the burst was dropped.
		wall.t += 1000;
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to promote');
		wall.t += 1000;
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ promoted ${fx.dep.awaiting}`);
		expect(store.runs).toHaveLength(1);
	});
});

describe('quitting', () => {
	// The question wraps inside its frame: read as one line of words.
	const prose = (frame: string) => frame.replace(/[│]/g, ' ').replace(/\s+/g, ' ');
	const unmounted = (r: Rendered) => waitFor(() => r.stdin.listenerCount('readable') === 0, () => 'the console to unmount');

	it.each([['q', 'q'], ['Ctrl-C', KEY.ctrlC]])('%s quits a console that does not lead the engine', async (_, k) => {
		const {r} = await mount({props: {engine: fakeEngine('follower')}});
		await press(r, k);
		await unmounted(r);
	});

	it.each([['q', 'q'], ['Ctrl-C', KEY.ctrlC]])('%s on the leading console asks first, says nothing takes over, and stays on Esc', async (_, k) => {
		const {r} = await mount();
		await press(r, k);
		const asked = await waitForFrame(r, 'Quit the console?');
		expect(prose(asked)).toContain('no other engine is waiting: nothing samples, gates, promotes or halts the 3 live canaries until one runs');
		await press(r, KEY.esc);
		await waitForFrame(r, 'still running: the console did not quit');
		await press(r, 'q', 'n');
		await waitForFrame(r, 'still running: the console did not quit');
		await press(r, 'q', 'y', KEY.enter);
		await unmounted(r);
	});

	it('says so when another engine waits to take over', async () => {
		const store = new FakeStore(fixture(), new ManualClock(fixture().clock.now()));
		store.followers = 1;
		const {r} = await mount({store, props: {enginePollMs: 20}});
		await press(r, 'q');
		await waitForFrame(r, f => prose(f).includes('another engine is waiting and takes over the 3 live canaries within seconds'));
	});

	it('Ctrl-C in a dialog cancels it, and the console keeps running', async () => {
		const {r, store} = await mount();
		await press(r, 'h');
		await type(r, 'half a reason');
		await press(r, KEY.ctrlC);
		await waitForFrame(r, 'cancelled: nothing was done');
		expect(r.stdin.listenerCount('readable')).toBeGreaterThan(0);
		expect(store.runs).toEqual([]);
	});
});
