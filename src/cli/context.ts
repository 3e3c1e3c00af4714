import {userInfo} from 'node:os';
import {systemClock, type Clock} from '../core/clock.js';
import {showTime, type ShowTime} from '../core/time.js';
import type {Command} from '../core/engine/commands.js';
import type {BatchResult, BatchStore, RunResult} from '../store/api.js';
import {loadKey, type LocalKey} from '../store/keyring.js';
import {loadTrust} from '../store/trust.js';
import type {Trust} from '../core/trust.js';
import {escapeDeep, safeJson, TEXT_LIMITS, textProblem} from '../core/text.js';
import {colorWanted, dataDirOf} from './env.js';
import {keyFor, usage} from './errors.js';
import {drawnFor, paintedText, terminalText} from './render/terminal.js';

export interface GlobalOptions {
	data?: string;
	/** An etcd store's URL (etcd://h1:2379,…[/name]); the data directory when absent. */
	store?: string;
	json?: boolean;
	color?: boolean;
	expectRev?: number;
}

type WithoutActor<T> = T extends unknown ? Omit<T, 'actor'> & {actor?: string} : never;

export interface Io {
	stdout: NodeJS.WritableStream & {isTTY?: boolean};
	stderr: NodeJS.WritableStream;
	stdin: NodeJS.ReadableStream & {isTTY?: boolean};
	env: NodeJS.ProcessEnv;
}

/** What every command gets: resolved global options, the data directory, output, identity. */
export class Cli {
	readonly clock: Clock = systemClock;
	#store: BatchStore | undefined;
	#trust: Trust | undefined;
	constructor(
		readonly global: GlobalOptions,
		readonly io: Io,
	) {}

	/** Times for people, now on this command's clock, in the process's zone (TZ); --json keeps ISO. */
	get time(): ShowTime {
		return showTime(this.clock.now());
	}

	/** Now, as text: the stamp of a log line (`canary status --watch`, `engine`). */
	stamp(): string {
		return this.time(this.clock.now());
	}

	get json(): boolean {
		return this.global.json === true;
	}

	get color(): boolean {
		return colorWanted(this.global.color, this.io.stdout, this.io.env);
	}

	get dataDir(): string {
		return dataDirOf(this.global.data, this.io.env);
	}

	/** The etcd store --store or CALYX_STORE names (exit 2 for a URL that names none), or undefined: the data directory. */
	async etcdTarget() {
		// A flag on the line beats the environment: --data names a data directory even with CALYX_STORE set.
		if (this.global.store !== undefined && this.global.data !== undefined) throw usage('--store and --data: give one of them (an etcd store, or a data directory)', 'INVALID_STORE');
		const url = this.global.store ?? (this.global.data === undefined ? this.io.env.CALYX_STORE : undefined);
		if (url === undefined || url === '') return undefined;
		const {parseStoreUrl} = await import('../store/etcd/url.js');
		const target = parseStoreUrl(url, this.io.env);
		if ('problem' in target) throw usage(target.problem, 'INVALID_STORE');
		return target;
	}

	/** Where the store is, for messages: the etcd store's URL (no credentials) or the data directory. */
	async storeLabel(): Promise<string> {
		const target = await this.etcdTarget();
		if (!target) return this.dataDir;
		const {targetLabel} = await import('../store/etcd/url.js');
		return targetLabel(target);
	}

	/** Opens the store (the data directory, or the etcd store); lazily, so that commands which do not need it never load it. */
	async store(): Promise<BatchStore> {
		if (!this.#store) {
			const [target, {stateHome}] = await Promise.all([this.etcdTarget(), import('../store/xdg.js')]);
			if (target) {
				const {openEtcdStore} = await import('../store/etcd/index.js');
				this.#store = await openEtcdStore(target, {trust: this.trust, stateHome: stateHome(this.io.env)});
				return this.#store;
			}
			const {openStore} = await import('../store/index.js');
			// This user's witnesses of the audit trail: kept if possible, never a reason to fail.
			const warn = (message: string) => this.err(`calyx: warning: ${message}`);
			this.#store = await openStore(this.dataDir, {trust: this.trust, anchor: {stateHome: stateHome(this.io.env), warn}});
		}
		return this.#store;
	}

	/** Creates the store if it holds no state yet (idempotent), with this trust; the data directory's options apply to it alone. */
	async initStore(opts: {trust: Trust; group?: number}): Promise<{created: boolean; store: BatchStore}> {
		const target = await this.etcdTarget();
		if (target) {
			if (opts.group !== undefined) throw usage('--group: shares a data directory; an etcd store is shared by its cluster\'s users and roles (CALYX_ETCD_USER)');
			const [{initEtcdStore}, {stateHome}] = await Promise.all([import('../store/etcd/index.js'), import('../store/xdg.js')]);
			return initEtcdStore(target, {trust: opts.trust, stateHome: stateHome(this.io.env)});
		}
		const {initStore} = await import('../store/index.js');
		return initStore(this.dataDir, opts.group === undefined ? {trust: opts.trust} : {trust: opts.trust, group: opts.group});
	}

