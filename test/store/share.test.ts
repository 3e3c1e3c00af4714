import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore, openStore, type Store} from '../../src/store/index.js';
import {clockAt, healthy, refusal, seedCanary, tempDir} from './helpers.js';

/** A running canary with a few samples, written by one store and read by another (a console beside an engine). */
async function twoStores() {
	const dir = tempDir();
	const {store: writer} = await initStore(dir);
	const clock = clockAt();
	const {deploymentId} = await seedCanary(writer, clock);
	const record = async (cpu: number) => {
		clock.advance(1000);
		await writer.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: {...healthy, cpu}}, {clock});
	};
	for (let i = 0; i < 4; i++) await record(50 + i);
	// A commit with an event rewrites the document: the samples the journal took are in it, where the edits below find them.
	await writer.run({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.5.0', toVersion: '1.6.0'}, {clock});
	expect(readFileSync(join(dir, 'state.journal'), 'utf8')).toBe('');
	const reader = await openStore(dir);
	return {dir, writer, reader, deploymentId, record};
}

const deployment = async (store: Store, id: string) => (await store.read()).deployments.find(d => d.id === id)!;

/** Rewrites the text of the one line of the document holding `id`'s deployment, as a hand edit would. */
function editText(dir: string, id: string, edit: (line: string) => string) {
	const path = join(dir, 'state.json');
	const lines = readFileSync(path, 'utf8').split('\n');
	const at = lines.findIndex(l => l.replace(/^,/, '').startsWith(`{"id":"${id}",`));
	const lead = lines[at]!.startsWith(',') ? ',' : '';
	lines[at] = lead + edit(lines[at]!.slice(lead.length));
	writeFileSync(path, lines.join('\n'));
}

const editLine = (dir: string, id: string, edit: (d: Record<string, unknown>) => void) =>
	editText(dir, id, line => {
		const d = JSON.parse(line) as Record<string, unknown>;
		edit(d);
		return JSON.stringify(d);
	});

describe('a changed deployment read again', () => {
	it('keeps the parts that did not change from the last read, and reads what the file holds', async () => {
		const {dir, reader, deploymentId, record} = await twoStores();
		const before = await deployment(reader, deploymentId);
		await record(60);
		const after = await deployment(reader, deploymentId);
		expect(after).not.toBe(before);
		// The rollback pack and the plan did not change: the same objects; the window slid by one sample.
		expect(after.pack).toBe(before.pack);
		expect(after.plan).toBe(before.plan);
		expect(after.window.slice(0, -1).every((s, i) => s === before.window[i])).toBe(true);
		expect(after.window.at(-1)).not.toBe(before.window.at(-1));
		expect(after.window.at(-1)!.cpu).toBe(60);
		// What is held is exactly what a reader opening the file afresh gets.
		expect(after).toEqual(await deployment(await openStore(dir), deploymentId));
		expect(Object.isFrozen(after.window)).toBe(true);
	});

	it('still checks what changed: a bad new sample is refused, naming its field', async () => {
		const {dir, reader, deploymentId} = await twoStores();
		await reader.read();
		editLine(dir, deploymentId, d => {
			const window = d.window as Array<Record<string, unknown>>;
			window.push({...window.at(-1)!, cpu: 'high'});
		});
		const error = await refusal(reader.read());
		expect(error.code).toBe('CORRUPT');
		expect(error.message).toMatch(/deployments\[\d+\]\.window\[\d+\]\.cpu/);
	});

	it('still checks a part that changed beside parts that did not (the rollback pack)', async () => {
		const {dir, reader, deploymentId} = await twoStores();
		await reader.read();
		editLine(dir, deploymentId, d => {
			d.pack = {...(d.pack as object), createdAt: 7};
		});
		const error = await refusal(reader.read());
		expect(error.code).toBe('CORRUPT');
		expect(error.message).toMatch(/deployments\[\d+\]\.pack\.createdAt/);
	});

	it('takes a `__proto__` key as the field it is in JSON, never as the prototype (nothing shared through it, nothing frozen beyond the state)', async () => {
		const {dir, reader, deploymentId} = await twoStores();
		await reader.read();
		// A field the schema does not know (kept as read), and a pack whose createdAt was replaced by one.
		editText(dir, deploymentId, line => line.replace(`{"id":"${deploymentId}",`, `{"id":"${deploymentId}","__proto__":{},`));
		const held = await deployment(reader, deploymentId);
		expect(Object.hasOwn(held, '__proto__')).toBe(true);
		expect(Object.getPrototypeOf(held)).toBe(Object.prototype);
		expect(Object.isFrozen(Object.prototype)).toBe(false);
		expect(held).toEqual(await deployment(await openStore(dir), deploymentId));
		editText(dir, deploymentId, line => line.replace(/"pack":\{"id":("[^"]*"),"createdAt":"[^"]*"/, '"pack":{"id":$1,"__proto__":{}'));
		const error = await refusal(reader.read());
		expect(error.code).toBe('CORRUPT');
		expect(error.message).toMatch(/deployments\[\d+\]\.pack\.createdAt/);
	});
});
