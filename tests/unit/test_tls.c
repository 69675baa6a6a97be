/*
 * Unit tests of tls.c: a small PKI is made with GnuTLS in a temporary
 * directory; tp_tls_creds_load reads it as each side would (every bad
 * input is one usage error naming the file), the priority and ALPN
 * checks take their tables, and tp_tls_client_handshake runs over a
 * socketpair against a GnuTLS server session in a thread that presents
 * the server role's credentials.
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
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "pki.h"
#include "cert.h"
#include "net.h"
#include "tls.h"

static char dir[64];

/* ---- a small PKI ---- */

/* The path of name in the test's directory; enough slots that a case's
 * paths all stay valid at once. */
static const char *path_of(const char *name)
{
	static char buf[16][128];
	static int next;
	char *p = buf[next++ % 16];

	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path_of(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void save_cert(const char *name, gnutls_x509_crt_t crt)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d),
			 0);
	write_file(name, d.data, d.size);
	gnutls_free(d.data);
}

static void save_key(const char *name, gnutls_x509_privkey_t key,
		     const char *password)
{
	char buf[8192];
	size_t size = sizeof(buf);

	assert_int_equal(gnutls_x509_privkey_export_pkcs8(key,
			 GNUTLS_X509_FMT_PEM, password, password == NULL
			 ? GNUTLS_PKCS_PLAIN : GNUTLS_PKCS_PBES2_AES_256, buf,
			 &size), 0);
	write_file(name, buf, size);
}

/* ca.pem; server.pem/.key (localhost); client.pem/.key, client.key
 * encrypted as client-enc.key ("secret"); other.key, no one's. */
