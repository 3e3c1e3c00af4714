import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {iso, serviceRecordOf, serviceStatement, signStatement, type MetricsSpec, type ServiceDefinition} from '../../src/core/index.js';
import {cosignContent} from '../../src/ui/model/cosign-content.js';
import {testSigners} from '../trust.js';
import {FakeStore} from './helpers/fake-store.js';
import {frameOf, KEY, press, selectRow, waitForFrame} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());

const TOKEN = 'tenant-7f3a9c-secret';

/** Two of the four with queries (TES Δ with a budget, the error rate failing on no data), a custom floor, two headers. */
const METRICS: MetricsSpec = {
	source: 'prometheus',
	prometheus: {address: 'http://prom.internal:9090', headers: {Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': TOKEN}, timeout: '3s'},
	interval: '15s',
	window: '2m',
	scrapeInterval: '10s',
	variables: {cluster: 'eu-1'},
	checks: {
		tesDelta: {canary: 'sum(rate(ok{version="{{canary}}"}[{{window}}]))', stable: 'sum(rate(ok{version="{{stable}}"}[{{window}}]))', failureLimit: 2},
		errorRate: {query: '100 * sum(rate(errors{version="{{canary}}",cluster="{{cluster}}"}[{{window}}]))', noData: 'fail'},
	},
	custom: [{name: 'hit_ratio', label: 'cache hits', query: 'avg(cache_hit_ratio{version="{{canary}}"}) * 100', direction: 'below', warning: 90, critical: 80, unit: '%', failureLimit: 3, interval: '30s'}],
};

const DEFINITION: ServiceDefinition = {name: 'billing', target: {kind: 'simulated'}, metrics: METRICS};

function applyDefinition(store: FakeStore, definition: ServiceDefinition) {
	const statement = serviceStatement(definition, 'billing reads Prometheus', iso(store.clock.now()), serviceRecordOf(store.state, definition.name));
	store.external({type: 'service.apply', actor: 'admin', statement: signStatement(statement, testSigners().admins)});
}

/** A fresh lease on billing (the fixture's unsigned lease's intent) over the definition now in force. */
function leaseOver(store: FakeStore, leaseId: string): string {
	const intentId = store.state.leases.find(l => l.id === leaseId)!.intentId;
	return store.external<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId}).result.id;
}

/** The dialog's content as `label text` lines, wide enough that no line wraps. */
function content(store: FakeStore, lease: string): string[] {
	const signer = {role: 'human' as const, id: 'alice'};
	const rows = cosignContent(store.state, lease, store.clock.now(), signer, {pane: 200, columns: 1000}, store.trust)!.rows;
	return rows.map(r => `${r.label.trim()} ${r.text}`);
}

