#!/bin/sh
# Probes through proxies on loopback: tinyproxy (HTTP CONNECT, open, with
# basic authentication, with a port rule), microsocks (SOCKS5, open and
# with a user name and password) and a scripted proxy for the answers
# real ones give rarely (proxy_server.py). Every PROXY_* code provoked
# for real; the results through each kind equal the direct run's; the
# password appears nowhere; the environment as curl reads it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

for tool in tinyproxy microsocks; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "proxies" "$tool is missing (sh scripts/install-deps.sh)"
		exit 0
	fi
done

make_pki ca1.pem ca2.pem server.pem server.key server-ca2.pem server-ca2.key
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" || exit 1
TARGET=localhost:$SRV_PORT
PASS=Pr0xyS3cret

# start_tinyproxy NAME [CONFIG LINE]...: tinyproxy in the foreground on
# a free port; sets TINY_PORT.
start_tinyproxy() {
	_tn=$1; shift
	TINY_PORT=$(free_port)
	{
		echo "Port $TINY_PORT"
		echo "Listen 127.0.0.1"
		echo "Timeout 10"
		echo "LogLevel Info"
		for _l in "$@"; do echo "$_l"; done
	} >"$T/$_tn.conf"
	tinyproxy -d -c "$T/$_tn.conf" >"$T/$_tn.log" 2>&1 </dev/null &
	srv_track $! "$T/$_tn.log"
	wait_port "$TINY_PORT" || _srv_failed_start "tinyproxy $_tn" "$T/$_tn.log"
}

# start_microsocks NAME [ARGS]...: sets SOCKS_PORT.
start_microsocks() {
	_mn=$1; shift
	SOCKS_PORT=$(free_port)
	microsocks -i 127.0.0.1 -p "$SOCKS_PORT" "$@" >"$T/$_mn.log" 2>&1 \
		</dev/null &
	srv_track $! "$T/$_mn.log"
	wait_port "$SOCKS_PORT" || _srv_failed_start "microsocks $_mn" "$T/$_mn.log"
}

# start_scripted MODE: proxy_server.py MODE; sets FAKEPX_PORT.
start_scripted() {
	start_ready proxy python3 "$TOP/tests/integration/proxy_server.py" \
		"$1" || return 1
	FAKEPX_PORT=$READY_PORT
}

start_tinyproxy open
OPEN=$TINY_PORT
start_tinyproxy auth "BasicAuth user $PASS"
AUTH=$TINY_PORT
start_tinyproxy ports "ConnectPort 443"
PORTS=$TINY_PORT
start_microsocks socks
SOCKS=$SOCKS_PORT
start_microsocks socks-auth -u user -P "$PASS"
SOCKS_AUTH=$SOCKS_PORT

# same NAME GOT WANT: one TAP line; both shown when they differ
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   direct: $3"
		echo "#   got:    $2"
		[ -s "$ERR" ] && sed 's/^/#   stderr: /' "$ERR" | head -n 5
	fi
}

# the facts a run through a proxy must share with the direct one
facts() {
	json_get "$1" '(d["verdict"], d["session"]["version"], d["session"]["cipher"], d["certificates"][0]["sha256"])'
}

run_client direct "$TARGET" --ca "$PKI/ca1.pem" --no-proxy
expect "direct: pass" 0
DIRECT=$(facts "$OUT")

# ---- every kind, the same results as the direct run ----

