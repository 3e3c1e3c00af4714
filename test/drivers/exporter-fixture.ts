/**
 * An exporter over a store with live canaries, for the exposition's tests: the engine's leadership
 * is a switch the test turns, and the exposition is parsed into series to look values up.
 */
import type {ManualClock} from '../../src/core/index.js';
import {startExporter, type Exporter} from '../../src/drivers/exporter/index.js';
import {initStore, type BatchStore} from '../../src/store/index.js';
import {clockAt, seedCanary, tempDir} from '../store/helpers.js';

export interface Series {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** The Prometheus text format's sample lines (comments skipped), with their labels. */
export function parseExposition(text: string): Series[] {
	return text
		.split('\n')
		.filter(line => line !== '' && !line.startsWith('#'))
		.map(line => {
			const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
			if (!m) throw new Error(`not an exposition line: ${line}`);
			const labels: Record<string, string> = {};
			for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
			return {name: m[1]!, labels, value: Number(m[3])};
		});
}

/** The series of `name` whose labels include `labels`. */
export const pick = (all: Series[], name: string, labels: Record<string, string> = {}) =>
	all.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

export interface FakeEngine {
	role: 'leader' | 'follower';
	onRoleChange(listener: (role: 'leader' | 'follower') => void): () => void;
	become(role: 'leader' | 'follower'): void;
}

export function fakeEngine(role: 'leader' | 'follower' = 'leader'): FakeEngine {
	const listeners = new Set<(role: 'leader' | 'follower') => void>();
	const engine: FakeEngine = {
		role,
		onRoleChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		become(next) {
			engine.role = next;
			for (const l of listeners) l(next);
		},
	};
	return engine;
}

export interface Rig {
	dir: string;
	store: BatchStore;
	clock: ManualClock;
	deploymentId: string;
	exporter: Exporter;
	engine: FakeEngine;
	scrape(): Promise<Series[]>;
}

/** A data directory with one canary live at 5% (long bake), and an exporter on 127.0.0.1, port picked by the system. */
export async function rig(opts: {whileFollowing?: 'serve' | 'refuse'; role?: 'leader' | 'follower'} = {}): Promise<Rig> {
	const clock = clockAt();
	const dir = tempDir();
	const {store} = await initStore(dir);
	const {deploymentId} = await seedCanary(store, clock);
	const exporter = await startExporter({listen: {host: '127.0.0.1', port: 0}, store, clock, whileFollowing: opts.whileFollowing ?? 'serve'});
	const engine = fakeEngine(opts.role);
	exporter.follow(engine);
	const scrape = async () => {
		const answer = await exporter.scrape();
		if (answer.status !== 200) throw new Error(`scrape answered ${answer.status}: ${answer.body}`);
		return parseExposition(answer.body);
	};
	return {dir, store, clock, deploymentId, exporter, engine, scrape};
}
