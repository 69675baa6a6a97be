#!/bin/sh
# tlsprobe client --capture against openssl s_server on loopback, IPv4
# and IPv6: the packet timeline (SYN out first, SYN-ACK in, ClientHello
# out, ServerHello in, a plaintext alert named), --pcap-out read back by
# tshark, exit 3 and one line without the permission to capture, and the
# switch to --user once the capture is open.
. "$(dirname "$0")/../lib.sh"
need_root t_capture
. "$TOP/tests/integration/servers.sh"

for tool in openssl tshark setpriv; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_capture: $tool is installed"
		exit 1
	fi
done

make_pki ca1.pem server.pem server.key
CA1=$PKI/ca1.pem
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
# the user a root run switches to, and its ids
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
# an unprivileged run must be able to reach the binaries
chmod 755 "$T"

# start_openssl6 ARGS...: s_server on [::1] (start_openssl_server is
# IPv4 only); sets SRV_PORT, SRV_PID, SRV_LOG.
start_openssl6() {
	SRV_LOG="$T/s_server6.log"
	openssl s_server -accept '[::1]:0' -www "$@" >"$SRV_LOG" 2>&1 </dev/null &
	SRV_PID=$!
	srv_track "$SRV_PID" "$SRV_LOG"
	if ! _srv_wait "$SRV_PID" "$SRV_LOG" '^ACCEPT '; then
		_srv_failed_start "openssl s_server [::1] $*" "$SRV_LOG"
		return 1
	fi
	SRV_PORT=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$SRV_LOG")
}

# timeline_ok NAME: the timeline of a clean handshake, in order: our SYN
# first, the SYN-ACK, our ClientHello, the ServerHello; every packet well
# formed, times in order.
cat >"$T/timeline.py" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["packets"]
def first(pred):
    return next((i for i, x in enumerate(p) if pred(x)), None)
syn = first(lambda x: x["flags"] == "S" and x["dir"] == "out")
sa = first(lambda x: x["flags"] == "SA" and x["dir"] == "in")
ch = first(lambda x: x["dir"] == "out" and (x["tls"] or "").startswith("ClientHello"))
sh = first(lambda x: x["dir"] == "in" and (x["tls"] or "").startswith("ServerHello"))
why = []
if syn != 0:
    why.append("the first packet is not our SYN")
if None in (sa, ch, sh) or not sa < ch < sh:
    why.append("SYN-ACK %s, ClientHello %s, ServerHello %s" % (sa, ch, sh))
elif p[ch]["len"] == 0 or p[ch]["retransmission"]:
    why.append("the ClientHello segment: %r" % p[ch])
for x in p:
    if x["dir"] not in ("in", "out") or not 0 < x["ttl"] < 256 or x["t_ms"] < 0:
        why.append("malformed: %r" % x)
if any(p[i]["t_ms"] > p[i + 1]["t_ms"] for i in range(len(p) - 1)):
    why.append("times out of order")
for w in why:
    print(w)
if why:
    for x in p:
        print("  %r" % x)
sys.exit(1 if why else 0)
EOF
timeline_ok() {
	if python3 "$T/timeline.py" "$OUT" >"$T/timeline.out" 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$T/timeline.out"
	fi
}

# pcap_matches NAME FILE PORT: tshark reads FILE, with as many packets
# as the report lists, and finds our ClientHello and the ServerHello.
pcap_matches() {
	if ! tshark -r "$2" >"$T/tshark.out" 2>"$T/tshark.err"; then
		not_ok "$1: tshark -r reads --pcap-out"
		sed 's/^/#   /' "$T/tshark.err"
		return
	fi
	ok "$1: tshark -r reads --pcap-out"
	_n=$(grep -c . "$T/tshark.out")
	_want=$(json_get "$OUT" 'len(d["packets"])')
	check "$1: the file holds the $_want packets of the report ($_n)" \
		test "$_n" = "$_want"
	_hs=$(tshark -r "$2" -d "tcp.port==$3,tls" -T fields \
		-e tls.handshake.type 2>/dev/null | tr '\n' ',')
	case ",$_hs" in
	*,1,*|*,1\;*) ok "$1: tshark finds the ClientHello in the file" ;;
	*) not_ok "$1: tshark finds the ClientHello in the file"
	   echo "#   handshake types: $_hs" ;;
	esac
}

