/**
 * The HAProxy target's costs against a real HAProxy, each against a floor measured in the same run:
 * a bare round trip on the admin socket (a dozen lines of node:net, no parsing, no config file).
 * - read: `show servers state` parsed, plus the config file read to say whether the split persists;
 * - apply: two `set server … weight` and the read-back on one connection, plus the config file
 *   rewritten atomically (temp, fsync, rename, fsync of the directory) when the split changes;
 * - apply unchanged: the same percent again (the reconciler's level-triggered re-apply), no write.
 * Median and p95 over 20 runs each. Run: node --import tsx bench/router.ts (needs haproxy).
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {HaproxyDriver} from '../src/drivers/targets/haproxy.js';
import {countAnswers, haproxyAbsent, startBackend, startHaproxy} from '../test/drivers/haproxy-harness.js';
import {ms, ratio, sample, stats, table} from './lib/stats.js';

const RUNS = 20;
const absent = haproxyAbsent();
if (absent) {
	console.error(`bench:router: ${absent}`);
	process.exit(2);
}

/** The floor: one line out, everything until HAProxy closes, nothing else. */
function bare(path: string, line: string): Promise<string> {
	return new Promise((resolve, reject) => {
		let out = '';
		const socket = connect({path}, () => socket.write(`${line}\n`));
		socket.on('data', d => (out += d.toString()));
		socket.on('end', () => resolve(out));
		socket.on('error', reject);
	});
}

const root = await mkdtemp(join(tmpdir(), 'calyx-bench-router-'));
const stable = await startBackend('v1');
const canary = await startBackend('v2');
const hx = await startHaproxy(root, {stablePort: stable.port, canaryPort: canary.port});
try {
	const driver = HaproxyDriver.from({kind: 'haproxy', socket: hx.socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: hx.config});
	const signal = new AbortController().signal;
	const show = 'show servers state app';
	const setLine = (p: number) => `set server app/stable weight ${100 - p};set server app/canary weight ${p};${show}`;

	const floorRead = stats(await sample(() => bare(hx.socket, show), {iterations: RUNS, warmup: 3}));
	const floorApply = stats(await sample(i => bare(hx.socket, setLine(i % 2 === 0 ? 5 : 25)), {iterations: RUNS, warmup: 3}));
	const read = stats(await sample(() => driver.read({signal}), {iterations: RUNS, warmup: 3}));
	const apply = stats(await sample(i => driver.apply(i % 2 === 0 ? 5 : 25, {signal}), {iterations: RUNS, warmup: 3}));
	await driver.apply(25, {signal});
	const same = stats(await sample(() => driver.apply(25, {signal}), {iterations: RUNS, warmup: 3}));

	// Share accuracy at each tier, through HAProxy: what the weights promise is what traffic gets.
	const accuracy: Array<Array<string | number>> = [['tier', 'requests', 'on canary', 'share']];
	for (const p of [5, 25, 100]) {
		await driver.apply(p, {signal});
		const counts = await countAnswers(hx.port, 1000);
		accuracy.push([`${p}%`, 1000, counts.v2 ?? 0, `${((100 * (counts.v2 ?? 0)) / 1000).toFixed(1)}%`]);
	}

	console.log(`HAProxy target (${RUNS} runs each, ms)\n`);
	console.log(
		table([
			['call', 'median', 'p95', 'floor median', 'floor p95', 'vs floor'],
			['read', ms(read.median), ms(read.p95), ms(floorRead.median), ms(floorRead.p95), ratio(read.median, floorRead.median)],
			['apply (split changes)', ms(apply.median), ms(apply.p95), ms(floorApply.median), ms(floorApply.p95), ratio(apply.median, floorApply.median)],
			['apply (unchanged)', ms(same.median), ms(same.p95), ms(floorApply.median), ms(floorApply.p95), ratio(same.median, floorApply.median)],
		]),
	);
	console.log('\nfloor: a bare socket round trip with the same command line; read and apply add parsing and reading the config file; apply adds its atomic rewrite (fsync) when the split changes.\n');
	console.log(table(accuracy));
} finally {
	await hx.stop();
	await Promise.all([stable.close(), canary.close()]);
	await rm(root, {recursive: true, force: true});
}