	/** The trust file this environment names (CALYX_TRUST, /etc/calyx/trust.json, or the demo trust). */
	get trust(): Trust {
		this.#trust ??= loadTrust(this.io.env);
		return this.#trust;
	}

	/** Replaces the trust before the store opens (the demo trust, made on first need). */
	useTrust(trust: Trust): void {
		if (this.#store) throw new Error('the trust is fixed once the store is open');
		this.#trust = trust;
	}

	/** One command through the store, as this user, guarded by --expect-rev when given. */
	async run<R = unknown>(cmd: WithoutActor<Command>): Promise<RunResult<R>> {
		const store = await this.store();
		const guard = this.global.expectRev !== undefined ? {expectedRev: this.global.expectRev} : {};
		return store.run<R>({actor: this.actor(), ...cmd, ...guard} as Command, {clock: this.clock});
	}

	/**
	 * Several commands as one commit, as this user. The batch is guarded by `expectedRev`, which
	 * defaults to --expect-rev: a caller committing in chunks passes the revision its previous
	 * chunk produced, so that nobody else's write slips in between.
	 */
	async runMany<R = unknown>(cmds: Array<WithoutActor<Command>>, expectedRev = this.global.expectRev): Promise<BatchResult<R>> {
		const store = await this.store();
		const actor = this.actor();
		return store.runMany<R>(
			cmds.map(cmd => ({actor, ...cmd}) as Command),
			{clock: this.clock, ...(expectedRev !== undefined ? {expectedRev} : {})},
		);
	}

	async close(): Promise<void> {
		await this.#store?.close();
	}

	/** The key named by --key or CALYX_KEY (an id under the key directory, or a path). */
	key(flag: string | undefined): LocalKey {
		const ref = flag ?? this.io.env.CALYX_KEY;
		if (!ref) throw usage('--key: no key to sign with (pass --key <file|id> or set CALYX_KEY)');
		return keyFor(flag ? '--key' : 'CALYX_KEY', () => loadKey(ref, this.io.env));
	}

	/**
	 * Who acts, as a label: CALYX_ACTOR, else the holder of CALYX_KEY, else the Unix user. A label
	 * never stands for a key: "human:…" and "agent:…" are refused unless CALYX_KEY is that very key,
	 * and what needs an identity (approvals, cosignatures, proposals) is signed.
	 */
	actor(): string {
		const held = this.#heldKey();
		const named = this.io.env.CALYX_ACTOR;
		if (named) {
			// Recorded in the audit trail and shown to whoever reads it: held to the engine's rules here, by its name.
			const problem = textProblem(named, TEXT_LIMITS.actor);
			if (problem) throw usage(`CALYX_ACTOR: ${problem}`, 'INVALID_ACTOR');
			const claimed = /^(human|agent):/.test(named);
			if (claimed && named !== (held && `${held.role}:${held.id}`)) {
				throw usage(`CALYX_ACTOR: "${named}" names a key, and only that key's holder (CALYX_KEY) may act under it; use another label, e.g. operator:${userInfo().username}`, 'INVALID_ACTOR');
			}
			return named;
		}
		return held ? `${held.role}:${held.id}` : `operator:${userInfo().username}`;
	}

	#heldKey(): LocalKey | undefined {
		const ref = this.io.env.CALYX_KEY;
		if (!ref) return undefined;
		try {
			return loadKey(ref, this.io.env);
		} catch {
			// An unreadable CALYX_KEY is reported by the commands that sign; here it only names the actor.
			return undefined;
		}
	}

	/** The key named by --key or CALYX_KEY, if any (for commands that sign when they can). */
	optionalKey(flag: string | undefined): LocalKey | undefined {
		return flag ?? this.io.env.CALYX_KEY ? this.key(flag) : undefined;
	}

	/** Prints to stdout, every control character but the line breaks written out (see terminalText). */
	out(text: string): void {
		this.#write(this.io.stdout, terminalText(text));
	}

	/** Prints what a painter coloured: its colour codes pass, nothing else a terminal acts on. */
	outPainted(text: string): void {
		this.#write(this.io.stdout, paintedText(text));
	}

	err(text: string): void {
		this.#write(this.io.stderr, terminalText(text));
	}

	#write(stream: NodeJS.WritableStream, text: string): void {
		const shown = this.json ? text : drawnFor(this.io.env, text);
		stream.write(shown.endsWith('\n') ? shown : `${shown}\n`);
	}

	/**
	 * Prints `data` under --json (exactly one document), else the text; an empty text prints nothing
	 * (the error on stderr says it all). The text is made from `shown`: the data with every control
	 * character escaped, so that columns are measured on what shows and no title starts a line.
	 */
	emit<T>(data: T, text: (shown: T) => string, opts: {painted?: boolean} = {}): void {
		if (this.json) this.out(safeJson(data, 2));
		else {
			const t = text(escapeDeep(data));
			if (t !== '') (opts.painted ? this.outPainted(t) : this.out(t));
		}
	}
}
