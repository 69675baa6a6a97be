#!/bin/sh
# tlsprobe audit's chain checks against real servers on loopback: AIA
# chasing (a CA, an intermediate and a leaf made here, the leaf's
# caIssuers URL on a local HTTP server), SCTs embedded in the leaf and in
# the TLS extension, and the conditions read off the suite list (POODLE,
# SWEET32, FREAK, LOGJAM, BEAST, LUCKY13), compared with testssl.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

D="$T/chain"
WWW="$D/www"
mkdir -p "$WWW"
HTTP_PORT=$(free_port)
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$WWW" \
	>"$T/http.log" 2>&1 </dev/null &
HTTP_PID=$!
srv_track $HTTP_PID "$T/http.log"

KEEP="$HTTP_PID"

# serve ARGS...: a fresh openssl s_server with ARGS instead of the last
# one (the servers in KEEP stay): SRV_PORT
serve() {
	stop_servers_but_http
	start_openssl_server "$@"
}

# stop_servers_but_http: the TLS servers end but those in KEEP (the
# AIA URLs' server, the ones testssl.sh is busy with)
stop_servers_but_http() {
	_kept=""
	for _e in $_srv_list; do
		case " $KEEP " in
		*" ${_e%%:*} "*) _kept="$_kept $_e"; continue ;;
		esac
		kill "${_e%%:*}" 2>/dev/null
		wait "${_e%%:*}" 2>/dev/null
	done
	_srv_list=$_kept
}

# sct_ext LOGBYTE...: the DER of the SCT list extension's value (RFC
# 6962 section 3.3), one SCT per log, each log ID 32 times LOGBYTE
sct_list() {
	python3 - "$@" <<'PY'
import struct, sys
scts = b""
for b in sys.argv[1:]:
    sct = bytes([0]) + bytes([int(b, 16)]) * 32 + struct.pack(">Q", 1700000000000)
    sct += struct.pack(">H", 0) + bytes([4, 3]) + struct.pack(">H", 2) + b"\x30\x00"
    scts += struct.pack(">H", len(sct)) + sct
print((struct.pack(">H", len(scts)) + scts).hex())
PY
}

# the PKI: a root, an intermediate, leaves that name the intermediate's
# URL (one with two SCTs embedded)
pki() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/ca.key" \
		-out "$D/ca.pem" -days 30 -subj "/CN=Chain Test Root" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign || return 1
	openssl req -newkey rsa:2048 -nodes -keyout "$D/int.key" \
		-out "$D/int.csr" -subj "/CN=Chain Test Intermediate" || return 1
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' \
		>"$D/int.ext"
	openssl x509 -req -in "$D/int.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
		-CAcreateserial -out "$D/int.pem" -days 30 \
		-extfile "$D/int.ext" || return 1
	openssl x509 -in "$D/int.pem" -outform DER -out "$WWW/int.der" || return 1
	cp "$D/int.pem" "$WWW/int.pem"
	openssl crl2pkcs7 -nocrl -certfile "$D/int.pem" -outform DER \
		-out "$WWW/int.p7c" || return 1
	for _l in der pem p7c 404 sct; do
		_ext="subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
		_url=int.$_l
		[ "$_l" = 404 ] && _url=missing.der
		[ "$_l" = sct ] && _url=int.der
		_ext="$_ext
authorityInfoAccess=caIssuers;URI:http://127.0.0.1:$HTTP_PORT/$_url"
		[ "$_l" = sct ] && _ext="$_ext
1.3.6.1.4.1.11129.2.4.2=DER:04$(printf '%02x' $(($(printf %s "$SCT_HEX" | wc -c) / 2)))$SCT_HEX"
		openssl req -newkey rsa:2048 -nodes -keyout "$D/leaf-$_l.key" \
			-out "$D/leaf-$_l.csr" -subj "/CN=localhost" || return 1
		printf '%s\n' "$_ext" >"$D/leaf-$_l.ext"
		openssl x509 -req -in "$D/leaf-$_l.csr" -CA "$D/int.pem" \
			-CAkey "$D/int.key" -CAcreateserial \
			-out "$D/leaf-$_l.pem" -days 30 \
			-extfile "$D/leaf-$_l.ext" || return 1
		cat "$D/leaf-$_l.pem" "$D/int.pem" >"$D/full-$_l.pem"
	done
}
SCT_HEX=$(sct_list 11 22)
# a 1024-bit DH group takes a second or two: make it while other cases run
openssl dhparam -out "$D/dh1024.pem" 1024 >/dev/null 2>&1 &
if ! pki >"$T/pki.log" 2>&1; then
	not_ok "the test PKI is made"
	sed 's/^/#   /' "$T/pki.log"
	exit 1
