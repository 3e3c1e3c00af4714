import {Text} from 'ink';
import {memo} from 'react';
import {displayText} from '../../core/text.js';
import Line from '../components/Line.js';
import TextField from '../components/TextField.js';
import {sameNode} from '../components/same-node.js';
import {PANES, type Pane} from '../model/console-state.js';

const TITLE: Record<Pane, string> = {deployments: 'Deployments', leases: 'Leases to sign or start', audit: 'Audit', intents: 'Intents'};
const SHORT: Record<Pane, string> = {deployments: 'Deployments', leases: 'Leases', audit: 'Audit', intents: 'Intents'};

interface Props {
	pane: Pane;
	detail?: string;
	counts: Record<Pane, number | undefined>;
	filter: string;
	filtering: boolean;
	/** Where the cursor is in the filter being typed. */
	filterCursor: number;
	/** Short titles, for narrow terminals. */
	compact: boolean;
	/** The terminal's columns: the filter being typed scrolls within what the tabs leave. */
	width: number;
}

// Each tab's label is drawn with four columns around it (brackets or spaces, and the gap).
const TAB_EXTRA = 4;

/** The panes with their counts, the active one bracketed; the filter being typed or kept. */
function PaneTabs({pane, detail, counts, filter, filtering, filterCursor, compact, width}: Props) {
	const labels = PANES.map((p, i) => `${i + 1} ${(compact ? SHORT : TITLE)[p]}${counts[p] === undefined ? '' : ` ${counts[p]}`}`);
	const used = labels.reduce((n, l) => n + l.length + TAB_EXTRA, 0) + (detail ? detail.length + 3 : 0);
	return (
		<Line>
			{PANES.map((p, i) => {
				const label = labels[i]!;
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
				<TextField label="/" value={filter} cursor={filterCursor} width={width - used} />
			) : filter ? (
				<Text color="yellow">filter: {displayText(filter)} (Esc clears)</Text>
			) : null}
		</Line>
	);
}

// Rendered again only when what it shows changed, not on every frame of the screen around it.
export default memo(PaneTabs, sameNode);
