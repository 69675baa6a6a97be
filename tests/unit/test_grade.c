/*
 * The cipher audit's judgement: suite grades from the registry's
 * attributes, the adjustments a handshake can bring, the overall caps
 * with their reasons and findings, policy drift, and the JSON and nmap
 * views of a scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <jansson.h>

#include "diag.h"
#include "grade.h"
#include "policy.h"

static char grade_of(uint16_t id)
{
	const struct tp_suite *s = tp_registry_suite(id);

	assert_non_null(s);
	return tp_grade_suite(s, NULL);
}

static void test_grade_suites(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(grade_of(0x1301), 'A');  /* TLS_AES_128_GCM_SHA256 */
	assert_int_equal(grade_of(0xC02F), 'A');  /* ECDHE-RSA AES-GCM */
	assert_int_equal(grade_of(0xCCA8), 'A');  /* ECDHE-RSA ChaCha20 */
	assert_int_equal(grade_of(0xC013), 'B');  /* ECDHE-RSA AES-CBC */
	assert_int_equal(grade_of(0x009C), 'B');  /* RSA kx, AES-GCM */
	assert_int_equal(grade_of(0x000A), 'C');  /* 3DES */
	assert_int_equal(grade_of(0x0005), 'F');  /* RC4 */
	assert_int_equal(grade_of(0x0002), 'F');  /* NULL encryption */
	assert_int_equal(grade_of(0x0034), 'F');  /* anonymous DH */
	assert_int_equal(grade_of(0x0003), 'F');  /* export RC4-40 */
	assert_int_equal(grade_of(0x0009), 'F');  /* single DES */
	(void)tp_grade_suite(tp_registry_suite(0x000A), &why);
	assert_non_null(why);
	assert_non_null(strstr(why, "SWEET32"));
}

static void test_grade_accepted_adjustments(void **state)
{
	const struct tp_suite *dhe = tp_registry_suite(0x009E);
	const struct tp_suite *ecdhe = tp_registry_suite(0xC02F);
	const char *why = NULL;

	(void)state;
	assert_int_equal(tp_grade_accepted(dhe, 2048, 0, NULL), 'A');
	assert_int_equal(tp_grade_accepted(dhe, 1024, 0, &why), 'B');
	assert_non_null(strstr(why, "2048"));
	assert_int_equal(tp_grade_accepted(dhe, 768, 0, NULL), 'F');
	assert_int_equal(tp_grade_accepted(ecdhe, 0, 0x001D, NULL), 'A');
	/* secp192r1: 96-bit strength; secp224r1: 112 */
	assert_int_equal(tp_grade_accepted(ecdhe, 0, 0x0013, NULL), 'F');
	assert_int_equal(tp_grade_accepted(ecdhe, 0, 0x0015, NULL), 'B');
}

/* The traits the rules and the views read, from the registry alone. */
static void test_grade_traits(void **state)
{
	static const struct {
		uint16_t id;
		unsigned traits;
	} cases[] = {
		/* TLS_AES_128_GCM_SHA256: TLS 1.3 is always ephemeral */
		{0x1301, TP_TRAIT_FORWARD_SECRET | TP_TRAIT_AEAD},
		{0xC02F, TP_TRAIT_FORWARD_SECRET | TP_TRAIT_AEAD},
		{0xC013, TP_TRAIT_FORWARD_SECRET},        /* ECDHE AES-CBC */
		{0x009C, TP_TRAIT_AEAD},                  /* RSA kx AES-GCM */
		{0x00AA, TP_TRAIT_FORWARD_SECRET | TP_TRAIT_AEAD},  /* DHE_PSK */
		{0x00AC, TP_TRAIT_AEAD},                  /* RSA_PSK */
		{0x000A, TP_TRAIT_SWEET32},               /* RSA 3DES */
		{0x0005, TP_TRAIT_RC4},                   /* RSA RC4-SHA */
		{0x0004, TP_TRAIT_RC4 | TP_TRAIT_MD5},    /* RSA RC4-MD5 */
		{0x0002, TP_TRAIT_NO_ENCRYPTION | TP_TRAIT_SHORT_KEY},
		{0x0034, TP_TRAIT_ANONYMOUS | TP_TRAIT_FORWARD_SECRET},
		{0x0009, TP_TRAIT_SINGLE_DES | TP_TRAIT_SHORT_KEY},
		{0x0003, TP_TRAIT_EXPORT | TP_TRAIT_RC4 | TP_TRAIT_MD5 |
			 TP_TRAIT_SHORT_KEY},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tp_suite *s = tp_registry_suite(cases[i].id);

		assert_non_null(s);
		if (tp_grade_traits(s) != cases[i].traits)
			fail_msg("0x%04X: traits 0x%x, expected 0x%x",
				 cases[i].id, tp_grade_traits(s),
				 cases[i].traits);
	}
}

