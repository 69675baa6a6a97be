/*
 * Unit tests of wire.c: real ClientHellos captured from GnuTLS client
 * sessions in this process (the first flight, caught by the push
 * callback), hand-built ones for the corners, and every truncation of a
 * real one, each in a buffer of its exact size so that a read past the
 * end is a sanitizer error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <gnutls/gnutls.h>

#include "wire.h"

/* ---- capturing a ClientHello ---- */

struct capture {
	uint8_t bytes[16384];
	size_t len;
	gnutls_session_t s;
};

static ssize_t capture_push(gnutls_transport_ptr_t p, const void *data,
			    size_t len)
{
	struct capture *c = p;

	if (len > sizeof(c->bytes) - c->len)
		len = sizeof(c->bytes) - c->len;
	memcpy(c->bytes + c->len, data, len);
	c->len += len;
	return (ssize_t)len;
}

/* Nothing ever answers: the handshake stops after the ClientHello. */
static ssize_t capture_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct capture *c = p;

	(void)data;
	(void)len;
	gnutls_transport_set_errno(c->s, EAGAIN);
	return -1;
}

struct hello_opts {
	const char *priority;
	const char *sni;
	const char *alpn[3];
	const uint8_t *random;  /* 32 bytes, or NULL */
};

/* The record GnuTLS sends first, as a client with these options. */
static void capture_hello(const struct hello_opts *o, struct capture *c)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t protos[3];
	unsigned n = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
	assert_int_equal(gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK), 0);
	assert_int_equal(gnutls_priority_set_direct(c->s, o->priority, NULL), 0);
	assert_int_equal(gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
						cred), 0);
	if (o->sni != NULL)
		assert_int_equal(gnutls_server_name_set(c->s, GNUTLS_NAME_DNS,
							o->sni, strlen(o->sni)),
				 0);
	while (n < 3 && o->alpn[n] != NULL) {
		protos[n].data = (unsigned char *)o->alpn[n];
		protos[n].size = (unsigned)strlen(o->alpn[n]);
		n++;
	}
	if (n > 0)
		assert_int_equal(gnutls_alpn_set_protocols(c->s, protos, n, 0),
				 0);
	if (o->random != NULL) {
		gnutls_datum_t r = {(unsigned char *)o->random, 32};

		assert_int_equal(gnutls_handshake_set_random(c->s, &r), 0);
	}
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_push_function(c->s, capture_push);
	gnutls_transport_set_pull_function(c->s, capture_pull);
	rc = gnutls_handshake(c->s);
	assert_int_equal(rc, GNUTLS_E_AGAIN);
	assert_true(c->len > 0);
	gnutls_deinit(c->s);
	gnutls_certificate_free_credentials(cred);
}

/* The handshake body inside the captured record. */
static void hello_body(const struct capture *c, const uint8_t **body,
		       size_t *len)
{
	const uint8_t *msg;
	size_t msg_len;
	uint8_t type;

	assert_int_equal(tp_wire_record(c->bytes, c->len, &msg, &msg_len), 0);
	assert_int_equal(tp_wire_handshake(msg, msg_len, &type, body, len), 0);
	assert_int_equal(type, TP_WIRE_CLIENT_HELLO);
}

static bool has16(const uint16_t *v, size_t n, uint16_t want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == want)
			return true;
	return false;
}

/* Parses body from a copy of exactly len bytes. */
static int parse_exact(const uint8_t *body, size_t len,
		       struct tp_wire_client_hello *ch)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, body, len);
	rc = tp_wire_parse_client_hello(copy, len, ch);
	free(copy);
	return rc;
}

/* ---- real ClientHellos ---- */

