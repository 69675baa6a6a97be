#!/bin/sh
# tlsprobe client against real TLS servers (gnutls-serv, openssl
# s_server) on loopback: healthy handshakes, the key log, and every
# handshake failure the TLS layer itself can cause.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key client.pem client-ca2.pem node-a.pem
CA1=$PKI/ca1.pem
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
ONLY12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
ONLY13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
NOERROR='not [f for f in d["findings"] if f["severity"] == "error"]'

# ---- healthy handshakes ----

# healthy SERVER VERSION: one clean handshake; the report must say so.
healthy() {
	_what="$1 TLS$2"
	expect "healthy $_what: exit 0" 0
	echo "# wall time, healthy $_what: $MS ms"
	expect_py "healthy $_what: verdict pass, no error finding" \
		"d['verdict'] == 'pass' and $NOERROR"
	expect_py "healthy $_what: session TLS$2 with a cipher" \
		"d['session']['version'] == 'TLS$2' and d['session']['cipher']"
	expect_py "healthy $_what: leaf certificate is localhost's" \
		"'localhost' in d['certificates'][0]['subject']"
}

# keylog_matches VERSION LABEL CLIENT_FILE SERVER_FILE: the client wrote
# NSS key log lines, with LABEL among them, that equal the server's.
keylog_matches() {
	_kl="key log, TLS$1"
	if ! grep -qE "^$2 [0-9a-f]{64} [0-9a-f]{64,}\$" "$3" 2>/dev/null; then
		not_ok "$_kl: --keylog writes $2 lines"
		echo "#   $3:"; sed 's/^/#     /' "$3" 2>/dev/null | head -n 8
		return
	fi
	ok "$_kl: --keylog writes $2 lines"
	# GnuTLS on the server side wrote its own key log (SSLKEYLOGFILE):
	# every secret the client logged must be the one the server used.
	_bad=$(grep -vxF -f "$4" "$3")
	if [ -z "$_bad" ] && [ -s "$4" ]; then
		ok "$_kl: secrets agree with the server's"
	else
		not_ok "$_kl: secrets agree with the server's"
		echo "#   client lines the server does not have:"
		echo "$_bad" | sed 's/^/#     /'
	fi
}

for v in 1.2 1.3; do
	prio=$ONLY12; [ $v = 1.3 ] && prio=$ONLY13
	SSLKEYLOGFILE="$T/server-keylog-$v"; export SSLKEYLOGFILE
	start_gnutls_serv $GSRV --priority "$prio"
	unset SSLKEYLOGFILE
	run_client healthy-gnutls-$v "localhost:$SRV_PORT" -4 --ca "$CA1" \
		--keylog "$T/client-keylog-$v"
	healthy gnutls-serv $v
	label=CLIENT_RANDOM; [ $v = 1.3 ] && label=CLIENT_HANDSHAKE_TRAFFIC_SECRET
	keylog_matches $v $label "$T/client-keylog-$v" "$T/server-keylog-$v"
	check "TLS$v: the key log is readable by its owner only" \
		test "$(stat -c %a "$T/client-keylog-$v")" = 600
	stop_servers

	opt=-tls1_2; [ $v = 1.3 ] && opt=-tls1_3
	start_openssl_server $OSRV $opt
	run_client healthy-openssl-$v "localhost:$SRV_PORT" -4 --ca "$CA1"
	healthy "openssl s_server" $v
	stop_servers
done

# ---- no protocol version in common ----
# gnutls-serv answers a version it does not speak with handshake_failure,
# openssl s_server with protocol_version: both must be diagnosed.

start_gnutls_serv $GSRV --priority "$ONLY13"
run_client vers-gnutls-13 "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$ONLY12"
expect "gnutls-serv TLS 1.3 only, client TLS 1.2 only: PROTOCOL_VERSION_MISMATCH" 1 \
	PROTOCOL_VERSION_MISMATCH '!NO_SHARED_CIPHER'
stop_servers

start_gnutls_serv $GSRV --priority "$ONLY12"
run_client vers-gnutls-12 "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$ONLY13"
expect "gnutls-serv TLS 1.2 only, client TLS 1.3 only: PROTOCOL_VERSION_MISMATCH" 1 \
	PROTOCOL_VERSION_MISMATCH '!NO_SHARED_CIPHER'
stop_servers

