import {describe, expect, it} from 'vitest';
import {configDifferences, configDrift, lastConfigRecord, settingDigests, settingsToRecord} from '../../src/core/config-record.js';
import {DEFAULT_CONFIG, execute, noTrust} from '../../src/core/index.js';
import {emptyLedger, holdsConfigRecord, ledgerFrom, ledgerLine, ledgerStep, trustOver} from '../../src/core/ledger.js';
import {trustId} from '../../src/core/trust-binding.js';
import {catchEngineError, Fixture} from './helpers.js';

const withoutSampleWindow = () => {
	const {sampleWindow: _, ...rest} = structuredClone(DEFAULT_CONFIG);
	return rest;
};

describe('the configuration the trail recorded', () => {
	it('is the last config.changed that carries digests, or the binding\'s; a later binding event is not the store\'s', () => {
		const bound = {seq: 1, kind: 'store.trust_bound', data: {settings: {a: '1'}}};
		const older = {seq: 2, kind: 'config.changed', data: {changed: ['a']}};
		expect(lastConfigRecord([bound, older])).toEqual({seq: 1, settings: {a: '1'}});
		const changed = {seq: 3, kind: 'config.changed', data: {changed: ['a'], settings: {a: '2'}}};
		const forged = {seq: 4, kind: 'store.trust_bound', data: {settings: {a: '3'}}};
		expect(lastConfigRecord([bound, older, changed, forged])).toEqual({seq: 3, settings: {a: '2'}});
		expect(lastConfigRecord([older])).toBeUndefined();
	});

	it('records digests, not values: a setting may name a sink\'s address', () => {
		const settings = settingDigests({...DEFAULT_CONFIG, timeZone: 'Europe/Berlin'});
		expect(JSON.stringify(settings)).not.toContain('Berlin');
		expect(Object.keys(settings)).toContain('timeZone');
	});

	it('differs where a setting was changed with no event; a setting a newer schema added at its default is no difference', () => {
		expect(configDifferences({seq: 7, settings: settingDigests(DEFAULT_CONFIG)}, DEFAULT_CONFIG)).toEqual([]);
		expect(configDifferences({seq: 7, settings: settingDigests(withoutSampleWindow())}, DEFAULT_CONFIG)).toEqual([]);
		const edited = {...structuredClone(DEFAULT_CONFIG), sampleWindow: DEFAULT_CONFIG.sampleWindow + 1};
		const since = '(audit seq 7): changed with no config.changed (edited by hand?)';
		expect(configDifferences({seq: 7, settings: settingDigests(DEFAULT_CONFIG)}, edited)).toEqual([
			{setting: 'sampleWindow', problem: `the document holds ${DEFAULT_CONFIG.sampleWindow + 1}, not the value the trail recorded ${since}`},
		]);
		expect(configDifferences({seq: 7, settings: settingDigests(withoutSampleWindow())}, edited)).toEqual([
			{setting: 'sampleWindow', problem: `the document holds ${DEFAULT_CONFIG.sampleWindow + 1}, which the trail's record does not have ${since}`},
		]);
		expect(configDifferences({seq: 7, settings: settingDigests({...DEFAULT_CONFIG, timeZone: 'UTC'})}, DEFAULT_CONFIG)).toEqual([
			{setting: 'timeZone', problem: `the trail recorded a value, the document holds none ${since}`},
		]);
	});

	it('escapes what the trail recorded: an event appended by hand is anyone\'s text', () => {
		const [d] = configDifferences({seq: 2, settings: {...settingDigests(DEFAULT_CONFIG), 'evil\u001b[2J\u009b': 'x'}}, DEFAULT_CONFIG);
		expect(d!.setting).not.toMatch(/[\u001b\u009b]/);
		expect(d!.setting).toContain('evil');
	});
});

