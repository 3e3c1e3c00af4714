import {Text} from 'ink';
import {DeploymentStatus} from '../../core/index.js';
import Line from '../components/Line.js';
import Toned from '../components/Toned.js';
import {LOCK, STATUS_TONE} from '../theme.js';

interface Props {
	dataDir: string;
	role: 'leader' | 'follower';
	/** Who acts: `human:alice`, or `operator:<user>` without a key. */
	actor: string;
	/** The role of the key this console signs with, if one is loaded. */
	keyRole?: string;
	readonly: boolean;
	counts: Partial<Record<DeploymentStatus, number>>;
}

/** Where, as what, as whom, and how many deployments are in each state. */
export default function Header({dataDir, role, actor, keyRole, readonly, counts}: Props) {
	const present = DeploymentStatus.options.filter(s => (counts[s] ?? 0) > 0);
	return (
		<>
			<Line>
				<Text bold>calyx</Text>
				<Text color="gray"> data </Text>
				<Text>{dataDir}</Text>
				<Text color="gray"> engine </Text>
				<Toned tone={role === 'leader' ? 'ok' : 'info'}>{role}</Toned>
				<Text color="gray"> you </Text>
				<Text>{actor}</Text>
				<Text color="gray">{keyRole ? ` (${keyRole} key)` : ' (no signing key)'}</Text>
				{readonly ? (
					<Text bold color="yellow">
						{'  '}
						{LOCK}
					</Text>
				) : null}
			</Line>
			<Line>
				{present.length === 0 ? (
					<Text color="gray">no deployments</Text>
				) : (
					present.map((s, i) => (
						<Text key={s}>
							{i > 0 ? <Text color="gray"> · </Text> : null}
							<Toned tone={STATUS_TONE[s]}>{s}</Toned> {counts[s]}
						</Text>
					))
				)}
			</Line>
		</>
	);
}
