/*
 * Tests of server.c in one process: a small PKI is made with GnuTLS, the
 * server probe runs in a thread on 127.0.0.1 (port 0), and GnuTLS client
 * sessions that set their own ClientHello random (SHA-256 of a token, as
 * the paired client does) then ask the side channel for the account of
 * exactly their handshake, and ask inside the session what the server
 * presented and saw.
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
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sideband.h"

/* 2024-01-01 and 2044-01-01 */
#define T2024 ((time_t)1704067200)
#define T2044 ((time_t)2335219200)

static char dir[64];
static char path_ca1[128], path_server[128], path_server_key[128];
static char path_ca2_client[128], path_ca2_client_key[128];
static char path_ca1_client[128], path_ca1_client_key[128];
static char server_sha256[65];

/* ---- a small PKI ---- */

static gnutls_x509_privkey_t new_key(void)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	return k;
}

enum role { ROLE_CA, ROLE_SERVER, ROLE_CLIENT };

static gnutls_x509_crt_t new_cert(const char *cn, gnutls_x509_privkey_t key,
				  gnutls_x509_crt_t issuer,
				  gnutls_x509_privkey_t issuer_key,
				  enum role role)
{
	static unsigned serial = 100;
	unsigned char id[64], sn[4];
	size_t size = sizeof(id);
	gnutls_x509_crt_t crt;

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	serial++;
	sn[0] = 0;
	sn[1] = (unsigned char)(serial >> 16);
	sn[2] = (unsigned char)(serial >> 8);
	sn[3] = (unsigned char)serial;
	gnutls_x509_crt_set_serial(crt, sn, sizeof(sn));
	gnutls_x509_crt_set_activation_time(crt, T2024);
	gnutls_x509_crt_set_expiration_time(crt, T2044);
	/* O first: the DN reads "CN=…,O=tlsprobe" (RFC 4514 order) */
	if (role == ROLE_CA)
		gnutls_x509_crt_set_dn_by_oid(crt,
			GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "tlsprobe", 8);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
		GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	gnutls_x509_crt_set_basic_constraints(crt, role == ROLE_CA, -1);
	gnutls_x509_crt_set_key_usage(crt, role == ROLE_CA
		? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
		: GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (role == ROLE_SERVER) {
		gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
			"localhost", 9, GNUTLS_FSAN_SET);
	} else if (role == ROLE_CLIENT) {
		gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0);
	}
	assert_int_equal(gnutls_x509_privkey_get_key_id(key, 0, id, &size), 0);
	gnutls_x509_crt_set_subject_key_id(crt, id, size);
	if (issuer != NULL) {
		size = sizeof(id);
		if (gnutls_x509_crt_get_subject_key_id(issuer, id, &size,
						       NULL) == 0)
			gnutls_x509_crt_set_authority_key_id(crt, id, size);
	}
	assert_int_equal(gnutls_x509_crt_sign2(crt, issuer ? issuer : crt,
		issuer_key ? issuer_key : key, GNUTLS_DIG_SHA256, 0), 0);
	return crt;
}

static void write_datum(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
	fclose(f);
}

static void save_cert(const char *path, gnutls_x509_crt_t crt)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
	write_datum(path, &d);
	gnutls_free(d.data);
}

static void save_key(const char *path, gnutls_x509_privkey_t key)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
						     &d), 0);
	write_datum(path, &d);
	gnutls_free(d.data);
}

