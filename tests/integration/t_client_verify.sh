#!/bin/sh
# tlsprobe client verifying certificates as real servers send them: each
# problem of the sample PKI must come out as its own finding code, with
# the exit status its severity gives.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem ca1-bundle.pem server.pem server-ec.pem server-ca2.pem \
	server-selfsigned.pem server-wrongname.pem server-expired.pem \
	server-notyet.pem server-weakkey.pem server-sha1.pem \
	server-clientauth.pem node-a.pem server-int.pem server-int-chain.pem \
	server-int-gap.pem server-int-misordered.pem
CA1=$PKI/ca1.pem
ID_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
ID_B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02

# serve CERT [KEY]: gnutls-serv presenting $PKI/CERT.pem.
serve() {
	start_gnutls_serv --x509certfile "$PKI/$1.pem" \
		--x509keyfile "$PKI/${2:-$1}.key"
}

# serve_as_is FILE KEY: openssl s_server sending FILE's certificates in
# the file's order. gnutls-serv cannot: it sorts the chain it loads and
# drops certificates that do not chain (see the chain tests below).
serve_as_is() {
	pem_split "$PKI/$1.pem" "$T/$1.leaf.pem" "$T/$1.rest.pem"
	start_openssl_server -cert "$T/$1.leaf.pem" -key "$PKI/$2.key" \
		-cert_chain "$T/$1.rest.pem"
}

# mentions NAME REGEX: the findings with code NAME say REGEX.
mentions() {
	if finding_text "$OUT" "$1" | grep -qiE "$2"; then
		ok "$1 names $3"
	else
		not_ok "$1 names $3"
		echo "#   no match for /$2/ in its summary or detail"
		fail_context
	fi
}

# ---- trust ----

serve server-ca2
run_client unknown-ca "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf signed by ca2, client trusts ca1: UNKNOWN_CA" 1 \
	UNKNOWN_CA '!SELF_SIGNED'
stop_servers

serve server-selfsigned
run_client self-signed "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "self-signed leaf: SELF_SIGNED (the most specific code)" 1 \
	SELF_SIGNED '!UNKNOWN_CA'
stop_servers

# ---- names ----

serve server-wrongname
run_client wrongname "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "certificate for other.test dialled as localhost: NAME_MISMATCH" 1 \
	NAME_MISMATCH '!UNKNOWN_CA'
mentions NAME_MISMATCH 'other\.test' "what the certificate holds (other.test)"
stop_servers

serve server
run_client expect-name "localhost:$SRV_PORT" -4 --ca "$CA1" --expect-name other.test
expect "--expect-name other.test against the localhost certificate: NAME_MISMATCH" 1 \
	NAME_MISMATCH
mentions NAME_MISMATCH 'server\.test' "the certificate's names (server.test)"
stop_servers

# ---- dates ----

serve server-expired
run_client expired "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "expired leaf: CERT_EXPIRED" 1 CERT_EXPIRED '!CERT_NOT_YET_VALID' '!UNKNOWN_CA'
stop_servers

serve server-notyet
run_client notyet "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf valid only from the future: CERT_NOT_YET_VALID" 1 \
	CERT_NOT_YET_VALID '!CERT_EXPIRED' '!UNKNOWN_CA'
stop_servers

# ---- keys, signatures, usage ----

# GnuTLS 3.7 still trusts RSA-1024 with the NORMAL priority, so the
# handshake succeeds and the weak key is a warning: exit 0.
serve server-weakkey
run_client weakkey "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "RSA-1024 leaf: WEAK_KEY, a warning (exit 0)" 0 WEAK_KEY
expect_py "RSA-1024 leaf: verdict warn" "d['verdict'] == 'warn'"
stop_servers

serve server-ec
run_client eckey "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "EC P-256 leaf is not weak: exit 0, no WEAK_KEY" 0 '!WEAK_KEY'
stop_servers

# A SHA-1 signature on a leaf is an error whatever the priority string
# allows: browsers refuse it, and tlsprobe cert judges the same file the
# same way (one code, one severity, one exit status).
serve server-sha1
run_client sha1-allowed "localhost:$SRV_PORT" -4 --ca "$CA1" \
	--priority NORMAL:%VERIFY_ALLOW_SIGN_WITH_SHA1
expect "SHA-1 signed leaf, SHA-1 allowed by the priority: WEAK_SIGNATURE, exit 1" 1 \
	WEAK_SIGNATURE
