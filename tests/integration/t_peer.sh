# tlsprobe peer on loopback: two nodes, both directions, the same result
# printed by both. (A firewalled direction is in tests/net/t_peer_net.sh.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem node-self.pem node-self.key node-a.pem node-a.key \
	client-ca2.pem client-ca2.key ca2.pem ca1-bundle.pem

# run_pair NAME ARGS1 -- ARGS2: two peers at once, each listening on its
# own port and connecting to the other's; their JSON in $T/NAME.1.json
# and $T/NAME.2.json, their exit status in RC1 and RC2.
run_pair() {
	_n=$1; shift
	_a1=""
	while [ "$1" != "--" ]; do _a1="$_a1 $1"; shift; done
	shift
	_p1=$(free_port); _p2=$(free_port)
	timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$_p1" \
		--connect "127.0.0.1:$_p2" --timeout 2 --wait 10 --json $_a1 \
		>"$T/$_n.1.json" 2>"$T/$_n.1.err" &
	_pid1=$!
	timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$_p2" \
		--connect "127.0.0.1:$_p1" --timeout 2 --wait 10 --json "$@" \
		>"$T/$_n.2.json" 2>"$T/$_n.2.err"
	RC2=$?
	wait "$_pid1"
	RC1=$?
}

# pair_py NAME EXPR: one TAP line: EXPR over both nodes' documents d1, d2
# (and codes(d, dir) = that direction's finding codes) holds.
pair_py() {
	if python3 - "$T/$1.1.json" "$T/$1.2.json" "$2" <<'PY' 2>"$T/pair_py.err"
import json, sys
d1 = json.load(open(sys.argv[1]))
d2 = json.load(open(sys.argv[2]))
def codes(d, k):
    v = d["directions"][k]
    return sorted(f["code"] for f in v["findings"]) if v else None
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
	then
		ok "$3"
	else
		not_ok "$3"
		echo "#   false: $2"
		tail -n 2 "$T/pair_py.err" | sed 's/^/#   /'
		for f in "$T/$1".*.err; do sed 's/^/#   stderr: /' "$f"; done
		for f in "$T/$1".*.json; do head -c 1500 "$f" | sed 's/^/#   /'; echo; done
	fi
}

ME="$PKI/node-self"
# 1. both directions open, mutual authentication as FLoM does it
run_pair good --cert "$ME.pem" --key "$ME.key" --ca "$PKI/ca1.pem" \
	--require-client-cert --expect-id peer --keylog "$T/good.1.keys" -- \
	--cert "$ME.pem" --key "$ME.key" --ca "$PKI/ca1.pem" \
	--require-client-cert --expect-id peer --keylog "$T/good.2.keys"
# --keylog covers both roles: each node logs the session it made and the
# one it accepted, so both logs hold the same two sessions' secrets
if python3 - "$T/good.1.keys" "$T/good.2.keys" <<'PY'
import sys
def sessions(p):
    return {tuple(l.split()) for l in open(p)
            if l.startswith("CLIENT_TRAFFIC_SECRET_0 ")}
a, b = sessions(sys.argv[1]), sessions(sys.argv[2])
sys.exit(0 if len(a) == 2 and a == b else 1)
PY
then
	ok "--keylog: both nodes logged the same two sessions (made and accepted)"
else
	not_ok "--keylog: both nodes logged the same two sessions (made and accepted)"
	sed 's/^/#   1: /' "$T/good.1.keys"; sed 's/^/#   2: /' "$T/good.2.keys"
fi
check "mutual authentication, both open: both nodes exit 0" \
	test "$RC1" -eq 0 -a "$RC2" -eq 0
pair_py good "d1['command'] == 'peer' and d1['directions']['A->B'] and d1['directions']['B->A']" \
	"both directions reported, A->B and B->A"
pair_py good "codes(d1, 'A->B') == codes(d2, 'A->B') == [] and codes(d1, 'B->A') == codes(d2, 'B->A') == []" \
	"both nodes print the same clean result"
pair_py good "d1['nodes'] == d2['nodes'] and d1['directions']['A->B']['target']['port'] == d2['directions']['A->B']['target']['port']" \
	"both nodes name the directions alike"
pair_py good "all(d['directions'][k]['peer_report'] for d in (d1, d2) for k in ('A->B', 'B->A'))" \
	"each direction was paired with the other node's server"

# 2. certificates whose CN is not the node's unique ID
run_pair badid --cert "$PKI/node-a.pem" --key "$PKI/node-a.key" \
	--ca "$PKI/ca1.pem" --require-client-cert --expect-id peer -- \
	--cert "$PKI/node-a.pem" --key "$PKI/node-a.key" --ca "$PKI/ca1.pem" \
	--require-client-cert --expect-id peer
check "CN is not the unique ID: both nodes exit 1" \
	test "$RC1" -eq 1 -a "$RC2" -eq 1
pair_py badid "all('PEER_ID_MISMATCH' in codes(d, k) for d in (d1, d2) for k in ('A->B', 'B->A'))" \
	"CN is not the unique ID: PEER_ID_MISMATCH in both directions, on both nodes"
