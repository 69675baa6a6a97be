#!/bin/sh
# tlsprobe client against real servers (gnutls-serv, openssl s_server,
# nginx) whose chains are wrong in the ways servers get them wrong: the
# exact code, the side it blames, and the fix it gives first.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem ca2.pem ca2.key server.pem server.key \
	server-int.pem server-int.key \
	server-int-chain.pem server-int-misordered.pem server-ca2.pem int1.pem
CA1=$PKI/ca1.pem
INT="CN=tlsprobe Test Intermediate 1,O=tlsprobe"

# first_fix NAME CODE SIDE PREFIX: one TAP line: the last report has
# exactly one CODE finding, on SIDE, whose fix starts with PREFIX.
first_fix() {
	expect_py "$1" "[(f['side'], f['fix'].startswith('$4')) for f in d['findings'] if f['code'] == '$2'] == [('$3', True)]"
}

# serve_as_is FILE KEY: openssl s_server sending FILE's certificates in
# the file's order (gnutls-serv would sort them).
serve_as_is() {
	pem_split "$PKI/$1.pem" "$T/$1.leaf.pem" "$T/$1.rest.pem"
	start_openssl_server -cert "$T/$1.leaf.pem" -key "$PKI/$2.key" \
		-cert_chain "$T/$1.rest.pem"
}

# ---- the leaf without its intermediate ----

start_gnutls_serv --x509certfile "$PKI/server-int.pem" \
	--x509keyfile "$PKI/server-int.key"
run_client gnutls-leafonly "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "gnutls-serv, leaf only, client trusts ca1: UNKNOWN_CA, exit 1" 1 \
	UNKNOWN_CA '!SELF_SIGNED' '!INCOMPLETE_CHAIN'
first_fix "gnutls-serv, leaf only: the first fix is the server's intermediate" \
	UNKNOWN_CA server "configure the server to send the intermediate $INT"
expect_py "gnutls-serv, leaf only: --ca comes second in the fix" \
	"[f['fix'].index('--ca') > f['fix'].index('s_server') for f in d['findings'] if f['code'] == 'UNKNOWN_CA'] == [True]"
expect_py "gnutls-serv, leaf only: the summary says only the leaf was sent and names the issuer" \
	"any(f['summary'].startswith('the server sent only its certificate [0] CN=localhost; its issuer $INT was not sent') for f in d['findings'])"
expect_py "gnutls-serv, leaf only: the evidence says not self-signed and gives the AKI" \
	"any('not self-signed' in f['detail'] and 'authorityKeyIdentifier' in f['detail'] for f in d['findings'] if f['code'] == 'UNKNOWN_CA')"

# the system store: no public root signs a leaf, but a private one may,
# so nothing proves an intermediate missing; the server's fix comes first
run_client gnutls-leafonly-system "localhost:$SRV_PORT" -4
expect "gnutls-serv, leaf only, system store: UNKNOWN_CA, exit 1" 1 \
	UNKNOWN_CA '!INCOMPLETE_CHAIN'
first_fix "gnutls-serv, leaf only, system store: the first fix is the server's" \
	UNKNOWN_CA server "configure the server to send the intermediate $INT"
expect_py "gnutls-serv, leaf only, system store: a public CA's intermediate, or a private root" \
	"any('if it is a private CA, this side must trust its root' in f['detail'] for f in d['findings'] if f['code'] == 'UNKNOWN_CA')"
stop_servers

start_openssl_server -cert "$PKI/server-int.pem" -key "$PKI/server-int.key"
run_client openssl-leafonly "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "openssl s_server, leaf only: UNKNOWN_CA, exit 1" 1 UNKNOWN_CA
first_fix "openssl s_server, leaf only: the first fix is the server's" \
	UNKNOWN_CA server "configure the server to send the intermediate $INT"
stop_servers

# chain_nginx CERTFILE: nginx serving CERTFILE
chain_nginx() {
	start_nginx "		ssl_certificate $1;
		ssl_certificate_key $PKI/server-int.key;"
}
if chain_nginx "$PKI/server-int.pem"; then
	run_client nginx-leafonly "localhost:$NGINX_PORT" -4 --ca "$CA1"
	expect "nginx, ssl_certificate with the leaf only: UNKNOWN_CA, exit 1" 1 \
		UNKNOWN_CA
	first_fix "nginx, leaf only: the first fix is the server's, naming ssl_certificate" \
		UNKNOWN_CA server "configure the server to send the intermediate $INT after its certificate (nginx: ssl_certificate"
	stop_servers
	chain_nginx "$PKI/server-int-chain.pem"
	run_client nginx-chain "localhost:$NGINX_PORT" -4 --ca "$CA1"
	expect "nginx, ssl_certificate with the full chain: exit 0, no chain finding" 0 \
		'!UNKNOWN_CA' '!INCOMPLETE_CHAIN' '!CHAIN_ORDER'
	stop_servers
fi

# ---- the siblings ----

# the root left out, as a server may: fine when this side trusts it ...
start_gnutls_serv --x509certfile "$PKI/server-int-chain.pem" \
	--x509keyfile "$PKI/server-int.key"
run_client root-left-out "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf and intermediate sent, root trusted: exit 0, no chain finding" 0 \
	'!UNKNOWN_CA' '!INCOMPLETE_CHAIN' '!CHAIN_ORDER'
# ... and this side's trust store to mend when it does not
run_client root-untrusted "localhost:$SRV_PORT" -4 --ca "$PKI/ca2.pem"
expect "leaf and intermediate sent, root not trusted: UNKNOWN_CA, exit 1" 1 \
	UNKNOWN_CA '!INCOMPLETE_CHAIN'
first_fix "root not trusted: the first fix is this side's trusted CAs" \
	UNKNOWN_CA server "add the CA CN=tlsprobe Test CA1,O=tlsprobe to the trusted CAs (--ca)"
