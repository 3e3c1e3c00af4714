import type {Command} from 'commander';
import {riskOf} from '../../core/engine/leases.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {unknownId} from '../errors.js';
import {demandWords} from '../../core/risk-plan.js';
import {table} from '../render/table.js';

export function registerRisk(program: Command, io: Io) {
	const cmd = program
		.command('risk <intentId>')
		.description('the change risk score (0–100), its level and the factors that produced it, as of now')
		.action(
			action(io, async (cli, [id]) => {
				const state = await (await cli.store()).read();
				const intent = state.intents.find(i => i.id === id);
				if (!intent) throw unknownId('intent', id);
				const risk = riskOf(state, intent, cli.clock.now());
				const policy = state.config.risk;
				const demand = policy.plans[risk.level];
				cli.emit({intentId: intent.id, ...risk, policy: {ackRequiredAt: policy.ackRequiredAt, maxScore: policy.maxScore}, demands: demand}, shown =>
					[
						`${intent.id}: risk ${risk.level.toUpperCase()} (${risk.score}/100)`,
						table(['FACTOR', 'POINTS', 'DETAIL'], shown.factors.map(f => [f.name, String(f.points), f.detail])),
						`policy: ${policy.ackRequiredAt} risk needs --ack-risk on the lease; ${policy.maxScore < 100 ? `above ${policy.maxScore} nothing deploys` : 'no score is too high to deploy (config risk.maxScore)'}`,
						`plan:   ${risk.level} risk demands at least: ${demandWords(demand)}`,
					].join('\n'),
				);
			}),
		);
	examples(cmd, 'calyx risk INT-20261126-001', 'calyx risk INT-20261126-001 --json');
}
