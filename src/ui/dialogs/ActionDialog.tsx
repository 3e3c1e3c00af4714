import {Text} from 'ink';
import type {ReactNode} from 'react';
import {statusWord, type DeploymentView} from '../../core/index.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {tierSteps, versions} from '../model/format.js';
import {STATUS_TONE, type Tone} from '../theme.js';
import DialogFrame from './DialogFrame.js';

type DeploymentDialog = Exclude<Dialog['action'], 'cosign' | 'start' | 'approve' | 'tierCosign' | 'group'>;

const TITLE: Record<DeploymentDialog, [string, string, Tone]> = {
	promote: ['Promote', 'promote', 'info'],
	forcePromote: ['Force promotion past a hold', 'force the promotion', 'warning'],
	halt: ['Halt', 'halt', 'warning'],
	resume: ['Resume', 'resume', 'info'],
	rollback: ['Roll back', 'roll back', 'critical'],
};

function consequence(action: DeploymentDialog, v: DeploymentView): ReactNode[] {
	const tierIndex = v.tiers.findIndex(t => t.state === 'current' || t.state === 'applying' || t.state === 'failed' || t.state === 'reverted');
	const next = v.tiers[tierIndex + 1]?.percent;
	switch (action) {
		case 'promote':
			return [<Text>moves the canary from {v.percent}% to {next === undefined ? 'the full rollout (completes)' : `${next}%`}</Text>];
		case 'forcePromote':
			return [
				<Text>moves the canary from {v.percent}% to {next === undefined ? 'the full rollout' : `${next}%`} although the gate holds; it overrides:</Text>,
				...(v.gate?.reasons ?? []).map(r => <Toned tone="warning">• {r}</Toned>),
			];
		case 'halt':
			return [<Text>stops the canary at {v.percent}%: nothing promotes until it is resumed (u) or rolled back (r)</Text>];
		case 'resume':
			return [<Text>the {v.percent}% tier bakes again from scratch: samples from before the halt do not count</Text>];
		case 'rollback':
			return [
				<Text>restores the snapshot (sha256 {v.pack.snapshotChecksum.slice(0, 16)}…) with the reverse patch ({v.pack.reverseOps} operations),</Text>,
				<Text>then verifies the target against it; a mismatch ends in rollback failed</Text>,
			];
	}
}

/** Confirmation for promote, force-promote, halt, resume and rollback, over the live view. */
export default function ActionDialog({dialog, view, changed, height, width}: {dialog: Dialog; view?: DeploymentView; changed: readonly string[]; height: number; width: number}) {
	const action = dialog.action as DeploymentDialog;
	const [title, verb, tone] = TITLE[action];
	const facts: ReactNode[] = view
		? [
				<Text>
					{view.service} {versions(view.from, view.to)} · <Toned tone={STATUS_TONE[view.status]}>{statusWord(view.status)}</Toned> at {view.percent}% · tier{' '}
					{tierSteps(view.tiers)}
				</Text>,
				<Text>gate {view.gate ? `${view.gate.verdict.toUpperCase()}: ${view.gate.summary}` : `not evaluated (${statusWord(view.status)})`}</Text>,
				...consequence(action, view),
			]
		: [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
	return <DialogFrame title={`${title} ${dialog.target}`} tone={tone} dialog={dialog} facts={facts} verb={verb} height={height} changed={changed} width={width} />;
}
