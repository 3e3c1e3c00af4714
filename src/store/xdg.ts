import {homedir} from 'node:os';
import {join} from 'node:path';

/** Per-user locations (XDG): keys under config, the console's log under state. Never the shared data dir. */
export const configHome = (env = process.env) => env.XDG_CONFIG_HOME || join(homedir(), '.config');
export const stateHome = (env = process.env) => env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
export const keysDir = (env = process.env) => join(configHome(env), 'calyx', 'keys');
export const logFile = (env = process.env) => join(stateHome(env), 'calyx', 'calyx.log');
