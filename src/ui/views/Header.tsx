import {Text} from 'ink';
import {memo} from 'react';
import {DeploymentStatus, displayText, statusWord} from '../../core/index.js';
import Line from '../components/Line.js';
import type {EnginePresence} from '../hooks/use-engine-presence.js';
import Toned from '../components/Toned.js';
import {sameNode} from '../components/same-node.js';
import {LOCK, STATUS_TONE} from '../theme.js';

interface Props {
	dataDir: string;
	role: 'leader' | 'follower';
	/** Whether any process drives the canaries now. */
	engine: EnginePresence;
	/** The process that leads when another one does (`pid 1234 on ops-2`): the store's text, escaped here. */
	leader?: string;
	/** Who acts: `human:alice`, or `operator:<user>` without a key. */
	actor: string;
	/** The role of the key this console signs with, if one is loaded. */
	keyRole?: string;
	readonly: boolean;
	/** What the engine acts on (`simulated` for the demo world); absent when the state names none. */
	target?: string;
	counts: Partial<Record<DeploymentStatus, number>>;
	/** Keys are governed by the user's demo trust: said on every screen, so nobody takes it for production. */
	demoTrust?: boolean;
	/** What fails now: the store's backend (store-trouble.ts), notification sinks (notify-trouble.ts); escaped already. */
	trouble?: string;
}

/**
 * What is acted on, by which engine, as whom; then how many deployments are in each state and
 * where the data lives. The target and the engine come first: an operator must never take the
 * demo for production, nor a watching console for one that drives canaries. A read-only console
 * runs no engine, so it says it watches instead of naming a leader or a follower; and when no
 * process leads at all, it says so loudly: nothing samples, gates or halts the canaries then.
 * A console that does not lead names the process that does (on an etcd store, maybe on another
 * box): where to look when the canaries stop moving. A notification sink this console's engine
 * cannot reach comes first on the second line: nobody is told of a halt while it lasts.
 */
function Header({dataDir, role, engine, leader, actor, keyRole, readonly, target, counts, demoTrust, trouble}: Props) {
	// The host is whatever the store holds: escaped and bounded, never written to the terminal raw.
	const leading = engine === 'other' && leader ? displayText(leader, 80) : undefined;
	const present = DeploymentStatus.options.filter(s => (counts[s] ?? 0) > 0);
	return (
		<>
			<Line>
				<Text bold>calyx</Text>
				{target ? (
					<>
						<Text color="gray"> target </Text>
						<Toned tone={target.split(' + ').includes('simulated') ? 'warning' : 'plain'} bold>
							{displayText(target, 64)}
						</Toned>
					</>
				) : null}
				<Text color="gray"> engine </Text>
				{engine === 'none' ? (
					<Text bold color="red">
						none: canaries are not driven{readonly ? ` (${LOCK})` : ''}
					</Text>
				) : readonly ? (
					<>
						<Toned tone="info">watching</Toned>
						<Text bold color="yellow">
							{' '}
							({LOCK})
						</Text>
					</>
				) : (
					<Toned tone={role === 'leader' ? 'ok' : 'info'}>{role}</Toned>
				)}
				{leading ? <Text color="gray"> (leader: {leading})</Text> : null}
				<Text color="gray"> you </Text>
				<Text>{displayText(actor, 200)}</Text>
				<Text color="gray">{keyRole ? ` (${keyRole} key)` : ' (no signing key)'}</Text>
			</Line>
			<Line>
				{trouble ? (
					<Text bold color="red">
						{trouble}
						<Text color="gray"> · </Text>
					</Text>
				) : null}
				{demoTrust ? (
					<Text bold color="yellow">
						demo trust: not for production<Text color="gray"> · </Text>
					</Text>
				) : null}
				{present.length === 0 ? (
					<Text color="gray">no deployments</Text>
				) : (
					present.map((s, i) => (
						<Text key={s}>
							{i > 0 ? <Text color="gray"> · </Text> : null}
							<Toned tone={STATUS_TONE[s]}>{statusWord(s)}</Toned> {counts[s]}
						</Text>
					))
				)}
				<Text color="gray">{/^etcds?:/.test(dataDir) ? ' · store ' : ' · data '}</Text>
				<Text>{displayText(dataDir, 1000)}</Text>
			</Line>
		</>
	);
}

// Rendered again only when what it shows changed, not on every frame of the screen around it.
export default memo(Header, sameNode);
