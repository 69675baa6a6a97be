# Our own certificate, judged before we present it: a fault found then
# is a local warning while the far end accepts the certificate, and the
# diagnosis (side local, with the fix for our side) when it refuses it,
# never CLIENT_CERT_REJECTED's advice about the server's CAs.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key client.pem client.key other.key ca1.pem \
	ca1.key int1.pem int1.key client-ca2.pem client-ca2.key

# own NAME ISSUER TEMPLATE-LINES...: $T/own/NAME.pem and NAME.key,
# issued by ISSUER of the sample PKI, made now with certtool.
OWN="$T/own"
mkdir -p "$OWN"
own() {
	_o_name=$1 _o_issuer=$2
	shift 2
	: >"$OWN/$_o_name.tmpl"
	for _o_line in "$@"; do
		printf '%s\n' "$_o_line" >>"$OWN/$_o_name.tmpl"
	done
	if ! TZ=UTC certtool --generate-privkey --key-type ecdsa \
		--curve secp256r1 --no-text --outfile "$OWN/$_o_name.key" \
		>"$OWN/$_o_name.log" 2>&1 ||
	   ! TZ=UTC certtool --generate-certificate \
		--load-privkey "$OWN/$_o_name.key" \
		--load-ca-certificate "$PKI/$_o_issuer.pem" \
		--load-ca-privkey "$PKI/$_o_issuer.key" \
		--template "$OWN/$_o_name.tmpl" \
		--outfile "$OWN/$_o_name.pem" >>"$OWN/$_o_name.log" 2>&1; then
		not_ok "certtool makes $_o_name.pem"
		sed 's/^/#   /' "$OWN/$_o_name.log"
		exit 1
	fi
}
from='activation_date = "2024-01-01 00:00:00"'
until='expiration_date = "2044-01-01 00:00:00"'
own serverauth ca1 'cn = "client.test"' 'serial = 60' tls_www_server \
	signing_key "$from" "$until"
own expired ca1 'cn = "client.test"' 'serial = 61' tls_www_client \
	signing_key 'activation_date = "2019-01-01 00:00:00"' \
	'expiration_date = "2021-01-01 00:00:00"'
own notyet ca1 'cn = "client.test"' 'serial = 62' tls_www_client \
	signing_key 'activation_date = "2040-01-01 00:00:00"' \
	'expiration_date = "2045-01-01 00:00:00"'
own caleaf ca1 'cn = "client.test"' 'serial = 63' ca cert_signing_key \
	tls_www_client signing_key "$from" "$until"
own viaint int1 'cn = "client.test"' 'serial = 64' tls_www_client \
	signing_key "$from" "$until"
# a 1024-bit RSA key, under OpenSSL's default security level
if ! TZ=UTC certtool --generate-privkey --key-type rsa --bits 1024 \
	--no-text --outfile "$OWN/weak.key" >"$OWN/weak.log" 2>&1; then
	not_ok "certtool makes weak.key"
	exit 1
fi
: >"$OWN/weak.tmpl"
for line in 'cn = "client.test"' 'serial = 65' tls_www_client signing_key \
	encryption_key "$from" "$until"; do
	printf '%s\n' "$line" >>"$OWN/weak.tmpl"
done
if ! TZ=UTC certtool --generate-certificate --load-privkey "$OWN/weak.key" \
	--load-ca-certificate "$PKI/ca1.pem" --load-ca-privkey "$PKI/ca1.key" \
	--template "$OWN/weak.tmpl" --outfile "$OWN/weak.pem" \
	>>"$OWN/weak.log" 2>&1; then
	not_ok "certtool makes weak.pem"
	exit 1
fi
# the leaf, then the root, then the intermediate that issued the leaf
cat "$OWN/viaint.pem" "$PKI/ca1.pem" "$PKI/int1.pem" >"$OWN/misordered.pem"