static void make_pki(void)
{
	gnutls_x509_privkey_t k_ca1 = new_key(), k_ca2 = new_key(),
			      k_srv = new_key(), k_c1 = new_key(),
			      k_c2 = new_key();
	gnutls_x509_crt_t ca1, ca2, srv, c1, c2;
	unsigned char fp[32];
	size_t fp_size = sizeof(fp), i;

	ca1 = new_cert("tlsprobe Test CA1", k_ca1, NULL, NULL, ROLE_CA);
	ca2 = new_cert("tlsprobe Test CA2", k_ca2, NULL, NULL, ROLE_CA);
	srv = new_cert("localhost", k_srv, ca1, k_ca1, ROLE_SERVER);
	c1 = new_cert("client.test", k_c1, ca1, k_ca1, ROLE_CLIENT);
	c2 = new_cert("client.test", k_c2, ca2, k_ca2, ROLE_CLIENT);
#define P(var, name) snprintf(var, sizeof(var), "%s/%s", dir, name)
	P(path_ca1, "ca1.pem");
	P(path_server, "server.pem");
	P(path_server_key, "server.key");
	P(path_ca1_client, "client-ca1.pem");
	P(path_ca1_client_key, "client-ca1.key");
	P(path_ca2_client, "client-ca2.pem");
	P(path_ca2_client_key, "client-ca2.key");
#undef P
	save_cert(path_ca1, ca1);
	save_cert(path_server, srv);
	save_key(path_server_key, k_srv);
	save_cert(path_ca1_client, c1);
	save_key(path_ca1_client_key, k_c1);
	save_cert(path_ca2_client, c2);
	save_key(path_ca2_client_key, k_c2);
	assert_int_equal(gnutls_x509_crt_get_fingerprint(srv, GNUTLS_DIG_SHA256,
							 fp, &fp_size), 0);
	for (i = 0; i < 32; i++)
		snprintf(server_sha256 + 2 * i, 3, "%02x", fp[i]);
	gnutls_x509_crt_deinit(ca1);
	gnutls_x509_crt_deinit(ca2);
	gnutls_x509_crt_deinit(srv);
	gnutls_x509_crt_deinit(c1);
	gnutls_x509_crt_deinit(c2);
	gnutls_x509_privkey_deinit(k_ca1);
	gnutls_x509_privkey_deinit(k_ca2);
	gnutls_x509_privkey_deinit(k_srv);
	gnutls_x509_privkey_deinit(k_c1);
	gnutls_x509_privkey_deinit(k_c2);
}

/* ---- the server in a thread ---- */

struct harness {
	struct tp_server_opts o;
	struct tp_server_summary sum;
	struct tp_error err;
	volatile sig_atomic_t stop;
	pthread_t thread;
	int ready[2];             /* the port goes through a pipe */
	unsigned port;
	int rc;
	pthread_mutex_t lock;
	char *reports[16];        /* JSON of each report */
	size_t n_reports;
};

static void on_listening(void *arg, const char *addresses)
{
	struct harness *h = arg;
	const char *colon = strrchr(addresses, ':');
	unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;

	assert_true(write(h->ready[1], &port, sizeof(port)) ==
		    (ssize_t)sizeof(port));
}

static void on_report(void *arg, const struct tp_report *r)
{
	struct harness *h = arg;

	pthread_mutex_lock(&h->lock);
	if (h->n_reports < 16)
		h->reports[h->n_reports++] = tp_report_to_json(r,
							TP_RENDER_COMPACT);
	pthread_mutex_unlock(&h->lock);
}

static void *serve(void *arg)
{
	struct harness *h = arg;

	h->rc = tp_server_run(&h->o, &h->sum, &h->err);
	if (h->rc < 0) {
		unsigned zero = 0;

		/* let the waiting test go on, and fail */
		assert_true(write(h->ready[1], &zero, sizeof(zero)) > 0);
	}
	return NULL;
}

static void start_server(struct harness *h, const char *priority)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->o.listen = "127.0.0.1:0";
	h->o.cert_file = path_server;
	h->o.key_file = path_server_key;
	h->o.ca_file = path_ca1;
	h->o.priority = priority;
	h->o.timeout_s = 5;
	h->o.on_listening = on_listening;
	h->o.on_report = on_report;
	h->o.arg = h;
	h->o.stop = &h->stop;
	assert_int_equal(pipe(h->ready), 0);
	assert_int_equal(pthread_create(&h->thread, NULL, serve, h), 0);
	assert_int_equal(read(h->ready[0], &h->port, sizeof(h->port)),
			 sizeof(h->port));
	if (h->port == 0)
		fail_msg("the server did not start: %s", h->err.message);
}

