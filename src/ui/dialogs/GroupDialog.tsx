import {Text} from 'ink';
import type {ReactNode} from 'react';
import {displayText, statusWord, type DeploymentView} from '../../core/index.js';
import {deploymentActions} from '../../core/view/actions.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {STATUS_TONE} from '../theme.js';
import {groupLayout} from '../model/group-fit.js';
import DialogFrame from './DialogFrame.js';

/** One marked deployment as it stands now, and whether the action applies to it (the engine still decides). */
function row(id: string, view: DeploymentView | undefined, action: 'halt' | 'rollback'): ReactNode {
	if (!view) return <Toned tone="critical">✗ {displayText(id)}: no longer in the store</Toned>;
	const can = deploymentActions(view)[action];
	return (
		<Text>
			{can.ok ? '• ' : '✗ '}
			{view.id} {view.service} · <Toned tone={STATUS_TONE[view.status]}>{statusWord(view.status)}</Toned> at {view.percent}%
			{can.ok ? '' : <Toned tone="warning"> — {can.why}</Toned>}
		</Text>
	);
}

/**
 * A halt or rollback of the marked deployments: every one listed, by id, with where it stands; the
 * operator types how many there are, then one reason. When one line each does not fit, the ids are
 * listed together, wrapped; a set that does not fit even so cannot be confirmed (group-fit.ts).
 */
export default function GroupDialog({dialog, views, changed, height, width}: {dialog: Dialog; views: ReadonlyMap<string, DeploymentView>; changed: readonly string[]; height: number; width: number}) {
	const group = dialog.group!;
	const verb = group.action === 'halt' ? 'halt' : 'roll back';
	const n = group.ids.length;
	const intro = (
		<Text>
			{verb} these {n} deployments with one reason: one commit, each its own events, linked by the group&apos;s id
		</Text>
	);
	const layout = groupLayout(group.ids, height, width);
	const lines: ReactNode[] = layout.perRow ? group.ids.map(id => row(id, views.get(id), group.action)) : layout.wrapped.map(l => <Text>{l}</Text>);
	const cut = layout.fits ? [] : [<Toned tone="critical">not all {n} fit on screen: this cannot be confirmed (enlarge the terminal, or Esc and mark fewer)</Toned>];
	const title = `${group.action === 'halt' ? 'Halt' : 'Roll back'} ${n} marked deployment${n === 1 ? '' : 's'}`;
	return <DialogFrame title={title} tone={group.action === 'halt' ? 'warning' : 'critical'} dialog={dialog} facts={[intro, ...cut, ...lines]} verb={verb} height={height} changed={changed} width={width} />;
}
