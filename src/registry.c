/* IANA TLS registries as data: cipher suites, groups, signature schemes,
 * versions, alerts and handshake message types. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

const char *tp_registry_gnutls_handshake_name(unsigned htype, char *buf,
					      unsigned size)
{
	/* gnutls_handshake_description_t numbers what is not a handshake
	 * message on the wire past the IANA range: a TLS 1.3
	 * HelloRetryRequest is a ServerHello with a special random (RFC
	 * 8446 section 4.1.3), ChangeCipherSpec its own record type */
	switch (htype) {
	case 254: return "ChangeCipherSpec";
	case 1024: return "ClientHello (SSL 2.0)";
	case 1025: return "HelloRetryRequest";
	default: return tp_registry_handshake_name((int)htype, buf, size);
	}
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cipher suites ---- */

static const struct tp_suite suites[] = {
#define SUITE(id, iana, ossl, gnutls, kx, auth, enc, mode, mac, bits, exp, \
	      minv, maxv) \
	{id, iana, ossl, gnutls, TP_KX_##kx, TP_AUTH_##auth, TP_ENC_##enc, \
	 TP_MODE_##mode, TP_MAC_##mac, bits, exp, minv, maxv},
#include "suites.def"
#undef SUITE
};

const struct tp_suite *tp_registry_suites(size_t *n)
{
	*n = N_ELEMS(suites);
	return suites;
}

