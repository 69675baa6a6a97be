#!/bin/sh
# The paired probes across real networks: a tlsprobe client and a
# tlsprobe server on two namespace hosts, each with its own unique ID,
# compare what each end saw. Every case asserts the exact codes of both
# probes: the client's report, and the server's JSON line for that
# connection.
#
#   client C 100.64.20.2 --- 100.64.20.1 router R 203.0.113.1 --- 203.0.113.2 server S
#
#   1. the direct route: paired, no NAT finding
#   2. MASQUERADE on R toward S: NAT_SOURCE
#   3. a port forward on R (100.64.20.1:8443 -> 203.0.113.2:4433): NAT_DESTINATION
#   4. mutual authentication, each node's CN its unique ID (--expect-id
#      peer on both ends), then a client and a server whose CN is not
#      their ID: PEER_ID_MISMATCH
#   5. the two nodes on different CAs: CA_MISMATCH
#   6. firewalls on R: DROP (TCP_TIMEOUT, no paired view), and resets that
#      let the side-channel hello (--paired) through but not the TLS
#      handshake
#   7. sslsplit on R intercepts TLS: TLS_INTERCEPTED with --paired, whether
#      or not the client trusts the proxy's CA; without it the proxy hides
#      the mark and the client says nothing else
#
# Nothing leaves these namespaces: C routes only 203.0.113.0/24 (via R),
# S only 100.64.20.0/24, and R has no route beyond its two links.
. "$(dirname "$0")/../lib.sh"
need_root t_pair
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/net/netlib.sh"

for tool in ip iptables certtool timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pair: $tool is installed"
		exit 1
	fi
done

P=tpq$$
C=${P}c R=${P}r S=${P}s
CLI=100.64.20.2 RIN=100.64.20.1 ROUT=203.0.113.1 SRV=203.0.113.2
# each namespace host's unique ID (its /etc/machine-id inside ip netns
# exec), and one that belongs to neither
CID=c11e0000000000000000000000000002
SID=5e0e0000000000000000000000000002
ALIEN=a11e0000000000000000000000000099
NETNS_ETC=/etc/netns
TMO=2
SSLSPLIT_PIDS=""

net_cleanup() {
	stop_servers
	# sslsplit's privilege-separated child, if its parent left it
	for _p in $SSLSPLIT_PIDS; do
		kill "$_p" 2>/dev/null
	done
	for ns in $C $R $S; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "${NETNS_ETC:?}/$C" "${NETNS_ETC:?}/$S"
	[ -n "${made_netns_etc:-}" ] && rmdir "$NETNS_ETC" 2>/dev/null
}
at_exit net_cleanup

# ---- certificates: each node's CN is its unique ID ----

make_pki ca1.pem ca1.key ca2.pem ca2.key

# node_cert NAME CN CA: $T/NAME.pem and $T/NAME.key, issued by the sample
# PKI's CA, valid for both roles and every address the cases dial.
serial=100
node_cert() {
	serial=$((serial + 1))
	printf '%s\n' "cn = \"$2\"" "serial = $serial" \
		'dns_name = "server.test"' "ip_address = \"$SRV\"" \
		"ip_address = \"$RIN\"" "ip_address = \"$CLI\"" \
		tls_www_server tls_www_client signing_key \
		'activation_date = "2024-01-01 00:00:00"' \
		'expiration_date = "2044-01-01 00:00:00"' >"$T/$1.tmpl"
	setup "key $1" certtool --generate-privkey --key-type ecdsa \
		--curve secp256r1 --no-text --outfile "$T/$1.key"
	setup "certificate $1 (CN $2, issued by $3)" env TZ=UTC certtool \
		--generate-certificate --load-privkey "$T/$1.key" \
		--load-ca-certificate "$PKI/$3.pem" --load-ca-privkey "$PKI/$3.key" \
		--template "$T/$1.tmpl" --outfile "$T/$1.pem"
}
node_cert srv "$SID" ca1
node_cert srv-alien "$ALIEN" ca1
node_cert cli "$CID" ca1
node_cert cli-alien "$ALIEN" ca1
node_cert cli-ca2 "$CID" ca2
# the SHA-256 of the server's leaf, as the paired server reports it
SRV_LEAF=$(python3 -c 'import hashlib, ssl, sys
print(hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())).hexdigest())' "$T/srv.pem")

# ---- networks ----

net_routed "$C" "$R" "$S" "$P" "$CLI" "$RIN" "$ROUT" "$SRV"