static void stop_server(struct harness *h)
{
	size_t i;

	h->stop = 1;
	pthread_join(h->thread, NULL);
	close(h->ready[0]);
	close(h->ready[1]);
	assert_int_equal(h->rc, 0);
	for (i = 0; i < h->n_reports; i++)
		free(h->reports[i]);
	pthread_mutex_destroy(&h->lock);
}

/* A report JSON once the server has made it (5 s at most). */
static const char *report(struct harness *h, size_t i)
{
	const char *r = NULL;
	int tries;

	for (tries = 0; tries < 500 && r == NULL; tries++) {
		pthread_mutex_lock(&h->lock);
		if (h->n_reports > i)
			r = h->reports[i];
		pthread_mutex_unlock(&h->lock);
		if (r == NULL)
			usleep(10000);
	}
	assert_non_null(r);
	return r;
}

/* ---- clients ---- */

static int dial(unsigned port, char *local, size_t size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (local != NULL) {
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
		snprintf(local, size, "127.0.0.1:%u", ntohs(sa.sin_port));
	}
	return fd;
}

struct tls_client {
	int fd;
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	gnutls_pcert_st pcert;
	gnutls_privkey_t key;
	bool has_cert;
	char local[64];
};

/*
 * Sends our certificate whatever CAs the server names: GnuTLS on its own
 * sends none that does not match, and the server must see the wrong one.
 */
static int retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn,
		    int nreqs, const gnutls_pk_algorithm_t *pk_algos,
		    int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	struct tls_client *c = gnutls_session_get_ptr(s);

	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	*pcert = c->has_cert ? &c->pcert : NULL;
	*pcert_length = c->has_cert ? 1 : 0;
	*privkey = c->has_cert ? c->key : NULL;
	return 0;
}

static void load_client_cert(struct tls_client *c, const char *cert,
			     const char *key)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_load_file(cert, &d), 0);
	assert_int_equal(gnutls_pcert_import_x509_raw(&c->pcert, &d,
		GNUTLS_X509_FMT_PEM, 0), 0);
	gnutls_free(d.data);
	assert_int_equal(gnutls_load_file(key, &d), 0);
	assert_int_equal(gnutls_privkey_init(&c->key), 0);
	assert_int_equal(gnutls_privkey_import_x509_raw(c->key, &d,
		GNUTLS_X509_FMT_PEM, NULL, 0), 0);
	gnutls_free(d.data);
	c->has_cert = true;
}

/* A handshake whose ClientHello random is SHA-256(token). */
static int tls_connect(struct tls_client *c, unsigned port,
		       const unsigned char token[TP_SB_TOKEN_LEN],
		       const char *cert, const char *key)
{
	unsigned char random[32];
	gnutls_datum_t r = {random, 32};
	int rc;

	tp_sb_client_random(token, random);
	memset(c, 0, sizeof(*c));
	c->fd = dial(port, c->local, sizeof(c->local));
	assert_int_equal(gnutls_certificate_allocate_credentials(&c->cred), 0);
	assert_int_equal(gnutls_certificate_set_x509_trust_file(c->cred,
		path_ca1, GNUTLS_X509_FMT_PEM), 1);
	if (cert != NULL)
		load_client_cert(c, cert, key);
	gnutls_certificate_set_retrieve_function2(c->cred, retrieve);
	assert_int_equal(gnutls_init(&c->s, GNUTLS_CLIENT), 0);
	gnutls_session_set_ptr(c->s, c);
	assert_int_equal(gnutls_priority_set_direct(c->s, "NORMAL", NULL), 0);
	assert_int_equal(gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
						c->cred), 0);
	gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
	assert_int_equal(gnutls_handshake_set_random(c->s, &r), 0);
	gnutls_transport_set_int(c->s, c->fd);
	do {
		rc = gnutls_handshake(c->s);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	return rc;
}

static void tls_close(struct tls_client *c)
{
	gnutls_deinit(c->s);
	gnutls_certificate_free_credentials(c->cred);
	if (c->has_cert) {
		gnutls_pcert_deinit(&c->pcert);
		gnutls_privkey_deinit(c->key);
	}
	close(c->fd);
}

