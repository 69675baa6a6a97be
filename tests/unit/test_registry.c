/*
 * Unit tests of registry.c: the tables' own invariants, lookups by every
 * kind of name, and the cipher suite table checked against the two
 * libraries it names: every suite GnuTLS knows, and every suite the
 * installed openssl lists, must be in it under exactly their names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>

#include "registry.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cipher suites: the table itself ---- */

static void test_registry_suites_sorted_unique(void **state)
{
	const struct tp_suite *t;
	size_t n, i;

	(void)state;
	t = tp_registry_suites(&n);
	assert_non_null(t);
	/* ~350 in the registry; a table cut short would still be sorted. */
	if (n < 340 || n > 400)
		fail_msg("%zu suites", n);
	for (i = 1; i < n; i++)
		if (t[i - 1].id >= t[i].id)
			fail_msg("0x%04X before 0x%04X", t[i - 1].id, t[i].id);
	for (i = 0; i < n; i++) {
		const char *names[3] = {t[i].iana, t[i].openssl, t[i].gnutls};
		size_t k;

		assert_non_null(t[i].iana);
		if (strncmp(t[i].iana, "TLS_", 4) != 0)
			fail_msg("0x%04X: IANA name '%s'", t[i].id, t[i].iana);
		/* Every name finds its own suite and no other: no name is
		 * shared between two suites in any of the three columns. */
		for (k = 0; k < 3; k++) {
			const struct tp_suite *s;

			if (!names[k])
				continue;
			s = tp_registry_suite_by_name(names[k]);
			if (s != &t[i])
				fail_msg("'%s' of 0x%04X finds 0x%04X", names[k],
					 t[i].id, s ? s->id : 0);
		}
		if (tp_registry_suite(t[i].id) != &t[i])
			fail_msg("binary search misses 0x%04X", t[i].id);
		if (t[i].min_version > t[i].max_version ||
		    t[i].min_version < 0x0300 || t[i].max_version > 0x0304)
			fail_msg("0x%04X: versions 0x%04X-0x%04X", t[i].id,
				 t[i].min_version, t[i].max_version);
		if ((t[i].kx == TP_KX_ANY) != (t[i].min_version == 0x0304))
			fail_msg("0x%04X: kx ANY iff TLS 1.3", t[i].id);
		if (t[i].bits > 256 || (t[i].enc == TP_ENC_NULL) != (t[i].bits == 0))
			fail_msg("0x%04X: %u bits", t[i].id, t[i].bits);
		if (strcmp(tp_kx_name(t[i].kx), "unknown") == 0 ||
		    strcmp(tp_auth_name(t[i].auth), "unknown") == 0 ||
		    strcmp(tp_enc_name(t[i].enc), "unknown") == 0 ||
		    strcmp(tp_mode_name(t[i].mode), "unknown") == 0 ||
		    strcmp(tp_mac_name(t[i].mac), "unknown") == 0)
			fail_msg("0x%04X: an attribute without a name", t[i].id);
	}
}