/* A scan of up to two accepted versions, each suite graded as the
 * engine grades it (tp_grade_accepted) with dh_bits for every suite. */
struct scan_version {
	uint16_t version;
	enum tp_preference pref;
	uint16_t ids[3];
	size_t n;
};

static struct tp_scan *make_scan(const struct scan_version *v, size_t n_v,
				 unsigned dh_bits)
{
	struct tp_scan *sc = calloc(1, sizeof(*sc));
	size_t i, j;

	assert_non_null(sc);
	sc->n_protocols = n_v;
	for (i = 0; i < n_v; i++) {
		struct tp_scan_protocol *p = &sc->protocols[i];

		p->version = v[i].version;
		p->tested = p->accepted = true;
		p->preference = v[i].pref;
		p->suites = calloc(v[i].n, sizeof(*p->suites));
		assert_non_null(p->suites);
		for (j = 0; j < v[i].n; j++) {
			const struct tp_suite *s =
				tp_registry_suite(v[i].ids[j]);

			p->suites[j].id = v[i].ids[j];
			p->suites[j].dh_bits = dh_bits;
			p->suites[j].grade = s == NULL ? 'F'
				: tp_grade_accepted(s, dh_bits, 0, NULL);
		}
		p->n_suites = v[i].n;
	}
	sc->min_dh_bits = dh_bits;
	return sc;
}

static void free_scan(struct tp_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n_protocols; i++)
		free(sc->protocols[i].suites);
	free(sc);
}

