import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {addKeys, sandbox} from './helpers.js';

type Doc = Record<string, any>;

describe('calyx config', () => {
	it('shows every setting, sets one (audited), and the engine holds the value to its rules', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const shown = await s.calyx(['config', 'show']);
		expect(shown.stdout).toMatch(/^risk\.plans\.high\.keysFrom\s+100$/m);
		expect(shown.stdout).toMatch(/^plan\.tiers\s+\[5,25,100\]$/m);
		const zone = await s.json<Doc>(['config', 'set', 'timeZone', 'Europe/Berlin']);
		expect(zone.doc).toEqual({ok: true, path: 'timeZone', value: 'Europe/Berlin'});
		expect((await s.json<Doc>(['config', 'set', 'risk.plans.high.minBakeMs', '30m', '--reason', 'CHG-4411'])).doc.value).toBe(1_800_000);
		expect((await s.json<Doc>(['config', 'show'])).doc).toMatchObject({timeZone: 'Europe/Berlin', risk: {plans: {high: {minBakeMs: 1_800_000}}}});
		const audit = (await s.json<Doc>(['audit', 'list'])).doc.events.filter((e: Doc) => e.kind === 'config.changed');
		expect(audit).toHaveLength(2);
		// The reason given is recorded, and in every case which settings changed.
		expect(audit.map((e: Doc) => [e.reason, e.data.changed])).toEqual([
			['configuration replaced', ['timeZone']],
			['CHG-4411', ['risk.plans.high.minBakeMs']],
		]);
		expect((await s.calyx(['config', 'unset', 'timeZone'])).code).toBe(0);
		expect((await s.json<Doc>(['config', 'show'])).doc.timeZone).toBeUndefined();
	});

	it('shows a setting whose name was edited by hand into hostile text on one line, escaped', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		state.config['EVIL\u0007\nFAKE: all good\r'] = 1;
		writeFileSync(path, JSON.stringify(state));
		const shown = await s.calyx(['config', 'show']);
		expect(shown.stdout).toMatch(/^EVIL\\x07\\nFAKE: all good\\r\s+1$/m);
		expect(shown.stdout).not.toMatch(/^FAKE/m);
		expect(shown.stdout).not.toMatch(/[\u0007\r]/);
	});

	it('refuses an unknown setting or a bad value, naming the field and what is allowed, and writes nothing', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const before = readFileSync(join(s.data, 'state.json'), 'utf8');
		const cases: Array<[string[], string]> = [
			[['config', 'set', 'timezone', 'UTC'], 'path: "timezone" is not a setting (allowed: '],
			[['config', 'set', 'timeZone', 'Mars/Olympus'], 'config.timeZone: must be an IANA time zone this system knows'],
			[['config', 'set', 'plan.tierKeys', '[5]'], 'config.plan.tierKeys: each must be one of the tiers after the first'],
			[['config', 'set', 'maxResourceLoad', 'lots'], 'config.maxResourceLoad'],
			[['config', 'unset', 'plan.tiers'], 'path: "plan.tiers" cannot be removed'],
		];
		for (const [args, message] of cases) {
			const run = await s.calyx(args);
			expect([run.code, run.stderr]).toEqual([2, expect.stringContaining(message)]);
		}
		expect(readFileSync(join(s.data, 'state.json'), 'utf8')).toBe(before);
	});

	it('lease issue refuses a plan weaker than the risk demands, naming each shortfall and its flag', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		await addKeys(s);
		// Demand a small first tier even at low risk: every change is then held to it.
		for (const level of ['low', 'medium', 'high']) expect((await s.calyx(['config', 'set', `risk.plans.${level}.maxFirstTier`, '2'])).code).toBe(0);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.0.0', '--to', '1.1.0', '--key', 'ci-bot'])).doc.id;
		expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
		const weak = await s.calyx(['lease', 'issue', intent, '--ack-risk', '--tier-keys', '100']);
		expect([weak.code, weak.stderr]).toEqual([1, expect.stringMatching(/demands a stronger plan: first tier 5% is more than 2% \(--tiers\)/)]);
		const risk = await s.calyx(['risk', intent]);
		expect(risk.stdout).toMatch(/risk demands at least: first tier ≤ 2%/);
		// The default maximum is the top of the scale: said as what it means, not "above 100 nothing deploys".
		expect(risk.stdout).toContain('no score is too high to deploy (config risk.maxScore)');
		expect((await s.calyx(['config', 'set', 'risk.maxScore', '90'])).code).toBe(0);
		expect((await s.calyx(['risk', intent])).stdout).toContain('above 90 nothing deploys');
		expect((await s.calyx(['lease', 'issue', intent, '--ack-risk', '--tier-keys', '100', '--tiers', '1,25,100'])).code).toBe(0);
	});
});

