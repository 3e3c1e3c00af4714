import type {DeploymentView, Intent, LeaseView, StartPreview} from '../../core/index.js';
import type {DialogContent} from '../model/cosign-content.js';
import type {Dialog} from '../model/dialog.js';
import ActionDialog from './ActionDialog.js';
import ApproveDialog from './ApproveDialog.js';
import CosignDialog from './CosignDialog.js';
import GroupDialog from './GroupDialog.js';
import StartDialog from './StartDialog.js';

interface Props {
	dialog: Dialog;
	deployment?: DeploymentView;
	lease?: LeaseView;
	intent?: Intent;
	preview?: StartPreview;
	/** A group dialog's deployments, by id, as they stand now. */
	group?: ReadonlyMap<string, DeploymentView>;
	/** The cosign dialog's content, wrapped and windowed (see cosign-content.ts). */
	content?: DialogContent;
	/** What changed since the dialog opened (see review.ts). */
	changed: readonly string[];
	height: number;
	width: number;
	/** The console's clock, for times shown with their date when not today. */
	now: number;
}

/** The open dialog over the live data of its target. */
export default function DialogView(props: Props) {
	const {dialog, height, width, changed} = props;
	switch (dialog.action) {
		case 'group':
			return <GroupDialog dialog={dialog} height={height} width={width} changed={changed} views={props.group ?? new Map()} />;
		case 'cosign':
		case 'tierCosign':
			return <CosignDialog dialog={dialog} height={height} width={width} changed={changed} {...(props.content ? {content: props.content} : {})} />;
		case 'start':
			return (
				<StartDialog dialog={dialog} height={height} width={width} changed={changed} {...(props.lease ? {lease: props.lease} : {})} {...(props.preview ? {preview: props.preview} : {})} />
			);
		case 'approve':
			return <ApproveDialog dialog={dialog} height={height} width={width} changed={changed} now={props.now} {...(props.intent ? {intent: props.intent} : {})} />;
		default:
			return <ActionDialog dialog={dialog} height={height} width={width} changed={changed} {...(props.deployment ? {view: props.deployment} : {})} />;
	}
}