/* The signalling values are not suites; an audit must not report them. */
static void test_registry_suites_no_scsv(void **state)
{
	const struct tp_suite *t;
	size_t n, i;

	(void)state;
	assert_null(tp_registry_suite(TP_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV));
	assert_null(tp_registry_suite(TP_SUITE_FALLBACK_SCSV));
	assert_null(tp_registry_suite_by_name("TLS_FALLBACK_SCSV"));
	assert_null(
		tp_registry_suite_by_name("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
	t = tp_registry_suites(&n);
	for (i = 0; i < n; i++)
		if (strstr(t[i].iana, "SCSV"))
			fail_msg("0x%04X is %s", t[i].id, t[i].iana);
	/* GREASE (RFC 8701) and unassigned values. */
	assert_null(tp_registry_suite(0x0A0A));
	assert_null(tp_registry_suite(0x001C));
	assert_null(tp_registry_suite(0xFFFF));
}

/* ---- cipher suites: lookups ---- */

struct by_name {
	const char *name;
	uint16_t id;
};

static const struct by_name by_name_cases[] = {
	/* IANA */
	{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F},
	{"tls_ecdhe_rsa_with_aes_128_gcm_sha256", 0xC02F},
	{"TLS_RSA_WITH_RC4_128_SHA", 0x0005},
	{"TLS_PSK_DHE_WITH_AES_128_CCM_8", 0xC0AA},
	{"TLS_AES_128_GCM_SHA256", 0x1301},
	{"TLS_GOSTR341112_256_WITH_28147_CNT_IMIT", 0xC102},
	/* OpenSSL 3 */
	{"ECDHE-RSA-AES128-GCM-SHA256", 0xC02F},
	{"ecdhe-rsa-chacha20-poly1305", 0xCCA8},
	{"AES128-SHA", 0x002F},
	{"DES-CBC3-SHA", 0x000A},
	{"DHE-RSA-DES-CBC3-SHA", 0x0016},
	/* OpenSSL 1.0.x, dropped since */
	{"EXP-RC4-MD5", 0x0003},
	{"DES-CBC-SHA", 0x0009},
	{"EDH-RSA-DES-CBC-SHA", 0x0015},
	{"ADH-AES128-SHA", 0x0034},
	{"ECDH-ECDSA-AES128-SHA", 0xC004},
	{"KRB5-DES-CBC3-SHA", 0x001F},
	/* the other of EDH-/DHE-, as OpenSSL accepts both */
	{"EDH-RSA-DES-CBC3-SHA", 0x0016},
	{"EXP-EDH-DSS-DES-CBC-SHA", 0x0011},
	{"EXP-DHE-DSS-DES-CBC-SHA", 0x0011},
	{"DHE-RSA-DES-CBC-SHA", 0x0015},
	/* GnuTLS */
	{"TLS_ECDHE_RSA_AES_128_GCM_SHA256", 0xC02F},
	{"TLS_RSA_ARCFOUR_128_SHA1", 0x0005},
	{"TLS_RSA_3DES_EDE_CBC_SHA1", 0x000A},
	{"TLS_DH_ANON_AES_128_CBC_SHA1", 0x0034},
	{"TLS_ECDHE_ECDSA_CHACHA20_POLY1305", 0xCCA9},
};

static const char *const unknown_names[] = {
	"", "TLS_", "AES128", "ECDHE-RSA-AES128-GCM-SHA25",
	"EDH-", "ECDHE-RSA-AES128-GCM-SHA256 ", "TLS_FALLBACK_SCSV",
	"XEDH-RSA-DES-CBC3-SHA",
	/* long enough to overflow a careless copy for the EDH retry */
	"EDH-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

static void test_registry_suite_by_name(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(by_name_cases); i++) {
		const struct by_name *c = &by_name_cases[i];
		const struct tp_suite *s = tp_registry_suite_by_name(c->name);

		if (!s || s->id != c->id)
			fail_msg("'%s' found 0x%04X, expected 0x%04X", c->name,
				 s ? s->id : 0, c->id);
	}
	for (i = 0; i < N_ELEMS(unknown_names); i++)
		if (tp_registry_suite_by_name(unknown_names[i]))
			fail_msg("'%s' found a suite", unknown_names[i]);
	assert_null(tp_registry_suite_by_name(NULL));
}

/* ---- cipher suites: attributes of well-known ones ---- */

struct attrs {
	uint16_t id;
	const char *iana;
	const char *openssl;
	const char *gnutls;
	enum tp_kx kx;
	enum tp_auth auth;
	enum tp_enc enc;
	enum tp_mode mode;
	enum tp_mac mac;
	unsigned bits;
	bool is_export;
	uint16_t min_version, max_version;
};

static const struct attrs attr_cases[] = {
	{0x0000, "TLS_NULL_WITH_NULL_NULL", NULL, NULL, TP_KX_NULL,
	 TP_AUTH_NULL, TP_ENC_NULL, TP_MODE_NONE, TP_MAC_NULL, 0, false,
	 0x0300, 0x0303},
	{0x0001, "TLS_RSA_WITH_NULL_MD5", "NULL-MD5", "TLS_RSA_NULL_MD5",
	 TP_KX_RSA, TP_AUTH_RSA, TP_ENC_NULL, TP_MODE_NONE, TP_MAC_MD5, 0,
	 false, 0x0300, 0x0303},
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5", NULL,
	 TP_KX_RSA_EXPORT, TP_AUTH_RSA, TP_ENC_RC4, TP_MODE_STREAM, TP_MAC_MD5,
	 40, true, 0x0300, 0x0302},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA",
	 "TLS_RSA_ARCFOUR_128_SHA1", TP_KX_RSA, TP_AUTH_RSA, TP_ENC_RC4,
	 TP_MODE_STREAM, TP_MAC_SHA1, 128, false, 0x0300, 0x0303},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA", NULL, TP_KX_RSA,
	 TP_AUTH_RSA, TP_ENC_IDEA, TP_MODE_CBC, TP_MAC_SHA1, 128, false,
	 0x0300, 0x0302},
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA", NULL, TP_KX_RSA,
	 TP_AUTH_RSA, TP_ENC_DES, TP_MODE_CBC, TP_MAC_SHA1, 56, false, 0x0300,
	 0x0302},
	{0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA",
	 "TLS_RSA_3DES_EDE_CBC_SHA1", TP_KX_RSA, TP_AUTH_RSA, TP_ENC_3DES,
	 TP_MODE_CBC, TP_MAC_SHA1, 112, false, 0x0300, 0x0303},
	{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
	 "EXP-EDH-RSA-DES-CBC-SHA", NULL, TP_KX_DHE, TP_AUTH_RSA, TP_ENC_DES,
	 TP_MODE_CBC, TP_MAC_SHA1, 40, true, 0x0300, 0x0302},
	{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA",
	 "TLS_DH_ANON_AES_128_CBC_SHA1", TP_KX_DHE, TP_AUTH_NULL, TP_ENC_AES,
	 TP_MODE_CBC, TP_MAC_SHA1, 128, false, 0x0300, 0x0303},
	{0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256",
	 "TLS_RSA_AES_256_CBC_SHA256", TP_KX_RSA, TP_AUTH_RSA, TP_ENC_AES,
	 TP_MODE_CBC, TP_MAC_SHA256, 256, false, 0x0303, 0x0303},
	{0x00C6, "TLS_SM4_GCM_SM3", NULL, NULL, TP_KX_ANY, TP_AUTH_ANY,
	 TP_ENC_SM4, TP_MODE_GCM, TP_MAC_AEAD, 128, false, 0x0304, 0x0304},
	{0x00C7, "TLS_SM4_CCM_SM3", NULL, NULL, TP_KX_ANY, TP_AUTH_ANY,
	 TP_ENC_SM4, TP_MODE_CCM, TP_MAC_AEAD, 128, false, 0x0304, 0x0304},
	{0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
	 "TLS_AES_128_GCM_SHA256", TP_KX_ANY, TP_AUTH_ANY, TP_ENC_AES,
	 TP_MODE_GCM, TP_MAC_AEAD, 128, false, 0x0304, 0x0304},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
	 "TLS_CHACHA20_POLY1305_SHA256", TP_KX_ANY, TP_AUTH_ANY,
	 TP_ENC_CHACHA20, TP_MODE_POLY1305, TP_MAC_AEAD, 256, false, 0x0304,
	 0x0304},
	{0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256",
	 "TLS_AES_128_CCM_8_SHA256", TP_KX_ANY, TP_AUTH_ANY, TP_ENC_AES,
	 TP_MODE_CCM8, TP_MAC_AEAD, 128, false, 0x0304, 0x0304},
	{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA",
	 "TLS_ECDHE_RSA_ARCFOUR_128_SHA1", TP_KX_ECDHE, TP_AUTH_RSA,
	 TP_ENC_RC4, TP_MODE_STREAM, TP_MAC_SHA1, 128, false, 0x0301, 0x0303},
	{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	 "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_AES_128_GCM_SHA256",
	 TP_KX_ECDHE, TP_AUTH_RSA, TP_ENC_AES, TP_MODE_GCM, TP_MAC_AEAD, 128,
	 false, 0x0303, 0x0303},
	{0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	 "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_AES_256_GCM_SHA384",
	 TP_KX_ECDHE, TP_AUTH_RSA, TP_ENC_AES, TP_MODE_GCM, TP_MAC_AEAD, 256,
	 false, 0x0303, 0x0303},
	{0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8",
	 "TLS_ECDHE_ECDSA_AES_128_CCM_8", TP_KX_ECDHE, TP_AUTH_ECDSA,
	 TP_ENC_AES, TP_MODE_CCM8, TP_MAC_AEAD, 128, false, 0x0303, 0x0303},
	{0xC102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT",
	 "IANA-GOST2012-GOST8912-GOST8912", "TLS_GOSTR341112_256_28147_CNT_IMIT",
	 TP_KX_GOST, TP_AUTH_GOST, TP_ENC_GOST, TP_MODE_CNT, TP_MAC_GOST, 256,
	 false, 0x0303, 0x0303},
	{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	 "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_CHACHA20_POLY1305",
	 TP_KX_ECDHE, TP_AUTH_RSA, TP_ENC_CHACHA20, TP_MODE_POLY1305,
	 TP_MAC_AEAD, 256, false, 0x0303, 0x0303},
	{0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
	 "PSK-CHACHA20-POLY1305", "TLS_PSK_CHACHA20_POLY1305", TP_KX_PSK,
	 TP_AUTH_PSK, TP_ENC_CHACHA20, TP_MODE_POLY1305, TP_MAC_AEAD, 256,
	 false, 0x0303, 0x0303},
	{0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", NULL, NULL,
	 TP_KX_ECDHE_PSK, TP_AUTH_PSK, TP_ENC_AES, TP_MODE_CCM, TP_MAC_AEAD,
	 128, false, 0x0303, 0x0303},
};

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void test_registry_suite_attributes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(attr_cases); i++) {
		const struct attrs *c = &attr_cases[i];
		const struct tp_suite *s = tp_registry_suite(c->id);

		if (!s)
			fail_msg("0x%04X missing", c->id);
		if (!same_name(s->iana, c->iana) ||
		    !same_name(s->openssl, c->openssl) ||
		    !same_name(s->gnutls, c->gnutls))
			fail_msg("0x%04X named %s / %s / %s", c->id, s->iana,
				 s->openssl ? s->openssl : "(none)",
				 s->gnutls ? s->gnutls : "(none)");
		if (s->kx != c->kx || s->auth != c->auth || s->enc != c->enc ||
		    s->mode != c->mode || s->mac != c->mac)
			fail_msg("0x%04X is %s %s %s %s %s", c->id,
				 tp_kx_name(s->kx), tp_auth_name(s->auth),
				 tp_enc_name(s->enc), tp_mode_name(s->mode),
				 tp_mac_name(s->mac));
		if (s->bits != c->bits || s->is_export != c->is_export ||
		    s->min_version != c->min_version ||
		    s->max_version != c->max_version)
			fail_msg("0x%04X: %u bits, export %d, 0x%04X-0x%04X",
				 c->id, s->bits, s->is_export, s->min_version,
				 s->max_version);
	}
}