for px in "http://127.0.0.1:$OPEN" "http://user:$PASS@127.0.0.1:$AUTH" \
	  "socks5://127.0.0.1:$SOCKS" "socks5h://127.0.0.1:$SOCKS" \
	  "socks5h://user:$PASS@127.0.0.1:$SOCKS_AUTH"; do
	kind=${px%%://*}
	run_client "via-$kind" "$TARGET" --ca "$PKI/ca1.pem" --proxy "$px"
	expect "$px: pass" 0
	same "$px: version, cipher, certificate and verdict as direct" \
		"$(facts "$OUT")" "$DIRECT"
	expect_py "$px: stages dns, tcp, proxy, tls, verify, all ok" \
		"[(s['name'], s['status']) for s in d['stages']] == [(n, 'ok') for n in ('dns', 'tcp', 'proxy', 'tls', 'verify')]"
	expect_py "$px: proxy object without credentials" \
		"d['proxy']['url'] == '$px'.replace('user:$PASS@', '') and d['proxy']['kind'] == ('connect' if '$kind' == 'http' else '$kind')"
done

# ---- each code, provoked ----

run_client auth-none "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$AUTH"
expect "tinyproxy BasicAuth, no credentials: PROXY_AUTH_REQUIRED" 1 PROXY_AUTH_REQUIRED
expect_py "407 names the scheme Basic" \
	"[f for f in d['findings'] if f['code'] == 'PROXY_AUTH_REQUIRED' and 'offers Basic' in f['summary'] and '407' in f['detail']]"

run_client auth-wrong "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://user:wrong$PASS@127.0.0.1:$AUTH"
expect "tinyproxy BasicAuth, wrong password: PROXY_AUTH_REQUIRED" 1 PROXY_AUTH_REQUIRED

run_client socks-none "$TARGET" --ca "$PKI/ca1.pem" --proxy "socks5://127.0.0.1:$SOCKS_AUTH"
expect "microsocks -u, no credentials: PROXY_AUTH_REQUIRED (no acceptable method)" 1 PROXY_AUTH_REQUIRED
expect_py "SOCKS5 method 0xff is the evidence" \
	"'0xff' in d['findings'][-1]['detail'] and 'no acceptable method' in d['findings'][-1]['summary']"

run_client socks-wrong "$TARGET" --ca "$PKI/ca1.pem" --proxy "socks5://user:wrong$PASS@127.0.0.1:$SOCKS_AUTH"
expect "microsocks -u, wrong password: PROXY_AUTH_REQUIRED (RFC 1929)" 1 PROXY_AUTH_REQUIRED

run_client forbidden "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$PORTS"
expect "tinyproxy ConnectPort 443: PROXY_FORBIDDEN" 1 PROXY_FORBIDDEN
expect_py "403 is the evidence" "'403' in d['findings'][-1]['detail']"

for mode in http-502 http-504 socks5-rep-4 socks5-rep-5 socks5-rep-6; do
	start_scripted $mode
	case $mode in
	http-*) px="http://127.0.0.1:$FAKEPX_PORT" ;;
	*) px="socks5h://127.0.0.1:$FAKEPX_PORT" ;;
	esac
	case $mode in
	http-502) words="could not connect" ;;
	http-504) words="timed out" ;;
	socks5-rep-4) words="host unreachable" ;;
	socks5-rep-5) words="connection refused" ;;
	socks5-rep-6) words="TTL expired" ;;
	esac
	run_client "$mode" "$TARGET" --ca "$PKI/ca1.pem" --proxy "$px"
	expect "$mode: PROXY_TARGET_UNREACHABLE" 1 PROXY_TARGET_UNREACHABLE
	expect_py "$mode: says which: $words" \
		"'$words' in d['findings'][-1]['summary']"
done

# a closed port of microsocks's own: the real SOCKS5 answer to a refusal
run_client socks-refused "localhost:$(free_port)" --ca "$PKI/ca1.pem" \
	--proxy "socks5://127.0.0.1:$SOCKS"
expect "microsocks to a closed port: PROXY_TARGET_UNREACHABLE" 1 PROXY_TARGET_UNREACHABLE

start_scripted tls
run_client tls-proxy "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$FAKEPX_PORT"
expect "a TLS server as proxy: PROXY_BAD_ANSWER" 1 PROXY_BAD_ANSWER
expect_py "the answer is named: a TLS record" "'TLS record' in d['findings'][-1]['summary']"
run_client tls-proxy-direct "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$SRV_PORT"
expect "gnutls-serv as proxy: PROXY_BAD_ANSWER" 1 PROXY_BAD_ANSWER

start_scripted http-nostatus
run_client nostatus "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$FAKEPX_PORT"
expect "HTTP without a status code: PROXY_BAD_ANSWER" 1 PROXY_BAD_ANSWER

