#!/bin/sh
# tlsprobe audit's session checks against real servers on loopback, each
# feature provoked both ways: resumption by session ID and by ticket
# (gnutls-serv, openssl s_server with and without tickets, TLS 1.3
# alone), early data (gnutls-serv and s_server with and without it),
# extended master secret, encrypt-then-MAC and heartbeat (gnutls-serv
# -b, s_server -no_etm, a server without CBC), ALPN (lists, none, and a
# scripted server that requires it), and the certificate without SNI
# (nginx with a default server block holding another certificate), and a
# server that stalls after its ServerHello (every check ends on time).
# Every server is audited five times and must give the same verdicts;
# where testssl.sh has the same check it runs on the same configuration
# and agrees.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
# the default server block's certificate: another name, so that testssl
# (which compares common names) sees the difference too
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=default.test -days 30 -keyout "$T/default.key" \
	-out "$T/default.pem" >"$T/req.log" 2>&1 ||
	{ not_ok "openssl makes the default block's certificate"; exit 1; }

# the checks of this test: the others have tests of their own
CHECKS=resumption_id,resumption_ticket,early_data,extended_master_secret
CHECKS=$CHECKS,encrypt_then_mac,heartbeat,alpn,default_certificate

# audit5 NAME ARGS...: five runs of tlsprobe audit --json ARGS, into
# $T/NAME.1.json … $T/NAME.5.json; a run that crashes or hangs fails.
# The cipher audit tests TLS 1.2 and 1.3 only: the checks need nothing
# older, and their time is what this test is about.
audit5() {
	_a_name=$1; shift
	_a_bad=""
	for _i in 1 2 3 4 5; do
		timeout -k 2 30 "$TP" audit --json --protocols TLS1.2,TLS1.3 \
			--checks "$CHECKS" "$@" \
			>"$T/$_a_name.$_i.json" 2>"$T/$_a_name.$_i.err" </dev/null
		_rc=$?
		[ "$_rc" -le 1 ] || _a_bad="$_a_bad run $_i: exit $_rc;"
	done
	if [ -n "$_a_bad" ]; then
		not_ok "$_a_name: five audits end with status 0 or 1 ($_a_bad)"
		sed 's/^/#   /' "$T/$_a_name.1.err" | head -n 5
	fi
}

