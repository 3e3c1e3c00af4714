import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;

/** A sandbox with its configuration as `config show --json` prints it, and a place to write files. */
async function configured() {
	const s = sandbox();
	expect((await s.calyx(['init'])).code).toBe(0);
	const config = (await s.json<Doc>(['config', 'show'])).doc;
	const file = (name: string, content: unknown) => {
		const path = join(s.root, name);
		writeFileSync(path, typeof content === 'string' ? content : name.endsWith('.json') ? JSON.stringify(content) : stringify(content));
		return path;
	};
	const changesOf = async () => (await s.json<Doc>(['audit', 'list'])).doc.events.filter((e: Doc) => e.kind === 'config.changed');
	return {s, config, file, changesOf};
}

describe('calyx config apply', () => {
	it('shows what a file changes, writes it only with a reason, and audits the reason and the settings changed', async () => {
		const {s, config, file, changesOf} = await configured();
		const next = structuredClone(config);
		next.plan.bakeMs = 600_000;
		next.risk.ackRequiredAt = 'medium';
		next.timeZone = 'Europe/Berlin';
		const yaml = file('config.yaml', next);
		const before = snapshot(s.data);

		const dry = await s.calyx(['config', 'apply', '-f', yaml, '--dry-run']);
		expect(dry.code).toBe(0);
		expect(dry.stdout).toBe(
			'would change 3 settings (dry run: nothing written)\n  plan.bakeMs: 900000 → 600000\n  risk.ackRequiredAt: "high" → "medium"\n  timeZone: (unset) → "Europe/Berlin"\n',
		);
		const noReason = await s.calyx(['config', 'apply', '-f', yaml]);
		expect([noReason.code, noReason.stdout]).toEqual([2, '']);
		expect(noReason.stderr).toMatch(/--reason: required/);
		expect(snapshot(s.data)).toEqual(before);

		const applied = await s.json<Doc>(['config', 'apply', '-f', yaml, '--reason', 'CHG-4411: longer bakes']);
		expect(applied.doc).toEqual({
			ok: true,
			dryRun: false,
			applied: true,
			changes: [
				{path: 'plan.bakeMs', from: 900_000, to: 600_000},
				{path: 'risk.ackRequiredAt', from: 'high', to: 'medium'},
				{path: 'timeZone', to: 'Europe/Berlin'},
			],
		});
		expect((await s.json<Doc>(['config', 'show'])).doc).toEqual(next);
		expect(await changesOf()).toMatchObject([{reason: 'CHG-4411: longer bakes', data: {changed: ['plan.bakeMs', 'risk.ackRequiredAt', 'timeZone']}}]);

		// The same file again changes nothing, and records nothing; the old one (JSON) removes the time zone.
		expect((await s.calyx(['config', 'apply', '-f', yaml, '--reason', 'again'])).stdout).toBe('no setting changes: nothing written\n');
		expect(await changesOf()).toHaveLength(1);
		const back = await s.calyx(['config', 'apply', '-f', file('config.json', config), '--reason', 'back']);
		expect(back.stdout).toMatch(/^changed 3 settings \(audited as config.changed\)\n[\s\S]*timeZone: "Europe\/Berlin" → \(unset\)\n$/);
		expect((await s.json<Doc>(['config', 'show'])).doc).toEqual(config);
	});

	it('records settings edited by hand as they stand only with --record-drift, and names them in the event', async () => {
		const {s, file, changesOf} = await configured();
		expect((await s.calyx(['config', 'set', 'sampleWindow', '61', '--reason', 'CHG-1'])).code).toBe(0);
		const same = file('same.json', (await s.json<Doc>(['config', 'show'])).doc);
		// With nothing edited by hand, --record-drift on a file that changes nothing writes nothing.
		const idle = await s.calyx(['config', 'apply', '-f', same, '--reason', 'CHG-2', '--record-drift']);
		expect([idle.code, idle.stdout.trim()]).toEqual([0, 'no setting changes: nothing written']);
		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		state.config.maxResourceLoad = 99;
		writeFileSync(path, JSON.stringify(state));
		const edited = file('edited.json', (await s.json<Doc>(['config', 'show'])).doc);
		// The same file without the flag: nothing changes, nothing is recorded, and the drift stays.
		expect((await s.calyx(['config', 'apply', '-f', edited, '--reason', 'CHG-3'])).stdout.trim()).toBe('no setting changes: nothing written');
		expect((await s.calyx(['audit', 'verify'])).code).toBe(1);
		// A dry run says what it would record, and what would still differ without the flag.
		const dry = await s.calyx(['config', 'apply', '-f', edited, '--dry-run', '--record-drift']);
		expect([dry.code, dry.stdout]).toEqual([0, 'would record as it stands (edited by hand): maxResourceLoad (dry run: nothing written)\n']);
		const other = file('other.json', {...(await s.json<Doc>(['config', 'show'])).doc, sampleWindow: 62});
		const without = await s.calyx(['config', 'apply', '-f', other, '--dry-run']);
		expect(without.stdout).toMatch(/^would change 1 setting \(dry run: nothing written\)\n  sampleWindow: 61 → 62\n$/);
		expect(without.stderr).toContain('calyx: warning: maxResourceLoad differs from the audit trail');
		const recorded = await s.calyx(['config', 'apply', '-f', edited, '--reason', 'CHG-4: 99 is right', '--record-drift']);
		expect([recorded.code, recorded.stdout, recorded.stderr]).toEqual([0, 'recorded as it stands (edited by hand): maxResourceLoad\n', '']);
		expect((await changesOf()).at(-1)).toMatchObject({reason: 'CHG-4: 99 is right', data: {changed: ['maxResourceLoad'], adopted: ['maxResourceLoad']}});
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
	});

	it('refuses a file with unknown fields or bad values, naming each field and what is allowed, and writes nothing', async () => {
		const {s, config, file} = await configured();
		const bad = structuredClone(config);
		bad.leaseTTLMs = 5;
		bad.plan.thresholds.cpu.warnin = 3;
		bad.plan.tiers = [5, 25];
		bad.risk.ackRequiredAt = 'sometimes';
		delete bad.sampleWindow;
		const before = snapshot(s.data);
		const run = await s.calyx(['config', 'apply', '-f', file('bad.yaml', bad), '--reason', 'typos']);
		expect([run.code, run.stdout]).toEqual([2, '']);
		for (const problem of [
			'config.leaseTTLMs: unknown field (allowed: plan, leaseTtlMs, approvalDeadlineMs',
			'config.plan.thresholds.cpu.warnin: unknown field (allowed: warning, critical)',
			'config.plan.tiers: the last tier must be 100',
			'config.risk.ackRequiredAt: Invalid option: expected one of "low"|"medium"|"high"',
			'config.sampleWindow: is required (number)',
		]) {
			expect(run.stderr).toContain(problem);
		}
		expect(run.stderr).toContain('not a valid configuration (5 problems); nothing was written');
		const json = await s.json<Doc>(['config', 'apply', '-f', file('bad.json', bad), '--dry-run']);
		expect(json.code).toBe(2);
		expect(json.doc).toMatchObject({ok: false, error: {code: 'INVALID_CONFIG'}});
		expect(json.doc.error.reasons).toHaveLength(5);
		for (const [name, content] of [['broken.yaml', 'plan: [unclosed'], ['broken.json', '{"plan":']] as const) {
			const broken = await s.calyx(['config', 'apply', '-f', file(name, content), '--reason', 'x']);
			expect([broken.code, broken.stdout]).toEqual([2, '']);
			expect(broken.stderr).toMatch(/not valid (YAML|JSON)/);
		}
		const missing = await s.calyx(['config', 'apply', '-f', join(s.root, 'nope.yaml'), '--reason', 'x']);
		expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
		expect(snapshot(s.data)).toEqual(before);
	});
});
