/*
 * tp_policy: syntax detection, the three syntaxes, their errors, and the
 * OpenSSL evaluator cross-checked against the openssl binary itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "registry.h"

/* ---- syntax detection ---- */

struct detect_case {
	const char *text;
	enum tp_policy_syntax syntax;
};

static const struct detect_case detect_cases[] = {
	/* GnuTLS priority strings */
	{"NORMAL", TP_POLICY_GNUTLS},
	{"SECURE128", TP_POLICY_GNUTLS},
	{"SECURE192", TP_POLICY_GNUTLS},
	{"SECURE256", TP_POLICY_GNUTLS},
	{"PERFORMANCE", TP_POLICY_GNUTLS},
	{"PFS", TP_POLICY_GNUTLS},
	{"LEGACY", TP_POLICY_GNUTLS},
	{"SUITEB128", TP_POLICY_GNUTLS},
	{"SUITEB192", TP_POLICY_GNUTLS},
	{"NORMAL:-VERS-TLS1.0", TP_POLICY_GNUTLS},
	{"SECURE256:+ARCFOUR-128", TP_POLICY_GNUTLS},
	{"NORMAL:%COMPAT", TP_POLICY_GNUTLS},
	{"NONE:+VERS-TLS1.2:+AES-128-GCM:+ECDHE-RSA:+AEAD:+SIGN-ALL:"
	 "+GROUP-ALL:+COMP-NULL", TP_POLICY_GNUTLS},
	{"NORMAL:-CIPHER-ALL:+AES-256-GCM", TP_POLICY_GNUTLS},
	{"PFS:-VERS-ALL:+VERS-TLS1.3", TP_POLICY_GNUTLS},
	{"NORMAL:+SRP:+SRP-RSA", TP_POLICY_GNUTLS},
	/* IANA names */
	{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TP_POLICY_IANA},
	{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
	 TP_POLICY_IANA},
	{"TLS_RSA_WITH_AES_256_CBC_SHA256:TLS_RSA_WITH_AES_256_GCM_SHA384",
	 TP_POLICY_IANA},
	{"TLS_AES_128_GCM_SHA256", TP_POLICY_IANA},
	{"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384", TP_POLICY_IANA},
	{"TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256",
	 TP_POLICY_IANA},
	{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "
	 "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TP_POLICY_IANA},
	{"SSL_RSA_WITH_RC4_128_SHA", TP_POLICY_IANA},
	{"TLS_RSA_WITH_3DES_EDE_CBC_SHA,SSL_RSA_WITH_RC4_128_MD5",
	 TP_POLICY_IANA},
	{"TLS_DHE_RSA_WITH_AES_128_CBC_SHA\nTLS_DHE_RSA_WITH_AES_256_CBC_SHA",
	 TP_POLICY_IANA},
	{"TLS_PSK_WITH_AES_128_GCM_SHA256", TP_POLICY_IANA},
	{"TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", TP_POLICY_IANA},
	{"TLS_RSA_WITH_NULL_SHA256", TP_POLICY_IANA},
	{"TLS_ECDHE_RSA_AES_128_GCM_SHA256", TP_POLICY_IANA},
	{"TLS_AES_128_CCM_SHA256,TLS_AES_128_CCM_8_SHA256", TP_POLICY_IANA},
	{"tls_aes_128_gcm_sha256", TP_POLICY_IANA},
	/* OpenSSL cipher strings */
	{"HIGH:!aNULL:!MD5", TP_POLICY_OPENSSL},
	{"DEFAULT", TP_POLICY_OPENSSL},
	{"ALL:@SECLEVEL=0", TP_POLICY_OPENSSL},
	{"ECDHE+AESGCM", TP_POLICY_OPENSSL},
	{"EECDH+AESGCM:EDH+AESGCM", TP_POLICY_OPENSSL},
	{"AES256-SHA256:AES256-GCM-SHA384", TP_POLICY_OPENSSL},
	{"HIGH:-AES256:+AES128", TP_POLICY_OPENSSL},
	{"kRSA:@SECLEVEL=0", TP_POLICY_OPENSSL},
	{"ALL:!ADH:!EXPORT:!SSLv2:RC4+RSA:+HIGH:+MEDIUM", TP_POLICY_OPENSSL},
	{"ECDHE-RSA-AES128-GCM-SHA256", TP_POLICY_OPENSSL},
	{"TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256",
	 TP_POLICY_OPENSSL},
	{"SUITEB128ONLY", TP_POLICY_OPENSSL},
	{"HIGH:+SHA1", TP_POLICY_OPENSSL},
	{"3DES", TP_POLICY_OPENSSL},
	{"RSA+AES", TP_POLICY_OPENSSL},
	{"!aNULL HIGH", TP_POLICY_OPENSSL},
	{"MEDIUM,HIGH", TP_POLICY_OPENSSL},
};

static void test_policy_detect(void **state)
{
	struct tp_policy p;
	struct tp_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
		const struct detect_case *c = &detect_cases[i];

		memset(&err, 0, sizeof(err));
		if (tp_policy_parse(c->text, &p, &err) < 0)
			fail_msg("'%s': %s", c->text, err.message);
		if (p.syntax != c->syntax)
			fail_msg("'%s' read as %s, not %s", c->text,
				 tp_policy_syntax_name(p.syntax),
				 tp_policy_syntax_name(c->syntax));
		assert_true(p.n_suites > 0);
	}
}

