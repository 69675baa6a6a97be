#!/bin/sh
# A chain too large to send is refused at start-up (exit 2, one line
# naming the file and the size), by server, peer and client alike; a
# large chain that fits is still served. GnuTLS sends at most 128 KiB of
# handshake (the hellos included), far below the 2^24-1 bytes a
# Certificate message could hold on the wire.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

# bigcert NAME BYTES: a self-signed certificate for localhost carrying
# a private extension of BYTES zero bytes, and its key.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/big.key" 2>/dev/null
bigcert() {
	python3 - "$2" >"$T/$1.cnf" <<'PY'
import sys
n = int(sys.argv[1])
print("""[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = localhost
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
1.3.6.1.4.1.32473.1 = DER:0483%06x%s""" % (n, "00" * n))
PY
	openssl req -x509 -new -key "$T/big.key" -config "$T/$1.cnf" \
		-days 30 -out "$T/$1.pem" 2>"$T/$1.log"
}

# one_line_exit2 NAME FILE RC: the run exited 2 with exactly one line on
# stderr that names FILE and a size in bytes.
one_line_exit2() {
	_n=$(wc -l <"$T/err")
	if [ "$3" -eq 2 ] && [ "$_n" -eq 1 ] &&
		grep -qF "$2" "$T/err" && grep -qE '[0-9]{6} bytes' "$T/err"; then
		ok "$1: exit 2, one line naming the file and the size"
	else
		not_ok "$1: exit 2, one line naming the file and the size (exit $3, $_n lines)"
		sed 's/^/#   /' "$T/err"
	fi
}

# 140,000 bytes of extension: past the 131,072 GnuTLS can send
bigcert huge 140000
timeout 10 "$TP" server --listen 127.0.0.1:0 --cert "$T/huge.pem" \
	--key "$T/big.key" --once --timeout 2 >"$T/out" 2>"$T/err" </dev/null
one_line_exit2 "server --cert with a 140 kB chain" "$T/huge.pem" $?
check "server --cert with a 140 kB chain: nothing on stdout" [ ! -s "$T/out" ]

timeout 10 "$TP" peer --listen 127.0.0.1:0 --connect 127.0.0.1:9 \
	--cert "$T/huge.pem" --key "$T/big.key" --ca "$T/huge.pem" \
	--timeout 2 >"$T/out" 2>"$T/err" </dev/null
one_line_exit2 "peer --cert with a 140 kB chain" "$T/huge.pem" $?

port=$(free_port)
timeout 10 "$TP" client "127.0.0.1:$port" --cert "$T/huge.pem" \
	--key "$T/big.key" --timeout 2 >"$T/out" 2>"$T/err" </dev/null
one_line_exit2 "client --cert with a 140 kB chain" "$T/huge.pem" $?

# 120,000 bytes: large, and still sent whole
bigcert large 120000
P="$T/large-probe"
"$TP" server --listen 127.0.0.1:0 --cert "$T/large.pem" --key "$T/big.key" \
	--once --json --timeout 5 >"$P.out" 2>"$P.err" </dev/null &
PROBE_PID=$!
srv_track "$PROBE_PID" "$P.err"
if _srv_wait "$PROBE_PID" "$P.err" 'listening on 127\.0\.0\.1:[0-9]+'; then
	PROBE_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$P.err" | head -n 1)
	run_client large "localhost:$PROBE_PORT" -4 --ca "$T/large.pem" \
		--timeout 5
	expect "a 120 kB chain is served and received whole" 0 \
		'!TLS_HANDSHAKE_FAILED'
	expect_py "a 120 kB chain: the client holds the 120 kB certificate" \
		"len(d['certificates']) == 1"
else
	_srv_failed_start "tlsprobe server --cert large.pem" "$P.err"
fi
stop_servers