# ip netns exec bind-mounts /etc/netns/NAME/machine-id over
# /etc/machine-id: each host has its own unique ID.
[ -d "$NETNS_ETC" ] || made_netns_etc=1
for h in "$C $CID" "$S $SID"; do
	set -- $h
	setup "/etc/netns/$1" mkdir -p "$NETNS_ETC/$1"
	printf '%s\n' "$2" >"$NETNS_ETC/$1/machine-id"
done
for h in "$C $CID" "$S $SID"; do
	set -- $h
	_id=$(ip netns exec "$1" "$TP" id 2>&1)
	if [ "$_id" != "$2" ]; then
		not_ok "setup: tlsprobe id in $1 prints its own ID $2"
		echo "#   it printed: $_id"
		exit 1
	fi
done

# rule NAME ARGS...: an iptables rule in R, tagged NAME (for hits and unrule).
rule() {
	_tag=$1; shift
	setup "rule $_tag" ip netns exec "$R" iptables "$@" -m comment --comment "$_tag"
}
# unrule TABLE CHAIN NAME: deletes the rules tagged NAME from CHAIN; one
# left behind would change every case after it, so that ends the test.
unrule() {
	ip netns exec "$R" iptables -t "$1" -S "$2" | grep -F -- "--comment $3" |
		sed 's/^-A /-D /' | while read -r _r; do
			eval "ip netns exec \"\$R\" iptables -t \"\$1\" $_r"
		done
	if ip netns exec "$R" iptables -t "$1" -S "$2" | grep -qF -- "--comment $3"; then
		not_ok "setup: remove the rule $3 from $1 $2"
		ip netns exec "$R" iptables -t "$1" -S "$2" | sed 's/^/#   /'
		exit 1
	fi
}
# hits TABLE NAME: how many packets the rules tagged NAME matched so far.
hits() {
	ip netns exec "$R" iptables -t "$1" -nvxL 2>/dev/null |
		awk -v t="/* $2 */" 'index($0, t) { n += $1 } END { print n + 0 }'
}

# ---- the paired server ----

# pair_server NAME ARGS...: "tlsprobe server --json" in S on $SRV:4433
# with ARGS (the server before it ends first); its JSON lines go to
# SRV_JSON, its stderr to SRV_LOG. SRV_ARGS says, for failure reports,
# which server that is. --timeout 1: the line for a connection that never
# brings its ClientHello comes 1 s after it was accepted.
SRV_PID=
pair_server() {
	stop_pair_server
	SRV_JSON="$T/server-$1.jsonl"
	SRV_LOG="$T/server-$1.log"
	shift
	ip netns exec "$S" "$TP" server --listen "$SRV:4433" --json \
		--timeout 1 "$@" >"$SRV_JSON" 2>"$SRV_LOG" </dev/null &
	SRV_PID=$!
	srv_track "$SRV_PID" "$SRV_LOG"
	if ! _srv_wait "$SRV_PID" "$SRV_LOG" 'listening on'; then
		_srv_failed_start "tlsprobe server $*" "$SRV_LOG"
		exit 1
	fi
}
stop_pair_server() {
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	_srv_list=$(echo " $_srv_list" | sed "s| $SRV_PID:[^ ]*||")
	SRV_PID=
}

# client NAME ARGS...: run_client from C, after noting where the
# server's output stands (its lines for this run come after).
CLIENT_NS=$C
client() {
	SRV_MARK=$(wc -l <"$SRV_JSON")
	run_client "$@"
}

# The server's line for the last client run's TLS connection, s: by
# default the one whose peer port is the client's own (the tcp stage's
# "local"); with SRV_PICK=only, where something on the path rewrites the
# port, the one line the run brought. The server writes a line when its
# connection ends (a stalled one after its --timeout): wait for it.
# Then: with EXPR "-", VERDICT and CODE... must be the line's verdict and
# exactly its error codes; otherwise EXPR, over s, codes, errors,
# text(CODE) and remote (the peer's IP:PORT), must be true.
SRV_PY='
import json, sys, time
path, mark, report, pick, expr = sys.argv[1:6]
mark = int(mark)
port = None
try:
    d = json.load(open(report))
    port = [st["local"] for st in d["stages"] if st["name"] == "tcp"][0].rsplit(":", 1)[1]
except Exception:
    pass
def peer(o):
    for st in o.get("stages") or []:
        if st.get("name") == "accept":
            return st.get("remote") or ""
    return ""