# finding CODE SEVERITY PY-CONDITION-ON-f: the one finding CODE of the
# last run is side local, of SEVERITY, and meets the condition
finding() {
	expect_py "$1 is $2, side local: $3" \
		"[(f['severity'], f['side']) for f in d['findings'] if f['code'] == '$1'] == [('$2', 'local')] and all($3 for f in d['findings'] if f['code'] == '$1')"
}

# --- openssl s_server: -verify_return_error makes a fault fatal ---
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-Verify 1 -verify_return_error -CAfile "$PKI/ca1.pem" || exit 1

for v in TLS1.2 TLS1.3; do
	run_client "ossl-serverauth-$v" "localhost:$SRV_PORT" -4 \
		--ca "$PKI/ca1.pem" --cert "$OWN/serverauth.pem" \
		--key "$OWN/serverauth.key" \
		--priority "NORMAL:-VERS-ALL:+VERS-$v"
	expect "openssl, EKU serverAuth only, $v: BAD_KEY_USAGE, not CLIENT_CERT_REJECTED" 1 \
		BAD_KEY_USAGE '!CLIENT_CERT_REJECTED'
	finding BAD_KEY_USAGE error \
		"'clientAuth' in f['fix'] and 'CA' not in f['fix'] and 'unsupported_certificate' in f['summary']"
	expect_py "openssl, EKU serverAuth only, $v: the tls stage names the EKU" \
		"[s for s in d['stages'] if s['name'] == 'tls'][0]['detail'].find('clientAuth') >= 0"
done

run_client ossl-expired "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/expired.pem" --key "$OWN/expired.key"
expect "openssl, expired client certificate: CERT_EXPIRED" 1 \
	CERT_EXPIRED '!CLIENT_CERT_REJECTED'
finding CERT_EXPIRED error \
	"'2021-01-01' in f['fix'] and 'expired.pem' in f['fix'] and 'CA' not in f['fix']"

run_client ossl-notyet "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/notyet.pem" --key "$OWN/notyet.key"
expect "openssl, client certificate not yet valid: CERT_NOT_YET_VALID" 1 \
	CERT_NOT_YET_VALID '!CLIENT_CERT_REJECTED'
finding CERT_NOT_YET_VALID error \
	"'2040-01-01' in f['fix'] and 'bad_certificate' in f['summary']"

run_client ossl-mismatch "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$PKI/client.pem" --key "$PKI/other.key"
expect "openssl, key that is not the certificate's: KEY_MISMATCH" 1 \
	KEY_MISMATCH '!CLIENT_CERT_REJECTED'
finding KEY_MISMATCH error \
	"'--key' in f['fix'] and 'other.key' in f['summary'] and 'decrypt_error' in f['summary']"

run_client ossl-weak "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/weak.pem" --key "$OWN/weak.key"
expect "openssl, a 1024-bit RSA client key: WEAK_KEY" 1 \
	WEAK_KEY '!CLIENT_CERT_REJECTED'
finding WEAK_KEY error "'2048' in f['fix'] and 'RSA-1024' in f['summary']"

# faults the server lets pass: warnings, and the handshake goes through
run_client ossl-ca-leaf "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/caleaf.pem" --key "$OWN/caleaf.key"
expect "openssl, CA:TRUE leaf it accepts: BAD_KEY_USAGE warning, exit 0" 0 \
	BAD_KEY_USAGE
finding BAD_KEY_USAGE warning "'CA:FALSE' in f['fix']"
expect_py "openssl, CA:TRUE leaf: verdict warn" "d['verdict'] == 'warn'"

run_client ossl-misordered "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/misordered.pem" --key "$OWN/viaint.key"
expect "openssl, chain out of order it accepts: CHAIN_ORDER warning, exit 0" 0 \
	CHAIN_ORDER
finding CHAIN_ORDER warning \
	"'Intermediate 1' in f['fix'] and 'misordered.pem' in f['fix']"
expect_py "own chain: not listed as the server's certificates" \
	"all(c['subject'] != 'CN=client.test' for c in d['certificates'])"

run_client ossl-good "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$PKI/client.pem" --key "$PKI/client.key"
expect "openssl, a sound client certificate: no local finding, exit 0" 0
expect_py "a sound client certificate: nothing side local" \
	"all(f['side'] != 'local' for f in d['findings'])"
