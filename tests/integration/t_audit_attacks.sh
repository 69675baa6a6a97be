#!/bin/sh
# tlsprobe audit's attack checks (heartbleed, ccs_injection, ticketbleed,
# compression, fallback_scsv, sslv2) both ways: scripted servers with one
# vulnerability each (audit_attacks_server.py) and real ones (gnutls-serv
# with the heartbeat extension on, openssl s_server, a TLS 1.3-only
# s_server). Every verdict holds five runs out of five and is set beside
# testssl.sh's on the same server (docs/audit.md, "Compared with
# testssl.sh", says why fallback_scsv cannot agree).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key
ATK="$TOP/tests/integration/audit_attacks_server.py"
CERT="--cert $PKI/server.pem --key $PKI/server.key"
MODES="heartbleed ccs ticketbleed compression no-fallback sslv2"

# ---- the servers ----

for m in $MODES; do
	start_ready "atk-$m" python3 "$ATK" --$m $CERT || exit 1
	eval "PORT_$(echo $m | tr - _)=$READY_PORT"
done
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" --heartbeat || exit 1
PORT_gnutls=$SRV_PORT
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" || exit 1
PORT_openssl=$SRV_PORT
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-tls1_3 || exit 1
PORT_tls13=$SRV_PORT

# ---- testssl.sh on the same servers, meanwhile ----

# testssl.sh starts slowly (seconds of its own set-up per run): all its
# runs go in the background now and are read at the end. --ip and
# --nodns none keep it on loopback, without a name to look up, and so
# does NXCONNECT: it probes its openssl's options by connecting to
# "invalid." (a DNS query) unless told to use 127.0.0.1:0. On loopback an
# answer takes milliseconds, so its waits for one (10 s by default, spent
# in full where the vulnerable answer is silence) are cut to 2 s.
TS_PIDS=""
testssl_bg() {
	_ts_name=$1 _ts_port=$2
	shift 2
	NXCONNECT=127.0.0.1:0 CCS_MAX_WAITSOCK=2 HEARTBLEED_MAX_WAITSOCK=2 \
	timeout -k 2 100 testssl --quiet --color 0 --warnings off \
		--nodns none --ip 127.0.0.1 --jsonfile "$T/ts-$_ts_name.json" \
		"$@" "127.0.0.1:$_ts_port" >"$T/ts-$_ts_name.out" 2>&1 &
	TS_PIDS="$TS_PIDS $!"
}
if command -v testssl >/dev/null; then
	testssl_bg heartbleed "$PORT_heartbleed" -H
	testssl_bg ccs "$PORT_ccs" -I
	testssl_bg ticketbleed "$PORT_ticketbleed" -T
	testssl_bg compression "$PORT_compression" -C
	testssl_bg no-fallback "$PORT_no_fallback" -Z
	testssl_bg sslv2 "$PORT_sslv2" -D
else
	not_ok "testssl.sh is installed (scripts/install-deps.sh)"
fi

# ---- tlsprobe audit, five runs a server ----

# the checks of this test: the others have tests of their own
CHECKS=heartbleed,ccs_injection,ticketbleed,compression,fallback_scsv,sslv2

# audit5 NAME PORT: five audits of 127.0.0.1:PORT at once, into
# $T/NAME.1.json … NAME.5.json.
audit5() {
	_a_pids=""
	for _i in 1 2 3 4 5; do
		timeout -k 2 60 "$TP" audit --json --timeout 2 \
			--checks "$CHECKS" "127.0.0.1:$2" \
			>"$T/$1.$_i.json" 2>"$T/$1.$_i.err" </dev/null &
		_a_pids="$_a_pids $!"
	done
	wait $_a_pids
}