static void test_registry_attribute_names(void **state)
{
	(void)state;
	assert_string_equal(tp_kx_name(TP_KX_ECDHE), "ECDHE");
	assert_string_equal(tp_kx_name(TP_KX_ANY), "ANY");
	assert_string_equal(tp_auth_name(TP_AUTH_RSA), "RSA");
	assert_string_equal(tp_auth_name(TP_AUTH_NULL), "anon");
	assert_string_equal(tp_enc_name(TP_ENC_AES), "AES");
	assert_string_equal(tp_enc_name(TP_ENC_3DES), "3DES");
	assert_string_equal(tp_mode_name(TP_MODE_GCM), "GCM");
	assert_string_equal(tp_mac_name(TP_MAC_SHA256), "SHA256");
	assert_string_equal(tp_kx_name((enum tp_kx)999), "unknown");
	assert_string_equal(tp_auth_name((enum tp_auth)-1), "unknown");
	assert_string_equal(tp_enc_name((enum tp_enc)999), "unknown");
	assert_string_equal(tp_mode_name((enum tp_mode)999), "unknown");
	assert_string_equal(tp_mac_name((enum tp_mac)999), "unknown");
}

/* ---- cipher suites against GnuTLS ---- */

static void test_registry_suites_match_gnutls(void **state)
{
	static bool known[65536];
	const struct tp_suite *t;
	unsigned char id[2];
	const char *name;
	size_t i, n, count = 0;

	(void)state;
	memset(known, 0, sizeof(known));
	for (i = 0; (name = gnutls_cipher_suite_info(i, id, NULL, NULL, NULL,
						      NULL)) != NULL; i++) {
		uint16_t v = (uint16_t)(id[0] << 8 | id[1]);
		const struct tp_suite *s = tp_registry_suite(v);

		if (!s)
			fail_msg("GnuTLS %s (0x%04X) is not in the table", name,
				 v);
		if (!s->gnutls || strcmp(s->gnutls, name) != 0)
			fail_msg("0x%04X: GnuTLS says %s, the table %s", v, name,
				 s->gnutls ? s->gnutls : "(none)");
		known[v] = true;
		count++;
	}
	if (count < 100)
		fail_msg("GnuTLS listed only %zu suites", count);
	/* And no GnuTLS name in the table that GnuTLS does not know. */
	t = tp_registry_suites(&n);
	for (i = 0; i < n; i++)
		if (t[i].gnutls && !known[t[i].id])
			fail_msg("0x%04X: %s is not a GnuTLS suite", t[i].id,
				 t[i].gnutls);
}