static void test_policy_syntax_names(void **state)
{
	(void)state;
	assert_string_equal(tp_policy_syntax_name(TP_POLICY_OPENSSL),
			    "OpenSSL cipher string");
	assert_string_equal(tp_policy_syntax_name(TP_POLICY_IANA),
			    "IANA suite names");
	assert_string_equal(tp_policy_syntax_name(TP_POLICY_GNUTLS),
			    "GnuTLS priority string");
}

/* ---- helpers ---- */

static void parse_ok(const char *text, struct tp_policy *p)
{
	struct tp_error err;

	memset(&err, 0, sizeof(err));
	if (tp_policy_parse(text, p, &err) < 0)
		fail_msg("'%s': %s", text, err.message);
}

/* Parses text, expects a usage error whose message holds each of the
 * NULL-terminated words. */
static void parse_fails(const char *text, ...)
{
	struct tp_policy p;
	struct tp_error err;
	const char *w;
	va_list ap;

	memset(&err, 0, sizeof(err));
	if (tp_policy_parse(text, &p, &err) == 0)
		fail_msg("'%s' was accepted", text);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "--policy: "));
	assert_null(strchr(err.message, '\n'));
	va_start(ap, text);
	while ((w = va_arg(ap, const char *)) != NULL)
		if (strstr(err.message, w) == NULL)
			fail_msg("'%s': message \"%s\" lacks \"%s\"", text,
				 err.message, w);
	va_end(ap);
}

static void assert_suites(const struct tp_policy *p, const uint16_t *ids,
			  size_t n)
{
	size_t i;

	if (p->n_suites != n)
		fail_msg("%zu suites, expected %zu", p->n_suites, n);
	for (i = 0; i < n; i++)
		if (p->suites[i] != ids[i])
			fail_msg("suite %zu is 0x%04X, expected 0x%04X", i,
				 p->suites[i], ids[i]);
}

#define ASSERT_SUITES(p, ...)                                              \
	do {                                                               \
		static const uint16_t want_[] = {__VA_ARGS__};             \
		assert_suites((p), want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)

/* ---- IANA lists ---- */

static void test_policy_iana_separators(void **state)
{
	static const char *const lists[] = {
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384",
		" TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n\tTLS_AES_256_GCM_SHA384,",
	};
	struct tp_policy p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		parse_ok(lists[i], &p);
		assert_int_equal(p.syntax, TP_POLICY_IANA);
		ASSERT_SUITES(&p, 0xC02F, 0x1302);
		assert_int_equal(p.n_versions, 0);
	}
}

static void test_policy_iana_keeps_order_and_drops_repeats(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_ok("TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_CBC_SHA,"
		 "TLS_RSA_WITH_AES_256_GCM_SHA384,SSL_RSA_WITH_RC4_128_MD5", &p);
	ASSERT_SUITES(&p, 0x009D, 0x002F, 0x0004);
}

static void test_policy_iana_unknown(void **state)
{
	(void)state;
	parse_fails("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
		    "TLS_ECDHE_RSA_WITH_AES_999_GCM_SHA256",
		    "'TLS_ECDHE_RSA_WITH_AES_999_GCM_SHA256'", "name 2",
		    "IANA", NULL);
	parse_fails("TLS_BOGUS", "'TLS_BOGUS'", "name 1", NULL);
}

/* ---- GnuTLS priority strings ---- */

