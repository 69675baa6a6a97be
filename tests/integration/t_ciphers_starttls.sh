#!/bin/sh
# tlsprobe ciphers --starttls against scripted STARTTLS servers: every
# probe runs the plaintext prelude, the accepted set is exact, and a
# server that refuses or sheds load ends with a clear finding.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

make_pki server.pem server.key
LIST='ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA'

for proto in smtp imap pop3 ftp xmpp postgres ldap; do
	start_starttls $proto ok "$PKI/server.pem" "$PKI/server.key" \
		--ciphers "$LIST" --max-tls12 || continue
	run_ciphers st-$proto 127.0.0.1:$STLS_PORT --starttls $proto \
		--protocols TLS1.2,TLS1.3 --sni localhost
	expect "$proto: exit 0" 0 NO_FORWARD_SECRECY '!STARTTLS_FAILED' \
		'!SCAN_INCOMPLETE'
	audit "$proto: exactly the server's two TLS 1.2 suites, TLS 1.3 refused" \
		"sorted(acc('TLS1.2')) == ['0x002F', '0xC030'] and accepted() == ['TLS1.2']"
	audit "$proto: the starttls stage between tcp and tls" \
		"[s['name'] for s in d['stages']][:3] == ['dns', 'tcp', 'starttls'] and d['starttls'] == '$proto'"
	stop_servers
done

start_starttls smtp nocap "$PKI/server.pem" "$PKI/server.key"
run_ciphers st-nocap 127.0.0.1:$STLS_PORT --starttls smtp
expect "SMTP without STARTTLS: STARTTLS_FAILED, no probe" 1 STARTTLS_FAILED
audit "SMTP without STARTTLS: one connection, nothing tested" \
	"d['stats']['connections'] == 1 and not any(p['tested'] for p in d['protocols'])"

start_starttls smtp busy "$PKI/server.pem" "$PKI/server.key"
run_ciphers st-busy 127.0.0.1:$STLS_PORT --starttls smtp
expect "SMTP 421: STARTTLS_FAILED" 1 STARTTLS_FAILED
audit "SMTP 421: the reply is quoted" \
	"any('421' in f['summary'] for f in d['findings'])"
stop_servers