/* ---- cipher suites against OpenSSL ---- */

static uint16_t version_of(const char *openssl_version)
{
	if (strcmp(openssl_version, "SSLv3") == 0)
		return 0x0300;
	if (strcmp(openssl_version, "TLSv1") == 0)
		return 0x0301;
	if (strcmp(openssl_version, "TLSv1.2") == 0)
		return 0x0303;
	if (strcmp(openssl_version, "TLSv1.3") == 0)
		return 0x0304;
	return 0;
}

/*
 * One line of `openssl ciphers -V -stdname`:
 *   0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD
 * Returns the number of lines checked.
 */
static size_t check_openssl(const char *command)
{
	char line[512];
	size_t count = 0;
	FILE *f;
	int status;

	f = popen(command, "r");
	if (!f)
		fail_msg("popen '%s' failed", command);
	while (fgets(line, sizeof(line), f)) {
		char stdname[128], name[128], version[16];
		unsigned hi, lo;
		const struct tp_suite *s;
		const char *enc;
		uint16_t id, v;

		if (sscanf(line, " 0x%x,0x%x - %127s - %127s %15s", &hi, &lo,
			   stdname, name, version) != 5 || hi > 0xFF || lo > 0xFF)
			fail_msg("cannot read openssl line: %s", line);
		id = (uint16_t)(hi << 8 | lo);
		s = tp_registry_suite(id);
		if (!s)
			fail_msg("OpenSSL %s (0x%04X) is not in the table", name,
				 id);
		if (strcmp(s->iana, stdname) != 0)
			fail_msg("0x%04X: OpenSSL's standard name %s, the table %s",
				 id, stdname, s->iana);
		if (!s->openssl || strcmp(s->openssl, name) != 0)
			fail_msg("0x%04X: OpenSSL says %s, the table %s", id,
				 name, s->openssl ? s->openssl : "(none)");
		/* OpenSSL lets some SHA-256 suites run below TLS 1.2; the
		 * table never goes lower than OpenSSL does. */
		v = version_of(version);
		if (!v || s->min_version < v)
			fail_msg("0x%04X: OpenSSL says %s, the table 0x%04X", id,
				 version, s->min_version);
		enc = strstr(line, "Enc=");
		if (enc) {
			const char *paren = strchr(enc, '(');
			unsigned long bits = 0;

			if (strncmp(enc, "Enc=None", 8) != 0)
				bits = paren ? strtoul(paren + 1, NULL, 10) : 999;
			if (bits != s->bits)
				fail_msg("0x%04X: %u bits, OpenSSL: %.30s", id,
					 s->bits, enc);
		}
		count++;
	}
	status = pclose(f);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("'%s' failed (status %d); is openssl installed?",
			 command, status);
	return count;
}