describe('the configuration against the audit trail', () => {
	it('audit verify finds the document\'s configuration as the trail last recorded it; a setting edited in state.json by hand is named, with both values, and nothing is leased on it until recorded', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		// Its first registration binds the store to the sandbox's trust.
		await addKeys(s);
		expect((await s.calyx(['config', 'set', 'maxResourceLoad', '80', '--reason', 'CHG-1'])).code).toBe(0);
		const events = (await s.json<Doc>(['audit', 'list'])).doc.events as Doc[];
		const changed = events.find(e => e.kind === 'config.changed')!;
		// The event carries a digest of each setting it left in force, the binding those it found.
		const bound = events.find(e => e.kind === 'store.trust_bound')!;
		expect(Object.keys(changed.data.settings)).toContain('maxResourceLoad');
		expect(changed.data.settings.maxResourceLoad).not.toBe(bound.data.settings.maxResourceLoad);
		expect(changed.data.settings['plan.tiers']).toBe(bound.data.settings['plan.tiers']);
		const clean = await s.calyx(['audit', 'verify']);
		expect(clean.code).toBe(0);
		expect(clean.stdout).toContain(`configuration matches the trail's record of it (audit seq ${changed.seq})`);

		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		state.config.maxResourceLoad = 99;
		state.config.timeZone = 'UTC';
		writeFileSync(path, JSON.stringify(state));
		const drift = await s.calyx(['audit', 'verify']);
		expect(drift.code).toBe(1);
		expect(drift.stdout).toContain('CONFIGURATION DIFFERS FROM THE AUDIT TRAIL:');
		expect(drift.stdout).toContain(`maxResourceLoad: the document holds 99, not the value the trail recorded (audit seq ${changed.seq}): changed with no config.changed (edited by hand?)`);
		expect(drift.stdout).toContain(`timeZone: the document holds "UTC", which the trail's record does not have (audit seq ${changed.seq})`);
		const json = await s.json<Doc>(['audit', 'verify']);
		expect(json.doc.config).toEqual({recorded: changed.seq, differences: [expect.objectContaining({setting: 'maxResourceLoad'}), expect.objectContaining({setting: 'timeZone'})]});

		// The running engine holds to the record too: no lease is issued on settings no event recorded.
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.0.0', '--to', '1.1.0', '--key', 'ci-bot'])).doc.id;
		expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
		const leased = await s.calyx(['lease', 'issue', intent, '--ack-risk']);
		expect(leased.code).toBe(1);
		expect(leased.stderr).toContain(`no lease for ${intent}: maxResourceLoad, timeZone differ from the audit trail's last record of the configuration (audit seq ${changed.seq})`);
		expect(leased.stderr).toContain('calyx config set');
		expect((await s.json<Doc>(['lease', 'list'])).doc.leases ?? []).toEqual([]);
		// An engine still leads (halts and rollbacks must go on), and says why nothing new starts.
		const engine = await s.calyx(['engine', '--once']);
		expect(engine.code).toBe(0);
		expect(engine.stderr).toContain('calyx: warning: this engine leads (halts and rollbacks go on): maxResourceLoad, timeZone differ from the audit trail');

		// A change of another setting does not record the hand edits as if calyx had made them: they still differ, and it says so.
		const other = await s.calyx(['config', 'set', 'sampleWindow', '61', '--reason', 'routine', '--json']);
		expect(other.code).toBe(0);
		expect(JSON.parse(other.stdout)).toMatchObject({ok: true, path: 'sampleWindow', drifted: ['maxResourceLoad', 'timeZone']});
		expect(other.stderr).toContain('calyx: warning: maxResourceLoad, timeZone differ from the audit trail\'s last record of the configuration');
		expect((await s.calyx(['lease', 'issue', intent, '--ack-risk'])).code).toBe(1);
		expect((await s.calyx(['audit', 'verify'])).stdout).toContain('CONFIGURATION DIFFERS FROM THE AUDIT TRAIL:');

		// Set through calyx, each is recorded: no difference left.
		const set = await s.calyx(['config', 'set', 'maxResourceLoad', '99', '--reason', 'CHG-2', '--json']);
		expect(JSON.parse(set.stdout)).toMatchObject({ok: true, adopted: ['maxResourceLoad'], drifted: ['timeZone']});
		const unset = await s.calyx(['config', 'unset', 'timeZone', '--reason', 'CHG-3']);
		expect([unset.code, unset.stderr]).toEqual([0, '']);
		const adopted = ((await s.json<Doc>(['audit', 'list'])).doc.events as Doc[]).filter(e => e.kind === 'config.changed').at(-2)!;
		expect(adopted.data).toMatchObject({changed: ['maxResourceLoad'], adopted: ['maxResourceLoad']});
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
		expect((await s.calyx(['lease', 'issue', intent, '--ack-risk'])).code).toBe(0);
	});
});
