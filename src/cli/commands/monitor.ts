import type {Command} from 'commander';
import {DEFAULT_THRESHOLDS, METRICS, METRIC_INFO, type MetricName, type Thresholds} from '../../core/model/metrics.js';
import {evaluateSample} from '../../core/monitor.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, usage} from '../errors.js';
import {metricOptions} from '../parse.js';

/** The store's thresholds when there is one; the defaults otherwise (the check is stateless). */
async function thresholds(cli: Cli): Promise<{thresholds: Thresholds; from: string}> {
	try {
		const state = await (await cli.store()).read();
		return {thresholds: state.config.plan.thresholds, from: await cli.storeLabel()};
	} catch (error) {
		if ((error as {code?: string}).code === 'NOT_INITIALISED') return {thresholds: DEFAULT_THRESHOLDS, from: 'defaults'};
		throw error;
	}
}

export function registerMonitor(program: Command, io: Io) {
	const monitor = program.command('monitor').description('the auto-halt monitor: warning and critical bands per metric');
	const check = metricOptions(
		monitor.command('check').description('evaluate one reading against the thresholds: exit 0 for OK or WARNING, 1 for HALT'),
	).action(
			action<Partial<Record<MetricName, number>>>(io, async (cli, _args, o) => {
				const given = METRICS.filter(m => o[m] !== undefined);
				if (given.length === 0) throw usage(`monitor check: give at least one of ${METRICS.map(m => METRIC_INFO[m].flag).join(', ')}`);
				const {thresholds: t, from} = await thresholds(cli);
				const evaluation = evaluateSample(Object.fromEntries(given.map(m => [m, o[m]])), t);
				cli.emit({status: evaluation.verdict, ...evaluation, thresholdsFrom: from}, () =>
					[
						`Status: ${evaluation.verdict}`,
						...(evaluation.reasons.length ? evaluation.reasons.map(r => `Reason: ${r}`) : ['Reason: all readings within thresholds']),
						`Recommendation: ${evaluation.recommendation}`,
						...evaluation.readings.map(r => `  ${r.detail}: ${r.level}`),
					].join('\n'),
				);
				return evaluation.verdict === 'HALT' ? EXIT.refused : EXIT.ok;
			}),
		);
	examples(check, 'calyx monitor check --tes-delta -6.0', 'calyx monitor check --error-rate 1.4 --cpu 95 --json');
}