fi
wait_port "$HTTP_PORT" || { not_ok "the HTTP server listens"; exit 1; }

# the checks of this test: the others have tests of their own
CHECKS=aia,sct,poodle,sweet32,freak,logjam,beast,lucky13

# run_audit NAME ARGS...: tlsprobe audit --json ARGS; OUT, ERR, RC, MS
run_audit() {
	_rc_name=$1; shift
	OUT="$T/$_rc_name.json"
	ERR="$T/$_rc_name.err"
	_t0=$(now_ms)
	timeout -k 2 60 "$TP" audit --json --checks "$CHECKS" "$@" \
		>"$OUT" 2>"$ERR" </dev/null
	RC=$?
	MS=$(($(now_ms) - _t0))
	LAST_ARGS="$*"
	_ctx_shown=0
}

# check_is NAME CHECK STATUS [SUPPORTED] [EXPR]: the last report's
# check CHECK has STATUS (and SUPPORTED, "yes", "no" or "-" for none),
# and the Python EXPR over it (c) and the report (d) holds
check_is() {
	audit "$1" "(lambda c: c['status'] == '$3' and ('${4:--}' == '-' and c.get('supported') is None or c.get('supported') == {'yes': True, 'no': False}.get('${4:--}')) and (${5:-True}))(next(c for c in d['checks'] if c['name'] == '$2'))"
}

# five_times NAME CHECK=STATUS[,CHECK=STATUS…] ARGS...: five audits of
# the same server give each CHECK the same STATUS every time
five_times() {
	_ft_name=$1 _ft_want=$2
	shift 2
	_ft_why=""
	for _ft_i in 1 2 3 4 5; do
		run_audit "five-$_ft_i" "$@"
		_ft_why="$_ft_why$(python3 - "$OUT" "$_ft_want" <<'PY'
import json, sys
got = {c["name"]: c["status"] for c in json.load(open(sys.argv[1]))["checks"]}
for pair in sys.argv[2].split(","):
    name, want = pair.split("=")
    if got.get(name) != want:
        print("%s %s;" % (name, got.get(name)), end="")
PY
)"
	done
	if [ -z "$_ft_why" ]; then
		ok "$_ft_name"
	else
		not_ok "$_ft_name"
		echo "#   got: $_ft_why"
	fi
}

# ---- the conditions read off the suite list, and testssl.sh ----
# testssl.sh runs Debian's openssl as its client: a configuration of our
# own lets it offer what the servers here accept (TLS 1.0, SECLEVEL 0)
cat >"$T/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = ALL:@SECLEVEL=0
MinProtocol = None
CNF

# testssl_start NAME PORT: testssl.sh's POODLE, SWEET32, FREAK, LOGJAM,
# BEAST and LUCKY13 on 127.0.0.1:PORT, in the background (it takes tens
# of seconds: the other cases run meanwhile); -p lets it learn which
# versions the server speaks, which BEAST reads
testssl_start() {
	OPENSSL_CONF="$T/openssl.cnf" timeout -k 2 90 testssl --quiet \
		--color 0 --warnings off --ip 127.0.0.1 -p -O -W -F -J -A -L \
		--jsonfile "$T/testssl-$1.json" "127.0.0.1:$2" \
		>"$T/testssl-$1.out" 2>&1 </dev/null &
}

# testssl_vs NAME PID: once testssl_start's run PID ended, its verdicts
# agree with the last audit's: OK means not vulnerable (or nothing to
# test), any worse severity vulnerable
testssl_vs() {
	wait "$2"
	_tv_why=$(python3 - "$T/testssl-$1.json" "$OUT" <<'PY'
import json, sys
try:
    ts = json.load(open(sys.argv[1]))
except Exception as e:
    print("testssl.sh wrote no JSON (%s)" % e); sys.exit()
ours = {c["name"]: c["status"] for c in json.load(open(sys.argv[2]))["checks"]}
ids = {"poodle": "POODLE_SSL", "sweet32": "SWEET32", "freak": "FREAK",
       "logjam": "LOGJAM", "beast": "BEAST", "lucky13": "LUCKY13"}
why = []
for name, tid in ids.items():
    sev = [e["severity"] for e in ts if e["id"] == tid]
    if not sev:
        why.append("testssl.sh has no %s" % tid)
        continue
    theirs = any(s not in ("OK", "INFO") for s in sev)
    mine = ours.get(name) == "vulnerable"
    if theirs != mine:
        why.append("%s: ours %s, testssl.sh %s" % (name, ours.get(name), sev))
print("; ".join(why))
PY
)
	# a Python error is a failure, never an empty "why"
	[ $? -eq 0 ] || _tv_why="${_tv_why:+$_tv_why; }the check itself failed (see the traceback above)"
	if [ -z "$_tv_why" ]; then
		ok "$1: testssl.sh agrees on all six conditions"
	else
		not_ok "$1: testssl.sh agrees on all six conditions"
		echo "#   $_tv_why"
		sed 's/^/#   testssl: /' "$T/testssl-$1.out" | tail -n 5
	fi
}

