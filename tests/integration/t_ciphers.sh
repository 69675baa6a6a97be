#!/bin/sh
# tlsprobe ciphers against real servers on loopback (openssl s_server,
# gnutls-serv, nginx, stunnel4) with known configurations: the exact
# accepted set and order per version, server preference, groups, the
# grade and its findings, and policy drift in all three syntaxes.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

make_pki ca1.pem server.pem server.key server-weakkey.pem server-weakkey.key
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
# a 1024-bit DH group takes a second or two: make it while other cases run
openssl dhparam -out "$T/dh1024.pem" 1024 >/dev/null 2>&1 &
DHGEN=$!
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"

# ---- openssl s_server, TLS 1.2 only, five suites (NULL and anonymous too) ----

L12='ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:CAMELLIA128-SHA:ADH-AES128-SHA:NULL-SHA:@SECLEVEL=0'
start_openssl_server $OSRV -tls1_2 -cipher "$L12" -serverpref
run_ciphers o12-server 127.0.0.1:$SRV_PORT
expect "openssl TLS1.2, server order: exit 1 (NULL and anonymous suites)" 1 \
	WEAK_CIPHER NO_FORWARD_SECRECY '!WEAK_PROTOCOL' '!SCAN_INCOMPLETE'
echo "# wall time: $MS ms, $(json_get "$OUT" 'd["stats"]') "
audit "openssl TLS1.2: exactly its five suites, in its order" \
	"acc('TLS1.2') == ['0xC02F', '0x0035', '0x0041', '0x0034', '0x0002']"
audit "openssl TLS1.2: server preference detected" \
	"proto('TLS1.2')['server_preference'] is True"
audit "openssl TLS1.2: only TLS1.2 accepted" "accepted() == ['TLS1.2']"
audit "openssl TLS1.2: grade F, with the reason" \
	"d['grade'] == 'F' and any('graded F' in r for r in d['grade_reasons'])"
audit "openssl TLS1.2: suite grades A, B, B, F, F" \
	"[c['grade'] for c in proto('TLS1.2')['ciphers']] == ['A', 'B', 'B', 'F', 'F']"
audit "openssl TLS1.2: WEAK_CIPHER is an error naming both" \
	"[f for f in d['findings'] if f['code'] == 'WEAK_CIPHER' and f['severity'] == 'error' and 'TLS_RSA_WITH_NULL_SHA' in f['detail'] and 'TLS_DH_anon_WITH_AES_128_CBC_SHA' in f['detail']]"
audit "openssl TLS1.2: ECDHE group and signature algorithms found" \
	"'x25519' in groups('TLS1.2') and 'rsa_pss_rsae_sha256' in proto('TLS1.2')['signature_algorithms']"
audit "openssl TLS1.2: certificate key and IANA/OpenSSL names" \
	"d['certificate_key'] == 'RSA-2048' and proto('TLS1.2')['ciphers'][2]['openssl'] == 'CAMELLIA128-SHA' and proto('TLS1.2')['ciphers'][0]['iana'] == 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'"
audit "openssl TLS1.2: connections within accepted + versions x bundles + small" \
	"d['stats']['connections'] <= 5 + 5 * 3 + 20"

# the same five suites, without -serverpref: the client's order
stop_servers
start_openssl_server $OSRV -tls1_2 -cipher "$L12"
run_ciphers o12-client 127.0.0.1:$SRV_PORT --protocols TLS1.2
expect "openssl TLS1.2, client order: exit 1" 1
audit "client preference detected, suites in registry order" \
	"proto('TLS1.2')['preference'] == 'client' and acc('TLS1.2') == ['0x0002', '0x0034', '0x0035', '0x0041', '0xC02F']"
audit "--protocols TLS1.2: the other versions are not tested" \
	"[p['tested'] for p in d['protocols']] == [False, False, False, True, False]"

# ---- policy drift, three syntaxes ----
stop_servers
start_openssl_server $OSRV -tls1_2 -cipher "$L12" -serverpref
run_ciphers policy-openssl 127.0.0.1:$SRV_PORT --protocols TLS1.2 \
	--policy 'ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384'
expect "policy (OpenSSL syntax): POLICY_EXTRA and POLICY_MISSING" 1 \
	POLICY_EXTRA POLICY_MISSING
