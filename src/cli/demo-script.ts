import {runDrill} from '../core/sim/drill.js';

/** Text demo of the engine (until the console lands): the drill's events, one per line. */
export function runDemoScript(out: NodeJS.WritableStream): void {
	const {state, events} = runDrill();
	for (const e of events) out.write(`${e.at}  ${e.kind.padEnd(24)} ${e.subject.padEnd(22)} ${e.reason}\n`);
	for (const d of state.deployments) out.write(`\n${d.id} ${d.service} ${d.fromVersion} → ${d.toVersion}: ${d.status} at ${d.percent}%`);
	out.write('\n');
}
