import {existsSync, readFileSync} from 'node:fs';
import {seedDemo} from '../../src/cli/demo-seed.js';
import {describe, expect, it} from 'vitest';
import {execute, generateKeyPair, initialState, ManualClock, noTrust, Signers, type Holder, type TrustFile} from '../../src/core/index.js';
import {bindingStep, describeBinding, signRebind, trustId, type RebindStatement} from '../../src/core/trust-binding.js';
import {ledgerFrom} from '../../src/core/ledger.js';
import {EngineError} from '../../src/core/errors.js';
import {initStore, openStore} from '../../src/store/index.js';
import {tempDir} from './helpers.js';

/** Two authorities over one data directory: the one it was bound to, and another. */
const ADMIN_A = generateKeyPair();
const ADMIN_B = generateKeyPair();
const A = new Signers([ADMIN_A], {source: '/etc/calyx/trust.json'});
const B = new Signers([ADMIN_B], {source: '/home/mallory/trust.json'});
const fileOf = (s: Signers): TrustFile => ({v: 1, kind: 'calyx.trust', demo: false, threshold: s.trust.threshold, admins: s.trust.admins.map(a => ({id: a.id, publicKey: a.publicKey})), separationOfDuties: s.trust.separationOfDuties});
const holder = (id: string, role: Holder['role'] = 'human'): Holder => ({id, role, owner: id, ...generateKeyPair()});
const AT = '2026-12-04T10:00:00.000Z';

async function boundToA() {
	const dir = tempDir();
	const anchor = {stateHome: tempDir()};
	const {store} = await initStore(dir, {trust: A.trust, anchor});
	await store.run(A.register(holder('alice'), AT));
	return {dir, anchor, store};
}

/** A store as a version before binding left it: alice registered under A, no binding in the trail. */
async function upgraded() {
	const dir = tempDir();
	const anchor = {stateHome: tempDir()};
	const {store} = await initStore(dir, {trust: A.trust, anchor});
	await store.mutate(state => {
		const out = execute(state, A.register(holder('alice'), AT), {clock: new ManualClock(Date.parse(AT)), trust: A.trust});
		return {state: out.state, events: out.events, result: undefined};
	});
	return {dir, anchor, store};
}

const kinds = (dir: string) =>
	readFileSync(`${dir}/audit.ndjson`, 'utf8')
		.trim()
		.split('\n')
		.map(l => (JSON.parse(l) as {kind: string}).kind);

/** The hash of the event that bound the store in `dir` to its trust now (the last binding event of its trail). */
const boundAt = (dir: string) =>
	readFileSync(`${dir}/audit.ndjson`, 'utf8')
		.trim()
		.split('\n')
		.map(l => JSON.parse(l) as {kind: string; hash: string})
		.filter(e => e.kind === 'store.trust_bound' || e.kind === 'trust.rebound')
		.at(-1)!.hash;

const rebindOf = (statement: Partial<RebindStatement> & {after: string}, admins = [ADMIN_A], from = fileOf(A)) =>
	signRebind({v: 1, kind: 'calyx.rebind', from: trustId(A.trust), to: trustId(B.trust), at: AT, reason: 'new admin', ...statement}, from, admins);

async function refusal(p: Promise<unknown>): Promise<EngineError> {
	const error = await p.then(() => undefined, (e: unknown) => e);
	expect(error).toBeInstanceOf(EngineError);
	return error as EngineError;
}

