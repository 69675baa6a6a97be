/*
 * Cipher policies: an OpenSSL cipher string, a list of IANA names or a
 * GnuTLS priority string, expanded into registry suites.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "policy.h"
#include "registry.h"

const char *tp_policy_syntax_name(enum tp_policy_syntax s)
{
	switch (s) {
	case TP_POLICY_OPENSSL:
		return "OpenSSL cipher string";
	case TP_POLICY_IANA:
		return "IANA suite names";
	case TP_POLICY_GNUTLS:
		return "GnuTLS priority string";
	}
	return "?";
}

bool tp_policy_has(const struct tp_policy *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < p->n_suites; i++)
		if (p->suites[i] == id)
			return true;
	return false;
}

static int add_suite(struct tp_policy *p, uint16_t id)
{
	if (tp_policy_has(p, id))
		return 0;
	if (p->n_suites >= TP_POLICY_MAX)
		return -1;
	p->suites[p->n_suites++] = id;
	return 0;
}

static bool is_tls13(const struct tp_suite *s)
{
	return s->min_version >= 0x0304;
}

/* ---- syntax detection ---- */

/* Separators of OpenSSL cipher strings (ITEM_SEP) plus the white space a
 * configuration file may leave in. */
static bool openssl_sep(char c)
{
	return c == ':' || c == ',' || c == ';' || c == ' ' || c == '\t' ||
	       c == '\n' || c == '\r';
}

static bool iana_sep(char c)
{
	return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n' ||
	       c == '\r';
}

/* Copies the next token of text into tok; returns where it ended, or NULL
 * when no token is left. */
