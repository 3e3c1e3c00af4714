import {Box, Text} from 'ink';
import {displayText, type DeploymentView, type State} from '../../core/index.js';
import BlockScroll from '../components/BlockScroll.js';
import Line from '../components/Line.js';
import type {DialogData} from '../model/dialog-data.js';
import type {HistoryLine} from '../model/history-lines.js';
import DialogView from '../dialogs/DialogView.js';
import QuitDialog from '../dialogs/QuitDialog.js';
import type {Block} from '../model/blocks.js';
import type {ConsoleState} from '../model/console-state.js';
import type {Layout, ScreenModel} from '../model/screen.js';
import AuditEventView from './AuditEventView.js';
import AuditList from './AuditList.js';
import DeploymentList from './DeploymentList.js';
import HelpView from './HelpView.js';
import HistoryView from './HistoryView.js';
import IntentList from './IntentList.js';
import LeaseList from './LeaseList.js';

interface Props {
	ui: ConsoleState;
	layout: Layout;
	state?: State;
	model?: ScreenModel;
	/** The deployments in the list's window, as views. */
	listViews: readonly DeploymentView[];
	selected: number;
	top: number;
	listHeight: number;
	blocks: readonly Block[];
	/** The detail's offset, within what its blocks allow now (they grow and shrink with the data). */
	detailOffset: number;
	/** The audit event shown whole, as rows (see eventBlocks), and how far it is scrolled. */
	eventBlocks: readonly Block[];
	eventOffset: number;
	/** The help's rows, laid out for the pane (see helpBlocks). */
	help: readonly Block[];
	helpOffset: number;
	readonly: boolean;
	auditLoading: boolean;
	readError?: string;
	/** What the open dialog shows of its target(s) (see dialog-data.ts). */
	dialog: DialogData;
	/** Deployments marked for a group action (Space), drawn with a `*`. */
	marked: ReadonlySet<string>;
	/** The service history shown over the list (H), as lines, and how far it is scrolled. */
	history?: {lines: readonly HistoryLine[]; offset: number};
	/** What changed since the open dialog opened. */
	dialogChanges: readonly string[];
	/** The console's clock, for times shown with their date when not today. */
	now: number;
}

function Body(p: Props) {
	const {ui, layout, state, model} = p;
	const width = layout.columns;
	if (!state || !model) {
		return (
			<Line>
				<Text color={p.readError ? 'red' : 'gray'}>{p.readError ? `cannot read the store: ${displayText(p.readError, 1000)}` : 'reading the store…'}</Text>
			</Line>
		);
	}
	if (ui.quitting) return <QuitDialog question={ui.quitting} height={layout.pane} width={width} />;
	if (ui.dialog) {
		return (
			<DialogView
				dialog={ui.dialog}
				height={layout.pane}
				width={width}
				{...p.dialog}
				preview={model.startPreview}
				changed={p.dialogChanges}
				now={p.now}
			/>
		);
	}
	if (ui.help) return <HelpView blocks={p.help} offset={p.helpOffset} height={layout.pane} readonly={p.readonly} />;
	const {top} = p;
	const filtered = ui.filter[ui.pane].trim() !== '';
	switch (ui.pane) {
		case 'deployments':
			if (ui.history && p.history) return <HistoryView service={ui.history.service} lines={p.history.lines} offset={p.history.offset} height={layout.pane} />;
			return ui.detail && p.blocks.length > 0 ? (
				<BlockScroll blocks={p.blocks} offset={p.detailOffset} height={layout.pane} width={width} />
			) : (
				<DeploymentList views={p.listViews} selected={p.selected - top} width={width} height={p.listHeight} filtered={filtered} marked={p.marked} />
			);
		case 'leases':
			return <LeaseList leases={model.leases} selected={p.selected} top={top} width={width} height={layout.listRows} filtered={filtered} canStart={!p.readonly} />;
		case 'intents':
			return <IntentList intents={model.intents} selected={p.selected} top={top} width={width} height={layout.listRows} filtered={filtered} next={model.intentNext} />;
		case 'audit': {
			const event = ui.event ? model.audit[p.selected] : undefined;
			if (event) return <AuditEventView event={event} blocks={p.eventBlocks} offset={p.eventOffset} height={layout.pane} />;
			return <AuditList events={model.audit} selected={p.selected} top={top} width={width} height={p.listHeight} loading={p.auditLoading} filtered={filtered} now={p.now} />;
		}
	}
}

/** The main pane: a list, the detail, the help or a dialog, never taller than its share. */
export default function MainPane(props: Props) {
	return (
		<Box flexDirection="column" height={props.layout.pane} overflow="hidden">
			<Body {...props} />
		</Box>
	);
}