static void make_pki(void)
{
	gnutls_x509_privkey_t k_ca = new_key(), k_srv = new_key(),
			      k_cli = new_key(), k_other = new_key();
	gnutls_x509_crt_t ca, srv, cli;

	ca = new_cert("tlsprobe Test CA", k_ca, NULL, NULL, ROLE_CA, 0);
	srv = new_cert("localhost", k_srv, ca, k_ca, ROLE_SERVER, 0);
	cli = new_cert("client.test", k_cli, ca, k_ca, ROLE_CLIENT, 0);
	save_cert("ca.pem", ca);
	save_cert("server.pem", srv);
	save_key("server.key", k_srv, NULL);
	save_cert("client.pem", cli);
	save_key("client.key", k_cli, NULL);
	save_key("client-enc.key", k_cli, "secret");
	save_key("other.key", k_other, NULL);
	write_file("garbage.pem", "not a certificate\n", 18);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(srv);
	gnutls_x509_crt_deinit(cli);
	gnutls_x509_privkey_deinit(k_ca);
	gnutls_x509_privkey_deinit(k_srv);
	gnutls_x509_privkey_deinit(k_cli);
	gnutls_x509_privkey_deinit(k_other);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tlsprobe-test-tls.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	make_pki();
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {
		"ca.pem", "server.pem", "server.key", "client.pem",
		"client.key", "client-enc.key", "other.key", "garbage.pem",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(path_of(files[i]));
	rmdir(dir);
	return 0;
}

/* A password source for the tests: the string it was given, or none. */
static int test_password(void *arg, const char *path, char *buf, size_t size)
{
	(void)path;
	if (arg == NULL)
		return -1;
	snprintf(buf, size, "%s", (const char *)arg);
	return 0;
}

/* ---- tp_tls_creds_load ---- */

struct creds_case {
	const char *name;
	enum tp_tls_role role;
	const char *cert, *key, *ca;   /* file names in dir, or NULL */
	const char *password;          /* NULL: no password to give */
	const char *priority;
	int rc;
	/* on failure: words the message holds, and the files it names */
	const char *words;
	const char *names1, *names2;
	/* on success: certificates loaded, whether a trust came */
	unsigned n_chain;
	bool trust;
};

static const struct creds_case creds_cases[] = {
	{"server: chain, key and CA", TP_TLS_SERVER, "server.pem",
	 "server.key", "ca.pem", NULL, NULL, 0, NULL, NULL, NULL, 1, true},
	{"server: no CA, a priority", TP_TLS_SERVER, "server.pem",
	 "server.key", NULL, NULL, "NORMAL:-VERS-TLS1.3", 0, NULL, NULL,
	 NULL, 1, false},
	{"client: its certificate", TP_TLS_CLIENT, "client.pem", "client.key",
	 "ca.pem", NULL, NULL, 0, NULL, NULL, NULL, 1, true},
	{"client: without a certificate", TP_TLS_CLIENT, NULL, NULL, NULL,
	 NULL, NULL, 0, NULL, NULL, NULL, 0, false},
	{"server: a key that is not the certificate's", TP_TLS_SERVER,
	 "server.pem", "other.key", NULL, NULL, NULL, -1, "does not belong",
	 "other.key", "server.pem", 0, false},
	/* a client's run goes on and reports KEY_MISMATCH itself */
	{"client: a key that is not the certificate's", TP_TLS_CLIENT,
	 "client.pem", "other.key", NULL, NULL, NULL, 0, NULL, NULL, NULL, 1,
	 false},
	{"server: no such certificate file", TP_TLS_SERVER, "missing.pem",
	 "server.key", NULL, NULL, NULL, -1, "--cert", "missing.pem", NULL,
	 0, false},
	{"client: no such key file", TP_TLS_CLIENT, "client.pem",
	 "missing.key", NULL, NULL, NULL, -1, "--key", "missing.key", NULL, 0,
	 false},
	{"server: no such CA file", TP_TLS_SERVER, "server.pem", "server.key",
	 "missing-ca.pem", NULL, NULL, -1, NULL, "missing-ca.pem", NULL, 0,
	 false},
	{"client: a CA file that holds no certificate", TP_TLS_CLIENT, NULL,
	 NULL, "garbage.pem", NULL, NULL, -1, NULL, "garbage.pem", NULL, 0,
	 false},
	{"client: encrypted key, its password", TP_TLS_CLIENT, "client.pem",
	 "client-enc.key", NULL, "secret", NULL, 0, NULL, NULL, NULL, 1,
	 false},
	{"client: encrypted key, no password", TP_TLS_CLIENT, "client.pem",
	 "client-enc.key", NULL, NULL, NULL, -1, "the key is encrypted",
	 "client-enc.key", NULL, 0, false},
	{"server: encrypted key, a wrong password", TP_TLS_SERVER,
	 "client.pem", "client-enc.key", NULL, "not it", NULL, -1,
	 "wrong password", "client-enc.key", NULL, 0, false},
	{"server: a priority GnuTLS refuses", TP_TLS_SERVER, "server.pem",
	 "server.key", NULL, NULL, "NORMAL:+BOGUS", -1,
	 "--priority 'NORMAL:+BOGUS'", NULL, NULL, 0, false},
	{"client: a certificate without its key", TP_TLS_CLIENT,
	 "client.pem", NULL, NULL, NULL, NULL, -1, "without --key",
	 "client.pem", NULL, 0, false},
};

static void run_creds_case(void **state)
{
	const struct creds_case *k = *state;
	struct tp_password pw = {test_password, (void *)k->password};
	struct tp_tls_creds_opts o = {
		.role = k->role,
		.cert_file = k->cert ? path_of(k->cert) : NULL,
		.key_file = k->key ? path_of(k->key) : NULL,
		.ca_file = k->ca ? path_of(k->ca) : NULL,
		.password = &pw,
		.priority = k->priority,
	};
	struct tp_tls_creds c;
	struct tp_error err = {0};
	int rc = tp_tls_creds_load(&o, &c, &err);

	if (rc != k->rc)
		fail_msg("%s: rc %d, want %d (%s)", k->name, rc, k->rc,
			 err.message);
	if (rc < 0) {
		assert_int_equal(err.kind, TP_ERR_USAGE);
		if (k->words != NULL && strstr(err.message, k->words) == NULL)
			fail_msg("%s: '%s' lacks '%s'", k->name, err.message,
				 k->words);
		if (k->names1 != NULL &&
		    strstr(err.message, path_of(k->names1)) == NULL)
			fail_msg("%s: '%s' does not name %s", k->name,
				 err.message, k->names1);
		if (k->names2 != NULL &&
		    strstr(err.message, path_of(k->names2)) == NULL)
			fail_msg("%s: '%s' does not name %s", k->name,
				 err.message, k->names2);
	} else {
		assert_int_equal(err.kind, TP_ERR_NONE);
		assert_non_null(c.cred);
		assert_non_null(c.prio);
		assert_int_equal(c.n_chain, k->n_chain);
		assert_int_equal(c.trust != NULL, k->trust);
		if (k->n_chain > 0)
			assert_non_null(c.key);
		/* a client presents pcerts through its retrieve function;
		 * a server's chain sits in its credentials */
		if (k->role == TP_TLS_CLIENT) {
			assert_int_equal(c.n_pcerts, k->n_chain);
			assert_int_equal(c.privkey != NULL, k->n_chain > 0);
		} else {
			assert_int_equal(c.n_pcerts, 0);
		}
	}
	tp_tls_creds_free(&c);
	assert_null(c.chain);
	assert_null(c.cred);
	tp_tls_creds_free(&c);  /* twice, and a cleared one: a no-op */
	tp_tls_creds_free(NULL);
}

/* ---- tp_tls_check_priority, tp_tls_check_alpn ---- */

struct check_case {
	const char *text;
	int rc;
	const char *words;  /* the message holds them, on failure */
};

static const struct check_case priority_cases[] = {
	{NULL, 0, NULL},
	{"NORMAL", 0, NULL},
	{"NORMAL:-VERS-ALL:+VERS-TLS1.2", 0, NULL},
	{"", -1, "an empty priority string"},
	{" \t ", -1, "leave the option out for NORMAL"},
	{"NORMAL:+BOGUS", -1, "at '+BOGUS'"},
	{"NOT-A-KEYWORD", -1, "--priority 'NOT-A-KEYWORD'"},
};

static void test_tls_check_priority(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(priority_cases) / sizeof(priority_cases[0]);
	     i++) {
		const struct check_case *k = &priority_cases[i];
		struct tp_error err = {0};
		int rc = tp_tls_check_priority(k->text, &err);

		if (rc != k->rc)
			fail_msg("'%s': rc %d, want %d (%s)",
				 k->text ? k->text : "(null)", rc, k->rc,
				 err.message);
		if (rc < 0) {
			assert_int_equal(err.kind, TP_ERR_USAGE);
			if (strstr(err.message, k->words) == NULL)
				fail_msg("'%s': '%s' lacks '%s'", k->text,
					 err.message, k->words);
		}
	}
}