pair_py badid "codes(d1, 'A->B') == codes(d2, 'A->B') and codes(d1, 'B->A') == codes(d2, 'B->A')" \
	"CN is not the unique ID: both nodes print the same codes"
pair_py badid "any(f['code'] == 'PEER_ID_MISMATCH' and f['summary'].startswith('A->B: ') for f in d1['findings']) and any(f['summary'].startswith('B->A: ') for f in d1['findings'])" \
	"the top-level findings say which direction"

# 3. the two nodes on different CAs
run_pair cas --cert "$ME.pem" --key "$ME.key" --ca "$PKI/ca1.pem" \
	--require-client-cert -- \
	--cert "$PKI/client-ca2.pem" --key "$PKI/client-ca2.key" \
	--ca "$PKI/ca2.pem" --require-client-cert
check "different CAs: both nodes exit 1" test "$RC1" -eq 1 -a "$RC2" -eq 1
pair_py cas "all('CA_MISMATCH' in codes(d, k) for d in (d1, d2) for k in ('A->B', 'B->A'))" \
	"different CAs: CA_MISMATCH in both directions, on both nodes"

# 4. bad usage: no --connect; no certificate
"$TP" peer --listen 127.0.0.1:0 --cert "$ME.pem" --key "$ME.key" \
	>"$T/u1.out" 2>"$T/u1.err"; rc=$?
check "peer without --connect: exit 2 with one line" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/u1.err') -eq 1 ] && grep -q -- --connect '$T/u1.err'"
"$TP" peer --connect 127.0.0.1:1 >"$T/u2.out" 2>"$T/u2.err"; rc=$?
check "peer without --cert/--key: exit 2 with one line" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/u2.err') -eq 1 ] && grep -q -- --cert '$T/u2.err'"

# 5. the other side is a plain tlsprobe server, not a peer: our direction
#    is reported, the other one is missing, and that is an error
SP=$(free_port)
"$TP" server --listen "127.0.0.1:$SP" --cert "$ME.pem" --key "$ME.key" \
	--ca "$PKI/ca1.pem" >/dev/null 2>"$T/plain.err" </dev/null &
srv_track $! "$T/plain.err"
wait_port "$SP"
t0=$(now_ms)
timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$(free_port)" \
	--connect "127.0.0.1:$SP" --cert "$ME.pem" --key "$ME.key" \
	--ca "$PKI/ca1.pem" --timeout 2 --wait 3 --json >"$T/missing.json" \
	2>"$T/missing.err"; rc=$?
ms=$(($(now_ms) - t0))
check "no peer on the other side: exit 1 within --wait ($ms ms)" \
	test "$rc" -eq 1 -a "$ms" -lt 6000
check "no peer on the other side: PEER_REPORT_MISSING, and our direction reported" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [f for f in d["findings"] if f["code"]=="PEER_REPORT_MISSING"]; v=[x for x in d["directions"].values() if x]; assert len(v)==1 and v[0]["verdict"]=="pass", d["directions"]' "$T/missing.json"
check "peer says where it listens on stderr" grep -q "listening on" "$T/missing.err"
"$TP" peer --connect 127.0.0.1:1 --cert "$ME.pem" --key "$ME.key" --count x \
	>/dev/null 2>"$T/u3.err"; rc=$?
check "peer --count x: exit 2" test "$rc" -eq 2
"$TP" peer --connect 127.0.0.1:1 --cert "$ME.pem" --key "$ME.key" \
	--timeout abc >/dev/null 2>"$T/u4.err"; rc=$?
check "peer --timeout abc: exit 2 naming --timeout (the client's options)" \
	sh -c "[ $rc -eq 2 ] && grep -q -- '--timeout' '$T/u4.err'"

# 6. SIGINT while the client role waits on a server that never answers:
#    the peer ends at once, not at --timeout, and our direction says
#    which stage was cut, with nothing diagnosed from it
start_fake stall || exit 1
timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$(free_port)" \
	--connect "127.0.0.1:$FAKE_PORT" --cert "$ME.pem" --key "$ME.key" \
	--ca "$PKI/ca1.pem" --timeout 10 --wait 30 --json >"$T/int.json" \
	2>"$T/int.err" &
pid=$!
# past the side channel's hello (1 s of silence), inside the handshake
sleep 2.5
t0=$(now_ms)
kill -INT "$pid"
wait "$pid"; rc=$?
ms=$(($(now_ms) - t0))
check "SIGINT during the handshake: the peer ends within 1 s, exit 1 ($ms ms)" \
	test "$rc" -eq 1 -a "$ms" -lt 1000
check "SIGINT during the handshake: our direction has RUN_CANCELLED, tls cancelled, no HANDSHAKE_TIMEOUT" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = [x for x in d["directions"].values() if x]
assert len(v) == 1, d["directions"]
codes = [f["code"] for f in v[0]["findings"]]
assert codes == ["RUN_CANCELLED"], codes
tls = [s for s in v[0]["stages"] if s["name"] == "tls"][0]
assert tls["status"] == "fail" and tls["detail"] == "cancelled", tls
assert [s["status"] for s in v[0]["stages"] if s["name"] == "verify"] == ["skipped"]' "$T/int.json"
