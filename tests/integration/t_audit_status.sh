#!/bin/sh
# tlsprobe audit's certificate status checks (ocsp_stapling, revocation)
# and client's revocation, against a CA made here: its leaves name an
# OCSP responder (openssl ocsp, on loopback) and a CRL (python's
# http.server) at 127.0.0.1; openssl s_server and nginx staple responses
# made with openssl ocsp -respout. Each verdict five times over, and
# testssl.sh's on the same servers.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

OCSP_PORT=$(free_port)
HTTP_PORT=$(free_port)
D="$T/ca"

# mk_status_pki: in $D a CA, its delegated OCSP responder, the leaves
# good, revoked (keyCompromise), staple (must-staple) and bare (no AIA,
# no CRL DP), the CRL, and a stapled response for each of the first
# three.
mk_status_pki() {
	mkdir -p "$D/new" && : >"$D/index.txt" && echo 1000 >"$D/serial" &&
	echo 01 >"$D/crlnumber" || return 1
	cat >"$D/ca.cnf" <<CNF
[ ca ]
default_ca = tca
[ tca ]
database = $D/index.txt
new_certs_dir = $D/new
certificate = $D/ca.pem
private_key = $D/ca.key
serial = $D/serial
crlnumber = $D/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ bare ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP_PORT/ocsp
crlDistributionPoints = URI:http://127.0.0.1:$HTTP_PORT/crl.der
[ staple ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP_PORT/ocsp
tlsfeature = status_request
[ responder ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
CNF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$D/ca.key" -out "$D/ca.pem" -subj "/CN=Status Test CA" \
		-days 30 -config "$D/ca.cnf" -extensions root || return 1
	for _n in good:leaf revoked:leaf staple:staple bare:bare \
		responder:responder; do
		_c=${_n%%:*}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$D/$_c.key" -out "$D/$_c.csr" \
			-subj "/CN=$_c.status.test" -config "$D/ca.cnf" &&
		openssl ca -batch -config "$D/ca.cnf" -extensions "${_n#*:}" \
			-in "$D/$_c.csr" -out "$D/$_c.pem" -notext || return 1
	done
	openssl ca -batch -config "$D/ca.cnf" -revoke "$D/revoked.pem" \
		-crl_reason keyCompromise &&
	openssl ca -batch -config "$D/ca.cnf" -gencrl -out "$D/crl.pem" &&
	openssl crl -in "$D/crl.pem" -outform DER -out "$D/crl.der" || return 1
	for _c in good revoked staple; do
		openssl ocsp -index "$D/index.txt" -rsigner "$D/responder.pem" \
			-rkey "$D/responder.key" -CA "$D/ca.pem" \
			-issuer "$D/ca.pem" -cert "$D/$_c.pem" \
			-respout "$D/$_c.ocsp" -ndays 1 || return 1
	done
}
if ! mk_status_pki >"$T/pki.log" 2>&1; then
	not_ok "the test CA and its leaves are made"
	sed 's/^/#   /' "$T/pki.log"
	exit 1
fi

# the responder (it binds every address: no -bind option; only loopback
# ever reaches it here) and the CRL's web server. Not wait_port: OpenSSL
# 3.0's responder spins forever on a connection closed before its
# request, and answers no one after it.
start_ocsp() {
	_srv_n=$((_srv_n + 1))
	openssl ocsp -index "$D/index.txt" -port "$OCSP_PORT" \
		-rsigner "$D/responder.pem" -rkey "$D/responder.key" \
		-CA "$D/ca.pem" -ndays 1 >"$T/ocsp$_srv_n.log" 2>&1 </dev/null &
	OCSP_PID=$!
	srv_track "$OCSP_PID" "$T/ocsp$_srv_n.log"
	_srv_wait "$OCSP_PID" "$T/ocsp$_srv_n.log" "waiting for OCSP client" ||
		_srv_failed_start "openssl ocsp" "$T/ocsp$_srv_n.log"
}
start_ocsp
python3 -m http.server --bind 127.0.0.1 --directory "$D" "$HTTP_PORT" \
	>"$T/http.log" 2>&1 </dev/null &
HTTP_PID=$!
srv_track "$HTTP_PID" "$T/http.log"
wait_port "$HTTP_PORT"

# run_audit NAME PORT [ARGS]: tlsprobe audit --json on 127.0.0.1:PORT
# with the test CA trusted; OUT, ERR, RC and MS as run_ciphers sets them.
CIPHERS_CMD=audit
run_audit() {
	_ra_name=$1 _ra_port=$2
	shift 2
	run_ciphers "$_ra_name" --ca "$D/ca.pem" --protocols TLS1.2,TLS1.3 \
		--checks ocsp_stapling,revocation "$@" "127.0.0.1:$_ra_port"
}

# five NAME PORT WANT [ARGS]: five audits of the same server; each
# ocsp_stapling and revocation status, finding codes of this area, as
# one line: all five must be WANT ("stapling/revocation/CODES"). The
# last run's report stays in OUT.
five() {
	_f_name=$1 _f_port=$2 _f_want=$3
	shift 3
	_f_files=""
	for _i in 1 2 3 4 5; do
		run_audit "$_f_name$_i" "$_f_port" "$@"
		_f_files="$_f_files $OUT"
	done
	# shellcheck disable=SC2086
	python3 - $_f_files >"$T/$_f_name.five" <<'PY'
import json, sys
ours = ("REVOKED", "MUST_STAPLE_MISSING", "OCSP_STAPLE_INVALID")
for path in sys.argv[1:]:
    try:
        d = json.load(open(path))
        st = {c["name"]: c["status"] for c in d["checks"]}
        codes = sorted(f["code"] for f in d["findings"] if f["code"] in ours)
        print("%s/%s/%s" % (st["ocsp_stapling"], st["revocation"],
                            ",".join(codes) or "-"))
    except Exception as e:
        print("no report (%s)" % e)
PY
	if [ "$(sort -u "$T/$_f_name.five")" = "$_f_want" ]; then
		ok "$_f_name: $_f_want, five times"
	else
		not_ok "$_f_name: $_f_want, five times"
		sed 's/^/#   got: /' "$T/$_f_name.five"
		fail_context
	fi
}

# in audit expressions, $CHK('name') is that check's entry in the report
CHK='(lambda n: next(c for c in d["checks"] if c["name"] == n))'

# testssl.sh -S on a server, in the background while the audits run:
# TSL_<name> holds its JSON file; testssl_wait waits for all of them
TSL_PIDS=""
testssl_start() {
	if ! command -v testssl >/dev/null; then
		return 0
	fi
	timeout -k 2 90 testssl --quiet --color 0 --warnings off \
		--ip 127.0.0.1 --add-ca "$D/ca.pem" -S \
		--jsonfile "$T/testssl-$1.json" "127.0.0.1:$2" \
		>"$T/testssl-$1.out" 2>&1 </dev/null &
	TSL_PIDS="$TSL_PIDS $!"
}
testssl_wait() {
	for _p in $TSL_PIDS; do wait "$_p"; done
	TSL_PIDS=""
}
# testssl_is NAME ID FINDING...: testssl's finding for ID is one of these
testssl_is() {
	_tn=$1 _tid=$2
	shift 2
	if ! command -v testssl >/dev/null; then
		not_ok "testssl is installed (scripts/install-deps.sh)"
		return 1
	fi
	_got=$(python3 -c '
import json, sys
got = [x["finding"] for x in json.load(open(sys.argv[1]))
       if x["id"] == sys.argv[2]]
print(got[0] if len(got) == 1 else "(%d findings %s)" % (len(got),
                                                          sys.argv[2]))
' "$T/testssl-$_tn.json" "$_tid" 2>&1)
	for _w in "$@"; do
		if [ "$_got" = "$_w" ]; then
			ok "testssl on $_tn: $_tid is '$_w'"
			return 0
		fi
	done
	not_ok "testssl on $_tn: $_tid is '$*'"
	echo "#   got: '$_got'"
	tail -n 5 "$T/testssl-$_tn.out" | sed 's/^/#   /'
	return 1
}

# ---- the servers: each s_server sends the CA too, so that testssl can
# check a staple; the audits trust it with --ca anyway ----
srv() {
	start_openssl_server -cert "$D/$1.pem" -key "$D/$1.key" \
		-cert_chain "$D/ca.pem" ${2:+-status_file "$D/$2.ocsp"}
}
srv good good; GOOD=$SRV_PORT
srv revoked revoked; REVOKED=$SRV_PORT
srv staple; MUST=$SRV_PORT
srv good revoked; WRONG=$SRV_PORT
srv revoked; REVOKED_BARE=$SRV_PORT
srv bare; BARE=$SRV_PORT
testssl_start revoked "$REVOKED"
testssl_start must "$MUST"
testssl_start wrong "$WRONG"

# a valid staple of a good certificate; the responder and the CRL agree
five good-staple "$GOOD" "not_vulnerable/not_vulnerable/-"
audit "good staple: supported, the evidence says why, one connection" \
	"$CHK('ocsp_stapling')['supported'] is True and 'says good' in $CHK('ocsp_stapling')['detail'] and $CHK('ocsp_stapling')['connections'] == 1"
audit "good: revocation asked both the responder and the CRL, one connection" \
	"'/ocsp: good' in $CHK('revocation')['detail'] and '/crl.der: good' in $CHK('revocation')['detail'] and $CHK('revocation')['connections'] == 1"

# a stapled revoked status: REVOKED, with the date and the reason
five revoked-staple "$REVOKED" "vulnerable/vulnerable/REVOKED"
audit "revoked staple: one REVOKED, an error with its date and reason" \
	"[f for f in d['findings'] if f['code'] == 'REVOKED' and f['severity'] == 'error' and 'keyCompromise' in f['summary'] and 'revoked on 20' in f['summary']] and codes.count('REVOKED') == 1"

# must-staple, and no staple
five must-staple "$MUST" "vulnerable/not_vulnerable/MUST_STAPLE_MISSING"
audit "must-staple: an error naming the certificate, not supported" \
	"[f for f in d['findings'] if f['code'] == 'MUST_STAPLE_MISSING' and f['severity'] == 'error' and 'staple.status.test' in f['summary']] and $CHK('ocsp_stapling')['supported'] is False"
audit "must-staple leaf: no CRL named, the responder says good" \
	"'no CRL URL' in $CHK('revocation')['detail']"

# the staple of another certificate
five wrong-staple "$WRONG" "vulnerable/not_vulnerable/OCSP_STAPLE_INVALID"
audit "wrong staple: OCSP_STAPLE_INVALID says it is for another certificate" \
	"[f for f in d['findings'] if f['code'] == 'OCSP_STAPLE_INVALID' and 'another certificate' in f['detail']]"

# no staple, revoked: found by the responder; --offline asks nothing
five revoked-responder "$REVOKED_BARE" "not_vulnerable/vulnerable/REVOKED"
audit "revoked, by the responder: REVOKED names it and the reason" \
	"[f for f in d['findings'] if f['code'] == 'REVOKED' and 'keyCompromise' in f['summary'] and '127.0.0.1:$OCSP_PORT/ocsp' in f['detail']]"
audit "no staple, no must-staple: not vulnerable, not supported" \
	"$CHK('ocsp_stapling')['supported'] is False"
five revoked-offline "$REVOKED_BARE" "not_vulnerable/unknown/-" --offline
audit "--offline: revocation says it was skipped, and asked nothing" \
	"'--offline' in $CHK('revocation')['detail'] and $CHK('revocation')['connections'] == 0"

# neither URL: not applicable
five bare "$BARE" "not_vulnerable/not_applicable/-"

# the responder gone: the CRL still proves it; the failure names the host
kill "$OCSP_PID" 2>/dev/null; wait "$OCSP_PID" 2>/dev/null
run_audit crl-only "$REVOKED_BARE"
audit "responder down: the CRL proves REVOKED, with its reason" \
	"$CHK('revocation')['status'] == 'vulnerable' and [f for f in d['findings'] if f['code'] == 'REVOKED' and 'keyCompromise' in f['summary'] and 'crl.der' in f['detail']]"
audit "responder down: the detail names its host and why" \
	"'could not be fetched: 127.0.0.1' in $CHK('revocation')['detail']"
run_audit crl-good "$GOOD"
audit "responder down, good certificate: the CRL says not revoked" \
	"$CHK('revocation')['status'] == 'not_vulnerable' and 'REVOKED' not in codes"
kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null
run_audit none-up "$GOOD"
audit "neither URL answers: unknown, never vulnerable" \
	"$CHK('revocation')['status'] == 'unknown' and 'REVOKED' not in codes and '127.0.0.1' in $CHK('revocation')['detail']"
start_ocsp
python3 -m http.server --bind 127.0.0.1 --directory "$D" "$HTTP_PORT" \
	>"$T/http2.log" 2>&1 </dev/null &
srv_track $! "$T/http2.log"
wait_port "$HTTP_PORT"

# nginx staples the must-staple leaf's response from a file
if start_nginx "		ssl_certificate $D/staple.pem;
		ssl_certificate_key $D/staple.key;
		ssl_stapling on;
		ssl_stapling_file $D/staple.ocsp;"; then
	five nginx-staple "$NGINX_PORT" "not_vulnerable/not_vulnerable/-"
	audit "nginx: the must-staple leaf stapled, supported" \
		"$CHK('ocsp_stapling')['supported'] is True"
fi

# ---- client: a revoked certificate is a diagnosis ----
run_client client-revoked "127.0.0.1:$REVOKED_BARE" --ca "$D/ca.pem" \
	--expect-name localhost --no-sideband
expect "client: a revoked certificate is REVOKED" 1 REVOKED
expect_py "client: the verify stage fails and says revoked" \
	"[s for s in d['stages'] if s['name'] == 'verify' and s['status'] == 'fail' and 'revoked on' in s['detail']]"
run_client client-offline "127.0.0.1:$REVOKED_BARE" --ca "$D/ca.pem" \
	--expect-name localhost --no-sideband --offline
expect "client --offline: nothing asked, no REVOKED" 0 '!REVOKED'
expect_py "client --offline: the verify stage says so" \
	"[s for s in d['stages'] if s['name'] == 'verify' and '--offline' in s['detail']]"
run_client client-good "127.0.0.1:$GOOD" --ca "$D/ca.pem" \
	--expect-name localhost --no-sideband
expect "client: a good certificate, no REVOKED" 0 '!REVOKED'
expect_py "client: the verify stage says not revoked" \
	"[s for s in d['stages'] if s['name'] == 'verify' and 'not revoked' in s['detail']]"
# two days on, the responder's answer (nextUpdate: a day) is stale and
# proves nothing; the CRL (seven days) still does
LATER=$(($(date +%s) + 2 * 86400))
run_client client-later "127.0.0.1:$GOOD" --ca "$D/ca.pem" \
	--expect-name localhost --no-sideband --now "$LATER"
expect_py "client: a stale OCSP answer is not taken, the CRL is" \
	"[s for s in d['stages'] if s['name'] == 'verify' and 'stale' in s['detail'] and 'not revoked' in s['detail']]"
run_client client-untrusted "127.0.0.1:$REVOKED_BARE" \
	--expect-name localhost --no-sideband
expect "client: an untrusted chain's URLs are not fetched" 1 \
	UNKNOWN_CA '!REVOKED'

# ---- testssl.sh on the same servers ----
testssl_wait
testssl_is revoked OCSP_stapling offered
testssl_is revoked cert_ocspRevoked revoked
testssl_is must OCSP_stapling "not offered"
testssl_is must cert_mustStapleExtension \
	"extension detected but no OCSP stapling provided"
testssl_is revoked cert_ocspURL "http://127.0.0.1:$OCSP_PORT/ocsp"
testssl_is revoked cert_crlDistributionPoints \
	"http://127.0.0.1:$HTTP_PORT/crl.der"
# where the verdicts differ (docs/audit.md): another certificate's staple
# is "offered" to testssl.sh, with a wordless warning that its status
# could not be read; tlsprobe says OCSP_STAPLE_INVALID
testssl_is wrong OCSP_stapling offered
testssl_is wrong cert_ocspRevoked ""