static void test_tls_check_alpn(void **state)
{
	char long_name[300], nine[64];
	const struct check_case cases[] = {
		{NULL, 0, NULL},
		{"h2", 0, NULL},
		{"h2,http/1.1", 0, NULL},
		{",h2,,", 0, NULL},  /* empty names are skipped */
		{"a,b,c,d,e,f,g,h", 0, NULL},
		{"", -1, "names no protocol"},
		{",,,", -1, "names no protocol"},
		{nine, -1, "9 protocols; at most 8"},
		{long_name, -1, "longer than 255 bytes"},
	};
	size_t i;

	(void)state;
	snprintf(nine, sizeof(nine), "a,b,c,d,e,f,g,h,i");
	memset(long_name, 'x', 256);
	long_name[256] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct check_case *k = &cases[i];
		struct tp_error err = {0};
		int rc = tp_tls_check_alpn(k->text, &err);

		if (rc != k->rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, k->rc,
				 err.message);
		if (rc < 0) {
			assert_int_equal(err.kind, TP_ERR_USAGE);
			if (strstr(err.message, k->words) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i,
					 err.message, k->words);
		}
	}
}

/* ---- a real handshake over a socketpair ---- */

/* The far end: a GnuTLS server session in a thread, on the server
 * role's credentials. */
struct far_end {
	int fd;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_certificate_request_t request;
	int status;               /* its handshake's */
	bool client_cert;         /* a client certificate came */
	pthread_t thread;
};

static void *far_end_main(void *arg)
{
	struct far_end *f = arg;
	gnutls_session_t s;
	char buf[256];
	unsigned n = 0;

	/* the client may have closed by the time we answer */
	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL) < 0)
		return NULL;
	gnutls_priority_set(s, f->prio);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, f->cred);
	gnutls_certificate_server_set_request(s, f->request);
	gnutls_transport_set_int(s, f->fd);
	gnutls_handshake_set_timeout(s, 5000);
	do {
		f->status = gnutls_handshake(s);
	} while (f->status < 0 && !gnutls_error_is_fatal(f->status));
	/* GnuTLS leaves the alert that says why to its caller */
	if (f->status < 0)
		gnutls_alert_send_appropriate(s, f->status);
	if (f->status == 0) {
		f->client_cert = gnutls_certificate_get_peers(s, &n) != NULL &&
				 n > 0;
		/* until the client's close_notify, then ours */
		gnutls_record_set_timeout(s, 5000);
		while (gnutls_record_recv(s, buf, sizeof(buf)) > 0)
			;
		gnutls_bye(s, GNUTLS_SHUT_WR);
	}
	gnutls_deinit(s);
	shutdown(f->fd, SHUT_RDWR);
	return NULL;
}

struct handshake_case {
	const char *name;
	gnutls_certificate_request_t request;
	bool client_cert;          /* the client has one to present */
	int rc;                    /* tp_tls_client_handshake's */
	bool cert_requested, sent_cert;
	int alert_in;              /* -1: none */
	bool far_refused;          /* the far end's handshake failed */
};

