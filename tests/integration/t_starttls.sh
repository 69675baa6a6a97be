#!/bin/sh
# tlsprobe client --starttls against scripted STARTTLS servers on
# loopback: the prelude of every protocol, then TLS; and every way the
# prelude can fail, each reported as STARTTLS_FAILED.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key
CA1=$PKI/ca1.pem
PROTOS="smtp imap pop3 ftp xmpp postgres ldap"
STAGES="['dns', 'tcp', 'starttls', 'tls', 'verify']"
NAMES="[s['name'] for s in d['stages']]"
STAGE="{s['name']: s for s in d['stages']}"

# server PROTO MODE: a fresh scripted server (the previous one stopped).
server() {
	stop_servers
	start_starttls "$1" "$2" "$PKI/server.pem" "$PKI/server.key"
}

# failed NAME [PYTHON-EXPR]: the last run failed at the starttls stage
# with exactly STARTTLS_FAILED, tls and verify skipped, and EXPR holds.
failed() {
	expect "$1: exit 1, STARTTLS_FAILED" 1 STARTTLS_FAILED || return
	expect_py "$1: STARTTLS_FAILED is the only finding; starttls fails, tls and verify skipped" \
		"codes == ['STARTTLS_FAILED'] and $NAMES == $STAGES and \
		 [$STAGE[n]['status'] for n in ('starttls', 'tls', 'verify')] \
		 == ['fail', 'skipped', 'skipped']" || return
	if [ -n "${2:-}" ]; then
		expect_py "$1: the report says how" "$2"
	fi
}

# connections: how many connections the last server accepted.
connections() { grep -c 'connection from' "$STLS_LOG"; }

# ---- the prelude, then TLS ----

for p in $PROTOS; do
	server "$p" ok || continue
	run_client "ok-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	expect "$p ok: exit 0" 0 || continue
	expect_py "$p ok: stages dns, tcp, starttls, tls, verify, all ok" \
		"$NAMES == $STAGES and \
		 all(s['status'] == 'ok' for s in d['stages'])"
	expect_py "$p ok: a session and the server's certificate" \
		"d['session']['version'] and \
		 'localhost' in d['certificates'][0]['subject']"
	check "$p ok: one connection, no side channel on a STARTTLS port" \
		[ "$(connections)" -eq 1 ]
	if [ "$p" = xmpp ]; then
		check "xmpp ok: the stream is opened to the host" \
			grep -q "stream to b'127.0.0.1'" "$STLS_LOG"
	fi
done

# ---- refusals ----

for p in $PROTOS; do
	server "$p" nocap || continue
	run_client "nocap-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p without STARTTLS" "'refus' in d['findings'][0]['detail']"
done
server xmpp refuse &&
	run_client refuse-xmpp "127.0.0.1:$STLS_PORT" --starttls xmpp \
		--ca "$CA1" &&
	failed "xmpp <failure/>" "'failure' in $STAGE['starttls']['detail']"
for p in smtp ftp; do
	server "$p" busy || continue
	run_client "busy-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p 421" "'busy' in d['findings'][0]['summary'] and \
		'421' in d['findings'][0]['summary']"
done

# ---- closed, stalled, garbled ----

for p in $PROTOS; do
	server "$p" close || continue
	run_client "close-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p closed after the greeting" \
		"'closed the connection' in d['findings'][0]['summary']"

	server "$p" stall || continue
	run_client "stall-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" \
		--ca "$CA1" --timeout 1
	failed "$p stalled, --timeout 1" \
		"'timed out' in d['findings'][0]['detail']"
	check "$p stalled: the run ends within 3 s (took $MS ms)" \
		[ "$MS" -lt 3000 ]

	server "$p" garbage || continue
	run_client "garbage-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" \
		--ca "$CA1"
	failed "$p binary greeting" \
		"'not $p' in d['findings'][0]['summary'].lower()"
done

# a port that speaks TLS from the first byte sends no greeting
server smtp tls &&
	run_client tls-direct "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 1 &&
	failed "smtp asked of a TLS port" \
		"'drop --starttls' in d['findings'][0]['fix']"

# a handshake that stalls after the prelude: the retry on a connection
# with a small MSS goes through the prelude as well
server smtp tls-stall &&
	run_client tls-stall "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 1 &&
	expect "smtp, TLS stalls after the prelude: HANDSHAKE_TIMEOUT" 1 \
		HANDSHAKE_TIMEOUT '!STARTTLS_FAILED' &&
	expect_py "smtp, TLS stalls after the prelude: starttls ok, tls fails" \
		"$NAMES == $STAGES and $STAGE['starttls']['status'] == 'ok' \
		 and $STAGE['tls']['status'] == 'fail'"
check "smtp, TLS stalls: the retry connection ran the prelude too" \
	[ "$(grep -c "< b'EHLO tlsprobe.invalid" "$STLS_LOG")" -eq 2 ]
stop_servers

# ---- usage ----

"$TP" client 127.0.0.1:1 --starttls gopher >"$T/out" 2>"$T/err"; rc=$?
check "--starttls gopher: exit 2, one line naming it and the protocols, nothing on stdout" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] && \
	       grep -q \"'gopher'\" '$T/err' && \
	       grep -q 'smtp, imap, pop3, ftp, xmpp, postgres or ldap' '$T/err' && \
	       [ ! -s '$T/out' ]"
"$TP" client 127.0.0.1:1 --starttls >"$T/out" 2>"$T/err"; rc=$?
check "--starttls without a value: exit 2" [ "$rc" -eq 2 ]
