/**
 * The HAProxy target: one backend, two servers (stable and canary), steered through the runtime API
 * on HAProxy's admin socket. Percent maps to weights directly: canary = p, stable = 100 − p (HAProxy
 * takes 0–256), so `balance roundrobin` sends exactly p requests in 100 to the canary. Switching
 * takes milliseconds and drops no connection, unlike a reload (../shared/research/targets.md).
 *
 * Every report is HAProxy's own (`show servers state`), read on the same connection as the change:
 * the snapshot and the rollback verification come from the router, never from what was asked.
 * After the runtime change is verified, the same weights are written into the configuration file so
 * that a restart keeps the split; `read` says whether file and runtime agree (`persisted`).
 */
import {z} from 'zod';
import {bounded, checkPercent, DriverError, outsideText, shareOf, type CallOpts, type RouterReport, type TargetDriver} from './driver.js';
import {readConfigWeights, writeConfigWeights} from './haproxy-config.js';
import {isServing, parseServersState, runtimeCall, type ServerState} from './haproxy-socket.js';
import {AbsolutePath, Identifier, parseSettings, RuntimeAddress, TimeoutMs} from './settings.js';

export const HaproxySettings = z
	.object({
		kind: z.literal('haproxy'),
		/** The runtime API: `stats socket <path> mode 600 level admin` in HAProxy's global section, or `stats socket ipv4@<host>:<port> level admin` (settings.ts). */
		socket: RuntimeAddress,
		backend: Identifier,
		servers: z.object({stable: Identifier, canary: Identifier}).strict().refine(s => s.stable !== s.canary, 'stable and canary must name two different servers'),
		/**
		 * The configuration file HAProxy starts from; its two server lines get the weights too. Left out
		 * for an HAProxy on another box (reached over TCP): the split then lives in its runtime only.
		 */
		config: AbsolutePath.optional(),
		timeoutMs: TimeoutMs(2000),
	})
	.strict();
export type HaproxySettings = z.output<typeof HaproxySettings>;

export const parseHaproxySettings = (input: unknown): HaproxySettings => parseSettings(HaproxySettings, input, 'haproxy');

/** A report of an HAProxy whose file calyx does not write: whether a restart keeps the split is not known here. */
function runtimeOnly(report: RouterReport): RouterReport {
	report.notes.push('runtime only: no configuration file is set, so a restart of HAProxy goes back to the weights in its own file');
	return report;
}

/** The weights that give the canary `percent` of the requests. */
export const weightsFor = (percent: number) => ({stable: 100 - percent, canary: percent});

export class HaproxyDriver implements TargetDriver {
	readonly kind = 'haproxy' as const;
	readonly #now: () => number;

	/** The socket call is bounded by `timeoutMs`; the config file's read and write are local and short. */
	get boundMs(): number {
		return this.settings.timeoutMs;
	}

	constructor(
		readonly settings: HaproxySettings,
		env: {now?: () => number} = {},
	) {
		this.#now = env.now ?? Date.now;
	}

	/** Validates `input` first: the way to build one from a service definition. */
	static from(input: unknown, env: {now?: () => number} = {}): HaproxyDriver {
		return new HaproxyDriver(parseHaproxySettings(input), env);
	}

	async read(opts: CallOpts): Promise<RouterReport> {
		const {socket, backend, timeoutMs} = this.settings;
		return bounded(opts.signal, timeoutMs, `haproxy read ${backend}`, async signal => {
			const [state] = await runtimeCall(socket, [`show servers state ${backend}`], {signal});
			const report = this.#report(state!);
			await this.#checkPersisted(report);
			return report;
		});
	}

	async apply(desiredPercent: number, opts: CallOpts): Promise<RouterReport> {
		checkPercent(desiredPercent);
		const {socket, backend, servers, timeoutMs, config} = this.settings;
		const want = weightsFor(desiredPercent);
		return bounded(opts.signal, timeoutMs, `haproxy apply ${desiredPercent}% on ${backend}`, async signal => {
			// The larger weight first: between the two commands the backend never has both servers at 0
			// (0 → 100% would otherwise pass through 0/0, where HAProxy answers 503).
			const order = want.canary > want.stable ? (['canary', 'stable'] as const) : (['stable', 'canary'] as const);
			const sets = order.map(side => `set server ${backend}/${servers[side]} weight ${want[side]}`);
			const outputs = await runtimeCall(socket, [...sets, `show servers state ${backend}`], {signal});
			const report = this.#report(outputs[2]!);
			const refusals = outputs.slice(0, 2).flatMap((out, i) => (out.trim() === '' ? [] : [`"${sets[i]}": ${out.trim()}`]));
			if (refusals.length > 0) throw new DriverError('rejected', outsideText(`HAProxy refused ${refusals.join('; ')}`), {report});
			if (report.stable.weight !== want.stable || report.canary.weight !== want.canary) {
				throw new DriverError('mismatch', `HAProxy reads back weights ${report.stable.weight}/${report.canary.weight} (stable/canary) after setting ${want.stable}/${want.canary}`, {report});
			}
			if (config === undefined) return runtimeOnly(report);
			try {
				await writeConfigWeights(config, backend, {[servers.stable]: want.stable, [servers.canary]: want.canary});
			} catch (error) {
				// The runtime split is in force, but a restart would lose it: a failure the reconciler retries.
				const why = error instanceof Error ? error.message : String(error);
				throw new DriverError('io', `applied ${desiredPercent}% in HAProxy, but the configuration file was not updated: ${why}`, {report: {...report, persisted: false}, cause: error});
			}
			return {...report, persisted: true};
		});
	}

	#report(output: string): RouterReport {
		const {backend, servers} = this.settings;
		const found = parseServersState(output, backend);
		const side = (name: string): ServerState => {
			const s = found.get(name);
			if (!s) throw new DriverError('settings', `HAProxy's backend ${backend} has no server "${name}" (it has: ${[...found.keys()].join(', ') || 'none'})`);
			return s;
		};
		const stable = side(servers.stable);
		const canary = side(servers.canary);
		const notes: string[] = [];
		for (const [role, s] of [['stable', stable], ['canary', canary]] as const) {
			if (!isServing(s) && s.weight > 0) notes.push(`${role} server ${s.name} gets no traffic whatever its weight (op state ${s.opState}, admin state 0x${s.adminState.toString(16)})`);
		}
		if (stable.weight + canary.weight === 0) notes.push('both servers have weight 0: the backend serves no request');
		return {
			kind: 'haproxy',
			canaryPercent: shareOf(stable.weight, canary.weight),
			stable: {weight: stable.weight, serving: isServing(stable)},
			canary: {weight: canary.weight, serving: isServing(canary)},
			evidence: 'router',
			notes,
			raw: outsideText(output),
			at: new Date(this.#now()).toISOString(),
		};
	}

	/** Whether the configuration file carries the weights in force: a read never fails for the file's sake. */
	async #checkPersisted(report: RouterReport): Promise<void> {
		const {config, backend, servers} = this.settings;
		if (config === undefined) return void runtimeOnly(report);
		try {
			const written = await readConfigWeights(config, backend, [servers.stable, servers.canary]);
			report.persisted = written[servers.stable] === report.stable.weight && written[servers.canary] === report.canary.weight;
			if (!report.persisted) {
				const shown = (w: number | undefined) => (w === undefined ? 'unset' : String(w));
				report.notes.push(`${config} has weights ${shown(written[servers.stable])}/${shown(written[servers.canary])} (stable/canary): a restart would change the split`);
			}
		} catch (error) {
			report.persisted = false;
			report.notes.push(error instanceof Error ? error.message : String(error));
		}
	}
}