describe('the cosign dialog shows what the gate judges, as the lease signs it', () => {
	it('the source, its timing, and per judged metric its bands, budget, no-data policy and queries; header names only', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		applyDefinition(store, DEFINITION);
		const lines = content(store, leaseOver(store, fx.lease.unsigned));
		const all = lines.join('\n');
		expect(lines).toContain('metrics from Prometheus at http://prom.internal:9090 · headers: Authorization (value not shown), X-Scope-OrgID (value not shown) · timeout 3s');
		expect(lines).toContain('timing asked every 15s · window 2m · warm-up 2m 20s (window + 2 scrapes of 10s) after the target confirms a tier · 4 query errors in a row halt');
		expect(lines).toContain('variable {{cluster}} = eu-1');
		expect(lines).toContain(
			'threshold TES: warning < -2% · critical < -5% · failure budget: halts at 2 critical readings in a tier · no data: holds the gate · not judged at 100% (no stable traffic to compare with)',
		);
		expect(lines).toContain('canary query sum(rate(ok{version="{{canary}}"}[{{window}}]))');
		expect(lines).toContain('stable query sum(rate(ok{version="{{stable}}"}[{{window}}]))');
		expect(lines).toContain('threshold error rate: warning > 1% · critical > 2% · failure budget: halts at 1 critical reading in a tier · no data: counts as a critical reading');
		expect(lines).toContain('query 100 * sum(rate(errors{version="{{canary}}",cluster="{{cluster}}"}[{{window}}]))');
		expect(lines).toContain(
			'threshold cache hits (custom metric hit_ratio, lower is worse): warning < 90% · critical < 80% · failure budget: halts at 3 critical readings in a tier · no data: holds the gate · asked every 30s',
		);
		expect(lines).toContain('query avg(cache_hit_ratio{version="{{canary}}"}) * 100');
		// Only what the source judges: no query for CPU or memory, so neither is listed.
		expect(all).not.toMatch(/CPU|memory/);
		// Never a header's value, nor where the engine reads one; never the metrics as one raw JSON line.
		expect(all).not.toContain(TOKEN);
		expect(all).not.toContain('PROM_TOKEN');
		expect(all).not.toContain('{"checks"');
	});

	it('a pushed or simulated source judges the four with the plan\'s bands; the threshold lines say so', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		applyDefinition(store, {name: 'billing', target: {kind: 'simulated'}, metrics: {source: 'push', checks: {cpu: {failureLimit: 2}}}});
		const lines = content(store, leaseOver(store, fx.lease.unsigned));
		expect(lines).toContain('metrics pushed (calyx metrics push)');
		expect(lines.filter(l => l.startsWith('threshold '))).toEqual([
			'threshold TES: warning < -2% · critical < -5% · failure budget: halts at 1 critical reading in a tier · no data: holds the gate',
			'threshold error rate: warning > 1% · critical > 2% · failure budget: halts at 1 critical reading in a tier · no data: holds the gate',
			'threshold CPU: warning > 110% · critical > 120% · failure budget: halts at 2 critical readings in a tier · no data: holds the gate',
			'threshold memory: warning > 90% · critical > 95% · failure budget: halts at 1 critical reading in a tier · no data: holds the gate',
		]);
		expect(lines.some(l => l.startsWith('timing ') || l.startsWith('query '))).toBe(false);
		const none = content(store, fx.lease.agentSigned);
		expect(none).toContain('metrics simulated (no service definition)');
	});

	it('escapes a query and a label from a hand-edited store: drawn, never played to the terminal', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		applyDefinition(store, DEFINITION);
		const lease = leaseOver(store, fx.lease.unsigned);
		// The schema refuses control characters: only an edit of the document brings them.
		const custom = [{...METRICS.custom![0]!, label: 'hits\u001b[2J', query: 'up\u001b]0;owned\u0007'}];
		const services = store.state.services!.map(s => (s.name === 'billing' ? {...s, definition: {...DEFINITION, metrics: {...METRICS, custom}}} : s));
		store.state = {...store.state, services};
		const all = content(store, lease).join('\n');
		expect(all).not.toMatch(/[\u0007\u001b]/);
		expect(all).toContain('query up\\x1b]0;owned\\x07');
		expect(all).toContain('threshold hits\\x1b[2J (custom metric hit_ratio');
	});

	it('on screen: scrolled through whole, the dialog never shows a header value', async () => {
		const {r, store, fx} = await mount({size: {columns: 100, rows: 30}});
		applyDefinition(store, DEFINITION);
		const lease = leaseOver(store, fx.lease.unsigned);
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await selectRow(r, lease);
		await press(r, 'c');
		const frames = [await waitForFrame(r, `Cosign ${lease}`)];
		while (/↓ \d+ more line/.test(frameOf(r))) {
			const before = frameOf(r);
			await press(r, 'j');
			frames.push(await waitForFrame(r, f => f !== before));
		}
		const all = frames.join('\n');
		expect(all).toMatch(/metrics +from Prometheus at http:\/\/prom\.internal:9090 · headers: Authorization \(value not/);
		expect(all).toMatch(/threshold +cache hits \(custom metric hit_ratio, lower is worse\): warning < 90%/);
		expect(all).not.toContain(TOKEN);
		expect(all).not.toContain('PROM_TOKEN');
		await press(r, KEY.esc);
	});
});