static void test_policy_gnutls_exact(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_ok("NONE:+VERS-TLS1.2:+AES-128-GCM:+ECDHE-RSA:+AEAD:+SIGN-ALL:"
		 "+GROUP-ALL:+COMP-NULL", &p);
	assert_int_equal(p.syntax, TP_POLICY_GNUTLS);
	ASSERT_SUITES(&p, 0xC02F);
	assert_int_equal(p.n_versions, 1);
	assert_int_equal(p.versions[0], 0x0303);
}

static void test_policy_gnutls_normal(void **state)
{
	struct tp_policy p;
	size_t i;
	bool v12 = false, v13 = false;

	(void)state;
	parse_ok("NORMAL", &p);
	assert_true(tp_policy_has(&p, 0x1301));
	assert_true(tp_policy_has(&p, 0xC02F));
	assert_true(tp_policy_has(&p, 0xC02B));
	assert_false(tp_policy_has(&p, 0x0004));  /* RC4 */
	assert_false(tp_policy_has(&p, 0x0001));  /* NULL */
	for (i = 0; i < p.n_versions; i++) {
		v12 |= p.versions[i] == 0x0303;
		v13 |= p.versions[i] == 0x0304;
		assert_true(p.versions[i] >= 0x0301);
	}
	assert_true(v12 && v13);
}

static void test_policy_gnutls_secure256(void **state)
{
	struct tp_policy p;
	size_t i;

	(void)state;
	parse_ok("SECURE256", &p);
	assert_true(tp_policy_has(&p, 0x1302));
	assert_true(tp_policy_has(&p, 0xC02C));
	assert_false(tp_policy_has(&p, 0xC02F));
	assert_false(tp_policy_has(&p, 0x1301));
	for (i = 0; i < p.n_suites; i++)
		assert_true(tp_registry_suite(p.suites[i])->bits >= 256);
}

static void test_policy_gnutls_minus_version(void **state)
{
	struct tp_policy p;
	size_t i;

	(void)state;
	parse_ok("NORMAL:-VERS-ALL:+VERS-TLS1.3", &p);
	assert_int_equal(p.n_versions, 1);
	assert_int_equal(p.versions[0], 0x0304);
	for (i = 0; i < p.n_suites; i++)
		assert_true(tp_registry_suite(p.suites[i])->min_version ==
			    0x0304);
}

static void test_policy_gnutls_syntax_error(void **state)
{
	(void)state;
	/* GnuTLS stops at the first word it does not know */
	parse_fails("NORMAL:+FOO-BAR", "GnuTLS", "offset 7", "+FOO-BAR",
		    NULL);
	parse_fails("NONE:+VERS-TLS1.2:+BOGUS:+AEAD", "offset 18", NULL);
}

/* ---- OpenSSL cipher strings: errors ---- */

static void test_policy_openssl_unknown(void **state)
{
	(void)state;
	parse_fails("HIGH:!aNULL:FOO:!MD5", "unknown cipher 'FOO'", "word 3",
		    "OpenSSL", NULL);
	parse_fails("ECDHE-RSA-AES999-GCM-SHA256", "'ECDHE-RSA-AES999-GCM-SHA256'",
		    "word 1", NULL);
	parse_fails("ECDHE+AESGMC", "'AESGMC'", "word 1", NULL);
	/* OpenSSL's words are case-sensitive: 'high' is silently ignored
	 * there, which is worth knowing */
	parse_fails("high:!aNULL", "'high'", NULL);
	parse_fails("HIGH:@STRENGHT", "'@STRENGHT'", "word 2", NULL);
	parse_fails("HIGH:@SECLEVEL=7", "'@SECLEVEL=7'", NULL);
	parse_fails("HIGH:DEFAULT", "'DEFAULT'", "start", NULL);
	parse_fails("DEFAULT:!MD5:FOO", "'FOO'", "word 3", NULL);
	parse_fails("HIGH:#x", "'#'", "word 2", NULL);
}

static void test_policy_openssl_empty(void **state)
{
	(void)state;
	parse_fails("HIGH:!HIGH", "'HIGH:!HIGH' selects no cipher suite", NULL);
	parse_fails("kRSA+kDHE", "selects no cipher suite", NULL);
	parse_fails("", "empty", NULL);
	parse_fails(" : ", "empty", NULL);
}

/* ---- OpenSSL cipher strings: semantics ---- */

static void test_policy_openssl_tls13_default(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_ok("ECDHE-RSA-AES128-GCM-SHA256", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0xC02F);
}

