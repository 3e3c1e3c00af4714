import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {addKeys, sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;

describe('the whole pipeline through the CLI', () => {
	it('goes from init to completed', async () => {
		const s = sandbox();
		const {leaseId, intentId} = await signedLease(s);
		expect((await s.calyx(['lease', 'verify', leaseId])).code).toBe(0);
		const started = await s.calyx(['canary', 'start', leaseId]);
		expect(started.code).toBe(0);
		const dep = started.stdout.split('\n')[0]!;
		expect(dep).toMatch(/^DEP-\d{8}-\d{3}$/);
		const percents: number[] = [];
		for (let i = 0; i < 6; i++) {
			const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
			if (status.status === 'completed') break;
			const tick = await s.json<Doc>(['engine', '--once']);
			expect(tick.code).toBe(0);
			percents.push(...tick.doc.actions.filter((a: Doc) => a.action === 'promoted').map((a: Doc) => a.percent));
		}
		expect(percents).toEqual([25, 100]);
		const final = await s.json<Doc>(['canary', 'status', dep]);
		expect(final.code).toBe(0);
		expect(final.doc.status).toBe('completed');
		expect((await s.json<Doc>(['intent', 'show', intentId])).doc.status).toBe('deployed');
		const audit = await s.calyx(['audit', 'verify']);
		expect(audit.code).toBe(0);
		expect(audit.stdout).toMatch(/intact/);
	});

	it('reads a deployment that ended from the archive: status, its intent and lease, the list (quick and full), a rollback', async () => {
		const s = sandbox();
		const {leaseId, intentId} = await signedLease(s);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		for (let i = 0; i < 12 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== 'completed'; i++) await s.calyx(['engine', '--once']);
		// It has left the document: only the archive holds it, and every read finds it there.
		const state = JSON.parse(readFileSync(join(s.data, 'state.json'), 'utf8')) as Doc;
		expect([state.deployments, state.intents.map((i: Doc) => i.id), state.leases.map((l: Doc) => l.id)]).toEqual([[], [], []]);
		const archived = (await s.json<Doc>(['canary', 'status', dep])).doc;
		// Shown beside the lease it was archived with: its two signers and its risk, as while it was live.
		expect(archived).toMatchObject({id: dep, status: 'completed', lease: {id: leaseId}, risk: {level: expect.any(String)}});
		expect(archived.lease.signers).toHaveLength(2);
		expect((await s.json<Doc>(['lease', 'show', leaseId])).doc).toMatchObject({id: leaseId, intent: {id: intentId}});
		const listed = await s.json<Doc>(['canary', 'list']);
		expect(listed.doc.deployments.map((d: Doc) => [d.id, d.status])).toEqual([[dep, 'completed']]);
		expect((await s.calyx(['canary', 'list', '--no-color'])).stdout).toMatch(new RegExp(`${dep}.*completed`));
		expect((await s.json<Doc>(['canary', 'status', 'DEP-20200101-001'])).code).toBe(2);
		// A bad release found after completion: the archived deployment is rolled back, and archived again.
		expect((await s.calyx(['rollback', dep, '--reason', 'found after completion'])).code).toBe(0);
		for (let i = 0; i < 4 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== 'rolled_back'; i++) await s.calyx(['engine', '--once']);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc).toMatchObject({status: 'rolled_back', rollback: {verified: true}});
		expect((await s.json<Doc>(['intent', 'show', intentId])).doc.status).toBe('rolled_back');
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
	});

	it('halts on a critical sample, rolls back and verifies', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const ok = await s.json<Doc>(['metrics', 'push', dep, '--tes-delta', '-0.5', '--error-rate', '0.2']);
		expect(ok.code).toBe(0);
		expect(ok.doc.results[0].action).toBe('recorded');
		const bad = await s.calyx(['metrics', 'push', dep, '--tes-delta', '-6.0']);
		expect(bad.code).toBe(0);
		expect(bad.stdout).toMatch(/CRITICAL: TES drop > 5%/);
		expect(bad.stdout).toMatch(/rolling back/);
		// The revert is carried to the target before the command returns, and verified against it.
		expect(bad.stdout).toMatch(/target: rolled back, 0% · confirmed/);
		const status = await s.json<Doc>(['canary', 'status', dep]);
		expect(status.code).toBe(1);
		expect(status.doc.status).toBe('rolled_back');
		expect(status.doc.rollback).toMatchObject({trigger: 'automatic', verified: true});
		const events = (await s.json<Doc>(['audit', 'list', '--deployment', dep])).doc.events.map((e: Doc) => e.kind);
		expect(events).toEqual(expect.arrayContaining(['deployment.halted', 'deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']));
		expect(events.indexOf('deployment.halted')).toBeLessThan(events.indexOf('rollback.verified'));
	});

	it('records a stream up to the sample the halt refuses, and names that line', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const healthy = '{"tesDelta":0.2,"errorRate":0.3,"cpu":55,"memory":60}';
		// Line 3 is blank: lines are counted as the file has them. Line 57 is critical, 58 comes too late.
		const lines = Array.from({length: 59}, (_, i) => (i === 2 ? '' : i === 56 ? '{"tesDelta":-6.5}' : healthy));
		const run = await s.json<Doc>(['metrics', 'push', dep, '--stdin'], {input: lines.join('\n')});
		expect(run.code).toBe(1);
		// Line 58 came while the revert was decided and not yet confirmed by the target.
		expect(run.stderr).toContain(`calyx: stdin line 58: ${dep} is rolling back: samples are taken only while a canary runs`);
		expect(run.doc).toMatchObject({ok: false, recorded: 56, error: {code: 'NOT_ACTIVE'}});
		expect(run.doc.results.at(-1)).toMatchObject({line: 57, action: 'rolling_back', status: 'rolling_back'});
		expect(run.doc.status).toBe('rolled_back');
		expect(run.doc.results.at(-2)).toMatchObject({line: 56, action: 'recorded'});
		const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(status).toMatchObject({status: 'rolled_back', sampleCount: 56});
	});

	it('under --expect-rev, pushes a long stream only onto the state the caller saw', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		// The committed revision: the document's, and past it the journal's (store/journal.ts).
		const rev = async () => (await s.json<Doc>(['store', 'status'])).doc.rev as number;
		const input = Array.from({length: 1200}, (_, i) => `{"cpu":${50 + (i % 10)}}`).join('\n');
		const before = snapshot(s.data);
		const stale = await s.calyx(['--expect-rev', String((await rev()) - 1), 'metrics', 'push', dep, '--stdin'], {input});
		expect(stale.code).toBe(3);
		expect(stale.stderr).toMatch(/stdin line 1: state changed .*review and retry/);
		expect(snapshot(s.data)).toEqual(before);
		const seen = await rev();
		const ok = await s.json<Doc>(['--expect-rev', String(seen), 'metrics', 'push', dep, '--stdin'], {input});
		expect(ok.code).toBe(0);
		expect(ok.doc.recorded).toBe(1200);
		// More than one commit, each expecting the revision the one before produced.
		expect(await rev()).toBeGreaterThan(seen + 1);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.sampleCount).toBe(1200);
	});

	it('halts by hand, resumes, and rolls back by hand with reasons recorded', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect((await s.calyx(['canary', 'halt', dep, '--reason', 'pager: latency'])).code).toBe(0);
		const halted = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(halted.halt).toMatchObject({trigger: 'manual', reason: 'pager: latency'});
		expect((await s.calyx(['canary', 'resume', dep, '--reason', 'CDN, not us'])).code).toBe(0);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe('running');
		const rb = await s.json<Doc>(['rollback', dep, '--reason', 'drill']);
		expect(rb.code).toBe(0);
		expect(rb.doc).toMatchObject({status: 'rolled_back', verified: true});
		const story = (await s.json<Doc>(['audit', 'list', '--deployment', dep])).doc.events as Doc[];
		expect(story.map(e => e.reason)).toEqual(expect.arrayContaining(['pager: latency', 'CDN, not us', 'drill']));
		// Archived now, and told from its beginning: who proposed and approved it, who signed its lease.
		const kinds = story.map(e => e.kind);
		expect(kinds.slice(0, 4)).toEqual(['intent.created', 'intent.approved', 'lease.issued', 'lease.cosigned']);
		expect(kinds).toContain('lease.activated');
		expect(story.find(e => e.kind === 'intent.approved')).toMatchObject({actor: 'human:alice', data: {keyId: 'alice'}});
		expect(story.find(e => e.kind === 'intent.created')).toMatchObject({actor: 'agent:ci-bot'});
		const unknown = await s.calyx(['audit', 'list', '--deployment', 'DEP-20000101-001']);
		expect(unknown).toMatchObject({code: 2, stderr: 'calyx: --deployment: unknown deployment DEP-20000101-001 (see calyx canary list --all)\n'});
	});

	it('promotes only through the gate; --force passes a hold with a reason', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m', '--manual']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const closed = await s.calyx(['canary', 'promote', dep]);
		expect(closed.code).toBe(1);
		expect(closed.stderr).toMatch(/bake/);
		expect((await s.calyx(['canary', 'promote', dep, '--force'])).code).toBe(2);
		const forced = await s.json<Doc>(['canary', 'promote', dep, '--force', '--reason', 'drill']);
		expect(forced.code).toBe(0);
		expect(forced.doc).toMatchObject({from: 5, to: 25, forced: true});
	});

	it('records the reason an intent was approved with in the audit trail', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		await addKeys(s);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--key', 'ci-bot'])).doc;
		expect((await s.calyx(['intent', 'approve', intent.id, '--reason', 'reviewed in CHG-4411', '--key', 'alice'])).code).toBe(0);
		const events = (await s.json<Doc>(['audit', 'list'])).doc.events as Doc[];
		expect(events.find(e => e.kind === 'intent.approved')).toMatchObject({subject: intent.id, reason: 'reviewed in CHG-4411'});
	});
});
