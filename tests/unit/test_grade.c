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

/* A report with one accepted protocol holding the given suites. */
static struct tp_report *scan_report(uint16_t version, const uint16_t *ids,
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
	r = scan_report(0x0303, modern, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'A');
	assert_int_equal(r->n_findings, 0);
	tp_report_free(r);

	/* static RSA accepted, but the server prefers ECDHE: no cap */
	r = scan_report(0x0303, with_rsa, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'A');
	assert_true(tp_report_has(r, TP_NO_FORWARD_SECRECY));
	tp_report_free(r);
	/* the client decides: capped at B */
	r = scan_report(0x0303, with_rsa, 2, TP_PREF_CLIENT);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'B');
	tp_report_free(r);

	r = scan_report(0x0303, cbc, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'B');
	assert_true(has_reason(r->scan, "CBC mode"));
	tp_report_free(r);

	r = scan_report(0x0303, sweet, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'C');
	assert_true(tp_report_has(r, TP_WEAK_CIPHER));
	tp_report_free(r);

	/* TLS 1.0 only: capped at C; WEAK_PROTOCOL */
	r = scan_report(0x0301, cbc, 2, TP_PREF_SERVER);
	assert_int_equal(tp_grade_scan(r, NULL, 2048, GNUTLS_PK_RSA), 0);
	assert_int_equal(r->scan->grade, 'C');
	assert_true(tp_report_has(r, TP_WEAK_PROTOCOL));
	tp_report_free(r);

	/* a 1024-bit RSA certificate: capped at B, WEAK_KEY */
	r = scan_report(0x0303, modern, 2, TP_PREF_SERVER);
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
	r = scan_report(0x0303, ids, 2, TP_PREF_SERVER);
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
	r = scan_report(0x0303, ids, 2, TP_PREF_SERVER);
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
		r = scan_report(0x0303, &cases[i].id, 1, TP_PREF_SERVER);
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
	r = scan_report(0x0303, two, 2, TP_PREF_CLIENT);
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
		cmocka_unit_test(test_grade_overall_caps),
		cmocka_unit_test(test_grade_nothing_accepted),
		cmocka_unit_test(test_grade_policy),
		cmocka_unit_test(test_grade_policy_no_verdict),
		cmocka_unit_test(test_grade_views),
		cmocka_unit_test(test_grade_nmap_forward_secrecy),
	};

	return cmocka_run_group_tests_name("grade", tests, NULL, NULL);
}
