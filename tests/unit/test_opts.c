/*
 * The probes' defaults: a run without any flag, whichever front end
 * starts it. Each init must also clear what a caller left in the struct,
 * since the TUI reuses one set of parameters from run to run. And the
 * checks a front end makes before a run, each naming the option at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- the checks a front end makes before a run ---- */

static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

/* One case: a change to the defaults, and what the check must say of it
 * (key NULL: it passes). */
#define CASE(what, change, want_key, want_text)                          \
	{what, change, want_key, want_text}

static void client_ok(struct tp_client_opts *o) { o->host = "example.test"; }
static void client_no_host(struct tp_client_opts *o) { (void)o; }
static void client_bad_sni(struct tp_client_opts *o)
{
	client_ok(o);
	o->sni = "a..b";
}
static void client_bad_name(struct tp_client_opts *o)
{
	client_ok(o);
	o->expect_name = "bad name";
}
static void client_cert_alone(struct tp_client_opts *o)
{
	client_ok(o);
	o->cert_file = "c.pem";
}
static void client_key_alone(struct tp_client_opts *o)
{
	client_ok(o);
	o->key_file = "k.pem";
}
static void client_priority(struct tp_client_opts *o)
{
	client_ok(o);
	o->priority = "NORMAL:+NO-SUCH-THING";
}
static void client_alpn(struct tp_client_opts *o)
{
	client_ok(o);
	o->alpn = ",";
}
static void client_timeout(struct tp_client_opts *o)
{
	client_ok(o);
	o->timeout_s = -1;
}
static void client_starttls(struct tp_client_opts *o)
{
	client_ok(o);
	o->starttls = 99;
}

static void test_opts_client_check(void **state)
{
	static const struct {
		const char *what;
		void (*change)(struct tp_client_opts *);
		const char *key, *text;
	} cases[] = {
		CASE("a host", client_ok, NULL, NULL),
		CASE("no host", client_no_host, "target", "target: the host is empty"),
		CASE("a bad SNI", client_bad_sni, "sni", "--sni 'a..b': label 2"),
		CASE("a bad name to expect", client_bad_name, "expect-name",
		     "--expect-name 'bad name'"),
		CASE("a certificate alone", client_cert_alone, "cert",
		     "--cert given without --key"),
		CASE("a key alone", client_key_alone, "key",
		     "--key given without --cert"),
		CASE("a bad priority", client_priority, "priority",
		     "--priority 'NORMAL:+NO-SUCH-THING'"),
		CASE("an empty ALPN list", client_alpn, "alpn", "--alpn ','"),
		CASE("a negative timeout", client_timeout, "timeout",
		     "--timeout -1: expected seconds"),
		CASE("no such STARTTLS", client_starttls, "starttls",
		     "--starttls: no protocol number 99"),
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_client_opts o;
		struct tp_error err = {0};
		int rc;

		tp_client_opts_init(&o);
		cases[i].change(&o);
		rc = tp_client_opts_check(&o, &err);
		if (cases[i].key == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", cases[i].what,
					 err.message);
			continue;
		}
		if (rc != -1 || err.kind != TP_ERR_USAGE ||
		    strcmp(err.option, cases[i].key) != 0 ||
		    strstr(err.message, cases[i].text) == NULL)
			fail_msg("%s: rc %d, option '%s', '%s'; expected '%s' "
				 "naming '%s'", cases[i].what, rc, err.option,
				 err.message, cases[i].text, cases[i].key);
	}
}

/* Every other probe's check: one accepted set and the option named for
 * each fault. */
static void test_opts_other_checks(void **state)
{
	struct tp_server_opts sv;
	struct tp_peer_opts pe;
	struct tp_ciphers_opts ci;
	struct tp_cert_opts ce;
	struct tp_pcap_opts pc;
	struct tp_error err = {0};

	(void)state;
#define REFUSED(call, key)                                                   \
	do {                                                                 \
		tp_error_clear(&err);                                        \
		assert_int_equal(call, -1);                                  \
		assert_int_equal(err.kind, TP_ERR_USAGE);                    \
		assert_string_equal(err.option, key);                        \
	} while (0)
	tp_server_opts_init(&sv);
	REFUSED(tp_server_opts_check(&sv, &err), "cert");
	sv.cert_file = "c.pem";
	sv.key_file = "k.pem";
	assert_int_equal(tp_server_opts_check(&sv, &err), 0);
	sv.listen = "[::1";
	REFUSED(tp_server_opts_check(&sv, &err), "listen");
	sv.listen = NULL;
	sv.require_client_cert = true;
	REFUSED(tp_server_opts_check(&sv, &err), "require-client-cert");
	sv.require_client_cert = false;
	sv.timeout_s = 1e9;
	REFUSED(tp_server_opts_check(&sv, &err), "timeout");

	tp_peer_opts_init(&pe);
	REFUSED(tp_peer_opts_check(&pe, &err), "connect");
	pe.connect = "127.0.0.1:4433";
	pe.client.cert_file = "c.pem";
	pe.client.key_file = "k.pem";
	assert_int_equal(tp_peer_opts_check(&pe, &err), 0);
	pe.connect = "[x]:1";
	REFUSED(tp_peer_opts_check(&pe, &err), "connect");
	pe.connect = "127.0.0.1:4433";
	pe.wait_s = -2;
	REFUSED(tp_peer_opts_check(&pe, &err), "wait");

	tp_ciphers_opts_init(&ci);
	REFUSED(tp_ciphers_opts_check(&ci, &err), "target");
	ci.host = "127.0.0.1";
	assert_int_equal(tp_ciphers_opts_check(&ci, &err), 0);
	ci.protocols = "TLS9";
	REFUSED(tp_ciphers_opts_check(&ci, &err), "protocols");
	ci.protocols = NULL;
	ci.policy = "NO-SUCH-CIPHER";
	REFUSED(tp_ciphers_opts_check(&ci, &err), "policy");
	ci.policy = NULL;
	ci.max_time_s = -1;
	REFUSED(tp_ciphers_opts_check(&ci, &err), "max-time");

	tp_cert_opts_init(&ce);
	REFUSED(tp_cert_opts_check(&ce, &err), "cert");
	ce.cert_file = "c.pem";
	assert_int_equal(tp_cert_opts_check(&ce, &err), 0);
	ce.expect_name = "a..b";
	REFUSED(tp_cert_opts_check(&ce, &err), "expect-name");

	tp_pcap_opts_init(&pc);
	tp_error_clear(&err);
	assert_int_equal(tp_pcap_opts_check(&pc, &err), -1);
	assert_string_equal(err.option, "live");
	pc.file = "x.pcap";
	assert_int_equal(tp_pcap_opts_check(&pc, &err), 0);
	pc.host = "not-an-address";
	REFUSED(tp_pcap_opts_check(&pc, &err), "host");
#undef REFUSED
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
		cmocka_unit_test(test_opts_client_check),
		cmocka_unit_test(test_opts_other_checks),
	};

	tp_error_set_namer(flag_words);

	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}