static void test_policy_openssl_tls13_named(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_ok("TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256", &p);
	assert_int_equal(p.syntax, TP_POLICY_OPENSSL);
	ASSERT_SUITES(&p, 0x1301, 0xC02F);
}

static void test_policy_openssl_iana_names_inside(void **state)
{
	(void)state;
	/* OpenSSL 3.0 skips them: "no cipher match", or a shorter list */
	parse_fails("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:AES128-SHA",
		    "'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'", "word 1",
		    "'ECDHE-RSA-AES128-GCM-SHA256'", NULL);
}

static void test_policy_openssl_historical(void **state)
{
	struct tp_policy p;
	size_t i;

	(void)state;
	parse_ok("RC4-MD5:DES-CBC3-SHA:EXP-RC4-MD5:EDH-RSA-DES-CBC3-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x0004, 0x000A, 0x0003,
		      0x0016);
	/* the EDH- spelling after a word that was no suite name: an alias
	 * before it must not make it read as an IANA name */
	parse_ok("kDHE+EDH-RSA-DES-CBC3-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x0016);
	parse_ok("kEDH+EDH-DSS-DES-CBC3-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x0013);
	/* OpenSSL 3 has no export suite: the alias selects none, and no
	 * alias selects static DH or ECDH, Kerberos or GOST either */
	parse_fails("EXPORT", "selects no", NULL);
	parse_ok("EXPORT:EXP-RC4-MD5", &p);
	for (i = 3; i < p.n_suites; i++)
		assert_true(tp_registry_suite(p.suites[i])->is_export);
	assert_true(tp_policy_has(&p, 0x0003));
	parse_ok("HIGH:!aNULL:!MD5", &p);
	assert_false(tp_policy_has(&p, 0xC032));  /* ECDH-RSA-AES256-GCM */
	assert_false(tp_policy_has(&p, 0x00A5));  /* DH-DSS-AES256-GCM */
	assert_false(tp_policy_has(&p, 0xC102));  /* GOST2012-GOST8912-GOST8912 */
	assert_true(tp_policy_has(&p, 0xC030));
	parse_ok("3DES:@SECLEVEL=0", &p);
	assert_true(tp_policy_has(&p, 0x000A));
	assert_true(tp_policy_has(&p, 0xC012));
	parse_ok("MEDIUM:@SECLEVEL=0", &p);
	assert_true(tp_policy_has(&p, 0x000A));  /* 3DES is MEDIUM */
	assert_true(tp_policy_has(&p, 0x0005));  /* RC4 too */
	assert_false(tp_policy_has(&p, 0x002F));
	/* DEFAULT leaves them out */
	parse_ok("DEFAULT", &p);
	assert_false(tp_policy_has(&p, 0x000A));
	assert_false(tp_policy_has(&p, 0x0005));
}

static void test_policy_openssl_seclevel(void **state)
{
	struct tp_policy p;
	const struct tp_suite *s;
	size_t i;

	(void)state;
	parse_ok("ALL:COMPLEMENTOFALL:@SECLEVEL=0", &p);
	assert_true(tp_policy_has(&p, 0x0001));  /* NULL-MD5 */
	assert_true(tp_policy_has(&p, 0x0034));  /* ADH-AES128-SHA */
	parse_ok("ALL:COMPLEMENTOFALL:@SECLEVEL=1", &p);
	for (i = 0; i < p.n_suites; i++) {
		s = tp_registry_suite(p.suites[i]);
		assert_true(s->bits >= 80);
		assert_true(s->auth != TP_AUTH_NULL);
		assert_true(s->mac != TP_MAC_MD5);
	}
	assert_true(tp_policy_has(&p, 0x000A));  /* 3DES: 112 bits */
	assert_true(tp_policy_has(&p, 0x0005));  /* RC4-SHA */
	parse_ok("ALL:@SECLEVEL=2", &p);
	assert_true(tp_policy_has(&p, 0x000A));
	assert_false(tp_policy_has(&p, 0x0005));
	parse_ok("ALL:@SECLEVEL=3", &p);
	assert_false(tp_policy_has(&p, 0x000A));
	assert_false(tp_policy_has(&p, 0x002F));  /* static RSA */
	assert_true(tp_policy_has(&p, 0xC013));   /* SHA-1 is fine at 3 */
	parse_ok("ALL:@SECLEVEL=4", &p);
	assert_false(tp_policy_has(&p, 0xC014));  /* but not at 4 */
	assert_false(tp_policy_has(&p, 0x1301));
	assert_true(tp_policy_has(&p, 0x1302));
}

static void test_policy_has(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_ok("AES256-SHA256:AES256-GCM-SHA384", &p);
	assert_true(tp_policy_has(&p, 0x003D));
	assert_true(tp_policy_has(&p, 0x009D));
	assert_true(tp_policy_has(&p, 0x1302));
	assert_false(tp_policy_has(&p, 0x009C));
	assert_false(tp_policy_has(&p, 0xC02F));
}

/* ---- cross-check against the openssl binary ---- */

struct id_list {
	uint16_t id[512];
	size_t n;
};

static bool id_in(const struct id_list *l, uint16_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return true;
	return false;
}

/*
 * `openssl ciphers [-s] -V 'text'`: the ids it prints, TLS 1.3 ones left
 * out. "no cipher match" is an empty list; any other failure fails.
 */
static void openssl_ids(const char *text, bool supported,
			struct id_list *out)
{
	char cmd[1024], line[512];
	unsigned hi, lo;
	bool no_match = false;
	FILE *f;
	int st;

	out->n = 0;
	assert_null(strchr(text, '\''));
	assert_true(text[0] != '-');  /* openssl would take it for an option */
	snprintf(cmd, sizeof(cmd), "openssl ciphers %s-V '%s' 2>&1",
		 supported ? "-s " : "", text);
	f = popen(cmd, "r");
	if (f == NULL)
		fail_msg("popen(%s) failed", cmd);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "no cipher match") != NULL)
			no_match = true;
		if (sscanf(line, " 0x%2x,0x%2x", &hi, &lo) != 2)
			continue;
		if (hi == 0x13)
			continue;
		assert_true(out->n < 512);
		out->id[out->n++] = (uint16_t)(hi << 8 | lo);
	}
	st = pclose(f);
	if (st != 0 && !no_match)
		fail_msg("%s: exit status %d (is openssl installed? "
			 "scripts/install-deps.sh)", cmd, st);
	if (st == 0 && out->n == 0)
		fail_msg("%s printed no suite", cmd);
}

