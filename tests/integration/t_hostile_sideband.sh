# A hostile node on the side channel (hostile_peer.py): every string it
# sends holds terminal escapes, C1 controls and bidi controls, and its
# node ID is cut in the middle of a UTF-8 character. Neither `peer` nor
# `client` may let any of it reach the terminal raw, and --json must
# still parse and keep every member (nodes, directions, peer_report).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key node-self.pem node-self.key

start_ready hostile python3 "$TOP/tests/integration/hostile_peer.py" \
	"$PKI/server.pem" "$PKI/server.key" ||
	{ not_ok "the hostile node starts"; exit 1; }
HP=$READY_PORT

# json_ok FILE EXPR NAME: FILE parses as JSON and EXPR over it (d) holds.
json_ok() {
	if python3 - "$1" "$2" <<'PY' >"$T/json_ok.out" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else "false: " + sys.argv[2])
PY
	then
		ok "$3"
	else
		not_ok "$3"
		sed 's/^/#   /' "$T/json_ok.out"
		head -c 1500 "$1" | sed 's/^/#   /'; echo
	fi
}

ME="$PKI/node-self"
peer_run() {
	_lp=$(free_port)
	timeout -k 2 40 "$TP" peer --listen "127.0.0.1:$_lp" \
		--connect "127.0.0.1:$HP" --cert "$ME.pem" --key "$ME.key" \
		--ca "$PKI/ca1.pem" --timeout 2 --wait 8 "$@"
}

# 1. peer, text: the direction header (nodes), the stage lines, every
# field of the report it sent and of its side-channel answers
peer_run >"$T/peer.txt" 2>"$T/peer.err"
RC=$?
check "peer against the hostile node runs (exit 0 or 1, got $RC)" \
	test "$RC" -le 1
inert "$T/peer.txt" "peer text: nothing raw reaches the terminal"
inert "$T/peer.err" "peer stderr: nothing raw" empty
shows "$T/peer.txt" '\x1b' '\x1b[2J' '\u202e' "peer text: the node's escapes show once, as \\x1b and \\u202e"
if grep -q '^== ' "$T/peer.txt" && grep -q '^nodes ' "$T/peer.txt"; then
	ok "peer text: both directions and the nodes are shown"
else
	not_ok "peer text: both directions and the nodes are shown"
	head -n 20 "$T/peer.txt" | sed 's/^/#   /'
fi

# 2. peer --json: parses, keeps nodes (the cut ID) and both reports
peer_run --json >"$T/peer.json" 2>"$T/peer-json.err"
inert "$T/peer.json" "peer --json: nothing raw"
json_ok "$T/peer.json" "set(d['nodes']) == {'A', 'B'} and all(d['nodes'].values())" \
	"peer --json: nodes kept although the ID was cut inside a character"
json_ok "$T/peer.json" "all(d['directions'][k] for k in ('A->B', 'B->A'))" \
	"peer --json: both directions kept, the hostile node's report too"
json_ok "$T/peer.json" "any(v['peer_report'] for v in d['directions'].values())" \
	"peer --json: our direction keeps the hostile node's peer_report"
json_ok "$T/peer.json" "'A' * 62 in d['nodes'].values()" \
	"peer --json: the ID cut inside a character ends at a whole one"
json_ok "$T/peer.json" "any(s['name'] == '\\\\x1b[2Jx' for v in d['directions'].values() if v for s in v['stages'])" \
	"peer --json: a stage name from the other node arrives escaped"
shows "$T/peer.json" '\x1b' '\x1b[2J' '\u202e' "peer --json: escapes show once"

# 3. client, text and --json: the welcome, the account and the inside
# reply are all the hostile node's (--paired: its ServerHello cannot
# answer the mark, and unasked the client says nothing but TLS)
timeout -k 2 30 "$TP" client "127.0.0.1:$HP" --ca "$PKI/ca1.pem" \
	--cert "$ME.pem" --key "$ME.key" --timeout 2 --paired \
	>"$T/client.txt" 2>"$T/client.err"
RC=$?
check "client against the hostile node runs (exit 0 or 1, got $RC)" \
	test "$RC" -le 1
inert "$T/client.txt" "client text: nothing raw"
inert "$T/client.err" "client stderr: nothing raw" empty
shows "$T/client.txt" '\x1b' '\x1b[2J' '\u202e' "client text: escapes show once"
timeout -k 2 30 "$TP" client "127.0.0.1:$HP" --ca "$PKI/ca1.pem" \
	--cert "$ME.pem" --key "$ME.key" --timeout 2 --paired --json \
	>"$T/client.json" 2>"$T/client-json.err"
inert "$T/client.json" "client --json: nothing raw"
json_ok "$T/client.json" "d['peer_report'] and d['peer_report']['account'] and d['peer_report']['trusted_cas']" \
	"client --json: the far side's report is kept, account and CAs too"
shows "$T/client.json" '\x1b' '\x1b[2J' '\u202e' "client --json: escapes show once"

echo "1..$_tap_n"
