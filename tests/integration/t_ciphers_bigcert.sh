#!/bin/sh
# tlsprobe ciphers against a stock openssl s_server whose leaf holds
# 10,000 names: its Certificate message is far over 64 KiB, which TLS
# allows (handshake messages up to 2^24-1 bytes, RFC 8446 section 4), and
# the audit must read past it as any client does.
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