static void test_wire_gnutls_tls13(void **state)
{
	static const uint8_t random[32] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	struct hello_opts o = {
		.priority = "NORMAL", .sni = "server.test",
		.alpn = {"h2", "http/1.1", NULL}, .random = random,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct capture c;
	const uint8_t *body;
	size_t len;

	(void)state;
	capture_hello(&o, &c);
	hello_body(&c, &body, &len);
	assert_int_equal(parse_exact(body, len, ch), 0);
	assert_int_equal(ch->legacy_version, 0x0303);
	assert_memory_equal(ch->random, random, 32);
	/* TLS 1.3 clients send a 32-byte legacy session id (RFC 8446 D.4) */
	assert_int_equal(ch->session_id_len, 32);
	assert_true(ch->has_versions);
	assert_true(has16(ch->versions, ch->n_versions, 0x0304));
	assert_true(has16(ch->versions, ch->n_versions, 0x0303));
	assert_true(has16(ch->suites, ch->n_suites, 0x1301));
	assert_int_equal(ch->n_suites, ch->suites_total);
	assert_true(ch->null_compression);
	assert_true(ch->has_sni);
	assert_string_equal(ch->sni, "server.test");
	assert_int_equal(ch->sni_len, 11);
	assert_int_equal(ch->n_alpn, 2);
	assert_string_equal(ch->alpn[0], "h2");
	assert_string_equal(ch->alpn[1], "http/1.1");
	assert_true(has16(ch->groups, ch->n_groups, 0x001d));  /* x25519 */
	assert_true(ch->n_sig_algs > 0);
	assert_true(ch->has_key_share);
	assert_true(ch->n_key_shares > 0);
	assert_true(has16(ch->groups, ch->n_groups, ch->key_shares[0]));
	assert_true(has16(ch->extensions, ch->n_extensions,
			  TP_WIRE_EXT_SUPPORTED_VERSIONS));
	free(ch);
}

static void test_wire_gnutls_tls12(void **state)
{
	struct hello_opts o = {
		.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2",
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct capture c;
	const uint8_t *body;
	size_t len;

	(void)state;
	capture_hello(&o, &c);
	hello_body(&c, &body, &len);
	assert_int_equal(parse_exact(body, len, ch), 0);
	assert_int_equal(ch->legacy_version, 0x0303);
	assert_false(ch->has_versions);
	assert_false(ch->has_sni);
	assert_int_equal(ch->n_alpn, 0);
	assert_false(ch->has_key_share);
	assert_false(has16(ch->suites, ch->n_suites, 0x1301));
	assert_true(ch->n_suites > 0);
	free(ch);
}

/*
 * Every prefix of a real hello is refused, except the one that ends
 * right before the extensions: RFC 5246 lets a hello end there.
 */
static void test_wire_truncations(void **state)
{
	static const char *const priorities[] = {
		"NORMAL", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
		"NORMAL:+VERS-TLS1.0:+VERS-TLS1.1",
	};
	struct hello_opts o = {.sni = "a.example", .alpn = {"h2", NULL}};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct capture c;
	const uint8_t *body;
	size_t len, k, no_ext, p;

	(void)state;
	for (p = 0; p < sizeof(priorities) / sizeof(priorities[0]); p++) {
		o.priority = priorities[p];
		capture_hello(&o, &c);
		hello_body(&c, &body, &len);
		assert_int_equal(parse_exact(body, len, ch), 0);
		no_ext = 2 + 32 + 1 + ch->session_id_len + 2 +
			 2 * ch->suites_total + 1 + ch->n_compression;
		for (k = 0; k < len; k++) {
			int rc = parse_exact(body, k, ch);

			if (rc != (k == no_ext ? 0 : -1))
				fail_msg("priority %s: prefix of %zu of %zu "
					 "bytes: %d", priorities[p], k, len, rc);
		}
		/* and the record and handshake headers cut short */
		for (k = 0; k < c.len; k++) {
			const uint8_t *msg;
			size_t msg_len;
			uint8_t *copy = malloc(k > 0 ? k : 1);

			memcpy(copy, c.bytes, k);
			assert_int_equal(tp_wire_record(copy, k, &msg,
							&msg_len), -1);
			free(copy);
		}
	}
	free(ch);
}

/* ---- hand-built hellos ---- */

struct buf {
	uint8_t b[70000];
	size_t n;
};

static void put8(struct buf *b, unsigned v)
{
	b->b[b->n++] = (uint8_t)v;
}

static void put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void putn(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* Opens a length field of size bytes; close() fills it in. */
static size_t open_len(struct buf *b, int size)
{
	size_t at = b->n;

	b->n += (size_t)size;
	return at;
}

static void close_len(struct buf *b, size_t at, int size)
{
	size_t n = b->n - at - (size_t)size;

	if (size == 1)
		b->b[at] = (uint8_t)n;
	else {
		b->b[at] = (uint8_t)(n >> 8);
		b->b[at + 1] = (uint8_t)n;
	}
}

/* version, random, empty session id, the suites, null compression. */
static void hello_head(struct buf *b, unsigned n_suites)
{
	uint8_t random[32];
	unsigned i;

	memset(random, 0xab, sizeof(random));
	b->n = 0;
	put16(b, 0x0301);
	putn(b, random, 32);
	put8(b, 0);
	put16(b, 2 * n_suites);
	for (i = 0; i < n_suites; i++)
		put16(b, 0xc000 + i);
	put8(b, 1);
	put8(b, 0);
}

static int parse_buf(const struct buf *b, struct tp_wire_client_hello *ch)
{
	return parse_exact(b->b, b->n, ch);
}

static void test_wire_no_extensions(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));

	(void)state;
	hello_head(b, 3);
	assert_int_equal(parse_buf(b, ch), 0);
	assert_int_equal(ch->legacy_version, 0x0301);
	assert_int_equal(ch->n_suites, 3);
	assert_int_equal(ch->suites[2], 0xc002);
	assert_int_equal(ch->n_extensions, 0);
	assert_string_equal(tp_wire_version_name(ch->legacy_version), "TLS1.0");
	/* an empty extensions block is fine too */
	put16(b, 0);
	assert_int_equal(parse_buf(b, ch), 0);
	/* but not a byte after it */
	put8(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	free(b);
	free(ch);
}

static void test_wire_many_suites(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));

	(void)state;
	hello_head(b, 200);
	assert_int_equal(parse_buf(b, ch), 0);
	assert_int_equal(ch->n_suites, TP_WIRE_MAX_SUITES);
	assert_int_equal(ch->suites_total, 200);
	assert_int_equal(ch->suites[127], 0xc000 + 127);
	free(b);
	free(ch);
}