start_openssl_server $OSRV -tls1_3
run_client vers-openssl-13 "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$ONLY12"
expect "openssl TLS 1.3 only, client TLS 1.2 only: PROTOCOL_VERSION_MISMATCH" 1 \
	PROTOCOL_VERSION_MISMATCH '!NO_SHARED_CIPHER'
stop_servers

start_openssl_server $OSRV -tls1_2
run_client vers-openssl-12 "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$ONLY13"
expect "openssl TLS 1.2 only, client TLS 1.3 only: PROTOCOL_VERSION_MISMATCH" 1 \
	PROTOCOL_VERSION_MISMATCH '!NO_SHARED_CIPHER'
stop_servers

# ---- no cipher suite in common (TLS 1.2 both) ----

CHACHA12="NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305:-VERS-ALL:+VERS-TLS1.2"
start_gnutls_serv $GSRV --priority "NORMAL:-CIPHER-ALL:+AES-256-GCM:-VERS-ALL:+VERS-TLS1.2"
run_client cipher-gnutls "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$CHACHA12"
expect "gnutls-serv AES-256-GCM only, client ChaCha20 only: NO_SHARED_CIPHER" 1 \
	NO_SHARED_CIPHER '!PROTOCOL_VERSION_MISMATCH'
stop_servers

start_openssl_server $OSRV -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
run_client cipher-openssl "localhost:$SRV_PORT" -4 --ca "$CA1" --priority "$CHACHA12"
expect "openssl AES-256-GCM only, client ChaCha20 only: NO_SHARED_CIPHER" 1 \
	NO_SHARED_CIPHER '!PROTOCOL_VERSION_MISMATCH'
stop_servers

# ---- the server wants a client certificate, none is sent ----
# In TLS 1.3 the client's handshake is over before the server's alert
# arrives: the client must still read it.

for v in 1.2 1.3; do
	prio=$ONLY12; [ $v = 1.3 ] && prio=$ONLY13
	start_gnutls_serv $GSRV --priority "$prio" --require-client-cert --x509cafile "$CA1"
	run_client certreq-gnutls-$v "localhost:$SRV_PORT" -4 --ca "$CA1"
	expect "gnutls-serv requires a client certificate, TLS $v: CLIENT_CERT_REQUIRED" 1 \
		CLIENT_CERT_REQUIRED '!CLIENT_CERT_REJECTED'
	stop_servers

	opt=-tls1_2; [ $v = 1.3 ] && opt=-tls1_3
	start_openssl_server $OSRV $opt -Verify 1 -CAfile "$CA1"
	run_client certreq-openssl-$v "localhost:$SRV_PORT" -4 --ca "$CA1"
	expect "openssl -Verify 1, TLS $v: CLIENT_CERT_REQUIRED" 1 \
		CLIENT_CERT_REQUIRED '!CLIENT_CERT_REJECTED'
	stop_servers
done

# ---- the server refuses our certificate (ca2; it trusts only ca1) ----
# The alert is about our certificate, not the server's chain: UNKNOWN_CA
# would send the reader the wrong way.

CA2CERT="--cert $PKI/client-ca2.pem --key $PKI/client-ca2.key"
for v in 1.2 1.3; do
	prio=$ONLY12; [ $v = 1.3 ] && prio=$ONLY13
	start_gnutls_serv $GSRV --priority "$prio" --require-client-cert \
		--verify-client-cert --x509cafile "$CA1"
	run_client certrej-gnutls-$v "localhost:$SRV_PORT" -4 --ca "$CA1" $CA2CERT
	expect "gnutls-serv refuses a ca2 client certificate, TLS $v: CLIENT_CERT_REJECTED" 1 \
		CLIENT_CERT_REJECTED '!CLIENT_CERT_REQUIRED' '!UNKNOWN_CA'
	stop_servers

	opt=-tls1_2; [ $v = 1.3 ] && opt=-tls1_3
	start_openssl_server $OSRV $opt -Verify 1 -CAfile "$CA1" -verify_return_error
	run_client certrej-openssl-$v "localhost:$SRV_PORT" -4 --ca "$CA1" $CA2CERT
	expect "openssl refuses a ca2 client certificate, TLS $v: CLIENT_CERT_REJECTED" 1 \
		CLIENT_CERT_REJECTED '!CLIENT_CERT_REQUIRED' '!UNKNOWN_CA'
	stop_servers
