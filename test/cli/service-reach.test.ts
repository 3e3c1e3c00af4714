import {describe, expect, it} from 'vitest';
import {boxLocalFields} from '../../src/cli/commands/service-reach.js';
import type {ServiceDefinition} from '../../src/core/model/service.js';

const haproxy = (target: Record<string, unknown>) => ({service: 'checkout', target: {kind: 'haproxy', backend: 'app', servers: {stable: 'stable', canary: 'canary'}, ...target}}) as unknown as ServiceDefinition;

describe('what only this box reaches, for an HAProxy target', () => {
	it('a UNIX socket and a configuration file are this box\'s; the advice is the stats socket over TCP without a file', () => {
		const found = boxLocalFields(haproxy({socket: '/run/haproxy/admin.sock', config: '/etc/haproxy/haproxy.cfg'}), '/home/ops');
		expect(found.map(f => f.field)).toEqual(['target.socket', 'target.config']);
		expect(found[0]!.message).toContain('"socket": "ipv4@10.0.0.5:9999"');
		expect(found[1]!.message).toContain('leave "config" out');
	});

	it('the stats socket over TCP without a configuration file is reachable from every box: nothing said', () => {
		expect(boxLocalFields(haproxy({socket: 'ipv4@10.0.0.5:9999'}), '/home/ops')).toEqual([]);
		expect(boxLocalFields(haproxy({socket: 'ipv6@[fd00::5]:9999'}), '/home/ops')).toEqual([]);
	});
});
