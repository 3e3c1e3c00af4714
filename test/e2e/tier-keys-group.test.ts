import {describe, expect, it} from 'vitest';
import {cliOf, type Doc} from './cli-rig.js';
import {sandbox, scrollDialogToEnd, selected, useTerminal, type Sandbox} from './tmux.js';

const terminal = useTerminal('tier-keys-group');
const {keys, open, waitScreen, confirmY, typeField, filterTo, quitConsole} = terminal;

/** A deadline-bound poll of a command's answer (the engine the console leads moves the canary). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const got = await probe();
		if (got !== undefined) return got;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(r => setTimeout(r, 200));
	}
}

/** An approved intent on `service` and a lease both demo keys signed, issued with `plan`; the canary started. */
async function started(box: Sandbox, service: string, plan: string[]): Promise<string> {
	const cli = cliOf(box);
	const intent = (await cli.json(['intent', 'create', '--service', service, '--from', '1.0.0', '--to', '1.1.0', '--lines', '20', '--files', '1', '--criticality', 'low'], 'demo-agent')).id as string;
	const approved = await cli.calyx(['intent', 'approve', intent, '--reason', 'e2e']);
	if (approved.code !== 0) throw new Error(`intent approve: ${approved.stderr}`);
	const issued = await cli.json(['lease', 'issue', intent, ...plan]);
	if (!issued.id) throw new Error(`lease issue: ${JSON.stringify(issued)}`);
	for (const key of ['demo-operator', 'demo-agent']) {
		const signed = await cli.calyx(['lease', 'sign', issued.id], key);
		if (signed.code !== 0) throw new Error(`lease sign (${key}): ${signed.stderr}`);
	}
	const start = await cli.json(['canary', 'start', issued.id]);
	if (!start.id) throw new Error(`canary start: ${JSON.stringify(start)}`);
	return start.id as string;
}

