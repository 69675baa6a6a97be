/*
 * The probes' defaults: a run without any flag, whichever front end
 * starts it. Each init must also clear what a caller left in the struct,
 * since the TUI reuses one set of parameters from run to run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlsprobe.h"

static void test_opts_client(void **state)
{
	struct tp_client_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_client_opts_init(&o);
	assert_true(o.timeout_s == TP_DEFAULT_TIMEOUT_S);
	assert_null(o.host);
	assert_null(o.ca_file);
	assert_null(o.stop);
	assert_false(o.no_sideband);
	assert_false(o.paired);
	assert_int_equal(o.family, 0);
}

static void test_opts_server(void **state)
{
	struct tp_server_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_server_opts_init(&o);
	assert_true(o.timeout_s == TP_DEFAULT_TIMEOUT_S);
	assert_null(o.listen);
	assert_int_equal(o.count, 0);
	assert_null(o.on_report);
}

static void test_opts_peer(void **state)
{
	struct tp_peer_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_peer_opts_init(&o);
	assert_true(o.wait_s == TP_DEFAULT_WAIT_S);
	assert_true(o.client.timeout_s == TP_DEFAULT_TIMEOUT_S);
	assert_null(o.client.host);
	assert_null(o.connect);
	assert_null(o.stop);
}

static void test_opts_ciphers(void **state)
{
	struct tp_ciphers_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_ciphers_opts_init(&o);
	assert_true(o.timeout_s == TP_DEFAULT_TIMEOUT_S);
	assert_int_equal(o.concurrency, 0);
	assert_int_equal(o.budget, 0);
	assert_true(o.max_time_s == 0);
	assert_null(o.policy);
}

static void test_opts_cert(void **state)
{
	struct tp_cert_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_cert_opts_init(&o);
	assert_int_equal(o.purpose, TP_PURPOSE_SERVER);
	assert_null(o.cert_file);
	assert_int_equal(o.now, 0);
}

static void test_opts_pcap(void **state)
{
	struct tp_pcap_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	tp_pcap_opts_init(&o);
	assert_null(o.file);
	assert_null(o.live);
	assert_int_equal(o.max_flows, 0);
	assert_null(o.on_handshake);
}

/* The zero a caller leaves means these same defaults to the audit. */
static void test_opts_ciphers_zero_is_default(void **state)
{
	struct tp_ciphers_opts zero = {0}, given = {0};

	(void)state;
	given.timeout_s = TP_DEFAULT_TIMEOUT_S;
	given.budget = TP_DEFAULT_BUDGET;
	given.concurrency = TP_DEFAULT_CONCURRENCY;
	assert_true(tp_ciphers_default_max_time(&zero) ==
		    tp_ciphers_default_max_time(&given));
	given.budget = TP_DEFAULT_BUDGET * 2;
	assert_true(tp_ciphers_default_max_time(&zero) !=
		    tp_ciphers_default_max_time(&given));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_client),
		cmocka_unit_test(test_opts_server),
		cmocka_unit_test(test_opts_peer),
		cmocka_unit_test(test_opts_ciphers),
		cmocka_unit_test(test_opts_cert),
		cmocka_unit_test(test_opts_pcap),
		cmocka_unit_test(test_opts_ciphers_zero_is_default),
	};

	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}
