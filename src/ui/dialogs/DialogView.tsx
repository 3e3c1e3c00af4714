import type {DeploymentView, Intent, LeaseView, StartPreview} from '../../core/index.js';
import type {Dialog} from '../model/dialog.js';
import ActionDialog from './ActionDialog.js';
import ApproveDialog from './ApproveDialog.js';
import CosignDialog from './CosignDialog.js';
import StartDialog from './StartDialog.js';

interface Props {
	dialog: Dialog;
	deployment?: DeploymentView;
	lease?: LeaseView;
	intent?: Intent;
	preview?: StartPreview;
	signer?: string;
	height: number;
	width: number;
	now: number;
}

/** The open dialog over the live data of its target. */
export default function DialogView(props: Props) {
	const {dialog, height, width} = props;
	switch (dialog.action) {
		case 'cosign':
			return <CosignDialog dialog={dialog} height={height} width={width} now={props.now} {...(props.lease ? {lease: props.lease} : {})} {...(props.signer ? {signer: props.signer} : {})} />;
		case 'start':
			return <StartDialog dialog={dialog} height={height} width={width} {...(props.lease ? {lease: props.lease} : {})} {...(props.preview ? {preview: props.preview} : {})} />;
		case 'approve':
			return <ApproveDialog dialog={dialog} height={height} width={width} {...(props.intent ? {intent: props.intent} : {})} />;
		default:
			return <ActionDialog dialog={dialog} height={height} width={width} {...(props.deployment ? {view: props.deployment} : {})} />;
	}
}
