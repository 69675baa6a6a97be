/* IANA TLS registries as data (TLS Alerts, TLS HandshakeType). */
#include <stdio.h>

#include "registry.h"

/* RFC 8446 section 6, RFC 5246 section 7.2 and the IANA TLS Alerts
 * registry; the meanings are ours. */
static const struct tp_alert_info alerts[] = {
	{0, "close_notify", "the peer closed the connection cleanly"},
	{10, "unexpected_message", "the peer received a message it did not expect at this point: an implementation bug or a middlebox rewriting the stream"},
	{20, "bad_record_mac", "a record failed its integrity check: corruption on the path or a broken implementation"},
	{21, "decryption_failed", "a record could not be decrypted (obsolete alert)"},
	{22, "record_overflow", "a record was longer than TLS allows"},
	{30, "decompression_failure", "decompression failed (obsolete alert)"},
	{40, "handshake_failure", "the peer could not agree on parameters: often no common cipher suite, group or signature algorithm, or a missing client certificate"},
	{41, "no_certificate", "no certificate was sent (SSL 3.0 only)"},
	{42, "bad_certificate", "the peer rejected a certificate as corrupt, or its signature did not verify"},
	{43, "unsupported_certificate", "the peer cannot use a certificate of this type"},
	{44, "certificate_revoked", "the peer found the certificate revoked"},
	{45, "certificate_expired", "the peer found the certificate expired or not yet valid"},
	{46, "certificate_unknown", "the peer rejected the certificate for an unspecified reason (often an untrusted issuer)"},
	{47, "illegal_parameter", "a handshake field was out of range or inconsistent"},
	{48, "unknown_ca", "the peer does not trust the CA that issued the certificate"},
	{49, "access_denied", "the certificate was valid but an access policy refused it"},
	{50, "decode_error", "a message could not be parsed"},
	{51, "decrypt_error", "a signature or Finished check failed, often a key that does not match its certificate"},
	{60, "export_restriction", "export restrictions (obsolete alert)"},
	{70, "protocol_version", "the peer does not support the protocol version offered"},
	{71, "insufficient_security", "the peer requires stronger parameters than were offered"},
	{80, "internal_error", "the peer hit an internal error unrelated to the protocol"},
	{86, "inappropriate_fallback", "a version fallback was detected and refused"},
	{90, "user_canceled", "the peer aborted the handshake"},
	{100, "no_renegotiation", "the peer refused to renegotiate"},
	{109, "missing_extension", "a required extension was not sent"},
	{110, "unsupported_extension", "an extension was sent that the peer did not offer or allow"},
	{111, "certificate_unobtainable", "the certificate could not be fetched (obsolete)"},
	{112, "unrecognized_name", "the server has no configuration for the server name (SNI) sent"},
	{113, "bad_certificate_status_response", "the OCSP response was invalid"},
	{114, "bad_certificate_hash_value", "certificate hash mismatch (obsolete)"},
	{115, "unknown_psk_identity", "the server does not know the PSK identity offered"},
	{116, "certificate_required", "the server requires a client certificate and none was sent"},
	{120, "no_application_protocol", "no ALPN protocol in common"},
};

const struct tp_alert_info *tp_registry_alert(int id)
{
	unsigned i;

	for (i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		if (alerts[i].id == id)
			return &alerts[i];
	return 0;
}

/* IANA TLS HandshakeType registry. */
static const struct {
	int type;
	const char *name;
} handshakes[] = {
	{0, "HelloRequest"}, {1, "ClientHello"}, {2, "ServerHello"},
	{3, "HelloVerifyRequest"}, {4, "NewSessionTicket"},
	{5, "EndOfEarlyData"}, {6, "HelloRetryRequest"},
	{8, "EncryptedExtensions"}, {11, "Certificate"},
	{12, "ServerKeyExchange"}, {13, "CertificateRequest"},
	{14, "ServerHelloDone"}, {15, "CertificateVerify"},
	{16, "ClientKeyExchange"}, {20, "Finished"},
	{21, "CertificateURL"}, {22, "CertificateStatus"},
	{24, "KeyUpdate"}, {25, "CompressedCertificate"},
	{254, "MessageHash"},
};

const char *tp_registry_handshake_name(int type, char *buf, unsigned size)
{
	unsigned i;

	for (i = 0; i < sizeof(handshakes) / sizeof(handshakes[0]); i++)
		if (handshakes[i].type == type)
			return handshakes[i].name;
	snprintf(buf, size, "handshake type %d", type);
	return buf;
}