static bool same_why(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Step 1: what a scan shows, summarised, before any judgement. */
static void test_grade_facts(void **state)
{
	static const struct {
		const char *name;
		struct scan_version v[2];
		size_t n_v;
		unsigned dh_bits;
		char best;
		const char *best_why;
		bool any_f;
		const char *c_why;
		bool fs, aead, top_fs;
	} cases[] = {
		{"modern", {{0x0303, TP_PREF_SERVER, {0xC02F, 0xC030}, 2}}, 1,
		 0, 'A', NULL, false, NULL, true, true, true},
		{"static RSA below ECDHE in the server's order",
		 {{0x0303, TP_PREF_SERVER, {0xC02F, 0x009C}, 2}}, 1,
		 0, 'A', NULL, false, NULL, true, true, true},
		{"static RSA, the client's order",
		 {{0x0303, TP_PREF_CLIENT, {0xC02F, 0x009C}, 2}}, 1,
		 0, 'A', NULL, false, NULL, true, true, false},
		{"static RSA on top of the server's order",
		 {{0x0303, TP_PREF_SERVER, {0x009C, 0xC02F}, 2}}, 1,
		 0, 'A', NULL, false, NULL, true, true, false},
		{"CBC only", {{0x0303, TP_PREF_SERVER, {0xC013, 0xC014}, 2}},
		 1, 0, 'B', "CBC mode", false, NULL, true, false, true},
		{"3DES beside GCM",
		 {{0x0303, TP_PREF_SERVER, {0xC02F, 0x000A}, 2}}, 1, 0, 'A',
		 NULL, false, "64-bit block cipher (SWEET32)", true, true,
		 true},
		{"RC4 beside GCM",
		 {{0x0303, TP_PREF_SERVER, {0xC02F, 0x0005}, 2}}, 1, 0, 'A',
		 NULL, true, NULL, true, true, true},
		{"a 1024-bit DH prime",
		 {{0x0303, TP_PREF_SERVER, {0x009E}, 1}}, 1, 1024, 'B',
		 "DH prime under 2048 bits", false, NULL, true, true, true},
		{"the best of two versions",
		 {{0x0301, TP_PREF_SERVER, {0xC014}, 1},
		  {0x0303, TP_PREF_SERVER, {0xC030}, 1}}, 2, 0, 'A', NULL,
		 false, NULL, true, true, true},
		{"only a suite the registry does not know",
		 {{0x0303, TP_PREF_SERVER, {0x0A0A}, 1}}, 1, 0, '\0', NULL,
		 false, NULL, false, false, true},
	};
	size_t i;

	(void)state;
	assert_null(tp_registry_suite(0x0A0A));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_scan *sc = make_scan(cases[i].v, cases[i].n_v,
					       cases[i].dh_bits);
		struct tp_grade_facts *f = tp_grade_facts_new(sc, 0, 0);

		assert_non_null(f);
		if (f->best != cases[i].best ||
		    !same_why(f->best_why, cases[i].best_why) ||
		    f->any_f != cases[i].any_f ||
		    !same_why(f->c_why, cases[i].c_why) ||
		    f->any_forward_secret != cases[i].fs ||
		    f->any_aead != cases[i].aead ||
		    f->top_forward_secret != cases[i].top_fs)
			fail_msg("%s: best %c (%s), any_f %d, c_why %s, fs %d, "
				 "aead %d, top_fs %d", cases[i].name,
				 f->best ? f->best : '-',
				 f->best_why ? f->best_why : "-", f->any_f,
				 f->c_why ? f->c_why : "-",
				 f->any_forward_secret, f->any_aead,
				 f->top_forward_secret);
		assert_int_equal(f->n_versions, cases[i].n_v);
		assert_int_equal(f->n_suites, cases[i].v[0].n +
				 (cases[i].n_v > 1 ? cases[i].v[1].n : 0));
		assert_int_equal(f->cert_severity, -1);
		tp_grade_facts_free(f);
		free_scan(sc);
	}
}

/* Step 1, in detail: each suite with its grade and why, each version
 * with its worst grade and traits, the keys with their severity. */
static void test_grade_facts_detail(void **state)
{
	static const struct scan_version v[] = {
		{0x0301, TP_PREF_CLIENT, {0xC014, 0x000A}, 2},
		{0x0303, TP_PREF_SERVER, {0xC02F, 0x0005, 0x0A0A}, 3},
	};
	static const struct {
		unsigned bits;
		int pk, severity;
	} keys[] = {
		{0, 0, -1},
		{2048, GNUTLS_PK_RSA, -1},
		{1024, GNUTLS_PK_RSA, TP_SEV_WARNING},
		{512, GNUTLS_PK_RSA, TP_SEV_ERROR},
		{224, GNUTLS_PK_ECDSA, TP_SEV_WARNING},
	};
	struct tp_scan *sc = make_scan(v, 2, 0);
	struct tp_grade_facts *f;
	size_t i;

	(void)state;
	sc->protocols[0].accepted = false;  /* tested, refused */
	f = tp_grade_facts_new(sc, 0, 0);
	assert_non_null(f);
	/* only the accepted version's suites, in its order */
	assert_int_equal(f->n_suites, 3);
	assert_int_equal(f->suites[0].id, 0xC02F);
	assert_true(f->suites[0].top);
	assert_int_equal(f->suites[0].grade, 'A');
	assert_null(f->suites[0].why);
	assert_int_equal(f->suites[1].grade, 'F');
	assert_string_equal(f->suites[1].why, "RC4");
	assert_false(f->suites[1].top);
	assert_int_equal(f->suites[1].version, 0x0303);
	assert_null(f->suites[2].suite);
	assert_int_equal(f->suites[2].traits, 0);
	/* TLS 1.0 refused: no suites in the facts, but a version fact */
	assert_false(f->versions[0].accepted);
	assert_true(f->versions[0].weak);
	assert_int_equal(f->versions[0].worst, 'C');
	assert_true(f->versions[1].accepted);
	assert_false(f->versions[1].weak);
	assert_int_equal(f->versions[1].worst, 'F');
	assert_int_equal(f->versions[1].traits,
			 TP_TRAIT_FORWARD_SECRET | TP_TRAIT_AEAD |
			 TP_TRAIT_RC4);
	/* the best grade ignores the suite the registry does not know */
	assert_int_equal(f->best, 'A');
	tp_grade_facts_free(f);

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		strcpy(sc->cert_key, "a key");
		f = tp_grade_facts_new(sc, keys[i].bits, keys[i].pk);
		assert_non_null(f);
		if (f->cert_severity != keys[i].severity)
			fail_msg("%d-bit key of %d: severity %d, expected %d",
				 keys[i].bits, keys[i].pk, f->cert_severity,
				 keys[i].severity);
		assert_ptr_equal(f->cert_key, sc->cert_key);
		tp_grade_facts_free(f);
	}
	free_scan(sc);
	tp_grade_facts_free(NULL);
}

