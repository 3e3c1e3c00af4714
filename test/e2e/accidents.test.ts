import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {calyx, json, sandbox, selected, useTerminal, type Sandbox} from './tmux.js';

const {tmux, screen, keys, text, rawMode, open, waitScreen, confirmY, typeField, session} = useTerminal('accidents');

const idOf = (screen: string) => /DEP-\d{8}-\d+/.exec(selected(screen))![0];

/**
 * The deployment as the other commands read it: still live, never halted nor rolled back. (Its
 * gate may move it between running and holding meanwhile: the in-process engine keeps driving it.)
 */
function expectUntouched(box: Sandbox, id: string) {
	const s = json<{status: string; halt?: unknown; rollback?: unknown}>(box, 'canary', 'status', id);
	expect(['running', 'holding', 'awaiting_promotion']).toContain(s.status);
	expect(s.halt).toBeUndefined();
	expect(s.rollback).toBeUndefined();
}
// Words of the screen as one line: a dialog's sentences wrap inside its frame.
const prose = (screen: string) => screen.replace(/[│]/g, ' ').replace(/\s+/g, ' ');

/** A bracketed paste, as a terminal sends one when the application asked for it (-p). */
function paste(content: string) {
	tmux('set-buffer', '-b', 'x', content);
	tmux('paste-buffer', '-p', '-b', 'x', '-t', session);
}

/**
 * The console on the demo, the first deployment selected: its id. The terminal is raw from the
 * first frame, so what is typed from then on reaches the key handling as typed, never echoed.
 */
async function onList(box: Sandbox): Promise<string> {
	open(box, ['ui']);
	const id = idOf(await waitScreen(x => /^› DEP-/m.test(x), 'the list'));
	expect(rawMode()).toBe(true);
	return id;
}

/** A later key, seen on screen, proves the keys before it were handled: the help opened and closed. */
async function handled() {
	keys('?');
	await waitScreen(x => x.includes('Esc or ? closes'), 'the help');
	keys('?');
	return waitScreen(x => x.includes('DEPLOYMENT') && !x.includes('Esc or ? closes'), 'the list again');
}

describe('keys that must not act by accident', () => {
	it('cancels the rollback dialog on Esc then Enter sent together, with the id and a reason typed', async () => {
		const box = sandbox();
		const id = await onList(box);
		keys('r');
		await waitScreen(x => x.includes(`type ${id} exactly to confirm`), 'the rollback dialog');
		await typeField('confirm:', id);
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason field');
		await typeField('reason:', 'bad deploy');
		keys('Escape', 'Enter');
		await waitScreen(x => x.includes('cancelled: nothing was done'), 'the cancellation');
		await handled();
		expectUntouched(box, id);
	});

	it('cancels the resume dialog on Esc then Enter sent together', async () => {
		const box = sandbox();
		const first = json<{deployments: Array<{id: string; status: string}>}>(box, 'canary', 'list').deployments.find(d => d.status === 'running')!;
		calyx(box, 'canary', 'halt', first.id, '--reason', 'e2e setup');
		open(box, ['ui']);
		await waitScreen(x => x.includes(first.id) && /^› DEP-/m.test(x), 'the list');
		for (let i = 0; i < 10 && !selected(screen()).includes(first.id); i++) {
			const before = selected(screen());
			keys('j');
			await waitScreen(x => selected(x) !== before, 'the cursor to move');
		}
		keys('u');
		await waitScreen(x => x.includes(`Resume ${first.id}`), 'the resume dialog');
		await typeField('reason:', 'looks fine');
		keys('Escape', 'Enter');
		await waitScreen(x => x.includes('cancelled: nothing was done'), 'the cancellation');
		await handled();
		expect(json<{status: string; halt?: {reason: string}}>(box, 'canary', 'status', first.id)).toMatchObject({status: 'halted', halt: {reason: 'e2e setup'}});
	});

	it('ignores a bracketed paste with a newline on the list, saying so', async () => {
		const box = sandbox();
		const id = await onList(box);
		paste('hello world\n');
		const s = await waitScreen(x => x.includes('paste ignored:'), 'the paste message');
		expect(idOf(s)).toBe(id);
		expect(s).not.toMatch(/Halt|Roll back|Resume|Promote/);
		await handled();
		expectUntouched(box, id);
	});

	it('puts a bracketed paste with a newline into the reason field as text, without submitting', async () => {
		const box = sandbox();
		const id = await onList(box);
		keys('h');
		await waitScreen(x => x.includes(`Halt ${id}`), 'the halt dialog');
		await typeField('reason:', 'ops:');
		paste(' disk\nfull\n');
		await waitScreen(x => x.includes('reason: ops: disk full'), 'the pasted text in the field');
		keys('!');
		await waitScreen(x => x.includes('reason: ops: disk full !'), 'a key typed after the paste');
		expectUntouched(box, id);
	});

	it('does nothing with "checkout⏎" arriving in one read on the list (no bracketed paste), and says why', async () => {
		const box = sandbox();
		const id = await onList(box);
		text('checkout\r');
		const s = await waitScreen(x => x.includes('ignored: it came in one read with other keys'), 'the refusal');
		expect(idOf(s)).toBe(id);
		expect(s).not.toMatch(/Halt|Roll back|Resume|Promote/);
		await handled();
		expectUntouched(box, id);
	});

	it('cancels a dialog on Ctrl-C and keeps running', async () => {
		const box = sandbox();
		const id = await onList(box);
		keys('h');
		await waitScreen(x => x.includes(`Halt ${id}`), 'the halt dialog');
		await typeField('reason:', 'half a reason');
		keys('C-c');
		await waitScreen(x => x.includes('cancelled: nothing was done'), 'the cancellation');
		await handled();
		expectUntouched(box, id);
	});

	it('asks before q quits the leading console with live canaries, stays on Esc, and quits on y Enter with exit 0', async () => {
		const box = sandbox();
		await onList(box);
		// Until the console's first count of waiting engines answers (a poll at start), the question
		// rightly says it is not known: asked again until it is known, within a deadline.
		let asked = '';
		for (const deadline = Date.now() + 15_000; ; ) {
			keys('q');
			asked = await waitScreen(x => x.includes('Quit the console?'), 'the quit question');
			if (!prose(asked).includes('is not known') || Date.now() > deadline) break;
			keys('Escape');
			await waitScreen(x => x.includes('still running: the console did not quit'), 'the console to stay');
		}
		expect(prose(asked)).toMatch(/no other engine is waiting: nothing samples, gates, promotes or halts the \d+ live canaries/);
		keys('Escape');
		await waitScreen(x => x.includes('still running: the console did not quit'), 'the console to stay');
		await handled();
		keys('q');
		await waitScreen(x => x.includes('Quit the console?'), 'the quit question again');
		await confirmY('quit');
		keys('Enter');
		await waitScreen(x => x.includes('EXIT=0'), 'the console to quit');
	});

	it('exits 130 when SIGINT ends it', async () => {
		const box = sandbox();
		await onList(box);
		const shell = tmux('list-panes', '-t', session, '-F', '#{pane_pid}').trim();
		// The pane runs sh, whose child is the console (node).
		const child = Number(execFileSync('pgrep', ['-P', shell], {encoding: 'utf8'}).trim().split('\n')[0]);
		expect(child).toBeGreaterThan(1);
		process.kill(child, 'SIGINT');
		await waitScreen(x => x.includes('EXIT=130'), 'the exit code');
	});
});
