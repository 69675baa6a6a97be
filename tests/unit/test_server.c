/*
 * Tests of server.c in one process: a small PKI is made with GnuTLS, the
 * server probe runs in a thread on 127.0.0.1 (port 0), and GnuTLS client
 * sessions that set their own ClientHello random (marked with a key, as
 * the paired client does) see the mark answered in the ServerHello
 * random, ask inside the session what the server presented and saw, and
 * claim the account of exactly their handshake on the side channel with
 * a signature only the key's holder can make.
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

#include "pki.h"
#include "sideband.h"

static char dir[64];
static char path_ca1[128], path_server[128], path_server_key[128];
static char path_ca2_client[128], path_ca2_client_key[128];
static char path_ca1_client[128], path_ca1_client_key[128];
static char server_sha256[65];

/* ---- a small PKI ---- */

/* the CAs' DNs name an O, and every certificate carries its key ids */
#define PKI_FLAGS (PKI_CA_ORG | PKI_KEY_IDS)

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

	ca1 = new_cert("tlsprobe Test CA1", k_ca1, NULL, NULL, ROLE_CA,
		       PKI_FLAGS);
	ca2 = new_cert("tlsprobe Test CA2", k_ca2, NULL, NULL, ROLE_CA,
		       PKI_FLAGS);
	srv = new_cert("localhost", k_srv, ca1, k_ca1, ROLE_SERVER, PKI_FLAGS);
	c1 = new_cert("client.test", k_c1, ca1, k_ca1, ROLE_CLIENT, PKI_FLAGS);
	c2 = new_cert("client.test", k_c2, ca2, k_ca2, ROLE_CLIENT, PKI_FLAGS);
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
	bool saw_hrr;             /* the server sent a HelloRetryRequest */
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

static int on_hrr(gnutls_session_t s, unsigned int htype, unsigned when,
		  unsigned int incoming, const gnutls_datum_t *msg)
{
	struct tls_client *c = gnutls_session_get_ptr(s);

	(void)when;
	(void)msg;
	if (incoming && htype == GNUTLS_HANDSHAKE_HELLO_RETRY_REQUEST)
		c->saw_hrr = true;
	return 0;
}

/* A handshake whose ClientHello random is cr, with the client's own
 * priority (NULL: NORMAL). */
static int tls_connect_with(struct tls_client *c, unsigned port,
			    const unsigned char cr[32], const char *priority,
			    const char *cert, const char *key)
{
	unsigned char random[32];
	gnutls_datum_t r = {random, 32};
	int rc;

	memcpy(random, cr, 32);
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
	assert_int_equal(gnutls_priority_set_direct(c->s, priority != NULL
						    ? priority : "NORMAL",
						    NULL), 0);
	assert_int_equal(gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
						c->cred), 0);
	gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
	assert_int_equal(gnutls_handshake_set_random(c->s, &r), 0);
	gnutls_handshake_set_hook_function(c->s,
		GNUTLS_HANDSHAKE_HELLO_RETRY_REQUEST, GNUTLS_HOOK_POST, on_hrr);
	gnutls_transport_set_int(c->s, c->fd);
	do {
		rc = gnutls_handshake(c->s);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	return rc;
}

static int tls_connect(struct tls_client *c, unsigned port,
		       const unsigned char cr[32], const char *cert,
		       const char *key)
{
	return tls_connect_with(c, port, cr, NULL, cert, key);
}

