#!/bin/sh
# How many connections a cipher audit takes: the groups and signature
# schemes the suites' answers already showed are not asked again, a
# version refused with protocol_version is not asked again, and one TLS
# 1.2 hello asks for a group and a scheme at once. Each server's results
# in full (versions, suites in order, groups, their order, schemes), so
# that fewer connections never means less found; and an upper bound on
# the connections, below what the audit took before (in brackets).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

make_pki server.pem server.key server-ec.pem server-ec.key
RSA="-cert $PKI/server.pem -key $PKI/server.key"

# results: the last report's accepted versions, one line each
results() {
	python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["protocols"]:
    if p["accepted"]:
        print(p["version"], p["preference"],
              " ".join(c["id"] for c in p["ciphers"]),
              "groups:", " ".join(p["groups"]), p.get("group_preference"),
              "sigs:", " ".join(p.get("signature_algorithms") or []))
PY
}
# same NAME EXPECTED: one TAP line, the results are EXPECTED
same() {
	_got=$(results)
	if [ "$_got" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "$_got" | sed 's/^/#   got:  /'
		echo "$2" | sed 's/^/#   want: /'
	fi
}
conn() { json_get "$OUT" 'd["stats"]["connections"]'; }

# ---- openssl s_server, TLS 1.0 + 1.2, ten suites, its own order ----
start_openssl_server $RSA -no_ssl3 -no_tls1_1 -no_tls1_3 -serverpref \
	-groups 'X25519:P-256:X448:P-521:P-384' \
	-sigalgs 'RSA-PSS+SHA256:RSA-PSS+SHA384:RSA+SHA256:RSA+SHA384:RSA+SHA1' \
	-cipher 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:@SECLEVEL=0'
run_ciphers o10-12 127.0.0.1:$SRV_PORT
same "openssl TLS 1.0+1.2: every result as found one connection at a time" \
"TLS1.0 server 0xC014 0xC013 0x0033 0x0035 0x002F groups: x25519 secp256r1 x448 secp521r1 secp384r1 server sigs: 
TLS1.2 server 0xC030 0xC02F 0xC014 0xC013 0x009F 0x0033 0x009D 0x009C 0x0035 0x002F groups: x25519 secp256r1 x448 secp521r1 secp384r1 server sigs: rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pkcs1_sha256 rsa_pkcs1_sha384 rsa_pkcs1_sha1"
c=$(conn)
check "openssl TLS 1.0+1.2: at most 40 connections (were 46): $c" \
	test "$c" -le 40
stop_servers

# ---- gnutls-serv, TLS 1.3 + 1.2, the client's order ----
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" --priority \
	'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:-SIGN-ALL:+SIGN-RSA-SHA256:+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-PSS-RSAE-SHA384'
run_ciphers g13-12 127.0.0.1:$SRV_PORT
same "gnutls-serv TLS 1.3+1.2: every result as found one connection at a time" \
"TLS1.2 client 0x002F 0x0035 0x009C 0x009D 0xC013 0xC014 0xC02F 0xC030 0xC09C 0xC09D 0xCCA8 groups: x25519 secp256r1 secp384r1 client sigs: rsa_pkcs1_sha256 rsa_pss_rsae_sha256 rsa_pss_rsae_sha384
TLS1.3 client 0x1301 0x1302 0x1303 0x1304 groups: x25519 secp256r1 secp384r1 client sigs: rsa_pss_rsae_sha256 rsa_pss_rsae_sha384"
c=$(conn)
check "gnutls-serv TLS 1.3+1.2: at most 41 connections (were 44): $c" \
	test "$c" -le 41
stop_servers

# ---- openssl s_server, ECDSA P-256 key, TLS 1.2 + 1.3 ----
start_openssl_server -cert "$PKI/server-ec.pem" -key "$PKI/server-ec.key" \
	-no_ssl3 -no_tls1 -no_tls1_1 -groups 'P-256:X25519'
run_ciphers ecdsa 127.0.0.1:$SRV_PORT
same "openssl ECDSA: every result as found one connection at a time" \
"TLS1.2 client 0xC009 0xC00A 0xC023 0xC024 0xC02B 0xC02C 0xCCA9 groups: x25519 secp256r1 client sigs: ecdsa_sha224 ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512
TLS1.3 client 0x1301 0x1302 0x1303 groups: secp256r1 x25519 server sigs: ecdsa_secp256r1_sha256"
c=$(conn)
check "openssl ECDSA: at most 34 connections (were 37): $c" test "$c" -le 34
stop_servers

# ---- openssl s_server, TLS 1.2, DHE suites only ----
start_openssl_server $RSA -tls1_2 \
	-cipher 'DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-SHA'
run_ciphers dhe 127.0.0.1:$SRV_PORT
same "openssl DHE only: every result as found one connection at a time" \
"TLS1.2 client 0x0033 0x009E 0x009F groups:  indeterminate sigs: rsa_sha224 rsa_pkcs1_sha256 rsa_pkcs1_sha384 rsa_pkcs1_sha512 rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pss_rsae_sha512"
c=$(conn)
check "openssl DHE only: at most 20 connections (were 22): $c" test "$c" -le 20
