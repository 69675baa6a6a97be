/* IANA TLS registries as data: cipher suites, groups, signature schemes,
 * versions, alerts and handshake message types. */
#ifndef TP_REGISTRY_H
#define TP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tp_alert_info {
	int id;
	const char *name;     /* RFC 8446 name: "unknown_ca" */
	const char *meaning;  /* what it usually means, one line */
};

/* NULL for an unassigned alert number. */
const struct tp_alert_info *tp_registry_alert(int id);
/* "ClientHello", "CertificateRequest", …; "handshake type N" otherwise
 * (written into buf). */
const char *tp_registry_handshake_name(int type, char *buf, unsigned size);
/* The same for a type as a GnuTLS handshake hook gives it, whose own
 * numbers name ChangeCipherSpec (254, MessageHash on the wire), the SSL
 * 2.0 ClientHello (1024) and the HelloRetryRequest (1025). */
const char *tp_registry_gnutls_handshake_name(unsigned htype, char *buf,
					      unsigned size);

/* ---- cipher suites (IANA TLS Cipher Suites registry) ---- */

enum tp_kx {
	TP_KX_NULL,        /* TLS_NULL_WITH_NULL_NULL */
	TP_KX_RSA,         /* static RSA key transport */
	TP_KX_RSA_EXPORT,
	TP_KX_DH,          /* static DH (certificate) */
	TP_KX_DHE,
	TP_KX_ECDH,        /* static ECDH (certificate) */
	TP_KX_ECDHE,
	TP_KX_PSK,
	TP_KX_DHE_PSK,
	TP_KX_RSA_PSK,
	TP_KX_ECDHE_PSK,
	TP_KX_SRP,
	TP_KX_KRB5,
	TP_KX_GOST,
	TP_KX_ECCPWD,
	TP_KX_ANY,         /* TLS 1.3: chosen by supported_groups */
};

enum tp_auth {
	TP_AUTH_NULL,      /* anonymous */
	TP_AUTH_RSA,
	TP_AUTH_DSS,
	TP_AUTH_ECDSA,
	TP_AUTH_PSK,
	TP_AUTH_SRP,       /* SRP password only */
	TP_AUTH_KRB5,
	TP_AUTH_GOST,
	TP_AUTH_ECCPWD,
	TP_AUTH_ANY,       /* TLS 1.3: chosen by signature_algorithms */
};

enum tp_enc {
	TP_ENC_NULL,
	TP_ENC_RC4,
	TP_ENC_RC2,
	TP_ENC_DES,        /* single DES, 56 bits (40 when export) */
	TP_ENC_3DES,
	TP_ENC_IDEA,
	TP_ENC_SEED,
	TP_ENC_AES,
	TP_ENC_CAMELLIA,
	TP_ENC_ARIA,
	TP_ENC_CHACHA20,
	TP_ENC_SM4,
	TP_ENC_GOST,       /* GOST 28147-89, Kuznyechik, Magma */
	TP_ENC_AEGIS,      /* AEGIS-128L, AEGIS-256 (TLS 1.3) */
};

enum tp_mode {
	TP_MODE_NONE,      /* NULL cipher */
	TP_MODE_STREAM,    /* RC4 */
	TP_MODE_CBC,
	TP_MODE_GCM,
	TP_MODE_CCM,
	TP_MODE_CCM8,
	TP_MODE_POLY1305,
	TP_MODE_CNT,       /* GOST counter modes */
	TP_MODE_AEAD,      /* the cipher is itself an AEAD (AEGIS) */
};

enum tp_mac {
	TP_MAC_NULL,
	TP_MAC_MD5,
	TP_MAC_SHA1,
	TP_MAC_SHA256,
	TP_MAC_SHA384,
	TP_MAC_AEAD,       /* GCM, CCM, Poly1305 */
	TP_MAC_GOST,
	TP_MAC_SM3,
};

struct tp_suite {
	uint16_t id;             /* 0xC02F */
	const char *iana;        /* "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	const char *openssl;     /* "ECDHE-RSA-AES128-GCM-SHA256"; NULL if none */
	const char *gnutls;      /* "TLS_ECDHE_RSA_AES_128_GCM_SHA256"; NULL if none */
	enum tp_kx kx;
	enum tp_auth auth;
	enum tp_enc enc;
	enum tp_mode mode;
	enum tp_mac mac;
	unsigned bits;           /* effective symmetric key bits (3DES: 112,
				  * export: 40, NULL: 0) */
	bool is_export;
	uint16_t min_version;    /* lowest version it can be used with:
				  * 0x0300, 0x0303 (SHA-256/384, AEAD), 0x0304 */
	uint16_t max_version;    /* highest: 0x0303 for every pre-1.3 suite,
				  * 0x0304 for TLS 1.3 suites, 0x0302 export
				  * and single-DES/IDEA (removed in 1.2) */
};

