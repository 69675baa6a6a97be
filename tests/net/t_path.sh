#!/bin/sh
# tlsprobe client against trouble on the path itself, with real TLS
# servers on the far side: a firewall that filters on the server name
# (reset or drop), a path-MTU black hole, and a server that never
# answers, where the retries must not invent a path problem.
#
#   client C 100.64.10.2 --- 100.64.10.1 router R 198.51.100.1 --- 198.51.100.2 server S
#
#   4431  gnutls-serv, server.pem   R resets (tcp-reset) what carries "blocked.test"
#   4432  gnutls-serv, server.pem   R drops what carries "blocked.test"
#   4433  fakeserver stall          reads the ClientHello, never answers
#   4434  python3 ssl server (every connection at once), a leaf with an
#         RSA-4096 key + int1: a first flight of several segments
#
# The black hole: R forwards at most 600 bytes a packet toward C, while
# C's link (1500) makes C advertise MSS 1460; the server's full-size
# segments need an ICMP fragmentation-needed from R, which R drops.
# Nothing leaves these namespaces: C routes only 198.51.100.0/24 (via R),
# S only 100.64.10.0/24.
. "$(dirname "$0")/../lib.sh"
need_root t_path
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/net/netlib.sh"

for tool in ip iptables certtool gnutls-serv gnutls-cli timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_path: $tool is installed"
		exit 1
	fi
done

P=tpp$$
C=${P}c R=${P}r S=${P}s
SRV=198.51.100.2
TMO=2
# the first attempt, then the retries on about half the budget
LIMIT_MS=$((2 * TMO * 1000 + 1000))

at_exit routed_cleanup

# ---- certificates ----

make_pki ca1.pem int1.pem int1.key server.pem server.key
# A leaf whose chain fills several full-size segments: RSA-4096 (its
# CertificateVerify alone is 512 bytes) under the intermediate.
big_chain 90 "$SRV"
setup "big chain verifies under ca1" certtool --verify \
	--load-ca-certificate "$PKI/ca1.pem" --infile "$T/big-chain.pem"

# ---- networks ----

net_routed "$C" "$R" "$S" "$P" 100.64.10.2 100.64.10.1 198.51.100.1 "$SRV"
# The server sets DF and learns the path MTU only from ICMP (no probing
# of its own that could find the black hole without the client's help).
setup "PMTU discovery in S" ip netns exec "$S" sysctl -qw \
	net.ipv4.ip_no_pmtu_disc=0 net.ipv4.tcp_mtu_probing=0

# serve_tls PORT CERT KEY: gnutls-serv in S, its log kept for failures.
serve_tls() {
	_log="$T/gnutls-serv-$1.log"
	ip netns exec "$S" gnutls-serv -p "$1" --x509certfile "$2" \
		--x509keyfile "$3" >"$_log" 2>&1 </dev/null &
	_pid=$!
	srv_track "$_pid" "$_log"
	log_waits "$_log" "IPv4 .* port $1\.\.\.done" && kill -0 "$_pid" 2>/dev/null
}
setup "gnutls-serv on 4431" serve_tls 4431 "$PKI/server.pem" "$PKI/server.key"
setup "gnutls-serv on 4432" serve_tls 4432 "$PKI/server.pem" "$PKI/server.key"
FAKE_NS=$S
setup "stalling server on 4433" start_fake stall --host "$SRV" --port 4433
FAKE_NS=

# The black hole's server must serve the retries while other handshakes
# wait for the client's Finished, as real servers do: gnutls-serv and
# s_server run one handshake at a time, so the first connection, then
# the no-SNI retry (black-holed too), would hold the small-MSS retry
# back until its budget is spent.
cat >"$T/tls_server.py" <<'END'
import socket, ssl, sys, threading
host, port, chain, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
srv = socket.create_server((host, port))
print("ready %d" % port, flush=True)

def log(msg):
    sys.stderr.write("tls_server: %s\n" % msg)
    sys.stderr.flush()

def serve(conn, peer):
    conn.settimeout(10)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            log("%s: handshake done, %s %s" % (peer, tls.version(), tls.cipher()[0]))
            while tls.recv(4096):
                pass
    except (OSError, ssl.SSLError) as e:
        log("%s: %s" % (peer, e))

while True:
    conn, peer = srv.accept()
    log("connection from %s:%d" % peer[:2])
    threading.Thread(target=serve, args=(conn, "%s:%d" % peer[:2]),
                     daemon=True).start()
END
setup "TLS server on 4434 (RSA-4096 + int1)" start_ready tls_server \
	ip netns exec "$S" python3 "$T/tls_server.py" "$SRV" 4434 \
	"$T/big-chain.pem" "$T/big.key"
BIG_LOG=$READY_LOG