audit "policy (OpenSSL syntax): detected, extra and missing named" \
	"d['policy']['syntax'] == 'OpenSSL cipher string' and d['policy']['extra'] == ['TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA', 'TLS_DH_anon_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_NULL_SHA'] and d['policy']['missing'] == ['TLS_RSA_WITH_AES_256_GCM_SHA384']"
run_ciphers policy-iana 127.0.0.1:$SRV_PORT --protocols TLS1.2 \
	--policy 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_CBC_SHA,TLS_RSA_WITH_CAMELLIA_128_CBC_SHA:TLS_DH_anon_WITH_AES_128_CBC_SHA TLS_RSA_WITH_NULL_SHA'
expect "policy (IANA names) that matches: no policy finding" 1 \
	'!POLICY_EXTRA' '!POLICY_MISSING'
audit "policy (IANA names): detected" \
	"d['policy']['syntax'] == 'IANA suite names' and d['policy']['extra'] == [] and d['policy']['missing'] == []"
run_ciphers policy-gnutls 127.0.0.1:$SRV_PORT --protocols TLS1.2 \
	--policy 'NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+GROUP-ALL:+COMP-NULL'
expect "policy (GnuTLS priority): POLICY_EXTRA only" 1 POLICY_EXTRA \
	'!POLICY_MISSING'
audit "policy (GnuTLS priority): detected, both extras named" \
	"d['policy']['syntax'] == 'GnuTLS priority string' and len(d['policy']['extra']) == 4"

# ---- TLS 1.0 only ----
stop_servers
start_openssl_server $OSRV -tls1 -cipher 'ECDHE-RSA-AES256-SHA:AES128-SHA:@SECLEVEL=0' \
	-groups 'P-384:X25519'
run_ciphers o10 127.0.0.1:$SRV_PORT
expect "openssl TLS1.0 only: WEAK_PROTOCOL" 0 WEAK_PROTOCOL NO_FORWARD_SECRECY
audit "openssl TLS1.0 only: TLS1.0 alone, both suites" \
	"accepted() == ['TLS1.0'] and sorted(acc('TLS1.0')) == ['0x002F', '0xC014']"
audit "openssl TLS1.0 only: grade C (no TLS 1.2 or 1.3)" "d['grade'] == 'C'"
audit "openssl TLS1.0 only: groups from its ServerKeyExchange" \
	"sorted(groups('TLS1.0')) == ['secp384r1', 'x25519']"
audit "openssl TLS1.0 only, no -serverpref: the groups in the client's order" \
	"proto('TLS1.0')['group_preference'] == 'client'"

# ---- TLS 1.3 only: suites and groups in the server's order ----
stop_servers
start_openssl_server $OSRV -tls1_3 -serverpref \
	-ciphersuites 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384' \
	-groups 'P-384:X25519'
run_ciphers o13 127.0.0.1:$SRV_PORT
expect "openssl TLS1.3 only: exit 0, nothing weak" 0 '!WEAK_CIPHER' \
	'!WEAK_PROTOCOL' '!NO_FORWARD_SECRECY'
audit "openssl TLS1.3 only: its two suites in its order" \
	"accepted() == ['TLS1.3'] and acc('TLS1.3') == ['0x1303', '0x1302'] and proto('TLS1.3')['preference'] == 'server'"
audit "openssl TLS1.3 only: groups secp384r1 then x25519, its own order" \
	"groups('TLS1.3') == ['secp384r1', 'x25519'] and proto('TLS1.3')['group_preference'] == 'server'"
audit "openssl TLS1.3 only: RSA-PSS signature schemes found by handshake" \
	"sorted(proto('TLS1.3')['signature_algorithms']) == ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512']"
audit "openssl TLS1.3 only: grade A" "d['grade'] == 'A'"

# ---- gnutls-serv with RC4 and 3DES, TLS 1.0 to 1.3 ----
stop_servers
GPRIO='NORMAL:+ARCFOUR-128:+3DES-CBC:+VERS-TLS1.0:+VERS-TLS1.1:%SERVER_PRECEDENCE'
start_gnutls_serv $GSRV --priority "$GPRIO"
run_ciphers gnutls-legacy localhost:$SRV_PORT
expect "gnutls-serv with RC4: exit 1, WEAK_CIPHER an error" 1 WEAK_CIPHER \
	WEAK_PROTOCOL NO_FORWARD_SECRECY