if ! command -v testssl >/dev/null; then
	not_ok "testssl.sh is installed (scripts/install-deps.sh)"
	exit 1
fi
# the servers of the suite conditions, and testssl.sh on them, first
start_ready legacy python3 "$TOP/tests/integration/audit_chain_server.py" \
	--suites 0x0003,0x000A,0x0014,0x002F --max-version 0x0301 \
	--cert "$D/leaf-der.pem"
LEGACY=$READY_PORT
start_openssl_server -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-cert_chain "$D/int.pem" -no_tls1 -no_tls1_1 \
	-cipher ECDHE-RSA-AES128-GCM-SHA256
MODERN=$SRV_PORT
KEEP="$KEEP $READY_PID $SRV_PID"
testssl_start legacy "$LEGACY"
TS_LEGACY=$!
testssl_start modern "$MODERN"
TS_MODERN=$!

# ---- AIA ----
INT_FP=$(openssl x509 -in "$D/int.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
FAST="--protocols TLS1.2,TLS1.3 --ca $D/ca.pem"

start_openssl_server -cert "$D/leaf-der.pem" -key "$D/leaf-der.key"
LEAF_ONLY=$SRV_PORT
run_audit aia-der 127.0.0.1:$LEAF_ONLY $FAST
expect "aia, leaf only, issuer as DER: INCOMPLETE_CHAIN" 1 INCOMPLETE_CHAIN \
	'!UNKNOWN_CA'
check_is "aia, leaf only: not_vulnerable, the intermediate fetched and named" \
	aia not_vulnerable - "'CN=Chain Test Intermediate' in c['detail'] and '$INT_FP' in c['detail'] and '/int.der' in c['detail'] and c['connections'] == 1"
audit "aia, leaf only: INCOMPLETE_CHAIN names the intermediate, its SHA-256 and who fails" \
	"[f for f in d['findings'] if f['code'] == 'INCOMPLETE_CHAIN' and f['severity'] == 'error' and 'CN=Chain Test Intermediate' in f['summary'] and '$INT_FP' in f['summary'] and 'curl, OpenSSL, Java and Go' in f['detail'] and 'Chain Test Intermediate' in f['fix']]"
five_times "aia, leaf only: the same verdict five times" aia=not_vulnerable \
	127.0.0.1:$LEAF_ONLY $FAST

run_client aia-client 127.0.0.1:$LEAF_ONLY --ca "$D/ca.pem" \
	--expect-name localhost
expect "client, leaf only: INCOMPLETE_CHAIN, not UNKNOWN_CA" 1 \
	INCOMPLETE_CHAIN '!UNKNOWN_CA'
expect_py "client, leaf only: the finding names the fetched intermediate" \
	"any(f['code'] == 'INCOMPLETE_CHAIN' and 'CN=Chain Test Intermediate' in f['summary'] and '$INT_FP' in f['summary'] for f in d['findings'])"

for _form in pem p7c; do
	serve -cert "$D/leaf-$_form.pem" -key "$D/leaf-$_form.key"
	run_audit aia-$_form 127.0.0.1:$SRV_PORT $FAST
	check_is "aia, issuer as $_form: fetched, read and named" aia \
		not_vulnerable - "'CN=Chain Test Intermediate' in c['detail'] and '/int.$_form' in c['detail']"
done

serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-cert_chain "$D/int.pem"
run_audit aia-full 127.0.0.1:$SRV_PORT $FAST
expect "aia, full chain: no INCOMPLETE_CHAIN" 0 '!INCOMPLETE_CHAIN'
check_is "aia, full chain: not_applicable, nothing to chase" aia \
	not_applicable - "'complete' in c['detail'] and c['connections'] == 1"
five_times "aia, full chain: the same verdict five times" aia=not_applicable \
	127.0.0.1:$SRV_PORT $FAST

serve -cert "$D/leaf-404.pem" -key "$D/leaf-404.key"
run_audit aia-404 127.0.0.1:$SRV_PORT $FAST
check_is "aia, the URL answers 404: unknown, naming the host and the status" \
	aia unknown - "'127.0.0.1' in c['detail'] and '404' in c['detail']"
audit "aia, the URL answers 404: no INCOMPLETE_CHAIN claimed" \
	"'INCOMPLETE_CHAIN' not in codes"

serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key"
run_audit aia-offline 127.0.0.1:$SRV_PORT $FAST --offline
check_is "aia, --offline: skipped, nothing fetched" aia unknown - \
	"'--offline' in c['detail'] and c['connections'] == 0"
audit "aia, --offline: no INCOMPLETE_CHAIN" "'INCOMPLETE_CHAIN' not in codes"

# ---- SCTs ----
# sct_b64 BYTE: the base64 of a log ID of 32 times BYTE, as the detail
# prints it
sct_b64() {
	python3 -c "import base64,sys; print(base64.b64encode(bytes([int(sys.argv[1], 16)]) * 32).decode())" "$1"
}
LOG11=$(sct_b64 11) LOG22=$(sct_b64 22) LOG33=$(sct_b64 33)

serve -cert "$D/leaf-sct.pem" -key "$D/leaf-sct.key" \
	-cert_chain "$D/int.pem"
run_audit sct-embedded 127.0.0.1:$SRV_PORT $FAST
check_is "sct, two embedded in the leaf: supported, both log IDs named" sct \
	not_vulnerable yes "c['detail'].startswith('2 SCTs: 2 embedded in the certificate') and '$LOG11' in c['detail'] and '$LOG22' in c['detail'] and 'TLS extension' not in c['detail']"
five_times "sct, embedded: the same verdict five times" sct=not_vulnerable \
	127.0.0.1:$SRV_PORT $FAST

# the TLS extension: s_server's serverinfo (RFC 6962 section 3.3.1)
python3 - "$(sct_list 33)" "$T/sct.serverinfo" <<'PY'
import base64, struct, sys
data = bytes.fromhex(sys.argv[1])
blob = struct.pack(">HH", 18, len(data)) + data
with open(sys.argv[2], "w") as f:
    f.write("-----BEGIN SERVERINFO FOR signed_certificate_timestamp-----\n")
    f.write(base64.encodebytes(blob).decode())
    f.write("-----END SERVERINFO FOR signed_certificate_timestamp-----\n")
PY
serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-cert_chain "$D/int.pem" -serverinfo "$T/sct.serverinfo"
run_audit sct-tls 127.0.0.1:$SRV_PORT $FAST
check_is "sct, one in the TLS extension: supported, its log ID named" sct \
	not_vulnerable yes "c['detail'].startswith('1 SCT: 1 in the TLS extension') and '$LOG33' in c['detail'] and 'embedded' not in c['detail']"

# a stapled OCSP response with one SCT (python3-cryptography signs it;
# s_server staples it as given). cryptography writes response
# extensions only, not the SingleResponse's where RFC 6962 puts it: the
# check finds the extension by its OID in either
python3 - "$(sct_list 44)" "$D" <<'PY'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
lst = bytes.fromhex(sys.argv[1])
d = sys.argv[2]
load = lambda n: x509.load_pem_x509_certificate(open(d + n, "rb").read())
key = serialization.load_pem_private_key(open(d + "/int.key", "rb").read(), None)
leaf, issuer = load("/leaf-der.pem"), load("/int.pem")
now = datetime.datetime.now(datetime.timezone.utc)
der = b"\x04" + bytes([len(lst)]) + lst if len(lst) < 128 else \
      b"\x04\x81" + bytes([len(lst)]) + lst
resp = (ocsp.OCSPResponseBuilder()
        .add_response(leaf, issuer, hashes.SHA256(), ocsp.OCSPCertStatus.GOOD,
                      now, now + datetime.timedelta(days=1), None, None)
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        .add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.5"), der), False)
        .sign(key, hashes.SHA256()))
open(d + "/staple.der", "wb").write(resp.public_bytes(serialization.Encoding.DER))
PY
LOG44=$(sct_b64 44)
serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-cert_chain "$D/int.pem" -status_file "$D/staple.der"
run_audit sct-ocsp 127.0.0.1:$SRV_PORT $FAST
check_is "sct, one in the stapled OCSP response: supported, its log ID named" \
	sct not_vulnerable yes "c['detail'].startswith('1 SCT: 1 in the stapled OCSP response') and '$LOG44' in c['detail']"

serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-cert_chain "$D/int.pem"
run_audit sct-none 127.0.0.1:$SRV_PORT $FAST
check_is "sct, none anywhere: not supported, and no finding for it" sct \
	not_vulnerable no "'no SCT' in c['detail']"
check_is "sweet32 with SSL 3.0 to TLS 1.1 left out by --protocols: unknown" \
	sweet32 unknown - "'SSL3.0 was not tested' in c['detail']"
five_times "sct, none: the same verdict five times" sct=not_vulnerable \
	127.0.0.1:$SRV_PORT $FAST

run_audit legacy 127.0.0.1:$LEGACY
expect "legacy SSL 3.0 / TLS 1.0 server: the cipher audit's findings" 1 \
	WEAK_PROTOCOL WEAK_CIPHER
check_is "poodle: SSL 3.0 with CBC, naming the suites" poodle vulnerable - \
	"'SSL3.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA' in c['detail'] and c['connections'] == 0"
check_is "sweet32: 3DES and DES40, not the AES suite" sweet32 vulnerable - \
	"'TLS_RSA_WITH_3DES_EDE_CBC_SHA' in c['detail'] and 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA' in c['detail'] and 'AES' not in c['detail']"
check_is "freak: the export RSA suite" freak vulnerable - \
	"'TLS_RSA_EXPORT_WITH_RC4_40_MD5' in c['detail'] and 'DHE' not in c['detail']"
check_is "logjam: the export DH suite" logjam vulnerable - \
	"'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA' in c['detail']"
check_is "beast: CBC with SSL 3.0 and TLS 1.0, as information" beast \
	vulnerable - "c['detail'].startswith('information') and 'TLS1.0 TLS_RSA_WITH_AES_128_CBC_SHA' in c['detail']"
check_is "lucky13: CBC suites, as information" lucky13 vulnerable - \
	"c['detail'].startswith('information') and 'RC4' not in c['detail']"
# the other checks' own codes aside (this server has no secure
# renegotiation, for one), the findings are the cipher audit's
audit "the suite conditions add no finding of their own" \
	"sorted(set(codes) - set(c['name'].upper() for c in d['checks']) - {'INSECURE_RENEGOTIATION', 'CLIENT_RENEGOTIATION', 'TLS_COMPRESSION', 'NO_FALLBACK_SCSV', 'SSLV2', 'DEFAULT_CERT_DIFFERS'}) == ['NO_FORWARD_SECRECY', 'WEAK_CIPHER', 'WEAK_PROTOCOL']"
five_times "the six on the legacy server: the same verdicts five times" \
	poodle=vulnerable,sweet32=vulnerable,freak=vulnerable,logjam=vulnerable,beast=vulnerable,lucky13=vulnerable \
	127.0.0.1:$LEGACY
run_audit legacy 127.0.0.1:$LEGACY
testssl_vs legacy "$TS_LEGACY"

# a TLS 1.2 and 1.3 server with one AEAD suite: none of the six
run_audit modern 127.0.0.1:$MODERN --ca "$D/ca.pem"
check_is "poodle, no SSL 3.0: not_applicable" poodle not_applicable
check_is "beast, no SSL 3.0 nor TLS 1.0: not_applicable" beast not_applicable
for _c in sweet32 freak logjam lucky13; do
	check_is "$_c, one AEAD suite: not_vulnerable" $_c not_vulnerable
done
testssl_vs modern "$TS_MODERN"

# DH with a 1024-bit prime: LOGJAM's other half
serve -cert "$D/leaf-der.pem" -key "$D/leaf-der.key" \
	-no_tls1_3 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' \
	-dhparam "$D/dh1024.pem"
run_audit dh1024 127.0.0.1:$SRV_PORT --ca "$D/ca.pem"
check_is "logjam: a 1024-bit DH prime" logjam vulnerable - \
	"'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' in c['detail']"
check_is "lucky13, an AEAD suite only: not_vulnerable" lucky13 not_vulnerable

# nginx as Debian ships it offers TLS 1.0 to 1.2, and its OpenSSL 3
# answers TLS 1.0 and 1.1 hellos with internal_error, which refuses
# nothing: what those versions would accept is not known, so a condition
# found nowhere is unknown, and says which version and why
start_nginx "ssl_certificate $D/full-der.pem;
		ssl_certificate_key $D/leaf-der.key;" || exit 1
run_audit nginx-default 127.0.0.1:$NGINX_PORT --ca "$D/ca.pem"
check_is "sweet32 on nginx's defaults: unknown, naming TLS1.0" sweet32 unknown - \
	"'could not tell all that TLS1.0 accepts' in c['detail'] and 'ALERT_RECEIVED' in codes"
check_is "freak on nginx's defaults: unknown as well" freak unknown
