#!/bin/sh
# tlsprobe server --capture and tlsprobe peer --capture on loopback: each
# connection's report holds that connection's packets only (the client's
# SYN in first, its ClientHello in, our ServerHello out), --pcap-out read
# back by tshark, exit 3 and one line without the permission to capture,
# the switch to --user while serving; two peers, each with the packets
# of its own client direction.
. "$(dirname "$0")/../lib.sh"
need_root t_capture_server
. "$TOP/tests/integration/servers.sh"

for tool in openssl tshark setpriv timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_capture_server: $tool is installed"
		exit 1
	fi
done

make_pki ca1.pem server.pem server.key node-self.pem node-self.key
CA1=$PKI/ca1.pem
SRVKEYS="--cert $PKI/server.pem --key $PKI/server.key"
NOBODY_UID=$(id -u nobody)
# an unprivileged run must be able to reach the binaries and files
chmod 755 "$T"
chmod -R a+rX "$PKI"

# start_tp NAME ARGS...: tlsprobe server on 127.0.0.1, port 0, in the
# background; its JSON lines in $T/NAME.json. Sets SPORT and SPID.
start_tp() {
	_sn=$1; shift
	timeout -k 2 60 "$TP" server --listen 127.0.0.1:0 $SRVKEYS --json "$@" \
		>"$T/$_sn.json" 2>"$T/$_sn.err" </dev/null &
	SPID=$!
	SPORT=""
	_i=0
	while [ $_i -lt 100 ] && [ -z "$SPORT" ]; do
		SPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
			"$T/$_sn.err")
		kill -0 "$SPID" 2>/dev/null || break
		[ -n "$SPORT" ] || sleep 0.05
		_i=$((_i + 1))
	done
	if [ -z "$SPORT" ]; then
		not_ok "$_sn: tlsprobe server starts listening"
		sed 's/^/#   /' "$T/$_sn.err"
		return 1
	fi
}

# line_py NAME FILE N EXPR: EXPR holds over the Nth JSON line (d) of FILE.
line_py() {
	if python3 - "$2" "$3" "$4" <<'EOF' 2>"$T/line_py.err"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
d = json.loads(lines[int(sys.argv[2])])
p = d.get("packets")
sys.exit(0 if eval(sys.argv[3]) else 1)
EOF
	then
		ok "$1"
	else
		not_ok "$1"
		tail -n 2 "$T/line_py.err" | sed 's/^/#   /'
		head -c 3000 "$2" | sed 's/^/#   /'
		echo
	fi
}

# the server's timeline of a clean handshake: the client's SYN first, our
# SYN-ACK, the ClientHello in, our ServerHello out, times in order
TIMELINE='(p and p[0]["flags"] == "S" and p[0]["dir"] == "in" and
  [i for i, x in enumerate(p) if x["flags"] == "SA" and x["dir"] == "out"][0] <
  [i for i, x in enumerate(p) if x["dir"] == "in" and (x["tls"] or "").startswith("ClientHello")][0] <
  [i for i, x in enumerate(p) if x["dir"] == "out" and (x["tls"] or "").startswith("ServerHello")][0] and
  all(p[i]["t_ms"] <= p[i + 1]["t_ms"] for i in range(len(p) - 1)) and
  all(0 < x["ttl"] < 256 and x["dir"] in ("in", "out") for x in p))'

# ---- one connection, tlsprobe client ----

start_tp once --once --capture --pcap-out "$T/once.pcap" || exit 1
"$TP" client "127.0.0.1:$SPORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --json >"$T/once-client.json" 2>&1
wait "$SPID"
RC=$?
check "server --once --capture: exit 0 (got $RC)" test "$RC" = 0
check "server --once --capture: one JSON line" \
	test "$(grep -c . "$T/once.json")" = 1
line_py "the report has packets: SYN in first, SYN-ACK out, ClientHello in, ServerHello out" \
	"$T/once.json" 0 "$TIMELINE"
line_py "every packet is of the reported connection (the client's port)" \
	"$T/once.json" 0 'len(p) >= 8 and d["target"]["port"] > 0'
if tshark -r "$T/once.pcap" >"$T/once.tshark" 2>"$T/once.tshark.err"; then
	ok "tshark -r reads the server's --pcap-out"
else
	not_ok "tshark -r reads the server's --pcap-out"
	sed 's/^/#   /' "$T/once.tshark.err"
fi
_n=$(grep -c . "$T/once.tshark")
_want=$(python3 -c 'import json,sys; print(len(json.loads(open(sys.argv[1]).readline())["packets"]))' "$T/once.json")
check "the server's --pcap-out holds the $_want packets of the report ($_n)" \
	test "$_n" = "$_want"

# ---- two connections in a row, openssl s_client ----

start_tp two --count 2 --capture || exit 1
for i in 1 2; do
	echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$SPORT" \
		-CAfile "$CA1" >"$T/s_client$i.out" 2>&1
done
wait "$SPID"
RC=$?
check "server --count 2 --capture: exit 0 (got $RC)" test "$RC" = 0
check "--count 2: two JSON lines" test "$(grep -c . "$T/two.json")" = 2
for n in 0 1; do
	line_py "--count 2, connection $((n + 1)): SYN in first, ClientHello in, ServerHello out" \
		"$T/two.json" $n "$TIMELINE"
	line_py "--count 2, connection $((n + 1)): one SYN, one ClientHello: its own packets only" \
		"$T/two.json" $n 'len([x for x in p if x["flags"] == "S"]) == 1 and len([x for x in p if (x["tls"] or "").startswith("ClientHello")]) == 1'