run_client socks-at-http "$TARGET" --ca "$PKI/ca1.pem" --proxy "socks5://127.0.0.1:$OPEN" --timeout 3
expect "socks5:// at tinyproxy: PROXY_BAD_ANSWER" 1 PROXY_BAD_ANSWER

start_scripted http-close
run_client tunnel-closed "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$FAKEPX_PORT"
expect "a tunnel closed after the ClientHello: PROXY_TUNNEL_CLOSED" 1 \
	PROXY_TUNNEL_CLOSED '!PEER_CLOSED'
expect_py "the proxy stage was ok, tls failed" \
	"[s['status'] for s in d['stages'] if s['name'] in ('proxy', 'tls')] == ['ok', 'fail']"

start_scripted http-escape
run_client escape "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$FAKEPX_PORT"
expect "escapes in a 407: PROXY_AUTH_REQUIRED" 1 PROXY_AUTH_REQUIRED
inert "$OUT" "escapes in the proxy's answer: the JSON report is safe on a terminal"
"$TP" client "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$FAKEPX_PORT" \
	>"$T/escape.txt" 2>&1
inert "$T/escape.txt" "escapes in the proxy's answer: the text report is safe on a terminal"

CLOSED=$(free_port)
run_client refused "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://127.0.0.1:$CLOSED"
expect "nothing listens at the proxy's port: PROXY_REFUSED" 1 PROXY_REFUSED '!TCP_REFUSED'
expect_py "PROXY_REFUSED says refused" "'refused' in d['findings'][-1]['summary']"

# ---- what the far end says, through the tunnel ----

run_client untrusted "$TARGET" --ca "$PKI/ca2.pem" --proxy "http://127.0.0.1:$OPEN"
expect "an untrusted chain through a proxy: UNKNOWN_CA" 1 UNKNOWN_CA
expect_py "the verify stage names the issuer received through the proxy" \
	"[s for s in d['stages'] if s['name'] == 'verify' and 'through the HTTP proxy 127.0.0.1:$OPEN' in s['detail'] and 'issued by CN=tlsprobe Test CA1' in s['detail']]"

start_tp_server --cert "$PKI/server.pem" --key "$PKI/server.key"
run_client paired "localhost:$PROBE_PORT" --ca "$PKI/ca1.pem" --paired \
	--proxy "http://127.0.0.1:$OPEN"
expect "--paired through a proxy: pass" 0 '!PEER_REPORT_MISSING'
expect_py "--paired through a proxy: the server answered inside TLS, the stage says why only there" \
	"d['peer_report'] is not None and [s for s in d['stages'] if s['name'] == 'sideband' and 'inside TLS' in s['detail'] and 'through the proxy' in s['detail']]"
run_client unpaired "localhost:$PROBE_PORT" --ca "$PKI/ca1.pem" \
	--proxy "http://127.0.0.1:$OPEN"
expect_py "without --paired through a proxy: no side channel at all" \
	"d['peer_report'] is None and 'sideband' not in [s['name'] for s in d['stages']]"

# a TLS-inspecting proxy whose CA we trust: only the paired server's
# account inside TLS tells; one we do not trust is named in verify
start_ready mitm python3 "$TOP/tests/integration/proxy_server.py" http-mitm \
	--cert "$PKI/server-ca2.pem" --key "$PKI/server-ca2.key"
MITM=$READY_PORT
run_client mitm-paired "localhost:$PROBE_PORT" --ca "$PKI/ca2.pem" --paired \
	--proxy "http://127.0.0.1:$MITM"
expect "--paired through an intercepting proxy: TLS_INTERCEPTED" 1 TLS_INTERCEPTED
run_client mitm-unpaired "localhost:$PROBE_PORT" --ca "$PKI/ca1.pem" \
	--proxy "http://127.0.0.1:$MITM"
expect "an intercepting proxy not trusted: UNKNOWN_CA" 1 UNKNOWN_CA '!TLS_INTERCEPTED'
expect_py "its substitute certificate's issuer is named in verify" \
	"[s for s in d['stages'] if s['name'] == 'verify' and 'issued by CN=tlsprobe Test CA2' in s['detail'] and 'through the HTTP proxy' in s['detail']]"