echo "# wall time: $MS ms, $(json_get "$OUT" 'd["stats"]') "
# what gnutls-serv accepts with an RSA key, in its order, from its own list
gnutls-cli -l --priority "$GPRIO" 2>/dev/null | python3 -c '
import sys
rows = [l.split("\t") for l in sys.stdin if "\t0x" in l]
for name, ident, ver in rows:
    ver = ver.strip()
    b = [x.strip().replace("0x", "") for x in ident.split(",")]
    i = "0x" + (b[0] + b[1]).upper()
    if ver == "TLS1.3":
        print("13", i)
    elif "_RSA_" in name or name.startswith("TLS_RSA_"):
        print("12", i)
        if ver == "TLS1.0":
            print("10", i)
' >"$T/gnutls-expected"
E13=$(awk '$1 == 13 {printf "\x27%s\x27,", $2}' "$T/gnutls-expected")
E12=$(awk '$1 == 12 {printf "\x27%s\x27,", $2}' "$T/gnutls-expected")
E10=$(awk '$1 == 10 {printf "\x27%s\x27,", $2}' "$T/gnutls-expected")
audit "gnutls-serv: TLS1.2 set and order as its priority lists" \
	"acc('TLS1.2') == [$E12] and proto('TLS1.2')['preference'] == 'server'"
audit "gnutls-serv: TLS1.0 and TLS1.1 sets as its priority lists" \
	"acc('TLS1.0') == [$E10] and acc('TLS1.1') == [$E10]"
audit "gnutls-serv: TLS1.3 suites as its priority lists" \
	"acc('TLS1.3') == [$E13]"
audit "gnutls-serv: RC4 graded F, overall F" \
	"d['grade'] == 'F' and [c['grade'] for c in proto('TLS1.2')['ciphers'] if c['id'] == '0x0005'] == ['F']"
audit "gnutls-serv: DHE suites show the DH prime, ECDHE the group" \
	"any((c['kx'] or '').startswith('DH ') for c in proto('TLS1.2')['ciphers']) and any(c['kx'] == groups('TLS1.2')[0] for c in proto('TLS1.2')['ciphers'])"
audit "gnutls-serv: TLS1.3 and TLS1.2 groups found" \
	"'x25519' in groups('TLS1.3') and 'secp256r1' in groups('TLS1.2') and 'ffdhe2048' in groups('TLS1.3')"
audit "gnutls-serv %SERVER_PRECEDENCE: groups in its own order, every version" \
	"all(proto(v)['group_preference'] == 'server' for v in ('TLS1.0', 'TLS1.1', 'TLS1.2', 'TLS1.3'))"

# ---- weak keys: a 1024-bit certificate, a 1024-bit DH prime ----
stop_servers
start_openssl_server -cert "$PKI/server-weakkey.pem" \
	-key "$PKI/server-weakkey.key" -tls1_2 \
	-cipher 'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'
run_ciphers weakcert 127.0.0.1:$SRV_PORT --protocols TLS1.2
expect "RSA-1024 certificate: WEAK_KEY" 0 WEAK_KEY
audit "RSA-1024 certificate: grade capped at B, key named" \
	"d['grade'] == 'B' and d['certificate_key'] == 'RSA-1024'"
stop_servers
if wait $DHGEN; then
	start_openssl_server $OSRV -tls1_2 -dhparam "$T/dh1024.pem" \
		-cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'
	run_ciphers weakdh 127.0.0.1:$SRV_PORT --protocols TLS1.2
	expect "1024-bit DH prime: WEAK_KEY" 0 WEAK_KEY
	audit "1024-bit DH prime: shown as DH 1024, suite graded B" \
		"proto('TLS1.2')['ciphers'][0]['kx'] == 'DH 1024' and proto('TLS1.2')['ciphers'][0]['grade'] == 'B'"
else
	not_ok "openssl dhparam makes a 1024-bit DH group"
fi

