import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {BIN, calyx, json, lastUsedRow, sandbox, scrollDialogToEnd, selected, SIZE, slowLink, useTerminal} from './tmux.js';

const terminal = useTerminal('console');
const {tmux, keys, text, open, waitScreen, confirmY, typeField, session: SESSION} = terminal;

describe('calyx console in a terminal', () => {
	it('opens with no command on the alternate screen, within rows − 1, and gives the screen back on q', async () => {
		const box = sandbox();
		open(box, []);
		const s = await waitScreen(x => x.includes('DEPLOYMENT') && x.includes('checkout'), 'the console');
		expect(s).not.toContain('BEFORE-THE-CONSOLE');
		expect(s).toMatch(/^calyx target simulated engine leader +you human:demo-operator \(human key\)/m);
		expect(lastUsedRow(s)).toBeLessThanOrEqual(SIZE.rows - 1);
		// This console leads the engine of live canaries: quitting asks first (see accidents.test.ts).
		keys('q');
		await waitScreen(x => x.includes('Quit the console?'), 'the quit question');
		await confirmY('quit');
		keys('Enter');
		const after = await waitScreen(x => x.includes('EXIT=0'), 'the console to quit');
		expect(after).toContain('BEFORE-THE-CONSOLE');
		expect(after).not.toContain('DEPLOYMENT');
	});

	it('halts the selected canary with the typed reason, as `calyx canary status --json` reads it back', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('h');
		await waitScreen(x => x.includes(`Halt ${id}`), 'the halt dialog');
		await typeField('reason:', 'e2e drill');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ halted ${id}`), 'the outcome');
		const status = json<{status: string; halt?: {reason: string; actor: string; trigger: string}}>(box, 'canary', 'status', id);
		expect(status.status).toBe('halted');
		expect(status.halt).toMatchObject({reason: 'e2e drill', actor: 'human:demo-operator', trigger: 'manual'});
	});

	/** The console open on the demo's lease that waits for its human key, selected in the leases pane. */
	async function onWaitingLease() {
		const box = sandbox();
		const pending = json<{leases: Array<{id: string; status: string}>}>(box, 'lease', 'list').leases.find(l => l.status === 'pending')!;
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		keys('2');
		await waitScreen(x => selected(x).includes(pending.id), 'the waiting lease');
		return {box, pending};
	}

	it('cosigns the waiting lease after y then Enter, and the two-key rule then holds', async () => {
		const {box, pending} = await onWaitingLease();
		keys('c');
		await waitScreen(x => x.includes(`Cosign ${pending.id}`) && x.includes('you sign as human:demo-operator'), 'the cosign dialog');
		await scrollDialogToEnd(terminal);
		await confirmY('sign');
		keys('Enter');
		await waitScreen(x => x.includes('✓ both keys signed: s starts the canary'), 'the outcome');
		expect(spawnSync(process.execPath, [BIN, '--data', box.data, 'lease', 'verify', pending.id], {env: box.env}).status).toBe(0);
	});

	it('shows a cosign made by another process, without a key press', async () => {
		const {box, pending} = await onWaitingLease();
		calyx(box, 'lease', 'sign', pending.id);
		// Signed by both keys, it stays in the pane, ready to start.
		await waitScreen(x => selected(x).includes(pending.id) && selected(x).includes('signed: s starts'), 'the lease to show both keys signed');
	});

	it('does not act on an Esc split from its "[A" (an arrow key over a slow link)', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const first = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		keys('j');
		const second = await waitScreen(x => selected(x) !== selected(first) && /^› DEP-/m.test(x), 'the second row');
		// The Esc must arrive on its own, as a split does: it closes the help, and once that shows,
		// the rest of the sequence follows as separate input.
		const splitArrow = async (...tail: string[]) => {
			keys('?');
			await waitScreen(x => x.includes('Esc or ? closes'), 'the help');
			keys('Escape');
			await waitScreen(x => x.includes('DEPLOYMENT'), 'the help to close');
			for (const t of tail) {
				text(t);
				await slowLink();
			}
		};
		await splitArrow('[A');
		await splitArrow('[', 'A');
		// A later key, seen on screen, proves the ones before it were handled.
		keys('?');
		await waitScreen(x => x.includes('Esc or ? closes'), 'the help');
		keys('?');
		const after = await waitScreen(x => x.includes('DEPLOYMENT'), 'the list again');
		const idOf = (x: string) => /DEP-\d{8}-\d+/.exec(selected(x))?.[0];
		expect(idOf(after)).toBe(idOf(second));
		expect(after).not.toMatch(/Halt|Roll back|Promote|Resume/);
	});

	it('reflows when the terminal grows to 120×40 then shrinks to 80×24: whole, within rows − 1, no line wider', async () => {
		const box = sandbox();
		open(box, ['ui']);
		await waitScreen(x => x.includes('FROM → TO'), 'the wide list');
		tmux('resize-window', '-t', SESSION, '-x', '120', '-y', '40');
		await waitScreen(x => x.split('\n')[0]!.startsWith('calyx target') && x.includes('FROM → TO'), 'the list at 120×40');
		tmux('resize-window', '-t', SESSION, '-x', '80', '-y', '24');
		const s = await waitScreen(x => x.includes('DEPLOYMENT') && !x.includes('FROM → TO'), 'the narrow list');
		const lines = s.split('\n');
		// The title and the counts on top, one tab bar, the column header: nothing left from the wide frame.
		expect(lines[0]).toMatch(/^calyx target simulated engine /);
		expect(lines[2]).toMatch(/1 Deployments/);
		expect(lines.filter(l => l.includes('1 Deployments'))).toHaveLength(1);
		expect(lines[3]).toMatch(/DEPLOYMENT/);
		expect(lastUsedRow(s)).toBeLessThanOrEqual(23);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		// The detail view opened after the resize is whole too.
		keys('Enter');
		const detail = await waitScreen(x => /› DEP-/.test(x.split('\n')[2] ?? ''), 'the detail');
		expect(detail.split('\n')[0]).toMatch(/^calyx target simulated engine /);
		for (const line of detail.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});

	it('shows the demo canaries moving through their tiers as the in-process engine promotes them', async () => {
		const box = sandbox('2s');
		open(box, ['ui']);
		const row = (x: string, service: string) => x.split('\n').find(l => l.includes(` ${service} `)) ?? '';
		await waitScreen(x => row(x, 'checkout').includes('[5]'), 'checkout at 5%');
		await waitScreen(x => row(x, 'checkout').includes('[25]'), 'checkout promoted to 25%', 30_000);
		await waitScreen(x => row(x, 'checkout').includes('completed'), 'checkout completed', 30_000);
		const end = await waitScreen(x => row(x, 'payments').includes('rolled back'), 'payments rolled back', 30_000);
		expect(row(end, 'payments')).toContain('CRIT');
	});

	it('rolls back by keyboard after the typed id and a reason, and the deployment ends rolled back', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('r');
		await waitScreen(x => x.includes(`type ${id} exactly to confirm`), 'the typed confirmation');
		await typeField('confirm:', id);
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason field');
		await typeField('reason:', 'e2e rollback');
		keys('Enter');
		await waitScreen(x => x.includes(id) && x.includes('rolled back'), 'the rollback outcome');
		const status = json<{status: string; rollback?: {trigger: string; reason: string; verified: boolean}}>(box, 'canary', 'status', id);
		expect(status.status).toBe('rolled_back');
		expect(status.rollback).toMatchObject({trigger: 'manual', reason: 'e2e rollback', verified: true});
	});

	it('refuses actions in read-only mode: no action keys in the footer, and h does nothing', async () => {
		const box = sandbox();
		open(box, ['ui', '--readonly']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		expect(s).toContain('engine watching (⊘ read-only)');
		expect(s).not.toMatch(/h halt|r rollback|p promote/);
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('h');
		await waitScreen(x => x.includes('read-only: halt is not available'), 'the refusal');
		expect(json<{status: string}>(box, 'canary', 'status', id).status).toBe('running');
	});
});