const struct tp_suite *tp_registry_suite(uint16_t id)
{
	size_t lo = 0, hi = N_ELEMS(suites);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (suites[mid].id == id)
			return &suites[mid];
		if (suites[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct tp_suite *suite_named(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMS(suites); i++) {
		const struct tp_suite *s = &suites[i];

		if (strcasecmp(s->iana, name) == 0 ||
		    (s->openssl && strcasecmp(s->openssl, name) == 0) ||
		    (s->gnutls && strcasecmp(s->gnutls, name) == 0))
			return s;
	}
	return NULL;
}

const struct tp_suite *tp_registry_suite_by_name(const char *name)
{
	const struct tp_suite *s;
	char other[64];
	const char *dh;
	size_t at;

	if (!name)
		return NULL;
	s = suite_named(name);
	if (s)
		return s;
	/* OpenSSL 1.1 renamed EDH-* to DHE-* and still accepts both; the
	 * table keeps one spelling per suite, so try the other. */
	dh = strstr(name, "EDH-");
	if (!dh)
		dh = strstr(name, "edh-");
	if (!dh)
		dh = strstr(name, "DHE-");
	if (!dh)
		dh = strstr(name, "dhe-");
	if (!dh || strlen(name) >= sizeof(other))
		return NULL;
	at = (size_t)(dh - name);
	if (at != 0 && !(at == 4 && strncasecmp(name, "EXP-", 4) == 0))
		return NULL;
	memcpy(other, name, strlen(name) + 1);
	if (dh[0] == 'E' || dh[0] == 'e')
		memcpy(other + at, "DHE-", 4);
	else
		memcpy(other + at, "EDH-", 4);
	return suite_named(other);
}

const char *tp_kx_name(enum tp_kx kx)
{
	static const char *const names[] = {
		[TP_KX_NULL] = "NULL", [TP_KX_RSA] = "RSA",
		[TP_KX_RSA_EXPORT] = "RSA_EXPORT", [TP_KX_DH] = "DH",
		[TP_KX_DHE] = "DHE", [TP_KX_ECDH] = "ECDH",
		[TP_KX_ECDHE] = "ECDHE", [TP_KX_PSK] = "PSK",
		[TP_KX_DHE_PSK] = "DHE_PSK", [TP_KX_RSA_PSK] = "RSA_PSK",
		[TP_KX_ECDHE_PSK] = "ECDHE_PSK", [TP_KX_SRP] = "SRP",
		[TP_KX_KRB5] = "KRB5", [TP_KX_GOST] = "GOST",
		[TP_KX_ECCPWD] = "ECCPWD", [TP_KX_ANY] = "ANY",
	};

	if ((unsigned)kx >= N_ELEMS(names) || !names[kx])
		return "unknown";
	return names[kx];
}

const char *tp_auth_name(enum tp_auth auth)
{
	static const char *const names[] = {
		[TP_AUTH_NULL] = "anon", [TP_AUTH_RSA] = "RSA",
		[TP_AUTH_DSS] = "DSS", [TP_AUTH_ECDSA] = "ECDSA",
		[TP_AUTH_PSK] = "PSK", [TP_AUTH_SRP] = "SRP",
		[TP_AUTH_KRB5] = "KRB5", [TP_AUTH_GOST] = "GOST",
		[TP_AUTH_ECCPWD] = "ECCPWD", [TP_AUTH_ANY] = "ANY",
	};

	if ((unsigned)auth >= N_ELEMS(names) || !names[auth])
		return "unknown";
	return names[auth];
}

const char *tp_enc_name(enum tp_enc enc)
{
	static const char *const names[] = {
		[TP_ENC_NULL] = "NULL", [TP_ENC_RC4] = "RC4",
		[TP_ENC_RC2] = "RC2", [TP_ENC_DES] = "DES",
		[TP_ENC_3DES] = "3DES", [TP_ENC_IDEA] = "IDEA",
		[TP_ENC_SEED] = "SEED", [TP_ENC_AES] = "AES",
		[TP_ENC_CAMELLIA] = "CAMELLIA", [TP_ENC_ARIA] = "ARIA",
		[TP_ENC_CHACHA20] = "CHACHA20", [TP_ENC_SM4] = "SM4",
		[TP_ENC_GOST] = "GOST", [TP_ENC_AEGIS] = "AEGIS",
	};

	if ((unsigned)enc >= N_ELEMS(names) || !names[enc])
		return "unknown";
	return names[enc];
}

const char *tp_mode_name(enum tp_mode mode)
{
	static const char *const names[] = {
		[TP_MODE_NONE] = "NONE", [TP_MODE_STREAM] = "STREAM",
		[TP_MODE_CBC] = "CBC", [TP_MODE_GCM] = "GCM",
		[TP_MODE_CCM] = "CCM", [TP_MODE_CCM8] = "CCM8",
		[TP_MODE_POLY1305] = "POLY1305", [TP_MODE_CNT] = "CNT",
		[TP_MODE_AEAD] = "AEAD",
	};

	if ((unsigned)mode >= N_ELEMS(names) || !names[mode])
		return "unknown";
	return names[mode];
}

const char *tp_mac_name(enum tp_mac mac)
{
	static const char *const names[] = {
		[TP_MAC_NULL] = "NULL", [TP_MAC_MD5] = "MD5",
		[TP_MAC_SHA1] = "SHA1", [TP_MAC_SHA256] = "SHA256",
		[TP_MAC_SHA384] = "SHA384", [TP_MAC_AEAD] = "AEAD",
		[TP_MAC_GOST] = "GOST", [TP_MAC_SM3] = "SM3",
	};

	if ((unsigned)mac >= N_ELEMS(names) || !names[mac])
		return "unknown";
	return names[mac];
}

/* ---- supported groups ---- */

static const struct tp_group groups[] = {
#define GROUP(id, name, kind, bits, share_len, tls13, deprecated) \
	{id, name, TP_GROUP_##kind, bits, share_len, tls13, deprecated},
#include "groups.def"
#undef GROUP
};

const struct tp_group *tp_registry_groups(size_t *n)
{
	*n = N_ELEMS(groups);
	return groups;
}

const struct tp_group *tp_registry_group(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_ELEMS(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

/* Other spellings of the common curves: SEC 2 / X9.62 (OpenSSL), NIST. */
static const struct {
	const char *alias;
	uint16_t id;
} group_aliases[] = {
	{"prime256v1", 0x0017}, {"P-256", 0x0017},
	{"P-384", 0x0018}, {"P-521", 0x0019},
	{"prime192v1", 0x0013}, {"P-192", 0x0013}, {"P-224", 0x0015},
	{"X25519Kyber768", 0x6399},
};

const struct tp_group *tp_registry_group_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < N_ELEMS(groups); i++)
		if (strcasecmp(groups[i].name, name) == 0)
			return &groups[i];
	for (i = 0; i < N_ELEMS(group_aliases); i++)
		if (strcasecmp(group_aliases[i].alias, name) == 0)
			return tp_registry_group(group_aliases[i].id);
	return NULL;
}

/* ---- signature schemes ---- */

static const struct tp_sigscheme sigschemes[] = {
#define SIGSCHEME(id, name, hash_bits, weak, tls13) \
	{id, name, hash_bits, weak, tls13},
#include "sigschemes.def"
#undef SIGSCHEME
};

const struct tp_sigscheme *tp_registry_sigschemes(size_t *n)
{
	*n = N_ELEMS(sigschemes);
	return sigschemes;
}

const struct tp_sigscheme *tp_registry_sigscheme(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_ELEMS(sigschemes); i++)
		if (sigschemes[i].id == id)
			return &sigschemes[i];
	return NULL;
}

/* ---- protocol versions ---- */

static const struct tp_version versions[] = {
	{0x0300, "SSL3.0", "SSLv3", true},
	{0x0301, "TLS1.0", "TLSv1.0", true},
	{0x0302, "TLS1.1", "TLSv1.1", true},
	{0x0303, "TLS1.2", "TLSv1.2", false},
	{0x0304, "TLS1.3", "TLSv1.3", false},
};

const struct tp_version *tp_registry_versions(size_t *n)
{
	*n = N_ELEMS(versions);
	return versions;
}

const struct tp_version *tp_registry_version(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_ELEMS(versions); i++)
		if (versions[i].id == id)
			return &versions[i];
	return NULL;
}

/*
 * Accepts the spellings of GnuTLS ("TLS1.2", "SSL3.0"), nmap ("TLSv1.2",
 * "SSLv3"), OpenSSL ("TLSv1"), a bare "1.2", and "TLS 1.2" / "TLS_1_2".
 */
const struct tp_version *tp_registry_version_by_name(const char *name)
{
	static const struct {
		bool ssl;
		const char *number;
		uint16_t id;
	} numbers[] = {
		{true, "3", 0x0300}, {true, "3.0", 0x0300},
		{false, "1", 0x0301}, {false, "1.0", 0x0301},
		{false, "1.1", 0x0302}, {false, "1.2", 0x0303},
		{false, "1.3", 0x0304},
	};
	char number[8];
	const char *p;
	bool ssl = false;
	size_t i, len;

	if (!name)
		return NULL;
	p = name;
	if (strncasecmp(p, "ssl", 3) == 0) {
		ssl = true;
		p += 3;
	} else if (strncasecmp(p, "tls", 3) == 0) {
		p += 3;
	} else if (p[0] < '0' || p[0] > '9') {
		return NULL;
	}
	if (p != name && (*p == 'v' || *p == 'V' || *p == ' ' || *p == '_'))
		p++;
	len = strlen(p);
	if (len == 0 || len >= sizeof(number))
		return NULL;
	for (i = 0; i <= len; i++)
		number[i] = p[i] == '_' ? '.' : p[i];
	for (i = 0; i < N_ELEMS(numbers); i++)
		if (numbers[i].ssl == ssl && strcmp(numbers[i].number, number) == 0)
			return tp_registry_version(numbers[i].id);
	return NULL;
}
