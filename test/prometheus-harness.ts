/**
 * A real Prometheus (Debian's 2.42) for the tests and the benches: its config and TSDB in a temp
 * dir, listening on 127.0.0.1 port 0 (the real port is read from its log: no race for a port),
 * stopped by pid, bounded in time. Facts it relies on: ../shared/research/targets.md, "Prometheus".
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {until} from './drivers/haproxy-harness.js';

/** Why Prometheus tests cannot run here, or undefined when they can. */
export function prometheusAbsent(): string | undefined {
	const found = spawnSync('sh', ['-c', 'command -v prometheus'], {encoding: 'utf8'});
	return found.status === 0 ? undefined : 'prometheus is not installed (apt-get install --no-install-recommends prometheus; .ci/run installs it)';
}

export interface PrometheusOpts {
	/** host:port of each target to scrape, in one job `targets`. */
	targets: string[];
	/** Also scrape its own /metrics, in a job `prometheus`. */
	self?: boolean;
	scrapeInterval?: string;
	/** Where the config and the TSDB go (the caller's temp dir: it removes it). */
	dir: string;
	metricsPath?: string;
}

export interface RunningPrometheus {
	/** http://127.0.0.1:NNNNN */
	url: string;
	pid: number;
	/** From spawn: to the "Listening on" line, and to /-/ready answering 200. */
	timings: {listeningMs: number; readyMs: number};
	log(): string;
	stop(): Promise<void>;
}

const LISTENING = /msg="Listening on" address=(127\.0\.0\.1:\d+)/;
const LOADED = /msg="Completed loading of configuration file"/g;
/** The most of its log kept: enough for a failure's message, bounded for a long bench. */
const LOG_MAX = 64 * 1024;
const START_MS = 10_000;
const STOP_GRACE_MS = 3_000;

function config(o: PrometheusOpts, self?: string): string {
	const interval = o.scrapeInterval ?? '1s';
	const job = (name: string, targets: string[], path?: string) =>
		[`  - job_name: ${name}`, ...(path ? [`    metrics_path: ${JSON.stringify(path)}`] : []), '    static_configs:', `      - targets: ${JSON.stringify(targets)}`];
	return [
		'global:',
		`  scrape_interval: ${interval}`,
		`  evaluation_interval: ${interval}`,
		'scrape_configs:',
		...job('targets', o.targets, o.metricsPath),
		...(self ? job('prometheus', [self]) : []),
		'',
	].join('\n');
}

/** One GET answering its status, 0 when nothing answers. */
async function status(url: string): Promise<number> {
	try {
		const res = await fetch(url, {signal: AbortSignal.timeout(1000)});
		await res.body?.cancel();
		return res.status;
	} catch {
		return 0;
	}
}

/**
 * Starts Prometheus and waits until it is ready. With `self`, its own address is added once known
 * (the config is rewritten and reloaded by SIGHUP). Samples are queryable only ~6 s later:
 * `waitForSeries`.
 */
export async function startPrometheus(o: PrometheusOpts): Promise<RunningPrometheus> {
	const file = join(o.dir, 'prometheus.yml');
	await mkdir(o.dir, {recursive: true});
	await writeFile(file, config(o));
	const started = performance.now();
	const child = spawn(
		'prometheus',
		[`--config.file=${file}`, `--storage.tsdb.path=${join(o.dir, 'data')}`, '--web.listen-address=127.0.0.1:0', '--storage.tsdb.retention.time=1h'],
		{stdio: ['ignore', 'ignore', 'pipe']},
	);
	let log = '';
	child.stderr.on('data', (d: Buffer) => {
		log += d.toString();
		if (log.length > LOG_MAX) log = log.slice(-LOG_MAX);
	});
	let spawnError: Error | undefined;
	child.once('error', error => (spawnError = error));
	const exited = new Promise<void>(resolve => child.once('close', () => resolve()));
	const gone = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
	// A test worker that dies without its afterAll must not leave a Prometheus behind.
	const killOnExit = () => child.kill('SIGKILL');
	process.once('exit', killOnExit);
	const stop = async () => {
		process.removeListener('exit', killOnExit);
		if (gone()) return;
		child.kill('SIGTERM');
		const ended = await Promise.race([exited.then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), STOP_GRACE_MS).unref())]);
		if (!ended) {
			child.kill('SIGKILL');
			await exited;
		}
	};
	try {
		let address: string | undefined;
		await until(() => gone() || (address = LISTENING.exec(log)?.[1]) !== undefined, START_MS, 'Prometheus to log "Listening on"');
		if (address === undefined) throw new Error(`prometheus ended before listening (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}): ${log.slice(-2000)}`);
		const listeningMs = performance.now() - started;
		const url = `http://${address}`;
		await until(async () => gone() || (await status(`${url}/-/ready`)) === 200, START_MS, 'Prometheus /-/ready');
		if (gone()) throw new Error(`prometheus ended before ready: ${log.slice(-2000)}`);
		const readyMs = performance.now() - started;
		if (o.self) {
			await writeFile(file, config(o, address));
			const loads = log.match(LOADED)?.length ?? 0;
			child.kill('SIGHUP');
			await until(() => gone() || (log.match(LOADED)?.length ?? 0) > loads, START_MS, 'Prometheus to reload its config');
			if (gone()) throw new Error(`prometheus ended on reload: ${log.slice(-2000)}`);
		}
		return {url, pid: child.pid!, timings: {listeningMs, readyMs}, log: () => log, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * Polls `query` until it answers a value (one sample at least), and says how long that took. A
 * target's first scrape is queryable only ~6 s after start (Prometheus applies targets every 5 s).
 */
export async function waitForSeries(url: string, query: string, timeoutMs: number): Promise<number> {
	const started = performance.now();
	const answers = async () => {
		try {
			const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({query})}`, {signal: AbortSignal.timeout(1000)});
			const body = (await res.json()) as {data?: {resultType?: string; result?: unknown}};
			const result = body.data?.result;
			return body.data?.resultType === 'scalar' || (Array.isArray(result) && result.length > 0);
		} catch {
			return false;
		}
	};
	await until(answers, timeoutMs, `a value for ${query}`);
	return performance.now() - started;
}
