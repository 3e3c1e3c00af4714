import type {DeploymentStatus} from '../model/index.js';

/**
 * A status code as words for people: `awaiting_promotion` → `awaiting promotion`. Screens and CLI
 * text show the words; --json, the store and scripts keep the codes, and a filter matches either.
 */
export const statusWord = (code: string): string => code.replaceAll('_', ' ');

/** Every deployment status, in the order of a canary's life. Type-only import: the quick list path loads no zod. */
const STATUS_LIST = ['running', 'holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'rolled_back', 'rollback_failed', 'completed'] as const;
// A status the model adds but this list lacks fails to compile here, rather than to filter.
export const DEPLOYMENT_STATUSES: [Exclude<DeploymentStatus, (typeof STATUS_LIST)[number]>] extends [never] ? readonly DeploymentStatus[] : never = STATUS_LIST;

/** The status a person or a script names, by its code (`awaiting_cosign`) or its words (`awaiting cosign`, any case). */
export function deploymentStatusOf(text: string): DeploymentStatus | undefined {
	const wanted = text.trim().toLowerCase();
	return DEPLOYMENT_STATUSES.find(code => code === wanted || statusWord(code) === wanted);
}