/* Reads one line from fd (plain or, with s, inside TLS). */
static size_t read_line(int fd, gnutls_session_t s, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && memchr(buf, '\n', len) == NULL) {
		n = s != NULL ? gnutls_record_recv(s, buf + len, size - 1 - len)
			      : recv(fd, buf + len, size - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Says hello with token on a fresh connection; the welcome into w. */
static void ask(unsigned port, const unsigned char token[TP_SB_TOKEN_LEN],
		struct tp_sb_welcome *w, char *local, size_t lsize)
{
	struct tp_sb_hello hello = {0};
	struct tp_error err = {0};
	char buf[TP_SB_MAX_LINE + 1], *line;
	int fd = dial(port, local, lsize);
	size_t n;

	snprintf(hello.local, sizeof(hello.local), "%s", local);
	snprintf(hello.dialled, sizeof(hello.dialled), "127.0.0.1:%u", port);
	memcpy(hello.token, token, TP_SB_TOKEN_LEN);
	line = tp_sb_hello_line(&hello);
	assert_non_null(line);
	assert_int_equal(send(fd, line, strlen(line), 0), (ssize_t)strlen(line));
	free(line);
	n = read_line(fd, NULL, buf, sizeof(buf));
	close(fd);
	if (tp_sb_parse(buf, n, NULL, w, NULL, &err) == NULL)
		fail_msg("no welcome (%s): %.200s", err.message, buf);
}

/* ---- the cases ---- */

/*
 * A client certificate from CA2 is refused with unknown_ca, and the
 * account the side channel returns for that handshake says exactly why.
 */
static void test_server_account_of_a_rejection(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sb_welcome *w = malloc(sizeof(*w));
	unsigned char token[TP_SB_TOKEN_LEN], other[TP_SB_TOKEN_LEN];
	char buf[256], local[64];
	ssize_t n;
	size_t i;
	int rc;

	(void)state;
	start_server(&h, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	assert_int_equal(tp_sb_token_new(token), 0);
	rc = tls_connect(&c, h.port, token, path_ca2_client,
			 path_ca2_client_key);
	/* TLS 1.3: the server judges us after our Finished; the alert
	 * ends our handshake or comes with the first read after it */
	if (rc == 0) {
		n = gnutls_record_recv(c.s, buf, sizeof(buf));
		assert_int_equal(n, GNUTLS_E_FATAL_ALERT_RECEIVED);
	} else {
		assert_int_equal(rc, GNUTLS_E_FATAL_ALERT_RECEIVED);
	}
	assert_int_equal(gnutls_alert_get(c.s), GNUTLS_A_UNKNOWN_CA);
	tls_close(&c);

	ask(h.port, token, w, local, sizeof(local));
	assert_true(w->has_account);
	assert_string_equal(w->account.seen_from, c.local);
	assert_string_equal(w->account.outcome, "alert");
	assert_string_equal(w->account.alert_sent, "unknown_ca");
	assert_string_equal(w->account.sni, "localhost");
	assert_string_equal(w->account.reason, "client certificate issuer "
			    "CN=tlsprobe Test CA2,O=tlsprobe is not among the "
			    "trusted CAs [CN=tlsprobe Test CA1,O=tlsprobe]");
	assert_true(w->account.has_client_cert);
	assert_string_equal(w->account.client_subject, "CN=client.test");
	assert_string_equal(w->account.client_issuer,
			    "CN=tlsprobe Test CA2,O=tlsprobe");
	assert_true(w->account.n_codes >= 2);
	assert_string_equal(w->account.codes[0], "CLIENT_CERT_REJECTED");
	for (i = 0; i < w->account.n_codes; i++)
		if (strcmp(w->account.codes[i], "UNKNOWN_CA") == 0)
			break;
	assert_true(i < w->account.n_codes);
	/* the welcome itself */
	assert_string_equal(w->seen_from, local);
	assert_int_equal(w->n_chain, 1);
	assert_string_equal(w->chain_sha256[0], server_sha256);
	assert_int_equal(w->n_trusted, 1);
	assert_string_equal(w->trusted_cas[0], "CN=tlsprobe Test CA1,O=tlsprobe");

	/* another token: no account, whatever else was seen */
	assert_int_equal(tp_sb_token_new(other), 0);
	ask(h.port, other, w, local, sizeof(local));
	assert_false(w->has_account);

	/* the server's own report of the handshake */
	assert_non_null(strstr(report(&h, 0), "\"code\":\"UNKNOWN_CA\""));
	assert_non_null(strstr(report(&h, 0), "Alert(fatal, unknown_ca)"));
	stop_server(&h);
	assert_int_equal(h.sum.connections, 1);
	assert_int_equal(h.sum.failed, 1);
	assert_int_equal(h.sum.sideband, 2);
	free(w);
}

/*
 * An accepted client asks inside the session: the server answers with
 * the chain it presents and the ClientHello random it saw; the account
 * afterwards says established.
 */
static void test_server_inside_and_established(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sb_welcome *w = malloc(sizeof(*w));
	struct tp_sb_inside_reply reply;
	struct tp_error err = {0};
	unsigned char token[TP_SB_TOKEN_LEN], random[32];
	char buf[TP_SB_MAX_LINE + 1], want[65], local[64], *line;
	size_t n, i;

	(void)state;
	start_server(&h, NULL);
	assert_int_equal(tp_sb_token_new(token), 0);
	assert_int_equal(tls_connect(&c, h.port, token, path_ca1_client,
				     path_ca1_client_key), 0);
	line = tp_sb_inside_line();
	assert_true(gnutls_record_send(c.s, line, strlen(line)) ==
		    (ssize_t)strlen(line));
	free(line);
	n = read_line(c.fd, c.s, buf, sizeof(buf));
	if (tp_sb_parse(buf, n, NULL, NULL, &reply, &err) == NULL)
		fail_msg("no inside-reply (%s): %.200s", err.message, buf);
	tp_sb_client_random(token, random);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", random[i]);
	assert_string_equal(reply.client_random, want);
	assert_string_equal(reply.seen_from, c.local);
	snprintf(local, sizeof(local), "127.0.0.1:%u", h.port);
	assert_string_equal(reply.server_local, local);
	assert_int_equal(reply.n_chain, 1);
	assert_string_equal(reply.chain_sha256[0], server_sha256);
	/* then close_notify */
	assert_int_equal(gnutls_record_recv(c.s, buf, sizeof(buf)), 0);
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);

	ask(h.port, token, w, local, sizeof(local));
	assert_true(w->has_account);
	assert_string_equal(w->account.outcome, "established");
	assert_string_equal(w->account.version, "TLS1.3");
	assert_string_equal(w->account.alert_sent, "");
	assert_true(w->account.has_client_cert);
	assert_int_equal(w->account.n_codes, 0);
	assert_non_null(strstr(report(&h, 0), "\"verdict\":\"pass\""));
	stop_server(&h);
	assert_int_equal(h.sum.established, 1);
	free(w);
}

/* A TLS 1.2 rejection happens inside the client's handshake. */
static void test_server_tls12_rejection(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sb_welcome *w = malloc(sizeof(*w));
	unsigned char token[TP_SB_TOKEN_LEN];
	char local[64];
	int rc;

	(void)state;
	start_server(&h, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
	assert_int_equal(tp_sb_token_new(token), 0);
	rc = tls_connect(&c, h.port, token, path_ca2_client,
			 path_ca2_client_key);
	assert_int_equal(rc, GNUTLS_E_FATAL_ALERT_RECEIVED);
	assert_int_equal(gnutls_alert_get(c.s), GNUTLS_A_UNKNOWN_CA);
	tls_close(&c);
	ask(h.port, token, w, local, sizeof(local));
	assert_true(w->has_account);
	assert_string_equal(w->account.alert_sent, "unknown_ca");
	stop_server(&h);
	free(w);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tlsprobe-server-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	make_pki();
	return 0;
}

static int teardown(void **state)
{
	const char *const files[] = {
		path_ca1, path_server, path_server_key, path_ca1_client,
		path_ca1_client_key, path_ca2_client, path_ca2_client_key,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_account_of_a_rejection),
		cmocka_unit_test(test_server_inside_and_established),
		cmocka_unit_test(test_server_tls12_rejection),
	};

	return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