static const char *next_token(const char *text, bool (*sep)(char),
			      char *tok, size_t size)
{
	size_t n = 0;

	while (*text != '\0' && sep(*text))
		text++;
	if (*text == '\0')
		return NULL;
	while (*text != '\0' && !sep(*text)) {
		if (n + 1 < size)
			tok[n++] = *text;
		text++;
	}
	tok[n] = '\0';
	return text;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Words of GnuTLS priority strings that OpenSSL does not have. */
static const char *const gnutls_levels[] = {
	"NORMAL", "SECURE128", "SECURE192", "SECURE256", "SECURE",
	"PERFORMANCE", "PFS", "LEGACY", "NONE", "SYSTEM", NULL,
};

/* Keyword families after a leading '+' or '-' in GnuTLS; the first ones
 * are prefixes, CIPHER-ALL and friends included. */
static const char *const gnutls_families[] = {
	"VERS-", "CIPHER-", "MAC-", "KX-", "GROUP-", "SIGN-", "CURVE-",
	"COMP-", "CTYPE-", NULL,
};

/* GnuTLS algorithm names that cannot be OpenSSL words. */
static const char *const gnutls_words[] = {
	"AES-128-GCM", "AES-256-GCM", "AES-128-CBC", "AES-256-CBC",
	"AES-128-CCM", "AES-256-CCM", "AES-128-CCM-8", "AES-256-CCM-8",
	"CHACHA20-POLY1305", "CAMELLIA-128-GCM", "CAMELLIA-256-GCM",
	"CAMELLIA-128-CBC", "CAMELLIA-256-CBC", "3DES-CBC", "ARCFOUR-128",
	"ARCFOUR-40", "AEAD", "ECDHE-RSA", "ECDHE-ECDSA", "DHE-RSA",
	"DHE-DSS", "ANON-DH", "ANON-ECDH", "ECDHE-PSK", "DHE-PSK", "RSA-PSK",
	"SRP-RSA", "SRP-DSS", "GOST28147-TC26Z-CNT", NULL,
};

static bool in_list(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

static bool looks_gnutls(const char *text)
{
	char tok[256];
	const char *rest = text, *w;
	const char *const *f;
	bool first = true;

	while ((rest = next_token(rest, openssl_sep, tok, sizeof(tok)))) {
		w = tok;
		if (w[0] == '%')
			return true;
		/* SUITEB128/192 exist in both; first, they read as GnuTLS */
		if (first && (strcmp(w, "SUITEB128") == 0 ||
			      strcmp(w, "SUITEB192") == 0))
			return true;
		first = false;
		if (in_list(gnutls_levels, w))
			return true;
		if (w[0] != '+' && w[0] != '-' && w[0] != '!')
			continue;
		w++;
		for (f = gnutls_families; *f != NULL; f++)
			if (has_prefix(w, *f))
				return true;
		if (in_list(gnutls_words, w))
			return true;
	}
	return false;
}

static bool starts_iana(const char *w)
{
	return strncasecmp(w, "TLS_", 4) == 0 || strncasecmp(w, "SSL_", 4) == 0;
}

/* Every token is a TLS_… or SSL_… name. Those that name no suite are
 * reported by parse_iana rather than as unknown OpenSSL words. */
static bool looks_iana(const char *text)
{
	char tok[256];
	const char *rest = text;
	bool any = false;

	while ((rest = next_token(rest, iana_sep, tok, sizeof(tok)))) {
		if (!starts_iana(tok))
			return false;
		any = true;
	}
	return any;
}

static enum tp_policy_syntax detect(const char *text)
{
	if (looks_gnutls(text))
		return TP_POLICY_GNUTLS;
	if (looks_iana(text))
		return TP_POLICY_IANA;
	return TP_POLICY_OPENSSL;
}

/* ---- IANA lists ---- */

static int parse_iana(const char *text, struct tp_policy *p,
		      struct tp_error *err)
{
	char tok[256];
	const char *rest = text;
	const struct tp_suite *s;
	unsigned pos = 0;

	while ((rest = next_token(rest, iana_sep, tok, sizeof(tok)))) {
		pos++;
		s = tp_registry_suite_by_name(tok);
		/* Java and old docs spell the SSL 3.0 suites SSL_… */
		if (s == NULL && strncmp(tok, "SSL_", 4) == 0) {
			char tls[260];

			snprintf(tls, sizeof(tls), "TLS_%s", tok + 4);
			s = tp_registry_suite_by_name(tls);
		}
		if (s == NULL) {
			tp_error_set(err, TP_ERR_USAGE, "{policy}: unknown cipher "
				     "suite '%s' (name %u of the IANA list)",
				     tok, pos);
			return -1;
		}
		if (add_suite(p, s->id) < 0) {
			tp_error_set(err, TP_ERR_USAGE, "{policy}: more than %d "
				     "cipher suites", TP_POLICY_MAX);
			return -1;
		}
	}
	return 0;
}

/* ---- GnuTLS priority strings ---- */

static uint16_t gnutls_version_id(unsigned proto)
{
	switch (proto) {
	case GNUTLS_SSL3:
		return 0x0300;
	case GNUTLS_TLS1_0:
		return 0x0301;
	case GNUTLS_TLS1_1:
		return 0x0302;
	case GNUTLS_TLS1_2:
		return 0x0303;
	case GNUTLS_TLS1_3:
		return 0x0304;
	default:
		return 0;  /* DTLS */
	}
}

static int parse_gnutls(const char *text, struct tp_policy *p,
			struct tp_error *err)
{
	gnutls_priority_t prio;
	const char *pos = NULL;
	const unsigned *protos;
	unsigned char id[2];
	unsigned idx, i;
	int rc, n;
	uint16_t v;

	rc = gnutls_priority_init(&prio, text, &pos);
	if (rc < 0) {
		tp_error_set(err, TP_ERR_USAGE, "{policy}: GnuTLS rejects the "
			     "priority string at offset %ld ('%s'): %s",
			     pos ? (long)(pos - text) : -1L, pos ? pos : "?",
			     gnutls_strerror(rc));
		err->lib_status = rc;
		return -1;
	}
	for (i = 0;; i++) {
		rc = gnutls_priority_get_cipher_suite_index(prio, i, &idx);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;  /* a suite this build does not implement */
		if (gnutls_cipher_suite_info(idx, id, NULL, NULL, NULL, NULL) ==
		    NULL)
			continue;
		v = (uint16_t)(id[0] << 8 | id[1]);
		/* GnuTLS knows no suite that IANA has not assigned, but the
		 * registry is what every later step looks names up in */
		if (tp_registry_suite(v) == NULL)
			continue;
		if (add_suite(p, v) < 0)
			break;
	}
	n = gnutls_priority_protocol_list(prio, &protos);
	for (i = 0; n > 0 && i < (unsigned)n; i++) {
		v = gnutls_version_id(protos[i]);
		if (v != 0 && p->n_versions < sizeof(p->versions) /
						  sizeof(p->versions[0]))
			p->versions[p->n_versions++] = v;
	}
	gnutls_priority_deinit(prio);
	return 0;
}

/* ---- OpenSSL cipher strings ---- */

/*
 * The attributes OpenSSL's cipher-string words select on, as bit sets
 * (OpenSSL 3.0's ssl/ssl_local.h keeps the same ones). A word matches a
 * suite when, for every attribute it names, the two sets share a bit.
 */
enum {
	K_RSA = 1 << 0, K_DHE = 1 << 1, K_ECDHE = 1 << 2, K_PSK = 1 << 3,
	K_RSAPSK = 1 << 4, K_DHEPSK = 1 << 5, K_ECDHEPSK = 1 << 6,
	K_SRP = 1 << 7, K_GOST = 1 << 8, K_DH = 1 << 9, K_ECDH = 1 << 10,
	K_KRB5 = 1 << 11, K_OTHER = 1 << 12,
};
#define K_ALLPSK (K_PSK | K_RSAPSK | K_DHEPSK | K_ECDHEPSK)

enum {
	A_RSA = 1 << 0, A_DSS = 1 << 1, A_NULL = 1 << 2, A_ECDSA = 1 << 3,
	A_PSK = 1 << 4, A_SRP = 1 << 5, A_GOST = 1 << 6, A_KRB5 = 1 << 7,
	A_DH = 1 << 8, A_ECDH = 1 << 9, A_OTHER = 1 << 10,
};

enum {
	E_DES = 1 << 0, E_3DES = 1 << 1, E_RC4 = 1 << 2, E_RC2 = 1 << 3,
	E_IDEA = 1 << 4, E_NULL = 1 << 5, E_AES128 = 1 << 6,
	E_AES256 = 1 << 7, E_AES128GCM = 1 << 8, E_AES256GCM = 1 << 9,
	E_AES128CCM = 1 << 10, E_AES256CCM = 1 << 11,
	E_AES128CCM8 = 1 << 12, E_AES256CCM8 = 1 << 13,
	E_CAMELLIA128 = 1 << 14, E_CAMELLIA256 = 1 << 15, E_SEED = 1 << 16,
	E_CHACHA20 = 1 << 17, E_ARIA128GCM = 1 << 18, E_ARIA256GCM = 1 << 19,
	E_GOST = 1 << 20, E_OTHER = 1 << 21,
};
#define E_AESGCM (E_AES128GCM | E_AES256GCM)
#define E_AESCCM8 (E_AES128CCM8 | E_AES256CCM8)
#define E_AESCCM (E_AES128CCM | E_AES256CCM | E_AESCCM8)
#define E_AES (E_AES128 | E_AES256 | E_AESGCM | E_AESCCM)
#define E_CAMELLIA (E_CAMELLIA128 | E_CAMELLIA256)
#define E_ARIA (E_ARIA128GCM | E_ARIA256GCM)
#define E_CBC (E_DES | E_3DES | E_RC2 | E_IDEA | E_AES128 | E_AES256 | \
	       E_CAMELLIA | E_SEED)
#define E_ANY 0x3fffffu

enum {
	M_MD5 = 1 << 0, M_SHA1 = 1 << 1, M_SHA256 = 1 << 2, M_SHA384 = 1 << 3,
	M_AEAD = 1 << 4, M_GOST = 1 << 5, M_OTHER = 1 << 6,
};

/* Strength classes; every suite is in exactly one. */
enum {
	S_HIGH = 1 << 0, S_MEDIUM = 1 << 1, S_LOW = 1 << 2, S_EXPORT = 1 << 3,
	S_NONE = 1 << 4,
};

/* min_tls that no suite has: words for SSL 2.0 and DTLS select nothing */
#define V_NEVER 0xffff

struct pattern {
	uint16_t id;          /* one explicit suite, 0 for any */
	uint32_t mkey, auth, enc, mac, strength;
	bool not_default;     /* only suites outside OpenSSL's DEFAULT */
	uint16_t min_tls;     /* exactly this minimum version, 0 for any */
};

struct alias {
	const char *name;
	struct pattern p;
};

#define ALIAS(n, ...) {n, {.id = 0, __VA_ARGS__}}

/* OpenSSL 3.0's aliases (ciphers(1)), plus the ones 1.0.2 still had for
 * suites the registry knows: EXPORT, DES, kDHr, kECDHe, KRB5, … */
static const struct alias aliases[] = {
	ALIAS("ALL", .enc = E_ANY & ~(uint32_t)E_NULL),
	ALIAS("COMPLEMENTOFALL", .enc = E_NULL),
	ALIAS("COMPLEMENTOFDEFAULT", .not_default = true),
	ALIAS("HIGH", .strength = S_HIGH),
	ALIAS("MEDIUM", .strength = S_MEDIUM),
	ALIAS("LOW", .strength = S_LOW),
	ALIAS("EXPORT", .strength = S_EXPORT),
	ALIAS("EXP", .strength = S_EXPORT),
	ALIAS("EXPORT40", .strength = S_EXPORT),
	ALIAS("EXPORT56", .strength = S_EXPORT),
	ALIAS("eNULL", .enc = E_NULL),
	ALIAS("NULL", .enc = E_NULL),
	ALIAS("aNULL", .auth = A_NULL),
	ALIAS("kRSA", .mkey = K_RSA),
	ALIAS("aRSA", .auth = A_RSA),
	ALIAS("RSA", .mkey = K_RSA, .auth = A_RSA),
	ALIAS("kDHE", .mkey = K_DHE),
	ALIAS("kEDH", .mkey = K_DHE),
	ALIAS("DH", .mkey = K_DHE),
	ALIAS("DHE", .mkey = K_DHE, .auth = ~(uint32_t)A_NULL),
	ALIAS("EDH", .mkey = K_DHE, .auth = ~(uint32_t)A_NULL),
	ALIAS("ADH", .mkey = K_DHE, .auth = A_NULL),
	ALIAS("kECDHE", .mkey = K_ECDHE),
	ALIAS("kEECDH", .mkey = K_ECDHE),
	ALIAS("ECDH", .mkey = K_ECDHE),
	ALIAS("ECDHE", .mkey = K_ECDHE, .auth = ~(uint32_t)A_NULL),
	ALIAS("EECDH", .mkey = K_ECDHE, .auth = ~(uint32_t)A_NULL),
	ALIAS("AECDH", .mkey = K_ECDHE, .auth = A_NULL),
	ALIAS("kDHr", .mkey = K_DH),
	ALIAS("kDHd", .mkey = K_DH),
	ALIAS("kDH", .mkey = K_DH),
	ALIAS("aDH", .auth = A_DH),
	ALIAS("kECDHr", .mkey = K_ECDH),
	ALIAS("kECDHe", .mkey = K_ECDH),
	ALIAS("aECDH", .auth = A_ECDH),
	ALIAS("aECDSA", .auth = A_ECDSA),
	ALIAS("ECDSA", .auth = A_ECDSA),
	ALIAS("aDSS", .auth = A_DSS),
	ALIAS("DSS", .auth = A_DSS),
	ALIAS("PSK", .mkey = K_ALLPSK),
	ALIAS("kPSK", .mkey = K_PSK),
	ALIAS("kRSAPSK", .mkey = K_RSAPSK),
	ALIAS("kDHEPSK", .mkey = K_DHEPSK),
	ALIAS("kECDHEPSK", .mkey = K_ECDHEPSK),
	ALIAS("aPSK", .auth = A_PSK),
	ALIAS("SRP", .mkey = K_SRP),
	ALIAS("kSRP", .mkey = K_SRP),
	ALIAS("aSRP", .auth = A_SRP),
	ALIAS("kGOST", .mkey = K_GOST),
	ALIAS("aGOST", .auth = A_GOST),
	ALIAS("aGOST01", .auth = A_GOST),
	ALIAS("aGOST12", .auth = A_GOST),
	ALIAS("GOST", .enc = E_GOST),
	ALIAS("GOST94", .mac = M_GOST),
	ALIAS("GOST89MAC", .mac = M_GOST),
	ALIAS("GOST12", .mac = M_GOST),
	ALIAS("KRB5", .mkey = K_KRB5),
	ALIAS("kKRB5", .mkey = K_KRB5),
	ALIAS("aKRB5", .auth = A_KRB5),
	ALIAS("AES", .enc = E_AES),
	ALIAS("AES128", .enc = E_AES128 | E_AES128GCM | E_AES128CCM |
		  E_AES128CCM8),
	ALIAS("AES256", .enc = E_AES256 | E_AES256GCM | E_AES256CCM |
		  E_AES256CCM8),
	ALIAS("AESGCM", .enc = E_AESGCM),
	ALIAS("AESCCM", .enc = E_AESCCM),
	ALIAS("AESCCM8", .enc = E_AESCCM8),
	ALIAS("ARIA", .enc = E_ARIA),
	ALIAS("ARIA128", .enc = E_ARIA128GCM),
	ALIAS("ARIA256", .enc = E_ARIA256GCM),
	ALIAS("ARIAGCM", .enc = E_ARIA),
	ALIAS("CAMELLIA", .enc = E_CAMELLIA),
	ALIAS("CAMELLIA128", .enc = E_CAMELLIA128),
	ALIAS("CAMELLIA256", .enc = E_CAMELLIA256),
	ALIAS("CHACHA20", .enc = E_CHACHA20),
	ALIAS("3DES", .enc = E_3DES),
	ALIAS("DES", .enc = E_DES),
	ALIAS("RC4", .enc = E_RC4),
	ALIAS("RC2", .enc = E_RC2),
	ALIAS("IDEA", .enc = E_IDEA),
	ALIAS("SEED", .enc = E_SEED),
	ALIAS("CBC", .enc = E_CBC),
	ALIAS("MD5", .mac = M_MD5),
	ALIAS("SHA1", .mac = M_SHA1),
	ALIAS("SHA", .mac = M_SHA1),
	ALIAS("SHA256", .mac = M_SHA256),
	ALIAS("SHA384", .mac = M_SHA384),
	ALIAS("SSLv3", .min_tls = 0x0300),
	ALIAS("TLSv1", .min_tls = 0x0301),
	ALIAS("TLSv1.0", .min_tls = 0x0301),
	ALIAS("TLSv1.2", .min_tls = 0x0303),
	ALIAS("SSLv2", .min_tls = V_NEVER),
	ALIAS("DTLSv1", .min_tls = V_NEVER),
	ALIAS("DTLSv1.0", .min_tls = V_NEVER),
	ALIAS("DTLSv1.2", .min_tls = V_NEVER),
	{NULL, {0}},
};

/* One suite of the list being built, in a doubly linked list of indices
 * so that the order of inactive suites survives, as in OpenSSL. */
struct osuite {
	const struct tp_suite *s;
	uint32_t mkey, auth, enc, mac, strength;
	bool not_default;
	bool legacy;    /* not in OpenSSL 3's table: only its name selects
			 * it (a policy written for an OpenSSL 1.0 server) */
	uint16_t min_tls;
	bool active;
	bool killed;
	int prev, next;
};

struct olist {
	struct osuite *v;
	int n;
	int head, tail;
};

static uint32_t enc_bits(const struct tp_suite *s)
{
	bool b256 = s->bits > 128;

	switch (s->enc) {
	case TP_ENC_NULL:
		return E_NULL;
	case TP_ENC_RC4:
		return E_RC4;
	case TP_ENC_RC2:
		return E_RC2;
	case TP_ENC_DES:
		return E_DES;
	case TP_ENC_3DES:
		return E_3DES;
	case TP_ENC_IDEA:
		return E_IDEA;
	case TP_ENC_SEED:
		return E_SEED;
	case TP_ENC_CHACHA20:
		return E_CHACHA20;
	case TP_ENC_GOST:
		return E_GOST;
	case TP_ENC_AES:
		switch (s->mode) {
		case TP_MODE_GCM:
			return b256 ? E_AES256GCM : E_AES128GCM;
		case TP_MODE_CCM:
			return b256 ? E_AES256CCM : E_AES128CCM;
		case TP_MODE_CCM8:
			return b256 ? E_AES256CCM8 : E_AES128CCM8;
		default:
			return b256 ? E_AES256 : E_AES128;
		}
	case TP_ENC_CAMELLIA:
		/* OpenSSL has names only for the CBC ones */
		if (s->mode != TP_MODE_CBC)
			return E_OTHER;
		return b256 ? E_CAMELLIA256 : E_CAMELLIA128;
	case TP_ENC_ARIA:
		/* and only for the GCM ones of ARIA */
		if (s->mode != TP_MODE_GCM)
			return E_OTHER;
		return b256 ? E_ARIA256GCM : E_ARIA128GCM;
	default:
		return E_OTHER;
	}
}

static uint32_t mac_bits(enum tp_mac mac)
{
	switch (mac) {
	case TP_MAC_MD5:
		return M_MD5;
	case TP_MAC_SHA1:
		return M_SHA1;
	case TP_MAC_SHA256:
		return M_SHA256;
	case TP_MAC_SHA384:
		return M_SHA384;
	case TP_MAC_AEAD:
		return M_AEAD;
	case TP_MAC_GOST:
		return M_GOST;
	default:
		return M_OTHER;
	}
}

/* OpenSSL's key exchange class of a suite (its kRSA, kDHE, …). */
static uint32_t mkey_bits(const struct tp_suite *s)
{
	switch (s->kx) {
	case TP_KX_RSA:
	case TP_KX_RSA_EXPORT:
		return K_RSA;
	case TP_KX_DH:
		/* DH_anon is ephemeral whatever its name says */
		return s->auth == TP_AUTH_NULL ? K_DHE : K_DH;
	case TP_KX_DHE:
		return K_DHE;
	case TP_KX_ECDH:
		return s->auth == TP_AUTH_NULL ? K_ECDHE : K_ECDH;
	case TP_KX_ECDHE:
		return K_ECDHE;
	case TP_KX_PSK:
		return K_PSK;
	case TP_KX_DHE_PSK:
		return K_DHEPSK;
	case TP_KX_RSA_PSK:
		return K_RSAPSK;
	case TP_KX_ECDHE_PSK:
		return K_ECDHEPSK;
	case TP_KX_SRP:
		return K_SRP;
	case TP_KX_KRB5:
		return K_KRB5;
	case TP_KX_GOST:
		return K_GOST;
	default:
		return K_OTHER;
	}
}

/* OpenSSL's authentication class (aRSA, aECDSA, …); static DH and ECDH
 * authenticate with the certificate's own key (aDH, aECDH). */
static uint32_t auth_bits(const struct tp_suite *s, uint32_t mkey)
{
	if (mkey == K_DH)
		return A_DH;
	if (mkey == K_ECDH)
		return A_ECDH;
	switch (s->auth) {
	case TP_AUTH_NULL:
		return A_NULL;
	case TP_AUTH_RSA:
		return A_RSA;
	case TP_AUTH_DSS:
		return A_DSS;
	case TP_AUTH_ECDSA:
		return A_ECDSA;
	case TP_AUTH_PSK:
		return A_PSK;
	case TP_AUTH_SRP:
		return A_SRP;
	case TP_AUTH_KRB5:
		return A_KRB5;
	case TP_AUTH_GOST:
		return A_GOST;
	default:
		return A_OTHER;
	}
}

/* OpenSSL 3.0's strength classes (HIGH/MEDIUM/LOW in s3_lib.c);
 * 3DES has been MEDIUM since 1.1.0 */
static uint32_t strength_of(const struct tp_suite *s, const struct osuite *o)
{
	if (s->enc == TP_ENC_NULL)
		return S_NONE;
	if (s->is_export)
		return S_EXPORT;
	if (s->enc == TP_ENC_DES)
		return S_LOW;
	if (o->enc & (E_3DES | E_RC4 | E_RC2 | E_IDEA | E_SEED))
		return S_MEDIUM;
	return S_HIGH;
}

/* Outside DEFAULT (ALL:!COMPLEMENTOFDEFAULT:!eNULL) in OpenSSL 3.0:
 * anonymous and DSS suites, CCM, Camellia, ARIA, and everything
 * weaker than AES; NULL ciphers are kept out by !eNULL instead. */
static bool outside_default(const struct tp_suite *s, const struct osuite *o)
{
	return s->enc != TP_ENC_NULL &&
	       ((o->auth & (A_NULL | A_DSS | A_DH | A_ECDH | A_KRB5 | A_GOST)) ||
		(o->enc & (E_AESCCM | E_CAMELLIA | E_ARIA | E_3DES | E_DES |
			   E_RC4 | E_RC2 | E_IDEA | E_SEED | E_GOST | E_OTHER)) ||
		s->is_export);
}

/* OpenSSL's min_tls: AEAD and SHA-2 MACs need TLS 1.2, except the
 * PSK suites of RFC 5487 and 5489, which define them for TLS 1.0;
 * ECC suites need TLS 1.0 (RFC 4492). */
static uint16_t min_tls_of(const struct tp_suite *s, const struct osuite *o)
{
	if (is_tls13(s))
		return 0x0304;
	if (o->mac == M_AEAD)
		return 0x0303;
	if (o->mkey & K_ALLPSK)
		return (o->mac & (M_SHA256 | M_SHA384)) ||
				       o->mkey == K_ECDHEPSK
			       ? 0x0301
			       : 0x0300;
	if (o->mac & (M_SHA256 | M_SHA384))
		return 0x0303;
	if (o->mkey & (K_ECDHE | K_ECDH))
		return 0x0301;
	return 0x0300;
}

/* A registry suite in OpenSSL's terms: the classes its cipher string
 * selects by, its strength, DEFAULT and the oldest version it needs. */
static void classify(const struct tp_suite *s, struct osuite *o)
{
	memset(o, 0, sizeof(*o));
	o->s = s;
	o->mkey = mkey_bits(s);
	o->auth = auth_bits(s, o->mkey);
	o->enc = enc_bits(s);
	o->mac = mac_bits(s->mac);
	o->strength = strength_of(s, o);
	if (outside_default(s, o))
		o->not_default = true;
	o->min_tls = min_tls_of(s, o);
}

static bool matches(const struct osuite *o, const struct pattern *p)
{
	if (p->id != 0 && p->id != o->s->id)
		return false;
	if (o->legacy && p->id == 0)
		return false;
	if (p->mkey && !(p->mkey & o->mkey))
		return false;
	if (p->auth && !(p->auth & o->auth))
		return false;
	if (p->enc && !(p->enc & o->enc))
		return false;
	if (p->mac && !(p->mac & o->mac))
		return false;
	if (p->min_tls && p->min_tls != o->min_tls)
		return false;
	if (p->strength && !(p->strength & o->strength))
		return false;
	if (p->not_default && !o->not_default)
		return false;
	return true;
}

static void unlink_one(struct olist *l, int i)
{
	struct osuite *o = &l->v[i];

	if (o->prev >= 0)
		l->v[o->prev].next = o->next;
	else
		l->head = o->next;
	if (o->next >= 0)
		l->v[o->next].prev = o->prev;
	else
		l->tail = o->prev;
	o->prev = o->next = -1;
}

static void append_tail(struct olist *l, int i)
{
	if (l->tail == i)
		return;
	unlink_one(l, i);
	l->v[i].prev = l->tail;
	if (l->tail >= 0)
		l->v[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static void append_head(struct olist *l, int i)
{
	if (l->head == i)
		return;
	unlink_one(l, i);
	l->v[i].next = l->head;
	if (l->head >= 0)
		l->v[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
}

enum op { OP_ADD, OP_KILL, OP_DEL, OP_ORD, OP_BUMP };

/*
 * One rule over the list, as OpenSSL applies it: ADD appends matching
 * inactive suites, ORD moves matching active ones to the end, DEL
 * deactivates them and moves them to the front (walking backwards keeps
 * their order for a later ADD), BUMP moves active ones to the front, KILL
 * drops them for good. bits >= 0 selects on strength instead.
 */
static void apply(struct olist *l, const struct pattern *p, enum op op,
		  int bits)
{
	bool reverse = op == OP_DEL || op == OP_BUMP;
	int cur, next, last;
	struct osuite *o;

	if (l->head < 0)
		return;
	cur = -1;
	next = reverse ? l->tail : l->head;
	last = reverse ? l->head : l->tail;
	while (cur != last && next >= 0) {
		cur = next;
		o = &l->v[cur];
		next = reverse ? o->prev : o->next;
		if (bits >= 0 ? (int)o->s->bits != bits : !matches(o, p))
			continue;
		switch (op) {
		case OP_ADD:
			if (!o->active) {
				append_tail(l, cur);
				o->active = true;
			}
			break;
		case OP_ORD:
			if (o->active)
				append_tail(l, cur);
			break;
		case OP_DEL:
			if (o->active) {
				append_head(l, cur);
				o->active = false;
			}
			break;
		case OP_BUMP:
			if (o->active)
				append_head(l, cur);
			break;
		case OP_KILL:
			unlink_one(l, cur);
			o->active = false;
			o->killed = true;
			break;
		}
	}
}

/* @STRENGTH: active suites by key bits, strongest first, stable. */
static void strength_sort(struct olist *l)
{
	unsigned above = UINT_MAX, bits;
	bool found;
	int i;

	/* one pass for each strength present, as OpenSSL counts them
	 * first: a pass for each of the 257 possible ones made every
	 * cipher string cost a hundred thousand steps */
	for (;;) {
		found = false;
		bits = 0;
		for (i = l->head; i >= 0; i = l->v[i].next)
			if (l->v[i].active && l->v[i].s->bits < above &&
			    (!found || l->v[i].s->bits > bits)) {
				bits = l->v[i].s->bits;
				found = true;
			}
		if (!found)
			return;
		apply(l, NULL, OP_ORD, (int)bits);
		above = bits;
	}
}

#define PAT(...) (&(struct pattern){.id = 0, __VA_ARGS__})

/*
 * OpenSSL's order before any rule is read (ssl_create_cipher_list): ECDHE
 * first (ECDSA before RSA), AES-GCM, then ChaCha20, then other AES; MD5,
 * anonymous, static RSA, plain PSK and RC4 last; by strength; then
 * (EC)DHE+AEAD > (EC)DHE > AEAD > the rest. Then all are switched off,
 * keeping that order for the rules to add from.
 */
static void default_order(struct olist *l)
{
	apply(l, PAT(.mkey = K_ECDHE, .auth = A_ECDSA), OP_ADD, -1);
	apply(l, PAT(.mkey = K_ECDHE), OP_ADD, -1);
	apply(l, PAT(.mkey = K_ECDHE), OP_DEL, -1);
	apply(l, PAT(.enc = E_AESGCM), OP_ADD, -1);
	apply(l, PAT(.enc = E_CHACHA20), OP_ADD, -1);
	apply(l, PAT(.enc = E_AES & ~(uint32_t)E_AESGCM), OP_ADD, -1);
	apply(l, PAT(.mkey = 0), OP_ADD, -1);
	apply(l, PAT(.mac = M_MD5), OP_ORD, -1);
	apply(l, PAT(.auth = A_NULL), OP_ORD, -1);
	apply(l, PAT(.mkey = K_RSA), OP_ORD, -1);
	apply(l, PAT(.mkey = K_PSK), OP_ORD, -1);
	apply(l, PAT(.enc = E_RC4), OP_ORD, -1);
	strength_sort(l);
	apply(l, PAT(.min_tls = 0x0303), OP_BUMP, -1);
	apply(l, PAT(.mac = M_AEAD), OP_BUMP, -1);
	apply(l, PAT(.mkey = K_DHE | K_ECDHE), OP_BUMP, -1);
	apply(l, PAT(.mkey = K_DHE | K_ECDHE, .mac = M_AEAD), OP_BUMP, -1);
	apply(l, PAT(.mkey = 0), OP_DEL, -1);
}

/* The suite of this OpenSSL or IANA name (OpenSSL compares exactly);
 * *by_iana tells which of the two it was. */
static const struct tp_suite *suite_named(const char *w, bool *by_iana)
{
	const struct tp_suite *all;
	size_t n, i;

	*by_iana = false;
	/* OpenSSL 3 still takes the EDH- spelling of these two */
	if (strcmp(w, "EDH-DSS-DES-CBC3-SHA") == 0)
		return tp_registry_suite(0x0013);
	if (strcmp(w, "EDH-RSA-DES-CBC3-SHA") == 0)
		return tp_registry_suite(0x0016);
	all = tp_registry_suites(&n);
	for (i = 0; i < n; i++)
		if (all[i].openssl && strcmp(all[i].openssl, w) == 0)
			return &all[i];
	*by_iana = true;
	for (i = 0; i < n; i++)
		if (strcmp(all[i].iana, w) == 0)
			return &all[i];
	return NULL;
}

static const struct alias *alias_named(const char *w)
{
	const struct alias *a;

	for (a = aliases; a->name != NULL; a++)
		if (strcmp(a->name, w) == 0)
			return a;
	return NULL;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' ||
	       c == '=';
}

/*
 * Narrows pattern p by q, as OpenSSL does for "A+B": each attribute both
 * name must share a bit. False when nothing can match any more.
 */
static bool narrow(uint32_t *a, uint32_t b)
{
	if (b == 0)
		return true;
	*a = *a ? *a & b : b;
	return *a != 0;
}

static bool combine(struct pattern *p, const struct pattern *q)
{
	if (q->id != 0) {
		if (p->id != 0 && p->id != q->id)
			return false;
		p->id = q->id;
	}
	if (!narrow(&p->mkey, q->mkey) || !narrow(&p->auth, q->auth) ||
	    !narrow(&p->enc, q->enc) || !narrow(&p->mac, q->mac) ||
	    !narrow(&p->strength, q->strength))
		return false;
	p->not_default |= q->not_default;
	if (q->min_tls != 0) {
		if (p->min_tls != 0 && p->min_tls != q->min_tls)
			return false;
		p->min_tls = q->min_tls;
	}
	return true;
}

/* OpenSSL 3.0's TLS 1.3 default (SSL_CTX_set_ciphersuites). */
static const uint16_t tls13_default[] = {0x1302, 0x1303, 0x1301};

struct oeval {
	struct olist list;
	uint16_t tls13[16];
	size_t n_tls13;
	bool named_tls13;
	int seclevel;         /* -1: not given */
	const char *text;
	struct tp_error *err;
};

static void tls13_remove(struct oeval *e, uint16_t id)
{
	size_t i;

	for (i = 0; i < e->n_tls13; i++)
		if (e->tls13[i] == id) {
			memmove(&e->tls13[i], &e->tls13[i + 1],
				(e->n_tls13 - i - 1) * sizeof(e->tls13[0]));
			e->n_tls13--;
			return;
		}
}

static void tls13_rule(struct oeval *e, uint16_t id, enum op op)
{
	size_t i;

	e->named_tls13 = true;
	switch (op) {
	case OP_ADD:
		for (i = 0; i < e->n_tls13; i++)
			if (e->tls13[i] == id)
				return;
		if (e->n_tls13 < sizeof(e->tls13) / sizeof(e->tls13[0]))
			e->tls13[e->n_tls13++] = id;
		break;
	case OP_ORD:
		for (i = 0; i < e->n_tls13; i++)
			if (e->tls13[i] == id) {
				tls13_remove(e, id);
				e->tls13[e->n_tls13++] = id;
				break;
			}
		break;
	default:
		tls13_remove(e, id);
		break;
	}
}

static int special(struct oeval *e, const char *cmd, unsigned pos)
{
	if (strcmp(cmd, "STRENGTH") == 0) {
		strength_sort(&e->list);
		return 0;
	}
	if (strncmp(cmd, "SECLEVEL=", 9) == 0 && cmd[9] >= '0' &&
	    cmd[9] <= '5' && cmd[10] == '\0') {
		e->seclevel = cmd[9] - '0';
		return 0;
	}
	tp_error_set(e->err, TP_ERR_USAGE, "{policy}: unknown command '@%s' "
		     "(word %u of the OpenSSL cipher string; OpenSSL has "
		     "@STRENGTH and @SECLEVEL=0..5)", cmd, pos);
	return -1;
}

/* "@STRENGTH", "@SECLEVEL=N" at *s (past the '@'): read to the next
 * separator. */
static int at_command(struct oeval *e, const char **s, unsigned pos)
{
	const char *c = *s + 1;
	char w[128];
	size_t n;

	for (n = 0; c[n] != '\0' && !openssl_sep(c[n]); n++)
		;
	snprintf(w, sizeof(w), "%.*s", (int)n, c);
	*s = c + n;
	return special(e, w, pos);
}

/* The operator in front of an element ('!', '-', '+'), skipped. */
static enum op element_op(const char **c)
{
	switch (**c) {
	case '!':
		(*c)++;
		return OP_KILL;
	case '-':
		(*c)++;
		return OP_DEL;
	case '+':
		(*c)++;
		return OP_ORD;
	default:
		return OP_ADD;
	}
}

/*
 * One word w of an element (words counts them, after is the text that
 * follows it) combined into *p, *found false once the words name
 * nothing together. A TLS 1.3 suite is a rule of its own in OpenSSL,
 * applied here: 1. Combined: 0. An error: -1. *by_iana is
 * suite_named's, of this word.
 */
static int element_word(struct oeval *e, const char *w, const char *after,
			unsigned words, enum op op, unsigned pos,
			struct pattern *p, bool *found, bool *by_iana)
{
	const struct tp_suite *suite = suite_named(w, by_iana);
	const struct alias *a;

	if (suite != NULL && is_tls13(suite)) {
		/* TLS 1.3 suites are a list of their own in OpenSSL */
		if (words > 1 || *after == '+') {
			tp_error_set(e->err, TP_ERR_USAGE, "{policy}: "
				     "TLS 1.3 suite '%s' cannot be "
				     "combined with '+' (word %u of "
				     "the OpenSSL cipher string)", w,
				     pos);
			return -1;
		}
		tls13_rule(e, suite->id, op);
		return 1;
	}
	if (suite != NULL && *by_iana) {
		/* OpenSSL 3.0 skips such a word without a word */
		tp_error_set(e->err, TP_ERR_USAGE, "{policy}: OpenSSL "
			     "does not read the IANA name '%s' in a "
			     "cipher string (word %u); write '%s', or "
			     "give only IANA names", w, pos,
			     suite->openssl ? suite->openssl : "?");
		return -1;
	}
	if (suite != NULL) {
		struct osuite o;

		classify(suite, &o);
		struct pattern q = {
			.id = suite->id, .mkey = o.mkey,
			.auth = o.auth, .enc = o.enc, .mac = o.mac,
			.strength = o.strength,
		};
		*found = *found && combine(p, &q);
		return 0;
	}
	if ((a = alias_named(w)) != NULL) {
		*found = *found && combine(p, &a->p);
		return 0;
	}
	if (strcmp(w, "DEFAULT") == 0 || strncmp(w, "SUITEB", 6) == 0)
		tp_error_set(e->err, TP_ERR_USAGE, "{policy}: '%s' is "
			     "only understood at the start of an "
			     "OpenSSL cipher string (word %u)", w,
			     pos);
	else
		tp_error_set(e->err, TP_ERR_USAGE, "{policy}: unknown "
			     "cipher '%s' (word %u of the OpenSSL "
			     "cipher string)", w, pos);
	return -1;
}

/* Reads one element ("!aNULL", "ECDHE+AESGCM", "@STRENGTH") at *s. */
static int element(struct oeval *e, const char **s, unsigned pos)
{
	const char *c = *s;
	enum op op;
	struct pattern p = {0};
	char w[128];
	size_t n;
	bool found = true, by_iana = false;
	unsigned words = 0;
	int rc;

	if (*c == '@')
		return at_command(e, s, pos);
	op = element_op(&c);
	for (;;) {
		for (n = 0; word_char(c[n]); n++)
			;
		if (n == 0) {
			tp_error_set(e->err, TP_ERR_USAGE, "{policy}: unexpected "
				     "'%c' in word %u of the OpenSSL cipher "
				     "string '%s'", *c ? *c : ' ', pos,
				     e->text);
			return -1;
		}
		snprintf(w, sizeof(w), "%.*s", (int)n, c);
		c += n;
		words++;
		rc = element_word(e, w, c, words, op, pos, &p, &found,
				  &by_iana);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			*s = c;
			return 0;
		}
		if (*c != '+')
			break;
		c++;
	}
	*s = c;
	/* "kRSA+kDHE" names nothing; OpenSSL skips such a rule */
	if (found)
		apply(&e->list, &p, op, -1);
	return 0;
}

/* Applies the elements of s; pos counts them for messages. */
static int rules(struct oeval *e, const char *s, unsigned pos)
{
	for (;;) {
		while (*s != '\0' && openssl_sep(*s))
			s++;
		if (*s == '\0')
			return 0;
		pos++;
		if (element(e, &s, pos) < 0)
			return -1;
	}
}

/* SSL_SECOP_CIPHER_* in OpenSSL's default security callback. */
static bool seclevel_allows(const struct osuite *o, int level)
{
	static const unsigned minbits[] = {80, 112, 128, 192, 256};
	unsigned min;

	if (level <= 0)
		return true;
	min = minbits[level > 5 ? 4 : level - 1];
	if (o->s->bits < min || (o->auth & A_NULL) || (o->mac & M_MD5))
		return false;
	if (min > 160 && (o->mac & M_SHA1))
		return false;
	if (level >= 2 && (o->enc & E_RC4))
		return false;
	if (level >= 3 && o->min_tls != 0x0304 &&
	    !(o->mkey & (K_DHE | K_ECDHE | K_DHEPSK | K_ECDHEPSK)))
		return false;
	return true;
}

/* Where OpenSSL puts the SUITEB words: at the start, replacing all. */
static const char *suiteb(const char *text)
{
	static const struct {
		const char *word, *list;
	} b[] = {
		{"SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"},
		{"SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"},
		{"SUITEB128", "ECDHE-ECDSA-AES128-GCM-SHA256:"
			      "ECDHE-ECDSA-AES256-GCM-SHA384"},
		{"SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"},
	};
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (has_prefix(text, b[i].word))
			return b[i].list;
	return NULL;
}

/*
 * Whether OpenSSL 1.1.0 and later have a suite in their table at all:
 * they dropped static DH and ECDH, Kerberos, export, single DES and
 * RC2, and never had DHE-DSS-RC4-SHA or anonymous ARIA again; GOST comes
 * only with an engine. No alias selects them, as in OpenSSL, so that a
 * policy does not expect a server to accept them.
 */
static bool in_openssl3(const struct tp_suite *s)
{
	if (s->is_export || s->kx == TP_KX_DH || s->kx == TP_KX_ECDH ||
	    s->kx == TP_KX_KRB5 || s->kx == TP_KX_GOST ||
	    s->enc == TP_ENC_DES || s->enc == TP_ENC_RC2 ||
	    s->enc == TP_ENC_GOST)
		return false;
	if (s->kx == TP_KX_DHE && s->auth == TP_AUTH_DSS &&
	    s->enc == TP_ENC_RC4)
		return false;
	return !(s->auth == TP_AUTH_NULL && s->enc == TP_ENC_ARIA);
}

bool tp_policy_build_dependent(const struct tp_policy *p, uint16_t id)
{
	const struct tp_suite *s = tp_registry_suite(id);

	if (p->syntax != TP_POLICY_OPENSSL || s == NULL)
		return false;
	/* 3DES and RC4 suites exist only in builds with
	 * enable-weak-ssl-ciphers, SEED and IDEA only with the legacy
	 * provider loaded */
	if (s->enc == TP_ENC_3DES || s->enc == TP_ENC_RC4 ||
	    s->enc == TP_ENC_SEED || s->enc == TP_ENC_IDEA)
		return true;
	/* security level 1, OpenSSL's default (2 on Debian), refuses NULL
	 * ciphers and MD5; a string that sets its level decides alone */
	return p->seclevel < 0 &&
	       (s->enc == TP_ENC_NULL || s->mac == TP_MAC_MD5);
}

static int parse_openssl(const char *text, struct tp_policy *p,
			 struct tp_error *err)
{
	const struct tp_suite *all;
	struct oeval e = {.seclevel = -1, .text = text, .err = err};
	struct olist *l = &e.list;
	const struct tp_suite *s;
	const char *rest = text, *lead;
	size_t n, i;
	int k, rc = -1;
	size_t n_pre13 = 0;

	while (*rest != '\0' && openssl_sep(*rest))
		rest++;
	all = tp_registry_suites(&n);
	l->v = calloc(n ? n : 1, sizeof(*l->v));
	if (l->v == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "{policy}: out of memory");
		return -1;
	}
	/* OpenSSL starts from its table sorted by id, read backwards */
	l->head = l->tail = -1;
	for (i = n; i-- > 0;) {
		if (all[i].openssl == NULL || is_tls13(&all[i]))
			continue;
		k = l->n++;
		classify(&all[i], &l->v[k]);
		l->v[k].legacy = !in_openssl3(&all[i]);
		l->v[k].prev = l->tail;
		l->v[k].next = -1;
		if (l->tail >= 0)
			l->v[l->tail].next = k;
		else
			l->head = k;
		l->tail = k;
	}
	default_order(l);

	lead = suiteb(rest);
	if (lead != NULL) {
		if (rules(&e, lead, 0) < 0)
			goto out;
	} else {
		unsigned pos = 0;

		if (has_prefix(rest, "DEFAULT") &&
		    (rest[7] == '\0' || openssl_sep(rest[7]))) {
			/* OSSL_default_cipher_list() */
			if (rules(&e, "ALL:!COMPLEMENTOFDEFAULT:!eNULL", 0) < 0)
				goto out;
			rest += 7;
			pos = 1;
		}
		if (rules(&e, rest, pos) < 0)
			goto out;
	}

	if (!e.named_tls13)
		for (i = 0; i < sizeof(tls13_default) / sizeof(tls13_default[0]);
		     i++)
			if (tp_registry_suite(tls13_default[i]) != NULL)
				e.tls13[e.n_tls13++] = tls13_default[i];
	for (i = 0; i < e.n_tls13; i++) {
		struct osuite o;

		s = tp_registry_suite(e.tls13[i]);
		if (s == NULL)
			continue;
		classify(s, &o);
		if (seclevel_allows(&o, e.seclevel))
			add_suite(p, s->id);
	}
	for (k = l->head; k >= 0; k = l->v[k].next) {
		if (!l->v[k].active || !seclevel_allows(&l->v[k], e.seclevel))
			continue;
		if (add_suite(p, l->v[k].s->id) < 0)
			break;
		n_pre13++;
	}
	p->seclevel = e.seclevel;
	/* OpenSSL refuses a cipher string that leaves no TLS 1.2 suite */
	if (n_pre13 == 0 && !e.named_tls13)
		p->n_suites = 0;
	rc = 0;
out:
	free(l->v);
	return rc;
}

int tp_policy_parse(const char *text, struct tp_policy *p,
		    struct tp_error *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->seclevel = -1;
	if (text == NULL || text[strspn(text, " \t\r\n:,;")] == '\0') {
		tp_error_set(err, TP_ERR_USAGE, "{policy}: empty cipher list");
		return -1;
	}
	p->syntax = detect(text);
	switch (p->syntax) {
	case TP_POLICY_GNUTLS:
		rc = parse_gnutls(text, p, err);
		break;
	case TP_POLICY_IANA:
		rc = parse_iana(text, p, err);
		break;
	default:
		rc = parse_openssl(text, p, err);
		break;
	}
	if (rc < 0)
		return -1;
	if (p->n_suites == 0) {
		tp_error_set(err, TP_ERR_USAGE, "{policy}: '%s' selects no "
			     "cipher suite", text);
		return -1;
	}
	return 0;
}