end = time.time() + 5
while True:
    lines = []
    try:
        for x in open(path).read().splitlines()[mark:]:
            try:
                lines.append(json.loads(x))
            except ValueError:
                pass  # a line still being written
    except OSError:
        pass
    if pick == "only":
        s = lines[0] if len(lines) == 1 else None
        done = len(lines) > 1
    else:
        m = [o for o in lines if port and peer(o).rsplit(":", 1)[-1] == port]
        s = m[0] if m else None
        done = False
    if s is not None or done or time.time() > end:
        break
    time.sleep(0.05)
if s is None:
    print("no single line from the server for this connection (client port %s, %d new lines)" % (port, len(lines)))
    sys.exit(1)
codes = [f["code"] for f in s.get("findings") or []]
errors = sorted(set(f["code"] for f in s.get("findings") or [] if f.get("severity") == "error"))
remote = peer(s)
def text(code):
    return " ".join((f.get("summary") or "") + " " + (f.get("detail") or "")
                    for f in s.get("findings") or [] if f["code"] == code)
if expr == "-":
    why = []
    if s.get("verdict") != sys.argv[6]:
        why.append("verdict %s, wanted %s" % (s.get("verdict"), sys.argv[6]))
    if errors != sorted(set(sys.argv[7:])):
        why.append("error codes [%s], wanted [%s]" % (" ".join(errors), " ".join(sorted(set(sys.argv[7:])))))
    print("; ".join(why))
    sys.exit(1 if why else 0)
if not eval(expr):
    print("false: " + expr)
    sys.exit(1)
'
SRV_PICK=port

# srv_context: what the server said since the client run.
srv_context() {
	echo "#   server: tlsprobe server $SRV_ARGS; its lines since the client run:"
	tail -n +"$((SRV_MARK + 1))" "$SRV_JSON" | python3 -c '
import json, sys
for x in sys.stdin:
    try:
        o = json.loads(x)
    except ValueError:
        print("not JSON: %r" % x[:200]); continue
    print("verdict %s, peer %s" % (o.get("verdict"), (o.get("target") or {}).get("host")))
    for st in o.get("stages") or []:
        print("  stage %s: %s%s" % (st.get("name"), st.get("status"), " (%s)" % st["detail"] if st.get("detail") else ""))
    for f in o.get("findings") or []:
        print("  finding %s [%s/%s]: %s | %s" % (f.get("code"), f.get("severity"), f.get("side"), f.get("summary"), f.get("detail")))
' 2>&1 | sed 's/^/#     /'
	echo "#   server stderr:"
	tail -n 8 "$SRV_LOG" | sed 's/^/#     /'
}

# _srv_assert NAME ARGS...: one TAP line from SRV_PY with ARGS.
_srv_assert() {
	_s_name=$1; shift
	if _s_why=$(python3 -c "$SRV_PY" "$SRV_JSON" "$SRV_MARK" "$OUT" \
		"$SRV_PICK" "$@" 2>&1); then
		ok "$_s_name"
		return 0
	fi
	not_ok "$_s_name"
	echo "$_s_why" | tail -n 3 | sed 's/^/#   /'
	srv_context
	fail_context
	return 1
}

# expect_srv NAME VERDICT [CODE]...: the server's line for the last
# client's TLS connection has VERDICT and exactly the error codes CODE...
expect_srv() {
	_n=$1; shift
	_srv_assert "$_n" - "$@"
}
# expect_srv_py NAME EXPR: the Python expression over that line is true.
expect_srv_py() { _srv_assert "$1" "$2"; }

# expect_srv_silent NAME: no line from the server since the client run
# (nothing reached it).
expect_srv_silent() {
	if [ "$(wc -l <"$SRV_JSON")" -eq "$SRV_MARK" ]; then
		ok "$1"
	else
		not_ok "$1"
		srv_context
	fi
}

# expect_errors NAME [CODE]...: the last client report's error codes are
# exactly CODE...
expect_errors() {
	_n=$1; shift
	expect_py "$_n" "sorted(set(f['code'] for f in d['findings'] if f['severity'] == 'error')) == sorted(set('$*'.split()))"
}

NO_ERROR="not [f for f in d['findings'] if f['severity'] == 'error']"
PAIRED="d['peer_report'] is not None and d['peer_report']['unique_id'] == '$SID' and [s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'ok']"
# text(CODE): summary and detail of the client's findings with CODE
TEXT="(lambda c: ' '.join((f.get('summary') or '') + ' ' + (f.get('detail') or '') for f in d['findings'] if f['code'] == c))"

# ---- 1. the direct route ----

SRV_ARGS="--cert srv.pem (CN $SID) --ca ca1.pem"
pair_server plain --cert "$T/srv.pem" --key "$T/srv.key" --ca "$PKI/ca1.pem"