/* Every assigned suite (not the SCSVs), in the order of their ids. */
const struct tp_suite *tp_registry_suites(size_t *n);
/* NULL when id is not an assigned suite. */
const struct tp_suite *tp_registry_suite(uint16_t id);
/* By IANA, OpenSSL or GnuTLS name, case-insensitive; NULL if none. */
const struct tp_suite *tp_registry_suite_by_name(const char *name);
/* "TLS_FALLBACK_SCSV" / "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" */
#define TP_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF
#define TP_SUITE_FALLBACK_SCSV 0x5600

/* Short names for text and JSON: "ECDHE", "RSA", "AES", "GCM", "SHA256". */
const char *tp_kx_name(enum tp_kx kx);
const char *tp_auth_name(enum tp_auth auth);
const char *tp_enc_name(enum tp_enc enc);
const char *tp_mode_name(enum tp_mode mode);
const char *tp_mac_name(enum tp_mac mac);

/* ---- supported groups (IANA TLS Supported Groups registry) ---- */

enum tp_group_kind {
	TP_GROUP_EC,       /* elliptic curve (incl. x25519, x448, brainpool) */
	TP_GROUP_FF,       /* finite-field DH (ffdhe*) */
	TP_GROUP_HYBRID,   /* post-quantum hybrid: X25519MLKEM768, … */
	TP_GROUP_PQ,       /* pure post-quantum: MLKEM768, … */
};

struct tp_group {
	uint16_t id;         /* 0x001D */
	const char *name;    /* the IANA description: "x25519", "secp256r1",
			      * "ffdhe2048", "X25519MLKEM768" */
	enum tp_group_kind kind;
	unsigned bits;       /* classical security strength in bits
			      * (secp256r1: 128, ffdhe2048: 103, sect163k1: 80) */
	unsigned share_len;  /* TLS 1.3 key_share length of a client share;
			      * 0 when unusable in TLS 1.3 */
	bool tls13;          /* usable in TLS 1.3 */
	bool deprecated;     /* marked not recommended / deprecated */
};

/* Every assigned group, in the order of their ids. */
const struct tp_group *tp_registry_groups(size_t *n);
const struct tp_group *tp_registry_group(uint16_t id);
const struct tp_group *tp_registry_group_by_name(const char *name);

/* ---- signature schemes (IANA TLS SignatureScheme registry, plus the
 * TLS 1.2 hash/signature pairs of RFC 5246 section 7.4.1.4.1) ---- */

struct tp_sigscheme {
	uint16_t id;         /* 0x0804 */
	const char *name;    /* "rsa_pss_rsae_sha256"; TLS 1.2 pairs that
			      * have no scheme name: "rsa_md5", "dsa_sha1",
			      * "ecdsa_sha224", … */
	unsigned hash_bits;  /* of the hash: MD5 128, SHA-1 160, … (0 for
			      * EdDSA and schemes with an intrinsic hash) */
	bool weak;           /* MD5 or SHA-1 */
	bool tls13;          /* allowed in TLS 1.3 CertificateVerify */
};

const struct tp_sigscheme *tp_registry_sigschemes(size_t *n);
const struct tp_sigscheme *tp_registry_sigscheme(uint16_t id);

/* ---- protocol versions ---- */

struct tp_version {
	uint16_t id;         /* 0x0303 */
	const char *name;    /* "TLS1.2" (the contract's spelling), "SSL3.0" */
	const char *nmap;    /* "TLSv1.2", "SSLv3" (nmap's spelling) */
	bool weak;           /* SSL 3.0, TLS 1.0, TLS 1.1 */
};

/* SSL 3.0, TLS 1.0, 1.1, 1.2, 1.3, oldest first. */
const struct tp_version *tp_registry_versions(size_t *n);
const struct tp_version *tp_registry_version(uint16_t id);
/* By "TLS1.2", "tls1.2", "TLSv1.2", "1.2", "SSL3.0", "ssl3"; NULL if none. */
const struct tp_version *tp_registry_version_by_name(const char *name);

#endif