struct cross_case {
	const char *text;
	bool order;   /* the order must agree too */
};

/* What the installed OpenSSL implements at all. */
static struct id_list implemented;

static int cross_setup(void **state)
{
	(void)state;
	openssl_ids("ALL:COMPLEMENTOFALL:@SECLEVEL=0", false, &implemented);
	return implemented.n > 0 ? 0 : -1;
}

static bool psk_or_srp(uint16_t id)
{
	const struct tp_suite *s = tp_registry_suite(id);

	return s->kx == TP_KX_PSK || s->kx == TP_KX_DHE_PSK ||
	       s->kx == TP_KX_RSA_PSK || s->kx == TP_KX_ECDHE_PSK ||
	       s->kx == TP_KX_SRP;
}

static void print_ids(const char *label, const struct id_list *l)
{
	size_t i;

	printf("# %s:", label);
	for (i = 0; i < l->n; i++)
		printf(" %04X", l->id[i]);
	printf("\n");
}

static unsigned order_agreed, sets_agreed;

static void run_cross(void **state)
{
	const struct cross_case *c = *state;
	struct tp_policy p;
	struct tp_error err;
	struct id_list theirs, ours = {.n = 0};
	const char *lvl = strstr(c->text, "@SECLEVEL=");
	/* -s applies a security level given in the string, and drops PSK
	 * and SRP, which need callbacks the openssl command has not set */
	bool supported = lvl != NULL && lvl[10] != '0';
	size_t i;
	bool same_set = true, same_order;

	openssl_ids(c->text, supported, &theirs);
	if (supported)
		for (i = 0; i < theirs.n; i++)
			assert_false(psk_or_srp(theirs.id[i]));

	memset(&err, 0, sizeof(err));
	if (tp_policy_parse(c->text, &p, &err) < 0) {
		/* only "selects nothing" may agree with "no cipher match" */
		if (theirs.n != 0 || strstr(err.message, "selects no") == NULL)
			fail_msg("'%s': %s", c->text, err.message);
	} else {
		assert_int_equal(p.syntax, TP_POLICY_OPENSSL);
		for (i = 0; i < p.n_suites; i++) {
			uint16_t id = p.suites[i];

			if (id >> 8 == 0x13)
				continue;
			/* what a build may leave out is the only thing
			 * this machine's openssl may lack */
			if (!id_in(&implemented, id)) {
				if (!tp_policy_build_dependent(&p, id))
					fail_msg("'%s' selects %04X, which "
						 "openssl does not have",
						 c->text, id);
				continue;
			}
			if (supported && psk_or_srp(id))
				continue;
			ours.id[ours.n++] = id;
		}
	}
	same_set = ours.n == theirs.n;
	for (i = 0; same_set && i < ours.n; i++)
		same_set = id_in(&theirs, ours.id[i]);
	same_order = same_set &&
		     memcmp(ours.id, theirs.id, ours.n * sizeof(ours.id[0])) == 0;
	sets_agreed += same_set;
	order_agreed += same_order;
	printf("# '%s': %zu suites, set %s, order %s\n", c->text, theirs.n,
	       same_set ? "agrees" : "DIFFERS",
	       same_order ? "agrees" : "differs");
	if (!same_set || (c->order && !same_order)) {
		print_ids("openssl", &theirs);
		print_ids("ours   ", &ours);
	}
	assert_true(same_set);
	if (c->order)
		assert_true(same_order);
}