client direct "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO
expect "direct route: paired, exit 0, no NAT finding" 0 \
	'!NAT_SOURCE' '!NAT_DESTINATION' '!TLS_INTERCEPTED'
expect_py "direct route: peer_report from $SID, sideband stage ok, no error finding" \
	"$PAIRED and $NO_ERROR"
expect_py "direct route: the server saw us as $CLI, listens on $SRV:4433, saw our handshake" \
	"d['peer_report']['seen_from'].startswith('$CLI:') and d['peer_report']['server_local'] == '$SRV:4433' and (d['peer_report'].get('account') or {}).get('outcome') == 'established'"
expect_py "direct route: the server says it sent the leaf we received" \
	"d['peer_report']['sent_sha256'][:1] == ['$SRV_LEAF'] and d['certificates'][0]['sha256'] == '$SRV_LEAF'"
expect_py "direct route: paired through the mark, inside TLS, with no side-channel connection" \
	"[s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'ok' and 'answered inside TLS' in s['detail'] and 'only' not in s['detail']]"
expect_srv "direct route: the server's line: pass, no error finding" pass
expect_srv_py "direct route: the server's line has the peer $CLI" \
	"remote.startswith('$CLI:')"
expect_srv_py "direct route: the server's line has no NAT finding" \
	"not text('NAT_SOURCE') and not text('NAT_DESTINATION')"

# ---- 2. source NAT ----

rule masq -t nat -A POSTROUTING -o "${P}rs" -j MASQUERADE
client snat "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO
expect "MASQUERADE on the router: NAT_SOURCE, exit 0" 0 NAT_SOURCE \
	'!NAT_DESTINATION' '!TLS_INTERCEPTED'
expect_errors "MASQUERADE: no error finding on the client"
expect_py "NAT_SOURCE names $CLI (shared, CGNAT) and $ROUT (documentation)" \
	"[f for f in d['findings'] if f['code'] == 'NAT_SOURCE' and '$CLI:' in f['summary'] and '$ROUT:' in f['summary'] and 'shared (CGNAT, RFC 6598)' in f['summary'] and 'documentation (RFC 5737)' in f['summary']]"
expect_py "source NAT: paired, peer_report.seen_from is $ROUT" \
	"$PAIRED and d['peer_report']['seen_from'].startswith('$ROUT:')"
# MASQUERADE may change the port too: the run's one line
SRV_PICK=only
expect_srv "source NAT: the server's line: pass, no error finding" pass
expect_srv_py "source NAT: the server's line has the peer $ROUT" \
	"remote.startswith('$ROUT:')"
expect_srv_py "source NAT: the server's line has NAT_SOURCE: the client is $CLI, came from $ROUT" \
	"'the client is $CLI:' in text('NAT_SOURCE') and 'came from $ROUT:' in text('NAT_SOURCE') and not text('NAT_DESTINATION')"
# A handshake the server refuses (our certificate from CA2): the client
# claims the account on the side channel, and the server's line waits
# for the words that claim brings to name the NAT too.
client snat-refused "$SRV:4433" --ca "$PKI/ca1.pem" --cert "$T/cli-ca2.pem" \
	--key "$T/cli-ca2.key" --timeout $TMO
expect "MASQUERADE, our certificate refused: CLIENT_CERT_REJECTED and NAT_SOURCE" 1 \
	CLIENT_CERT_REJECTED NAT_SOURCE
expect_py "refused behind NAT: the account claimed on the side channel, with the server's reason" \
	"$PAIRED and (d['peer_report'].get('account') or {}).get('outcome') == 'alert' and 'CA2' in (d['peer_report']['account'].get('reason') or '')"
SRV_PICK=only
expect_srv "refused behind NAT: the server's line: fail, UNKNOWN_CA" fail UNKNOWN_CA
expect_srv_py "refused behind NAT: the server's line has NAT_SOURCE from the claim's words" \
	"'the client is $CLI:' in text('NAT_SOURCE') and 'came from $ROUT:' in text('NAT_SOURCE')"
SRV_PICK=port
check "the MASQUERADE rule matched ($(hits nat masq) packets)" \
	test "$(hits nat masq)" -gt 0
unrule nat POSTROUTING masq

# ---- 3. destination NAT: a port forward on the router ----

rule dnat -t nat -A PREROUTING -i "${P}rc" -p tcp -d "$RIN" --dport 8443 \
	-j DNAT --to-destination "$SRV:4433"
