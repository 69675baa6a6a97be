/*
 * The audit's checks of RSA key exchange and renegotiation: ROBOT,
 * secure renegotiation (RFC 5746), client-initiated renegotiation.
 */
#include <errno.h>
#include <gmp.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit.h"
#include "ciphers_answer.h"
#include "net.h"
#include "registry.h"
#include "wire.h"

#define MAX_OFFER 64           /* suites and groups of one raw hello */
#define MAX_SIGS 64
#define MAX_RSA_BYTES 2048     /* a 16384-bit modulus */
/* ROBOT: the padding variants, and the rounds run once they differ */
#define VARIANTS 5
#define ROUNDS 3
/* After an alert, how long to look for the close that follows it: the
 * shape of the answer is the alert and what the connection does next. */
#define AFTER_ALERT_MS 1000.0

/* ---- a raw hello on an audit connection ---- */

/* The newest version below TLS 1.3 the cipher audit found, 0 if none. */
static uint16_t best_before_tls13(const struct tp_audit *a)
{
	uint16_t v;

	for (v = 0x0303; v >= 0x0300; v--)
		if (tp_audit_speaks(a, v))
			return v;
	return 0;
}

static const struct tp_scan_protocol *scanned(const struct tp_audit *a,
					      uint16_t version)
{
	size_t i;

	for (i = 0; i < a->r->scan->n_protocols; i++)
		if (a->r->scan->protocols[i].version == version)
			return &a->r->scan->protocols[i];
	return NULL;
}

/* What a raw hello carries besides its suites: the groups the audit
 * found (a few common ones when it found none) and every signature
 * scheme the registry knows. */
struct offer {
	uint16_t suites[MAX_OFFER];
	size_t n_suites;
	uint16_t groups[MAX_OFFER];
	size_t n_groups;
	uint16_t sigs[MAX_SIGS];
	size_t n_sigs;
};

static void offer_extras(const struct tp_audit *a, uint16_t version,
			 struct offer *of)
{
	static const uint16_t common[] = {0x001D, 0x0017, 0x0018};
	const struct tp_scan_protocol *p = scanned(a, version);
	const struct tp_sigscheme *s;
	size_t i, n;

	of->n_groups = 0;
	for (i = 0; p != NULL && i < p->n_groups && i < MAX_OFFER; i++)
		of->groups[of->n_groups++] = p->groups[i];
	for (i = 0; of->n_groups == 0 && i < 3; i++)
		of->groups[i] = common[i];
	if (of->n_groups == 0)
		of->n_groups = 3;
	s = tp_registry_sigschemes(&n);
	for (of->n_sigs = 0; of->n_sigs < n && of->n_sigs < MAX_SIGS;
	     of->n_sigs++)
		of->sigs[of->n_sigs] = s[of->n_sigs].id;
}

/* Builds the raw ClientHello of version offering of, and reads it back
 * into sent (what an answer is judged against). Its length, or 0. */
static size_t build_hello(const struct tp_audit *a, uint16_t version,
			  struct offer *of, uint8_t *out, size_t cap,
			  struct tp_wire_client_hello *sent)
{
	struct tp_wire_hello_opts ho;
	uint8_t random[32];
	const uint8_t *msg, *body;
	size_t len, msg_len, body_len;
	uint8_t type;

	memset(&ho, 0, sizeof(ho));
	ho.version = version;
	ho.suites = of->suites;
	ho.n_suites = of->n_suites;
	if (version == 0x0300) {
		/* RFC 5746 section 3.3: SSL 3.0 has no extensions, the
		 * SCSV says the same */
		of->suites[of->n_suites] = TP_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV;
		ho.n_suites = of->n_suites + 1;
		ho.no_extensions = true;
	} else {
		ho.groups = of->groups;
		ho.n_groups = of->n_groups;
		ho.ec_point_formats = true;
		ho.sig_algs = of->sigs;
		ho.n_sig_algs = of->n_sigs;
		ho.sni = a->sni;
	}
	gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof(random));
	ho.random = random;
	len = tp_wire_build_client_hello(&ho, out, cap);
	if (len == 0 || tp_wire_record(out, len, &msg, &msg_len) < 0 ||
	    tp_wire_handshake(msg, msg_len, &type, &body, &body_len) < 0 ||
	    tp_wire_parse_client_hello(body, body_len, sent) < 0)
		return 0;
	return len;
}