expect_py "SHA-1 signed leaf, SHA-1 allowed: WEAK_SIGNATURE is an error on the server's side" \
	"[(f['severity'], f['side']) for f in d['findings'] if f['code'] == 'WEAK_SIGNATURE'] == [('error', 'server')]"
run_client sha1 "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "SHA-1 signed leaf, GnuTLS defaults refuse it: WEAK_SIGNATURE, exit 1" 1 \
	WEAK_SIGNATURE '!UNKNOWN_CA'
SHA1_CLIENT=$OUT SHA1_CLIENT_RC=$RC
"$TP" cert --json --cert "$PKI/server-sha1.pem" --ca "$CA1" \
	>"$T/sha1-cert.json" 2>"$T/sha1-cert.err"
SHA1_CERT_RC=$?
check "SHA-1 signed leaf: tlsprobe cert and client exit alike ($SHA1_CERT_RC, $SHA1_CLIENT_RC)" \
	test "$SHA1_CERT_RC" = 1 -a "$SHA1_CLIENT_RC" = 1
check "SHA-1 signed leaf: tlsprobe cert and client give WEAK_SIGNATURE one severity" \
	python3 -c '
import json, sys
def sev(path):
    return [f["severity"] for f in json.load(open(path))["findings"]
            if f["code"] == "WEAK_SIGNATURE"]
a, b = sev(sys.argv[1]), sev(sys.argv[2])
print("# cert:", a, "client:", b)
sys.exit(0 if a == b == ["error"] else 1)' "$T/sha1-cert.json" "$SHA1_CLIENT"
stop_servers

serve server-clientauth
run_client clientauth "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf with EKU clientAuth only: BAD_KEY_USAGE" 1 BAD_KEY_USAGE '!UNKNOWN_CA'
stop_servers

# ---- the peer's unique ID ----

serve node-a
run_client id-wrong "localhost:$SRV_PORT" -4 --ca "$CA1" --expect-id "$ID_B"
expect "node-a's certificate, --expect-id of node-b: PEER_ID_MISMATCH" 1 \
	PEER_ID_MISMATCH
mentions PEER_ID_MISMATCH "$ID_A" "the CN it found"
run_client id-right "localhost:$SRV_PORT" -4 --ca "$CA1" --expect-id "$ID_A"
expect "node-a's certificate, --expect-id of node-a: no PEER_ID_MISMATCH" 0 \
	'!PEER_ID_MISMATCH'
stop_servers

# ---- the chain as sent ----

# leaf + ca1 with int1 left out: the client holds ca1 and cannot reach it.
serve_as_is server-int-gap server-int
run_client chain-gap "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "chain leaf, ca1 (int1 missing): INCOMPLETE_CHAIN, exit 1" 1 INCOMPLETE_CHAIN
stop_servers

# Leaf only, but the client happens to hold int1: it verifies, yet other
# clients will not, so a warning.
serve server-int server-int
run_client chain-leafonly "localhost:$SRV_PORT" -4 --ca "$PKI/ca1-bundle.pem"
expect "leaf only, client holds int1: INCOMPLETE_CHAIN as a warning, exit 0" 0 \
	INCOMPLETE_CHAIN
expect_py "leaf only, client holds int1: INCOMPLETE_CHAIN has severity warning" \
	"[f['severity'] for f in d['findings'] if f['code'] == 'INCOMPLETE_CHAIN'] == ['warning']"
stop_servers

serve server-int-chain server-int
run_client chain-complete "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "complete chain leaf, int1: exit 0, no chain finding" 0 \
	'!INCOMPLETE_CHAIN' '!CHAIN_ORDER' '!UNKNOWN_CA'
stop_servers

serve_as_is server-int-misordered server-int
run_client chain-order "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "chain sent leaf, ca1, int1: CHAIN_ORDER, a warning (exit 0)" 0 \
	CHAIN_ORDER '!INCOMPLETE_CHAIN' '!UNKNOWN_CA'
stop_servers

# ---- several problems at once ----

serve server-expired
run_client several "localhost:$SRV_PORT" -4 --ca "$CA1" --expect-name other.test
expect "expired leaf and the wrong name: both CERT_EXPIRED and NAME_MISMATCH" 1 \
	CERT_EXPIRED NAME_MISMATCH
stop_servers
