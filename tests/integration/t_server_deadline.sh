#!/bin/sh
# tlsprobe server holds no connection past its deadline: a client that
# waits before its first byte and then trickles the rest is closed
# --timeout after it connected, whether it trickles a ClientHello or a
# side-channel hello, and --timeout after its welcome when it trickles
# the claim that may follow (tlsprobe-server(1), "DEADLINES").
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key
TO=2

# trickle PORT KIND: connects, waits 1.2 s, sends the first 11 bytes of
# a ClientHello (KIND tls) or of a side-channel hello (sideband) and then
# a byte every 0.25 s until the server closes; prints the ms from
# connect to close. KIND claim: a whole hello first, and the same with a
# claim from when the welcome came.
trickle() {
	python3 - "$1" "$2" <<'PY'
import hashlib, hmac, json, socket, sys, time
port, first = int(sys.argv[1]), sys.argv[2]
head = bytes.fromhex("160301020001000200fc0303") if first == "tls" \
    else b"TLSPROBE/1 {\"type\": \"hello\""
s = socket.create_connection(("127.0.0.1", port))
t0 = time.monotonic()
if first == "claim":
    key = bytes(32)
    mark = hashlib.sha256(key).digest()[:16]
    mark += hmac.new(b"TLSPROBE/1 client mark", mark,
                     hashlib.sha256).digest()[:16]
    s.sendall(b"TLSPROBE/1 " + json.dumps(
        {"type": "hello", "version": "0", "unique_id": None,
         "local": "127.0.0.1:1", "dialled": "127.0.0.1:2",
         "client_random": mark.hex(), "key": key.hex()}).encode() + b"\n")
    s.settimeout(5)
    welcome = b""
    while not welcome.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("no welcome")
        welcome += chunk
    t0 = time.monotonic()
    head = b"TLSPROBE/1 " + json.dumps(
        {"type": "claim", "signature": "00" * 64}).encode() + b"\n"
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

for kind in tls sideband claim; do
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
	what="a slow start, then a trickled $kind hello: closed within --timeout $TO ($ms ms after connecting)"
	[ $kind = claim ] && what="a welcome, a slow start, then a trickled claim: closed within --timeout $TO ($ms ms after the welcome)"
	if [ -n "$ms" ] && [ "$ms" -le $((TO * 1000 + 500)) ]; then
		ok "$what"
	else
		not_ok "$what"
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
