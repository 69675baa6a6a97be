#!/bin/sh
# tlsprobe client against peers that are not (well-behaved) TLS servers:
# closed ports, other protocols, resets, silent closes, stalls, broken
# records and hostile banners; and one healthy handshake over IPv6.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

# ---- nothing listens ----

# free_port binds a socket, reads its port and closes it: nobody listens.
port=$(free_port)
run_client refused "127.0.0.1:$port" --timeout 2
expect "closed port: TCP_REFUSED" 1 TCP_REFUSED '!TCP_TIMEOUT' '!NOT_TLS'

# ---- other protocols on the port ----

# not_tls MODE REGEX WHAT ECHO: the fake MODE server must come out as
# NOT_TLS whose summary or detail names WHAT (REGEX, any case). The
# banner itself (ECHO), quoted as evidence, does not count as naming it.
not_tls() {
	start_fake "$1" || return
	run_client "not-tls-$1" "127.0.0.1:$FAKE_PORT" --timeout 2
	if expect "$3 on the port: NOT_TLS" 1 NOT_TLS '!HANDSHAKE_TIMEOUT'; then
		if finding_text "$OUT" NOT_TLS | python3 -c '
import re, sys
text = re.sub(sys.argv[2], "", sys.stdin.read())
sys.exit(0 if re.search(sys.argv[1], text, re.I) else 1)' "$2" "$4"; then
			ok "NOT_TLS names $3"
		else
			not_ok "NOT_TLS names $3"
			fail_context
		fi
	else
		not_ok "NOT_TLS names $3"
	fi
	stop_servers
}
not_tls ssh 'ssh' SSH 'SSH-2\.0-[^ |]*'
not_tls smtp 'smtp' SMTP 'mail\.test E?SMTP'
not_tls ftp '(^|[^s])ftp' FTP 'FTP server ready'
not_tls http 'http' HTTP 'HTTP/1\.1 400'

# ---- a banner of terminal escape sequences ----

# clean_output FILE: no ESC, BEL or other control byte (newline and tab
# aside) and no C1 control anywhere in FILE; for JSON, none in any
# decoded string either (JSON could spell them \u001b).
clean_output() {
	python3 - "$1" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
bad = sorted({b for b in raw if (b < 0x20 and b not in (9, 10)) or b == 0x7f})
text = raw.decode("utf-8", "replace")
bad += sorted({hex(ord(c)) for c in text if 0x80 <= ord(c) < 0xa0})
def walk(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
if sys.argv[1].endswith(".json"):
    for s in walk(json.loads(raw)):
        bad += sorted({hex(ord(c)) for c in s
                       if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0})
if bad:
    print("#   control characters in the output: %s" % bad)
    sys.exit(1)
EOF
}

start_fake escape
run_client escape "127.0.0.1:$FAKE_PORT" --timeout 2
expect "banner of escape sequences: NOT_TLS" 1 NOT_TLS
if clean_output "$OUT" && grep -q pwned "$OUT"; then
	ok "escape banner: shown, without a control character, in the JSON report"
else
	not_ok "escape banner: shown, without a control character, in the JSON report"
	fail_context
fi
timeout -k 2 "$CLIENT_LIMIT" "$TP" client -v "127.0.0.1:$FAKE_PORT" --timeout 2 \
	>"$T/escape.txt" 2>&1 </dev/null
rc=$?
if [ $rc -eq 1 ] && grep -q pwned "$T/escape.txt" && clean_output "$T/escape.txt"; then
	ok "escape banner: shown, without a control character, in the text report"
else
	not_ok "escape banner: shown, without a control character, in the text report"
	echo "#   exit status $rc (wanted 1); the output, escaped:"
	od -c "$T/escape.txt" | head -n 20 | sed 's/^/#     /'
fi
stop_servers

# ---- the server breaks off the handshake ----

start_fake reset
run_client reset "127.0.0.1:$FAKE_PORT" --timeout 2
expect "reset after the ClientHello: RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE '!TCP_REFUSED' '!PEER_CLOSED'
stop_servers

start_fake close
run_client close "127.0.0.1:$FAKE_PORT" --timeout 2
expect "FIN after the ClientHello, no alert: PEER_CLOSED" 1 \
	PEER_CLOSED '!RESET_DURING_HANDSHAKE' '!ALERT_RECEIVED'
stop_servers

start_fake stall
run_client stall "127.0.0.1:$FAKE_PORT" --timeout 1
expect "server never answers the ClientHello: HANDSHAKE_TIMEOUT" 1 \
	HANDSHAKE_TIMEOUT '!TCP_TIMEOUT'
if [ "$MS" -lt 2500 ]; then
	ok "stall with --timeout 1 ends within 2.5 s ($MS ms)"
else
	not_ok "stall with --timeout 1 ends within 2.5 s ($MS ms)"
fi
stop_servers

# The record header claims 65535 bytes, more than any TLS record may
# hold (RFC 8446 5.1); the server then keeps the line open, so a client
# that waits for the rest instead of judging the header stalls.
start_fake garbage-tls
run_client garbage "127.0.0.1:$FAKE_PORT" --timeout 3
expect "absurd TLS record length: exit 1, not a stall" 1 '!HANDSHAKE_TIMEOUT'
expect_py "absurd TLS record length: an error finding says why" \
	"[f for f in d['findings'] if f['severity'] == 'error']"
if [ "$MS" -lt 2500 ]; then
	ok "absurd TLS record length is judged at once ($MS ms, --timeout 3)"
else
	not_ok "absurd TLS record length is judged at once ($MS ms, --timeout 3)"
fi
stop_servers

# ---- IPv6 ----

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	make_pki ca1.pem server.pem server.key
	start_gnutls_serv --x509certfile "$PKI/server.pem" --x509keyfile "$PKI/server.key"
	wait_port "$SRV_PORT" ::1
	run_client ipv6 "[::1]:$SRV_PORT" --ca "$PKI/ca1.pem"
	expect "healthy handshake to [::1]: exit 0" 0
	expect_py "healthy handshake to [::1]: target and tcp stage are ::1, session up" \
		"d['target']['host'] == '::1' and d['session']['version'] and '::1' in ([s.get('remote') for s in d['stages'] if s['name'] == 'tcp'][0] or '')"
	stop_servers
else
	echo "# *** SKIPPING the IPv6 case: this machine has no ::1 ***" >&2
	skip "healthy handshake to [::1]" "no ::1 on this machine"
fi
