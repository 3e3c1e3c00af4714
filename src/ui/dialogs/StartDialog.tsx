import {Text} from 'ink';
import type {ReactNode} from 'react';
import type {LeaseView, StartPreview} from '../../core/index.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {versions} from '../model/format.js';
import DialogFrame from './DialogFrame.js';

const label = (text: string) => <Text color="gray">{text} </Text>;

/**
 * Starting a canary from a signed lease: the pre-checks `calyx canary start` runs, run read-only
 * now and shown one by one, then the lease id typed. A failing check is said, and the dialog
 * cannot confirm (the reducer refuses its Enter: see `confirmable`).
 */
export default function StartDialog({dialog, lease, preview, changed, height, width}: {dialog: Dialog; lease?: LeaseView; preview?: StartPreview; changed: readonly string[]; height: number; width: number}) {
	if (!lease || !preview) {
		const facts = [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
		return <DialogFrame title={`Start ${dialog.target}`} tone="critical" dialog={dialog} facts={facts} verb="start" height={height} width={width} />;
	}
	const {intent, plan} = lease;
	const facts: ReactNode[] = [
		<Text>
			{label('intent')}
			{intent ? `${intent.id} · ${intent.service} ${versions(intent.fromVersion, intent.toVersion)}` : 'missing'} · signed{' '}
			{lease.signers.map(s => `${s.role}:${s.keyId}`).join(', ')}
		</Text>,
		<Text color="gray">pre-checks, read now (the engine runs them again on start):</Text>,
		...preview.checks.map(c => (
			<Toned tone={c.ok ? 'ok' : 'critical'}>
				{c.ok ? '✓' : '✗'} {c.name}: {c.detail}
			</Toned>
		)),
		preview.ok ? (
			<Text>
				makes the rollback pack, then sends {plan.tiers[0]}% of traffic to {intent?.toVersion ?? 'the new version'} (tiers {plan.tiers.join('›')})
			</Text>
		) : (
			<Toned tone="critical" bold>
				cannot start: a pre-check fails (Esc closes; fix it, then s again)
			</Toned>
		),
	];
	return <DialogFrame title={`Start a canary from ${lease.id}`} tone={preview.ok ? 'accent' : 'critical'} dialog={dialog} facts={facts} verb="start" height={height} changed={changed} width={width} />;
}