/* ---- ROBOT (Böck, Somorovsky, Young, USENIX Security 2018) ---- */

/* The ClientKeyExchange variants of the ROBOT paper and its reference
 * scanner (robot-detect), in this order. */
static const char *const variant_name[VARIANTS] = {
	"correct padding",
	"wrong first bytes (0x41 0x17 for 0x00 0x02)",
	"a 0x00 in the wrong place",
	"no 0x00 separator",
	"wrong version in the premaster",
};

struct robot {
	uint16_t version;
	uint16_t suite;
	mpz_t n, e;
	size_t k;                      /* the modulus's bytes; 0: no key */
	char answers[ROUNDS][VARIANTS][96];
};

/* The first suite with RSA key transport the cipher audit found, at
 * the newest version that has one; false when there is none. */
static bool robot_suite(const struct tp_audit *a, struct robot *rb)
{
	size_t i;
	uint16_t v;

	for (v = 0x0303; v >= 0x0300; v--) {
		const struct tp_scan_protocol *p = scanned(a, v);

		for (i = 0; p != NULL && p->accepted && i < p->n_suites;
		     i++) {
			const struct tp_suite *s =
				tp_registry_suite(p->suites[i].id);

			if (s != NULL && s->kx == TP_KX_RSA) {
				rb->version = v;
				rb->suite = s->id;
				return true;
			}
		}
	}
	return false;
}

/* n and e of the leaf's RSA key; -1 with why when it has none. */
static int robot_key(struct robot *rb, const uint8_t *der, size_t len,
		     char *why, size_t why_len)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)der, (unsigned)len}, m, e;
	int rc = -1;

	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		snprintf(why, why_len, "the server's certificate cannot be "
			 "parsed");
	} else if (gnutls_x509_crt_get_pk_rsa_raw(crt, &m, &e) < 0) {
		snprintf(why, why_len, "the server's certificate holds no "
			 "RSA key, yet it chose RSA key exchange");
	} else {
		mpz_import(rb->n, m.size, 1, 1, 1, 0, m.data);
		mpz_import(rb->e, e.size, 1, 1, 1, 0, e.data);
		rb->k = (mpz_sizeinbase(rb->n, 2) + 7) / 8;
		if (rb->k < 64 || rb->k > MAX_RSA_BYTES) {
			snprintf(why, why_len, "the server's RSA key has %zu "
				 "bytes: outside what the check handles",
				 rb->k);
			rb->k = 0;
		} else {
			rc = 0;
		}
		gnutls_free(m.data);
		gnutls_free(e.data);
	}
	gnutls_x509_crt_deinit(crt);
	return rc;
}

static void nonzero_random(uint8_t *p, size_t n)
{
	size_t i;

	gnutls_rnd(GNUTLS_RND_NONCE, p, n);
	for (i = 0; i < n; i++)
		if (p[i] == 0)
			p[i] = 0x5a;
}

/*
 * The encrypted premaster of variant v (RFC 8017 section 7.2.1's
 * EME-PKCS1-v1_5 block, then m^e mod n), k bytes into out. The block is
 * 0x00 0x02, nonzero padding, 0x00, the version offered, 46 random
 * bytes (RFC 5246 section 7.4.7.1); the variants break one part each.
 */
static void robot_premaster(const struct robot *rb, int v, uint8_t *out)
{
	uint8_t block[MAX_RSA_BYTES];
	size_t pad = rb->k - 3 - 48, count;
	uint8_t *tail = block + 2 + pad;  /* the separator's place */
	mpz_t m, c;

	block[0] = 0x00;
	block[1] = 0x02;
	nonzero_random(block + 2, pad);
	tail[0] = 0x00;
	tail[1] = (uint8_t)(rb->version >> 8);
	tail[2] = (uint8_t)rb->version;
	nonzero_random(tail + 3, 46);
	switch (v) {
	case 1:
		block[0] = 0x41;
		block[1] = 0x17;
		break;
	case 2:
		/* the separator moved to two bytes before the end */
		tail[0] = 0x11;
		tail[1] = 0x11;
		tail[2] = 0x11;
		block[rb->k - 2] = 0x00;
		break;
	case 3:
		tail[0] = 0x11;
		break;
	case 4:
		tail[1] = 0x02;
		tail[2] = 0x02;
		break;
	default:
		break;
	}
	mpz_inits(m, c, NULL);
	mpz_import(m, rb->k, 1, 1, 1, 0, block);
	mpz_powm(c, m, rb->e, rb->n);
	memset(out, 0, rb->k);
	count = (mpz_sizeinbase(c, 2) + 7) / 8;
	mpz_export(out + rb->k - count, NULL, 1, 1, 1, 0, c);
	mpz_clears(m, c, NULL);
}