stop_servers

serve_as_is server-int-misordered server-int
run_client wrong-order "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "chain sent leaf, ca1, int1: CHAIN_ORDER, a warning (exit 0)" 0 \
	CHAIN_ORDER '!UNKNOWN_CA' '!INCOMPLETE_CHAIN'
expect_py "wrong order: CHAIN_ORDER blames the server" \
	"[(f['side'], f['severity']) for f in d['findings'] if f['code'] == 'CHAIN_ORDER'] == [('server', 'warning')]"
stop_servers

cat "$PKI/server-int.pem" "$PKI/int1.pem" "$PKI/server-ca2.pem" >"$T/extra.pem"
pem_split "$T/extra.pem" "$T/extra.leaf.pem" "$T/extra.rest.pem"
start_openssl_server -cert "$T/extra.leaf.pem" -key "$PKI/server-int.key" \
	-cert_chain "$T/extra.rest.pem"
run_client extra "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf, int1 and another site's leaf sent: CHAIN_ORDER, exit 0" 0 \
	CHAIN_ORDER '!UNKNOWN_CA' '!INCOMPLETE_CHAIN'
expect_py "extra certificate: CHAIN_ORDER names [2] and says remove it" \
	"[f['summary'].startswith('[2] CN=localhost was sent but issues none') and f['fix'].startswith('remove CN=localhost') for f in d['findings'] if f['code'] == 'CHAIN_ORDER'] == [True]"
stop_servers

start_openssl_server -cert "$PKI/ca2.pem" -key "$PKI/ca2.key"
run_client ca-as-leaf "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "the CA's own certificate sent as the leaf: SELF_SIGNED, exit 1" 1 \
	SELF_SIGNED '!UNKNOWN_CA'
first_fix "CA as the leaf: the first fix is the server's own certificate" \
	SELF_SIGNED server "configure the server with its own certificate, one CN=tlsprobe Test CA2,O=tlsprobe issued"
stop_servers

# ---- a client's chain, judged by the server ----

# judged_client NAME S_CLIENT_ARGS...: a tlsprobe server requiring a
# client certificate from ca1 takes one openssl s_client connection;
# OUT is its report (RC 1 so that expect_py reads it).
judged_client() {
	_jc=$1; shift
	start_tp_server --cert "$PKI/server.pem" --key "$PKI/server.key" \
		--ca "$CA1" --once --timeout 5 || return 1
	echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
		"$@" >"$T/$_jc.s_client.log" 2>&1
	wait "$PROBE_PID"
	OUT=$PROBE_OUT RC=1 LAST_ARGS="(tlsprobe server; openssl s_client $*)"
}

if judged_client leaf-only -cert "$PKI/server-int.pem" \
	-key "$PKI/server-int.key"; then
	expect_py "server: a client's leaf without its intermediate is UNKNOWN_CA on the client's side" \
		"[f['side'] for f in d['findings'] if f['code'] == 'UNKNOWN_CA'] == ['client']"
	first_fix "server: the first fix is the client's intermediate" \
		UNKNOWN_CA client "configure the client to send the intermediate $INT"
fi
# a client's chain out of order: its own certificate file to mend
if judged_client misordered -cert "$T/server-int-misordered.leaf.pem" \
	-cert_chain "$T/server-int-misordered.rest.pem" \
	-key "$PKI/server-int.key"; then
	expect_py "server: a client's chain out of order is CHAIN_ORDER on the client's side" \
		"[f['side'] for f in d['findings'] if f['code'] == 'CHAIN_ORDER'] == ['client']"
	first_fix "server: the fix is the client's certificate file" \
		CHAIN_ORDER client "list the client"
fi
stop_servers

# ---- the trust anchor is labelled, never numbered as sent ----

start_gnutls_serv --x509certfile "$PKI/server-int-chain.pem" \
	--x509keyfile "$PKI/server-int.key"
run_client anchor "localhost:$SRV_PORT" -4 --ca "$CA1"
expect "leaf and intermediate sent, ca1 trusted: exit 0" 0
expect_py "anchor: certificates hold what was sent, positions 0 and 1" \
	"[c['position'] for c in d['certificates']] == [0, 1] and d['certificates'][1]['subject'] == '$INT'"
expect_py "anchor: trust_anchor is ca1, not sent, from the trust store" \
	"d['trust_anchor']['subject'] == 'CN=tlsprobe Test CA1,O=tlsprobe' and d['trust_anchor']['sent'] is False and d['trust_anchor']['source'] == 'trust store' and d['trust_anchor']['store'] == '$CA1' and 'position' not in d['trust_anchor']"
"$TP" client "localhost:$SRV_PORT" -4 --ca "$CA1" --no-color \
	>"$T/anchor.txt" 2>&1
check "anchor, text: labelled as the trust store's, not sent" \
	grep -qF "  anchor from the trust store, not sent: CN=tlsprobe Test CA1,O=tlsprobe" \
	"$T/anchor.txt"
check "anchor, text: not numbered as a sent certificate" \
	sh -c "! grep -q '^  \[2\]' '$T/anchor.txt' && grep -q '^  \[1\] $INT' '$T/anchor.txt'"
stop_servers

# a root sent and trusted is what was sent: no anchor apart
cat "$PKI/server-int-chain.pem" "$CA1" >"$T/with-root.pem"
start_gnutls_serv --x509certfile "$T/with-root.pem" \
	--x509keyfile "$PKI/server-int.key"
run_client anchor-sent "localhost:$SRV_PORT" -4 --ca "$CA1"
expect_py "root sent and trusted: three certificates, trust_anchor null" \
	"len(d['certificates']) == 3 and d['trust_anchor'] is None"
stop_servers
