#!/usr/bin/env bash
# A calyx exec hook: steers the canary's share of a Kubernetes Gateway API HTTPRoute by patching the
# weights of two backendRefs with kubectl. Protocol (examples/README.md): one JSON request on stdin,
# one JSON reply on stdout, exit 0; anything on stderr is quoted in a failure's reason.
#
# Settings come from the environment (the service definition's `env`):
#   ROUTE           the HTTPRoute's name (required)
#   NAMESPACE       its namespace (default: default)
#   STABLE_BACKEND  the Service name of the stable version's backendRef (required)
#   CANARY_BACKEND  the Service name of the canary's backendRef (required)
#   RULE            the index of the rule whose backendRefs carry the split (default: 0)
# Needs bash, jq and kubectl, with a context (KUBECONFIG) allowed to get and patch httproutes.
set -euo pipefail

: "${ROUTE:?set ROUTE to the HTTPRoute to steer}"
: "${STABLE_BACKEND:?set STABLE_BACKEND to the stable backendRef name}"
: "${CANARY_BACKEND:?set CANARY_BACKEND to the canary backendRef name}"
NAMESPACE=${NAMESPACE:-default}
RULE=${RULE:-0}
[[ $RULE =~ ^[0-9]+$ ]] || { echo "RULE must be a rule index, got: $RULE" >&2; exit 64; }

request=$(cat)
op=$(jq -r '.op' <<<"$request")

# kubectl, with "the API server cannot be reached" turned into exit 75 (EX_TEMPFAIL): calyx retries
# those; any other kubectl error is a refusal, with kubectl's words on stderr.
kube() {
	local err status=0
	err=$(mktemp)
	kubectl "$@" 2>"$err" || status=$?
	if [ "$status" -ne 0 ]; then
		cat "$err" >&2
		if grep -qE 'Unable to connect to the server|connection refused|i/o timeout|TLS handshake timeout' "$err"; then status=75; fi
		rm -f "$err"
		exit "$status"
	fi
	rm -f "$err"
}

get_route() { kube get httproute "$ROUTE" -n "$NAMESPACE" -o json; }

# The split as the HTTPRoute states it. A weight left out counts 1 (the Gateway API default). The
# report is "router" evidence only once every parent Gateway has accepted this generation of the
# route: until then the change is only claimed, and calyx's next read will see it confirmed.
report() {
	jq -c --arg s "$STABLE_BACKEND" --arg c "$CANARY_BACKEND" --argjson r "$RULE" '
		(.spec.rules[$r].backendRefs // []) as $refs
		| ([$refs[] | select(.name == $s)] | first) as $st
		| ([$refs[] | select(.name == $c)] | first) as $ca
		| if $st == null or $ca == null
			then error("rule \($r) of the HTTPRoute has no backendRef named \(if $st == null then $s else $c end)")
			else . end
		| ($st.weight // 1) as $sw | ($ca.weight // 1) as $cw
		| .metadata.generation as $gen
		| [.status.parents[]?.conditions[]? | select(.type == "Accepted")] as $acc
		| (($acc | length) > 0 and ($acc | all(.status == "True" and .observedGeneration == $gen))) as $accepted
		| {ok: true,
		   canaryPercent: (if $sw + $cw == 0 then 0 else $cw * 100 / ($sw + $cw) end),
		   evidence: (if $accepted then "router" else "claimed" end),
		   stable: {weight: $sw}, canary: {weight: $cw},
		   notes: (if $accepted then [] else ["the Gateway has not accepted generation \($gen) of the HTTPRoute yet"] end)}'
}

case "$op" in
read)
	get_route | report
	;;
apply)
	desired=$(jq -r '.desired' <<<"$request")
	[[ $desired =~ ^[0-9]+$ ]] && [ "$desired" -le 100 ] || { echo "desired must be 0-100, got: $desired" >&2; exit 64; }
	route=$(get_route)
	# One JSON patch: a test of the resourceVersion first, so a route changed meanwhile by someone else
	# fails the patch instead of being overwritten; then the two weights ("add" replaces a member).
	patch=$(jq -c --arg s "$STABLE_BACKEND" --arg c "$CANARY_BACKEND" --argjson r "$RULE" --argjson d "$desired" '
		[{op: "test", path: "/metadata/resourceVersion", value: .metadata.resourceVersion}]
		+ [.spec.rules[$r].backendRefs | to_entries[] | select(.value.name == $s or .value.name == $c)
			| {op: "add", path: "/spec/rules/\($r)/backendRefs/\(.key)/weight", value: (if .value.name == $c then $d else 100 - $d end)}]' <<<"$route")
	kube patch httproute "$ROUTE" -n "$NAMESPACE" --type=json -p "$patch" >/dev/null
	get_route | report
	;;
sanity)
	echo '{"ok": false, "error": "this hook steers weights only: give the service an http sanity check"}'
	;;
*)
	echo "unknown op: $op" >&2
	exit 64
	;;
esac
