import {restoreArchived} from '../../core/archive.js';
import type {Command} from 'commander';
import {deploymentView, type DeploymentView} from '../../core/view/deployment.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, unknownId} from '../errors.js';
import {duration} from '../parse.js';
import {leaderText, renderStatus, statusText, tierTrack} from '../render/deployment.js';
import {painter} from '../render/table.js';
import {drawnFor, paintedText} from '../render/terminal.js';
import {escapeDeep} from '../../core/text.js';
import {statusWord} from '../../core/view/words.js';

const FAILED = new Set(['halted', 'rolling_back', 'rolled_back', 'rollback_failed']);
/**
 * Where a watch stops: an end, a halt, or a tier waiting for keys. Both wait for a person (resume,
 * roll back, cosign), so a script watching must hear now, not at its timeout. A rollback in progress is followed to
 * its verified end.
 */
const STOPS_WATCH = new Set(['completed', 'halted', 'rolled_back', 'rollback_failed', 'awaiting_cosign']);

/**
 * Like `kubectl argo rollouts status`: 0 while healthy or completed, 1 once halted or rolled back;
 * 4 while it waits for two keys (a person must act, as for a halt, but nothing went wrong).
 */
export const statusExit = (v: DeploymentView) => (FAILED.has(v.status) ? EXIT.refused : v.status === 'awaiting_cosign' ? EXIT.awaitingKeys : EXIT.ok);

/** The deployment as shown, with the revision it was read at (a script's --expect-rev). */
type Seen = DeploymentView & {rev: number};

async function viewOf(cli: Cli, id: string): Promise<Seen> {
	const store = await cli.store();
	const found = await store.deployment(id);
	if (!found) throw unknownId('deployment', id);
	// One that ended is shown beside the lease and intent it was archived with (its signers, its risk).
	const live = await store.read();
	return {rev: found.rev, ...deploymentView(found.record ? restoreArchived(live, found.record) : live, found.deployment, cli.clock.now())};
}

/** Redraws in place on a terminal; a line per change otherwise, so logs stay readable. */
async function watch(cli: Cli, id: string, timeoutMs: number | undefined, first: Seen): Promise<Seen> {
	const store = await cli.store();
	const paint = painter(cli.color);
	const tty = cli.io.stdout.isTTY === true && !cli.json;
	let last = '';
	let view = first;
	const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
	await new Promise<void>(resolve => {
		let busy = false;
		const draw = async () => {
			if (busy) return;
			busy = true;
			try {
				view = await viewOf(cli, id);
				const shown = escapeDeep(view);
				if (tty) cli.io.stdout.write(`\u001B[H\u001B[2J${drawnFor(cli.io.env, paintedText(renderStatus(shown, paint, cli.time, cli.clock.now())))}\n`);
				else if (!cli.json) {
					const detail = `${tierTrack(shown)}  ${shown.gate?.summary ?? shown.halt?.reason ?? shown.rollback?.reason ?? ''}`.trimEnd();
					const line = `${view.status} at ${view.percent}%  ${detail}`;
					if (line !== last) cli.outPainted(`${cli.stamp()}  ${statusText(view.status, paint)} at ${view.percent}%  ${detail}`);
					last = line;
				}
			} finally {
				busy = false;
			}
			if (STOPS_WATCH.has(view.status) || Date.now() >= deadline) stop();
		};
		const unwatch = store.watch(() => void draw());
		const timer = setInterval(() => void draw(), 1000);
		const stop = () => {
			unwatch();
			clearInterval(timer);
			resolve();
		};
		void draw();
	});
	if (!STOPS_WATCH.has(view.status) && Date.now() >= deadline) {
		cli.err(`calyx: ${id} did not finish within the timeout (now ${statusWord(view.status)} at ${view.percent}%)`);
	}
	return view;
}

export function registerStatus(canary: Command, io: Io) {
	const cmd = canary
		.command('status <id>')
		.description('status, tier, gate verdict per metric, last samples, halt and rollback details')
		.option('--watch', 'follow live until the deployment ends or halts (needs an engine: the console or `calyx engine`)')
		.option('--timeout <duration>', 'with --watch: give up after this long (exit 1)', duration)
		.action(
			action<{watch?: boolean; timeout?: number}>(io, async (cli, [id], o) => {
				const first = await viewOf(cli, id!);
				// A live canary nobody drives is not sampled, gated or halted: say so, it is why a watch never ends.
				const engine = (await (await cli.store()).engineLeader()) ?? null;
				if (first.active && !engine) cli.err(`calyx: no engine is running for ${await cli.storeLabel()}: ${id} is not sampled, gated or halted until one runs (calyx engine, or calyx ui)`);
				const view = o.watch ? await watch(cli, id!, o.timeout, first) : first;
				// A watch has printed as it went; only --json still owes its one document.
				const text = (shown: Seen & {engine: typeof engine}) => {
					const status = renderStatus(shown, painter(cli.color), cli.time, cli.clock.now());
					// Who drives a live one: on a store shared by several boxes, which box to look at.
					return shown.active && shown.engine ? `${status}\nengine:   ${leaderText(shown.engine)}` : status;
				};
				if (!o.watch || cli.json) cli.emit({...view, engine}, text, {painted: true});
				const timedOut = o.watch && !STOPS_WATCH.has(view.status);
				return timedOut ? EXIT.refused : statusExit(view);
			}),
		);
	examples(cmd, 'calyx canary status DEP-20261126-001', 'calyx canary status DEP-20261126-001 --watch --timeout 30m', 'calyx canary status DEP-20261126-001 --json | jq .gate');
}
