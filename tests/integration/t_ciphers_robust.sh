#!/bin/sh
# tlsprobe ciphers against servers that misbehave: each run ends with a
# clear finding in bounded time, never a hang or a crash.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

CIPHERS_LIMIT=20

start_fake reset
run_ciphers reset 127.0.0.1:$FAKE_PORT --timeout 2
expect "a server that resets every hello: RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE '!SCAN_INCOMPLETE'
audit "resets: nothing accepted, no grade" \
	"accepted() == [] and d['grade'] is None"

start_fake garbage-tls
run_ciphers garbage 127.0.0.1:$FAKE_PORT --timeout 2
expect "an impossible record length: PROTOCOL_VIOLATION" 1 PROTOCOL_VIOLATION

start_fake bad-suite
run_ciphers badsuite 127.0.0.1:$FAKE_PORT --timeout 2
expect "a ServerHello for a suite never offered: PROTOCOL_VIOLATION" 1 \
	PROTOCOL_VIOLATION
# TLS 1.2 from every hello is a violation too where the hello offered
# older versions only: which one is seen first is timing, so the
# finding names every one it saw
audit "bad suite: the finding names the suite" \
	"any('0x0000' in f['summary'] + ' ' + (f['detail'] or '') for f in d['findings'] if f['code'] == 'PROTOCOL_VIOLATION')"

start_fake hrr
run_ciphers hrr 127.0.0.1:$FAKE_PORT --timeout 2
expect "HelloRetryRequest for everything: PROTOCOL_VIOLATION" 1 \
	PROTOCOL_VIOLATION
echo "# hrr: $MS ms, $(json_get "$OUT" 'd["stats"]')"

start_fake smtp
run_ciphers smtp 127.0.0.1:$FAKE_PORT --timeout 2
expect "an SMTP banner: NOT_TLS" 1 NOT_TLS

start_fake stall
run_ciphers stall 127.0.0.1:$FAKE_PORT --timeout 1
expect "a server that never answers: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
if [ "$MS" -lt 6000 ]; then
	ok "a silent server costs a few --timeout periods, not one per suite ($MS ms)"
else
	not_ok "a silent server costs a few --timeout periods, not one per suite ($MS ms)"
fi

start_fake close
run_ciphers close 127.0.0.1:$FAKE_PORT --timeout 2
expect "a server that closes on every hello: NO_SHARED_CIPHER" 1 \
	NO_SHARED_CIPHER

PORT=$(free_port)
run_ciphers refused 127.0.0.1:$PORT
expect "a closed port: TCP_REFUSED" 1 TCP_REFUSED
audit "closed port: one connection, no probe" \
	"d['stats']['connections'] == 1"

make_pki server.pem server.key
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key"
run_ciphers budget 127.0.0.1:$SRV_PORT --budget 6
expect "--budget 6: SCAN_INCOMPLETE, and it stops there" 0 SCAN_INCOMPLETE
audit "--budget 6: at most 6 connections" \
	"d['stats']['connections'] <= 6"
stop_servers