/* Facts written out by hand: one accepted TLS 1.2 unless a case says
 * otherwise, everything fine unless it says what is not. */
struct caps_case {
	const char *name;
	uint16_t versions[3];   /* accepted, 0 ends */
	char best;
	const char *best_why;
	bool any_f;
	const char *c_why;
	bool no_fs, fs_not_top, no_aead;
	unsigned dh_bits;
	int cert_severity;      /* 0: fine */
	bool none;              /* no suite accepted; else one */
	char grade;
	const char *reasons[4];
};

static void caps_facts(const struct caps_case *c, struct tp_grade_facts *f,
		       struct tp_grade_suite_facts *one)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	memset(one, 0, sizeof(*one));
	for (i = 0; i < 3 && c->versions[i] != 0; i++) {
		f->versions[i].version = c->versions[i];
		f->versions[i].accepted = true;
		f->versions[i].weak = tp_diag_version_weak(c->versions[i]);
		f->versions[i].worst = c->best;
	}
	f->n_versions = i;
	f->suites = one;
	f->n_suites = c->none ? 0 : 1;
	f->best = c->best;
	f->best_why = c->best_why;
	f->any_f = c->any_f;
	f->c_why = c->c_why;
	f->any_forward_secret = !c->no_fs;
	f->top_forward_secret = !c->fs_not_top;
	f->any_aead = !c->no_aead;
	f->min_dh_bits = c->dh_bits;
	f->cert_severity = c->cert_severity ? c->cert_severity : -1;
	f->cert_key = "RSA-512";
}

/* Step 2: the caps alone, facts in, the grade and its reasons out, in
 * the order of docs/grading.md section 4, a cap that would not lower
 * the grade left unsaid. */