# verdict NAME CHECK STATUS EXPR [WORDS]: one TAP line: in each of the
# reports $T/NAME.N.json (five from audit5) the check has STATUS, the
# Python expression EXPR over the report's finding codes (codes) is
# true, and the detail holds WORDS.
verdict() {
	_v_why=$(python3 - "$T/$1" "$2" "$3" "$4" "${5:-}" <<'PY'
import glob, json, sys
base, check, status, expr, words = sys.argv[1:6]
why = []
runs = sorted(glob.glob(base + ".[0-9].json"))
if not runs:
    why.append("no report")
for i, run in enumerate(runs, 1):
    try:
        d = json.load(open(run))
    except Exception as e:
        why.append("run %d: no JSON report (%s)" % (i, e))
        continue
    c = [c for c in d.get("checks", []) if c["name"] == check]
    codes = [f["code"] for f in d.get("findings", [])]
    if not c:
        why.append("run %d: no check %s" % (i, check))
        continue
    c = c[0]
    if c["status"] != status:
        why.append("run %d: %s (%s)" % (i, c["status"], c["detail"]))
    if not eval(expr):
        why.append("run %d: false: %s (codes: %s)" % (i, expr,
                                                      " ".join(codes)))
    if words not in c["detail"]:
        why.append("run %d: detail without %r: %s" % (i, words, c["detail"]))
print("; ".join(why[:3]))
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _v_why="${_v_why:+$_v_why; }the check itself failed (see the traceback above)"
	if [ -z "$_v_why" ]; then
		ok "$1: $2 $3, $4"
		return 0
	fi
	not_ok "$1: $2 $3, $4"
	echo "#   $_v_why"
	return 1
}

audit5 heartbleed "$PORT_heartbleed"
verdict heartbleed heartbleed vulnerable "'HEARTBLEED' in codes" \
	"heartbeat_response of 16403 bytes: 16384 bytes of memory"
verdict heartbleed fallback_scsv not_applicable \
	"'NO_FALLBACK_SCSV' not in codes" "one version only"
audit5 ccs "$PORT_ccs"
verdict ccs ccs_injection vulnerable "'CCS_INJECTION' in codes" \
	"Decryption failed"
audit5 ticketbleed "$PORT_ticketbleed"
verdict ticketbleed ticketbleed vulnerable "'TICKETBLEED' in codes" \
	"echoed a 32-byte one beginning with it: 31 bytes"
audit5 compression "$PORT_compression"
verdict compression compression vulnerable "'TLS_COMPRESSION' in codes" \
	"chose DEFLATE"
audit5 no-fallback "$PORT_no_fallback"
verdict no-fallback fallback_scsv vulnerable "'NO_FALLBACK_SCSV' in codes" \
	"TLS1.1 hello with TLS_FALLBACK_SCSV was answered with a TLS1.1"
audit5 sslv2 "$PORT_sslv2"
verdict sslv2 sslv2 vulnerable "'SSLV2' in codes" "SERVER-HELLO"
verdict sslv2 heartbleed not_vulnerable "'HEARTBLEED' not in codes" \
	"no heartbeat extension"

# a leak seen once and never again is no proof: unknown, no finding
start_ready atk-once python3 "$ATK" --heartbleed-once $CERT || exit 1
timeout -k 2 60 "$TP" audit --json --timeout 2 --checks "$CHECKS" \
	"127.0.0.1:$READY_PORT" \
	>"$T/once.1.json" 2>"$T/once.1.err" </dev/null
verdict once heartbleed unknown "'HEARTBLEED' not in codes" \
	"unstable: first a heartbeat request claiming 16384 bytes"

# the real servers: nothing found, each check for its own reason
ATTACK_CODES="['HEARTBLEED', 'CCS_INJECTION', 'TICKETBLEED', \
'TLS_COMPRESSION', 'NO_FALLBACK_SCSV', 'SSLV2']"
NONE="not set(codes) & set($ATTACK_CODES)"
audit5 gnutls "$PORT_gnutls"
# gnutls-serv serves one connection at a time: testssl.sh asks it once
# the audits are done, or an audit waits behind testssl.sh's silences
command -v testssl >/dev/null &&
	testssl_bg gnutls "$PORT_gnutls" -H -I -T -C -Z -D
verdict gnutls heartbleed not_vulnerable "$NONE" "heartbeat extension is on"
verdict gnutls ccs_injection not_vulnerable "$NONE" "refused"
verdict gnutls ticketbleed not_vulnerable "$NONE" "1 byte long (1 sent)"
verdict gnutls compression not_vulnerable "$NONE" "chose null"
verdict gnutls fallback_scsv not_vulnerable "$NONE" "inappropriate_fallback"
verdict gnutls sslv2 not_vulnerable "$NONE" "TLS alert"

audit5 openssl "$PORT_openssl"
verdict openssl heartbleed not_vulnerable "$NONE" "no heartbeat extension"
verdict openssl ccs_injection not_vulnerable "$NONE" "refused"
verdict openssl ticketbleed not_vulnerable "$NONE" "resumed"
verdict openssl compression not_vulnerable "$NONE" "chose null"
verdict openssl fallback_scsv not_vulnerable "$NONE" "inappropriate_fallback"
verdict openssl sslv2 not_vulnerable "$NONE" ""

audit5 tls13 "$PORT_tls13"
for c in heartbleed ccs_injection ticketbleed compression fallback_scsv; do
	verdict tls13 $c not_applicable "$NONE" ""
done
verdict tls13 sslv2 not_vulnerable "$NONE" ""

# ---- the verdicts beside testssl.sh's ----

# compare NAME TESTSSL_ID CHECK: testssl.sh's finding TESTSSL_ID on server
# NAME and our check agree: both vulnerable, or both not (testssl.sh's
# OK and INFO are "not vulnerable"). With a fourth argument, the
# documented difference: testssl.sh says OK with those words, ours
# vulnerable.
compare() {
	_c_why=$(python3 - "$T/ts-$1.json" "$T/$1.1.json" "$2" "$3" "${4:-}" <<'PY'
import json, sys
ts_file, ours_file, ts_id, check, differ = sys.argv[1:6]
try:
    ts = [e for e in json.load(open(ts_file)) if e["id"] == ts_id]
except Exception as e:
    print("no testssl.sh JSON (%s)" % e); sys.exit()
if not ts:
    print("testssl.sh said nothing about %s" % ts_id); sys.exit()
ts_vuln = ts[0]["severity"] not in ("OK", "INFO")
try:
    ours = [c for c in json.load(open(ours_file))["checks"]
            if c["name"] == check][0]
except Exception as e:
    print("no check %s in our report (%s)" % (check, e)); sys.exit()
ours_vuln = ours["status"] == "vulnerable"
if differ:
    if ts_vuln or differ not in ts[0]["finding"] or not ours_vuln:
        print("expected difference gone: testssl.sh %s %r, ours %s" %
              (ts[0]["severity"], ts[0]["finding"], ours["status"]))
elif ts_vuln != ours_vuln:
    print("testssl.sh %s %r, ours %s (%s)" % (ts[0]["severity"],
          ts[0]["finding"], ours["status"], ours["detail"]))
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _c_why="${_c_why:+$_c_why; }the check itself failed (see the traceback above)"
	if [ -z "$_c_why" ]; then
		ok "testssl.sh agrees on $1: $2 / $3${4:+ (documented difference)}"
		return 0
	fi
	not_ok "testssl.sh agrees on $1: $2 / $3"
	echo "#   $_c_why"
	tail -n 5 "$T/ts-$1.out" | sed 's/^/#   testssl: /'
	return 1
}

if [ -n "$TS_PIDS" ]; then
	wait $TS_PIDS
	compare heartbleed heartbleed heartbleed
	compare ccs CCS ccs_injection
	compare ticketbleed ticketbleed ticketbleed
	compare compression CRIME_TLS compression
	# testssl.sh tests the fallback with the system's openssl, which
	# (Debian's OpenSSL 3, security level 2) speaks no TLS below 1.2
	compare no-fallback fallback_SCSV fallback_scsv \
		"no protocol below TLS 1.2 offered"
	compare sslv2 DROWN sslv2
	compare gnutls heartbleed heartbleed
	compare gnutls CCS ccs_injection
	compare gnutls ticketbleed ticketbleed
	compare gnutls CRIME_TLS compression
	compare gnutls fallback_SCSV fallback_scsv
	compare gnutls DROWN sslv2
fi
stop_servers
