/*
 * Tests of the peer's run without another node: the option checks, each
 * a usage error before anything is bound, and the run's stages with the
 * stop flag set from the start: the server role listens on 127.0.0.1,
 * the waits end at once, and the report says what is missing instead of
 * waiting out --wait.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "net.h"
#include "tlsprobe.h"

static char dir[64], cert_path[128], key_path[128];

/* ---- a self-signed certificate for the server role ---- */

static void save(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
	fclose(f);
}

static void make_cert(void)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	unsigned char sn[] = {0, 1, 2, 3};
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, sn, sizeof(sn));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 86400);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
		GNUTLS_OID_X520_COMMON_NAME, 0, "peer.test", 9), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
		"peer.test", 9, GNUTLS_FSAN_SET);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key,
					       GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
						 &d), 0);
	save(cert_path, &d);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
						     &d), 0);
	save(key_path, &d);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_peer.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cert_path, sizeof(cert_path), "%s/peer.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/peer.key", dir);
	make_cert();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	return 0;
}

/* A loopback port nobody listens on at the moment. */
static unsigned free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* ---- option checks: usage errors, nothing bound ---- */

struct ocase {
	const char *name;
	const char *connect;
	bool cert, key;
	const char *message;       /* a part of err.message */
};

static const struct ocase ocases[] = {
	{"no --connect", NULL, true, true, "peer needs --connect HOST:PORT"},
	{"no --cert", "127.0.0.1:4433", false, true, "--cert and --key"},
	{"no --key", "127.0.0.1:4433", true, false, "--cert and --key"},
	{"neither --cert nor --key", "127.0.0.1:4433", false, false,
	 "(it serves too)"},
	{"--connect with a port out of range", "127.0.0.1:70000", true, true,
	 "--connect"},
};

static void test_options(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		const struct ocase *c = &ocases[i];
		struct tp_peer_opts o;
		struct tp_report *r = tp_report_new("peer");
		struct tp_error err = {0};
		volatile sig_atomic_t stop = 1;

		tp_peer_opts_init(&o);
		o.connect = c->connect;
		o.client.cert_file = c->cert ? cert_path : NULL;
		o.client.key_file = c->key ? key_path : NULL;
		o.listen = "127.0.0.1:1";   /* never reached */
		o.stop = &stop;
		assert_non_null(r);
		if (tp_peer_run(&o, r, &err) != -1)
			fail_msg("%s: the run went on", c->name);
		if (err.kind != TP_ERR_USAGE ||
		    strstr(err.message, c->message) == NULL)
			fail_msg("%s: error %d \"%s\", not a usage error "
				 "naming \"%s\"", c->name, (int)err.kind,
				 err.message, c->message);
		/* nothing was done: no directions, no findings */
		assert_null(r->directions[0]);
		assert_null(r->directions[1]);
		assert_int_equal(r->n_findings, 0);
		tp_report_free(r);
	}
}

/* ---- the stages with the stop flag set ---- */

static void test_stopped(void **state)
{
	struct tp_peer_opts o;
	struct tp_report *r = tp_report_new("peer");
	struct tp_error err = {0};
	volatile sig_atomic_t stop = 1;
	char listen[32], connect[32];
	const struct tp_report *mine;
	double t0;
	int rc;

	(void)state;
	assert_non_null(r);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", free_port());
	/* the other node: a port where nobody listens */
	snprintf(connect, sizeof(connect), "127.0.0.1:%u", free_port());
	tp_peer_opts_init(&o);
	o.listen = listen;
	o.connect = connect;
	o.client.cert_file = cert_path;
	o.client.key_file = key_path;
	o.client.no_name_check = true;
	o.wait_s = 20;
	o.stop = &stop;
	t0 = tp_now_ms();
	rc = tp_peer_run(&o, r, &err);
	if (rc != 0)
		fail_msg("the run failed: %s", err.message);
	/* the server listened, the waits ended at once: nowhere near
	 * --wait */
	assert_true(tp_now_ms() - t0 < 10000);
	/* our direction is there, theirs is not, and the report says so */
	mine = r->directions[0] != NULL ? r->directions[0] : r->directions[1];
	assert_non_null(mine);
	assert_true(r->directions[0] == NULL || r->directions[1] == NULL);
	assert_non_null(tp_report_find_stage(mine, "dns"));
	assert_true(tp_report_has(r, TP_PEER_REPORT_MISSING));
	assert_non_null(r->target.host);
	assert_string_equal(r->target.host, "127.0.0.1");
	tp_report_free(r);
}

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_stopped),
	};

	tp_error_set_namer(flag_words);
	return cmocka_run_group_tests(tests, setup, teardown);
}
