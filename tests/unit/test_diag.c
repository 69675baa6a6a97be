/*
 * Unit tests of diag.c: which fault of our own certificate, found before
 * the handshake, an alert from the far end points to, case by case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A report holding what tp_cert_check_own leaves: local warnings, in
 * the order it makes them, after a finding of another side. */
static struct tp_report *own_faults(const enum tp_code *codes, size_t n)
{
	struct tp_report *r = tp_report_new("client");
	struct tp_finding *f;
	size_t i;

	assert_non_null(r);
	f = tp_report_finding(r, TP_NAT_SOURCE, "not ours");
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		f = tp_report_finding(r, codes[i], "fault %zu", i);
		assert_non_null(f);
		f->side = TP_SIDE_LOCAL;
		f->severity = TP_SEV_WARNING;
	}
	return r;
}

static void test_diag_own_cert_refused_cases(void **state)
{
	static const enum tp_code all[] = {
		TP_WEAK_KEY, TP_CHAIN_ORDER, TP_BAD_KEY_USAGE,
		TP_CERT_NOT_YET_VALID, TP_CERT_EXPIRED, TP_KEY_MISMATCH,
	};
	static const struct {
		int alert;
		const enum tp_code *faults;
		size_t n;
		int want;      /* the code made the diagnosis, -1: none */
	} cases[] = {
		/* certificate_expired: the dates, whatever else is wrong */
		{45, all, N_ELEMS(all), TP_CERT_EXPIRED},
		{45, all, 3, -1},
		/* decrypt_error: the key, and only the key */
		{51, all, N_ELEMS(all), TP_KEY_MISMATCH},
		{51, all, 5, -1},
		/* unsupported_certificate: the key usage, then the key size */
		{43, all, N_ELEMS(all), TP_BAD_KEY_USAGE},
		{43, all, 1, TP_WEAK_KEY},
		/* unknown_ca: the chain's order and links, nothing else */
		{48, all, N_ELEMS(all), TP_CHAIN_ORDER},
		{48, all, 1, -1},
		/* generic refusals: key, dates, usage, chain, size */
		{42, all, N_ELEMS(all), TP_KEY_MISMATCH},
		{49, all, 5, TP_CERT_EXPIRED},
		{46, all, 4, TP_CERT_NOT_YET_VALID},
		{40, all, 2, TP_CHAIN_ORDER},
		/* a revocation, or a protocol alert: no fault of ours */
		{44, all, N_ELEMS(all), -1},
		{70, all, N_ELEMS(all), -1},
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct tp_report *r = own_faults(cases[i].faults, cases[i].n);
		struct tp_finding *f;

		n = r->n_findings;
		f = tp_diag_own_cert_refused(r, cases[i].alert, "the server");
		if (cases[i].want < 0) {
			if (f != NULL)
				fail_msg("case %zu: alert %d made %s the "
					 "diagnosis", i, cases[i].alert,
					 tp_code_info(f->code)->name);
			tp_report_free(r);
			continue;
		}
		if (f == NULL)
			fail_msg("case %zu: alert %d: no diagnosis", i,
				 cases[i].alert);
		assert_int_equal(f->code, cases[i].want);
		/* an error now, moved last, nothing added or lost */
		assert_int_equal(f->severity, TP_SEV_ERROR);
		assert_int_equal(f->side, TP_SIDE_LOCAL);
		assert_int_equal(r->n_findings, n);
		assert_ptr_equal(f, &r->findings[n - 1]);
		assert_int_equal(r->findings[0].code, TP_NAT_SOURCE);
		assert_non_null(strstr(f->summary, "the server refused our "
				       "certificate (alert "));
		assert_non_null(strstr(f->detail, "found here before the "
				       "handshake"));
		tp_report_free(r);
	}
}

/* An error already (found another way), or a finding of the far end's
 * side, is not a fault found before the handshake. */
static void test_diag_own_cert_refused_only_local_warnings(void **state)
{
	struct tp_report *r = tp_report_new("client");
	struct tp_finding *f;

	(void)state;
	assert_non_null(r);
	f = tp_report_finding(r, TP_CERT_EXPIRED, "the server's");
	f->side = TP_SIDE_SERVER;
	f = tp_report_finding(r, TP_CERT_EXPIRED, "an error already");
	f->side = TP_SIDE_LOCAL;
	f->severity = TP_SEV_ERROR;
	assert_null(tp_diag_own_cert_refused(r, 45, "the server"));
	assert_string_equal(r->findings[0].summary, "the server's");
	tp_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_own_cert_refused_cases),
		cmocka_unit_test(test_diag_own_cert_refused_only_local_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
