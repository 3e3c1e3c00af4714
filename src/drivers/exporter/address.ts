import {isIPv4, isIPv6} from 'node:net';

/** Where the exporter listens: exactly the host the operator gave (never a wildcard of our choosing). */
export interface ListenAddress {
	host: string;
	port: number;
}

export const LISTEN_FORMS = 'host:port, e.g. 127.0.0.1:9464, [::1]:9464 or localhost:9464; port 0 to 65535 (0: the system picks one)';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `host:port` as an address, or why not (the message names the forms allowed). */
export function parseListen(text: string): ListenAddress | {problem: string} {
	const bracketed = /^\[([^\]]*)\]:(\d{1,5})$/.exec(text);
	const plain = bracketed ? undefined : /^([^:[\]]*):(\d{1,5})$/.exec(text);
	const match = bracketed ?? plain;
	const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
	if (!match) return {problem: `${shown} is not host:port (allowed: ${LISTEN_FORMS})`};
	const host = match[1]!;
	const port = Number(match[2]);
	const hostOk = bracketed ? isIPv6(host) : isIPv4(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
	if (!hostOk) return {problem: `${shown}: ${JSON.stringify(host)} is not an IPv4 address, a [bracketed] IPv6 address or a host name (allowed: ${LISTEN_FORMS})`};
	if (port > 65_535) return {problem: `${shown}: port ${port} is out of range (allowed: ${LISTEN_FORMS})`};
	return {host, port};
}

/** The URL a listener answers on, as an operator would paste it. */
export const metricsUrl = (a: ListenAddress) => `http://${isIPv6(a.host) ? `[${a.host}]` : a.host}:${a.port}/metrics`;