static void test_registry_suites_match_openssl(void **state)
{
	size_t n;

	(void)state;
	n = check_openssl("openssl ciphers -V -stdname "
			  "'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>&1");
	if (n < 100)
		fail_msg("openssl listed only %zu suites", n);
	n = check_openssl("openssl ciphers -V -stdname -s -tls1_3 "
			  "'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>&1");
	if (n < 3)
		fail_msg("openssl listed only %zu TLS 1.3 suites", n);
}

/* ---- groups ---- */

struct group_case {
	uint16_t id;
	const char *name;
	enum tp_group_kind kind;
	unsigned bits;
	unsigned share_len;
	bool tls13;
	bool deprecated;
};

static const struct group_case group_cases[] = {
	{0x0001, "sect163k1", TP_GROUP_EC, 80, 0, false, true},
	{0x0016, "secp256k1", TP_GROUP_EC, 128, 0, false, true},
	{0x0017, "secp256r1", TP_GROUP_EC, 128, 65, true, false},
	{0x0018, "secp384r1", TP_GROUP_EC, 192, 97, true, false},
	{0x0019, "secp521r1", TP_GROUP_EC, 256, 133, true, false},
	{0x001A, "brainpoolP256r1", TP_GROUP_EC, 128, 0, false, false},
	{0x001D, "x25519", TP_GROUP_EC, 128, 32, true, false},
	{0x001E, "x448", TP_GROUP_EC, 224, 56, true, false},
	{0x001F, "brainpoolP256r1tls13", TP_GROUP_EC, 128, 65, true, false},
	{0x0029, "curveSM2", TP_GROUP_EC, 128, 65, true, false},
	{0x0100, "ffdhe2048", TP_GROUP_FF, 103, 256, true, false},
	{0x0104, "ffdhe8192", TP_GROUP_FF, 192, 1024, true, false},
	{0x0200, "MLKEM512", TP_GROUP_PQ, 128, 800, true, false},
	{0x0201, "MLKEM768", TP_GROUP_PQ, 192, 1184, true, false},
	{0x0202, "MLKEM1024", TP_GROUP_PQ, 256, 1568, true, false},
	{0x11EB, "SecP256r1MLKEM768", TP_GROUP_HYBRID, 128, 1249, true, false},
	{0x11EC, "X25519MLKEM768", TP_GROUP_HYBRID, 128, 1216, true, false},
	{0x11ED, "SecP384r1MLKEM1024", TP_GROUP_HYBRID, 192, 1665, true,
	 false},
	{0x6399, "X25519Kyber768Draft00", TP_GROUP_HYBRID, 128, 1216, true,
	 true},
	{0xFF01, "arbitrary_explicit_prime_curves", TP_GROUP_EC, 0, 0, false,
	 true},
};