client dnat "$RIN:8443" --ca "$PKI/ca1.pem" --timeout $TMO
expect "port forward $RIN:8443 -> $SRV:4433: NAT_DESTINATION, exit 0" 0 \
	NAT_DESTINATION '!NAT_SOURCE' '!TLS_INTERCEPTED'
expect_errors "port forward: no error finding on the client"
expect_py "NAT_DESTINATION names $RIN:8443 and $SRV:4433" \
	"[f for f in d['findings'] if f['code'] == 'NAT_DESTINATION' and '$RIN:8443' in f['summary'] and '$SRV:4433' in f['summary']]"
expect_srv "port forward: the server's line: pass, no error finding" pass
expect_srv_py "port forward: the server's line has the peer $CLI" \
	"remote.startswith('$CLI:')"
expect_srv_py "port forward: the server's line has NAT_DESTINATION: dialled $RIN:8443, listens on $SRV:4433" \
	"'dialled $RIN:8443' in text('NAT_DESTINATION') and 'listens on $SRV:4433' in text('NAT_DESTINATION') and not text('NAT_SOURCE')"
check "the DNAT rule matched ($(hits nat dnat) packets)" \
	test "$(hits nat dnat)" -gt 0
unrule nat PREROUTING dnat

# ---- 4. mutual authentication, FLoM style: CN = unique ID ----

SRV_ARGS="--cert srv.pem (CN $SID) --ca ca1.pem --require-client-cert --expect-id peer"
pair_server mutual --cert "$T/srv.pem" --key "$T/srv.key" --ca "$PKI/ca1.pem" \
	--require-client-cert --expect-id peer

client mutual "$SRV:4433" --ca "$PKI/ca1.pem" --cert "$T/cli.pem" \
	--key "$T/cli.key" --expect-id peer --timeout $TMO
expect "mutual authentication, each CN its node's ID: exit 0" 0
expect_py "mutual authentication: paired with $SID, no error finding" \
	"$PAIRED and $NO_ERROR"
expect_srv "mutual authentication: the server's line: pass, no error finding" pass
expect_srv_py "mutual authentication: the server verified the client certificate CN $CID" \
	"[st for st in s['stages'] if st['name'] == 'verify' and st['status'] == 'ok' and '$CID' in (st.get('detail') or '')]"

client alien-client "$SRV:4433" --ca "$PKI/ca1.pem" --cert "$T/cli-alien.pem" \
	--key "$T/cli-alien.key" --expect-id peer --timeout $TMO
expect "client certificate CN $ALIEN on node $CID: PEER_ID_MISMATCH, exit 1" 1 \
	PEER_ID_MISMATCH CLIENT_CERT_REJECTED
expect_errors "client certificate CN $ALIEN: exactly PEER_ID_MISMATCH and CLIENT_CERT_REJECTED" \
	PEER_ID_MISMATCH CLIENT_CERT_REJECTED
expect_py "the client's PEER_ID_MISMATCH is about our certificate (side client), in the server's words" \
	"[f for f in d['findings'] if f['code'] == 'PEER_ID_MISMATCH' and f['side'] == 'client' and 'the paired tlsprobe server says' in (f.get('detail') or '') and '$ALIEN' in f['detail'] and '$CID' in f['detail']]"
expect_py "CLIENT_CERT_REJECTED and the tls stage say it in the server's words: the CN is not the ID" \
	"[f for f in d['findings'] if f['code'] == 'CLIENT_CERT_REJECTED' and 'not the expected unique ID' in f['summary'] and '$ALIEN' in f['summary']] and [s for s in d['stages'] if s['name'] == 'tls' and 'not the expected unique ID' in (s.get('detail') or '')]"
expect_srv "client certificate CN $ALIEN: the server's line: fail, PEER_ID_MISMATCH" \
	fail PEER_ID_MISMATCH
expect_srv_py "the server's PEER_ID_MISMATCH is about the client and names $ALIEN and $CID" \
	"[f for f in s['findings'] if f['code'] == 'PEER_ID_MISMATCH' and f['side'] == 'client'] and '$ALIEN' in text('PEER_ID_MISMATCH') and '$CID' in text('PEER_ID_MISMATCH')"

SRV_ARGS="--cert srv-alien.pem (CN $ALIEN) --ca ca1.pem --require-client-cert --expect-id peer"
pair_server alien-server --cert "$T/srv-alien.pem" --key "$T/srv-alien.key" \
	--ca "$PKI/ca1.pem" --require-client-cert --expect-id peer
client alien-server "$SRV:4433" --ca "$PKI/ca1.pem" --cert "$T/cli.pem" \
	--key "$T/cli.key" --expect-id peer --timeout $TMO
