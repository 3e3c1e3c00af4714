// A stand-in for kubectl, enough for examples/hooks/gateway-api-weights.sh: `get httproute NAME -n NS
// -o json` and `patch httproute NAME -n NS --type=json -p PATCH` on an HTTPRoute kept in the JSON file
// named by STUB_ROUTE_FILE. No Kubernetes API server can run on the test machine; this keeps the
// hook's own logic (jq, the patch it builds, the reply) under test.
//   STUB_DOWN=1    answers like kubectl with no reachable API server
//   STUB_ACCEPT=1  a patch is accepted at once by the "Gateway" (status.parents[].conditions)
import {readFileSync, writeFileSync} from 'node:fs';

const args = process.argv.slice(2);
const file = process.env.STUB_ROUTE_FILE;
if (process.env.STUB_DOWN === '1') {
	process.stderr.write('Unable to connect to the server: dial tcp 10.96.0.1:6443: connect: connection refused\n');
	process.exit(1);
}
const route = JSON.parse(readFileSync(file, 'utf8'));
const flag = name => args[args.indexOf(name) + 1];
if (args[1] !== 'httproute' || args[2] !== route.metadata.name || flag('-n') !== route.metadata.namespace) {
	process.stderr.write(`Error from server (NotFound): httproutes.gateway.networking.k8s.io "${args[2]}" not found\n`);
	process.exit(1);
}

const pointer = path => path.split('/').slice(1).map(p => (/^\d+$/.test(p) ? Number(p) : p));
const parentOf = (doc, path) => {
	const parts = pointer(path);
	const last = parts.pop();
	return [parts.reduce((node, p) => node[p], doc), last];
};

if (args[0] === 'get') {
	process.stdout.write(`${JSON.stringify(route, null, 2)}\n`);
} else if (args[0] === 'patch') {
	for (const op of JSON.parse(flag('-p'))) {
		const [parent, key] = parentOf(route, op.path);
		if (op.op === 'test' && JSON.stringify(parent[key]) !== JSON.stringify(op.value)) {
			process.stderr.write(`The request is invalid: the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed\n`);
			process.exit(1);
		}
		if (op.op === 'add' || op.op === 'replace') parent[key] = op.value;
	}
	route.metadata.generation += 1;
	route.metadata.resourceVersion = String(Number(route.metadata.resourceVersion) + 1);
	if (process.env.STUB_ACCEPT === '1') for (const p of route.status.parents) for (const c of p.conditions) c.observedGeneration = route.metadata.generation;
	writeFileSync(file, JSON.stringify(route));
	process.stdout.write(`httproute.gateway.networking.k8s.io/${route.metadata.name} patched\n`);
} else {
	process.stderr.write(`unsupported: kubectl ${args.join(' ')}\n`);
	process.exit(1);
}
