#!/bin/sh
# tlsprobe audit's robot, secure_renegotiation and client_renegotiation
# checks against real servers on loopback (openssl s_server with and
# without client renegotiation, gnutls-serv without RFC 5746, nginx, a
# TLS 1.3-only and an ECDHE-only server) and a relay that plays a ROBOT
# oracle in front of gnutls-serv (audit_robot_server.py): each check five
# times against each server, the same verdict every time, and the same
# verdicts as testssl.sh's -BB and -R where it runs the same check.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

T0=$(now_ms)
make_pki server.pem server.key
ROBOT_SERVER="$TOP/tests/integration/audit_robot_server.py"
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"
RSA_AND_ECDHE='AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256'

# the checks of this test: the others have tests of their own
CHECKS=robot,secure_renegotiation,client_renegotiation

# audit5 NAME HOST:PORT: five audits of the server, $T/NAME.1.json …
# (TLS 1.2 and 1.3 only: every server here speaks no other)
audit5() {
	_a5=$1 _a5t=$(now_ms)
	for _i in 1 2 3 4 5; do
		OUT="$T/$_a5.$_i.json"
		timeout -k 2 60 "$TP" audit --json --timeout 3 --offline \
			--protocols TLS1.2,TLS1.3 --checks "$CHECKS" "$2" \
			>"$OUT" 2>"$T/$_a5.$_i.err" </dev/null
	done
	echo "# $_a5: five audits in $(($(now_ms) - _a5t)) ms"
}

# verdict NAME CHECK STATUS [CODE | !CODE]...: one TAP line: in each of
# NAME's five reports CHECK has STATUS, every CODE is a finding and no
# !CODE is.
verdict() {
	_v_name=$1; shift
	_v_why=$(python3 - "$T/$_v_name" "$@" <<'PY'
import json, sys
base, check, status = sys.argv[1], sys.argv[2], sys.argv[3]
for i in range(1, 6):
    try:
        d = json.load(open("%s.%d.json" % (base, i)))
    except Exception as e:
        print("run %d: no JSON report (%s)" % (i, e)); sys.exit()
    c = next((c for c in d["checks"] if c["name"] == check), None)
    codes = [f["code"] for f in d["findings"]]
    if c is None or c["status"] != status:
        print("run %d: %s" % (i, c)); sys.exit()
    for code in sys.argv[4:]:
        if code.startswith("!") == (code.lstrip("!") in codes):
            print("run %d: codes %s, wanted %s" % (i, codes, code))
            sys.exit()
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _v_why="${_v_why:+$_v_why; }the check itself failed (see the traceback above)"
	if [ -z "$_v_why" ]; then
		ok "$_v_name: $1 $2, five times the same${3:+ ($*)}"
	else
		not_ok "$_v_name: $1 $2, five times the same"
		echo "#   $_v_why"
		fail_context
	fi
}

# detail_has NAME CHECK WORDS: one TAP line: the first report's detail
# of CHECK holds WORDS.
detail_has() {
	if json_get "$T/$1.1.json" \
	   "next(c for c in d['checks'] if c['name'] == '$2')['detail']" |
	   grep -qF "$3"; then
		ok "$1: $2 says '$3'"
	else
		not_ok "$1: $2 says '$3'"
		json_get "$T/$1.1.json" "d['checks']" | sed 's/^/#   /'
	fi
}

# testssl.sh on loopback only, no DNS at all: its flat JSON in
# $T/testssl-NAME.json. testssl_run NAME HOST:PORT OPTION...
testssl_run() {
	_tb=$1 _tt=$2
	shift 2
	timeout -k 2 90 testssl --quiet --color 0 --warnings off \
		--nodns none --ip 127.0.0.1 "$@" \
		--jsonfile "$T/testssl-$_tb.json" "$_tt" \
		>"$T/testssl-$_tb.log" 2>&1 </dev/null
}

# testssl.sh's checks run on OpenSSL's s_client, which since OpenSSL 3
# refuses a server without RFC 5746 ("OpenSSL handshake didn't
# succeed"): for that server it gets an OpenSSL that allows legacy
# servers and their renegotiation (docs/audit.md, "Compared with
# testssl.sh"). testssl.sh empties OPENSSL_CONF, hence a wrapper.
cat >"$T/legacy.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = UnsafeLegacyServerConnect,UnsafeLegacyRenegotiation
EOF
printf '#!/bin/sh\nOPENSSL_CONF=%s exec openssl "$@"\n' "$T/legacy.cnf" \
	>"$T/openssl-legacy"
chmod +x "$T/openssl-legacy"

# testssl_says NAME ID PREFIX: one TAP line: testssl.sh's finding ID
# starts with PREFIX.
testssl_says() {
	_ts=$(python3 -c '
import json, sys
for f in json.load(open(sys.argv[1])):
    if f["id"] == sys.argv[2]:
        print(f["finding"])' "$T/testssl-$1.json" "$2" 2>&1)
	case "$_ts" in
	"$3"*) ok "testssl.sh agrees on $1: $2 $_ts" ;;
	*)
		not_ok "testssl.sh agrees on $1: $2 starts with '$3'"
		echo "#   testssl.sh said: $_ts"
		tail -n 8 "$T/testssl-$1.log" | sed 's/^/#   /'
		;;
	esac
}

