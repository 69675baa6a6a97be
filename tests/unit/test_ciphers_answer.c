/*
 * Tests of the cipher audit's answer reader (src/ciphers_answer.c): canned
 * server answers written into a socketpair by a thread, in the chunks
 * and with the pauses each case asks for, read against a hello built as
 * the audit builds its own. The audit's own end is a fixed answer of the
 * out_of_time callback, so no case depends on the time it takes.
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
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "ciphers_answer.h"
#include "wire.h"

#define MAX_CHUNKS 8
#define BIG_LEAF 100000  /* a Certificate far over what the reader holds */

/* ---- canned answers ---- */

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put8(struct bytes *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	put(b, &c, 1);
}

static void put16(struct bytes *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put24(struct bytes *b, size_t v)
{
	put8(b, (unsigned)(v >> 16));
	put16(b, (unsigned)(v & 0xFFFF));
}

/* body as records of type, each at most 16384 bytes */
static void records(struct bytes *out, unsigned type, const struct bytes *body)
{
	size_t off = 0;

	do {
		size_t n = body->len - off < 16384 ? body->len - off : 16384;

		put8(out, type);
		put16(out, 0x0303);
		put16(out, (unsigned)n);
		put(out, body->p + off, n);
		off += n;
	} while (off < body->len);
}

static void handshake(struct bytes *out, unsigned type, const struct bytes *b)
{
	put8(out, type);
	put24(out, b->len);
	if (b->len > 0)
		put(out, b->p, b->len);
}

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* a ServerHello message (TLS 1.2, no extensions), or an HRR */
static void server_hello(struct bytes *hs, uint16_t suite, bool hrr)
{
	struct bytes b = {0};
	uint8_t random[32];

	memset(random, 0x11, sizeof(random));
	put16(&b, 0x0303);
	put(&b, hrr ? hrr_random : random, 32);
	put8(&b, 0);            /* session id */
	put16(&b, suite);
	put8(&b, 0);            /* null compression */
	if (hrr) {
		put16(&b, 12);
		put16(&b, 43);  /* supported_versions: TLS 1.3 */
		put16(&b, 2);
		put16(&b, 0x0304);
		put16(&b, 51);  /* key_share: secp256r1, please */
		put16(&b, 2);
		put16(&b, 0x0017);
	}
	handshake(hs, 2, &b);
	free(b.p);
}

/* a Certificate whose leaf is n bytes of a pattern */
static void certificate(struct bytes *hs, size_t n)
{
	struct bytes b = {0};
	size_t i;

	put24(&b, n + 3);
	put24(&b, n);
	for (i = 0; i < n; i++)
		put8(&b, (unsigned)(i * 7));
	handshake(hs, 11, &b);
	free(b.p);
}

/* an ECDHE ServerKeyExchange on secp256r1, signed with rsa_pkcs1_sha256 */
static void server_kx(struct bytes *hs)
{
	struct bytes b = {0};
	size_t i;

	put8(&b, 3);
	put16(&b, 0x0017);
	put8(&b, 65);
	put8(&b, 4);
	for (i = 0; i < 64; i++)
		put8(&b, (unsigned)i);
	put16(&b, 0x0401);
	put16(&b, 4);
	put(&b, "sig!", 4);
	handshake(hs, 12, &b);
	free(b.p);
}

static void hello_done(struct bytes *hs)
{
	struct bytes b = {0};

	handshake(hs, 14, &b);
}

static void alert(struct bytes *out, unsigned level, unsigned desc)
{
	struct bytes b = {0};

	put8(&b, level);
	put8(&b, desc);
	records(out, 21, &b);
	free(b.p);
}

/* ---- the cases ---- */

enum answer_name {
	SH12_RSA, SH12_ECDHE, HRR, FATAL_ALERT, WARNING_THEN_FATAL,
	BIG_FLIGHT, GARBAGE, NOTHING,
};

static void answer_bytes(enum answer_name which, struct bytes *out)
{
	struct bytes hs = {0};

	switch (which) {
	case SH12_RSA:
		server_hello(&hs, 0x002F, false);
		break;
	case SH12_ECDHE:
		server_hello(&hs, 0xC02F, false);
		break;
	case HRR:
		server_hello(&hs, 0x1301, true);
		break;
	case BIG_FLIGHT:
		server_hello(&hs, 0xC02F, false);
		certificate(&hs, BIG_LEAF);
		server_kx(&hs);
		hello_done(&hs);
		break;
	case FATAL_ALERT:
		alert(out, 2, 40);
		return;
	case WARNING_THEN_FATAL:
		alert(out, 1, 112);
		alert(out, 2, 40);
		return;
	case GARBAGE:
		put(out, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
		return;
	case NOTHING:
		return;
	}
	records(out, 22, &hs);
	free(hs.p);
}

struct scase {
	const char *name;
	uint16_t version;          /* the hello's */
	bool want_leaf, hello_only;
	bool max_time;             /* the fixed clock: the audit's end came */
	enum answer_name answer;
	size_t split;              /* >0: written in two, this many first */
	bool close_after;          /* the server closes once it wrote */
	enum answer_kind kind;
	const char *detail;        /* a part of a->detail, or NULL */
	uint16_t suite;            /* the ServerHello's, when accepted */
	bool hrr, stalled, has_kx;
	size_t leaf_len;
	bool has_alert;
	uint8_t alert_desc;
};

static const struct scase cases[] = {
	{.name = "TLS 1.2 ServerHello, RSA key exchange",
	 .version = 0x0303, .answer = SH12_RSA,
	 .kind = ANS_ACCEPT, .suite = 0x002F},
	{.name = "TLS 1.2 ServerHello split across reads",
	 .version = 0x0303, .answer = SH12_RSA, .split = 7,
	 .kind = ANS_ACCEPT, .suite = 0x002F},
	{.name = "HelloRetryRequest to a TLS 1.3 hello",
	 .version = 0x0304, .answer = HRR,
	 .kind = ANS_ACCEPT, .suite = 0x1301, .hrr = true},
	{.name = "fatal handshake_failure: a refusal",
	 .version = 0x0303, .answer = FATAL_ALERT,
	 .kind = ANS_REFUSE, .detail = "fatal alert handshake_failure (40)",
	 .has_alert = true, .alert_desc = 40},
	{.name = "a warning read past, then the fatal alert",
	 .version = 0x0303, .answer = WARNING_THEN_FATAL,
	 .kind = ANS_REFUSE, .detail = "after 1 warning alert",
	 .has_alert = true, .alert_desc = 40},
	{.name = "not TLS: an HTTP answer",
	 .version = 0x0303, .answer = GARBAGE,
	 .kind = ANS_NOT_TLS, .detail = "not a TLS record"},
	{.name = "oversized Certificate: leaf kept from its pieces",
	 .version = 0x0303, .want_leaf = true, .answer = BIG_FLIGHT,
	 .kind = ANS_ACCEPT, .suite = 0xC02F, .has_kx = true,
	 .leaf_len = BIG_LEAF},
	{.name = "oversized Certificate skipped, ServerKeyExchange read",
	 .version = 0x0303, .answer = BIG_FLIGHT, .split = 3000,
	 .kind = ANS_ACCEPT, .suite = 0xC02F, .has_kx = true},
	{.name = "ECDHE ServerHello and nothing more: stalled",
	 .version = 0x0303, .answer = SH12_ECDHE,
	 .kind = ANS_ACCEPT, .suite = 0xC02F, .stalled = true},
	{.name = "ECDHE ServerHello, hello only: no wait for the rest",
	 .version = 0x0303, .hello_only = true, .answer = SH12_ECDHE,
	 .kind = ANS_ACCEPT, .suite = 0xC02F},
	{.name = "closed without an answer",
	 .version = 0x0303, .answer = NOTHING, .close_after = true,
	 .kind = ANS_REFUSE,
	 .detail = "closed the connection without an answer"},
	{.name = "silence until the deadline",
	 .version = 0x0303, .answer = NOTHING,
	 .kind = ANS_TIMEOUT,
	 .detail = "no answer to the ClientHello within 2.0 s"},
	{.name = "silence, and the audit's --max-time came",
	 .version = 0x0303, .max_time = true, .answer = NOTHING,
	 .kind = ANS_STOPPED, .detail = "cut by --max-time"},
};

/* ---- the server's side of the socketpair ---- */

struct writer {
	int fd;
	struct bytes data;
	size_t split;
	bool close_after;
	pthread_t thread;
};

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	size_t first = w->split > 0 && w->split < w->data.len ? w->split
							       : w->data.len;

	write_all(w->fd, w->data.p, first);
	if (first < w->data.len) {
		/* long enough for the reader to take the first part alone */
		nanosleep(&(struct timespec){0, 30 * 1000000L}, NULL);
		write_all(w->fd, w->data.p + first, w->data.len - first);
	}
	if (w->close_after)
		shutdown(w->fd, SHUT_WR);
	return NULL;
}

/* ---- the hello, as the audit sends it ---- */

static const uint16_t suites[] = {0xC02F, 0x002F, 0x1301};
static const uint16_t groups[] = {0x001D, 0x0017};
static const uint16_t sigs[] = {0x0401, 0x0804};

static void build_hello(uint16_t version, struct tp_wire_client_hello *sent)
{
	uint8_t out[4096], x25519[32] = {9};
	struct tp_wire_share share = {0x001D, x25519, sizeof(x25519)};
	struct tp_wire_hello_opts ho = {
		.version = version, .suites = suites, .n_suites = 3,
		.groups = groups, .n_groups = 2, .sig_algs = sigs,
		.n_sig_algs = 2, .ec_point_formats = true,
		.sni = "server.test",
	};
	const uint8_t *msg, *body;
	size_t len, msg_len, body_len;
	uint8_t type;

	if (version == 0x0304) {
		ho.shares = &share;
		ho.n_shares = 1;
	}
	len = tp_wire_build_client_hello(&ho, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(tp_wire_record(out, len, &msg, &msg_len), 0);
	assert_int_equal(tp_wire_handshake(msg, msg_len, &type, &body,
					   &body_len), 0);
	assert_int_equal(tp_wire_parse_client_hello(body, body_len, sent), 0);
}

static bool fixed_clock(void *arg)
{
	return *(const bool *)arg;
}

static void run_case(const struct scase *c)
{
	struct tp_wire_client_hello sent;
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	struct hello h = {
		.version = c->version, .suites = suites, .n_suites = 3,
		.groups = groups, .n_groups = 2, .sigs = sigs, .n_sigs = 2,
		.want_leaf = c->want_leaf,
	};
	struct answer a;
	struct writer w = {.split = c->split, .close_after = c->close_after};
	int sv[2];
	bool over = c->max_time;
	/* silence ends by the deadline: short ones for the cases that wait
	 * it out, a long one for those that must not */
	bool waits = c->answer == NOTHING ? !c->close_after : c->stalled;
	struct answer_reading how = {
		.h = &h, .sent = &sent,
		.deadline = tp_now_ms() + (waits ? 100 : 5000),
		.timeout_ms = 2000, .hello_only = c->hello_only,
		.out_of_time = fixed_clock, .arg = &over,
	};
	double t0;

	assert_non_null(rd);
	build_hello(c->version, &sent);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	w.fd = sv[1];
	answer_bytes(c->answer, &w.data);
	assert_int_equal(pthread_create(&w.thread, NULL, writer_main, &w), 0);
	memset(&a, 0, sizeof(a));
	a.kind = ANS_TIMEOUT;
	t0 = tp_now_ms();
	tp_ciphers_read_answer(&how, sv[0], rd, &a);
	pthread_join(w.thread, NULL);
	/* an answer that is complete is taken at once */
	if (!waits)
		assert_true(tp_now_ms() - t0 < 2000);
	assert_int_equal(a.kind, c->kind);
	if (c->detail != NULL && strstr(a.detail, c->detail) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", a.detail, c->detail);
	if (c->kind == ANS_ACCEPT) {
		assert_int_equal(a.sh.suite, c->suite);
		assert_int_equal(a.sh.hrr, c->hrr);
		assert_int_equal(a.sh.version, c->hrr ? 0x0304 : 0x0303);
	}
	assert_int_equal(a.stalled, c->stalled);
	assert_int_equal(a.has_kx, c->has_kx);
	if (c->has_kx) {
		assert_int_equal(a.kx.group, 0x0017);
		assert_int_equal(a.kx.sig_alg, 0x0401);
	}
	assert_int_equal(a.leaf_len, c->leaf_len);
	if (c->leaf_len > 0) {
		assert_non_null(a.leaf);
		assert_int_equal(a.leaf[0], 0);
		assert_int_equal(a.leaf[1], 7);
		assert_int_equal(a.leaf[c->leaf_len - 1],
				 (uint8_t)((c->leaf_len - 1) * 7));
	} else {
		assert_null(a.leaf);
	}
	assert_int_equal(a.has_alert, c->has_alert);
	if (c->has_alert)
		assert_int_equal(a.alert, c->alert_desc);
	free(a.leaf);
	free(w.data.p);
	free(rd);
	close(sv[0]);
	close(sv[1]);
}

static void test_case(void **state)
{
	run_case(*state);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[i] = (struct CMUnitTest){
			.name = cases[i].name, .test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