describe('per-tier keys and group actions from the console', () => {
	it('cosigns a keyed tier with the human key in the console and the agent key from the CLI; the canary completes, and H shows it in its service history', async () => {
		const box = sandbox();
		const cli = cliOf(box);
		const dep = await started(box, 'keyed-e2e', ['--bake', '0s', '--min-samples', '1', '--tier-keys', '100']);
		// The console leads the engine: it samples the simulated target and promotes 5% → 25%, then waits for keys.
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		const waiting = await until(async () => {
			const s = await cli.status(dep);
			return s.status === 'awaiting_cosign' ? s : undefined;
		}, 'awaiting_cosign');
		expect(waiting).toMatchObject({percent: 25, tierCosign: {from: 25, to: 100, cosignatures: []}});
		const req = waiting.tierCosign as Doc;

		// The human key from the console, over the request it shows (drawn from the state it read: the row says awaiting cosign).
		await filterTo('keyed-e2e');
		await waitScreen(x => selected(x).includes(dep) && selected(x).includes('awaiting cosign'), 'the keyed canary, selected');
		keys('c');
		const first = await waitScreen(x => x.includes(`Cosign the promotion of ${dep}`), 'the tier cosign dialog');
		const seen = [first, ...(await scrollDialogToEnd(terminal))].join('\n');
		expect(seen).toMatch(/step +25% → 100%/);
		expect(seen).toContain(req.id);
		expect(seen).toContain(`sha256 ${req.evidence.samplesDigest.slice(0, 16)}`);
		expect(seen).toMatch(/signed +nobody yet/);
		expect(seen).toMatch(/missing +human and agent/);
		await confirmY('sign');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ signed: agent key next: CALYX_KEY=demo-agent calyx canary cosign ${dep}`), 'the signature and what comes next');
		expect((await cli.status(dep)).status).toBe('awaiting_cosign');

		// The agent key from the CLI, over the same request: the two keys approve 25% → 100%.
		const agent = await cli.calyx(['canary', 'cosign', dep, '--request', req.id], 'demo-agent');
		expect([agent.code, agent.stdout]).toEqual([0, expect.stringContaining('both keys signed: promoted to 100%')]);
		const done = await until(async () => {
			const s = await cli.status(dep);
			return s.status === 'completed' ? s : undefined;
		}, 'the canary to complete');
		expect(done.percent).toBe(100);
		const events = (await cli.json(['audit', 'list', '--deployment', dep])).events as Doc[];
		const cosigned = events.filter(e => e.kind === 'tier.cosigned').map(e => e.data.keyId);
		expect(cosigned.sort()).toEqual(['demo-agent', 'demo-operator']);
		// Ended, it is listed from the archive; H shows its service's history, read from there too.
		await waitScreen(x => selected(x).includes(dep) && selected(x).includes('completed'), 'the completed canary, selected');
		keys('H');
		const history = await waitScreen(x => x.includes('History of keyed-e2e') && x.includes(dep), 'the service history');
		const lines = history.split('\n');
		const at = lines.findIndex(l => l.includes(dep));
		expect(lines[at]).toMatch(/completed +reached 100% of 5\/25\/100/);
		expect(lines[at + 1]).toMatch(/signed human:demo-operator, agent:demo-agent/);
		keys('Escape');
		await waitScreen(x => !x.includes('History of') && x.includes('DEPLOYMENT'), 'back to the list');
		await quitConsole();
	});

	it('halts three marked live canaries as one group: three deployment.halted events with the same data.group', async () => {
		const box = sandbox();
		const cli = cliOf(box);
		const ids: string[] = [];
		for (const s of ['grp-e2e-a', 'grp-e2e-b', 'grp-e2e-c']) ids.push(await started(box, s, ['--bake', '1h']));
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		await filterTo('grp-e2e');
		await waitScreen(x => ids.every(id => x.includes(id)), 'the three canaries');
		// Each row marked on its own: a mark typed in one read with a move is refused (a paste?).
		for (let i = 0; i < ids.length; i++) {
			if (i > 0) {
				const before = selected(terminal.screen());
				keys('j');
				await waitScreen(x => selected(x) !== before, 'the next row');
			}
			// The row by its id: the rest of it (a countdown) may change while the mark is drawn.
			const id = selected(terminal.screen()).slice(2).split(/\s+/)[0];
			keys('Space');
			await waitScreen(x => selected(x).startsWith('›*') && selected(x).slice(2).split(/\s+/)[0] === id, 'the row marked');
		}
		keys('h');
		const dialog = await waitScreen(x => x.includes('Halt 3 marked deployments'), 'the group dialog');
		for (const id of ids) expect(dialog).toContain(id);
		await typeField('confirm:', '3');
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason step');
		await typeField('reason:', 'incident 4411');
		keys('Enter');
		const outcome = await waitScreen(x => /✓ halted 3 of 3 \(GRP-[0-9a-f]+\)/.test(x), 'the group outcome');
		const group = /GRP-[0-9a-f]+/.exec(outcome)![0];
		const events = (await cli.json(['audit', 'list'])).events as Doc[];
		const halted = events.filter(e => e.kind === 'deployment.halted' && e.data?.group === group);
		expect(halted.map(e => e.subject).sort()).toEqual([...ids].sort());
		expect(events.filter(e => e.kind === 'group.halt' && e.subject === group)).toHaveLength(1);
		for (const id of ids) expect((await cli.status(id)).status).toBe('halted');
		await quitConsole();
	});

	it("the lease cosign dialog says what the risk demands and what the plan would have done to the service's last deployments", async () => {
		const box = sandbox();
		const cli = cliOf(box);
		const pending = ((await cli.json(['lease', 'list'])).leases as Doc[]).find(l => l.status === 'pending')!;
		const shown = await cli.json(['lease', 'show', pending.id]);
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		keys('2');
		await waitScreen(x => selected(x).includes(pending.id), 'the waiting lease');
		keys('c');
		await waitScreen(x => x.includes(`Cosign ${pending.id}`), 'the cosign dialog');
		// The replay runs once, after the dialog has drawn; the line then says what lease show says.
		await waitScreen(x => !x.includes('replaying the last deployments'), 'the replay');
		const seen = [terminal.screen(), ...(await scrollDialogToEnd(terminal))].join('\n').replace(/\s+/g, ' ');
		expect(seen).toContain(`demands `);
		expect(seen).toContain(String(shown.replayed.line).slice(0, 40));
		keys('Escape');
		await waitScreen(x => x.includes('cancelled: nothing was done'), 'the dialog cancelled');
		await quitConsole();
	});
});