stop_servers

# --- gnutls-serv: no EKU check, access_denied for a failed verification ---
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" --require-client-cert \
	--verify-client-cert --x509cafile "$PKI/ca1.pem" || exit 1

run_client gnutls-serverauth "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/serverauth.pem" --key "$OWN/serverauth.key"
expect "gnutls-serv, EKU serverAuth only, accepted: BAD_KEY_USAGE warning, exit 0" 0 \
	BAD_KEY_USAGE '!CLIENT_CERT_REJECTED'
finding BAD_KEY_USAGE warning "'clientAuth' in f['fix']"

run_client gnutls-expired "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/expired.pem" --key "$OWN/expired.key"
expect "gnutls-serv, expired client certificate: CERT_EXPIRED" 1 \
	CERT_EXPIRED '!CLIENT_CERT_REJECTED'
finding CERT_EXPIRED error \
	"'2021-01-01' in f['fix'] and 'access_denied' in f['summary']"

run_client gnutls-notyet "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/notyet.pem" --key "$OWN/notyet.key"
expect "gnutls-serv, client certificate not yet valid: CERT_NOT_YET_VALID" 1 \
	CERT_NOT_YET_VALID '!CLIENT_CERT_REJECTED'
finding CERT_NOT_YET_VALID error "'2040-01-01' in f['fix']"

run_client gnutls-mismatch "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$PKI/client.pem" --key "$PKI/other.key"
expect "gnutls-serv, key that is not the certificate's: KEY_MISMATCH" 1 \
	KEY_MISMATCH '!CLIENT_CERT_REJECTED'
finding KEY_MISMATCH error "'--key' in f['fix']"

run_client gnutls-ca-leaf "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/caleaf.pem" --key "$OWN/caleaf.key"
expect "gnutls-serv, CA:TRUE leaf: BAD_KEY_USAGE warning, exit 0" 0 \
	BAD_KEY_USAGE
finding BAD_KEY_USAGE warning "'CA:FALSE' in f['fix']"

run_client gnutls-misordered "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$OWN/misordered.pem" --key "$OWN/viaint.key"
expect "gnutls-serv, chain out of order: CHAIN_ORDER warning, exit 0" 0 \
	CHAIN_ORDER
finding CHAIN_ORDER warning "'Intermediate 1' in f['fix']"
stop_servers

# a CA the server does not trust, with nothing wrong on our side: the
# refusal stays CLIENT_CERT_REJECTED with the advice about its CAs
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-Verify 1 -verify_return_error -CAfile "$PKI/ca1.pem" || exit 1
run_client ossl-ca2 "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$PKI/client-ca2.pem" --key "$PKI/client-ca2.key"
expect "openssl, a sound certificate from another CA: CLIENT_CERT_REJECTED" 1 \
	CLIENT_CERT_REJECTED
expect_py "another CA: nothing side local" \
	"all(f['side'] != 'local' for f in d['findings'])"
stop_servers

# --- tlsprobe server: its own chain judged at start ---
make_pki server-clientauth.pem server-clientauth.key server-expired.pem \
	server-expired.key

# own_server NAME: tlsprobe server --json with $PKI/NAME.pem and .key on
# 127.0.0.1, port 0; sets PROBE_PORT, PROBE_OUT, PROBE_ERR.
own_server() {
	start_tp_server --cert "$PKI/$1.pem" --key "$PKI/$1.key"
}

# server_line N CONDITION: the Nth JSON line of the server (within 5 s)
# meets the Python condition over d, the report, and f, its finding
# CODE (the third argument).
server_line() {
	_sl_i=0
	while [ "$(wc -l <"$PROBE_OUT")" -lt "$1" ] && [ $_sl_i -lt 250 ]; do
		sleep 0.02
		_sl_i=$((_sl_i + 1))
	done
	if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.loads(lines[int(sys.argv[2]) - 1])
fs = [f for f in d["findings"] if f["code"] == sys.argv[3]]
sys.exit(0 if len(fs) == 1 and eval(sys.argv[4], {"d": d, "f": fs[0]}) else 1)' \
		"$PROBE_OUT" "$1" "$3" "$2" 2>"$T/server_line.err"; then
		ok "$4"
	else
		not_ok "$4"
		echo "#   false: $2"
		sed 's/^/#   /' "$PROBE_OUT" "$T/server_line.err" | head -n 20
	fi
}