/* The ServerHello random the client saw. */
static void server_random(const struct tls_client *c, unsigned char sr[32])
{
	gnutls_datum_t cr = {NULL, 0}, d = {NULL, 0};

	gnutls_session_get_random(c->s, &cr, &d);
	assert_int_equal(d.size, 32);
	memcpy(sr, d.data, 32);
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

/* Sends a whole line on fd. */
static void send_line(int fd, char *line)
{
	assert_non_null(line);
	assert_int_equal(send(fd, line, strlen(line), 0),
			 (ssize_t)strlen(line));
	free(line);
}

/*
 * Says hello on a fresh connection, for the handshake whose random was
 * cr, with pub as the key; the welcome into w. Returns the connection,
 * open for the claim.
 */
static int hello(unsigned port, const unsigned char pub[TP_SIDEBAND_KEY_LEN],
		 const unsigned char cr[32], struct tp_sideband_welcome *w,
		 char *local, size_t lsize)
{
	struct tp_sideband_hello h = {0};
	struct tp_sideband_msg *m = malloc(sizeof(*m));
	struct tp_error err = {0};
	char buf[TP_SIDEBAND_MAX_LINE + 1];
	int fd = dial(port, local, lsize);
	size_t n;

	assert_non_null(m);
	snprintf(h.local, sizeof(h.local), "%s", local);
	snprintf(h.dialled, sizeof(h.dialled), "127.0.0.1:%u", port);
	memcpy(h.client_random, cr, 32);
	memcpy(h.key, pub, TP_SIDEBAND_KEY_LEN);
	send_line(fd, tp_sideband_hello_line(&h));
	n = read_line(fd, NULL, buf, sizeof(buf));
	if (tp_sideband_parse(buf, n, m, &err) == NULL ||
	    m->type != TP_SIDEBAND_WELCOME)
		fail_msg("no welcome (%s): %.200s", err.message, buf);
	*w = m->u.welcome;
	free(m);
	return fd;
}

/* Sends the claim sig on fd; true when the answer carries an account,
 * which goes into a. The answer must come, and be the account line. */
static bool claim(int fd, const unsigned char sig[TP_SIDEBAND_SIG_LEN],
		  struct tp_sideband_account *a)
{
	struct tp_sideband_msg *m = malloc(sizeof(*m));
	struct tp_error err = {0};
	char buf[TP_SIDEBAND_MAX_LINE + 1];
	size_t n;
	bool has;

	assert_non_null(m);
	send_line(fd, tp_sideband_claim_line(sig));
	n = read_line(fd, NULL, buf, sizeof(buf));
	if (tp_sideband_parse(buf, n, m, &err) == NULL ||
	    m->type != TP_SIDEBAND_ACCOUNT)
		fail_msg("no account line (%s): %.200s", err.message, buf);
	has = m->u.account.has_account;
	if (has)
		*a = m->u.account.account;
	free(m);
	return has;
}

/*
 * Asks for the account of the handshake whose random was cr the way the
 * client does: hello with k's public half, then a claim signed with k
 * over the welcome's challenge. The welcome into w; true when there is
 * an account, which goes into a.
 */
static bool ask(unsigned port, const struct tp_sideband_key *k,
		const unsigned char cr[32], struct tp_sideband_welcome *w,
		struct tp_sideband_account *a, char *local, size_t lsize)
{
	unsigned char sig[TP_SIDEBAND_SIG_LEN];
	int fd = hello(port, k->pub, cr, w, local, lsize);
	bool has;

	assert_int_equal(tp_sideband_sign_claim(k, w->challenge, cr, sig), 0);
	has = claim(fd, sig, a);
	close(fd);
	return has;
}

/* A key and the random it marks. */
static void marked(struct tp_sideband_key *k, unsigned char cr[32])
{
	assert_int_equal(tp_sideband_key_new(k), 0);
	tp_sideband_mark_client(k->pub, cr);
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
	struct tp_sideband_welcome *w = malloc(sizeof(*w));
	struct tp_sideband_account *a = malloc(sizeof(*a));
	struct tp_sideband_key k, other;
	unsigned char cr[32], other_cr[32];
	char buf[256], local[64];
	ssize_t n;
	size_t i;
	int rc;

	(void)state;
	assert_non_null(w);
	assert_non_null(a);
	start_server(&h, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	marked(&k, cr);
	rc = tls_connect(&c, h.port, cr, path_ca2_client, path_ca2_client_key);
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

	assert_true(ask(h.port, &k, cr, w, a, local, sizeof(local)));
	assert_string_equal(a->seen_from, c.local);
	assert_string_equal(a->outcome, "alert");
	assert_string_equal(a->alert_sent, "unknown_ca");
	assert_string_equal(a->sni, "localhost");
	assert_string_equal(a->reason, "client certificate issuer "
			    "CN=tlsprobe Test CA2,O=tlsprobe is not among the "
			    "trusted CAs [CN=tlsprobe Test CA1,O=tlsprobe]");
	assert_true(a->has_client_cert);
	assert_string_equal(a->client_subject, "CN=client.test");
	assert_string_equal(a->client_issuer,
			    "CN=tlsprobe Test CA2,O=tlsprobe");
	assert_true(a->n_codes >= 2);
	assert_string_equal(a->codes[0], "CLIENT_CERT_REJECTED");
	for (i = 0; i < a->n_codes; i++)
		if (strcmp(a->codes[i], "UNKNOWN_CA") == 0)
			break;
	assert_true(i < a->n_codes);
	/* the welcome itself */
	assert_string_equal(w->seen_from, local);
	assert_int_equal(w->n_chain, 1);
	assert_string_equal(w->chain_sha256[0], server_sha256);
	assert_int_equal(w->n_trusted, 1);
	assert_string_equal(w->trusted_cas[0], "CN=tlsprobe Test CA1,O=tlsprobe");

	/* another key's random, with no handshake: no account, whatever
	 * else was seen */
	marked(&other, other_cr);
	assert_false(ask(h.port, &other, other_cr, w, a, local,
			 sizeof(local)));

	/* the server's own report of the handshake */
	assert_non_null(strstr(report(&h, 0), "\"code\":\"UNKNOWN_CA\""));
	assert_non_null(strstr(report(&h, 0), "Alert(fatal, unknown_ca)"));
	stop_server(&h);
	assert_int_equal(h.sum.connections, 1);
	assert_int_equal(h.sum.failed, 1);
	assert_int_equal(h.sum.sideband, 2);
	tp_sideband_key_free(&k);
	tp_sideband_key_free(&other);
	free(w);
	free(a);
}

/*
 * An accepted client asks inside the session: the server answers with
 * the chain it presents, the ClientHello random it saw and the session's
 * own account; the account claimed afterwards says established too.
 */
static void test_server_inside_and_established(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sideband_welcome *w = malloc(sizeof(*w));
	struct tp_sideband_account *a = malloc(sizeof(*a));
	struct tp_sideband_msg *m = malloc(sizeof(*m));
	struct tp_sideband_inside_reply *reply;
	struct tp_sideband_hello words = {0};
	struct tp_error err = {0};
	struct tp_sideband_key k;
	unsigned char cr[32];
	char buf[TP_SIDEBAND_MAX_LINE + 1], want[65], local[64], *line;
	size_t n;

	(void)state;
	assert_non_null(w);
	assert_non_null(a);
	assert_non_null(m);
	start_server(&h, NULL);
	marked(&k, cr);
	assert_int_equal(tls_connect(&c, h.port, cr, path_ca1_client,
				     path_ca1_client_key), 0);
	snprintf(words.local, sizeof(words.local), "%s", c.local);
	snprintf(words.dialled, sizeof(words.dialled), "127.0.0.1:%u", h.port);
	line = tp_sideband_inside_line(&words);
	assert_non_null(line);
	assert_true(gnutls_record_send(c.s, line, strlen(line)) ==
		    (ssize_t)strlen(line));
	free(line);
	n = read_line(c.fd, c.s, buf, sizeof(buf));
	if (tp_sideband_parse(buf, n, m, &err) == NULL ||
	    m->type != TP_SIDEBAND_INSIDE_REPLY)
		fail_msg("no inside-reply (%s): %.200s", err.message, buf);
	reply = &m->u.inside_reply;
	tp_hex(cr, 32, want);
	assert_string_equal(reply->client_random, want);
	assert_string_equal(reply->seen_from, c.local);
	snprintf(local, sizeof(local), "127.0.0.1:%u", h.port);
	assert_string_equal(reply->server_local, local);
	assert_int_equal(reply->n_chain, 1);
	assert_string_equal(reply->chain_sha256[0], server_sha256);
	/* the session's account, without a claim: the session is proof */
	assert_true(reply->has_account);
	assert_string_equal(reply->account.outcome, "established");
	assert_string_equal(reply->account.seen_from, c.local);
	assert_string_equal(reply->account.version, "TLS1.3");
	assert_true(reply->account.has_client_cert);
	/* then close_notify */
	assert_int_equal(gnutls_record_recv(c.s, buf, sizeof(buf)), 0);
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);

	assert_true(ask(h.port, &k, cr, w, a, local, sizeof(local)));
	assert_string_equal(a->outcome, "established");
	assert_string_equal(a->version, "TLS1.3");
	assert_string_equal(a->alert_sent, "");
	assert_true(a->has_client_cert);
	assert_int_equal(a->n_codes, 0);
	assert_non_null(strstr(report(&h, 0), "\"verdict\":\"pass\""));
	stop_server(&h);
	assert_int_equal(h.sum.established, 1);
	tp_sideband_key_free(&k);
	free(w);
	free(a);
	free(m);
}

/* A TLS 1.2 rejection happens inside the client's handshake. */
static void test_server_tls12_rejection(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sideband_welcome *w = malloc(sizeof(*w));
	struct tp_sideband_account *a = malloc(sizeof(*a));
	struct tp_sideband_key k;
	unsigned char cr[32];
	char local[64];
	int rc;

	(void)state;
	assert_non_null(w);
	assert_non_null(a);
	start_server(&h, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
	marked(&k, cr);
	rc = tls_connect(&c, h.port, cr, path_ca2_client, path_ca2_client_key);
	assert_int_equal(rc, GNUTLS_E_FATAL_ALERT_RECEIVED);
	assert_int_equal(gnutls_alert_get(c.s), GNUTLS_A_UNKNOWN_CA);
	tls_close(&c);
	assert_true(ask(h.port, &k, cr, w, a, local, sizeof(local)));
	assert_string_equal(a->alert_sent, "unknown_ca");
	stop_server(&h);
	tp_sideband_key_free(&k);
	free(w);
	free(a);
}

/*
 * The ServerHello random answers a marked ClientHello random, and only
 * a marked one: a plain client's handshake looks like any server's.
 * server_priority chooses the version the server speaks, client_priority
 * the client's (NULL: NORMAL); want_version is what they agree on.
 */
static void mark_answered(const char *server_priority,
			  const char *client_priority,
			  gnutls_protocol_t want_version)
{
	struct harness h;
	struct tls_client c;
	struct tp_sideband_key k;
	unsigned char cr[32], plain[32], sr[32], sr2[32];
	/* the server's default priority speaks TLS 1.3 */
	bool downgrade = server_priority == NULL &&
			 want_version == GNUTLS_TLS1_2;

	start_server(&h, server_priority);
	marked(&k, cr);
	assert_int_equal(tls_connect_with(&c, h.port, cr, client_priority,
					  path_ca1_client,
					  path_ca1_client_key), 0);
	assert_int_equal(gnutls_protocol_get_version(c.s), want_version);
	server_random(&c, sr);
	if (!tp_sideband_server_marked(cr, sr))
		fail_msg("%s: the ServerHello random does not answer the mark",
			 gnutls_protocol_get_name(want_version));
	/* RFC 8446 section 4.1.3: a server that could speak TLS 1.3 and
	 * settles for 1.2 ends its random with DOWNGRD 01, marked or not */
	if ((memcmp(sr + 24, "DOWNGRD\x01", 8) == 0) != downgrade)
		fail_msg("%s: the marked random %s the downgrade sentinel",
			 gnutls_protocol_get_name(want_version),
			 downgrade ? "lacks" : "carries");
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);

	/* the same random again: the same answer, a fresh tail */
	assert_int_equal(tls_connect_with(&c, h.port, cr, client_priority,
					  path_ca1_client,
					  path_ca1_client_key), 0);
	server_random(&c, sr2);
	assert_true(tp_sideband_server_marked(cr, sr2));
	assert_memory_not_equal(sr + 16, sr2 + 16, 16);
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);

	/* a random GnuTLS chose (as a plain client's is) is not answered */
	assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, plain, 32), 0);
	assert_false(tp_sideband_client_marked(plain));
	assert_int_equal(tls_connect_with(&c, h.port, plain, client_priority,
					  path_ca1_client,
					  path_ca1_client_key), 0);
	assert_int_equal(gnutls_protocol_get_version(c.s), want_version);
	server_random(&c, sr);
	assert_false(tp_sideband_server_marked(plain, sr));
	/* GnuTLS's own random says the same as ours */
	assert_int_equal(memcmp(sr + 24, "DOWNGRD\x01", 8) == 0, downgrade);
	/* nor answered as if it were the marked one */
	assert_false(tp_sideband_server_marked(cr, sr));
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);
	/* a report is counted when its connection ends: wait for the
	 * last one before stopping, or a loaded machine stops first */
	assert_non_null(report(&h, 2));
	stop_server(&h);
	assert_int_equal(h.sum.established, 3);
	tp_sideband_key_free(&k);
}

