#!/bin/sh
# tlsprobe server holds no connection past its deadline: a client that
# waits before its first byte and then trickles the rest is closed
# --timeout after it connected, whether it trickles a ClientHello or a
# side-channel hello (tlsprobe-server(1), "DEADLINES").
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key
TO=2

# trickle PORT KIND: connects, waits 1.2 s, sends the first 11 bytes of
# a ClientHello (KIND tls) or of a side-channel hello (sideband) and then
# a byte every 0.25 s until the server closes; prints the ms from
# connect to close.
trickle() {
	python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, first = int(sys.argv[1]), sys.argv[2]
head = bytes.fromhex("160301020001000200fc0303") if first == "tls" \
    else b"TLSPROBE/1 {\"type\": \"hello\""
s = socket.create_connection(("127.0.0.1", port))
t0 = time.monotonic()
s.settimeout(0.05)
def closed():
    try:
        return s.recv(4096) == b""
    except socket.timeout:
        return False
    except OSError:
        return True
end = t0 + 20
time.sleep(1.2)
try:
    s.sendall(head[:11])
    for i in range(11, 10000):
        if closed() or time.monotonic() > end:
            break
        s.sendall((head[i:i + 1] or b"0"))
        time.sleep(0.25)
except OSError:
    pass
print(int((time.monotonic() - t0) * 1000))
PY
}

for kind in tls sideband; do
	out="$T/$kind.out" err="$T/$kind.err"
	"$TP" server --listen 127.0.0.1:0 --cert "$PKI/server.pem" \
		--key "$PKI/server.key" --once --json --timeout $TO \
		>"$out" 2>"$err" </dev/null &
	pid=$!
	srv_track "$pid" "$err"
	if ! _srv_wait "$pid" "$err" 'listening on 127\.0\.0\.1:[0-9]+'; then
		_srv_failed_start "tlsprobe server" "$err"
		continue
	fi
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$err" | head -n 1)
	ms=$(trickle "$port" $kind)
	if [ "$ms" -le $((TO * 1000 + 500)) ]; then
		ok "a slow start, then a trickled $kind hello: closed within --timeout $TO ($ms ms after connecting)"
	else
		not_ok "a slow start, then a trickled $kind hello: closed within --timeout $TO ($ms ms after connecting)"
		sed 's/^/#   /' "$err" | head -n 5
	fi
	if [ $kind = tls ]; then
		wait "$pid"
		if python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if "HANDSHAKE_TIMEOUT" in [f["code"] for f in d["findings"]] else 1)' "$out" 2>/dev/null; then
			ok "the trickled ClientHello is reported as HANDSHAKE_TIMEOUT"
		else
			not_ok "the trickled ClientHello is reported as HANDSHAKE_TIMEOUT"
			head -c 600 "$out" | sed 's/^/#   /'; echo
		fi
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