static int cross_teardown(void **state)
{
	(void)state;
	printf("# cross-check: %u sets and %u orders agree with openssl\n",
	       sets_agreed, order_agreed);
	return 0;
}

#define CROSS(name, text, order)                                           \
	{"test_policy_openssl_vs_openssl_" name, run_cross, NULL, NULL,    \
	 &(struct cross_case){text, order}}

#define MOZILLA_INTERMEDIATE                                               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"       \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"       \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"       \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"             \
	"DHE-RSA-CHACHA20-POLY1305"

static const struct CMUnitTest cross_tests[] = {
	CROSS("high_no_anull_md5", "HIGH:!aNULL:!MD5", true),
	CROSS("default", "DEFAULT", true),
	CROSS("all_seclevel0", "ALL:@SECLEVEL=0", true),
	CROSS("all", "ALL", true),
	CROSS("complementofall", "COMPLEMENTOFALL", true),
	CROSS("all_complementofall", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", true),
	CROSS("complementofdefault", "COMPLEMENTOFDEFAULT", true),
	CROSS("medium", "MEDIUM:@SECLEVEL=0", true),
	CROSS("ecdhe_aesgcm", "ECDHE+AESGCM", true),
	CROSS("krsa", "kRSA:@SECLEVEL=0", true),
	CROSS("eecdh_edh_aesgcm", "EECDH+AESGCM:EDH+AESGCM", true),
	CROSS("apache_old",
	      "ALL:!ADH:!EXPORT:!SSLv2:RC4+RSA:+HIGH:+MEDIUM:@SECLEVEL=0",
	      true),
	CROSS("mozilla_intermediate", MOZILLA_INTERMEDIATE, true),
	CROSS("faircom", "AES256-SHA256:AES256-GCM-SHA384", true),
	CROSS("3des", "3DES:@SECLEVEL=0", true),
	CROSS("high_minus_aes256_plus_aes128", "HIGH:-AES256:+AES128", true),
	CROSS("high_strength", "HIGH:@STRENGTH", true),
	CROSS("anull", "aNULL:@SECLEVEL=0", true),
	CROSS("enull", "eNULL", true),
	CROSS("psk", "PSK", true),
	CROSS("srp", "SRP", true),
	CROSS("camellia_aria", "CAMELLIA:ARIA", true),
	CROSS("chacha_first", "CHACHA20:AESGCM:!aNULL:!PSK", true),
	CROSS("aesccm8", "AESCCM8", true),
	CROSS("sha_aliases", "SHA1:SHA256:SHA384:!eNULL", true),
	CROSS("versions", "TLSv1.2:TLSv1:SSLv3", true),
	CROSS("cbc", "CBC", true),
	CROSS("dss_ecdsa", "aDSS:ECDSA:!aNULL", true),
	CROSS("readd", "ALL:-kRSA:-PSK:kRSA:!CAMELLIA", true),
	CROSS("rsa_plus_aes", "RSA+AES:!SHA1", true),
	CROSS("suiteb", "SUITEB128ONLY", true),
	CROSS("seclevel1", "ALL:COMPLEMENTOFALL:@SECLEVEL=1", true),
	CROSS("seclevel3", "DEFAULT:@SECLEVEL=3", true),
	CROSS("seclevel4", "HIGH:@SECLEVEL=4", true),
	CROSS("ssllabs_like", "ECDHE:DHE:kRSA:!aNULL:!eNULL:!3DES:!RC4", true),
	CROSS("default_minus", "DEFAULT:!kRSA:!PSK:!SRP", true),
	CROSS("order_moves", "AES:+AES256:+SHA1:-DHE:ECDHE+AES:!PSK", true),
	CROSS("name_plus_alias", "ECDHE-RSA-AES128-SHA+kECDHE:AES256-SHA+kRSA",
	      true),
	CROSS("name_plus_other_kx", "ECDHE-RSA-AES128-SHA+kRSA:AES128-SHA",
	      true),
	CROSS("minus_all_then_high", "!PSK:-ALL:HIGH:-ECDHE:ECDHE+SHA1", true),
	CROSS("default_sha1_last_strength", "DEFAULT:+SHA1:@STRENGTH", true),
	CROSS("anull_krsa_last", "ALL:+aNULL:+kRSA:@SECLEVEL=0", true),
	CROSS("spaces_commas", "ECDHE+AESGCM ECDHE+CHACHA20, DHE+AESGCM", true),
	CROSS("tls13_name_inside",
	      "TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-SHA:AES128-SHA",
	      true),
};

/* ---- main ---- */

/* ---- a suite's OpenSSL classes, one family a row ---- */

/* "ALIAS+SUITE" selects the suite exactly when the suite is of the
 * class the alias names: each row holds one step of the classification
 * (key exchange, authentication, cipher, strength, DEFAULT, minimum
 * version) to what OpenSSL 3.0 says. */
static void test_policy_openssl_classes(void **state)
{
	static const struct {
		const char *alias, *suite;
		uint16_t id;
		bool selected;
	} rows[] = {
		/* key exchange */
		{"kRSA", "AES128-SHA", 0x002F, true},
		{"kRSA", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, false},
		{"kDHE", "DHE-RSA-AES128-SHA", 0x0033, true},
		{"kDHE", "ADH-AES128-SHA", 0x0034, true},  /* anon: ephemeral */
		{"kECDHE", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, true},
		{"kPSK", "PSK-AES128-CBC-SHA", 0x008C, true},
		{"kECDHEPSK", "ECDHE-PSK-AES128-CBC-SHA", 0xC035, true},
		{"kPSK", "ECDHE-PSK-AES128-CBC-SHA", 0xC035, false},
		{"kSRP", "SRP-AES-128-CBC-SHA", 0xC01D, true},
		/* authentication */
		{"aRSA", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, true},
		{"aECDSA", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, false},
		{"aECDSA", "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, true},
		{"aNULL", "ADH-AES128-SHA", 0x0034, true},
		{"aDSS", "DHE-DSS-AES128-SHA", 0x0032, true},
		{"aPSK", "PSK-AES128-CBC-SHA", 0x008C, true},
		/* cipher and MAC */
		{"AESGCM", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, true},
		{"AESGCM", "AES128-SHA", 0x002F, false},
		{"CHACHA20", "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, true},
		{"3DES", "DES-CBC3-SHA", 0x000A, true},
		{"SHA1", "AES128-SHA", 0x002F, true},
		{"SHA256", "AES128-SHA", 0x002F, false},
		/* strength */
		{"HIGH", "AES128-SHA", 0x002F, true},
		{"HIGH", "DES-CBC3-SHA", 0x000A, false},
		{"MEDIUM", "DES-CBC3-SHA", 0x000A, true},
		{"eNULL", "NULL-SHA", 0x0002, true},
		/* outside DEFAULT */
		{"COMPLEMENTOFDEFAULT", "ADH-AES128-SHA", 0x0034, true},
		{"COMPLEMENTOFDEFAULT", "DHE-DSS-AES128-SHA", 0x0032, true},
		{"COMPLEMENTOFDEFAULT", "CAMELLIA128-SHA", 0x0041, true},
		{"COMPLEMENTOFDEFAULT", "DES-CBC3-SHA", 0x000A, true},
		{"COMPLEMENTOFDEFAULT", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F,
		 false},
		{"COMPLEMENTOFDEFAULT", "NULL-SHA", 0x0002, false},
		/* the oldest version a suite needs */
		{"TLSv1.2", "AES128-SHA256", 0x003C, true},
		{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, true},
		{"TLSv1", "ECDHE-RSA-AES128-SHA", 0xC013, true},
		{"SSLv3", "AES128-SHA", 0x002F, true},
		{"SSLv3", "ECDHE-RSA-AES128-SHA", 0xC013, false},
		{"TLSv1", "PSK-AES128-CBC-SHA256", 0x00AE, true},  /* RFC 5487 */
		{"TLSv1", "ECDHE-PSK-AES128-CBC-SHA", 0xC035, true},
		{"SSLv3", "PSK-AES128-CBC-SHA", 0x008C, true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[160];
		struct tp_policy p;
		struct tp_error err;
		bool has;

		assert_non_null(tp_registry_suite(rows[i].id));
		assert_string_equal(tp_registry_suite(rows[i].id)->openssl,
				    rows[i].suite);
		snprintf(text, sizeof(text), "%s+%s:@SECLEVEL=0",
			 rows[i].alias, rows[i].suite);
		memset(&err, 0, sizeof(err));
		has = tp_policy_parse(text, &p, &err) == 0 &&
		      tp_policy_has(&p, rows[i].id);
		if (has != rows[i].selected)
			fail_msg("'%s' %s it", text, has ? "selects"
				 : "does not select");
	}
}

/* One element's reading: its operator, an @command, each word, and the
 * words that cannot stand where they are. */
static void test_policy_openssl_elements(void **state)
{
	struct tp_policy p;

	(void)state;
	parse_fails("HIGH:@FOO", "unknown command '@FOO'", "word 2", NULL);
	parse_fails("HIGH:!@STRENGTH", "unexpected '@'", "word 2", NULL);
	parse_fails("HIGH:$", "unexpected '$'", "word 2", NULL);
	parse_fails("HIGH:NOSUCH", "unknown cipher 'NOSUCH'", "word 2", NULL);
	parse_fails("HIGH:kRSA+NOSUCH", "unknown cipher 'NOSUCH'", "word 2",
		    NULL);
	parse_fails("HIGH:DEFAULT", "'DEFAULT' is only understood at the "
		    "start", "word 2", NULL);
	parse_fails("HIGH+TLS_AES_128_GCM_SHA256", "TLS 1.3 suite "
		    "'TLS_AES_128_GCM_SHA256' cannot be combined", "word 1",
		    NULL);
	parse_fails("HIGH:TLS_AES_128_GCM_SHA256+HIGH", "cannot be combined",
		    "word 2", NULL);
	/* a TLS 1.3 suite is a rule of its own: what follows still reads */
	parse_ok("TLS_AES_256_GCM_SHA384:AES128-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x002F);
	/* the operators: add, kill for good, delete, move to the end */
	parse_ok("AES128-SHA:AES256-SHA:!AES256-SHA:AES256-SHA", &p);
	assert_false(tp_policy_has(&p, 0x0035));
	parse_ok("AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x0035, 0x002F);
	parse_ok("AES128-SHA:AES256-SHA:+AES128-SHA", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x0035, 0x002F);
	/* "kRSA+kDHE" names nothing, and OpenSSL skips it */
	parse_ok("AES128-SHA:kRSA+kDHE", &p);
	ASSERT_SUITES(&p, 0x1302, 0x1303, 0x1301, 0x002F);
}

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_detect),
		cmocka_unit_test(test_policy_syntax_names),
		cmocka_unit_test(test_policy_iana_separators),
		cmocka_unit_test(test_policy_iana_keeps_order_and_drops_repeats),
		cmocka_unit_test(test_policy_iana_unknown),
		cmocka_unit_test(test_policy_gnutls_exact),
		cmocka_unit_test(test_policy_gnutls_normal),
		cmocka_unit_test(test_policy_gnutls_secure256),
		cmocka_unit_test(test_policy_gnutls_minus_version),
		cmocka_unit_test(test_policy_gnutls_syntax_error),
		cmocka_unit_test(test_policy_openssl_unknown),
		cmocka_unit_test(test_policy_openssl_empty),
		cmocka_unit_test(test_policy_openssl_tls13_default),
		cmocka_unit_test(test_policy_openssl_tls13_named),
		cmocka_unit_test(test_policy_openssl_iana_names_inside),
		cmocka_unit_test(test_policy_openssl_historical),
		cmocka_unit_test(test_policy_openssl_seclevel),
		cmocka_unit_test(test_policy_openssl_classes),
		cmocka_unit_test(test_policy_openssl_elements),
		cmocka_unit_test(test_policy_has),
	};
	int failed;

	tp_error_set_namer(flag_words);
	failed = cmocka_run_group_tests_name("policy", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("policy_vs_openssl", cross_tests,
					      cross_setup, cross_teardown);
	return failed != 0;
}
