import {describe, expect, it} from 'vitest';
import {configDifferences, lastConfigRecord, settingDigests} from '../../src/core/config-record.js';
import {DEFAULT_CONFIG} from '../../src/core/index.js';

const withoutSampleWindow = () => {
	const {sampleWindow: _, ...rest} = structuredClone(DEFAULT_CONFIG);
	return rest;
};

describe('the configuration the trail recorded', () => {
	it('is the last config.changed that carries digests, or the binding\'s; a later binding event is not the store\'s', () => {
		const bound = {seq: 1, kind: 'store.trust_bound', data: {settings: {a: '1'}}};
		const older = {seq: 2, kind: 'config.changed', data: {changed: ['a']}};
		expect(lastConfigRecord([bound, older])).toEqual({seq: 1, settings: {a: '1'}});
		const changed = {seq: 3, kind: 'config.changed', data: {changed: ['a'], settings: {a: '2'}}};
		const forged = {seq: 4, kind: 'store.trust_bound', data: {settings: {a: '3'}}};
		expect(lastConfigRecord([bound, older, changed, forged])).toEqual({seq: 3, settings: {a: '2'}});
		expect(lastConfigRecord([older])).toBeUndefined();
	});

	it('records digests, not values: a setting may name a sink\'s address', () => {
		const settings = settingDigests({...DEFAULT_CONFIG, timeZone: 'Europe/Berlin'});
		expect(JSON.stringify(settings)).not.toContain('Berlin');
		expect(Object.keys(settings)).toContain('timeZone');
	});

	it('differs where a setting was changed with no event; a setting a newer schema added at its default is no difference', () => {
		expect(configDifferences({seq: 7, settings: settingDigests(DEFAULT_CONFIG)}, DEFAULT_CONFIG)).toEqual([]);
		expect(configDifferences({seq: 7, settings: settingDigests(withoutSampleWindow())}, DEFAULT_CONFIG)).toEqual([]);
		const edited = {...structuredClone(DEFAULT_CONFIG), sampleWindow: DEFAULT_CONFIG.sampleWindow + 1};
		const since = '(audit seq 7): changed with no config.changed (edited by hand?)';
		expect(configDifferences({seq: 7, settings: settingDigests(DEFAULT_CONFIG)}, edited)).toEqual([
			{setting: 'sampleWindow', problem: `the document holds ${DEFAULT_CONFIG.sampleWindow + 1}, not the value the trail recorded ${since}`},
		]);
		expect(configDifferences({seq: 7, settings: settingDigests(withoutSampleWindow())}, edited)).toEqual([
			{setting: 'sampleWindow', problem: `the document holds ${DEFAULT_CONFIG.sampleWindow + 1}, which the trail's record does not have ${since}`},
		]);
		expect(configDifferences({seq: 7, settings: settingDigests({...DEFAULT_CONFIG, timeZone: 'UTC'})}, DEFAULT_CONFIG)).toEqual([
			{setting: 'timeZone', problem: `the trail recorded a value, the document holds none ${since}`},
		]);
	});

	it('escapes what the trail recorded: an event appended by hand is anyone\'s text', () => {
		const [d] = configDifferences({seq: 2, settings: {...settingDigests(DEFAULT_CONFIG), 'evil\u001b[2J\u009b': 'x'}}, DEFAULT_CONFIG);
		expect(d!.setting).not.toMatch(/[\u001b\u009b]/);
		expect(d!.setting).toContain('evil');
	});
});
