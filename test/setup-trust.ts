import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {generateKeyPair} from '../src/core/index.js';
import {defaultKeyPath, saveKey} from '../src/store/keyring.js';
import {DEMO_ADMIN, demoTrustPath, ensureDemoTrust, writeNew} from '../src/store/trust.js';

/**
 * Every test process gets a home of its own: keys and the trust never come from the machine's
 * user (~/.config) or from /etc/calyx. The trust is a demo trust made there, whose admin key the
 * helpers sign registrations with (test/trust.ts); child processes inherit all of it. It leaves
 * separation of duties off, so that store tests may write intents without keys; the CLI's
 * sandboxes (test/cli/helpers.ts) make the default demo trust, where it is on.
 */
if (!process.env.CALYX_TEST_HOME) {
	const home = mkdtempSync(join(tmpdir(), 'calyx-test-home-'));
	Object.assign(process.env, {CALYX_TEST_HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), CALYX_TRUST: 'demo'});
}
if (!existsSync(demoTrustPath(process.env))) {
	const pair = generateKeyPair();
	saveKey({id: DEMO_ADMIN, role: 'admin', privateKey: pair.privateKey}, defaultKeyPath(DEMO_ADMIN, process.env));
	const file = {v: 1, kind: 'calyx.trust', demo: true, threshold: 1, admins: [{id: DEMO_ADMIN, publicKey: pair.publicKey}], separationOfDuties: false};
	writeNew(demoTrustPath(process.env), `${JSON.stringify(file, null, 2)}\n`);
}
ensureDemoTrust(process.env);