static void test_grade_caps(void **state)
{
	static const struct caps_case cases[] = {
		{"all fine", {0x0303}, 'A', NULL, false, NULL, false, false,
		 false, 0, 0, 0, 'A', {NULL}},
		{"best B: its reason, and no AEAD then says nothing",
		 {0x0303}, 'B', "CBC mode", false, NULL, false, false, true,
		 0, 0, 0, 'B',
		 {"capped at B: the best suite accepted is graded B: CBC mode"}},
		{"an F suite beside an A", {0x0303}, 'A', NULL, true, NULL,
		 false, false, false, 0, 0, 0, 'F',
		 {"set to F: a suite graded F is accepted (see the suites "
		  "marked F)"}},
		{"SSL 3.0 alone: C once, for SSL 3.0", {0x0300}, 'A', NULL,
		 false, NULL, false, false, false, 0, 0, 0, 'C',
		 {"capped at C: SSL 3.0 accepted"}},
		{"TLS 1.0 alone", {0x0301}, 'A', NULL, false, NULL, false,
		 false, false, 0, 0, 0, 'C',
		 {"capped at C: neither TLS 1.2 nor TLS 1.3 accepted"}},
		{"old versions beside TLS 1.2", {0x0301, 0x0302, 0x0303}, 'A',
		 NULL, false, NULL, false, false, false, 0, 0, 0, 'B',
		 {"capped at B: TLS1.0, TLS1.1 accepted"}},
		{"a C suite", {0x0303}, 'A', NULL, false,
		 "64-bit block cipher (SWEET32)", false, false, false, 0, 0, 0,
		 'C', {"capped at C: a suite graded C is accepted (64-bit "
		       "block cipher (SWEET32))"}},
		{"no forward secrecy at all", {0x0303}, 'B',
		 "no forward secrecy", false, NULL, true, false, false, 0, 0,
		 0, 'C', {"capped at B: the best suite accepted is graded B: "
			  "no forward secrecy",
			  "capped at C: no suite with forward secrecy"}},
		{"forward secrecy not on top", {0x0303}, 'A', NULL, false,
		 NULL, false, true, false, 0, 0, 0, 'B',
		 {"capped at B: suites without forward secrecy are accepted "
		  "and the server does not prefer the others"}},
		{"no AEAD", {0x0303}, 'A', NULL, false, NULL, false, false,
		 true, 0, 0, 0, 'B',
		 {"capped at B: no AEAD suite: CBC or stream ciphers only"}},
		{"a 1024-bit DH prime", {0x0303}, 'A', NULL, false, NULL,
		 false, false, false, 1024, 0, 0, 'B',
		 {"capped at B: a 1024-bit DH prime"}},
		{"a 768-bit DH prime", {0x0303}, 'A', NULL, false, NULL,
		 false, false, false, 768, 0, 0, 'F',
		 {"set to F: a 768-bit DH prime"}},
		{"a 2048-bit DH prime", {0x0303}, 'A', NULL, false, NULL,
		 false, false, false, 2048, 0, 0, 'A', {NULL}},
		{"a certificate key that sets F", {0x0303}, 'A', NULL, false,
		 NULL, false, false, false, 0, TP_SEV_ERROR, 0, 'F',
		 {"set to F: the certificate's key is RSA-512"}},
		{"a certificate key that caps at B after no AEAD", {0x0303},
		 'A', NULL, false, NULL, false, false, true, 0,
		 TP_SEV_WARNING, 0, 'B',
		 {"capped at B: no AEAD suite: CBC or stream ciphers only"}},
		{"several caps, each lower than the last", {0x0301, 0x0303},
		 'B', "CBC mode", false, "MD5 MAC", false, false, false, 512,
		 0, 0, 'F',
		 {"capped at B: the best suite accepted is graded B: CBC mode",
		  "capped at C: a suite graded C is accepted (MD5 MAC)",
		  "set to F: a 512-bit DH prime"}},
		{"nothing accepted: no grade, no reasons", {0x0301}, '\0',
		 NULL, false, NULL, true, false, true, 512, TP_SEV_ERROR,
		 true, '\0', {NULL}},
	};
	struct tp_grade_suite_facts one;
	struct tp_grade_facts f;
	struct tp_grade_caps c;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		caps_facts(&cases[i], &f, &one);
		tp_grade_caps(&f, &c);
		for (n = 0; n < 4 && cases[i].reasons[n] != NULL; n++)
			;
		if (c.grade != cases[i].grade || c.n_reasons != n)
			fail_msg("%s: grade %c with %zu reasons, expected %c "
				 "with %zu (first: %s)", cases[i].name,
				 c.grade ? c.grade : '-', c.n_reasons,
				 cases[i].grade ? cases[i].grade : '-', n,
				 c.n_reasons ? c.reasons[0] : "none");
		for (k = 0; k < n; k++)
			if (strcmp(c.reasons[k], cases[i].reasons[k]) != 0)
				fail_msg("%s: reason %zu is \"%s\", expected "
					 "\"%s\"", cases[i].name, k,
					 c.reasons[k], cases[i].reasons[k]);
	}
}

