import {ms} from '../clock.js';
import {invalid, refused} from '../errors.js';
import {Sample, type Deployment} from '../model/index.js';
import {evaluateSample, type Evaluation} from '../monitor.js';
import type {CommandOf} from './commands.js';
import {plain, type Ctx} from './context.js';
import {haltDeployment, settle} from './canary.js';
import {ACTIVE} from './transitions.js';
import {awaitingTarget} from '../target.js';
import {statusWord} from '../view/words.js';

/** Validates a raw sample; the message names the field and what is allowed. */
export function parseSample(raw: Partial<Sample>, at: string): Sample {
	const parsed = Sample.safeParse({...raw, at: raw.at ?? at});
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0]!;
	const field = issue.path.join('.') || 'sample';
	throw invalid('INVALID_SAMPLE', `${field}: ${issue.message}`);
}

export interface SampleOutcome {
	evaluation: Evaluation;
	/** `rolling_back`: a critical halted and the plan rolls back; the target's report of the revert ends it. */
	action: 'recorded' | 'held' | 'halted' | 'rolling_back';
	status: Deployment['status'];
}

/** Records a sample against a deployment and acts on it at once: a critical halts before this returns. */
export function recordSample(ctx: Ctx, dep: Deployment, sample: Sample): SampleOutcome {
	ctx.samples.push({deploymentId: dep.id, sample});
	dep.sampleCount += 1;
	// Read plain, and the window replaced rather than edited through the draft: the gate reads every
	// sample of it right after, and through a draft that was most of a sample's cost.
	const plan = plain(dep.plan);
	// A back-dated sample from before this tier began belongs to the log, not to this tier's gate.
	// So does one taken while the target has not confirmed the tier: it measured the split before.
	if (!awaitingTarget(dep) && ms(sample.at) >= ms(dep.tierStartedAt)) {
		// Never fewer than the gate needs: a window smaller than minSamples would hold the tier forever.
		const cap = Math.max(ctx.base.config.sampleWindow, plan.minSamples);
		dep.window = [...plain(dep.window), sample].slice(-cap);
	}
	const evaluation = evaluateSample(sample, plan.thresholds);
	if (evaluation.level === 'critical') {
		haltDeployment(ctx, dep, 'critical', evaluation.reasons.join('; '));
		const action = dep.status === 'halted' ? 'halted' : 'rolling_back';
		return {evaluation, action, status: dep.status};
	}
	settle(ctx, dep);
	return {evaluation, action: dep.status === 'holding' ? 'held' : 'recorded', status: dep.status};
}

export function recordMetrics(ctx: Ctx, cmd: CommandOf<'metrics.record'>) {
	const sample = parseSample(cmd.sample, ctx.at);
	const dep = ctx.deployment(cmd.id);
	if (!ACTIVE.includes(dep.status)) {
		throw refused('NOT_ACTIVE', `${dep.id} is ${statusWord(dep.status)}: samples are taken only while a canary runs`);
	}
	return {id: dep.id, ...recordSample(ctx, dep, sample)};
}