describe('a data directory is bound to one trust', () => {
	it('its first write under a trust binds it, in the trail, before what the write did', async () => {
		const {dir, store} = await boundToA();
		expect(kinds(dir)).toEqual(['store.trust_bound', 'key.registered']);
		const bound = JSON.parse(readFileSync(`${dir}/audit.ndjson`, 'utf8').split('\n')[0]!) as {data: {trust: string; admins: unknown[]}};
		expect(bound.data).toMatchObject({trust: trustId(A.trust), admins: [{id: 'admin-1', fingerprint: A.trust.admins[0]!.fingerprint}]});
		await store.run(A.register(holder('bob'), AT));
		expect(kinds(dir).filter(k => k === 'store.trust_bound')).toHaveLength(1);
	});

	it('a process under another trust writes nothing: no key registered, no halt, nothing in the trail', async () => {
		const {dir, anchor, store} = await boundToA();
		const before = readFileSync(`${dir}/audit.ndjson`);
		const rogue = await openStore(dir, {trust: B.trust, anchor});
		const error = await refusal(rogue.run(B.register(holder('mallory'), AT)));
		expect(error).toMatchObject({kind: 'refused', code: 'TRUST_MISMATCH'});
		expect(error.message).toContain(`bound to trust ${trustId(A.trust).slice(0, 16)}`);
		expect(error.message).toContain('/home/mallory/trust.json');
		expect(error.message).toContain('calyx trust rebind');
		expect(readFileSync(`${dir}/audit.ndjson`)).toEqual(before);
		expect((await store.read()).keys.map(k => k.id)).toEqual(['alice']);
		// What it reads, it is told it cannot trust, and why.
		const seen = await rogue.checkedTrust();
		expect(seen.foreign).toEqual({trust: trustId(A.trust), at: boundAt(dir), named: {source: '/etc/calyx/trust.json', admins: ['admin-1']}});
		expect(seen.disowned?.keys.get('alice')).toContain('this store is bound to trust');
		// Without a trust file at all: refused alike, and told it has none (not named after a file that is not there).
		const none = await openStore(dir, {trust: noTrust('/etc/calyx/trust.json'), anchor});
		const bare = await refusal(none.run({type: 'config.set', actor: 'nobody', config: {}}));
		expect(bare).toMatchObject({code: 'TRUST_MISMATCH', message: expect.stringContaining('this process runs under no trust file (none at /etc/calyx/trust.json)')});
		expect(readFileSync(`${dir}/audit.ndjson`)).toEqual(before);
	});

	it('the store\'s own writes are refused under another trust too: a notice\'s failure, the demo\'s seed (its world not written)', async () => {
		const {dir, anchor} = await boundToA();
		const before = readFileSync(`${dir}/audit.ndjson`);
		const rogue = await openStore(dir, {trust: B.trust, anchor});
		const note = {at: AT, actor: 'engine', kind: 'notify.failed', subject: 'DEP-1', reason: 'sink down', data: {}};
		expect(await refusal(rogue.mutate(state => ({state, events: [note], result: null})))).toMatchObject({code: 'TRUST_MISMATCH'});
		const demo = await openStore(dir, {trust: new Signers([generateKeyPair()], {demo: true}).trust, anchor});
		expect(await refusal(seedDemo(demo, {...process.env, XDG_CONFIG_HOME: tempDir()}))).toMatchObject({code: 'TRUST_MISMATCH'});
		expect(existsSync(`${dir}/sim-world.json`)).toBe(false);
		expect(readFileSync(`${dir}/audit.ndjson`)).toEqual(before);
	});

	it('the bound trust\'s admins move it to another trust; then the old trust writes nothing', async () => {
		const {dir, anchor, store} = await boundToA();
		const moved = await openStore(dir, {trust: B.trust, anchor});
		await moved.run({type: 'trust.rebind', actor: 'admin', rebind: rebindOf({after: boundAt(dir)}), reason: 'a new admin'});
		expect(kinds(dir).at(-1)).toBe('trust.rebound');
		await moved.run(B.register(holder('carol'), AT));
		expect((await moved.checkedTrust()).foreign).toBeUndefined();
		expect(await refusal(store.run(A.register(holder('dave'), AT)))).toMatchObject({code: 'TRUST_MISMATCH'});
	});

	it('audit verify checks each statement under the trust it was committed under, and says which trust the store is bound to', async () => {
		const {dir, anchor} = await boundToA();
		const moved = await openStore(dir, {trust: B.trust, anchor});
		await moved.run({type: 'trust.rebind', actor: 'admin', rebind: rebindOf({after: boundAt(dir)}), reason: 'a new admin'});
		await moved.run(B.register(holder('carol'), AT));
		// Under the trust it is bound to now: alice (A's admin signed her) is the trail's, not a difference; she signs nothing under B.
		const now = await moved.verifyAudit();
		expect(now).toMatchObject({ok: true, registry: {differences: [], earlier: ['alice']}, binding: {trust: trustId(B.trust), thisTrust: true}});
		// Under the trust it was moved from: intact too, and told the store is bound elsewhere.
		const old = await (await openStore(dir, {trust: A.trust, anchor: {stateHome: tempDir()}})).verifyAudit();
		expect(old.binding).toMatchObject({trust: trustId(B.trust), thisTrust: false});
		// carol was registered under B, which this process does not hold: checked under A, she differs.
		expect(old.registry?.differences.map(d => d.keyId)).toEqual(['carol']);
		expect(old.ok).toBe(false);
		// Under a stranger's trust: alice still checked under the file the rebind carries (she matches), carol under the stranger's.
		const stranger = new Signers([generateKeyPair()], {source: '/home/mallory/trust.json'});
		const strangers = await (await openStore(dir, {trust: stranger.trust, anchor: {stateHome: tempDir()}})).verifyAudit();
		expect(strangers.registry?.differences.map(d => d.keyId)).toEqual(['carol']);
		expect(strangers.binding?.thisTrust).toBe(false);
	});

	it('audit verify dates a statement by the event that committed it, and names binding events the fold did not take', async () => {
		const {dir, anchor} = await boundToA();
		const moved = await openStore(dir, {trust: B.trust, anchor});
		await moved.run({type: 'trust.rebind', actor: 'admin', rebind: rebindOf({after: boundAt(dir)}), reason: 'a new admin'});
		const alice = (await moved.read()).keys[0]!.statements![0]!;
		// alice's registration repeated in a later event of another kind: it stays A's, not B's.
		const note = (kind: string, data: Record<string, unknown>) => ({at: AT, actor: 'mallory', kind, subject: 'alice', reason: 'x', data});
		await moved.mutate(state => ({state, events: [note('key.noted', {statement: alice})], result: null}));
		expect(await moved.verifyAudit()).toMatchObject({ok: true, registry: {differences: [], earlier: ['alice']}});
		// A rebind and a second binding that hold nothing: the fold skips them, verify names them.
		await moved.mutate(state => ({state, events: [note('trust.rebound', {rebind: rebindOf({after: boundAt(dir)}, [ADMIN_B])}), note('store.trust_bound', {trust: trustId(A.trust)})], result: null}));
		const report = await moved.verifyAudit();
		expect(report.ok).toBe(false);
		expect(report.ignored?.map(e => e.why)).toEqual([expect.stringContaining('a rebind that does not hold'), expect.stringContaining('a second binding')]);
		expect((await moved.checkedTrust()).foreign).toBeUndefined();
	});

	it('a key put into a fresh store\'s document by hand does not stop its first registration (the trail holds nothing yet)', async () => {
		const dir = tempDir();
		const anchor = {stateHome: tempDir()};
		const {store} = await initStore(dir, {trust: A.trust, anchor});
		const forged = execute(initialState(), B.register(holder('mallory'), AT), {clock: new ManualClock(Date.parse(AT)), trust: B.trust}).state.keys[0]!;
		await store.mutate(state => ({state: {...state, keys: [forged]}, events: [], result: null}));
		await store.run(A.register(holder('alice'), AT));
		expect(kinds(dir)).toEqual(['store.trust_bound', 'key.registered']);
		expect((await store.checkedTrust()).disowned?.keys.get('mallory')).toContain('no registration of it is in the trail');
	});

	it('refuses a rebind its admins did not sign, from another trust, or to a trust other than the process\'s own', async () => {
		const {dir, anchor} = await boundToA();
		const rogue = await openStore(dir, {trust: B.trust, anchor});
		const rebind = (r: ReturnType<typeof rebindOf>) => refusal(rogue.run({type: 'trust.rebind', actor: 'mallory', rebind: r, reason: 'take over'}));
		expect(await rebind(rebindOf({after: boundAt(dir)}, [ADMIN_B]))).toMatchObject({code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('0 valid signature(s)')});
		expect(await rebind(rebindOf({after: boundAt(dir)}, [ADMIN_B], fileOf(B)))).toMatchObject({code: 'WRONG_TRUST', message: expect.stringContaining('--from: that trust file is')});
		expect(await rebind(rebindOf({after: boundAt(dir), from: trustId(B.trust)}))).toMatchObject({code: 'WRONG_TRUST'});
		expect(await rebind(rebindOf({after: boundAt(dir), to: trustId(A.trust)}))).toMatchObject({code: 'WRONG_TRUST', message: expect.stringContaining('this process runs under')});
		const tampered = rebindOf({after: boundAt(dir)});
		expect(await rebind({...tampered, statement: {...tampered.statement, reason: 'edited after signing'}})).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
		expect(kinds(dir)).toEqual(['store.trust_bound', 'key.registered']);
	});

	it('the fold moves the binding only on a rebind that holds: a bind or rebind appended by hand moves nothing', () => {
		const a = trustId(A.trust);
		const b = trustId(B.trust);
		const [h1, h2, h3] = ['1'.repeat(64), '2'.repeat(64), '3'.repeat(64)] as const;
		const at = (hash: string) => ({hash});
		const bound = {trust: a, at: h1};
		expect(bindingStep(undefined, {kind: 'store.trust_bound', ...at(h1), data: {trust: a}})).toEqual(bound);
		expect(bindingStep(bound, {kind: 'store.trust_bound', ...at(h2), data: {trust: b}})).toBe(bound);
		expect(bindingStep(undefined, {kind: 'store.trust_bound', ...at(h1), data: {trust: 'not hex'}})).toBeUndefined();
		expect(bindingStep(bound, {kind: 'trust.rebound', ...at(h2), data: {rebind: rebindOf({after: h1}, [ADMIN_B])}})).toBe(bound);
		expect(bindingStep(bound, {kind: 'trust.rebound', ...at(h2), data: {rebind: rebindOf({after: h1}, [ADMIN_B], fileOf(B))}})).toBe(bound);
		expect(bindingStep(bound, {kind: 'trust.rebound', ...at(h2), data: {}})).toBe(bound);
		// Signed for another binding (another store's, or an earlier one of this store's): moves nothing.
		expect(bindingStep(bound, {kind: 'trust.rebound', ...at(h2), data: {rebind: rebindOf({after: h3})}})).toBe(bound);
		expect(bindingStep(bound, {kind: 'trust.rebound', ...at(h2), data: {rebind: rebindOf({after: h1})}})).toEqual({trust: b, at: h2});
	});

	it('a binding repeats how its event named the trust only when calyx could have written it: printable, bounded', () => {
		const a = trustId(A.trust);
		const named = (data: Record<string, unknown>) => bindingStep(undefined, {kind: 'store.trust_bound', hash: '1'.repeat(64), data: {trust: a, ...data}})?.named;
		const admins = [{id: 'ops-admin', fingerprint: 'f'.repeat(64)}];
		expect(named({source: '/etc/calyx/trust.json', admins})).toEqual({source: '/etc/calyx/trust.json', admins: ['ops-admin']});
		const binding = bindingStep(undefined, {kind: 'store.trust_bound', hash: '1'.repeat(64), data: {trust: a, source: '/etc/calyx/trust.json', admins}})!;
		expect(describeBinding(binding)).toBe(`trust ${a.slice(0, 16)} (bound from /etc/calyx/trust.json; admin ops-admin)`);
		expect(describeBinding({trust: a, at: '1'.repeat(64)})).toBe(`trust ${a.slice(0, 16)}`);
		// Written by hand into the trail: a terminal escape, a megabyte, an admin that is not a name: the binding stands, its name is not repeated.
		for (const data of [{source: '/tmp/\u001b[2Jtrust.json', admins}, {source: 'x'.repeat(5000), admins}, {source: '/t.json', admins: [{id: 7}]}, {source: '/t.json', admins: [{id: 'a\u0007'}]}, {source: 42, admins}, {source: '/t.json'}]) {
			expect(named(data)).toBeUndefined();
		}
		expect(ledgerFrom({keys: {}, services: {}, binding: {...binding, named: {source: 'a\u001bb', admins: []}}})?.binding).toEqual({trust: a, at: '1'.repeat(64)});
		expect(ledgerFrom({keys: {}, services: {}, binding})?.binding).toEqual(binding);
	});

	it('a rebind signed for one store moves no other, nor the same store once its binding moved on', async () => {
		const staging = await boundToA();
		const prod = await boundToA();
		const signed = rebindOf({after: boundAt(staging.dir)});
		const rogue = await openStore(prod.dir, {trust: B.trust, anchor: prod.anchor});
		expect(await refusal(rogue.run({type: 'trust.rebind', actor: 'mallory', rebind: signed, reason: 'replayed'}))).toMatchObject({code: 'STALE_REBIND'});
		const moved = await openStore(staging.dir, {trust: B.trust, anchor: staging.anchor});
		await moved.run({type: 'trust.rebind', actor: 'admin', rebind: signed, reason: 'to B'});
		const back = signRebind({v: 1, kind: 'calyx.rebind', from: trustId(B.trust), to: trustId(A.trust), after: boundAt(staging.dir), at: AT, reason: 'back'}, fileOf(B), [ADMIN_B]);
		await staging.store.run({type: 'trust.rebind', actor: 'admin', rebind: back, reason: 'back to A'});
		expect(await refusal(moved.run({type: 'trust.rebind', actor: 'mallory', rebind: signed, reason: 'replayed'}))).toMatchObject({code: 'STALE_REBIND'});
		expect((await staging.store.checkedTrust()).foreign).toBeUndefined();
	});

	it('a threshold of two takes two of the bound trust\'s admins', async () => {
		const second = generateKeyPair();
		const two = new Signers([ADMIN_A, second], {threshold: 2});
		const dir = tempDir();
		const anchor = {stateHome: tempDir()};
		const {store} = await initStore(dir, {trust: two.trust, anchor});
		await store.run(two.register(holder('alice'), AT));
		const moved = await openStore(dir, {trust: B.trust, anchor});
		const statement = {from: trustId(two.trust)};
		const once = rebindOf({...statement, after: boundAt(dir)}, [ADMIN_A], fileOf(two));
		expect(await refusal(moved.run({type: 'trust.rebind', actor: 'admin', rebind: once, reason: 'x'}))).toMatchObject({code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('1 valid signature(s)')});
		const twice = {...once, signatures: [...once.signatures, ...once.signatures]};
		expect(await refusal(moved.run({type: 'trust.rebind', actor: 'admin', rebind: twice, reason: 'x'}))).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
		await moved.run({type: 'trust.rebind', actor: 'admin', rebind: rebindOf({...statement, after: boundAt(dir)}, [ADMIN_A, second], fileOf(two)), reason: 'x'});
		expect((await moved.checkedTrust()).foreign).toBeUndefined();
	});

	it('an upgraded store is bound by the first write of a trust that verifies what it holds, not by a stranger\'s', async () => {
		const {dir, anchor, store} = await upgraded();
		expect(kinds(dir)).toEqual(['key.registered']);
		const stranger = await openStore(dir, {trust: B.trust, anchor});
		const before = readFileSync(`${dir}/audit.ndjson`);
		const refused = await refusal(stranger.run(B.register(holder('erin'), AT)));
		expect(refused).toMatchObject({code: 'TRUST_MISFIT', message: expect.stringContaining('bound to no trust yet and holds 1 keys and 0 services, none signed by this process\'s trust')});
		expect(readFileSync(`${dir}/audit.ndjson`)).toEqual(before);
		await store.run(A.register(holder('bob'), AT));
		expect(kinds(dir)).toEqual(['key.registered', 'store.trust_bound', 'key.registered']);
		expect(await refusal(stranger.run(B.register(holder('frank'), AT)))).toMatchObject({code: 'TRUST_MISMATCH'});
	});

	it('an upgraded store is not bound by a superset of its trust (its admin beside a stranger\'s), nor written without a trust file', async () => {
		const {dir, anchor, store} = await upgraded();
		const before = readFileSync(`${dir}/audit.ndjson`);
		const superset = new Signers([ADMIN_A, ADMIN_B], {source: '/home/mallory/trust.json'});
		const mallory = await openStore(dir, {trust: superset.trust, anchor});
		expect(await refusal(mallory.run(superset.register(holder('eve'), AT)))).toMatchObject({code: 'TRUST_MISFIT', message: expect.stringContaining('admin admin-2 of this process\'s trust (/home/mallory/trust.json) signed none of them')});
		const none = await openStore(dir, {trust: noTrust('/etc/calyx/trust.json'), anchor});
		expect(await refusal(none.run({type: 'config.set', actor: 'nobody', config: {}}))).toMatchObject({code: 'TRUST_MISFIT'});
		expect(readFileSync(`${dir}/audit.ndjson`)).toEqual(before);
		await store.run(A.register(holder('bob'), AT));
		expect(kinds(dir)).toEqual(['key.registered', 'store.trust_bound', 'key.registered']);
	});
});