static void test_wire_head_malformed(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	uint8_t sid[33] = {0};

	(void)state;
	/* a session id of 33 bytes */
	b->n = 0;
	put16(b, 0x0303);
	putn(b, sid, 32);
	put8(b, 33);
	putn(b, sid, 33);
	put16(b, 2);
	put16(b, 0x1301);
	put8(b, 1);
	put8(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	/* an odd cipher suite length */
	b->n = 0;
	put16(b, 0x0303);
	putn(b, sid, 32);
	put8(b, 0);
	put16(b, 3);
	put8(b, 0x13);
	put16(b, 0x0100);
	put8(b, 1);
	put8(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	/* no cipher suite */
	hello_head(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	/* no compression method */
	hello_head(b, 1);
	b->n -= 2;
	put8(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	/* a compression list without null compression is parsed, noted */
	hello_head(b, 1);
	b->n -= 2;
	put8(b, 1);
	put8(b, 1);
	assert_int_equal(parse_buf(b, ch), 0);
	assert_false(ch->null_compression);
	/* NULL and empty input */
	assert_int_equal(tp_wire_parse_client_hello(NULL, 10, ch), -1);
	assert_int_equal(parse_exact(b->b, 0, ch), -1);
	free(b);
	free(ch);
}

/* hello_head plus one extension of the given raw content. */
static void with_extension(struct buf *b, unsigned type, const void *data,
			   size_t n)
{
	size_t exts, ext;

	hello_head(b, 1);
	exts = open_len(b, 2);
	put16(b, type);
	ext = open_len(b, 2);
	putn(b, data, n);
	close_len(b, ext, 2);
	close_len(b, exts, 2);
}

struct ext_case {
	const char *what;
	unsigned type;
	const char *data;
	size_t n;
	int rc;
};

static void test_wire_extensions_malformed(void **state)
{
	static const struct ext_case cases[] = {
		/* server_name */
		{"sni: list longer than the extension", 0,
		 "\x00\x09\x00\x00\x04" "abcd", 9, -1},
		{"sni: name longer than the list", 0,
		 "\x00\x07\x00\x00\x05" "abcd", 9, -1},
		{"sni: empty list", 0, "\x00\x00", 2, -1},
		{"sni: empty extension", 0, "", 0, -1},
		{"sni: empty name", 0, "\x00\x03\x00\x00\x00", 5, -1},
		{"sni: a byte after the list", 0,
		 "\x00\x07\x00\x00\x04" "abcdX", 10, -1},
		{"sni: good", 0, "\x00\x07\x00\x00\x04" "abcd", 9, 0},
		/* supported_versions */
		{"versions: odd length", 43, "\x03\x03\x04\x03", 4, -1},
		{"versions: empty", 43, "\x00", 1, -1},
		{"versions: longer than the extension", 43, "\x04\x03\x04",
		 3, -1},
		{"versions: good", 43, "\x04\x03\x04\x03\x03", 5, 0},
		/* supported_groups */
		{"groups: odd", 10, "\x00\x03\x00\x1d\x00", 5, -1},
		{"groups: short", 10, "\x00\x04\x00\x1d", 4, -1},
		{"groups: good", 10, "\x00\x04\x00\x1d\x00\x17", 6, 0},
		/* signature_algorithms */
		{"sigalgs: trailing byte", 13, "\x00\x02\x04\x03\x00", 5, -1},
		/* ALPN */
		{"alpn: empty name", 16, "\x00\x01\x00", 3, -1},
		{"alpn: name past the list", 16, "\x00\x03\x05h2", 5, -1},
		{"alpn: empty list", 16, "\x00\x00", 2, -1},
		{"alpn: good", 16, "\x00\x03\x02h2", 5, 0},
		/* key_share */
		{"key_share: empty key", 51, "\x00\x04\x00\x1d\x00\x00", 6, -1},
		{"key_share: key past the list", 51,
		 "\x00\x05\x00\x1d\x00\x02\x01", 7, -1},
		{"key_share: group cut", 51, "\x00\x01\x00", 3, -1},
		{"key_share: empty list (HRR retry asks)", 51, "\x00\x00", 2, 0},
		{"key_share: good", 51, "\x00\x05\x00\x1d\x00\x01\x01", 7, 0},
		/* an extension the parser does not read: any content */
		{"unknown extension", 0xfe0d, "\xff\xff\xff", 3, 0},
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		with_extension(b, cases[i].type, cases[i].data, cases[i].n);
		if (parse_buf(b, ch) != cases[i].rc)
			fail_msg("%s: expected %d", cases[i].what, cases[i].rc);
	}
	/* an extension header past the block */
	hello_head(b, 1);
	put16(b, 3);
	put16(b, 0);
	put8(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	/* an extension longer than the block */
	hello_head(b, 1);
	put16(b, 4);
	put16(b, 0x0017);
	put16(b, 1);
	assert_int_equal(parse_buf(b, ch), -1);
	/* a block longer than the hello */
	hello_head(b, 1);
	put16(b, 40);
	put16(b, 0x0017);
	put16(b, 0);
	assert_int_equal(parse_buf(b, ch), -1);
	free(b);
	free(ch);
}

static void test_wire_extension_contents(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	size_t exts, ext, list, i;
	char name[300];

	(void)state;
	hello_head(b, 1);
	exts = open_len(b, 2);
	/* server_name: an unknown name type first, then two host names;
	 * the first host name is kept */
	put16(b, 0);
	ext = open_len(b, 2);
	list = open_len(b, 2);
	put8(b, 7);
	put16(b, 3);
	putn(b, "odd", 3);
	put8(b, 0);
	memset(name, 'n', 255);
	put16(b, 255);
	putn(b, name, 255);
	put8(b, 0);
	put16(b, 5);
	putn(b, "later", 5);
	close_len(b, list, 2);
	close_len(b, ext, 2);
	/* ALPN: ten names, eight kept */
	put16(b, 16);
	ext = open_len(b, 2);
	list = open_len(b, 2);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "proto%zu", i);
		put8(b, strlen(name));
		putn(b, name, strlen(name));
	}
	close_len(b, list, 2);
	close_len(b, ext, 2);
	/* supported_versions with GREASE */
	put16(b, 43);
	ext = open_len(b, 2);
	put8(b, 6);
	put16(b, 0x7a7a);
	put16(b, 0x0304);
	put16(b, 0x0303);
	close_len(b, ext, 2);
	/* 40 groups: 32 kept */
	put16(b, 10);
	ext = open_len(b, 2);
	put16(b, 80);
	for (i = 0; i < 40; i++)
		put16(b, 0x0100 + i);
	close_len(b, ext, 2);
	close_len(b, exts, 2);

	assert_int_equal(parse_buf(b, ch), 0);
	assert_true(ch->has_sni);
	assert_int_equal(ch->sni_len, 255);
	assert_int_equal(ch->sni[0], 'n');
	assert_int_equal(ch->sni[255], '\0');
	assert_int_equal(ch->n_alpn, TP_WIRE_MAX_ALPN);
	assert_int_equal(ch->alpn_total, 10);
	assert_string_equal(ch->alpn[7], "proto7");
	assert_int_equal(ch->alpn_len[7], 6);
	assert_int_equal(ch->n_versions, 3);
	assert_true(tp_wire_is_grease(ch->versions[0]));
	assert_false(tp_wire_is_grease(ch->versions[1]));
	assert_null(tp_wire_version_name(ch->versions[0]));
	assert_string_equal(tp_wire_version_name(ch->versions[1]), "TLS1.3");
	assert_int_equal(ch->n_groups, TP_WIRE_MAX_LIST);
	assert_int_equal(ch->groups_total, 40);
	assert_int_equal(ch->n_extensions, 4);
	assert_int_equal(ch->extensions[1], 16);
	free(b);
	free(ch);
}

/* A 256-byte host name does not fit a DNS name: refused. */
static void test_wire_sni_too_long(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	uint8_t data[2 + 3 + 256];

	(void)state;
	data[0] = 0x01;
	data[1] = 0x03;
	data[2] = 0;
	data[3] = 0x01;
	data[4] = 0x00;
	memset(data + 5, 'x', 256);
	with_extension(b, 0, data, sizeof(data));
	assert_int_equal(parse_buf(b, ch), -1);
	free(b);
	free(ch);
}

static void test_wire_grease(void **state)
{
	(void)state;
	assert_true(tp_wire_is_grease(0x0a0a));
	assert_true(tp_wire_is_grease(0xfafa));
	assert_false(tp_wire_is_grease(0x0a1a));
	assert_false(tp_wire_is_grease(0x1301));
	assert_false(tp_wire_is_grease(0x0000));
}

static void test_wire_record_and_handshake(void **state)
{
	static const uint8_t rec[] = {22, 3, 1, 0, 6, 1, 0, 0, 2, 0xaa, 0xbb};
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
	const uint8_t *msg, *body;
	size_t msg_len, body_len;
	uint8_t type;

	(void)state;
	assert_int_equal(tp_wire_record(rec, sizeof(rec), &msg, &msg_len), 0);
	assert_int_equal(msg_len, 6);
	assert_int_equal(tp_wire_handshake(msg, msg_len, &type, &body,
					   &body_len), 0);
	assert_int_equal(type, 1);
	assert_int_equal(body_len, 2);
	assert_int_equal(body[1], 0xbb);
	/* a body longer than what is there */
	assert_int_equal(tp_wire_handshake(msg, msg_len - 1, &type, &body,
					   &body_len), -1);
	assert_int_equal(tp_wire_record(alert, sizeof(alert), &msg, &msg_len),
			 -1);
	assert_int_equal(tp_wire_record(NULL, 0, &msg, &msg_len), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_gnutls_tls13),
		cmocka_unit_test(test_wire_gnutls_tls12),
		cmocka_unit_test(test_wire_truncations),
		cmocka_unit_test(test_wire_no_extensions),
		cmocka_unit_test(test_wire_many_suites),
		cmocka_unit_test(test_wire_head_malformed),
		cmocka_unit_test(test_wire_extensions_malformed),
		cmocka_unit_test(test_wire_extension_contents),
		cmocka_unit_test(test_wire_sni_too_long),
		cmocka_unit_test(test_wire_grease),
		cmocka_unit_test(test_wire_record_and_handshake),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
