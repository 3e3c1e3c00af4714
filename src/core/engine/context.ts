import {current, isDraft} from 'immer';
import {iso} from '../clock.js';
import type {EventDraft} from '../events.js';
import type {Deployment, Intent, Lease, Sample, State} from '../model/index.js';
import {notFound} from '../errors.js';
import type {Trust} from '../trust.js';

export interface RecordedSample {
	deploymentId: string;
	sample: Sample;
}

/**
 * A draft's value as plain data, for code that reads it many times: each read through a draft
 * costs a proxy, and finalizing the draft a walk over them. An unmodified draft gives its original.
 */
export const plain = <T>(value: T): T => (isDraft(value) ? current(value) : value);

/** What the gate reads of a deployment, as plain data (the gate reads every sample of the window). */
export const gateInput = (dep: Deployment) => ({
	plan: plain(dep.plan),
	window: plain(dep.window),
	tierStartedAt: dep.tierStartedAt,
	percent: dep.percent,
	desired: plain(dep.desired),
	...(dep.bake ? {bake: plain(dep.bake)} : {}),
	...(dep.observed ? {observed: plain(dep.observed)} : {}),
	target: dep.target,
	...(dep.definition ? {definition: plain(dep.definition)} : {}),
	...(dep.feeds ? {feeds: plain(dep.feeds)} : {}),
});

/**
 * What a handler works with: the immutable state it started from (for look-ups: scanning the
 * draft would proxy every element), the draft it changes, and the outputs it collects.
 */
export class Ctx {
	readonly events: EventDraft[] = [];
	readonly samples: RecordedSample[] = [];
	constructor(
		readonly base: State,
		readonly draft: State,
		readonly now: number,
		readonly actor: string,
		readonly trust: Trust,
	) {}

	get at(): string {
		return iso(this.now);
	}

	emit(kind: string, subject: string, reason: string, data: Record<string, unknown> = {}, actor = this.actor): void {
		// Data often comes from the draft: copied now, or it would hold proxies that are revoked (and
		// unreadable, even by JSON.stringify) once the command returns.
		this.events.push({at: this.at, actor, kind, subject, reason, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>});
	}

	#index<T extends {id: string}>(list: T[], id: string, what: string): number {
		const i = list.findIndex(x => x.id === id);
		if (i < 0) throw notFound(what, id);
		return i;
	}

	intent(id: string): Intent {
		return this.draft.intents[this.#index(this.base.intents, id, 'intent')]!;
	}
	lease(id: string): Lease {
		return this.draft.leases[this.#index(this.base.leases, id, 'lease')]!;
	}
	deployment(id: string): Deployment {
		return this.draft.deployments[this.#index(this.base.deployments, id, 'deployment')]!;
	}
}