/*
 * The client's second flight: ClientKeyExchange with variant v,
 * ChangeCipherSpec, and a Finished of random bytes that cannot verify
 * (RFC 5246 section 7.4.9), as the ROBOT scanner sends it. Its length.
 */
static size_t robot_flight(const struct robot *rb, int v, uint8_t *out)
{
	bool ssl3 = rb->version == 0x0300;
	size_t body = rb->k + (ssl3 ? 0 : 2), p = 0;
	uint8_t hi = (uint8_t)(rb->version >> 8), lo = (uint8_t)rb->version;

	out[p++] = 22;
	out[p++] = hi;
	out[p++] = lo;
	out[p++] = (uint8_t)((body + 4) >> 8);
	out[p++] = (uint8_t)(body + 4);
	out[p++] = 16;  /* client_key_exchange */
	out[p++] = 0;
	out[p++] = (uint8_t)(body >> 8);
	out[p++] = (uint8_t)body;
	if (!ssl3) {
		/* RFC 5246 section 7.4.7.1: opaque <0..2^16-1> since TLS 1.0 */
		out[p++] = (uint8_t)(rb->k >> 8);
		out[p++] = (uint8_t)rb->k;
	}
	robot_premaster(rb, v, out + p);
	p += rb->k;
	memcpy(out + p, (const uint8_t[]){20, hi, lo, 0, 1, 1}, 6);
	p += 6;
	memcpy(out + p, (const uint8_t[]){22, hi, lo, 0, 64}, 5);
	p += 5;
	gnutls_rnd(GNUTLS_RND_NONCE, out + p, 64);
	return p + 64;
}

/* One connection's reading: the server's flight, then its answer. */
struct robot_conn {
	struct tp_wire_reader rd;
	bool have_sh, done_flight;
	bool sent;             /* our flight went out: an answer counts */
	uint8_t *leaf;
	size_t leaf_len;
	char answer[96];       /* the answer's shape, once known */
};

/* A handshake message of the server's first flight; -1 with the answer
 * when it is not what an RSA key exchange brings. */
static int robot_message(const struct robot *rb, struct robot_conn *c,
			 const struct tp_wire_event *ev)
{
	struct tp_wire_server_hello sh;
	const uint8_t *der;
	size_t len;

	if (ev->kind == TP_WIRE_HANDSHAKE_PART)
		return 0;  /* a long Certificate or a flood: no key from it */
	if (!c->have_sh) {
		if (ev->hs_type != TP_WIRE_SERVER_HELLO ||
		    tp_wire_parse_server_hello(ev->body, ev->body_len, &sh) ||
		    sh.version != rb->version || sh.suite != rb->suite) {
			snprintf(c->answer, sizeof(c->answer), "no ServerHello "
				 "for the suite and version offered");
			return -1;
		}
		c->have_sh = true;
	} else if (ev->hs_type == TP_WIRE_CERTIFICATE && c->leaf == NULL &&
		   tp_wire_parse_certificate(ev->body, ev->body_len, &der,
					     &len, 1) > 0) {
		c->leaf = malloc(len);
		if (c->leaf != NULL) {
			memcpy(c->leaf, der, len);
			c->leaf_len = len;
		}
	} else if (ev->hs_type == TP_WIRE_SERVER_HELLO_DONE) {
		c->done_flight = true;
	}
	return 0;
}

/* A record after our flight: its shape; false to read on (the rest of
 * the server's first flight). */