# ---- the password, nowhere ----

check "the password appears in no output" \
	sh -c "! grep -l '$PASS' '$T'/*.json '$T'/*.err"
"$TP" client "$TARGET" --ca "$PKI/ca1.pem" --proxy "http://user:$PASS@127.0.0.1:$AUTH" \
	>"$T/text.out" 2>&1
check "nor in the text view" sh -c "! grep -q '$PASS' '$T/text.out'"
"$TP" client "$TARGET" --proxy "http://user:$PASS@127.0.0.1:99999" >"$T/bad.out" 2>&1
RC=$?
check "a bad URL: exit 2" test $RC = 2
check "a bad URL: one line naming --proxy, no password" \
	sh -c "test \$(wc -l <'$T/bad.out') = 1 && grep -q -- '--proxy' '$T/bad.out' && ! grep -q '$PASS' '$T/bad.out'"

# ---- the environment ----

https_proxy="http://127.0.0.1:$OPEN" run_client env "$TARGET" --ca "$PKI/ca1.pem"
expect_py "https_proxy is used" "d['proxy']['url'] == 'http://127.0.0.1:$OPEN'"
all_proxy="socks5://127.0.0.1:$SOCKS" run_client env-all "$TARGET" --ca "$PKI/ca1.pem"
expect_py "all_proxy is used" "d['proxy']['kind'] == 'socks5'"
https_proxy="http://127.0.0.1:$OPEN" no_proxy="127.0.0.1" \
	run_client env-bypass "127.0.0.1:$SRV_PORT" --ca "$PKI/ca1.pem"
expect_py "no_proxy=127.0.0.1 bypasses it" \
	"'proxy' not in d and 'proxy' not in [s['name'] for s in d['stages']] and d['verdict'] == 'pass'"
https_proxy="http://127.0.0.1:$OPEN" no_proxy="10.0.0.0/8,127.0.0.0/8" \
	run_client env-cidr "127.0.0.1:$SRV_PORT" --ca "$PKI/ca1.pem"
expect_py "no_proxy with a CIDR block bypasses it" "'proxy' not in d"
https_proxy="http://127.0.0.1:$OPEN" NO_PROXY=".localhost" \
	run_client env-suffix "$TARGET" --ca "$PKI/ca1.pem"
expect_py "NO_PROXY=.localhost bypasses localhost" "'proxy' not in d"
https_proxy="http://127.0.0.1:$CLOSED" run_client env-off "$TARGET" --ca "$PKI/ca1.pem" --no-proxy
expect "--no-proxy ignores https_proxy" 0
https_proxy="gopher://x" run_client env-bad "$TARGET" --ca "$PKI/ca1.pem"
check "an unusable https_proxy: exit 2 naming the variable" \
	sh -c "test $RC = 2 && grep -q '^tlsprobe client: https_proxy: ' '$ERR'"

# ---- ciphers and audit: one tunnel per probe ----

# run_scan NAME SUB ARGS...: tlsprobe SUB --json ARGS into OUT, RC
run_scan() {
	_sn=$1 _ss=$2; shift 2
	OUT="$T/$_sn.json" ERR="$T/$_sn.err"
	timeout -k 2 60 "$TP" "$_ss" --json "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	LAST_ARGS="($_ss) $*"
	_ctx_shown=0
}
# the accepted suites per version, and the grade
suites() {
	json_get "$1" '([(p["version"], p["accepted"], [c["id"] for c in p.get("ciphers", [])]) for p in d["protocols"]], d["grade"], sorted(f["code"] for f in d["findings"]))'
}