/* Step 2 for versions (docs/grading.md section 3): the worst suite,
 * SSL 3.0 at most C, TLS 1.0 and 1.1 at most B, none when refused. */
static void test_grade_caps_versions(void **state)
{
	static const struct {
		uint16_t version;
		bool accepted;
		char worst, grade;
	} cases[] = {
		{0x0304, true, 'A', 'A'},
		{0x0303, true, 'C', 'C'},
		{0x0302, true, 'A', 'B'},
		{0x0301, true, 'F', 'F'},
		{0x0301, true, '\0', 'B'},  /* accepted, no suite seen */
		{0x0300, true, 'B', 'C'},
		{0x0303, false, '\0', '\0'},
	};
	struct tp_grade_facts f;
	struct tp_grade_caps c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.n_versions = 1;
		f.versions[0].version = cases[i].version;
		f.versions[0].accepted = cases[i].accepted;
		f.versions[0].weak = tp_diag_version_weak(cases[i].version);
		f.versions[0].worst = cases[i].worst;
		f.cert_severity = -1;
		tp_grade_caps(&f, &c);
		if (c.versions[0] != cases[i].grade)
			fail_msg("0x%04X with worst %c: %c, expected %c",
				 cases[i].version,
				 cases[i].worst ? cases[i].worst : '-',
				 c.versions[0] ? c.versions[0] : '-',
				 cases[i].grade ? cases[i].grade : '-');
	}
}

/* A report with one accepted protocol holding the given suites. */
static struct tp_report *ciphers_report(uint16_t version, const uint16_t *ids,
					size_t n, enum tp_preference pref)
{
	struct tp_report *r = tp_report_new("ciphers");
	struct tp_scan_protocol *p;
	size_t i;

	assert_non_null(r);
	r->scan = calloc(1, sizeof(*r->scan));
	assert_non_null(r->scan);
	r->scan->n_protocols = 1;
	p = &r->scan->protocols[0];
	p->version = version;
	p->tested = p->accepted = true;
	p->preference = pref;
	p->suites = calloc(n, sizeof(*p->suites));
	assert_non_null(p->suites);
	for (i = 0; i < n; i++) {
		p->suites[i].id = ids[i];
		p->suites[i].grade = grade_of(ids[i]);
	}
	p->n_suites = n;
	return r;
}

static bool has_reason(const struct tp_scan *sc, const char *text)
{
	size_t i;

	for (i = 0; i < sc->n_grade_reasons; i++)
		if (strstr(sc->grade_reasons[i], text) != NULL)
			return true;
	return false;
}

static void test_grade_overall_caps(void **state)
{
	static const uint16_t modern[] = {0xC02F, 0xC030};
	static const uint16_t with_rsa[] = {0xC02F, 0x009C};
	static const uint16_t cbc[] = {0xC013, 0xC014};
	static const uint16_t sweet[] = {0xC02F, 0x000A};
	struct tp_report *r;

	(void)state;
	r = ciphers_report(0x0303, modern, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'A');
	assert_int_equal(r->n_findings, 0);
	tp_report_free(r);

	/* static RSA accepted, but the server prefers ECDHE: no cap */
	r = ciphers_report(0x0303, with_rsa, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'A');
	assert_true(tp_report_has(r, TP_NO_FORWARD_SECRECY));
	tp_report_free(r);
	/* the client decides: capped at B */
	r = ciphers_report(0x0303, with_rsa, 2, TP_PREF_CLIENT);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'B');
	tp_report_free(r);

	r = ciphers_report(0x0303, cbc, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'B');
	assert_true(has_reason(r->scan, "CBC mode"));
	tp_report_free(r);

	r = ciphers_report(0x0303, sweet, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'C');
	assert_true(tp_report_has(r, TP_WEAK_CIPHER));
	tp_report_free(r);

	/* TLS 1.0 only: capped at C; WEAK_PROTOCOL */
	r = ciphers_report(0x0301, cbc, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'C');
	assert_true(tp_report_has(r, TP_WEAK_PROTOCOL));
	tp_report_free(r);

	/* a 1024-bit RSA certificate: capped at B, WEAK_KEY */
	r = ciphers_report(0x0303, modern, 2, TP_PREF_SERVER);
	strcpy(r->scan->cert_key, "RSA-1024");
	assert_int_equal(tp_grade_scan(r, NULL, 1024, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'B');
	assert_true(tp_report_has(r, TP_WEAK_KEY));
	tp_report_free(r);
}