expect "server certificate CN $ALIEN on node $SID: PEER_ID_MISMATCH, exit 1" 1 \
	PEER_ID_MISMATCH
expect_errors "server certificate CN $ALIEN: exactly PEER_ID_MISMATCH" PEER_ID_MISMATCH
expect_py "the client's PEER_ID_MISMATCH is about the server's certificate and names $ALIEN and $SID" \
	"[f for f in d['findings'] if f['code'] == 'PEER_ID_MISMATCH' and f['side'] == 'server' and '$ALIEN' in f['summary'] and '$SID' in f['summary']]"
expect_srv "server certificate CN $ALIEN: the server's line: pass (our certificate is right)" pass

# ---- 5. the two nodes on different CAs ----

SRV_ARGS="--cert srv.pem (ca1) --ca ca1.pem --require-client-cert"
pair_server two-cas --cert "$T/srv.pem" --key "$T/srv.key" --ca "$PKI/ca1.pem" \
	--require-client-cert
client two-cas "$SRV:4433" --ca "$PKI/ca2.pem" --cert "$T/cli-ca2.pem" \
	--key "$T/cli-ca2.key" --timeout $TMO
expect "server on CA1, client on CA2: CA_MISMATCH, UNKNOWN_CA, CLIENT_CERT_REJECTED" 1 \
	CA_MISMATCH UNKNOWN_CA CLIENT_CERT_REJECTED
expect_errors "server on CA1, client on CA2: exactly those three errors" \
	CA_MISMATCH UNKNOWN_CA CLIENT_CERT_REJECTED
expect_py "CA_MISMATCH names both CAs" \
	"'CN=tlsprobe Test CA1' in $TEXT('CA_MISMATCH') and 'CN=tlsprobe Test CA2' in $TEXT('CA_MISMATCH')"
expect_py "CLIENT_CERT_REJECTED gives the paired server's reason, which names CA2" \
	"'the paired tlsprobe server says:' in $TEXT('CLIENT_CERT_REJECTED') and 'CA2' in $TEXT('CLIENT_CERT_REJECTED').split('the paired tlsprobe server says:')[1]"
expect_srv "server on CA1, client on CA2: the server's line: fail, UNKNOWN_CA" \
	fail UNKNOWN_CA
expect_srv_py "the server's UNKNOWN_CA is about the client's certificate and names CA2 and CA1" \
	"[f for f in s['findings'] if f['code'] == 'UNKNOWN_CA' and f['side'] == 'client'] and 'CN=tlsprobe Test CA2' in text('UNKNOWN_CA') and 'CN=tlsprobe Test CA1' in text('UNKNOWN_CA')"

# ---- 6. firewalls on the router ----

SRV_ARGS="--cert srv.pem --ca ca1.pem (--timeout 1)"
pair_server firewall --cert "$T/srv.pem" --key "$T/srv.key" --ca "$PKI/ca1.pem"

rule drop -A FORWARD -p tcp --dport 4433 -j DROP
client drop "$SRV:4433" --ca "$PKI/ca1.pem" --timeout 1
expect "DROP on the router: TCP_TIMEOUT" 1 TCP_TIMEOUT \
	'!TCP_REFUSED' '!NAT_SOURCE' '!TLS_INTERCEPTED'
expect_errors "DROP: exactly TCP_TIMEOUT" TCP_TIMEOUT
expect_py "DROP: no peer_report, the sideband stage skipped, the far side's view missing" \
	"d['peer_report'] is None and [s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'skipped' and 'far side' in (s.get('detail') or '')]"
expect_srv_silent "DROP: nothing reached the server"
check "the DROP rule matched ($(hits filter drop) packets)" \
	test "$(hits filter drop)" -gt 0
unrule filter FORWARD drop

# A filter on the server name: the side-channel hello carries no name
# and passes, the ClientHello with SNI blocked.test is reset, and the
# same handshake without the name goes through.
rule sni -I FORWARD -p tcp --dport 4433 -m string --string blocked.test \
	--algo bm -j REJECT --reject-with tcp-reset
client sni "$SRV:4433" --sni blocked.test --expect-name "$SRV" \
	--ca "$PKI/ca1.pem" --timeout $TMO --paired
expect "SNI blocked.test reset on the router: SNI_FILTERED" 1 SNI_FILTERED \
	'!RESET_DURING_HANDSHAKE' '!HANDSHAKE_TIMEOUT'
