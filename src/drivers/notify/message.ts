import {displayText, safeJson} from '../../core/text.js';
import type {Notice} from './notice.js';

/**
 * A notice as each sink reads it. Text that came from outside calyx's own words (a reason, an
 * actor label, a router's error) is cut to a bound and has its control characters written out
 * (`\x1b`) before anything else; Slack's mrkdwn then has `&`, `<` and `>` escaped, so a reason
 * cannot ping `<!channel>` or forge a link.
 */

/** Bounds per field: a chat message is read on a phone at 3 a.m. */
export const LIMITS = {title: 300, why: 1000, actor: 128, service: 64, command: 300} as const;

const bounded = (text: string, max: number) => displayText(text, max);

/** Slack's mrkdwn control characters, as its documentation says to escape them. */
export const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** calyx's JSON document: every field as data, and `text` for a receiver that shows one line. */
export function jsonBody(notice: Notice): string {
	const doc = {
		source: 'calyx',
		event: notice.event,
		severity: notice.severity,
		subject: notice.subject,
		...(notice.service ? {service: bounded(notice.service, LIMITS.service)} : {}),
		at: notice.at,
		...(notice.seq !== undefined ? {seq: notice.seq} : {}),
		title: bounded(notice.title, LIMITS.title),
		why: bounded(notice.why, LIMITS.why),
		...(notice.actor ? {actor: bounded(notice.actor, LIMITS.actor)} : {}),
		act: notice.act.map(c => bounded(c, LIMITS.command)),
		text: plainText(notice),
	};
	// safeJson: JSON.stringify, with the DEL, C1 and bidi controls it leaves raw written as \u escapes.
	return safeJson(doc);
}

function plainText(notice: Notice): string {
	const who = notice.actor ? ` (by ${bounded(notice.actor, LIMITS.actor)})` : '';
	const act = notice.act.length > 0 ? ` To act: ${notice.act.map(c => bounded(c, LIMITS.command)).join(' · ')}` : '';
	return `[${notice.severity.toUpperCase()}] ${bounded(notice.title, LIMITS.title)}: ${bounded(notice.why, LIMITS.why)}${who}.${act}`;
}

/** A code span that nothing inside can close. */
const code = (command: string) => `\`${mrkdwn(bounded(command, LIMITS.command)).replace(/`/g, "'")}\``;

/** A Slack-compatible incoming webhook's body: one mrkdwn `text`. */
export function slackBody(notice: Notice): string {
	const service = notice.service ? ` · ${mrkdwn(bounded(notice.service, LIMITS.service))}` : '';
	const lines = [
		`*${notice.severity.toUpperCase()}* · ${notice.event.replace(/_/g, ' ')}${service}`,
		`*${mrkdwn(bounded(notice.title, LIMITS.title))}*`,
		`Why: ${mrkdwn(bounded(notice.why, LIMITS.why))}${notice.actor ? ` (by ${mrkdwn(bounded(notice.actor, LIMITS.actor))})` : ''}`,
		...(notice.act.length > 0 ? [`To act: ${notice.act.map(code).join('  or  ')}`] : []),
	];
	return safeJson({text: lines.join('\n')});
}

export const bodyFor = (kind: 'webhook' | 'slack', notice: Notice) => (kind === 'slack' ? slackBody(notice) : jsonBody(notice));