static void test_registry_groups(void **state)
{
	const struct tp_group *t;
	size_t n, i, j;

	(void)state;
	t = tp_registry_groups(&n);
	if (n < 50)
		fail_msg("%zu groups", n);
	for (i = 0; i < n; i++) {
		if (i > 0 && t[i - 1].id >= t[i].id)
			fail_msg("0x%04X before 0x%04X", t[i - 1].id, t[i].id);
		for (j = 0; j < i; j++)
			if (strcasecmp(t[i].name, t[j].name) == 0)
				fail_msg("'%s' twice", t[i].name);
		if (t[i].tls13 != (t[i].share_len != 0))
			fail_msg("%s: share %u, tls13 %d", t[i].name,
				 t[i].share_len, t[i].tls13);
		if (tp_registry_group(t[i].id) != &t[i] ||
		    tp_registry_group_by_name(t[i].name) != &t[i])
			fail_msg("%s not found by its id or name", t[i].name);
	}
	for (i = 0; i < N_ELEMS(group_cases); i++) {
		const struct group_case *c = &group_cases[i];
		const struct tp_group *g = tp_registry_group(c->id);

		if (!g)
			fail_msg("group 0x%04X missing", c->id);
		if (strcmp(g->name, c->name) != 0 || g->kind != c->kind ||
		    g->bits != c->bits || g->share_len != c->share_len ||
		    g->tls13 != c->tls13 || g->deprecated != c->deprecated)
			fail_msg("0x%04X: %s kind %d, %u bits, share %u, "
				 "tls13 %d, deprecated %d", c->id, g->name,
				 g->kind, g->bits, g->share_len, g->tls13,
				 g->deprecated);
	}
	assert_int_equal(tp_registry_group_by_name("X25519")->id, 0x001D);
	assert_int_equal(tp_registry_group_by_name("x25519mlkem768")->id,
			 0x11EC);
	assert_int_equal(tp_registry_group_by_name("prime256v1")->id, 0x0017);
	assert_int_equal(tp_registry_group_by_name("P-384")->id, 0x0018);
	assert_int_equal(tp_registry_group_by_name("FFDHE3072")->id, 0x0101);
	assert_null(tp_registry_group_by_name("x2551"));
	assert_null(tp_registry_group_by_name(""));
	assert_null(tp_registry_group_by_name(NULL));
	assert_null(tp_registry_group(0x0000));
	assert_null(tp_registry_group(0x0A0A));
}