static bool robot_after(struct robot_conn *c, const struct tp_wire_event *ev)
{
	char name[48];

	switch (ev->kind) {
	case TP_WIRE_HANDSHAKE:
	case TP_WIRE_HANDSHAKE_PART:
		return false;
	case TP_WIRE_ALERT:
		tp_ciphers_alert_name(ev->alert_desc, name, sizeof(name));
		snprintf(c->answer, sizeof(c->answer), "%s alert %s",
			 ev->alert_level == 1 ? "warning" : "fatal", name);
		return true;
	case TP_WIRE_CCS:
		snprintf(c->answer, sizeof(c->answer), "a ChangeCipherSpec");
		return true;
	default:
		snprintf(c->answer, sizeof(c->answer), "a record that is no "
			 "alert");
		return true;
	}
}

/* How the connection ends after the answer, within AFTER_ALERT_MS. */
static void robot_ending(struct tp_audit *a, int fd, struct robot_conn *c)
{
	double until = tp_now_ms() + AFTER_ALERT_MS, step = tp_audit_step(a);
	uint8_t buf[4096];
	const char *how = "the connection left open";
	size_t used = strlen(c->answer);

	if (until > step)
		until = step;
	for (;;) {
		ssize_t n;

		if (tp_net_wait(fd, POLLIN, until) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n > 0)
			continue;  /* more records: the ending still tells */
		how = n == 0 ? "then a close" : "then a reset";
		break;
	}
	snprintf(c->answer + used, sizeof(c->answer) - used, ", %s", how);
}

/* Reads from fd until the server's flight is in (sending our own then)
 * and its answer to it is known. */
static void robot_read(struct tp_audit *a, struct robot *rb, int v, int fd,
		       struct robot_conn *c, char *why, size_t why_len)
{
	double deadline = tp_audit_step(a);
	uint8_t buf[16384], flight[MAX_RSA_BYTES + 96];

	for (;;) {
		struct tp_wire_event ev;
		const uint8_t *p = buf;
		size_t left;
		ssize_t n;
		int rc = tp_net_wait(fd, POLLIN, deadline);

		if (rc <= 0) {
			snprintf(c->answer, sizeof(c->answer), "%s",
				 tp_audit_stopped(a) ? "cut by the audit's end"
				 : c->sent ? "no answer (a timeout)"
				 : "no ServerHelloDone (a timeout)");
			return;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(c->answer, sizeof(c->answer), "%s%s",
				 n == 0 ? "a close" : "a reset",
				 c->sent ? " without an alert" : " before the "
				 "server's flight ended");
			return;
		}
		left = (size_t)n;
		for (;;) {
			tp_wire_reader_next(&c->rd, &p, &left, &ev);
			if (ev.kind == TP_WIRE_NEED_MORE)
				break;
			if (c->sent) {
				if (robot_after(c, &ev)) {
					robot_ending(a, fd, c);
					return;
				}
				continue;
			}
			if (ev.kind != TP_WIRE_HANDSHAKE &&
			    ev.kind != TP_WIRE_HANDSHAKE_PART) {
				snprintf(c->answer, sizeof(c->answer), "%s "
					 "before the server's flight ended",
					 ev.kind == TP_WIRE_ALERT ? "an alert"
					 : "a record that is no handshake");
				return;
			}
			if (robot_message(rb, c, &ev) < 0)
				return;
			if (!c->done_flight)
				continue;
			if (rb->k == 0 &&
			    (c->leaf == NULL ||
			     robot_key(rb, c->leaf, c->leaf_len, why,
				       why_len) < 0)) {
				if (why[0] == '\0')
					snprintf(why, why_len, "the server's "
						 "leaf certificate could not "
						 "be read");
				return;
			}
			if (tp_net_send_all(fd, flight, robot_flight(rb, v, flight),
				    deadline) < 0) {
				snprintf(c->answer, sizeof(c->answer), "our "
					 "ClientKeyExchange could not be sent");
				return;
			}
			c->sent = true;
		}
	}
}

/* One variant on its own connection: its answer in rb, or -1 with why
 * when the check cannot go on. */
