# The client's own certificate and key, checked before and during the
# handshake, against real servers that require a client certificate.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key client.pem client.key other.key ca1.pem

start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-Verify 1 -verify_return_error -CAfile "$PKI/ca1.pem" || exit 1

# a key that is not the certificate's: KEY_MISMATCH from our own files
# is why the server refused the signature it could not verify, so it
# is the diagnosis, not CLIENT_CERT_REJECTED
for v in TLS1.2 TLS1.3; do
	run_client "mismatch-$v" "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
		--cert "$PKI/client.pem" --key "$PKI/other.key" \
		--priority "NORMAL:-VERS-ALL:+VERS-$v"
	expect "client key that is not the certificate's, $v: KEY_MISMATCH, not CLIENT_CERT_REJECTED" 1 \
		KEY_MISMATCH '!CLIENT_CERT_REJECTED'
	expect_py "KEY_MISMATCH, $v: an error, side local, names both files" \
		'any(f["code"] == "KEY_MISMATCH" and f["side"] == "local" and f["severity"] == "error" and "other.key" in f["summary"] and "client.pem" in f["summary"] for f in d["findings"])'
done

run_client matching "localhost:$SRV_PORT" -4 --ca "$PKI/ca1.pem" \
	--cert "$PKI/client.pem" --key "$PKI/client.key"
expect "client key that is the certificate's: no KEY_MISMATCH, exit 0" 0 \
	'!KEY_MISMATCH' '!CLIENT_CERT_REJECTED'
stop_servers

# A record header that claims more than TLS allows (RFC 8446 5.1): no
# code more precise applies, the GnuTLS status is kept as evidence.
start_fake garbage-tls || exit 1
run_client garbage "127.0.0.1:$FAKE_PORT" --timeout 3
expect "oversized TLS record: TLS_HANDSHAKE_FAILED" 1 TLS_HANDSHAKE_FAILED \
	'!NOT_TLS' '!HANDSHAKE_TIMEOUT'
expect_py "TLS_HANDSHAKE_FAILED keeps the GnuTLS status name" \
	'any(f["code"] == "TLS_HANDSHAKE_FAILED" and "GNUTLS_E_RECORD_OVERFLOW" in (f["detail"] or "") for f in d["findings"])'
