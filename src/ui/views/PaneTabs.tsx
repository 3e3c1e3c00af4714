import {Text} from 'ink';
import {displayText} from '../../core/text.js';
import Line from '../components/Line.js';
import {PANES, type Pane} from '../model/console-state.js';

const TITLE: Record<Pane, string> = {deployments: 'Deployments', leases: 'Leases to sign or start', audit: 'Audit', intents: 'Intents'};
const SHORT: Record<Pane, string> = {deployments: 'Deployments', leases: 'Leases', audit: 'Audit', intents: 'Intents'};

interface Props {
	pane: Pane;
	detail?: string;
	counts: Record<Pane, number | undefined>;
	filter: string;
	filtering: boolean;
	/** Short titles, for narrow terminals. */
	compact: boolean;
}

/** The panes with their counts, the active one bracketed; the filter being typed or kept. */
export default function PaneTabs({pane, detail, counts, filter, filtering, compact}: Props) {
	return (
		<Line>
			{PANES.map((p, i) => {
				const label = `${i + 1} ${(compact ? SHORT : TITLE)[p]}${counts[p] === undefined ? '' : ` ${counts[p]}`}`;
				return p === pane ? (
					<Text key={p} bold>
						[{label}]{'  '}
					</Text>
				) : (
					<Text key={p} color="gray">
						{' '}
						{label}{'   '}
					</Text>
				);
			})}
			{detail ? <Text bold>› {detail} </Text> : null}
			{filtering ? (
				<Text>
					<Text bold>/</Text>
					{displayText(filter)}
					<Text inverse> </Text>
				</Text>
			) : filter ? (
				<Text color="yellow">filter: {displayText(filter)} (Esc clears)</Text>
			) : null}
		</Line>
	);
}