static int robot_variant(struct tp_audit *a, struct robot *rb, int round,
			 int v, char *why, size_t why_len)
{
	struct offer of;
	struct tp_wire_client_hello sent;
	uint8_t hello[4096];
	size_t len;
	int fd;
	struct robot_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	offer_extras(a, rb->version, &of);
	of.suites[0] = rb->suite;
	of.n_suites = 1;
	len = build_hello(a, rb->version, &of, hello, sizeof(hello), &sent);
	if (tp_audit_connect(a, &fd, why, why_len) < 0) {
		free(c);
		return -1;
	}
	tp_wire_reader_init(&c->rd);
	if (len == 0 || tp_net_send_all(fd, hello, len, tp_audit_step(a)) < 0)
		snprintf(c->answer, sizeof(c->answer), "the ClientHello "
			 "could not be sent");
	else
		robot_read(a, rb, v, fd, c, why, why_len);
	tp_audit_close(a, fd);
	snprintf(rb->answers[round][v], sizeof(rb->answers[round][v]), "%s",
		 c->answer);
	/* only an answer to our flight is one; before it, or cut by the
	 * audit's end, the variant was not tried */
	if (why[0] == '\0' && (!c->sent || tp_audit_stopped(a)))
		snprintf(why, why_len, "%s: %s", variant_name[v], c->answer);
	free(c->leaf);
	free(c);
	return why[0] != '\0' ? -1 : 0;
}

static bool round_uniform(const struct robot *rb, int round)
{
	int v;

	for (v = 1; v < VARIANTS; v++)
		if (strcmp(rb->answers[round][v], rb->answers[round][0]) != 0)
			return false;
	return true;
}

static bool rounds_agree(const struct robot *rb, int rounds)
{
	int r, v;

	for (r = 1; r < rounds; r++)
		for (v = 0; v < VARIANTS; v++)
			if (strcmp(rb->answers[r][v], rb->answers[0][v]) != 0)
				return false;
	return true;
}

/* Appends x, y and z to out, which holds *used bytes; cut at size. */
static void append(char *out, size_t size, size_t *used, const char *x,
		   const char *y, const char *z)
{
	int w;

	if (*used >= size)
		return;
	w = snprintf(out + *used, size - *used, "%s%s%s", x, y, z);
	if (w > 0)
		*used += (size_t)w;
}

/* "correct padding: …; wrong first bytes: …" for one round. */
static void round_words(const struct robot *rb, int round, char *out,
			size_t size)
{
	size_t used = 0;
	int v;

	out[0] = '\0';
	for (v = 0; v < VARIANTS; v++) {
		append(out, size, &used, v > 0 ? "; " : "", variant_name[v],
		       ": ");
		append(out, size, &used, rb->answers[round][v], "", "");
	}
}

/* The variants whose answer changed between rounds, each with its
 * answers in round order: "wrong first bytes: A | B | C; …". */
static void changes_words(const struct robot *rb, int rounds, char *out,
			  size_t size)
{
	size_t used = 0;
	int r, v;

	out[0] = '\0';
	for (v = 0; v < VARIANTS; v++) {
		for (r = 1; r < rounds; r++)
			if (strcmp(rb->answers[r][v], rb->answers[0][v]) != 0)
				break;
		if (r == rounds)
			continue;
		append(out, size, &used, used > 0 ? "; " : "", variant_name[v],
		       ": ");
		for (r = 0; r < rounds; r++)
			append(out, size, &used, r > 0 ? " | " : "",
			       rb->answers[r][v], "");
	}
}

/* Runs the variants in round order until the verdict is clear: 0 with
 * the rounds run, -1 with why when a variant could not be run. */
static int robot_rounds(struct tp_audit *a, struct robot *rb, int *rounds,
			char *why, size_t why_len)
{
	int r, v;

	for (r = 0; r < ROUNDS; r++) {
		for (v = 0; v < VARIANTS; v++)
			if (robot_variant(a, rb, r, v, why, why_len) < 0)
				return -1;
		*rounds = r + 1;
		if (r == 0 && round_uniform(rb, 0))
			return 0;
	}
	return 0;
}

