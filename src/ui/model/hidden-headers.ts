/**
 * A metrics source's headers carry credentials (an Authorization token, or where the engine reads
 * one): the console names them and never shows a value, wherever a definition reaches the screen
 * (the cosign dialog, an audit event's data: `service.applied` holds the signed statement whole).
 */

export {HIDDEN_VALUE, hideHeaderValues} from '../../core/view/hidden-headers.js';

/** `Authorization (value not shown), X-Scope-OrgID (value not shown)`. */
export const headerNames = (headers: Readonly<Record<string, unknown>>) =>
	Object.keys(headers)
		.map(name => `${name} (value not shown)`)
		.join(', ');