describe('a configuration that differs from the trail, at run time', () => {
	const hash = (n: number) => n.toString(16).padStart(64, '0');
	const digest = (c: string) => c.repeat(16);
	const event = (seq: number, kind: string, data: Record<string, unknown>) => ({seq, kind, subject: 'state', hash: hash(seq), data});

	it('is folded from the trail as it is verified: the last config.changed with digests, or the first binding\'s', () => {
		let ledger = emptyLedger();
		ledger = ledgerStep(ledger, event(1, 'store.trust_bound', {trust: 'a'.repeat(64), settings: {a: digest('1')}}));
		expect(ledger.config).toEqual({seq: 1, settings: {a: digest('1')}});
		// An older calyx's event named the settings only: the record stands.
		ledger = ledgerStep(ledger, event(2, 'config.changed', {changed: ['a']}));
		expect(ledger.config?.seq).toBe(1);
		ledger = ledgerStep(ledger, event(3, 'config.changed', {changed: ['a'], settings: {a: digest('2')}}));
		expect(ledger.config).toEqual({seq: 3, settings: {a: digest('2')}});
		// A binding event after the store's binding is not the store's: it records nothing.
		ledger = ledgerStep(ledger, event(4, 'store.trust_bound', {trust: 'b'.repeat(64), settings: {a: digest('3')}}));
		expect(ledger.config?.seq).toBe(3);
		expect(ledgerLine('{"seq":3,"kind":"config.changed"}')).toBe(true);
		// Kept in the witness log and read back whole; one kept before ledgers held it is folded again.
		expect(ledgerFrom(JSON.parse(JSON.stringify(ledger)))).toEqual(ledger);
		expect(holdsConfigRecord(JSON.parse(JSON.stringify(ledger)))).toBe(true);
		expect(holdsConfigRecord({keys: {}, services: {}})).toBe(false);
		expect(ledgerFrom({keys: {}, services: {}, config: {seq: 1, settings: {a: 'not a digest'}}})).toBeUndefined();
	});

	it('marks the trust a write decides with, the same object for as long as the drift is the same', () => {
		const trust = noTrust('test');
		const config = DEFAULT_CONFIG;
		const ledger = {...emptyLedger(), binding: {trust: trustId(trust), at: hash(1)}, config: {seq: 5, settings: settingDigests(config)}};
		expect(trustOver(trust, {keys: [], config}, ledger)).toBe(trust);
		const edited = Object.freeze({...config, maxResourceLoad: 99});
		const drifted = trustOver(trust, {keys: [], config: edited}, ledger);
		expect(drifted.configDrift).toEqual({recorded: 5, settings: ledger.config.settings, differences: [expect.objectContaining({setting: 'maxResourceLoad'})]});
		expect(trustOver(trust, {keys: [], config: edited}, ledger)).toBe(drifted);
		// No record yet (a store bound by an older version): nothing to hold it to.
		expect(trustOver(trust, {keys: [], config: edited}, {...ledger, config: null}).configDrift).toBeUndefined();
	});

	it('refuses a lease and a start on settings no event recorded, and never a halt', () => {
		const f = new Fixture();
		const running = f.canary();
		const leaseId = f.signedLease({intent: {service: 'payments'}});
		const intentId = f.intent({service: 'search'});
		const edited = {...f.state, config: {...f.state.config, maxResourceLoad: 99}};
		const drift = configDrift({seq: 5, settings: settingDigests(f.state.config)}, edited.config)!;
		const env = {...f.env, trust: {...f.trust, configDrift: drift}};
		const lease = catchEngineError(() => execute(edited, {type: 'lease.issue', actor: 'human:alice', intentId}, env));
		expect(lease).toMatchObject({code: 'CONFIG_DRIFT', reasons: [{code: 'CONFIG_DRIFT', message: expect.stringContaining('maxResourceLoad: the document holds 99')}]});
		expect(lease.message).toContain(`no lease for ${intentId}: maxResourceLoad differs from the audit trail's last record of the configuration (audit seq 5); nothing is leased or started`);
		const start = catchEngineError(() => execute(edited, f.startCmd(leaseId), env));
		expect(start.code).toBe('PRECHECK_FAILED');
		expect(start.reasons).toEqual([{code: 'CONFIGURATION_RECORDED', message: 'maxResourceLoad differs from the audit trail\'s last record of the configuration (audit seq 5): calyx config set records it'}]);
		expect(start.audit?.kind).toBe('canary.start_refused');
		// The safe way is never barred: a halt goes through.
		const halted = execute(edited, {type: 'canary.halt', actor: 'human:alice', id: running, reason: 'drill'}, env);
		expect(halted.state.deployments.find(d => d.id === running)?.status).toBe('halted');
	});
});