static const struct handshake_case handshake_cases[] = {
	{"handshake: no certificate asked", GNUTLS_CERT_IGNORE, true, 0,
	 false, false, -1, false},
	{"handshake: certificate asked and sent", GNUTLS_CERT_REQUEST, true,
	 0, true, true, -1, false},
	{"handshake: certificate asked, none to send", GNUTLS_CERT_REQUEST,
	 false, 0, true, false, -1, false},
	/* TLS 1.3: the refusal is an alert after our Finished (116,
	 * certificate_required) */
	{"handshake: certificate required, none sent", GNUTLS_CERT_REQUIRE,
	 false, -1, true, false, 116, true},
};

static void run_handshake_case(void **state)
{
	const struct handshake_case *k = *state;
	struct tp_tls_creds_opts so = {
		.role = TP_TLS_SERVER, .cert_file = path_of("server.pem"),
		.key_file = path_of("server.key"), .ca_file = path_of("ca.pem"),
	};
	struct tp_tls_creds_opts co = {
		.role = TP_TLS_CLIENT,
		.cert_file = k->client_cert ? path_of("client.pem") : NULL,
		.key_file = k->client_cert ? path_of("client.key") : NULL,
	};
	struct tp_tls_creds server, client;
	struct tp_tls_client_cfg cfg;
	struct tp_tls_obs obs;
	struct tp_error err = {0};
	struct far_end far;
	struct tp_report *r = tp_report_new("client");
	char dn[256];
	int sv[2], rc;

	assert_non_null(r);
	if (tp_tls_creds_load(&so, &server, &err) < 0 ||
	    tp_tls_creds_load(&co, &client, &err) < 0)
		fail_msg("%s: %s", k->name, err.message);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL,
			       fcntl(sv[0], F_GETFL) | O_NONBLOCK), 0);
	memset(&far, 0, sizeof(far));
	far.fd = sv[1];
	far.cred = server.cred;
	far.prio = server.prio;
	far.request = k->request;
	assert_int_equal(pthread_create(&far.thread, NULL, far_end_main,
					&far), 0);

	memset(&cfg, 0, sizeof(cfg));
	cfg.sni = "localhost";
	cfg.cred = client.cred;
	cfg.pcerts = client.pcerts;
	cfg.n_pcerts = client.n_pcerts;
	cfg.key = client.privkey;
	rc = tp_tls_client_handshake(&cfg, sv[0], tp_now_ms() + 5000, r, &obs);
	close(sv[0]);
	pthread_join(far.thread, NULL);
	close(sv[1]);

	if (rc != k->rc)
		fail_msg("%s: rc %d, want %d (status %d, %s)", k->name, rc,
			 k->rc, obs.status, gnutls_strerror(obs.status));
	assert_true(obs.handshake_done);
	assert_int_equal(far.status < 0, k->far_refused);
	assert_true(obs.saw_server_hello);
	assert_true(obs.saw_server_cert);
	assert_int_equal(obs.n_peer, 1);
	assert_non_null(r->session.version);
	assert_string_equal(r->session.version, "TLS1.3");
	assert_int_equal(obs.cert_requested, k->cert_requested);
	assert_int_equal(obs.sent_cert, k->sent_cert);
	assert_int_equal(far.client_cert, k->sent_cert);
	assert_int_equal(obs.alert_in, k->alert_in);
	assert_int_equal(obs.alert_after_handshake, k->alert_in >= 0);
	if (k->cert_requested) {
		/* the CertificateRequest named the server's --ca */
		tp_cert_dn(server.trust->cas[0], false, dn, sizeof(dn));
		assert_int_equal(obs.n_req_cas, 1);
		assert_string_equal(obs.req_cas[0], dn);
	}
	tp_tls_obs_free(&obs);
	tp_report_free(r);
	tp_tls_creds_free(&server);
	tp_tls_creds_free(&client);
}

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	enum {
		N_CREDS = sizeof(creds_cases) / sizeof(creds_cases[0]),
		N_HS = sizeof(handshake_cases) / sizeof(handshake_cases[0]),
	};
	const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_tls_check_priority),
		cmocka_unit_test(test_tls_check_alpn),
	};
	enum { N_SINGLES = sizeof(singles) / sizeof(singles[0]) };
	struct CMUnitTest tests[N_CREDS + N_HS + N_SINGLES];
	size_t i, n = 0;

	for (i = 0; i < N_CREDS; i++)
		tests[n++] = (struct CMUnitTest){
			.name = creds_cases[i].name,
			.test_func = run_creds_case,
			.initial_state = (void *)&creds_cases[i]};
	for (i = 0; i < N_HS; i++)
		tests[n++] = (struct CMUnitTest){
			.name = handshake_cases[i].name,
			.test_func = run_handshake_case,
			.initial_state = (void *)&handshake_cases[i]};
	for (i = 0; i < N_SINGLES; i++)
		tests[n++] = singles[i];
	tp_error_set_namer(flag_words);
	return _cmocka_run_group_tests("tls", tests, n, setup, teardown);
}