if ! command -v testssl >/dev/null; then
	not_ok "testssl.sh is installed (scripts/install-deps.sh)"
	exit 1
fi

# ---- the servers, all at once ----
# openssl s_server, TLS 1.2, RSA and ECDHE key exchange: RSA padding
# answered alike, RFC 5746, client renegotiation refused; the same with
# client renegotiation allowed
start_openssl_server $OSRV -tls1_2 -cipher "$RSA_AND_ECDHE" || exit 1
OPENSSL=127.0.0.1:$SRV_PORT
start_openssl_server $OSRV -tls1_2 -cipher "$RSA_AND_ECDHE" \
	-client_renegotiation || exit 1
OPENSSL_RENEG=127.0.0.1:$SRV_PORT
# gnutls-serv without RFC 5746
start_gnutls_serv $GSRV \
	--priority 'NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION' || exit 1
GNUTLS_UNSAFE=127.0.0.1:$SRV_PORT
# nginx refuses client renegotiation; ECDHE only: no RSA key exchange
start_nginx "ssl_certificate $PKI/server.pem;
		ssl_certificate_key $PKI/server.key;
		ssl_protocols TLSv1.2;
		ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;" || exit 1
NGINX=127.0.0.1:$NGINX_PORT
# TLS 1.3 only: nothing to test
start_openssl_server $OSRV -tls1_3 || exit 1
TLS13=127.0.0.1:$SRV_PORT
# the ROBOT relay in front of gnutls-serv, three ways, each its own,
# and a fourth that swallows a client's renegotiation; one RSA
# key-exchange suite keeps the cipher audit through it short
for mode in oracle fixed flaky ignore-reneg; do
	start_gnutls_serv $GSRV \
		--priority 'NORMAL:-VERS-TLS1.3:-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-GCM' ||
		exit 1
	start_ready "robot-$mode" python3 "$ROBOT_SERVER" "$mode" \
		--backend "$SRV_PORT" --key "$PKI/server.key" || exit 1
	eval "RELAY_$(echo "$mode" | tr - _)=127.0.0.1:\$READY_PORT"
done

