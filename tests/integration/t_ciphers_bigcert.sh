#!/bin/sh
# tlsprobe ciphers against a stock openssl s_server whose leaf holds
# 10,000 names: its Certificate message is far over 64 KiB, which TLS
# allows (handshake messages up to 2^24-1 bytes, RFC 8446 section 4), and
# the audit must read past it as any client does. And tlsprobe pcap lists
# a certificate of over 64 KiB that openssl s_client took (4,500 names:
# s_client refuses a list over 100 KB).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

CIPHERS_LIMIT=60
DIR="$T/big"
mkdir -p "$DIR"
python3 - "$DIR/big.cnf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[req]\ndistinguished_name = dn\nprompt = no\n"
            "x509_extensions = ext\n[dn]\nCN = big.test\n"
            "[ext]\nsubjectAltName = @alt\n[alt]\n")
    for i in range(1, 10001):
        f.write("DNS.%d = h%05d.big.test\n" % (i, i))
PY
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout "$DIR/big.key" -out "$DIR/big.pem" -days 30 \
	-config "$DIR/big.cnf" >"$DIR/req.log" 2>&1; then
	not_ok "openssl req makes a certificate with 10,000 names"
	sed 's/^/#   /' "$DIR/req.log"
	exit 1
fi
DER_BYTES=$(openssl x509 -in "$DIR/big.pem" -outform der | wc -c)
check "the leaf is over 100 KB ($DER_BYTES bytes of DER)" \
	[ "$DER_BYTES" -gt 100000 ]

start_openssl_server -tls1_2 -cert "$DIR/big.pem" -key "$DIR/big.key"
run_ciphers big --timeout 5 127.0.0.1:$SRV_PORT
echo "# big certificate: $MS ms"
expect "a Certificate of over 100 KB: read, not a violation" 0 \
	'!PROTOCOL_VIOLATION' '!NO_SHARED_CIPHER' '!SCAN_INCOMPLETE' \
	'!HANDSHAKE_TIMEOUT'
audit "a Certificate of over 100 KB: TLS 1.2 only, its ECDSA suites found" \
	"accepted() == ['TLS1.2'] and '0xC02B' in acc('TLS1.2') and '0xC02C' in acc('TLS1.2')"
audit "a Certificate of over 100 KB: the groups found from its key exchange" \
	"'secp256r1' in groups('TLS1.2')"
audit "a Certificate of over 100 KB: the leaf is described" \
	"d['certificates'][0]['subject'] == 'CN=big.test' and d['certificates'][0]['key'] == 'EC-SECP256R1'"
stop_servers

# ---- pcap: a Certificate message over 64 KiB is read, its leaf listed ----
python3 - "$DIR/mid.cnf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[req]\ndistinguished_name = dn\nprompt = no\n"
            "x509_extensions = ext\n[dn]\nCN = mid.test\n"
            "[ext]\nsubjectAltName = @alt\n[alt]\n")
    for i in range(1, 4501):
        f.write("DNS.%d = h%05d.mid.test\n" % (i, i))
PY
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout "$DIR/mid.key" -out "$DIR/mid.pem" -days 30 \
	-config "$DIR/mid.cnf" >"$DIR/req2.log" 2>&1
MID_BYTES=$(openssl x509 -in "$DIR/mid.pem" -outform der | wc -c)
check "the second leaf is over 64 KiB ($MID_BYTES bytes of DER)" \
	[ "$MID_BYTES" -gt 65536 ]
start_openssl_server -tls1_2 -cert "$DIR/mid.pem" -key "$DIR/mid.key"
tcpdump -i lo -n -U --immediate-mode -Z root -w "$DIR/mid.pcap" \
	"tcp port $SRV_PORT" >"$DIR/tcpdump.log" 2>&1 &
DUMP_PID=$!
srv_track "$DUMP_PID" "$DIR/tcpdump.log"
if _srv_wait "$DUMP_PID" "$DIR/tcpdump.log" 'listening on'; then
	openssl s_client -connect "127.0.0.1:$SRV_PORT" </dev/null \
		>"$DIR/s_client.log" 2>&1
	sleep 0.3
	kill -INT "$DUMP_PID" 2>/dev/null
	wait "$DUMP_PID" 2>/dev/null
	OUT="$DIR/mid.json" ERR="$DIR/mid.err"
	"$TP" pcap "$DIR/mid.pcap" --json >"$OUT" 2>"$ERR"
	RC=$?
	LAST_ARGS="pcap mid.pcap"
	expect "pcap: a capture with a Certificate over 64 KiB: exit 0" 0 \
		'!PROTOCOL_VIOLATION'
	expect_py "pcap: the handshake is established and its leaf listed" \
		"(d['handshakes'][0]['outcome'] == 'established' and
		 d['handshakes'][0]['certificates'][0]['subject'] == 'CN=mid.test')"
else
	not_ok "tcpdump captures on lo"
fi
stop_servers