static void test_grade_nothing_accepted(void **state)
{
	struct tp_report *r = tp_report_new("ciphers");

	(void)state;
	r->scan = calloc(1, sizeof(*r->scan));
	assert_non_null(r->scan);
	assert_int_equal(tp_grade_scan(r, NULL, 0, 0), 0);
	assert_int_equal(r->scan->grade, '\0');
	assert_int_equal(r->n_findings, 0);
	tp_report_free(r);
}

static void test_grade_policy(void **state)
{
	static const uint16_t ids[] = {0xC02F, 0x009C};
	struct tp_policy p;
	struct tp_error err = {0};
	struct tp_report *r;

	(void)state;
	assert_int_equal(tp_policy_parse("ECDHE-RSA-AES128-GCM-SHA256:"
					 "ECDHE-RSA-AES256-GCM-SHA384:"
					 "ECDHE-ECDSA-AES128-GCM-SHA256", &p,
					 &err), 0);
	r = ciphers_report(0x0303, ids, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, &p, 2048, GNUTLS_PK_RSA), 0);
	assert_true(tp_report_has(r, TP_POLICY_EXTRA));
	assert_true(tp_report_has(r, TP_POLICY_MISSING));
	assert_int_equal(r->scan->n_policy_extra, 1);
	assert_int_equal(r->scan->policy_extra[0], 0x009C);
	/* TLS 1.3 was not tested: its default suites are not "missing" */
	assert_int_equal(r->scan->n_policy_missing, 1);
	assert_int_equal(r->scan->policy_missing[0], 0xC030);
	/* the ECDSA suite cannot work with the RSA certificate: left out
	 * of the comparison, and said why */
	assert_int_equal(r->scan->n_policy_left_out, 1);
	assert_int_equal(r->scan->policy_left_out[0], 0xC02B);
	assert_non_null(r->scan->policy_left_why);
	assert_non_null(strstr(r->scan->policy_left_why, "1 need a certificate "
			       "of another key type"));
	tp_report_free(r);
}

/* Versions whose probes got no verdict and accepted nothing refused
 * nothing: no suite of the policy is "missing" there. */
static void test_grade_policy_no_verdict(void **state)
{
	struct tp_policy p;
	struct tp_error err = {0};
	struct tp_report *r = tp_report_new("ciphers");
	size_t i;

	(void)state;
	assert_int_equal(tp_policy_parse("ECDHE-RSA-AES128-GCM-SHA256", &p,
					 &err), 0);
	r->scan = calloc(1, sizeof(*r->scan));
	assert_non_null(r->scan);
	r->scan->n_protocols = 5;
	for (i = 0; i < 5; i++) {
		r->scan->protocols[i].version = (uint16_t)(0x0300 + i);
		r->scan->protocols[i].tested = true;
		r->scan->protocols[i].incomplete = true;
	}
	assert_int_equal(tp_grade_scan(r, &p, 0, 0), 0);
	assert_int_equal(r->scan->grade, '\0');
	assert_false(tp_report_has(r, TP_POLICY_MISSING));
	assert_int_equal(r->scan->n_policy_missing, 0);
	/* refused in full, TLS 1.2 does say so */
	r->scan->protocols[3].incomplete = false;
	assert_int_equal(tp_grade_scan(r, &p, 0, 0), 0);
	assert_true(tp_report_has(r, TP_POLICY_MISSING));
	tp_report_free(r);
}