# rule NAME ARGS...: an iptables rule in R, tagged NAME for hits().
rule() {
	_tag=$1; shift
	setup "rule $_tag" ip netns exec "$R" iptables "$@" -m comment --comment "$_tag"
}
# hits NAME: how many packets the rules tagged NAME matched so far.
hits() {
	ip netns exec "$R" iptables -nvxL 2>/dev/null |
		awk -v t="/* $1 */" 'index($0, t) { n += $1 } END { print n + 0 }'
}

# timely NAME: the last run ended within 2 x --timeout + 1 s.
timely() {
	if [ "$MS" -lt "$LIMIT_MS" ]; then
		ok "$1 ends within $LIMIT_MS ms ($MS ms)"
	else
		not_ok "$1 ends within $LIMIT_MS ms ($MS ms)"
		fail_context
	fi
}

# path_error CODE WORD: an expect_py expression: CODE is reported as an
# error on the path, and its detail says WORD.
path_error() {
	printf '%s' "[f for f in d['findings'] if f['code'] == '$1' and" \
		" f['severity'] == 'error' and f['side'] == 'path' and" \
		" '$2' in (f.get('detail') or '')]"
}

CLIENT_NS=$C
NO_ERROR="not [f for f in d['findings'] if f['severity'] == 'error']"

# ---- control: the path works ----

run_client control "$SRV:4431" --ca "$PKI/ca1.pem" --sni localhost --timeout $TMO
expect "control: through the router to gnutls-serv: exit 0" 0 \
	'!SNI_FILTERED' '!PMTU_BLACKHOLE' '!RESET_DURING_HANDSHAKE' '!HANDSHAKE_TIMEOUT'
expect_py "control: no error finding, handshake done" \
	"$NO_ERROR and d['session'] is not None"

# ---- a firewall that filters on the server name ----

rule sni-reset -I FORWARD -p tcp --dport 4431 -m string --string blocked.test \
	--algo bm -j REJECT --reject-with tcp-reset
rule sni-drop -I FORWARD -p tcp --dport 4432 -m string --string blocked.test \
	--algo bm -j DROP

run_client sni-reset "$SRV:4431" --sni blocked.test --expect-name localhost \
	--ca "$PKI/ca1.pem" --timeout $TMO
expect "SNI blocked.test reset on the router: SNI_FILTERED" 1 SNI_FILTERED \
	'!RESET_DURING_HANDSHAKE' '!PMTU_BLACKHOLE' '!HANDSHAKE_TIMEOUT'
expect_py "SNI_FILTERED (reset): a path error whose detail names blocked.test" \
	"$(path_error SNI_FILTERED blocked.test)"
check "the router's reset rule matched the ClientHello ($(hits sni-reset) packets)" \
	test "$(hits sni-reset)" -gt 0

run_client sni-other "$SRV:4431" --sni server.test --expect-name localhost \
	--ca "$PKI/ca1.pem" --timeout $TMO
expect "another SNI through the same filter: exit 0, no SNI_FILTERED" 0 \
	'!SNI_FILTERED' '!RESET_DURING_HANDSHAKE'

run_client sni-drop "$SRV:4432" --sni blocked.test --expect-name localhost \
	--ca "$PKI/ca1.pem" --timeout $TMO
expect "SNI blocked.test dropped on the router (a stall): SNI_FILTERED" 1 \
	SNI_FILTERED '!HANDSHAKE_TIMEOUT' '!PMTU_BLACKHOLE' '!RESET_DURING_HANDSHAKE'
expect_py "SNI_FILTERED (drop): a path error whose detail names blocked.test" \
	"$(path_error SNI_FILTERED blocked.test)"
timely "SNI_FILTERED with a DROP rule and --timeout $TMO"

# ---- a server that never answers: the retries stall too ----

run_client stall "$SRV:4433" --sni server.test --ca "$PKI/ca1.pem" --timeout $TMO
expect "a server that never answers: HANDSHAKE_TIMEOUT, no path finding" 1 \
	HANDSHAKE_TIMEOUT '!SNI_FILTERED' '!PMTU_BLACKHOLE'
timely "HANDSHAKE_TIMEOUT with --timeout $TMO"

# ---- a path-MTU black hole ----
# A route MTU rather than a link MTU: R forwards nothing over 600 bytes
# toward C, yet C's link stays at 1500 both ways (so C advertises MSS
# 1460, and whatever C sends reaches R whole).
setup "600-byte route MTU toward C" ip -n "$R" route replace 100.64.10.0/24 \
	dev "${P}rc" src 100.64.10.1 mtu 600
rule icmp-frag -I OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
rule icmp-frag -I FORWARD -p icmp --icmp-type fragmentation-needed -j DROP