done

# ---- a fatal alert no more specific code covers ----

start_gnutls_serv $GSRV --sni-hostname other.test --sni-hostname-fatal
run_client alert-sni "localhost:$SRV_PORT" -4 --ca "$CA1"
if expect "gnutls-serv refuses SNI localhost: ALERT_RECEIVED" 1 ALERT_RECEIVED; then
	if finding_text "$OUT" ALERT_RECEIVED | grep -qiE 'unrecognized[_ ]name'; then
		ok "ALERT_RECEIVED names the alert unrecognized_name"
	else
		not_ok "ALERT_RECEIVED names the alert unrecognized_name"
		fail_context
	fi
else
	not_ok "ALERT_RECEIVED names the alert unrecognized_name"
fi
stop_servers

# ---- mutual authentication that works ----
# The server's own log must show it verified node-a: a client that sends
# nothing and leaves before a TLS 1.3 alert would otherwise pass.

NODEA="--cert $PKI/node-a.pem --key $PKI/node-a.key"
NODEA_CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
start_gnutls_serv $GSRV --require-client-cert --verify-client-cert --x509cafile "$CA1"
run_client mutual-gnutls "localhost:$SRV_PORT" -4 --ca "$CA1" $NODEA
expect "mutual authentication with node-a to gnutls-serv: exit 0" 0 \
	'!CLIENT_CERT_REQUIRED' '!CLIENT_CERT_REJECTED'
expect_py "mutual authentication to gnutls-serv: no error finding" "$NOERROR"
if log_waits "$SRV_LOG" "Subject: CN=$NODEA_CN" &&
	log_waits "$SRV_LOG" "Status: The certificate is trusted"; then
	ok "gnutls-serv received and trusted node-a's certificate"
else
	not_ok "gnutls-serv received and trusted node-a's certificate"
	fail_context
fi
stop_servers

start_openssl_server $OSRV -Verify 1 -CAfile "$CA1" -verify_return_error
run_client mutual-openssl "localhost:$SRV_PORT" -4 --ca "$CA1" $NODEA
expect "mutual authentication with node-a to openssl s_server: exit 0" 0 \
	'!CLIENT_CERT_REQUIRED' '!CLIENT_CERT_REJECTED'
if log_waits "$SRV_LOG" "depth=0 CN ?= ?$NODEA_CN"; then
	ok "openssl s_server received node-a's certificate"
else
	not_ok "openssl s_server received node-a's certificate"
	fail_context
fi
stop_servers

# ---- a HelloRetryRequest ----

# The server takes secp384r1 only; GnuTLS's ClientHello carries key
# shares for x25519 and secp256r1 first, so the server must ask again.
# The message that asks is a HelloRetryRequest in the handshake ladder
# and in the packet timeline, never a bare GnuTLS number.
start_gnutls_serv $GSRV --priority "NORMAL:-GROUP-ALL:+GROUP-SECP384R1"
if [ "$(id -u)" -eq 0 ]; then hrr_cap=--capture; else hrr_cap=; fi
run_client hrr "localhost:$SRV_PORT" -4 --ca "$CA1" $hrr_cap
expect "HelloRetryRequest to secp384r1: exit 0" 0
expect_py "HelloRetryRequest: the ladder names it, in, between the ClientHellos" \
	"[m['message'] for m in d['handshake'][:4]] == ['ClientHello', 'HelloRetryRequest', 'ClientHello', 'ServerHello'] and d['handshake'][1]['dir'] == 'in'"
expect_py "HelloRetryRequest: no message is a bare handshake type" \
	"not [m for m in d['handshake'] if 'handshake type' in m['message']]"
expect_py "HelloRetryRequest: the session's group is secp384r1" \
	"d['session']['group'] == 'secp384r1'"
if [ -n "$hrr_cap" ]; then
	# the middlebox ChangeCipherSpec after it starts no encryption
	expect_py "HelloRetryRequest: the packet timeline names it, then the ServerHello in the clear" \
		"[m for p in d['packets'] for m in (p.get('tls') or '').split(', ') if m in ('HelloRetryRequest', 'ServerHello', 'EncryptedHandshake')] == ['HelloRetryRequest', 'ServerHello']"
else
	skip "HelloRetryRequest in the packet timeline" "--capture needs root"
fi
stop_servers