expect_errors "SNI filter: exactly SNI_FILTERED" SNI_FILTERED
expect_py "SNI filter: paired all the same (the hello passed)" "$PAIRED"
expect_py "SNI_FILTERED is a path error that names blocked.test" \
	"[f for f in d['findings'] if f['code'] == 'SNI_FILTERED' and f['side'] == 'path' and 'blocked.test' in f['summary']]"
# The reset went to the client only: the server holds a connection that
# never brought a ClientHello, until its --timeout.
expect_srv "SNI filter: the server's line for our connection: fail, HANDSHAKE_TIMEOUT" \
	fail HANDSHAKE_TIMEOUT
expect_srv_py "SNI filter: the server's line says nothing arrived from $CLI" \
	"remote.startswith('$CLI:') and s['session'] is None"
check "the SNI rule matched ($(hits filter sni) packets)" \
	test "$(hits filter sni)" -gt 0
unrule filter FORWARD sni

# A filter on TLS itself: the first payload byte 0x16 (a handshake
# record) is reset, the side channel's "TLSPROBE/1" passes. No SNI is
# sent (the host is an address), so no retry without it can help: the
# paired server's account is what shows the reset was not the server's.
rule tls -I FORWARD -p tcp --dport 4433 -m u32 \
	--u32 '0>>22&0x3C@12>>26&0x3C@0>>24=0x16' -j REJECT --reject-with tcp-reset
client tls-reset "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO --paired
expect "TLS reset on the router after the ClientHello: RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE '!SNI_FILTERED' '!TCP_REFUSED'
expect_errors "TLS reset: exactly RESET_DURING_HANDSHAKE" RESET_DURING_HANDSHAKE
expect_py "RESET_DURING_HANDSHAKE is on the path: the paired server saw no handshake" \
	"$PAIRED and d['peer_report']['account'] is None and [f for f in d['findings'] if f['code'] == 'RESET_DURING_HANDSHAKE' and f['side'] == 'path' and 'paired tlsprobe server saw no handshake' in (f.get('detail') or '')]"
expect_srv "TLS reset: the server's line for our connection: fail, HANDSHAKE_TIMEOUT" \
	fail HANDSHAKE_TIMEOUT
check "the TLS rule matched ($(hits filter tls) packets)" \
	test "$(hits filter tls)" -gt 0
# without --paired no ServerHello answered the mark: nothing else is sent
client tls-reset-unpaired "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO
expect "TLS reset, not --paired: RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE '!SNI_FILTERED'
expect_py "TLS reset, not --paired: no peer_report, the sideband stage skipped, no mark answered" \
	"d['peer_report'] is None and [s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'skipped' and 'mark' in (s.get('detail') or '')]"
unrule filter FORWARD tls

# ---- 7. an intercepting proxy: sslsplit on the router ----

if ! command -v sslsplit >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		not_ok "sslsplit is installed (scripts/install-deps.sh)"
		exit 1
	fi
	echo "# *** SKIPPING the interception cases: sslsplit is not installed (sh scripts/install-deps.sh) ***" >&2
	skip "TLS_INTERCEPTED through sslsplit" "sslsplit is not installed"
	exit 0
fi

# The proxy's own CA, which it signs its forged certificates with.
printf '%s\n' 'cn = "tlsprobe Test Intercepting Proxy CA"' \
	'organization = "middlebox"' 'serial = 77' ca cert_signing_key \
	'activation_date = "2020-01-01 00:00:00"' \
	'expiration_date = "2045-01-01 00:00:00"' >"$T/proxy-ca.tmpl"
setup "proxy CA key" certtool --generate-privkey --key-type ecdsa \
	--curve secp256r1 --no-text --outfile "$T/proxy-ca.key"
setup "proxy CA" env TZ=UTC certtool --generate-self-signed \
	--load-privkey "$T/proxy-ca.key" --template "$T/proxy-ca.tmpl" \
	--outfile "$T/proxy-ca.pem"
cat "$PKI/ca1.pem" "$T/proxy-ca.pem" >"$T/ca1+proxy.pem"

SRV_ARGS="--cert srv.pem --ca ca1.pem, behind sslsplit"
pair_server intercepted --cert "$T/srv.pem" --key "$T/srv.key" --ca "$PKI/ca1.pem"

# sslsplit terminates whatever R redirects to 8443, forges a certificate
# for the original server and connects to it (netfilter's original
# destination).
SSL_LOG="$T/sslsplit.log"
ip netns exec "$R" sslsplit -D -k "$T/proxy-ca.key" -c "$T/proxy-ca.pem" \
	ssl 0.0.0.0 8443 >"$SSL_LOG" 2>&1 </dev/null &
