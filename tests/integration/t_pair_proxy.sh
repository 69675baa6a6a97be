# A TLS-terminating proxy that holds the server's own certificate and key
# (a load balancer, say): the client receives the very certificate the
# server sends, yet the tlsprobe server saw another ClientHello. Only the
# exchange inside TLS can tell: TLS_INTERCEPTED. The proxy's own
# ServerHello does not answer the mark, so the client asks only when
# told to (--paired).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key

SP=$(free_port)
"$TP" server --listen "127.0.0.1:$SP" --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --json >"$T/server.jsonl" 2>"$T/server.err" \
	</dev/null &
srv_track $! "$T/server.err"
wait_port "$SP" || { not_ok "tlsprobe server starts"; exit 1; }

start_ready proxy python3 "$TOP/tests/integration/proxy_server.py" tls-relay \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --backend "$SP" ||
	{ not_ok "the terminating proxy starts"; exit 1; }
PP=$READY_PORT

# unasked, the client says nothing but TLS to what looks like a plain
# server
run_client unasked "localhost:$PP" -4 --ca "$PKI/ca1.pem" --timeout 3
expect "terminating proxy, not --paired: nothing is asked" 0 \
	'!TLS_INTERCEPTED'
expect_py "terminating proxy, not --paired: no far side, for want of a mark" \
	"d['peer_report'] is None and 'no mark answered' in [s for s in d['stages'] if s['name'] == 'sideband'][0]['detail']"

run_client proxied "localhost:$PP" -4 --ca "$PKI/ca1.pem" --timeout 3 \
	--paired
expect "terminating proxy with the server's own key: TLS_INTERCEPTED" 1 \
	TLS_INTERCEPTED '!UNKNOWN_CA' '!NAME_MISMATCH'
expect_py "TLS_INTERCEPTED says the server saw another ClientHello, with both randoms" \
	"[f for f in d['findings'] if f['code'] == 'TLS_INTERCEPTED' and 'another ClientHello' in f['summary'] and len([w for w in (f.get('detail') or '').split() if len(w.strip(',:')) == 64]) >= 2]"
expect_py "the far side answered inside TLS: peer_report present, the same leaf" \
	"d['peer_report'] is not None and d['peer_report']['sent_sha256'][0] == d['certificates'][0]['sha256']"

# the same server without the proxy: no interception
run_client direct "localhost:$SP" -4 --ca "$PKI/ca1.pem" --timeout 3
expect "the same server, direct: exit 0, no TLS_INTERCEPTED" 0 '!TLS_INTERCEPTED'
expect_py "the same server, direct: the mark is answered and the far side compared" \
	"d['peer_report'] is not None and d['peer_report']['sent_sha256'][0] == d['certificates'][0]['sha256']"
