// Placeholder entry until the CLI issue lands: runs the engine's demo as text.
import {runDemoScript} from './demo-script.js';

runDemoScript(process.stdout);