describe('what a configuration change records over settings edited by hand', () => {
	const record = {seq: 5, settings: settingDigests(DEFAULT_CONFIG)};
	const edited = {...DEFAULT_CONFIG, maxResourceLoad: 99, timeZone: 'UTC'};
	const drift = configDrift(record, edited)!;

	it('keeps the trail\'s record of a setting it does not set: the hand edit is not laundered by another change', () => {
		const after = {...edited, sampleWindow: 61};
		const {settings, adopted} = settingsToRecord(drift, edited, after);
		expect(adopted).toEqual([]);
		expect(settings.sampleWindow).toBe(settingDigests(after).sampleWindow);
		expect(settings.maxResourceLoad).toBe(record.settings.maxResourceLoad);
		expect(settings).not.toHaveProperty('timeZone');
		// Recorded so, the document still differs in exactly the settings edited by hand.
		expect(configDifferences({seq: 6, settings}, after).map(d => d.setting)).toEqual(['maxResourceLoad', 'timeZone']);
	});

	it('records a setting it sets, one it adopts by name, every one with "drifted", and one set back to the record', () => {
		const set = settingsToRecord(drift, edited, {...edited, maxResourceLoad: 80});
		expect(set.adopted).toEqual([]);
		expect(configDifferences({seq: 6, settings: set.settings}, {...edited, maxResourceLoad: 80}).map(d => d.setting)).toEqual(['timeZone']);
		const named = settingsToRecord(drift, edited, edited, ['maxResourceLoad']);
		expect(named.adopted).toEqual(['maxResourceLoad']);
		expect(configDifferences({seq: 6, settings: named.settings}, edited).map(d => d.setting)).toEqual(['timeZone']);
		// A setting named whole adopts the fields under it (a sink given whole, its url edited by hand).
		const sink = {kind: 'webhook' as const, url: 'https://hooks.example/good', events: ['deadline_near' as const], minSeverity: 'warning' as const};
		const withSink = {...DEFAULT_CONFIG, notify: {sinks: {ops: sink}, deadlineNearMs: 600_000}};
		const evil = {...withSink, notify: {...withSink.notify, sinks: {ops: {...sink, url: 'https://evil.example/x'}}}};
		const sinkDrift = configDrift({seq: 5, settings: settingDigests(withSink)}, evil)!;
		expect(settingsToRecord(sinkDrift, evil, evil, ['notify.sinks.ops']).adopted).toEqual(['notify.sinks.ops.url']);
		expect(settingsToRecord(sinkDrift, evil, evil, ['notify.sinks.o']).adopted).toEqual([]);
		const all = settingsToRecord(drift, edited, edited, 'drifted');
		expect(all.adopted).toEqual(['maxResourceLoad', 'timeZone']);
		expect(configDifferences({seq: 6, settings: all.settings}, edited)).toEqual([]);
		const {timeZone: _, ...restored} = {...edited, maxResourceLoad: DEFAULT_CONFIG.maxResourceLoad};
		const back = settingsToRecord(drift, edited, restored);
		expect(back.adopted).toEqual([]);
		expect(configDifferences({seq: 6, settings: back.settings}, restored)).toEqual([]);
	});

	it('is the engine\'s config.set: the event names what it adopted, and records nothing else edited by hand', () => {
		const f = new Fixture();
		const state = {...f.state, config: edited};
		const env = {...f.env, trust: {...f.trust, configDrift: drift}};
		const out = execute(state, {type: 'config.set', actor: 'human:alice', config: {...edited, sampleWindow: 61}, adopt: ['maxResourceLoad']}, env);
		expect(out.events[0]).toMatchObject({kind: 'config.changed', data: {changed: ['sampleWindow', 'maxResourceLoad'], adopted: ['maxResourceLoad']}});
		expect((out.events[0]!.data.settings as Record<string, string>).timeZone).toBeUndefined();
		const bad = catchEngineError(() => execute(state, {type: 'config.set', actor: 'human:alice', config: edited, adopt: 'everything' as never}, env));
		expect(bad).toMatchObject({code: 'INVALID_CONFIG', message: expect.stringContaining('adopt:')});
	});
});