/* ---- signature schemes ---- */

struct sigscheme_case {
	uint16_t id;
	const char *name;
	unsigned hash_bits;
	bool weak;
	bool tls13;
};

static const struct sigscheme_case sigscheme_cases[] = {
	{0x0101, "rsa_md5", 128, true, false},
	{0x0201, "rsa_pkcs1_sha1", 160, true, false},
	{0x0202, "dsa_sha1", 160, true, false},
	{0x0203, "ecdsa_sha1", 160, true, false},
	{0x0302, "dsa_sha224", 224, false, false},
	{0x0303, "ecdsa_sha224", 224, false, false},
	{0x0401, "rsa_pkcs1_sha256", 256, false, false},
	{0x0403, "ecdsa_secp256r1_sha256", 256, false, true},
	{0x0503, "ecdsa_secp384r1_sha384", 384, false, true},
	{0x0603, "ecdsa_secp521r1_sha512", 512, false, true},
	{0x0708, "sm2sig_sm3", 256, false, true},
	{0x0709, "gostr34102012_256a", 256, false, true},
	{0x0804, "rsa_pss_rsae_sha256", 256, false, true},
	{0x0807, "ed25519", 0, false, true},
	{0x0808, "ed448", 0, false, true},
	{0x080B, "rsa_pss_pss_sha512", 512, false, true},
	{0x081A, "ecdsa_brainpoolP256r1tls13_sha256", 256, false, true},
	{0x0905, "mldsa65", 0, false, true},
};

static void test_registry_sigschemes(void **state)
{
	const struct tp_sigscheme *t;
	size_t n, i, j;
	unsigned hash, sig;

	(void)state;
	t = tp_registry_sigschemes(&n);
	for (i = 0; i < n; i++) {
		if (i > 0 && t[i - 1].id >= t[i].id)
			fail_msg("0x%04X before 0x%04X", t[i - 1].id, t[i].id);
		for (j = 0; j < i; j++)
			if (strcmp(t[i].name, t[j].name) == 0)
				fail_msg("'%s' twice", t[i].name);
		if (tp_registry_sigscheme(t[i].id) != &t[i])
			fail_msg("0x%04X not found", t[i].id);
		if (t[i].weak && t[i].tls13)
			fail_msg("%s: weak yet allowed in TLS 1.3", t[i].name);
	}
	/* Every TLS 1.2 pair: hash md5..sha512 times rsa, dsa, ecdsa. */
	for (hash = 1; hash <= 6; hash++)
		for (sig = 1; sig <= 3; sig++)
			if (!tp_registry_sigscheme((uint16_t)(hash << 8 | sig)))
				fail_msg("pair 0x%02X%02X missing", hash, sig);
	for (i = 0; i < N_ELEMS(sigscheme_cases); i++) {
		const struct sigscheme_case *c = &sigscheme_cases[i];
		const struct tp_sigscheme *s = tp_registry_sigscheme(c->id);

		if (!s)
			fail_msg("scheme 0x%04X missing", c->id);
		if (strcmp(s->name, c->name) != 0 ||
		    s->hash_bits != c->hash_bits || s->weak != c->weak ||
		    s->tls13 != c->tls13)
			fail_msg("0x%04X: %s, %u bits, weak %d, tls13 %d", c->id,
				 s->name, s->hash_bits, s->weak, s->tls13);
	}
	assert_null(tp_registry_sigscheme(0x0000));
	assert_null(tp_registry_sigscheme(0x0104));
}

/* ---- versions ---- */

static const struct by_name version_cases[] = {
	{"SSL3.0", 0x0300}, {"ssl3", 0x0300}, {"SSLv3", 0x0300},
	{"sslv3.0", 0x0300},
	{"TLS1.0", 0x0301}, {"TLSv1.0", 0x0301}, {"TLSv1", 0x0301},
	{"tls1", 0x0301}, {"1.0", 0x0301}, {"TLS 1.0", 0x0301},
	{"TLS1.1", 0x0302}, {"TLSv1.1", 0x0302}, {"1.1", 0x0302},
	{"TLS1.2", 0x0303}, {"tls1.2", 0x0303}, {"TLSv1.2", 0x0303},
	{"1.2", 0x0303}, {"TLS_1_2", 0x0303}, {"TLS 1.2", 0x0303},
	{"TLS1.3", 0x0304}, {"TLSv1.3", 0x0304}, {"tlsv1.3", 0x0304},
	{"1.3", 0x0304},
};

