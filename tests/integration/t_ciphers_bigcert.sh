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

. "$TOP/tests/integration/captures.sh"

CIPHERS_LIMIT=60
DIR="$T/big"
mkdir -p "$DIR"
# mkbig NAME COUNT: $DIR/NAME.pem and .key, a self-signed EC leaf CN=NAME.test
# with COUNT DNS names; ends the test when openssl cannot make it.
mkbig() {
	python3 - "$DIR/$1.cnf" "$1" "$2" <<'PY'
import sys
path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    f.write("[req]\ndistinguished_name = dn\nprompt = no\n"
            "x509_extensions = ext\n[dn]\nCN = %s.test\n"
            "[ext]\nsubjectAltName = @alt\n[alt]\n" % name)
    for i in range(1, count + 1):
        f.write("DNS.%d = h%05d.%s.test\n" % (i, i, name))
PY
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$DIR/$1.key" -out "$DIR/$1.pem" -days 30 \
		-config "$DIR/$1.cnf" >"$DIR/$1.req.log" 2>&1; then
		not_ok "openssl req makes a certificate with $2 names"
		sed 's/^/#   /' "$DIR/$1.req.log"
		exit 1
	fi
}
mkbig big 10000
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
mkbig mid 4500
MID_BYTES=$(openssl x509 -in "$DIR/mid.pem" -outform der | wc -c)
check "the second leaf is over 64 KiB ($MID_BYTES bytes of DER)" \
	[ "$MID_BYTES" -gt 65536 ]
start_openssl_server -tls1_2 -cert "$DIR/mid.pem" -key "$DIR/mid.key"
if cap_start mid "tcp port $SRV_PORT"; then
	openssl s_client -connect "127.0.0.1:$SRV_PORT" </dev/null \
		>"$DIR/s_client.log" 2>&1
	cap_stop
	pcap_run mid "$CAP_FILE"
	pcap_expect "pcap: a Certificate over 64 KiB is read, its leaf listed" \
		'h["outcome"] == "established" and h["certificates"][0]["subject"] == "CN=mid.test" and "PROTOCOL_VIOLATION" not in [f["code"] for f in d["findings"]]'
	check "pcap: that capture exits 0 (got $PRC)" test "$PRC" = 0
fi
stop_servers