SSL_PID=$!
srv_track "$SSL_PID" "$SSL_LOG"
# listening: its socket is bound before it forks its privileged half
_i=0
while [ $_i -lt 250 ] && kill -0 "$SSL_PID" 2>/dev/null &&
	[ -z "$(ip netns exec "$R" ss -Hltn 'sport = :8443' 2>/dev/null)" ]; do
	sleep 0.02; _i=$((_i + 1))
done
SSLSPLIT_PIDS=$(pgrep -P "$SSL_PID" 2>/dev/null | tr '\n' ' ')
if [ -z "$(ip netns exec "$R" ss -Hltn 'sport = :8443' 2>/dev/null)" ]; then
	if [ "${CI:-}" = true ]; then
		_srv_failed_start "sslsplit (it must run in CI)" "$SSL_LOG"
		exit 1
	fi
	echo "# *** SKIPPING the interception cases: sslsplit does not run here ***" >&2
	sed 's/^/#   /' "$SSL_LOG" | tail -n 5
	skip "TLS_INTERCEPTED through sslsplit" "sslsplit does not run here"
	exit 0
fi
rule redirect -t nat -A PREROUTING -i "${P}rc" -p tcp --dport 4433 \
	-j REDIRECT --to-ports 8443

# sslsplit's upstream connection is its own: the run's one line
SRV_PICK=only
PROXY_CA="CN=tlsprobe Test Intercepting Proxy CA,O=middlebox"

# the proxy makes its own handshake: no mark reaches the client
client intercepted-unpaired "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO
expect "sslsplit, not --paired: UNKNOWN_CA only (the mark is hidden)" 1 \
	UNKNOWN_CA '!TLS_INTERCEPTED'
expect_py "sslsplit, not --paired: no peer_report, the sideband stage skipped" \
	"d['peer_report'] is None and [s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'skipped']"

client intercepted "$SRV:4433" --ca "$PKI/ca1.pem" --timeout $TMO --paired
expect "sslsplit on the path, client trusts CA1 only: TLS_INTERCEPTED, UNKNOWN_CA" 1 \
	TLS_INTERCEPTED UNKNOWN_CA
expect_errors "sslsplit, CA1 only: exactly TLS_INTERCEPTED and UNKNOWN_CA" \
	TLS_INTERCEPTED UNKNOWN_CA
expect_py "TLS_INTERCEPTED names the substitute's issuer, the proxy's CA, and the server's own leaf" \
	"[f for f in d['findings'] if f['code'] == 'TLS_INTERCEPTED' and f['side'] == 'path' and 'issued by $PROXY_CA' in f['summary'] and '$SRV_LEAF' in (f.get('detail') or '')]"
expect_py "UNKNOWN_CA names the proxy's CA" "'$PROXY_CA' in $TEXT('UNKNOWN_CA')"
expect_py "behind sslsplit: the far side answered inside TLS: peer_report with its ID, sideband ok" \
	"d['peer_report'] is not None and d['peer_report']['unique_id'] == '$SID' and d['peer_report']['sent_sha256'][0] == '$SRV_LEAF' and [s for s in d['stages'] if s['name'] == 'sideband' and s['status'] == 'ok' and 'inside TLS' in s['detail']]"
check "sslsplit took the connections ($(hits nat redirect) packets redirected)" \
	test "$(hits nat redirect)" -gt 0
expect_srv "behind sslsplit: the server's line: pass, no error finding" pass
expect_srv_py "behind sslsplit: the server's peer is the proxy, $ROUT" \
	"remote.startswith('$ROUT:')"

client intercepted-trusted "$SRV:4433" --ca "$T/ca1+proxy.pem" --timeout $TMO \
	--paired
expect "sslsplit, client trusts its CA too: TLS_INTERCEPTED still, exit 1" 1 \
	TLS_INTERCEPTED '!UNKNOWN_CA'
expect_errors "sslsplit, proxy CA trusted: exactly TLS_INTERCEPTED" TLS_INTERCEPTED
expect_py "TLS_INTERCEPTED (trusted proxy): the chain verified, the issuer named, the server's own leaf quoted" \
	"[s for s in d['stages'] if s['name'] == 'verify' and s['status'] == 'ok'] and [f for f in d['findings'] if f['code'] == 'TLS_INTERCEPTED' and 'issued by $PROXY_CA' in f['summary'] and d['certificates'][0]['sha256'] in f['detail'] and '$SRV_LEAF' in f['detail']] and d['certificates'][0]['sha256'] != '$SRV_LEAF'"
expect_srv "behind sslsplit (trusted): the server's line: pass, no error finding" pass