static void test_server_mark_tls13(void **state)
{
	(void)state;
	mark_answered("NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL, GNUTLS_TLS1_3);
}

/*
 * A HelloRetryRequest's own random is fixed (RFC 8446 section 4.1.3);
 * the ServerHello that follows it still answers the mark of the second
 * ClientHello, whose random is the first one's.
 */
static void test_server_mark_after_hello_retry(void **state)
{
	struct harness h;
	struct tls_client c;
	struct tp_sideband_key k;
	unsigned char cr[32], sr[32];

	(void)state;
	/* the client's one key share is for a group the server refuses */
	start_server(&h, "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:"
		     "+GROUP-SECP384R1");
	marked(&k, cr);
	assert_int_equal(tls_connect_with(&c, h.port, cr, "NORMAL:-GROUP-ALL:"
					  "+GROUP-SECP256R1:+GROUP-SECP384R1",
					  path_ca1_client,
					  path_ca1_client_key), 0);
	assert_true(c.saw_hrr);
	server_random(&c, sr);
	assert_true(tp_sideband_server_marked(cr, sr));
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);
	stop_server(&h);
	tp_sideband_key_free(&k);
}

static void test_server_mark_tls12(void **state)
{
	(void)state;
	mark_answered("NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, GNUTLS_TLS1_2);
	/* a server that could speak 1.3 to a client that speaks only 1.2 */
	mark_answered(NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2", GNUTLS_TLS1_2);
}

/* A handshake the server accepts, with a marked random, closed cleanly. */
static void established(unsigned port, const unsigned char cr[32])
{
	struct tls_client c;

	assert_int_equal(tls_connect(&c, port, cr, path_ca1_client,
				     path_ca1_client_key), 0);
	gnutls_bye(c.s, GNUTLS_SHUT_WR);
	tls_close(&c);
}

/*
 * A claim is good for the one challenge it signs: one captured on the
 * wire and sent again, on a connection with a challenge of its own, gets
 * no account, though the same key's fresh claim there does.
 */
static void test_server_claim_replayed(void **state)
{
	struct harness h;
	struct tp_sideband_welcome *w = malloc(sizeof(*w)),
				   *w2 = malloc(sizeof(*w));
	struct tp_sideband_account *a = malloc(sizeof(*a));
	struct tp_sideband_key k;
	unsigned char cr[32], sig[TP_SIDEBAND_SIG_LEN],
		fresh[TP_SIDEBAND_SIG_LEN];
	char local[64];
	int fd;

	(void)state;
	assert_non_null(w);
	assert_non_null(w2);
	assert_non_null(a);
	start_server(&h, NULL);
	marked(&k, cr);
	established(h.port, cr);

	/* the claim as it crossed the wire */
	fd = hello(h.port, k.pub, cr, w, local, sizeof(local));
	assert_int_equal(tp_sideband_sign_claim(&k, w->challenge, cr, sig), 0);
	assert_true(claim(fd, sig, a));
	assert_string_equal(a->outcome, "established");
	close(fd);

	/* replayed by someone who saw it: the key and random are public */
	fd = hello(h.port, k.pub, cr, w2, local, sizeof(local));
	assert_memory_not_equal(w->challenge, w2->challenge,
				TP_SIDEBAND_CHALLENGE_LEN);
	assert_false(claim(fd, sig, a));
	close(fd);

	/* the holder of the key, on the same terms, gets it */
	fd = hello(h.port, k.pub, cr, w2, local, sizeof(local));
	assert_int_equal(tp_sideband_sign_claim(&k, w2->challenge, cr, fresh),
			 0);
	assert_true(claim(fd, fresh, a));
	close(fd);
	stop_server(&h);
	assert_int_equal(h.sum.sideband, 3);
	tp_sideband_key_free(&k);
	free(w);
	free(w2);
	free(a);
}

/*
 * One claim a connection: after the answer to the first, a second
 * (good) claim on the same connection is not answered, so a wrong guess
 * cannot be followed by another.
 */
static void test_server_one_claim(void **state)
{
	struct harness h;
	struct tp_sideband_welcome *w = malloc(sizeof(*w));
	struct tp_sideband_msg *m = malloc(sizeof(*m));
	struct tp_error err = {0};
	struct tp_sideband_key k;
	unsigned char cr[32], bad[TP_SIDEBAND_SIG_LEN],
		good[TP_SIDEBAND_SIG_LEN];
	char buf[TP_SIDEBAND_MAX_LINE + 1], local[64], *first, *second, *both;
	char *nl;
	size_t n, len = 0;
	ssize_t got;
	int fd;

	(void)state;
	assert_non_null(w);
	assert_non_null(m);
	start_server(&h, NULL);
	marked(&k, cr);
	established(h.port, cr);

	fd = hello(h.port, k.pub, cr, w, local, sizeof(local));
	assert_int_equal(tp_sideband_sign_claim(&k, w->challenge, cr, good), 0);
	memcpy(bad, good, sizeof(bad));
	bad[0] ^= 1;
	/* both in one write: the second is already there when the first
	 * is answered */
	first = tp_sideband_claim_line(bad);
	second = tp_sideband_claim_line(good);
	assert_non_null(first);
	assert_non_null(second);
	assert_true(asprintf(&both, "%s%s", first, second) > 0);
	free(first);
	free(second);
	send_line(fd, both);
	/* everything the server sends until it closes */
	while (len + 1 < sizeof(buf) &&
	       (got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	close(fd);
	nl = memchr(buf, '\n', len);
	assert_non_null(nl);
	n = (size_t)(nl + 1 - buf);
	if (tp_sideband_parse(buf, n, m, &err) == NULL ||
	    m->type != TP_SIDEBAND_ACCOUNT)
		fail_msg("no account line (%s): %.200s", err.message, buf);
	assert_false(m->u.account.has_account);
	/* and nothing after it */
	if (n != len)
		fail_msg("a second answer: %.200s", buf + n);

	/* the good claim alone, for contrast, is answered */
	fd = hello(h.port, k.pub, cr, w, local, sizeof(local));
	assert_int_equal(tp_sideband_sign_claim(&k, w->challenge, cr, good), 0);
	assert_true(claim(fd, good, &m->u.account.account));
	close(fd);
	stop_server(&h);
	tp_sideband_key_free(&k);
	free(w);
	free(m);
}

/*
 * The key a hello names must be the one its random was made from: a
 * stranger who copies the random off the wire and signs with a key of
 * its own gets nothing, though its signature is good.
 */
static void test_server_key_does_not_fit(void **state)
{
	struct harness h;
	struct tp_sideband_welcome *w = malloc(sizeof(*w));
	struct tp_sideband_account *a = malloc(sizeof(*a));
	struct tp_sideband_key k, stranger;
	unsigned char cr[32], stranger_cr[32], plain[32],
		      sig[TP_SIDEBAND_SIG_LEN];
	char local[64];
	int fd;

	(void)state;
	assert_non_null(w);
	assert_non_null(a);
	start_server(&h, NULL);
	marked(&k, cr);
	marked(&stranger, stranger_cr);
	established(h.port, cr);

	fd = hello(h.port, stranger.pub, cr, w, local, sizeof(local));
	assert_int_equal(
		tp_sideband_sign_claim(&stranger, w->challenge, cr, sig), 0);
	assert_false(claim(fd, sig, a));
	close(fd);

	/* a handshake whose random is not marked has no key that fits */
	assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, plain, 32), 0);
	established(h.port, plain);
	fd = hello(h.port, k.pub, plain, w, local, sizeof(local));
	assert_int_equal(tp_sideband_sign_claim(&k, w->challenge, plain, sig),
			 0);
	assert_false(claim(fd, sig, a));
	close(fd);

	/* the right key, for contrast */
	assert_true(ask(h.port, &k, cr, w, a, local, sizeof(local)));
	assert_string_equal(a->outcome, "established");
	assert_non_null(report(&h, 1));
	stop_server(&h);
	assert_int_equal(h.sum.established, 2);
	tp_sideband_key_free(&k);
	tp_sideband_key_free(&stranger);
	free(w);
	free(a);
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
		cmocka_unit_test(test_server_mark_tls13),
		cmocka_unit_test(test_server_mark_tls12),
		cmocka_unit_test(test_server_mark_after_hello_retry),
		cmocka_unit_test(test_server_claim_replayed),
		cmocka_unit_test(test_server_one_claim),
		cmocka_unit_test(test_server_key_does_not_fit),
	};

	return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
