#!/bin/sh
# tlsprobe peer --connect to a hostile node: a node whose side-channel
# answers (welcome, peer-ack with its "own" report) are hostile, and the
# hostile servers that never were a node. Each run ends within --wait
# and the --timeout bound, with the right findings, and prints nothing
# unsafe for a terminal, in text or JSON.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/hostile/hostile.sh"

hostile_certs
WAIT=2
# docs/tlsprobe-peer.1: the other node is waited for --wait seconds from
# the start; then the client role's stages, each bounded by --timeout
BOUND=$(bound_ms 4 $((WAIT + 1)))

CASES=""
pcase() { CASES="$CASES$*
"; }
# guards against: peer prints the other node's ID and stage names raw; peer
# --json drops nodes when an ID is cut mid-UTF-8; bidi controls pass
# the sanitiser
pcase peer-evil 1 TLS_INTERCEPTED ALERT_RECEIVED '!PEER_REPORT_MISSING'
pcase silence 1 HANDSHAKE_TIMEOUT PEER_REPORT_MISSING
pcase garbage 1 NOT_TLS PEER_REPORT_MISSING
pcase giant-length 1 'PROTOCOL_VIOLATION|TLS_HANDSHAKE_FAILED' \
	PEER_REPORT_MISSING
pcase rst-mid 1 RESET_DURING_HANDSHAKE PEER_REPORT_MISSING
pcase sb-huge 1 PEER_REPORT_MISSING '!TLS_HANDSHAKE_FAILED'
pcase sb-nested 1 PEER_REPORT_MISSING '!TLS_HANDSHAKE_FAILED'
pcase sb-malformed 1 PEER_REPORT_MISSING '!TLS_HANDSHAKE_FAILED'
# guards against (clean output): bidi controls passing the sanitiser
pcase evil-cert 1 UNKNOWN_CA PEER_REPORT_MISSING

MODES=$(printf '%s' "$CASES" | awk '{print $1}')
# shellcheck disable=SC2086
start_hostile $MODES
printf '%s' "$CASES" >"$T/cases"

for m in $MODES; do
	p=$(hport "$m")
	for fmt in json text; do
		opt=--json
		[ "$fmt" = text ] && opt=-v
		hrun "peer-$m-$fmt" "$TP" peer --listen "127.0.0.1:$(free_port)" \
			--connect "127.0.0.1:$p" --cert "$CERTS/leaf.pem" \
			--key "$CERTS/leaf.key" --ca "$CERTS/ca.pem" \
			--timeout "$TO" --wait "$WAIT" $opt
	done
done
hwait

while read -r m rc codes; do
	# shellcheck disable=SC2086
	hcase "peer-$m-json" "$rc" "$BOUND" $codes
	htext "peer-$m-text" "$rc" "$BOUND"
	hclean "peer-$m-json" "peer-$m-text"
done <"$T/cases"
# guards against: peer --json drops nodes when an ID is cut mid-UTF-8
hpy peer-peer-evil-json "both nodes are named, the hostile one cut whole" \
	"d.get('nodes') and d['nodes'].get('B', '').startswith('id') and d['directions']['B->A'] is not None"
hjudge
stop_servers