# each server's five audits, then testssl.sh's run when it has one (an
# s_server serves one connection at a time: never both at once)
PIDS=""
runs() {
	_r=$1 _rt=$2
	shift 2
	( audit5 "$_r" "$_rt"
	  [ $# -eq 0 ] || testssl_run "$_r" "$_rt" "$@" ) &
	PIDS="$PIDS $!"
}
runs openssl "$OPENSSL"
runs openssl-reneg "$OPENSSL_RENEG" --robot -R
runs gnutls-unsafe "$GNUTLS_UNSAFE" -R --openssl "$T/openssl-legacy"
runs nginx "$NGINX" -R
runs tls13 "$TLS13"
runs oracle "$RELAY_oracle" --robot
runs fixed "$RELAY_fixed"
runs flaky "$RELAY_flaky"
runs ignoring "$RELAY_ignore_reneg"
for p in $PIDS; do wait "$p"; done
echo "# audits and testssl.sh done at $(($(now_ms) - T0)) ms"

verdict openssl robot not_vulnerable '!ROBOT'
detail_has openssl robot "drew the same answer: fatal alert bad_record_mac (20), then a close"
verdict openssl secure_renegotiation not_vulnerable '!INSECURE_RENEGOTIATION'
verdict openssl client_renegotiation not_vulnerable '!CLIENT_RENEGOTIATION'
detail_has openssl client_renegotiation "refused with a warning alert no_renegotiation (100)"

verdict openssl-reneg client_renegotiation vulnerable CLIENT_RENEGOTIATION
OUT="$T/openssl-reneg.1.json"
expect_py "openssl-reneg: the finding is CLIENT_RENEGOTIATION, a warning" \
	"[f['severity'] for f in d['findings'] if f['code'] == 'CLIENT_RENEGOTIATION'] == ['warning']"
verdict openssl-reneg secure_renegotiation not_vulnerable '!INSECURE_RENEGOTIATION'
verdict openssl-reneg robot not_vulnerable '!ROBOT'
testssl_says openssl-reneg ROBOT "not vulnerable"
testssl_says openssl-reneg secure_renego "supported"
testssl_says openssl-reneg secure_client_renego "VULNERABLE"

verdict gnutls-unsafe secure_renegotiation vulnerable INSECURE_RENEGOTIATION
OUT="$T/gnutls-unsafe.1.json"
expect_py "gnutls-unsafe: the finding is INSECURE_RENEGOTIATION, an error" \
	"[f['severity'] for f in d['findings'] if f['code'] == 'INSECURE_RENEGOTIATION'] == ['error']"
detail_has gnutls-unsafe secure_renegotiation "has no renegotiation_info"
verdict gnutls-unsafe client_renegotiation vulnerable CLIENT_RENEGOTIATION
testssl_says gnutls-unsafe secure_renego "VULNERABLE"
testssl_says gnutls-unsafe secure_client_renego "VULNERABLE"

verdict nginx client_renegotiation not_vulnerable '!CLIENT_RENEGOTIATION'
verdict nginx secure_renegotiation not_vulnerable '!INSECURE_RENEGOTIATION'
verdict nginx robot not_applicable '!ROBOT'
testssl_says nginx secure_renego "supported"
testssl_says nginx secure_client_renego "not vulnerable"

verdict tls13 robot not_applicable
verdict tls13 secure_renegotiation not_applicable
verdict tls13 client_renegotiation not_applicable

verdict oracle robot vulnerable ROBOT
OUT="$T/oracle.1.json"
expect_py "oracle: the finding is ROBOT, an error naming the suite" \
	"[f['severity'] for f in d['findings'] if f['code'] == 'ROBOT' and 'TLS_RSA_' in f['summary']] == ['error']"
detail_has oracle robot "wrong first bytes (0x41 0x17 for 0x00 0x02): fatal alert decrypt_error (51), then a close"
detail_has oracle robot "the same in 3 rounds"
testssl_says oracle ROBOT "VULNERABLE"
verdict fixed robot not_vulnerable '!ROBOT'
verdict flaky robot unknown '!ROBOT'
detail_has flaky robot "not the same way in 3 rounds"

# a server that never answers the renegotiation: refused by silence,
# and the check waits --timeout (3 s) and no longer
verdict ignoring client_renegotiation not_vulnerable '!CLIENT_RENEGOTIATION'
detail_has ignoring client_renegotiation "ignored: no answer within 3.0 s"
OUT="$T/ignoring.1.json"
expect_py "ignoring: the check ends within --timeout" \
	"next(c for c in d['checks'] if c['name'] == 'client_renegotiation')['ms'] < 4500"

echo "# wall time: $(($(now_ms) - T0)) ms"
stop_servers
