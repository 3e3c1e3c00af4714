import type {DeploymentView} from '../../core/index.js';
import type {DialogContent} from '../model/cosign-content.js';
import type {Dialog} from '../model/dialog.js';
import ActionDialog from './ActionDialog.js';
import CosignDialog from './CosignDialog.js';

/** The open dialog over the live data of its target. */
export default function DialogView(props: {dialog: Dialog; deployment?: DeploymentView; content?: DialogContent; changed: readonly string[]; height: number}) {
	const {dialog, height, changed} = props;
	if (dialog.action === 'cosign') return <CosignDialog dialog={dialog} height={height} changed={changed} {...(props.content ? {content: props.content} : {})} />;
	return <ActionDialog dialog={dialog} height={height} changed={changed} {...(props.deployment ? {view: props.deployment} : {})} />;
}