# ---- nginx and stunnel4 ----
stop_servers
if start_nginx "		ssl_certificate $PKI/server.pem;
		ssl_certificate_key $PKI/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256;
		ssl_prefer_server_ciphers on;"; then
	run_ciphers nginx 127.0.0.1:$NGINX_PORT
	expect "nginx: exit 0" 0 NO_FORWARD_SECRECY '!WEAK_CIPHER'
	audit "nginx: TLS1.2 suites in its order" \
		"acc('TLS1.2') == ['0xC030', '0xCCA8', '0x009C'] and proto('TLS1.2')['preference'] == 'server'"
	audit "nginx: TLS1.3 accepted with OpenSSL's three default suites" \
		"sorted(acc('TLS1.3')) == ['0x1301', '0x1302', '0x1303'] and accepted() == ['TLS1.2', 'TLS1.3']"
fi

SPORT=$(free_port)
cat >"$T/stunnel.conf" <<EOF
foreground = yes
pid =
[t]
accept = 127.0.0.1:$SPORT
connect = 127.0.0.1:9
cert = $PKI/server.pem
key = $PKI/server.key
sslVersionMin = TLSv1.1
sslVersionMax = TLSv1.2
ciphers = AES128-SHA:ECDHE-RSA-AES128-SHA256:@SECLEVEL=0
options = CIPHER_SERVER_PREFERENCE
EOF
if command -v stunnel4 >/dev/null; then
	stunnel4 "$T/stunnel.conf" >"$T/stunnel.log" 2>&1 &
	srv_track $! "$T/stunnel.log"
	wait_port "$SPORT"
	run_ciphers stunnel 127.0.0.1:$SPORT
	expect "stunnel4: WEAK_PROTOCOL for TLS1.1" 0 WEAK_PROTOCOL
	audit "stunnel4: TLS1.1 and TLS1.2 accepted, exact sets" \
		"accepted() == ['TLS1.1', 'TLS1.2'] and acc('TLS1.1') == ['0x002F'] and acc('TLS1.2') == ['0x002F', '0xC027']"
else
	not_ok "stunnel4 is installed (scripts/install-deps.sh)"
fi
stop_servers

# ---- output formats ----
start_openssl_server $OSRV -tls1_2 -cipher "$L12" -serverpref
"$TP" ciphers --format nmap 127.0.0.1:$SRV_PORT >"$T/nmap.txt" 2>"$T/nmap.err"
check "--format nmap: the script's layout" grep -q '^|_  least strength: F$' "$T/nmap.txt"
check "--format nmap: suite lines with key exchange and grade" \
	grep -q '^|       TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (ecdh_x25519) - A$' "$T/nmap.txt"
NO_COLOR=1 "$TP" ciphers 127.0.0.1:$SRV_PORT >"$T/text.txt" 2>&1
check "text: a table per version and the grade" \
	grep -q '^grade      F$' "$T/text.txt"
check "text: no escape sequence with NO_COLOR" \
	sh -c "! grep -q \"$(printf '\033')\" '$T/text.txt'"
stop_servers

# ---- usage errors: exit 2, one line naming the culprit ----
usage() {
	_name=$1; _want=$2; shift 2
	"$TP" ciphers "$@" >"$T/u.out" 2>"$T/u.err"
	_rc=$?
	if [ $_rc -eq 2 ] && [ "$(wc -l <"$T/u.err")" -eq 1 ] &&
	   grep -q -- "$_want" "$T/u.err" && [ ! -s "$T/u.out" ]; then
		ok "$_name"
	else
		not_ok "$_name"
		echo "#   exit $_rc; stderr: $(cat "$T/u.err")"
	fi
}
usage "unknown --policy cipher names it" "NOPE-CIPHER" \
	127.0.0.1:1 --policy 'ECDHE-RSA-AES128-GCM-SHA256:NOPE-CIPHER'
usage "bad --protocols names it" "TLS9" 127.0.0.1:1 --protocols TLS1.2,TLS9
usage "--ca does not apply" "does not apply" 127.0.0.1:1 --ca x.pem
usage "unknown --format" "xml" 127.0.0.1:1 --format xml
usage "unknown --starttls" "gopher" 127.0.0.1:1 --starttls gopher
usage "--concurrency 0" "concurrency" 127.0.0.1:1 --concurrency 0

