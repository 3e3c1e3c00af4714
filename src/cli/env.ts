import {resolve} from 'node:path';

/**
 * What the environment decides, shared by the program and the quick `canary list` path (which
 * runs without commander, so these must not live on the program's context alone).
 */

/** --data, else CALYX_DATA, else ./data. */
export const dataDirOf = (flag: string | undefined, env: NodeJS.ProcessEnv) => resolve(flag ?? env.CALYX_DATA ?? 'data');

/** Colour only on a terminal that wants it: --no-color, NO_COLOR and TERM=dumb each turn it off. */
export const colorWanted = (flag: boolean | undefined, stdout: {isTTY?: boolean}, env: NodeJS.ProcessEnv) =>
	flag !== false && !env.NO_COLOR && stdout.isTTY === true && env.TERM !== 'dumb';
