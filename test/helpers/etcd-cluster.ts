/**
 * A real etcd cluster (Debian's 3.4) for the tests of the etcd store: N members on 127.0.0.1, each
 * a child of the test process with its data and zap log in one temp dir (on disk: a new cluster
 * preallocates ~367 MB of WAL), health polled with a deadline, members killed by SIGKILL (SIGTERM
 * takes 8–9 s while the leader hands over). No compaction flags: compaction is the store's business.
 * Facts it relies on: ../shared/research/distributed.md.
 */
import {execFile, spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {closeSync, openSync, rmSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {createServer, type AddressInfo, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {afterAll, beforeAll} from 'vitest';
import {until} from '../drivers/haproxy-harness.js';

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdAbsent(): string | undefined {
	const found = spawnSync('sh', ['-c', 'command -v etcd && command -v etcdctl'], {encoding: 'utf8'});
	return found.status === 0 ? undefined : 'etcd or etcdctl is not installed (apt-get install --no-install-recommends etcd-server etcd-client; .ci/run installs them)';
}

/**
 * The skip decision for a file of etcd tests: the reason they cannot run (printed), undefined when
 * they can. CI installs etcd (.ci/run sets CALYX_TEST_REQUIRE): there a missing etcd is a broken
 * setup, so this throws instead of skipping.
 */
export function etcdSkipReason(what: string): string | undefined {
	const absent = etcdAbsent();
	const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('etcd');
	if (absent && required) throw new Error(`${what} are required here: ${absent}`);
	if (absent) console.log(`skipping ${what}: ${absent}`);
	return absent;
}

export interface EtcdMember {
	readonly name: string;
	/** http://127.0.0.1:NNNNN */
	readonly clientUrl: string;
	readonly peerUrl: string;
	/** The running process; undefined once killed and until restarted. */
	readonly pid: number | undefined;
}

export interface EtcdCluster {
	/** The temp dir holding every member's data dir and log; removed by stop(). */
	readonly dir: string;
	/** Every member's client URL, killed ones included. */
	readonly endpoints: string[];
	/** etcd://127.0.0.1:p1,127.0.0.1:p2,… */
	readonly url: string;
	readonly members: readonly EtcdMember[];
	/** From the first spawn to every member healthy, in ms (the attempt that succeeded). */
	readonly startMs: number;
	/** The running member that is Raft leader, polled until one is (an election may be under way). */
	leader(timeoutMs?: number): Promise<EtcdMember>;
	/** SIGKILL, and wait for the process to be gone. */
	kill(member: EtcdMember): Promise<void>;
	/** Start a killed member again on its data dir and ports; resolves once it answers healthy. */
	restart(member: EtcdMember, timeoutMs?: number): Promise<void>;
	/** The last lines of every member's log: for a failing test's message. */
	logTail(): Promise<string>;
	/** SIGKILL every member, wait for their exit, remove the dir. */
	stop(): Promise<void>;
}

export interface ClusterOpts {
	members?: number;
	/** Deadline for every member healthy. */
	timeoutMs?: number;
}

const HEALTHY_MS = 20_000;
const LEADER_MS = 10_000;
const TAIL_LINES = 8;
const TAIL_CHARS = 3000;
/** etcdctl's default dial timeout (5 s) would make each failed poll that long. */
const CTL = ['--dial-timeout=300ms', '--command-timeout=1s'];

class Member implements EtcdMember {
	child: ChildProcess | undefined;
	exited: Promise<void> = Promise.resolve();
	constructor(
		readonly name: string,
		readonly clientPort: number,
		readonly peerPort: number,
	) {}
	get clientUrl() {
		return `http://127.0.0.1:${this.clientPort}`;
	}
	get peerUrl() {
		return `http://127.0.0.1:${this.peerPort}`;
	}
	get pid() {
		return this.running() ? this.child?.pid : undefined;
	}
	running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
	}
}

/** A member's exit before it was healthy, its log saying a port was taken: the whole start is worth one more try. */
class PortLost extends Error {}

/** Ports free a moment ago, all distinct: each held open on port 0 until every one is known. */
async function freePorts(n: number): Promise<number[]> {
	const servers: Server[] = [];
	try {
		for (let i = 0; i < n; i++) {
			const server = createServer();
			servers.push(server);
			await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
		}
		return servers.map(s => (s.address() as AddressInfo).port);
	} finally {
		await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
	}
}

function etcdctl(endpoints: string[], args: string[]): Promise<{ok: boolean; out: string}> {
	return new Promise(resolve =>
		execFile('etcdctl', [`--endpoints=${endpoints.join(',')}`, ...CTL, ...args], {encoding: 'utf8'}, (error, stdout) => resolve({ok: !error, out: stdout})),
	);
}

/** The part of `etcdctl endpoint status --write-out=json` the leader is found from. */
interface EndpointStatus {
	Endpoint: string;
	Status: {header: {member_id: string}; leader: string};
}

function parseStatuses(out: string): EndpointStatus[] {
	try {
		// Member ids are uint64: as JSON numbers they would be rounded, so they are quoted first.
		return JSON.parse(out.replace(/("(?:member_id|leader)":)(\d+)/g, '$1"$2"')) as EndpointStatus[];
	} catch {
		return [];
	}
}

async function tail(file: string): Promise<string> {
	const text = await readFile(file, 'utf8').catch(() => '');
	return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n').slice(-TAIL_CHARS);
}

class Cluster implements EtcdCluster {
	startMs = 0;
	private readonly initialCluster: string;
	private readonly onExit = () => {
		for (const m of this.nodes) if (m.running()) m.child?.kill('SIGKILL');
		rmSync(this.dir, {recursive: true, force: true});
	};

	constructor(
		readonly dir: string,
		private readonly nodes: Member[],
	) {
		this.initialCluster = nodes.map(m => `${m.name}=${m.peerUrl}`).join(',');
		// A test worker that dies without its afterAll must leave neither processes nor 367 MB behind.
		process.on('exit', this.onExit);
	}

	get members(): readonly EtcdMember[] {
		return this.nodes;
	}
	get endpoints(): string[] {
		return this.nodes.map(m => m.clientUrl);
	}
	get url(): string {
		return `etcd://${this.nodes.map(m => `127.0.0.1:${m.clientPort}`).join(',')}`;
	}

	launch(m: Member, state: 'new' | 'existing'): void {
		// Output before the logger is set up (a bad flag) goes to a file beside the log.
		const early = openSync(join(this.dir, `${m.name}.stderr`), 'a');
		const args = [
			`--name=${m.name}`,
			`--data-dir=${join(this.dir, m.name)}`,
			`--listen-client-urls=${m.clientUrl}`,
			`--advertise-client-urls=${m.clientUrl}`,
			`--listen-peer-urls=${m.peerUrl}`,
			`--initial-advertise-peer-urls=${m.peerUrl}`,
			`--initial-cluster=${this.initialCluster}`,
			`--initial-cluster-token=${basename(this.dir)}`,
			`--initial-cluster-state=${state}`,
			'--logger=zap',
			`--log-outputs=${join(this.dir, `${m.name}.log`)}`,
		];
		const child = spawn('etcd', args, {stdio: ['ignore', early, early]});
		closeSync(early);
		m.child = child;
		m.exited = new Promise(resolve => {
			child.once('exit', () => resolve());
			child.once('error', () => resolve());
		});
	}

	/** Polls until each of `members` answers a linearizable read (so it has joined and sees a leader). */
	async waitHealthy(members: Member[], timeoutMs: number): Promise<void> {
		let dead: Member | undefined;
		try {
			await until(
				async () => (dead = members.find(m => !m.running())) !== undefined || (await etcdctl(members.map(m => m.clientUrl), ['endpoint', 'health'])).ok,
				timeoutMs,
				`etcd ${members.map(m => m.name).join(', ')} healthy`,
			);
		} catch (error) {
			throw new Error(`${(error as Error).message}\n${await this.logTail()}`);
		}
		if (dead === undefined) return;
		const log = await this.logTail();
		const why = `etcd ${dead.name} exited (${dead.child?.exitCode ?? dead.child?.signalCode}) before it was healthy\n${log}`;
		throw /address already in use/.test(log) ? new PortLost(why) : new Error(why);
	}

	async logTail(): Promise<string> {
		const parts = await Promise.all(
			this.nodes.map(async m => `--- ${m.name} (${join(this.dir, `${m.name}.log`)})\n${await tail(join(this.dir, `${m.name}.stderr`))}\n${await tail(join(this.dir, `${m.name}.log`))}`),
		);
		return parts.join('\n');
	}

	private own(member: EtcdMember): Member {
		const m = this.nodes.find(n => n.name === member.name);
		if (!m) throw new Error(`no member ${member.name} in this cluster (members: ${this.nodes.map(n => n.name).join(', ')})`);
		return m;
	}

	async leader(timeoutMs = LEADER_MS): Promise<EtcdMember> {
		let found: Member | undefined;
		await until(
			async () => {
				const live = this.nodes.filter(m => m.running());
				if (live.length === 0) throw new Error('no etcd member is running');
				// A member that does not answer fails the command but the others' statuses are still printed.
				const {out} = await etcdctl(live.map(m => m.clientUrl), ['endpoint', 'status', '--write-out=json']);
				const statuses = parseStatuses(out);
				const own = statuses.find(s => s.Status.header.member_id === s.Status.leader);
				found = live.find(m => m.clientUrl === own?.Endpoint);
				return found !== undefined;
			},
			timeoutMs,
			'an etcd member to be Raft leader',
		);
		return found!;
	}

	async kill(member: EtcdMember): Promise<void> {
		const m = this.own(member);
		if (m.running()) m.child?.kill('SIGKILL');
		await m.exited;
	}

	async restart(member: EtcdMember, timeoutMs = HEALTHY_MS): Promise<void> {
		const m = this.own(member);
		if (m.running()) throw new Error(`etcd ${m.name} is running (pid ${m.pid}): kill it before restarting it`);
		this.launch(m, 'existing');
		await this.waitHealthy([m], timeoutMs);
	}

	async stop(): Promise<void> {
		await Promise.all(this.nodes.map(m => this.kill(m)));
		await rm(this.dir, {recursive: true, force: true});
		process.removeListener('exit', this.onExit);
	}
}

async function attempt(members: number, timeoutMs: number): Promise<Cluster> {
	const dir = await mkdtemp(join(tmpdir(), 'calyx-etcd-'));
	const ports = await freePorts(2 * members);
	const nodes = Array.from({length: members}, (_, i) => new Member(`m${i + 1}`, ports[2 * i]!, ports[2 * i + 1]!));
	const cluster = new Cluster(dir, nodes);
	const started = performance.now();
	try {
		for (const m of nodes) cluster.launch(m, 'new');
		await cluster.waitHealthy(nodes, timeoutMs);
	} catch (error) {
		await cluster.stop();
		throw error;
	}
	cluster.startMs = performance.now() - started;
	return cluster;
}

/**
 * Starts an N-member cluster on ports free a moment ago and resolves once every member is healthy.
 * Another process may take a port between its probe and etcd's bind: then the whole start is tried
 * once more, on new ports and a new dir.
 */
export async function startCluster({members = 3, timeoutMs = HEALTHY_MS}: ClusterOpts = {}): Promise<EtcdCluster> {
	if (!Number.isInteger(members) || members < 1) throw new Error(`members: ${members} is not a whole number of 1 or more`);
	try {
		return await attempt(members, timeoutMs);
	} catch (error) {
		if (!(error instanceof PortLost)) throw error;
		return attempt(members, timeoutMs);
	}
}

/**
 * One cluster for the tests of a describe block (started before them, stopped after them), and the
 * URL of a store of its own on it for each test that asks (a fresh name: tests never share keys).
 * Call it inside a `describe.skipIf(etcdSkipReason(…) !== undefined)`.
 */
export function sharedCluster(): {cluster(): EtcdCluster; freshUrl(tag?: string): string} {
	let cluster: EtcdCluster | undefined;
	beforeAll(async () => {
		cluster = await startCluster();
	}, 60_000);
	afterAll(async () => {
		await cluster?.stop();
	});
	return {cluster: () => cluster!, freshUrl: (tag = 't') => `${cluster!.url}/${tag}${randomBytes(5).toString('hex')}`};
}
