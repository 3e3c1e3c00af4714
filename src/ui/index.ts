export {runConsole, mountConsole, actorOf, type ConsoleOptions, type ConsoleIo} from './run-console.js';
