/*
 * Unit tests of revoke.c: CRLs made in this process with GnuTLS (fixed
 * dates, a fixed "now") judged for a leaf, an OCSP response that does
 * not parse, REVOKED added once and only for a revocation, and a chain
 * that names no URL asking nothing. What OpenSSL's responder and CA
 * write (reasons, delegated responders) is t_audit_status's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gnutls/ocsp.h>

#include "pki.h"
#include "revoke.h"

/* 2026-11-22T00:00:00Z */
#define NOW ((time_t)1795305600)
#define DAY ((time_t)86400)

static struct pki {
	gnutls_x509_privkey_t ca_key, other_key, leaf_key;
	gnutls_x509_crt_t ca, other, leaf, bystander;
} p;

/* crt as a peer's would be: exported and imported again, since GnuTLS
 * compares the raw DNs an import keeps (a certificate only made here
 * has none, and names no issuer of a CRL) */
static gnutls_x509_crt_t as_sent(gnutls_x509_crt_t crt)
{
	gnutls_x509_crt_t copy;
	gnutls_datum_t der;

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER,
						 &der), 0);
	assert_int_equal(gnutls_x509_crt_init(&copy), 0);
	assert_int_equal(gnutls_x509_crt_import(copy, &der,
						GNUTLS_X509_FMT_DER), 0);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	return copy;
}

static int setup(void **state)
{
	(void)state;
	p.ca_key = new_key();
	p.other_key = new_key();
	p.leaf_key = new_key();
	p.ca = new_cert("Revoke CA", p.ca_key, NULL, NULL, ROLE_CA, 0);
	p.other = new_cert("Other CA", p.other_key, NULL, NULL, ROLE_CA, 0);
	p.leaf = as_sent(new_cert("leaf", p.leaf_key, p.ca, p.ca_key,
				  ROLE_SERVER, 0));
	p.bystander = as_sent(new_cert("bystander", p.leaf_key, p.ca, p.ca_key,
				       ROLE_SERVER, 0));
	p.ca = as_sent(p.ca);
	p.other = as_sent(p.other);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gnutls_x509_crt_deinit(p.ca);
	gnutls_x509_crt_deinit(p.other);
	gnutls_x509_crt_deinit(p.leaf);
	gnutls_x509_crt_deinit(p.bystander);
	gnutls_x509_privkey_deinit(p.ca_key);
	gnutls_x509_privkey_deinit(p.other_key);
	gnutls_x509_privkey_deinit(p.leaf_key);
	return 0;
}

/* A DER CRL of signer, valid from this_update to next_update, listing
 * revoked (at NOW - 10 days) unless it is NULL. */
static gnutls_datum_t make_crl(gnutls_x509_crt_t signer,
			       gnutls_x509_privkey_t key,
			       gnutls_x509_crt_t revoked, time_t this_update,
			       time_t next_update)
{
	gnutls_x509_crl_t crl;
	gnutls_datum_t der = {NULL, 0};

	assert_int_equal(gnutls_x509_crl_init(&crl), 0);
	assert_int_equal(gnutls_x509_crl_set_version(crl, 2), 0);
	assert_int_equal(gnutls_x509_crl_set_this_update(crl, this_update), 0);
	assert_int_equal(gnutls_x509_crl_set_next_update(crl, next_update), 0);
	if (revoked != NULL)
		assert_int_equal(gnutls_x509_crl_set_crt(crl, revoked,
							 NOW - 10 * DAY), 0);
	assert_int_equal(gnutls_x509_crl_sign2(crl, signer, key,
					       GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER,
						 &der), 0);
	gnutls_x509_crl_deinit(crl);
	return der;
}

/* The verdict of a CRL made so, judged for the leaf at NOW. */
static enum tp_revoke_verdict judge(gnutls_x509_crt_t signer,
				    gnutls_x509_privkey_t key,
				    gnutls_x509_crt_t revoked,
				    time_t this_update, time_t next_update,
				    struct tp_revoke_answer *a)
{
	gnutls_datum_t der = make_crl(signer, key, revoked, this_update,
				      next_update);

	tp_revoke_answer_init(a, "CRL");
	tp_revoke_judge_crl(&der, p.leaf, p.ca, NOW, a);
	gnutls_free(der.data);
	return a->verdict;
}

static void test_revoke_crl_lists_the_leaf(void **state)
{
	struct tp_revoke_answer a;

	(void)state;
	assert_int_equal(judge(p.ca, p.ca_key, p.leaf, NOW - DAY, NOW + DAY,
			       &a), TP_REVOKE_REVOKED);
	assert_int_equal(a.revoked_at, NOW - 10 * DAY);
	/* GnuTLS writes no reasonCode: none is made up */
	assert_int_equal(a.reason, -1);
	assert_non_null(strstr(a.why, "revoked on 2026-11-12T00:00:00Z"));
}

static void test_revoke_crl_good_when_fresh(void **state)
{
	struct tp_revoke_answer a;

	(void)state;
	assert_int_equal(judge(p.ca, p.ca_key, p.bystander, NOW - DAY,
			       NOW + 6 * DAY, &a), TP_REVOKE_GOOD);
	assert_non_null(strstr(a.why, "(1 entry) does not list it"));
	assert_int_equal(a.next_update, NOW + 6 * DAY);
}