# microsocks stalls relays now and then with dozens of tunnels at once
# on a busy machine (tinyproxy does not): two at a time keep the
# comparison about the tunnels, not about the proxy's load
run_scan ciphers-direct ciphers "$TARGET" --no-proxy
DIRECT_SUITES=$(suites "$OUT")
for px in "http://user:$PASS@127.0.0.1:$AUTH" "socks5://127.0.0.1:$SOCKS"; do
	run_scan ciphers-via ciphers "$TARGET" --proxy "$px" --concurrency 2
	same "ciphers through $px: the direct run's protocols, suites, grade and codes" \
		"$(suites "$OUT")" "$DIRECT_SUITES"
	expect_py "ciphers through $px: proxy stage ok, every probe a tunnel" \
		"[s['status'] for s in d['stages'] if s['name'] == 'proxy'] == ['ok'] and d['stats']['connections'] > 1"
done
check "ciphers through tinyproxy: one CONNECT per connection" \
	test "$(grep -c 'Established connection' "$T/auth.log")" -ge \
	     "$(json_get "$OUT" 'd["stats"]["connections"]')"

run_scan ciphers-refused ciphers "$TARGET" --proxy "http://127.0.0.1:$CLOSED"
expect "ciphers, proxy refused: PROXY_REFUSED once, no TCP_REFUSED" 1 \
	PROXY_REFUSED '!TCP_REFUSED' '!SCAN_INCOMPLETE'
run_scan ciphers-forbidden ciphers "$TARGET" --proxy "http://127.0.0.1:$PORTS"
expect "ciphers, port forbidden: PROXY_FORBIDDEN from the first contact" 1 PROXY_FORBIDDEN

run_scan audit-direct audit "$TARGET" --offline --no-proxy
CHECKS=$(json_get "$OUT" '[(c["name"], c["status"]) for c in d["checks"]]')
# the audit's findings hold its checks' codes too (CLIENT_RENEGOTIATION
# here): compared with the direct audit, not the direct cipher audit
AUDIT_DIRECT_SUITES=$(suites "$OUT")
run_scan audit-via audit "$TARGET" --offline --concurrency 2 \
	--proxy "socks5h://user:$PASS@127.0.0.1:$SOCKS_AUTH"
same "audit through microsocks: every check as direct" \
	"$(json_get "$OUT" '[(c["name"], c["status"]) for c in d["checks"]]')" "$CHECKS"
same "audit through microsocks: the direct run's suites and findings" \
	"$(suites "$OUT")" "$AUDIT_DIRECT_SUITES"
run_scan audit-auth audit "$TARGET" --offline --proxy "http://127.0.0.1:$AUTH"
expect "audit, proxy wants authentication: PROXY_AUTH_REQUIRED" 1 PROXY_AUTH_REQUIRED

# ---- many targets ----

printf 'localhost:%s\n127.0.0.1:%s\n' "$SRV_PORT" "$SRV_PORT" >"$T/targets"
"$TP" client --json --targets "$T/targets" --ca "$PKI/ca1.pem" \
	--proxy "http://user:$PASS@127.0.0.1:$AUTH" >"$T/fleet.jsonl" 2>"$T/fleet.err"
check "--targets through a proxy: every record passes through it" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(recs) == 2 and all(r["verdict"] == "pass" and r["proxy"]["kind"] == "connect" and [s["status"] for s in r["stages"] if s["name"] == "proxy"] == ["ok"] for r in recs) else 1)' "$T/fleet.jsonl"
check "--targets: the password in no record" sh -c "! grep -q '$PASS' '$T/fleet.jsonl' '$T/fleet.err'"
"$TP" ciphers --json --targets "$T/targets" --per-host 2 --concurrency 1 \
	--proxy "socks5://127.0.0.1:$SOCKS" \
	>"$T/fleet-ciphers.jsonl" 2>"$T/fleet-ciphers.err"
check "ciphers --targets through a proxy: each record's suites as direct" python3 -c '
import json, sys
want = json.load(open(sys.argv[2]))
recs = [json.loads(l) for l in open(sys.argv[1])]
acc = lambda d: [(p["version"], [c["id"] for c in p.get("ciphers", [])]) for p in d["protocols"]]
sys.exit(0 if len(recs) == 2 and all(r["proxy"]["kind"] == "socks5" and acc(r) == acc(want) for r in recs) else 1)' "$T/fleet-ciphers.jsonl" "$T/ciphers-direct.json"