# ---- IPv4 ----

start_openssl_server $OSRV
run_client v4 "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --capture --pcap-out "$T/v4.pcap"
expect "IPv4 --capture: exit 0, clean" 0 '!RESET_DURING_HANDSHAKE'
expect_py "IPv4: the report has packets" 'len(d["packets"]) >= 8'
timeline_ok "IPv4: SYN out first, SYN-ACK in, ClientHello out, ServerHello in"
expect_py "IPv4: flags are TCP flag letters" \
	'all(set(x["flags"]) <= set("SFRPA") for x in d["packets"])'
pcap_matches "IPv4" "$T/v4.pcap" "$SRV_PORT"

# with the side channel, its hello line is named too (and is not TLS);
# --paired, since s_server's ServerHello cannot answer the mark
run_client v4-side "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--capture --paired
expect_py "IPv4 with the side channel: its line is labelled" \
	'any(x["tls"] == "side channel" and x["dir"] == "out" for x in d["packets"])'

# a plaintext alert is named with its level and description
stop_servers
start_openssl_server $OSRV -tls1_3
run_client alert "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --capture --priority "NORMAL:-VERS-ALL:+VERS-TLS1.2"
expect "TLS 1.2 client, TLS 1.3 server: refused" 1 PROTOCOL_VERSION_MISMATCH
expect_py "the alert is in the timeline as Alert(fatal, protocol_version)" \
	'any(x["dir"] == "in" and "Alert(fatal, protocol_version)" in (x["tls"] or "") for x in d["packets"])'
stop_servers

# ---- IPv6 ----

if start_openssl6 $OSRV; then
	run_client v6 "[::1]:$SRV_PORT" --ca "$CA1" --expect-name localhost \
		--no-sideband --capture --pcap-out "$T/v6.pcap"
	expect "IPv6 --capture: exit 0" 0
	timeline_ok "IPv6: SYN out first, SYN-ACK in, ClientHello out, ServerHello in"
	pcap_matches "IPv6" "$T/v6.pcap" "$SRV_PORT"
	stop_servers
fi

# ---- without --capture nothing changes ----

start_openssl_server $OSRV
run_client plain "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband
expect "without --capture: exit 0" 0
expect_py "without --capture: no packets field" '"packets" not in d'

# ---- not permitted ----

# as nobody, without CAP_NET_RAW
unpriv() {
	setpriv --reuid nobody --regid "$NOBODY_GID" --clear-groups \
		--inh-caps=-all "$@"
}
unpriv "$TP" client "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --capture --json >"$T/np.out" 2>"$T/np.err"
RC=$?
check "not permitted: exit 3 (got $RC)" test "$RC" = 3
check "not permitted: nothing on stdout" test ! -s "$T/np.out"
check "not permitted: one line on stderr" test "$(wc -l <"$T/np.err")" = 1
if grep -qx 'tlsprobe client: --capture: capture on any not permitted: run as root or grant CAP_NET_RAW (.*)' "$T/np.err"; then
	ok "not permitted: the line says so and how to grant it"
else
	not_ok "not permitted: the line says so and how to grant it"
	sed 's/^/#   /' "$T/np.err"
fi
unpriv "$TP" client "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --pcap-out "$T/np.pcap" >/dev/null 2>"$T/np2.err"
RC=$?
check "not permitted, --pcap-out: exit 3, no file" \
	test "$RC" = 3 -a ! -e "$T/np.pcap"
# the same run as the same user without --capture works as before
unpriv "$TP" client "127.0.0.1:$SRV_PORT" --ca "$CA1" --expect-name localhost \
	--no-sideband --json >"$T/np3.out" 2>"$T/np3.err"
RC=$?
check "unprivileged without --capture: exit 0 (got $RC)" test "$RC" = 0

# ---- --user ----

"$TP" client "127.0.0.1:$SRV_PORT" --capture --user no-such-user-x \
	--no-sideband >"$T/nu.out" 2>"$T/nu.err"
RC=$?
check "--user that does not exist: exit 3, one line, no report" \
	test "$RC" = 3 -a ! -s "$T/nu.out" -a "$(wc -l <"$T/nu.err")" = 1
stop_servers

# ids_of PID: the real, effective, saved and fs uids and gids and the
# supplementary groups from /proc, one line.
ids_of() {
	awk '/^(Uid|Gid|Groups):/ { printf "%s", $0 " " }' "/proc/$1/status" 2>/dev/null
}