void tp_audit_robot(struct tp_audit *a)
{
	const struct tp_suite *s;
	struct robot *rb;
	char why[256] = "", words[800];
	int rounds = 0;
	struct tp_finding *f;

	rb = calloc(1, sizeof(*rb));
	if (rb == NULL) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"out of memory");
		return;
	}
	if (!robot_suite(a, rb)) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"no suite with RSA key exchange (TLS_RSA_*) "
				"accepted");
		free(rb);
		return;
	}
	s = tp_registry_suite(rb->suite);
	mpz_inits(rb->n, rb->e, NULL);
	if (robot_rounds(a, rb, &rounds, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s with %s: %s", tp_wire_version_name(rb->version),
				s->iana, why);
		goto out;
	}
	if (rounds == 1) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NONE,
				"%s with %s: the %d ClientKeyExchange variants "
				"drew the same answer: %s",
				tp_wire_version_name(rb->version), s->iana,
				VARIANTS, rb->answers[0][0]);
	} else if (!rounds_agree(rb, rounds)) {
		changes_words(rb, rounds, words, sizeof(words));
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s with %s: the answers differ, but not the "
				"same way in %d rounds (a busy or "
				"load-balanced server?); those that changed: "
				"%s", tp_wire_version_name(rb->version),
				s->iana, rounds, words);
	} else {
		round_words(rb, 0, words, sizeof(words));
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NONE,
				"%s with %s, the same in %d rounds: %s",
				tp_wire_version_name(rb->version), s->iana,
				rounds, words);
		f = tp_report_finding(a->r, TP_ROBOT, "%s answers malformed "
				      "RSA padding distinguishably (%s)",
				      a->where, s->iana);
		if (f != NULL)
			tp_finding_detail(f, "ClientKeyExchange variants, each "
					  "on its own connection, the same "
					  "in %d rounds: %s", rounds, words);
	}
out:
	mpz_clears(rb->n, rb->e, NULL);
	free(rb);
}

/* ---- secure renegotiation (RFC 5746) ---- */

static bool out_of_time(void *arg)
{
	return tp_audit_stopped(arg);
}

void tp_audit_secure_renegotiation(struct tp_audit *a)
{
	uint16_t version = best_before_tls13(a);
	const struct tp_scan_protocol *p = scanned(a, version);
	struct tp_wire_client_hello sent;
	struct tp_wire_reader *rd;
	struct answer ans;
	struct offer of;
	uint8_t hello[8192];
	char why[256];
	size_t len, i;
	int fd;

	if (version == 0) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"only TLS 1.3 accepted: TLS 1.3 has no "
				"renegotiation");
		return;
	}
	offer_extras(a, version, &of);
	for (i = 0, of.n_suites = 0; p != NULL && i < p->n_suites &&
	     of.n_suites < MAX_OFFER - 1; i++)
		of.suites[of.n_suites++] = p->suites[i].id;
	len = build_hello(a, version, &of, hello, sizeof(hello), &sent);
	rd = malloc(sizeof(*rd));
	if (len == 0 || rd == NULL) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"internal: the ClientHello could not be made");
		free(rd);
		return;
	}
	if (tp_audit_connect(a, &fd, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s", why);
		free(rd);
		return;
	}
	memset(&ans, 0, sizeof(ans));
	ans.kind = ANS_TIMEOUT;
	snprintf(ans.detail, sizeof(ans.detail), "the ClientHello could not "
		 "be sent");
	if (tp_net_send_all(fd, hello, len, tp_audit_step(a)) == 0) {
		struct hello h = {.version = version, .suites = of.suites,
				  .n_suites = of.n_suites};
		struct answer_reading how = {
			.h = &h, .sent = &sent, .deadline = tp_audit_step(a),
			.timeout_ms = a->timeout_ms, .hello_only = true,
			.out_of_time = out_of_time, .arg = a,
		};

		snprintf(ans.detail, sizeof(ans.detail), "no answer to the "
			 "ClientHello within %.1f s", a->timeout_ms / 1000);
		tp_ciphers_read_answer(&how, fd, rd, &ans);
	}
	tp_audit_close(a, fd);
	free(rd);
	free(ans.leaf);
	if (ans.kind != ANS_ACCEPT) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"a %s ClientHello with renegotiation_info "
				"drew no ServerHello: %s",
				tp_wire_version_name(version), ans.detail);
	} else if (ans.sh.has_reneg_info) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"the %s ServerHello carries renegotiation_info "
				"(RFC 5746)", tp_wire_version_name(version));
	} else {
		struct tp_finding *f;

		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NO,
				"the %s ServerHello has no renegotiation_info, "
				"though the ClientHello offered it%s",
				tp_wire_version_name(version),
				version == 0x0300 ? " (the SCSV)" : "");
		f = tp_report_finding(a->r, TP_INSECURE_RENEGOTIATION,
				      "%s does not support secure "
				      "renegotiation (RFC 5746)", a->where);
		if (f != NULL)
			tp_finding_detail(f, "a %s ClientHello offered "
					  "renegotiation_info; the ServerHello "
					  "did not answer it",
					  tp_wire_version_name(version));
	}
}