done
# the two connections came from two client ports; each report names its own
if python3 - "$T/two.json" <<'EOF'
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if a["target"]["port"] != b["target"]["port"] else 1)
EOF
then
	ok "--count 2: the reports are of two client ports"
else
	not_ok "--count 2: the reports are of two client ports"
fi

# ---- a connection that never speaks: its packets go nowhere ----

start_tp quiet --once --capture --timeout 1 || exit 1
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.close()' "$SPORT"
"$TP" client "127.0.0.1:$SPORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --json >/dev/null 2>&1
wait "$SPID"
line_py "a port check before the client: not in the client's report" \
	"$T/quiet.json" 0 'len([x for x in p if x["flags"] == "S"]) == 1'

# ---- the uid while serving ----

start_tp uid --once --capture --timeout 5 || exit 1
_ids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$(pgrep -P "$SPID" -x tlsprobe || echo "$SPID")/status" 2>/dev/null)
check "while serving with --capture, the server runs as nobody ($_ids)" \
	test "$_ids" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
"$TP" client "127.0.0.1:$SPORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --json >/dev/null 2>&1
wait "$SPID"
check "as nobody: the connection is reported with its packets" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(open(sys.argv[1]).readline())["packets"] else 1)' "$T/uid.json"

# ---- not permitted ----

unpriv() {
	setpriv --reuid nobody --regid nogroup --clear-groups \
		--inh-caps=-all "$@"
}
_port=$(free_port)
unpriv "$TP" server --listen "127.0.0.1:$_port" $SRVKEYS --once --capture \
	--json >"$T/np.out" 2>"$T/np.err"
RC=$?
check "server, not permitted: exit 3 (got $RC)" test "$RC" = 3
check "server, not permitted: nothing on stdout" test ! -s "$T/np.out"
check "server, not permitted: one line on stderr" \
	test "$(wc -l <"$T/np.err")" = 1
if grep -qx 'tlsprobe server: --capture: capture on any not permitted: run as root or grant CAP_NET_RAW (.*)' "$T/np.err"; then
	ok "server, not permitted: the line says so"
else
	not_ok "server, not permitted: the line says so"
	sed 's/^/#   /' "$T/np.err"
fi
unpriv "$TP" server --listen "127.0.0.1:$_port" $SRVKEYS --once \
	--pcap-out "$T/np.pcap" >/dev/null 2>&1
RC=$?
check "server, not permitted, --pcap-out: exit 3, no file" \
	test "$RC" = 3 -a ! -e "$T/np.pcap"
_p2=$(free_port)
unpriv "$TP" peer --listen "127.0.0.1:$_port" --connect "127.0.0.1:$_p2" \
	--cert "$PKI/node-self.pem" --key "$PKI/node-self.key" --capture \
	--json >"$T/npp.out" 2>"$T/npp.err"
RC=$?
check "peer, not permitted: exit 3, one line, nothing on stdout" \
	test "$RC" = 3 -a ! -s "$T/npp.out" -a "$(wc -l <"$T/npp.err")" = 1

# ---- peer ----

_p1=$(free_port)
_p2=$(free_port)
ME="$PKI/node-self"
# the first node's key is root's alone: both roles read it before the
# switch to nobody
mkdir -m 700 "$T/rootonly"
cp "$ME.key" "$T/rootonly/node.key"
chmod 600 "$T/rootonly/node.key"
timeout -k 2 40 "$TP" peer --listen "127.0.0.1:$_p1" --connect "127.0.0.1:$_p2" \
	--timeout 2 --wait 10 --json --cert "$ME.pem" \
	--key "$T/rootonly/node.key" \
	--ca "$CA1" --capture --pcap-out "$T/peer1.pcap" \
	>"$T/peer1.json" 2>"$T/peer1.err" &
_pid1=$!
timeout -k 2 40 "$TP" peer --listen "127.0.0.1:$_p2" --connect "127.0.0.1:$_p1" \
	--timeout 2 --wait 10 --json --cert "$ME.pem" --key "$ME.key" \
	--ca "$CA1" --capture >"$T/peer2.json" 2>"$T/peer2.err"
RC2=$?
wait "$_pid1"
RC1=$?
check "two peers with --capture: both exit 0 ($RC1, $RC2)" \
	test "$RC1" = 0 -a "$RC2" = 0
for n in 1 2; do
	if [ $n = 1 ]; then _dst=$_p2; else _dst=$_p1; fi
	if python3 - "$T/peer$n.json" "$_dst" <<'EOF' 2>"$T/peer_py.err"
import json, sys
d = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
mine = [v for v in d["directions"].values()
        if v and v["target"]["port"] == port]
p = mine[0]["packets"]
ok = (p[0]["flags"] == "S" and p[0]["dir"] == "out" and
      any(x["dir"] == "out" and (x["tls"] or "").startswith("ClientHello") for x in p) and
      any(x["dir"] == "in" and (x["tls"] or "").startswith("ServerHello") for x in p) and
      len([x for x in p if x["flags"] == "S"]) == 1)
sys.exit(0 if ok else 1)
EOF
	then
		ok "peer $n: its client direction has its connection's packets (SYN out first, ClientHello out, ServerHello in)"
	else
		not_ok "peer $n: its client direction has its connection's packets (SYN out first, ClientHello out, ServerHello in)"
		tail -n 2 "$T/peer_py.err" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/peer$n.err"
		head -c 2000 "$T/peer$n.json" | sed 's/^/#   /'
		echo
	fi
done
check "peer --pcap-out: tshark reads it" tshark -r "$T/peer1.pcap" -c 1 -q
