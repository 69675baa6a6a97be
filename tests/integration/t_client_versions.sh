#!/bin/sh
# tlsprobe client against servers that speak only old protocol versions:
# a handshake that settles on TLS 1.0 or 1.1 works, but is no pass
# (WEAK_PROTOCOL, as tlsprobe ciphers judges it), and a client that
# offers only newer versions is told which ones the server speaks.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key
CA1=$PKI/ca1.pem
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
# Debian's OpenSSL refuses TLS 1.0 and 1.1 below security level 0
OLD="-cipher DEFAULT@SECLEVEL=0"

# weak_sev SEVERITY SIDE: the one WEAK_PROTOCOL finding has them
weak_is() {
	expect_py "$1" "[(f['severity'], f['side']) for f in d['findings'] if f['code'] == 'WEAK_PROTOCOL'] == [('$2', '$3')]"
}

# ---- an old version negotiated ----
for v in 1.0 1.1; do
	start_gnutls_serv $GSRV --priority "NORMAL:-VERS-ALL:+VERS-TLS$v"
	run_client weak-gnutls-$v "localhost:$SRV_PORT" -4 --ca "$CA1"
	expect "gnutls-serv TLS $v only: WEAK_PROTOCOL, exit 0" 0 WEAK_PROTOCOL \
		'!PROTOCOL_VERSION_MISMATCH'
	expect_py "gnutls-serv TLS $v only: session TLS$v, verdict warn" \
		"d['session']['version'] == 'TLS$v' and d['verdict'] == 'warn'"
	weak_is "gnutls-serv TLS $v only: a warning on the server's side" \
		warning server
	if finding_text "$OUT" WEAK_PROTOCOL | grep -q "TLS$v"; then
		ok "gnutls-serv TLS $v only: WEAK_PROTOCOL names TLS$v"
	else
		not_ok "gnutls-serv TLS $v only: WEAK_PROTOCOL names TLS$v"
		fail_context
	fi
	stop_servers
done

start_openssl_server $OSRV -tls1 $OLD
run_client weak-openssl-1.0 "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "openssl s_server -tls1: WEAK_PROTOCOL, exit 0" 0 WEAK_PROTOCOL
weak_is "openssl s_server -tls1: a warning on the server's side" warning server
stop_servers

# our own priority held the version down: the fix is on our side
start_gnutls_serv $GSRV --priority "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.2"
run_client weak-ours "localhost:$SRV_PORT" -4 --ca "$CA1" \
	--priority "NORMAL:-VERS-ALL:+VERS-TLS1.0"
expect "client TLS 1.0 only, server up to 1.2: WEAK_PROTOCOL, exit 0" 0 \
	WEAK_PROTOCOL
weak_is "client TLS 1.0 only: WEAK_PROTOCOL on the client's side" warning client
stop_servers

# ---- a modern version: nothing to say ----
start_gnutls_serv $GSRV --priority "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.2"
run_client modern "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "server TLS 1.0 and 1.2: TLS 1.2, no WEAK_PROTOCOL, exit 0" 0 \
	'!WEAK_PROTOCOL'
stop_servers

# ---- no version in common: what the server speaks, and whose fix ----
# mismatch NAME SPEAKS SIDE FIXWORD: PROTOCOL_VERSION_MISMATCH names
# "speaks only SPEAKS", is on SIDE, and its fix says FIXWORD
mismatch() {
	expect "$1: PROTOCOL_VERSION_MISMATCH" 1 PROTOCOL_VERSION_MISMATCH \
		'!NO_SHARED_CIPHER' '!WEAK_PROTOCOL'
	expect_py "$1: the server speaks only $2, on the $3's side" \
		"[(('speaks only $2,' in f['summary']), f['side']) for f in d['findings'] if f['code'] == 'PROTOCOL_VERSION_MISMATCH'] == [(True, '$3')]"
	expect_py "$1: the fix says '$4'" \
		"[f for f in d['findings'] if f['code'] == 'PROTOCOL_VERSION_MISMATCH' and '$4' in f['fix']]"
}
MODERN="NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"

start_gnutls_serv $GSRV --priority "NORMAL:-VERS-ALL:+VERS-TLS1.0"
run_client mismatch-gnutls-1.0 "localhost:$SRV_PORT" -4 --ca "$CA1" \
	--priority "$MODERN"
mismatch "gnutls-serv TLS 1.0 only, client TLS 1.2/1.3" TLS1.0 server \
	"enable TLS 1.2 and TLS 1.3 there"
stop_servers

start_openssl_server $OSRV -tls1 $OLD
run_client mismatch-openssl-1.0 "localhost:$SRV_PORT" -4 --ca "$CA1" \
	--priority "$MODERN"
mismatch "openssl s_server -tls1, client TLS 1.2/1.3" TLS1.0 server \
	"enable TLS 1.2 and TLS 1.3 there"
stop_servers

start_openssl_server $OSRV -tls1_3
run_client mismatch-openssl-1.3 "localhost:$SRV_PORT" -4 --ca "$CA1" \
	--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2"
mismatch "openssl s_server -tls1_3, client TLS 1.2 only" TLS1.3 client \
	"--priority NORMAL"
stop_servers