# verdict NAME CHECK STATUS SUPPORTED [WORDS] [CODE]: one TAP line: in
# every report of NAME (five, or one where only one run was made) the
# check has that status, that supported
# (true, false, None) and the same detail, WORDS in it; with CODE the
# finding is there ('!CODE': it is not) in every report.
verdict() {
	_why=$(python3 - "$T" "$@" <<'PY'
import json, os, sys
t, name, check, status, supported = sys.argv[1:6]
words = sys.argv[6] if len(sys.argv) > 6 else ""
code = sys.argv[7] if len(sys.argv) > 7 else ""
seen = set()
runs = [i for i in range(1, 6)
        if os.path.exists("%s/%s.%d.json" % (t, name, i))] or [1]
for i in runs:
    try:
        d = json.load(open("%s/%s.%d.json" % (t, name, i)))
    except Exception as e:
        print("run %d: no JSON report (%s)" % (i, e)); sys.exit()
    c = [c for c in d["checks"] if c["name"] == check]
    if len(c) != 1:
        print("run %d: %d results for %s" % (i, len(c), check)); sys.exit()
    c = c[0]
    if c["status"] != status or str(c["supported"]) != supported \
            or words not in c["detail"]:
        print("run %d: %s %s %r" % (i, c["status"], c["supported"],
                                    c["detail"])); sys.exit()
    codes = [f["code"] for f in d["findings"]]
    if code.startswith("!") and code[1:] in codes or \
            code and not code.startswith("!") and code not in codes:
        print("run %d: codes %s" % (i, codes)); sys.exit()
    seen.add(c["detail"])
if len(seen) != 1:
    print("the details differ: %s" % sorted(seen))
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _why="${_why:+$_why; }the check itself failed (see the traceback above)"
	if [ -z "$_why" ]; then
		ok "$1: $2 $3 (supported $4)${6:+, $6}"
	else
		not_ok "$1: $2 $3 (supported $4)${6:+, $6}"
		echo "#   $_why"
	fi
}

# testssl NAME TARGET [-p]: Debian's testssl.sh -S (server defaults:
# session resumption, tickets, the extensions answered, the certificate
# with and without SNI; with -p the versions and ALPN too) on a loopback
# server only (--ip, no DNS); its findings in $T/NAME.ts.json.
testssl() {
	command testssl --quiet --color 0 --warnings off --nodns none \
		--ip 127.0.0.1 --jsonfile "$T/$1.ts.json" -S ${3:-} "$2" \
		>"$T/$1.ts.log" 2>&1 </dev/null
}

# agree NAME WHAT EXPR: one TAP line: the Python expression holds over
# ts (testssl's findings by id) and d (the first audit report of NAME,
# with c(check) its result).
agree() {
	_why=$(python3 - "$T" "$1" "$3" <<'PY'
import json, sys
t, name, expr = sys.argv[1:4]
try:
    ts = {e["id"]: e["finding"]
          for e in json.load(open("%s/%s.ts.json" % (t, name)))}
except Exception as e:
    print("testssl left no JSON (%s)" % e); sys.exit()
d = json.load(open("%s/%s.1.json" % (t, name)))
def c(check):
    return next(x for x in d["checks"] if x["name"] == check)
try:
    if not eval(expr):
        print("false: %s" % expr)
        print("testssl: %s" % {k: v for k, v in ts.items()
                               if "session" in k or "ext" in k
                               or "commonName" in k})
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _why="${_why:+$_why; }the check itself failed (see the traceback above)"
	if [ -z "$_why" ]; then
		ok "$1: testssl.sh agrees: $2"
	else
		not_ok "$1: testssl.sh agrees: $2"
		echo "$_why" | sed 's/^/#   /'
	fi
}

T0=$(now_ms)

# ---- the servers testssl.sh also reads: each twice (the same
# configuration), one for testssl, one for the audits, so that neither
# run's sessions crowd the other's out of a server's cache; testssl's
# runs go in the background while the audits run ----
# ga speaks TLS 1.2 alone: testssl's resumption check reads with an
# s_client that leaves as soon as its handshake ends, and a TLS 1.3
# ticket (sent after it) is then lost whenever the machine is busy; it
# says "no" or "connect problem" where a second later it says "yes"
GA_ARGS="--priority NORMAL:-VERS-TLS1.3 -b --alpn h2 --alpn http/1.1"
start_gnutls_serv $GSRV $GA_ARGS || exit 1
TS_GA=$SRV_PORT
start_openssl_server $OSRV -tls1_2 -no_ticket -no_etm || exit 1
TS_OT=$SRV_PORT
# nginx: the audited name's block, and a default block with another
# certificate for clients without SNI or with an unknown name
start_nginx "ssl_certificate $PKI/server.pem;
		ssl_certificate_key $PKI/server.key;
		server_name server.test;" \
	"ssl_certificate $T/default.pem;
		ssl_certificate_key $T/default.key;" || exit 1
testssl ga 127.0.0.1:$TS_GA -p &
TS_PIDS=$!
testssl ot 127.0.0.1:$TS_OT -p &
TS_PIDS="$TS_PIDS $!"
testssl nx server.test:$NGINX_PORT &
TS_PIDS="$TS_PIDS $!"

# ---- gnutls-serv TLS 1.2: tickets, heartbeat, two ALPN protocols ----
start_gnutls_serv $GSRV $GA_ARGS || exit 1
audit5 ga 127.0.0.1:$SRV_PORT
verdict ga resumption_id not_vulnerable True "resumed the first's session"
verdict ga resumption_ticket not_vulnerable True \
	"TLS1.2: resumed by ticket (ticket lifetime hint 21600 s)"
verdict ga extended_master_secret not_vulnerable True "answered"
verdict ga encrypt_then_mac not_vulnerable True "with a CBC suite: the server answered"
verdict ga heartbeat not_vulnerable True "answered the heartbeat"
verdict ga alpn not_vulnerable True \
	"accepts h2, http/1.1; not spdy/3.1, acme-tls/1; does not require ALPN"
verdict ga default_certificate not_vulnerable True \
	"with an unknown SNI: the same certificate" '!DEFAULT_CERT_DIFFERS'

# ---- gnutls-serv: no tickets, no early data, no heartbeat, h2 or nothing ----
start_gnutls_serv $GSRV --noticket --alpn h2 --alpn-fatal || exit 1
audit5 gb 127.0.0.1:$SRV_PORT
verdict gb resumption_id not_vulnerable True "resumed the first's session"
verdict gb resumption_ticket not_vulnerable False \
	"TLS1.2: no ticket issued; TLS1.3: no ticket issued"
verdict gb early_data not_vulnerable False "issues no TLS 1.3 ticket"
verdict gb heartbeat not_vulnerable False "ignored the heartbeat"
verdict gb alpn not_vulnerable True \
	"accepts h2; not http/1.1, spdy/3.1, acme-tls/1; does not require ALPN"

# ---- s_server TLS 1.2, no tickets, no encrypt-then-MAC ----
start_openssl_server $OSRV -tls1_2 -no_ticket -no_etm || exit 1
audit5 ot 127.0.0.1:$SRV_PORT
verdict ot resumption_id not_vulnerable True "resumed the first's session"
verdict ot resumption_ticket not_vulnerable False "TLS1.2: no ticket issued"
verdict ot early_data not_applicable None "does not speak TLS 1.3"
verdict ot extended_master_secret not_vulnerable True "answered"
verdict ot encrypt_then_mac not_vulnerable False "with a CBC suite: the server ignored"
verdict ot heartbeat not_vulnerable False "ignored the heartbeat"
verdict ot alpn not_vulnerable False "the server chose none of h2, http/1.1"

# ---- s_server -no_ticket: TLS 1.2 without tickets, TLS 1.3 with
# (OpenSSL keeps stateful TLS 1.3 tickets). testssl is not asked: on a
# server with TLS 1.3 its resumption answers change from run to run
# (docs/audit.md, "Compared with testssl.sh") ----
start_openssl_server $OSRV -no_ticket || exit 1
audit5 on 127.0.0.1:$SRV_PORT
verdict on resumption_ticket not_vulnerable True \
	"TLS1.2: no ticket issued; TLS1.3: resumed by ticket (ticket lifetime 7200 s)"

# ---- s_server: early data on, tickets in TLS 1.2 and 1.3, no CBC ----
# -early_data refuses -www: stdin a FIFO opened read-write, which never
# ends and never speaks
mkfifo "$T/s_early.in"
_srv_n=$((_srv_n + 1))
openssl s_server -accept 127.0.0.1:0 $OSRV -early_data -num_tickets 2 \
	-alpn http/1.1 -cipher ECDHE-RSA-AES128-GCM-SHA256 \
	>"$T/s_early.log" 2>&1 <>"$T/s_early.in" &
srv_track $! "$T/s_early.log"
_srv_wait $! "$T/s_early.log" '^ACCEPT ' ||
	{ _srv_failed_start "s_server -early_data" "$T/s_early.log"; exit 1; }
audit5 oe 127.0.0.1:$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$T/s_early.log")
verdict oe resumption_ticket not_vulnerable True \
	"TLS1.2: resumed by ticket (ticket lifetime hint 7200 s); TLS1.3: resumed by ticket (ticket lifetime 7200 s)"
verdict oe early_data not_vulnerable True "tickets allow 16384 bytes"
verdict oe encrypt_then_mac not_applicable None "no CBC suite negotiated"
verdict oe alpn not_vulnerable True "accepts http/1.1; not h2"

# ---- s_server TLS 1.3 alone, no tickets ----
start_openssl_server $OSRV -tls1_3 -num_tickets 0 || exit 1
audit5 o13 127.0.0.1:$SRV_PORT
verdict o13 resumption_id not_applicable None "speaks only TLS 1.3"
verdict o13 resumption_ticket not_vulnerable False "TLS1.3: no ticket issued"
verdict o13 early_data not_vulnerable False "issues no TLS 1.3 ticket"
verdict o13 extended_master_secret not_applicable None "speaks only TLS 1.3"
verdict o13 heartbeat not_applicable None "speaks only TLS 1.3"

# ---- a server that refuses a hello without ALPN ----
start_ready alpn python3 "$TOP/tests/integration/audit_session_server.py" \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --alpn h2 || exit 1
audit5 ar 127.0.0.1:$READY_PORT
verdict ar alpn not_vulnerable True \
	"accepts h2; not http/1.1, spdy/3.1, acme-tls/1; requires ALPN"

# ---- nginx: another certificate without SNI and for unknown names ----
audit5 nx 127.0.0.1:$NGINX_PORT --sni server.test
verdict nx default_certificate not_vulnerable True \
	"without SNI: CN=default.test; with an unknown SNI: CN=default.test" \
	DEFAULT_CERT_DIFFERS

# ---- a server that answers a ClientHello and then says nothing: every
# handshake ends at --timeout, each check says so, none hangs ----
start_fake hello-stall --cert "$PKI/server.pem" || exit 1
_t=$(now_ms)
timeout -k 2 30 "$TP" audit --json --protocols TLS1.2 --timeout 1 \
	--checks "$CHECKS" \
	127.0.0.1:$FAKE_PORT >"$T/st.1.json" 2>"$T/st.err" </dev/null
_ms=$(($(now_ms) - _t))
for _c in resumption_id resumption_ticket alpn default_certificate; do
	verdict st $_c unknown None "did not end within 1000 ms"
done
for _c in extended_master_secret encrypt_then_mac heartbeat; do
	verdict st $_c unknown None \
		"the TLS 1.2 handshake did not complete: the handshake did not end within 1000 ms"
done
check "st: the stalled audit ends in time ($_ms ms)" [ "$_ms" -lt 20000 ]

echo "# the audits: $(($(now_ms) - T0)) ms"

# ---- testssl.sh on the same configurations ----
wait $TS_PIDS
agree ga "resumption by ID and ticket, ticket lifetime" \
	"ts['sessionresumption_ID'] == 'supported' and ts['sessionresumption_ticket'] == 'supported' and c('resumption_id')['supported'] and '21600' in ts['TLS_session_ticket'] and 'hint 21600 s' in c('resumption_ticket')['detail']"
agree ga "EMS, encrypt-then-MAC, heartbeat answered" \
	"all(x in ts['TLS_extensions'] for x in ('extended master secret/#23', 'encrypt-then-mac/#22', 'heartbeat/#15')) and c('extended_master_secret')['supported'] and c('encrypt_then_mac')['supported'] and c('heartbeat')['supported']"
agree ot "resumption by ID, no tickets" \
	"ts['sessionresumption_ID'] == 'supported' and c('resumption_id')['supported'] and ts['sessionresumption_ticket'] == 'not supported' and not c('resumption_ticket')['supported']"
agree ot "EMS answered, no encrypt-then-MAC, no heartbeat" \
	"'extended master secret/#23' in ts['TLS_extensions'] and c('extended_master_secret')['supported'] and 'encrypt-then-mac/#22' not in ts['TLS_extensions'] and not c('encrypt_then_mac')['supported'] and 'heartbeat/#15' not in ts['TLS_extensions'] and not c('heartbeat')['supported']"
agree ga "ALPN: h2 and http/1.1" \
	"ts['ALPN_HTTP2'] == 'h2' and ts['ALPN'] == 'http/1.1' and c('alpn')['detail'].startswith('accepts h2, http/1.1;')"
agree ot "ALPN: none" \
	"'ALPN_HTTP2' not in ts and ts['ALPN'] == 'not offered' and c('alpn')['supported'] is False"
agree nx "another certificate without SNI" \
	"ts['cert_commonName'] == 'localhost' and ts['cert_commonName_wo_SNI'] == 'default.test' and any(f['code'] == 'DEFAULT_CERT_DIFFERS' for f in d['findings'])"
agree ga "the same certificate without SNI" \
	"ts['cert_commonName'] == ts['cert_commonName_wo_SNI'] and not any(f['code'] == 'DEFAULT_CERT_DIFFERS' for f in d['findings'])"

echo "# wall time: $(($(now_ms) - T0)) ms"