/* ---- client-initiated renegotiation ---- */

enum reneg_answer { RENEG_TAKEN, RENEG_REFUSED, RENEG_UNKNOWN };

/* The server's answer to our renegotiation, in words: taken (a new
 * handshake completed), refused, or unknown. */
static enum reneg_answer renegotiation_answer(struct tp_audit *a,
					      gnutls_session_t s, int fd,
					      char *out, size_t size)
{
	/* a warning alert (no_renegotiation) is the server's answer */
	int rc = tp_audit_handshake(a, s, fd, tp_audit_step(a), 0);
	char name[48];

	switch (rc) {
	case GNUTLS_E_SUCCESS:
		snprintf(out, size, "the server completed a second handshake "
			 "the client started");
		return RENEG_TAKEN;
	case GNUTLS_E_GOT_APPLICATION_DATA:
		snprintf(out, size, "the server sent more than 64 KiB of "
			 "application data instead of an answer");
		return RENEG_UNKNOWN;
	case GNUTLS_E_WARNING_ALERT_RECEIVED:
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		tp_ciphers_alert_name((uint8_t)gnutls_alert_get(s), name,
				      sizeof(name));
		snprintf(out, size, "refused with a %s alert %s",
			 rc == GNUTLS_E_WARNING_ALERT_RECEIVED ? "warning"
			 : "fatal", name);
		return RENEG_REFUSED;
	case GNUTLS_E_TIMEDOUT:
		if (tp_audit_stopped(a)) {
			snprintf(out, size, "cut by the audit's end (a "
				 "signal, or its deadline)");
			return RENEG_UNKNOWN;
		}
		snprintf(out, size, "ignored: no answer within %.1f s",
			 a->timeout_ms / 1000);
		return RENEG_REFUSED;
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		snprintf(out, size, "refused: the server closed the "
			 "connection (%s)", gnutls_strerror_name(rc));
		return RENEG_REFUSED;
	default:
		snprintf(out, size, "refused: %s (%s)", gnutls_strerror(rc),
			 gnutls_strerror_name(rc));
		return RENEG_REFUSED;
	}
}

void tp_audit_client_renegotiation(struct tp_audit *a)
{
	/* %UNSAFE_RENEGOTIATION: the question is whether the server takes
	 * a renegotiation, also one without RFC 5746 */
	static const char priority[] = "NORMAL:-VERS-TLS1.3:+VERS-TLS1.2:"
		"+VERS-TLS1.1:+VERS-TLS1.0:%UNSAFE_RENEGOTIATION";
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	char why[256], words[256];
	enum reneg_answer answer;
	int fd = -1, rc;

	if (best_before_tls13(a) == 0) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"only TLS 1.3 accepted: TLS 1.3 has no "
				"renegotiation");
		return;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_priority_set_direct(s, priority, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    (a->sni != NULL &&
	     gnutls_server_name_set(s, GNUTLS_NAME_DNS, a->sni,
				    strlen(a->sni)) < 0)) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"internal: a GnuTLS session could not be made");
		goto out;
	}
	if (tp_audit_connect(a, &fd, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s", why);
		goto out;
	}
	gnutls_transport_set_int(s, fd);
	rc = tp_audit_handshake(a, s, fd, tp_audit_step(a), TP_AUDIT_WARNINGS);
	if (rc < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the first handshake (GnuTLS, TLS 1.0-1.2) "
				"failed: %s (%s)", gnutls_strerror(rc),
				gnutls_strerror_name(rc));
		goto out;
	}
	answer = renegotiation_answer(a, s, fd, words, sizeof(words));
	if (answer == RENEG_UNKNOWN) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s",
				words);
	} else if (answer == RENEG_TAKEN) {
		struct tp_finding *f;

		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_YES,
				"%s: %s", gnutls_protocol_get_name(
				gnutls_protocol_get_version(s)), words);
		f = tp_report_finding(a->r, TP_CLIENT_RENEGOTIATION,
				      "%s accepts client-initiated "
				      "renegotiation", a->where);
		if (f != NULL)
			tp_finding_detail(f, "%s", words);
	} else {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"%s", words);
	}
out:
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	tp_audit_close(a, fd);
}
