import {Text} from 'ink';
import type {ReactNode} from 'react';
import {UNREAD_TARGET, type LeaseView, type StartPreview} from '../../core/index.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {versions} from '../model/format.js';
import DialogFrame from './DialogFrame.js';

const label = (text: string) => <Text color="gray">{text} </Text>;

/**
 * Starting a canary from a signed lease: the pre-checks `calyx canary start` runs, run read-only
 * now and shown one by one, then the lease id typed. A failing check is said, and the dialog
 * cannot confirm (the reducer refuses its Enter: see `confirmable`). Until the target has answered
 * the dialog's reading, its checks say so (pending, not failed) and the dialog cannot confirm either.
 */
export default function StartDialog({dialog, lease, preview, changed, height, width}: {dialog: Dialog; lease?: LeaseView; preview?: StartPreview; changed: readonly string[]; height: number; width: number}) {
	if (!lease || !preview) {
		const facts = [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
		return <DialogFrame title={`Start ${dialog.target}`} tone="critical" dialog={dialog} facts={facts} verb="start" height={height} width={width} />;
	}
	const {intent, plan} = lease;
	const reading = preview.checks.some(c => c.detail === UNREAD_TARGET);
	const facts: ReactNode[] = [
		<Text>
			{label('intent')}
			{intent ? `${intent.id} · ${intent.service} ${versions(intent.fromVersion, intent.toVersion)}` : 'missing'} · signed{' '}
			{lease.signers.map(s => `${s.role}:${s.keyId}`).join(', ')}
		</Text>,
		<Text color="gray">pre-checks, read now (the engine runs them again on start):</Text>,
		...preview.checks.map(c =>
			c.detail === UNREAD_TARGET ? (
				<Toned tone="info">
					… {c.name}: {c.detail}
				</Toned>
			) : (
				<Toned tone={c.ok ? 'ok' : 'critical'}>
					{c.ok ? '✓' : '✗'} {c.name}: {c.detail}
				</Toned>
			),
		),
		reading ? (
			<Toned tone="info">the pre-checks complete once the target answers (Esc closes)</Toned>
		) : dialog.readingError !== undefined ? (
			<Toned tone="critical" bold>
				cannot start: the target could not be read (Esc closes; s again reads it again)
			</Toned>
		) : preview.ok ? (
			<Text>
				makes the rollback pack, then sends {plan.tiers[0]}% of traffic to {intent?.toVersion ?? 'the new version'} (tiers {plan.tiers.join('›')})
			</Text>
		) : (
			<Toned tone="critical" bold>
				cannot start: a pre-check fails (Esc closes; fix it, then s again)
			</Toned>
		),
	];
	return <DialogFrame title={`Start a canary from ${lease.id}`} tone={preview.ok ? 'accent' : reading ? 'info' : 'critical'} dialog={dialog} facts={facts} verb="start" height={height} changed={changed} width={width} />;
}