static void test_revoke_crl_stale_proves_nothing(void **state)
{
	struct tp_revoke_answer a;

	(void)state;
	assert_int_equal(judge(p.ca, p.ca_key, NULL, NOW - 8 * DAY,
			       NOW - DAY, &a), TP_REVOKE_INVALID);
	assert_non_null(strstr(a.why, "stale"));
	assert_int_equal(judge(p.ca, p.ca_key, NULL, NOW + DAY,
			       NOW + 8 * DAY, &a), TP_REVOKE_INVALID);
	assert_non_null(strstr(a.why, "in the future"));
}

/* a revocation is final: a stale CRL that lists the leaf still says so */
static void test_revoke_crl_stale_still_revokes(void **state)
{
	struct tp_revoke_answer a;

	(void)state;
	assert_int_equal(judge(p.ca, p.ca_key, p.leaf, NOW - 8 * DAY,
			       NOW - DAY, &a), TP_REVOKE_REVOKED);
}

static void test_revoke_crl_other_signer(void **state)
{
	struct tp_revoke_answer a;

	(void)state;
	assert_int_equal(judge(p.other, p.other_key, p.leaf, NOW - DAY,
			       NOW + DAY, &a), TP_REVOKE_INVALID);
	assert_non_null(strstr(a.why, "not signed by the certificate's "
			       "issuer"));
}

static void test_revoke_garbage(void **state)
{
	unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};
	gnutls_datum_t der = {junk, sizeof(junk)};
	struct tp_revoke_answer a;

	(void)state;
	tp_revoke_answer_init(&a, "CRL");
	tp_revoke_judge_crl(&der, p.leaf, p.ca, NOW, &a);
	assert_int_equal(a.verdict, TP_REVOKE_INVALID);
	assert_non_null(strstr(a.why, "cannot be parsed (6 bytes)"));
	tp_revoke_answer_init(&a, "stapled OCSP response");
	tp_revoke_judge_ocsp(&der, p.leaf, p.ca, NOW, NULL, &a);
	assert_int_equal(a.verdict, TP_REVOKE_INVALID);
	assert_non_null(strstr(a.why, "stapled OCSP response cannot be "
			       "parsed"));
}

/* REVOKED: only a revocation proves it, once a report, with date and
 * reason; the subject (network text) goes through the setters */
static void test_revoke_report_once(void **state)
{
	struct tp_report *r = tp_report_new("audit");
	struct tp_revoke_answer a;
	struct tp_finding *f;

	(void)state;
	assert_non_null(r);
	tp_revoke_answer_init(&a, "OCSP response");
	a.verdict = TP_REVOKE_GOOD;
	assert_null(tp_revoke_report(r, &a, "CN=good"));
	a.verdict = TP_REVOKE_INVALID;
	assert_null(tp_revoke_report(r, &a, "CN=good"));
	assert_false(tp_report_has(r, TP_REVOKED));
	a.verdict = TP_REVOKE_REVOKED;
	a.revoked_at = NOW;
	a.reason = GNUTLS_X509_CRLREASON_KEYCOMPROMISE;
	snprintf(a.url, sizeof(a.url), "http://127.0.0.1:1/ocsp");
	f = tp_revoke_report(r, &a, "CN=evil\x1b[31m");
	assert_non_null(f);
	assert_int_equal(f->code, TP_REVOKED);
	assert_int_equal(f->severity, TP_SEV_ERROR);
	assert_non_null(strstr(f->summary, "revoked on 2026-11-22T00:00:00Z "
			       "(reason: keyCompromise)"));
	assert_null(strchr(f->summary, '\x1b'));
	assert_non_null(strstr(f->detail, "http://127.0.0.1:1/ocsp"));
	assert_null(tp_revoke_report(r, &a, "CN=again"));
	assert_int_equal(r->n_findings, 1);
	tp_report_free(r);
}

static void test_revoke_no_urls_asks_nothing(void **state)
{
	gnutls_x509_crt_t chain[2] = {p.leaf, p.ca};
	struct tp_revoke_opts o = {.deadline = 0, .now = NOW};
	struct tp_revoke_result res;

	(void)state;
	/* a deadline already past: any fetch would say so, none is made */
	assert_int_equal(tp_revoke_check(chain, 2, &o, &res), TP_REVOKE_NONE);
	assert_int_equal(res.ocsp.verdict, TP_REVOKE_NONE);
	assert_int_equal(res.crl.verdict, TP_REVOKE_NONE);
	assert_ptr_equal(tp_revoke_issuer(p.leaf, chain, 2, NULL), p.ca);
	assert_null(tp_revoke_issuer(p.leaf, chain, 1, NULL));
}

static void test_revoke_reason_names(void **state)
{
	(void)state;
	assert_string_equal(tp_revoke_reason_name(0), "unspecified");
	assert_string_equal(tp_revoke_reason_name(1), "keyCompromise");
	assert_string_equal(tp_revoke_reason_name(10), "aACompromise");
	assert_string_equal(tp_revoke_reason_name(7), "");
	assert_string_equal(tp_revoke_reason_name(11), "");
	assert_string_equal(tp_revoke_reason_name(-1), "");
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revoke_crl_lists_the_leaf),
		cmocka_unit_test(test_revoke_crl_good_when_fresh),
		cmocka_unit_test(test_revoke_crl_stale_proves_nothing),
		cmocka_unit_test(test_revoke_crl_stale_still_revokes),
		cmocka_unit_test(test_revoke_crl_other_signer),
		cmocka_unit_test(test_revoke_garbage),
		cmocka_unit_test(test_revoke_report_once),
		cmocka_unit_test(test_revoke_no_urls_asks_nothing),
		cmocka_unit_test(test_revoke_reason_names),
	};

	return cmocka_run_group_tests_name("revoke", tests, setup, teardown);
}
