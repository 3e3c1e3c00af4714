import {Text} from 'ink';
import type {ReactNode} from 'react';
import {formatDuration, METRIC_INFO, METRICS, type LeaseView} from '../../core/index.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {clockTime, METRIC_SHORT, versions} from '../model/format.js';
import DialogFrame from './DialogFrame.js';

const label = (text: string) => <Text color="gray">{text} </Text>;
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** Everything a signer must see before signing: intent, risk, plan and the lease digest. */
export default function CosignDialog({dialog, lease, signer, height, width, now}: {dialog: Dialog; lease?: LeaseView; signer?: string; height: number; width: number; now: number}) {
	if (!lease) {
		const facts = [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
		return <DialogFrame title={`Cosign ${dialog.target}`} tone="critical" dialog={dialog} facts={facts} verb="sign" height={height} width={width} />;
	}
	const {intent, risk, plan} = lease;
	const thresholds = METRICS.map(m => {
		const cmp = METRIC_INFO[m].direction === 'below' ? '<' : '>';
		return `${METRIC_SHORT[m]} ${cmp} ${plan.thresholds[m].warning}/${plan.thresholds[m].critical}`;
	}).join(' · ');
	const signed = lease.signers.map(s => `${s.role}:${s.keyId}`).join(', ') || 'nobody yet';
	const facts: ReactNode[] = [
		<Text>{label('you sign as')}<Text bold>{signer ?? 'no key loaded'}</Text></Text>,
		intent ? (
			<Text>{label('intent')}{intent.id} · {intent.service} {versions(intent.fromVersion, intent.toVersion)} · {intent.criticality} criticality</Text>
		) : (
			<Toned tone="critical">intent missing: the lease cannot verify</Toned>
		),
		<Text>{label('digest')}{lease.digest}</Text>,
		<Text>
			{label('risk')}
			<Toned tone={risk.level === 'high' ? 'critical' : risk.level === 'medium' ? 'warning' : 'ok'}>{risk.score} ({risk.level})</Toned>
			{risk.acknowledged ? ', acknowledged' : ''} · {risk.factors.map(f => `${f.name} ${f.points}`).join(' · ')}
		</Text>,
		<Text>
			{label('plan')}tiers {plan.tiers.join('›')} · bake {formatDuration(plan.bakeMs)} · min {plan.minSamples} samples · auto-promote {yesNo(plan.autoPromote)} · auto-rollback{' '}
			{yesNo(plan.autoRollback)}
		</Text>,
		<Text>{label('thresholds')}{thresholds} (warning/critical)</Text>,
		<Text>{label('signed')}{signed}; missing {lease.missing.join(', ') || 'none'}</Text>,
		<Text>{label('expires')}in {formatDuration(Math.max(0, lease.expiresInMs))} ({clockTime(lease.expiresAt, now)})</Text>,
		...(intent ? [<Text>{label('title')}{intent.title}</Text>] : []),
	];
	return <DialogFrame title={`Cosign ${lease.id}`} tone="accent" dialog={dialog} facts={facts} verb="sign" height={height} width={width} />;
}