# gnutls_cli NAME: a plain gnutls-cli from C to the big chain, 2 s at
# most; sets CLI_RC (124: it stalled) and CLI_LOG.
gnutls_cli() {
	CLI_LOG="$T/gnutls-cli-$1.log"
	timeout -k 1 2 ip netns exec "$C" gnutls-cli -p 4434 --sni-hostname server.test \
		--x509cafile "$PKI/ca1.pem" "$SRV" >"$CLI_LOG" 2>&1 </dev/null
	CLI_RC=$?
}
cli_context() {
	echo "#   gnutls-cli exit status $CLI_RC; ICMP fragmentation-needed dropped: $(hits icmp-frag)"
	tail -n 8 "$CLI_LOG" | sed 's/^/#     /'
	tail -n 8 "$BIG_LOG" | sed 's/^/#     server: /'
}

gnutls_cli blackhole
if [ "$CLI_RC" -eq 124 ] && [ "$(hits icmp-frag)" -gt 0 ]; then
	ok "the topology black-holes: plain gnutls-cli stalls, R dropped $(hits icmp-frag) ICMP fragmentation-needed"
else
	not_ok "the topology black-holes: plain gnutls-cli stalls, R drops ICMP fragmentation-needed"
	cli_context
fi

run_client pmtu "$SRV:4434" --sni server.test --ca "$PKI/ca1.pem" --timeout $TMO
expect "path-MTU black hole: PMTU_BLACKHOLE" 1 PMTU_BLACKHOLE \
	'!HANDSHAKE_TIMEOUT' '!SNI_FILTERED'
expect_py "PMTU_BLACKHOLE: a path error whose detail mentions the MSS" \
	"$(path_error PMTU_BLACKHOLE MSS)"
timely "PMTU_BLACKHOLE with --timeout $TMO"

# The same black hole with a tlsprobe server on the far side: the client
# still proves it, and the server's own lines show the small-MSS retry
# completing from the client's address while the first try did not.
SRV_JSON="$T/tlsprobe-server.jsonl"
ip netns exec "$S" "$TP" server --listen "$SRV:4435" --cert "$T/big-chain.pem" \
	--key "$T/big.key" --timeout $TMO --json >"$SRV_JSON" \
	2>"$T/tlsprobe-server.err" </dev/null &
srv_track $! "$T/tlsprobe-server.err"
setup "tlsprobe server on 4435" log_waits "$T/tlsprobe-server.err" "listening on"
run_client pmtu-paired "$SRV:4435" --sni server.test --ca "$PKI/ca1.pem" \
	--timeout $TMO
expect "path-MTU black hole, tlsprobe server far side: PMTU_BLACKHOLE" 1 \
	PMTU_BLACKHOLE '!HANDSHAKE_TIMEOUT' '!SNI_FILTERED'
log_waits "$SRV_JSON" '"verdict":"pass"'
if python3 - "$SRV_JSON" <<'PY' 2>"$T/srv_py.err"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mine = [l for l in lines if l["target"]["host"] == "100.64.10.2"]
assert [l for l in mine if l["verdict"] == "pass"], mine
PY
then
	ok "the tlsprobe server saw the small-MSS retry complete from 100.64.10.2"
else
	not_ok "the tlsprobe server saw the small-MSS retry complete from 100.64.10.2"
	sed 's/^/#   /' "$T/srv_py.err" "$SRV_JSON" "$T/tlsprobe-server.err"
fi

# Without the ICMP drop, path-MTU discovery works. (Only now: nothing
# could teach S the 600-byte path MTU toward C before.)
setup "ICMP reaches S again" ip netns exec "$R" iptables -F OUTPUT
setup "ICMP forwarded again" ip netns exec "$R" iptables -D FORWARD -p icmp \
	--icmp-type fragmentation-needed -j DROP -m comment --comment icmp-frag

# learnt_mtu: the path MTU toward C that S has learnt from ICMP, if any.
learnt_mtu() {
	ip -n "$S" route get 100.64.10.2 | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

gnutls_cli pmtud
if [ "$CLI_RC" -eq 0 ] && [ "$(learnt_mtu)" = 600 ]; then
	ok "with path-MTU discovery working, plain gnutls-cli completes (S learnt MTU 600)"
else
	not_ok "with path-MTU discovery working, plain gnutls-cli completes (S learns MTU 600)"
	echo "#   path MTU S learnt toward C: '$(learnt_mtu)'"
	cli_context
fi

# S forgets it, so that the client's run needs path-MTU discovery again.
setup "S forgets the path MTU" ip -n "$S" route flush cache
setup "S has forgotten the path MTU" test -z "$(learnt_mtu)"
run_client pmtud "$SRV:4434" --sni server.test --ca "$PKI/ca1.pem" --timeout $TMO
expect "the same small MTU with working path-MTU discovery: exit 0" 0 \
	'!PMTU_BLACKHOLE' '!HANDSHAKE_TIMEOUT' '!SNI_FILTERED'
expect_py "working path-MTU discovery: no error finding, handshake done" \
	"$NO_ERROR and d['session'] is not None"
check "S learnt the path MTU 600 during that run" test "$(learnt_mtu)" = 600