# watch_ids NAME WANT_UID WANT_GID ARGS...: runs the client with ARGS
# against a server that never answers, and reads its ids while it waits.
watch_ids() {
	_wn=$1 _wu=$2 _wg=$3
	shift 3
	"$TP" client "127.0.0.1:$FAKE_PORT" --no-sideband --timeout 3 --json \
		--capture --pcap-out "$T/$_wn.pcap" "$@" >"$T/$_wn.json" 2>"$T/$_wn.err" &
	_pid=$!
	_seen=""
	_i=0
	while [ $_i -lt 100 ] && kill -0 "$_pid" 2>/dev/null; do
		_ids=$(ids_of "$_pid")
		case "$_ids" in
		*"Uid:	$_wu	$_wu	$_wu	$_wu"*) _seen=$_ids; break ;;
		esac
		sleep 0.05
		_i=$((_i + 1))
	done
	wait "$_pid"
	RC=$?
	if [ -n "$_seen" ] && echo "$_seen" | grep -q "Gid:	$_wg	$_wg	$_wg	$_wg" &&
	   echo "$_seen" | grep -qE "Groups:[[:space:]]*$"; then
		ok "$_wn: while capturing, the probe runs as uid $_wu gid $_wg, no groups"
	else
		not_ok "$_wn: while capturing, the probe runs as uid $_wu gid $_wg, no groups"
		echo "#   last seen: ${_ids:-nothing}"
	fi
	OUT="$T/$_wn.json" ERR="$T/$_wn.err" LAST_ARGS="$*" MS=0
	expect "$_wn: the stall is diagnosed" 1 HANDSHAKE_TIMEOUT
	expect_py "$_wn: the capture went on after the switch" \
		'any((x["tls"] or "").startswith("ClientHello") for x in d["packets"]) and d["packets"][-1]["flags"] in ("FA", "R", "RA", "A")'
	check "$_wn: --pcap-out was written, and stays root's" \
		test -s "$T/$_wn.pcap" -a "$(stat -c %u "$T/$_wn.pcap")" = 0
}

start_fake stall
watch_ids user-default "$NOBODY_UID" "$NOBODY_GID"
watch_ids user-daemon "$(id -u daemon)" "$(id -g daemon)" --user daemon

# ---- ciphers ----

start_openssl_server $OSRV
"$TP" ciphers "127.0.0.1:$SRV_PORT" --protocols TLS1.2,TLS1.3 --json \
	--capture --pcap-out "$T/ciphers.pcap" >"$T/ciphers.json" 2>"$T/ciphers.err"
RC=$?
OUT="$T/ciphers.json" ERR="$T/ciphers.err" LAST_ARGS="ciphers --capture" MS=0
check "ciphers --capture: exit 0 or 1 (got $RC)" test "$RC" -le 1
# a SYN the kernel sends again (a loaded machine drops one now and then)
# is marked as a retransmission and is not another connection; frames
# the kernel dropped (a starved reader) are named, never silently lost
expect_py "ciphers: one SYN out per connection the audit counts" \
	'len([p for p in d["packets"] if p["flags"] == "S" and p["dir"] == "out" and not p["retransmission"]]) == d["stats"]["connections"] or "lost by the capture" in (d["packets"][-1]["tls"] or "")'
expect_py "ciphers: ClientHellos out, ServerHellos in" \
	'[p for p in d["packets"] if p["dir"] == "out" and (p["tls"] or "").startswith("ClientHello")] and [p for p in d["packets"] if p["dir"] == "in" and (p["tls"] or "").startswith("ServerHello")]'
_n=$(tshark -r "$T/ciphers.pcap" 2>/dev/null | grep -c .)
_want=$(json_get "$OUT" 'len(d["packets"])')
check "ciphers: --pcap-out holds the $_want packets of the report ($_n)" \
	test "$_n" = "$_want"
unpriv "$TP" ciphers "127.0.0.1:$SRV_PORT" --capture >"$T/cnp.out" 2>"$T/cnp.err"
RC=$?
check "ciphers, not permitted: exit 3, one line, no report" \
	test "$RC" = 3 -a ! -s "$T/cnp.out" -a "$(wc -l <"$T/cnp.err")" = 1
stop_servers