static void test_grade_views(void **state)
{
	static const uint16_t ids[] = {0xC02F, 0x0005};
	struct tp_report *r;
	json_t *doc, *proto;
	char *json, *nmap;

	(void)state;
	r = ciphers_report(0x0303, ids, 2, TP_PREF_SERVER);
	strcpy(r->scan->protocols[0].suites[0].kx, "x25519");
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	json = tp_report_to_json(r, 0);
	assert_non_null(json);
	doc = json_loads(json, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "grade")),
			    "F");
	proto = json_array_get(json_object_get(doc, "protocols"), 0);
	assert_string_equal(json_string_value(json_object_get(proto,
			    "version")), "TLS1.2");
	assert_true(json_is_true(json_object_get(proto,
						 "server_preference")));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(proto, "ciphers"), 1), "id")),
		"0x0005");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(proto, "ciphers"), 1),
		"openssl")), "RC4-SHA");
	json_decref(doc);
	free(json);

	nmap = tp_report_to_nmap(r);
	assert_non_null(nmap);
	assert_non_null(strstr(nmap, "|   TLSv1.2: \n|     ciphers: \n"
				     "|       TLS_ECDHE_RSA_WITH_AES_128_GCM_"
				     "SHA256 (ecdh_x25519) - A\n"));
	assert_non_null(strstr(nmap, "RC4 accepted"));
	assert_non_null(strstr(nmap, "|_  least strength: F\n"));
	free(nmap);
	tp_report_free(r);
}

/* --format nmap warns of no forward secrecy exactly when the grader
 * finds NO_FORWARD_SECRECY and no suite with it, whatever the key
 * exchange (RSA_PSK and SRP are not ephemeral either); with client
 * preference the suites are sorted by name, as the script sorts them. */
static void test_grade_nmap_forward_secrecy(void **state)
{
	static const struct {
		uint16_t id;
		bool warned;
	} cases[] = {
		{0x009C, true},   /* RSA */
		{0x00AC, true},   /* RSA_PSK */
		{0xC01D, true},   /* SRP */
		{0x008C, true},   /* PSK */
		{0xC02F, false},  /* ECDHE */
		{0x00AA, false},  /* DHE_PSK */
	};
	static const uint16_t two[] = {0x009C, 0xC02F};
	struct tp_report *r;
	char *nmap, *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ciphers_report(0x0303, &cases[i].id, 1, TP_PREF_SERVER);
		assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA),
				 0);
		nmap = tp_report_to_nmap(r);
		assert_non_null(nmap);
		assert_int_equal(strstr(nmap, "no suite with forward secrecy")
				 != NULL, cases[i].warned);
		assert_int_equal(tp_report_has(r, TP_NO_FORWARD_SECRECY),
				 cases[i].warned);
		free(nmap);
		tp_report_free(r);
	}
	r = ciphers_report(0x0303, two, 2, TP_PREF_CLIENT);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	nmap = tp_report_to_nmap(r);
	assert_non_null(nmap);
	a = strstr(nmap, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	b = strstr(nmap, "TLS_RSA_WITH_AES_128_GCM_SHA256");
	assert_true(a != NULL && b != NULL && a < b);
	assert_non_null(strstr(nmap, "cipher preference: client"));
	free(nmap);
	tp_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grade_suites),
		cmocka_unit_test(test_grade_accepted_adjustments),
		cmocka_unit_test(test_grade_traits),
		cmocka_unit_test(test_grade_facts),
		cmocka_unit_test(test_grade_facts_detail),
		cmocka_unit_test(test_grade_caps),
		cmocka_unit_test(test_grade_caps_versions),
		cmocka_unit_test(test_grade_overall_caps),
		cmocka_unit_test(test_grade_nothing_accepted),
		cmocka_unit_test(test_grade_policy),
		cmocka_unit_test(test_grade_policy_no_verdict),
		cmocka_unit_test(test_grade_views),
		cmocka_unit_test(test_grade_nmap_forward_secrecy),
	};

	return cmocka_run_group_tests_name("grade", tests, NULL, NULL);
}