for c in clientauth:BAD_KEY_USAGE:serverAuth:unsupported_certificate \
	 expired:CERT_EXPIRED:2021-01-01:certificate_expired; do
	IFS=: read -r name code word alert <<EOT
$c
EOT
	own_server "server-$name" || exit 1
	if grep -q "^tlsprobe server: warning: $code: .*$word" "$PROBE_ERR"; then
		ok "server-$name.pem: a $code warning on stderr at start"
	else
		not_ok "server-$name.pem: a $code warning on stderr at start"
		sed 's/^/#   /' "$PROBE_ERR"
	fi
	# a client that checks the purpose and the dates refuses it
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
		-CAfile "$PKI/ca1.pem" -verify_return_error -purpose sslserver \
		>"$T/s_client-$name.log" 2>&1
	server_line 1 "d['verdict'] == 'fail' and f['severity'] == 'error' and f['side'] == 'local' and '$word' in f['fix'] and '$alert' in f['summary'] and 'CLIENT_CERT' not in str(d)" \
		"$code" "server-$name.pem, openssl s_client refuses it: the server's diagnosis is its own $code"
	# a tlsprobe client names the same fault on the server's side
	run_client "server-$name" "127.0.0.1:$PROBE_PORT" --ca "$PKI/ca1.pem" \
		--expect-name localhost
	expect "server-$name.pem: tlsprobe client sees $code" 1 "$code"
	expect_py "server-$name.pem: tlsprobe client's $code is side server" \
		"[f['side'] for f in d['findings'] if f['code'] == '$code'] == ['server']"
	server_line 2 "d['verdict'] == 'warn' and f['severity'] == 'warning' and f['side'] == 'local'" \
		"$code" "server-$name.pem, a client that lets it pass: $code a warning in the report"
	stop_servers
done

# --- tlsprobe peer: one chain, both roles judged ---
make_pki node-b.pem node-b.key
pa=$(free_port)
pb=$(free_port)
timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$pb" --connect "127.0.0.1:$pa" \
	--cert "$PKI/node-b.pem" --key "$PKI/node-b.key" --ca "$PKI/ca1.pem" \
	--timeout 3 --wait 8 --json >"$T/peer-b.json" 2>"$T/peer-b.err" \
	</dev/null &
peer_b=$!
timeout -k 2 30 "$TP" peer --listen "127.0.0.1:$pa" --connect "127.0.0.1:$pb" \
	--cert "$PKI/server-clientauth.pem" --key "$PKI/server-clientauth.key" \
	--ca "$PKI/ca1.pem" --timeout 3 --wait 8 --json >"$T/peer-a.json" \
	2>"$T/peer-a.err" </dev/null
wait "$peer_b"
OUT="$T/peer-a.json" ERR="$T/peer-a.err" LAST_ARGS="(peer with server-clientauth.pem)"
expect_py "peer, EKU clientAuth only: its server role finds BAD_KEY_USAGE in its own chain, side local" \
	"any(f['code'] == 'BAD_KEY_USAGE' and f['side'] == 'local' and f['summary'].startswith('as server: ') and 'serverAuth' in f['fix'] for f in d['findings'])"
expect_py "peer, EKU clientAuth only: its client role finds nothing in it (clientAuth is there)" \
	"not any(f['side'] == 'local' and not f['summary'].startswith('as server: ') for f in d['findings'])"
OUT="$T/peer-b.json" ERR="$T/peer-b.err"
expect_py "peer, the other node: sees BAD_KEY_USAGE on the server's side" \
	"any(f['code'] == 'BAD_KEY_USAGE' and f['side'] == 'server' for f in d['findings'])"
