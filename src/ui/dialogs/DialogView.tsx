import type {DeploymentView, LeaseView} from '../../core/index.js';
import type {Dialog} from '../model/dialog.js';
import ActionDialog from './ActionDialog.js';
import CosignDialog from './CosignDialog.js';

/** The open dialog over the live data of its target. */
export default function DialogView(props: {dialog: Dialog; deployment?: DeploymentView; lease?: LeaseView; signer?: string; height: number; width: number}) {
	const {dialog, height, width} = props;
	if (dialog.action === 'cosign') {
		return <CosignDialog dialog={dialog} height={height} width={width} {...(props.lease ? {lease: props.lease} : {})} {...(props.signer ? {signer: props.signer} : {})} />;
	}
	return <ActionDialog dialog={dialog} height={height} width={width} {...(props.deployment ? {view: props.deployment} : {})} />;
}