static const char *const bad_versions[] = {
	"", "TLS", "TLSv", "SSL", "1.4", "TLS1.4", "SSL2", "SSLv2", "ssl1.2",
	"TLS3", "3.0", "TLS1.2x", "DTLS1.2", " TLS1.2", "TLSv1.2.0",
	"TLSvv1.2",
};

static void test_registry_versions(void **state)
{
	static const char *const nmap[] = {
		"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3",
	};
	static const char *const names[] = {
		"SSL3.0", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3",
	};
	const struct tp_version *t;
	size_t n, i;

	(void)state;
	t = tp_registry_versions(&n);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_int_equal(t[i].id, 0x0300 + i);
		assert_string_equal(t[i].nmap, nmap[i]);
		assert_string_equal(t[i].name, names[i]);
		assert_int_equal(t[i].weak, i < 3);
		assert_ptr_equal(tp_registry_version(t[i].id), &t[i]);
		assert_ptr_equal(tp_registry_version_by_name(t[i].name), &t[i]);
		assert_ptr_equal(tp_registry_version_by_name(t[i].nmap), &t[i]);
	}
	for (i = 0; i < N_ELEMS(version_cases); i++) {
		const struct tp_version *v =
			tp_registry_version_by_name(version_cases[i].name);

		if (!v || v->id != version_cases[i].id)
			fail_msg("'%s' found 0x%04X, expected 0x%04X",
				 version_cases[i].name, v ? v->id : 0,
				 version_cases[i].id);
	}
	for (i = 0; i < N_ELEMS(bad_versions); i++)
		if (tp_registry_version_by_name(bad_versions[i]))
			fail_msg("'%s' is a version", bad_versions[i]);
	assert_null(tp_registry_version_by_name(NULL));
	assert_null(tp_registry_version(0x0200));
	assert_null(tp_registry_version(0x0305));
}

/* The types a GnuTLS handshake hook passes: its own numbers for what is
 * not a plain handshake message on the wire get names, never a number. */
static void test_registry_gnutls_handshake_names(void **state)
{
	static const struct {
		unsigned type;
		const char *name;
	} cases[] = {
		{GNUTLS_HANDSHAKE_HELLO_RETRY_REQUEST, "HelloRetryRequest"},
		{GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC, "ChangeCipherSpec"},
		{GNUTLS_HANDSHAKE_CLIENT_HELLO_V2, "ClientHello (SSL 2.0)"},
		{GNUTLS_HANDSHAKE_CLIENT_HELLO, "ClientHello"},
		{GNUTLS_HANDSHAKE_SERVER_HELLO, "ServerHello"},
		{GNUTLS_HANDSHAKE_ENCRYPTED_EXTENSIONS, "EncryptedExtensions"},
		{GNUTLS_HANDSHAKE_FINISHED, "Finished"},
	};
	char buf[40];
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		assert_string_equal(tp_registry_gnutls_handshake_name(
			cases[i].type, buf, sizeof(buf)), cases[i].name);
	/* on the wire, 254 is message_hash (RFC 8446 section 4.4.1) */
	assert_string_equal(tp_registry_handshake_name(254, buf, sizeof(buf)),
			    "MessageHash");
	assert_string_equal(tp_registry_gnutls_handshake_name(999, buf,
							      sizeof(buf)),
			    "handshake type 999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_gnutls_handshake_names),
		cmocka_unit_test(test_registry_suites_sorted_unique),
		cmocka_unit_test(test_registry_suites_no_scsv),
		cmocka_unit_test(test_registry_suite_by_name),
		cmocka_unit_test(test_registry_suite_attributes),
		cmocka_unit_test(test_registry_attribute_names),
		cmocka_unit_test(test_registry_suites_match_gnutls),
		cmocka_unit_test(test_registry_suites_match_openssl),
		cmocka_unit_test(test_registry_groups),
		cmocka_unit_test(test_registry_sigschemes),
		cmocka_unit_test(test_registry_versions),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
