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
	assert_int_equal(ch->n_sig_algs, ch->sig_algs_total);
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
	uint8_t b[140000];
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
		/* ec_point_formats */
		{"point formats: empty list", 11, "\x00", 1, -1},
		{"point formats: empty extension", 11, "", 0, -1},
		{"point formats: list past the extension", 11, "\x02\x00", 2,
		 -1},
		{"point formats: a byte after the list", 11, "\x01\x00\x00", 3,
		 -1},
		{"point formats: good", 11, "\x03\x00\x01\x02", 4, 0},
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
	/* 8 groups more than are kept */
	put16(b, 10);
	ext = open_len(b, 2);
	put16(b, 2 * (TP_WIRE_MAX_LIST + 8));
	for (i = 0; i < TP_WIRE_MAX_LIST + 8; i++)
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
	assert_int_equal(ch->groups_total, TP_WIRE_MAX_LIST + 8);
	assert_int_equal(ch->n_extensions, 4);
	assert_int_equal(ch->extensions[1], 16);
	free(b);
	free(ch);
}

/* ec_point_formats: the formats in order, the first ones kept. */
static void test_wire_ec_point_formats(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	uint8_t data[1 + TP_WIRE_MAX_LIST + 3];
	size_t i;

	(void)state;
	with_extension(b, 11, "\x03\x00\x01\x02", 4);
	assert_int_equal(parse_buf(b, ch), 0);
	assert_int_equal(ch->n_ec_point_formats, 3);
	assert_int_equal(ch->ec_point_formats_total, 3);
	assert_int_equal(ch->ec_point_formats[0], 0);
	assert_int_equal(ch->ec_point_formats[2], 2);
	data[0] = TP_WIRE_MAX_LIST + 3;
	for (i = 1; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	with_extension(b, 11, data, sizeof(data));
	assert_int_equal(parse_buf(b, ch), 0);
	assert_int_equal(ch->n_ec_point_formats, TP_WIRE_MAX_LIST);
	assert_int_equal(ch->ec_point_formats_total, TP_WIRE_MAX_LIST + 3);
	assert_int_equal(ch->ec_point_formats[TP_WIRE_MAX_LIST - 1],
			 TP_WIRE_MAX_LIST);
	/* none without the extension */
	hello_head(b, 1);
	assert_int_equal(parse_buf(b, ch), 0);
	assert_int_equal(ch->n_ec_point_formats, 0);
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

/* ---- building a ClientHello ---- */

static const uint16_t suites13[] = {0x1301, 0x1302, 0x1303};
static const uint16_t suites12[] = {0xc02f, 0xc030, 0x009e, 0x0033, 0x002f,
				    0x000a};
static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
static const uint16_t sig_algs[] = {0x0804, 0x0403, 0x0401};
static const uint8_t hello_random[32] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
	0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
	0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};

/* A built hello: its records, and their payloads joined into the one
 * handshake message. */
struct built {
	uint8_t rec[300000];
	size_t len;
	uint8_t msg[300000];
	size_t msg_len;
	size_t n_records;
	uint16_t record_version;
};

/* Builds the hello and checks its records: handshake type, one version,
 * every one full but the last. */
static void build(const struct tp_wire_hello_opts *o, struct built *b)
{
	size_t at = 0, n;
	uint16_t version;

	b->len = tp_wire_build_client_hello(o, b->rec, sizeof(b->rec));
	assert_true(b->len > 0);
	b->msg_len = 0;
	b->n_records = 0;
	while (at < b->len) {
		assert_true(b->len - at >= 5);
		assert_int_equal(b->rec[at], 22);
		n = (size_t)b->rec[at + 3] << 8 | b->rec[at + 4];
		assert_true(n > 0 && n <= 16384);
		assert_true(b->len - at - 5 >= n);
		version = (uint16_t)(b->rec[at + 1] << 8 | b->rec[at + 2]);
		if (b->n_records == 0)
			b->record_version = version;
		assert_int_equal(version, b->record_version);
		if (at + 5 + n < b->len)
			assert_int_equal(n, 16384);
		memcpy(b->msg + b->msg_len, b->rec + at + 5, n);
		b->msg_len += n;
		at += 5 + n;
		b->n_records++;
	}
}

/* The hello's body parsed back, from a copy of its exact size. */
static void parse_built(const struct built *b, struct tp_wire_client_hello *ch)
{
	const uint8_t *body;
	size_t len;
	uint8_t type;

	assert_int_equal(tp_wire_handshake(b->msg, b->msg_len, &type, &body,
					   &len), 0);
	assert_int_equal(type, TP_WIRE_CLIENT_HELLO);
	assert_int_equal(len + 4, b->msg_len);
	assert_int_equal(parse_exact(body, len, ch), 0);
}

static bool has_ext(const struct tp_wire_client_hello *ch, uint16_t type)
{
	return has16(ch->extensions, ch->n_extensions, type);
}

static void test_wire_build_tls13(void **state)
{
	uint8_t key[32];
	struct tp_wire_share share = {0x001d, key, sizeof(key)};
	struct tp_wire_hello_opts o = {
		.version = 0x0304, .suites = suites13, .n_suites = 3,
		.groups = groups, .n_groups = 3, .sig_algs = sig_algs,
		.n_sig_algs = 3, .shares = &share, .n_shares = 1,
		.sni = "server.test", .random = hello_random,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t i;

	(void)state;
	memset(key, 0x42, sizeof(key));
	build(&o, b);
	assert_int_equal(b->record_version, 0x0301);
	assert_int_equal(b->n_records, 1);
	parse_built(b, ch);
	assert_int_equal(ch->legacy_version, 0x0303);
	assert_memory_equal(ch->random, hello_random, 32);
	/* the session id is the random XORed with 0x5c */
	assert_int_equal(ch->session_id_len, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(ch->session_id[i], hello_random[i] ^ 0x5c);
	assert_int_equal(ch->suites_total, 3);
	assert_memory_equal(ch->suites, suites13, sizeof(suites13));
	assert_int_equal(ch->n_compression, 1);
	assert_true(ch->null_compression);
	assert_true(ch->has_versions);
	assert_int_equal(ch->n_versions, 1);
	assert_int_equal(ch->versions[0], 0x0304);
	assert_int_equal(ch->n_groups, 3);
	assert_memory_equal(ch->groups, groups, sizeof(groups));
	assert_int_equal(ch->n_sig_algs, 3);
	assert_memory_equal(ch->sig_algs, sig_algs, sizeof(sig_algs));
	assert_true(ch->has_key_share);
	assert_int_equal(ch->n_key_shares, 1);
	assert_int_equal(ch->key_shares[0], 0x001d);
	assert_true(ch->has_sni);
	assert_string_equal(ch->sni, "server.test");
	/* the share's bytes are in the hello as given */
	assert_non_null(memmem(b->msg, b->msg_len, key, sizeof(key)));
	/* key_share last, or the padding after it */
	assert_int_equal(ch->extensions[ch->n_extensions - 1],
			 has_ext(ch, 21) ? 21 : TP_WIRE_EXT_KEY_SHARE);
	assert_false(has_ext(ch, 11));  /* no ECC suite in TLS 1.3 */
	free(b);
	free(ch);
}

/* An empty key_share list asks for a HelloRetryRequest; the versions
 * given replace the lone 0x0304. */
static void test_wire_build_tls13_empty_share(void **state)
{
	static const uint16_t versions[] = {0x0304, 0x0303, 0x0302};
	struct tp_wire_hello_opts o = {
		.version = 0x0304, .suites = suites13, .n_suites = 3,
		.groups = groups, .n_groups = 1, .versions = versions,
		.n_versions = 3,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t i;

	(void)state;
	build(&o, b);
	parse_built(b, ch);
	assert_true(ch->has_key_share);
	assert_int_equal(ch->n_key_shares, 0);
	assert_int_equal(ch->n_versions, 3);
	assert_memory_equal(ch->versions, versions, sizeof(versions));
	assert_false(ch->has_sni);
	assert_int_equal(ch->n_sig_algs, 0);
	assert_false(has_ext(ch, TP_WIRE_EXT_SIGNATURE_ALGORITHMS));
	/* no random given: zeros, and a session id of 0x5c bytes */
	for (i = 0; i < 32; i++) {
		assert_int_equal(ch->random[i], 0);
		assert_int_equal(ch->session_id[i], 0x5c);
	}
	free(b);
	free(ch);
}

struct version_case {
	uint16_t version;
	uint16_t record_version;
	bool sig_algs;
	bool ems;
};

/* TLS 1.0 to 1.2 and SSL 3.0 with extensions: no TLS 1.3 extension, no
 * session id, signature_algorithms from TLS 1.2 on. */
static void test_wire_build_versions(void **state)
{
	static const struct version_case cases[] = {
		{0x0300, 0x0300, false, false},
		{0x0301, 0x0301, false, true},
		{0x0302, 0x0301, false, true},
		{0x0303, 0x0301, true, true},
	};
	struct tp_wire_hello_opts o = {
		.suites = suites12, .n_suites = 6, .groups = groups,
		.n_groups = 3, .sig_algs = sig_algs, .n_sig_algs = 3,
		.sni = "a.example", .random = hello_random,
		.ec_point_formats = true,
	};
	uint8_t key[32] = {1};
	struct tp_wire_share share = {0x001d, key, sizeof(key)};
	static const uint16_t versions[] = {0x0304};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t i;

	(void)state;
	/* TLS 1.3 options are not read below TLS 1.3 */
	o.shares = &share;
	o.n_shares = 1;
	o.versions = versions;
	o.n_versions = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.version = cases[i].version;
		build(&o, b);
		assert_int_equal(b->record_version, cases[i].record_version);
		parse_built(b, ch);
		assert_int_equal(ch->legacy_version, cases[i].version);
		assert_int_equal(ch->session_id_len, 0);
		assert_int_equal(ch->suites_total, 6);
		assert_memory_equal(ch->suites, suites12, sizeof(suites12));
		assert_false(ch->has_versions);
		assert_false(ch->has_key_share);
		assert_true(ch->has_sni);
		assert_string_equal(ch->sni, "a.example");
		assert_int_equal(ch->n_groups, 3);
		assert_true(has_ext(ch, 11));
		assert_true(has_ext(ch, 0xff01));
		assert_int_equal(has_ext(ch, 23), cases[i].ems);
		assert_int_equal(ch->n_sig_algs, cases[i].sig_algs ? 3 : 0);
		assert_int_equal(has_ext(ch, TP_WIRE_EXT_SIGNATURE_ALGORITHMS),
				 cases[i].sig_algs);
	}
	/* ec_point_formats only with an ECDH(E) suite */
	o.version = 0x0303;
	o.suites = suites12 + 2;
	o.n_suites = 4;
	build(&o, b);
	parse_built(b, ch);
	assert_false(has_ext(ch, 11));
	/* and only when asked */
	o.suites = suites12;
	o.ec_point_formats = false;
	build(&o, b);
	parse_built(b, ch);
	assert_false(has_ext(ch, 11));
	free(b);
	free(ch);
}

/* SSL 3.0 style: the hello ends after the compression methods. */
/* The audit's attack probes: heartbeat, a ticket, a session ID and
 * DEFLATE, each where RFC 6520, 5077, 5246 and 3749 put it. */
static void test_wire_build_attack_options(void **state)
{
	static const uint8_t ticket[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
	static const uint8_t sid = 0x42;
	struct tp_wire_hello_opts o = {
		.version = 0x0303, .suites = suites12, .n_suites = 3,
		.heartbeat = true, .session_ticket = true, .ticket = ticket,
		.ticket_len = sizeof(ticket), .session_id = &sid,
		.session_id_len = 1, .deflate = true,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t at;

	(void)state;
	build(&o, b);
	parse_built(b, ch);
	assert_int_equal(ch->session_id_len, 1);
	assert_int_equal(ch->session_id[0], 0x42);
	assert_int_equal(ch->n_compression, 2);
	assert_true(ch->null_compression);
	/* DEFLATE first: after the suites, count 2, then methods 1 and 0 */
	at = 4 + 2 + 32 + 1 + 1 + 2 + 3 * 2;
	assert_memory_equal(b->msg + at, "\x02\x01\x00", 3);
	assert_true(has_ext(ch, 15));
	assert_true(has_ext(ch, 35));
	/* heartbeat mode peer_allowed_to_send, the ticket as given */
	assert_non_null(memmem(b->msg, b->msg_len, "\x00\x0f\x00\x01\x01", 5));
	assert_non_null(memmem(b->msg, b->msg_len,
			       "\x00\x23\x00\x05\xde\xad\xbe\xef\x01", 9));
	/* an empty SessionTicket asks for a ticket */
	o.ticket = NULL;
	o.ticket_len = 0;
	build(&o, b);
	assert_non_null(memmem(b->msg, b->msg_len, "\x00\x23\x00\x00", 4));
	/* none of it by default: null compression alone */
	memset(&o, 0, sizeof(o));
	o.version = 0x0303;
	o.suites = suites12;
	o.n_suites = 3;
	build(&o, b);
	parse_built(b, ch);
	assert_int_equal(ch->session_id_len, 0);
	assert_int_equal(ch->n_compression, 1);
	assert_false(has_ext(ch, 15));
	assert_false(has_ext(ch, 35));
	/* a session ID longer than 32 bytes is refused */
	o.session_id = ticket;
	o.session_id_len = 33;
	assert_int_equal(tp_wire_build_client_hello(&o, b->rec,
						    sizeof(b->rec)), 0);
	free(b);
	free(ch);
}

static void test_wire_build_no_extensions(void **state)
{
	static const uint16_t suite = 0x000a;
	struct tp_wire_hello_opts o = {
		.version = 0x0300, .suites = &suite, .n_suites = 1,
		.groups = groups, .n_groups = 3, .sni = "a.example",
		.no_extensions = true,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));

	(void)state;
	build(&o, b);
	assert_int_equal(b->record_version, 0x0300);
	/* header, version, random, session id, suites, compression */
	assert_int_equal(b->msg_len, 4 + 2 + 32 + 1 + 2 + 2 + 2);
	parse_built(b, ch);
	assert_int_equal(ch->legacy_version, 0x0300);
	assert_int_equal(ch->suites_total, 1);
	assert_int_equal(ch->suites[0], 0x000a);
	assert_int_equal(ch->extensions_total, 0);
	assert_false(ch->has_sni);
	/* the same for TLS 1.0, which is allowed to do without */
	o.version = 0x0301;
	build(&o, b);
	assert_int_equal(b->record_version, 0x0301);
	assert_int_equal(b->msg_len, 4 + 2 + 32 + 1 + 2 + 2 + 2);
	free(b);
	free(ch);
}

/* Offset of the padding extension (type 21) if it is the last one, or
 * 0; its data length in *pad. */
static size_t padding_at(const struct built *b, size_t *pad)
{
	size_t at, n;

	for (n = 0; n + 4 < b->msg_len; n++) {
		at = b->msg_len - 4 - n;
		if (b->msg[at] == 0 && b->msg[at + 1] == 21 &&
		    (size_t)(b->msg[at + 2] << 8 | b->msg[at + 3]) == n) {
			*pad = n;
			return at;
		}
		if (b->msg[b->msg_len - 1 - n] != 0)
			break;
	}
	return 0;
}

/*
 * RFC 7685: whatever the number of suites, a hello with extensions from
 * TLS 1.0 on is never 256 to 511 bytes; padding is there only when it
 * was, and brings it to 512 (a little over when less than 5 bytes were
 * missing).
 */
static void test_wire_build_padding(void **state)
{
	static const uint16_t versions[] = {0x0300, 0x0301, 0x0302, 0x0303,
					    0x0304};
	uint16_t *many = malloc(400 * sizeof(*many));
	struct tp_wire_hello_opts o = {
		.groups = groups, .n_groups = 3, .sig_algs = sig_algs,
		.n_sig_algs = 3, .ec_point_formats = true,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t v, n, at, pad, unpadded, padded = 0;

	(void)state;
	for (n = 0; n < 400; n++)
		many[n] = (uint16_t)(0xc000 + n);
	o.suites = many;
	for (v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		o.version = versions[v];
		for (n = 1; n <= 300; n++) {
			o.n_suites = n;
			build(&o, b);
			parse_built(b, ch);
			at = padding_at(b, &pad);
			if (o.version == 0x0300) {
				assert_false(has_ext(ch, 21));
				continue;
			}
			assert_int_equal(has_ext(ch, 21), at != 0);
			assert_true(b->msg_len < 256 || b->msg_len >= 512);
			if (at == 0)
				continue;
			padded++;
			assert_int_equal(ch->extensions[ch->n_extensions - 1],
					 21);
			unpadded = b->msg_len - 4 - pad;
			assert_true(unpadded >= 256 && unpadded < 512);
			if (unpadded <= 507)
				assert_int_equal(b->msg_len, 512);
			else
				assert_int_equal(pad, 1);
		}
	}
	assert_true(padded > 100);
	/* no extensions, no padding */
	o.version = 0x0301;
	o.no_extensions = true;
	o.n_suites = 150;
	build(&o, b);
	assert_int_equal(b->msg_len, 4 + 2 + 32 + 1 + 2 + 300 + 2);
	free(b);
	free(ch);
	free(many);
}

/* A hello over 2^14 bytes goes out in several records. */
static void test_wire_build_split(void **state)
{
	static uint16_t many[0x7fff];
	static uint8_t key_a[30000], key_b[30000];
	struct tp_wire_share shares[2] = {
		{0x0100, key_a, sizeof(key_a)}, {0x0101, key_b, sizeof(key_b)},
	};
	struct tp_wire_hello_opts o = {
		.version = 0x0301, .suites = many, .no_extensions = true,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct built *b = malloc(sizeof(*b));
	size_t i;

	(void)state;
	for (i = 0; i < 0x7fff; i++)
		many[i] = (uint16_t)(0x0100 + i);
	memset(key_a, 0xaa, sizeof(key_a));
	memset(key_b, 0xbb, sizeof(key_b));
	/* 2000 suites: 4 kB, one record */
	o.n_suites = 2000;
	build(&o, b);
	assert_int_equal(b->n_records, 1);
	parse_built(b, ch);
	assert_int_equal(ch->suites_total, 2000);
	/* a message of 43 + 2n bytes: 16383 fits one record, 16385 not */
	o.n_suites = 8170;
	build(&o, b);
	assert_int_equal(b->msg_len, 16383);
	assert_int_equal(b->n_records, 1);
	o.n_suites = 8171;
	build(&o, b);
	assert_int_equal(b->msg_len, 16385);
	assert_int_equal(b->n_records, 2);
	assert_int_equal(b->len, 16385 + 10);
	parse_built(b, ch);
	assert_int_equal(ch->suites_total, 8171);
	assert_int_equal(ch->suites[127], 0x0100 + 127);
	/* the largest: every suite, two big shares */
	o.version = 0x0304;
	o.no_extensions = false;
	o.n_suites = 0x7fff;
	o.shares = shares;
	o.n_shares = 2;
	o.groups = groups;
	o.n_groups = 3;
	o.sni = "big.example";
	build(&o, b);
	assert_int_equal(b->n_records, (b->msg_len + 16383) / 16384);
	assert_true(b->n_records >= 8);
	parse_built(b, ch);
	assert_int_equal(ch->suites_total, 0x7fff);
	assert_int_equal(ch->n_key_shares, 2);
	assert_int_equal(ch->key_shares[1], 0x0101);
	assert_string_equal(ch->sni, "big.example");
	/* the shares' bytes came through the cuts whole */
	assert_non_null(memmem(b->msg, b->msg_len, key_a, sizeof(key_a)));
	assert_non_null(memmem(b->msg, b->msg_len, key_b, sizeof(key_b)));
	free(b);
	free(ch);
}

/* Builds into an exact-size buffer: cap bytes, no more. */
static size_t build_exact(const struct tp_wire_hello_opts *o, size_t cap)
{
	uint8_t *out = malloc(cap > 0 ? cap : 1);
	size_t n;

	assert_non_null(out);
	n = tp_wire_build_client_hello(o, out, cap);
	free(out);
	return n;
}

static void test_wire_build_short_buffer(void **state)
{
	static uint16_t many[9000];
	uint8_t key[32] = {0};
	struct tp_wire_share share = {0x001d, key, sizeof(key)};
	struct tp_wire_hello_opts o = {
		.version = 0x0304, .suites = suites13, .n_suites = 3,
		.groups = groups, .n_groups = 3, .sig_algs = sig_algs,
		.n_sig_algs = 3, .shares = &share, .n_shares = 1,
		.sni = "server.test",
	};
	size_t need, cap, i;

	(void)state;
	need = build_exact(&o, 100000);
	assert_true(need > 0);
	for (cap = 0; cap < need; cap++)
		if (build_exact(&o, cap) != 0)
			fail_msg("%zu bytes of room for %zu", cap, need);
	assert_int_equal(build_exact(&o, need), need);
	/* two records: room for the message but not for both headers */
	for (i = 0; i < 9000; i++)
		many[i] = (uint16_t)(0x0100 + i);
	o.suites = many;
	o.n_suites = 9000;
	need = build_exact(&o, 100000);
	assert_true(need > 16384 + 10);
	for (cap = need - 16; cap < need; cap++)
		assert_int_equal(build_exact(&o, cap), 0);
	for (cap = 16380; cap < 16400; cap++)
		assert_int_equal(build_exact(&o, cap), 0);
	assert_int_equal(build_exact(&o, need), need);
}

static void test_wire_build_invalid(void **state)
{
	static uint16_t many[0x8000];
	static uint8_t big[0x10000];
	uint8_t key[32] = {0};
	struct tp_wire_share shares[5];
	struct tp_wire_hello_opts good = {
		.version = 0x0304, .suites = suites13, .n_suites = 3,
	};
	struct tp_wire_hello_opts o;
	uint8_t out[1024];
	char long_name[300];
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		shares[i].group = (uint16_t)(0x0100 + i);
		shares[i].data = key;
		shares[i].len = sizeof(key);
	}
	assert_true(tp_wire_build_client_hello(&good, out, sizeof(out)) > 0);
	assert_int_equal(tp_wire_build_client_hello(NULL, out, sizeof(out)), 0);
	assert_int_equal(tp_wire_build_client_hello(&good, NULL, 1000), 0);
	o = good;
	o.version = 0x0200;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o.version = 0x0305;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o = good;
	o.n_suites = 0;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o = good;
	o.suites = NULL;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o = good;
	o.suites = many;
	o.n_suites = 0x8000;
	assert_int_equal(tp_wire_build_client_hello(&o, NULL, 0), 0);
	o = good;
	o.n_groups = 2;  /* and no list */
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o = good;
	o.n_sig_algs = 2;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o = good;
	o.sni = "";
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	o.sni = long_name;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	long_name[255] = '\0';
	assert_true(tp_wire_build_client_hello(&o, out, sizeof(out)) > 0);
	/* TLS 1.3 needs extensions */
	o = good;
	o.no_extensions = true;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o.version = 0x0303;
	assert_true(tp_wire_build_client_hello(&o, out, sizeof(out)) > 0);
	/* shares: at most four, none empty */
	o = good;
	o.shares = shares;
	o.n_shares = 4;
	assert_true(tp_wire_build_client_hello(&o, out, sizeof(out)) > 0);
	o.n_shares = 5;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o.n_shares = 1;
	shares[0].len = 0;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	shares[0].len = 32;
	shares[0].data = NULL;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	shares[0].data = big;
	shares[0].len = sizeof(big);
	assert_int_equal(tp_wire_build_client_hello(&o, NULL, 0), 0);
	/* versions: a 1-byte length holds 127 of them */
	o = good;
	o.versions = many;
	o.n_versions = 128;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	o.versions = NULL;
	o.n_versions = 1;
	assert_int_equal(tp_wire_build_client_hello(&o, out, sizeof(out)), 0);
	/* extensions over 2^16 bytes in all */
	o = good;
	o.groups = many;
	o.n_groups = 0x7000;
	o.sig_algs = many;
	o.n_sig_algs = 0x7000;
	{
		uint8_t *room = malloc(300000);

		assert_int_equal(tp_wire_build_client_hello(&o, room, 300000),
				 0);
		o.n_sig_algs = 0;
		assert_true(tp_wire_build_client_hello(&o, room, 300000) > 0);
		free(room);
	}
}

/* ---- reading records ---- */

/* What the reader reported, enough to compare two runs. */
struct seen {
	enum tp_wire_event_kind kind;
	uint8_t hs_type;
	size_t body_len, offset, msg_len;
	uint32_t body_sum;
	uint8_t level, desc;
	uint16_t record_version;
};

struct seen_list {
	struct seen ev[64];
	size_t n;
};

static uint32_t checksum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Feeds one piece, from a copy of its exact size, and notes the events
 * until the reader wants more or has failed. */
static void feed_piece(struct tp_wire_reader *rd, const uint8_t *p, size_t n,
		       struct seen_list *out)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	const uint8_t *data = copy;
	size_t len = n;
	struct tp_wire_event ev;
	struct seen *s;

	assert_non_null(copy);
	memcpy(copy, p, n);
	for (;;) {
		tp_wire_reader_next(rd, &data, &len, &ev);
		if (ev.kind == TP_WIRE_NEED_MORE) {
			assert_int_equal(len, 0);
			break;
		}
		assert_true(out->n < 64);
		s = &out->ev[out->n++];
		memset(s, 0, sizeof(*s));
		s->kind = ev.kind;
		s->record_version = ev.record_version;
		if (ev.kind == TP_WIRE_HANDSHAKE ||
		    ev.kind == TP_WIRE_HANDSHAKE_PART) {
			s->hs_type = ev.hs_type;
			s->body_len = ev.body_len;
			s->offset = ev.offset;
			s->msg_len = ev.msg_len;
			s->body_sum = checksum(ev.body, ev.body_len);
		} else if (ev.kind == TP_WIRE_ALERT) {
			s->level = ev.alert_level;
			s->desc = ev.alert_desc;
		} else if (ev.kind != TP_WIRE_CCS && ev.kind != TP_WIRE_OTHER) {
			break;  /* an error: sticky, nothing more comes */
		}
	}
	free(copy);
}

static bool failed(const struct seen_list *l)
{
	enum tp_wire_event_kind k;

	if (l->n == 0)
		return false;
	k = l->ev[l->n - 1].kind;
	return k == TP_WIRE_SSL2 || k == TP_WIRE_NOT_TLS ||
	       k == TP_WIRE_BAD_RECORD;
}

/* The whole stream: cut at split, then in pieces of chunk bytes. */
static void feed(const uint8_t *stream, size_t len, size_t split, size_t chunk,
		 struct seen_list *out)
{
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	size_t at, n;

	assert_non_null(rd);
	tp_wire_reader_init(rd);
	out->n = 0;
	if (split > len)
		split = len;
	feed_piece(rd, stream, split, out);
	for (at = split; at < len && !failed(out); at += n) {
		n = len - at < chunk ? len - at : chunk;
		feed_piece(rd, stream + at, n, out);
	}
	free(rd);
}

static void assert_same(const struct seen_list *a, const struct seen_list *b,
			size_t split, size_t chunk)
{
	if (a->n != b->n || memcmp(a->ev, b->ev, a->n * sizeof(a->ev[0])))
		fail_msg("cut at %zu, pieces of %zu: %zu events, not %zu",
			 split, chunk, b->n, a->n);
}

/* Every cut and every piece size give the same events as one piece. */
static void assert_any_cut(const uint8_t *stream, size_t len,
			   struct seen_list *whole)
{
	struct seen_list *cut = malloc(sizeof(*cut));
	size_t k;

	feed(stream, len, len, 1, whole);
	for (k = 0; k <= len; k++) {
		feed(stream, len, k, len, cut);
		assert_same(whole, cut, k, len);
	}
	for (k = 1; k <= 17 && k < len; k++) {
		feed(stream, len, 0, k, cut);
		assert_same(whole, cut, 0, k);
	}
	free(cut);
}

/* A record of the given type around payload. */
static void put_record(struct buf *b, unsigned type, unsigned version,
		       const uint8_t *payload, size_t n)
{
	put8(b, type);
	put16(b, version);
	put16(b, (unsigned)n);
	putn(b, payload, n);
}

/* A handshake message with a body of n bytes of value fill. */
static void put_message(struct buf *b, unsigned type, size_t n, uint8_t fill)
{
	put8(b, type);
	put8(b, (unsigned)(n >> 16));
	put16(b, (unsigned)(n & 0xffff));
	memset(b->b + b->n, fill, n);
	b->n += n;
}

/* ServerHello, Certificate, ServerKeyExchange, ServerHelloDone in one
 * record; CCS; a handshake record cut in two by an alert; data. */
static void test_wire_reader_flight(void **state)
{
	struct buf *msgs = malloc(sizeof(*msgs)), *b = malloc(sizeof(*b));
	struct seen_list *seen = malloc(sizeof(*seen));
	static const uint8_t ccs = 1, alert[] = {1, 0}, data[] = {1, 2, 3};
	size_t split;

	(void)state;
	msgs->n = 0;
	put_message(msgs, 2, 70, 0x02);
	put_message(msgs, 11, 900, 0x0b);
	put_message(msgs, 12, 300, 0x0c);
	put_message(msgs, 14, 0, 0);
	b->n = 0;
	put_record(b, 22, 0x0303, msgs->b, msgs->n);
	put_record(b, 20, 0x0303, &ccs, 1);
	/* a 50-byte message: 20 bytes, a warning alert, 34 bytes */
	msgs->n = 0;
	put_message(msgs, 4, 50, 0x04);
	split = 20;
	put_record(b, 22, 0x0303, msgs->b, split);
	put_record(b, 21, 0x0303, alert, 2);
	put_record(b, 22, 0x0304, msgs->b + split, msgs->n - split);
	put_record(b, 23, 0x0303, data, 3);

	assert_any_cut(b->b, b->n, seen);
	assert_int_equal(seen->n, 8);
	assert_int_equal(seen->ev[0].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[0].hs_type, 2);
	assert_int_equal(seen->ev[0].body_len, 70);
	assert_int_equal(seen->ev[0].record_version, 0x0303);
	assert_int_equal(seen->ev[1].hs_type, 11);
	assert_int_equal(seen->ev[1].body_len, 900);
	assert_int_equal(seen->ev[2].hs_type, 12);
	assert_int_equal(seen->ev[3].hs_type, 14);
	assert_int_equal(seen->ev[3].body_len, 0);
	assert_int_equal(seen->ev[4].kind, TP_WIRE_CCS);
	/* the alert comes when its record does, before the message */
	assert_int_equal(seen->ev[5].kind, TP_WIRE_ALERT);
	assert_int_equal(seen->ev[5].level, 1);
	assert_int_equal(seen->ev[5].desc, 0);
	assert_int_equal(seen->ev[6].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[6].hs_type, 4);
	assert_int_equal(seen->ev[6].body_len, 50);
	assert_int_equal(seen->ev[6].body_sum, checksum(msgs->b + 4, 50));
	assert_int_equal(seen->ev[6].record_version, 0x0304);
	assert_int_equal(seen->ev[7].kind, TP_WIRE_OTHER);
	free(seen);
	free(b);
	free(msgs);
}

/* A message of n body bytes (each from its position) in records of at
 * most 16384 bytes, then a ServerHelloDone in the last record. */
static void long_flight(struct buf *b, unsigned type, size_t n)
{
	struct buf *msg = malloc(sizeof(*msg));
	size_t at, k, i;

	assert_non_null(msg);
	msg->n = 0;
	put_message(msg, type, n, 0);
	for (i = 4; i < msg->n; i++)
		msg->b[i] = (uint8_t)(i * 7 + (i >> 9));
	put_message(msg, 14, 0, 0);
	b->n = 0;
	for (at = 0; at < msg->n; at += k) {
		k = msg->n - at < 16384 ? msg->n - at : 16384;
		put_record(b, 22, 0x0303, msg->b + at, k);
	}
	free(msg);
}

/* The largest message kept whole, over five records, and its body
 * intact; one byte more and it comes in pieces, never refused. */
static void test_wire_reader_big_message(void **state)
{
	struct buf *b = malloc(sizeof(*b));
	struct seen_list *seen = malloc(sizeof(*seen));
	uint8_t *body;
	size_t i;

	(void)state;
	assert_true(TP_WIRE_MAX_KEPT >= 65607);
	long_flight(b, 11, TP_WIRE_MAX_KEPT);
	body = b->b + 5 + 4;  /* the body's first record */
	feed(b->b, b->n, b->n, 1, seen);
	assert_int_equal(seen->n, 2);
	assert_int_equal(seen->ev[0].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[0].body_len, TP_WIRE_MAX_KEPT);
	assert_int_equal(seen->ev[0].msg_len, TP_WIRE_MAX_KEPT);
	assert_int_equal(seen->ev[1].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[1].hs_type, 14);
	(void)body;
	/* in pieces of 1000 bytes too */
	feed(b->b, b->n, 0, 1000, seen);
	assert_int_equal(seen->n, 2);
	assert_int_equal(seen->ev[0].body_len, TP_WIRE_MAX_KEPT);

	long_flight(b, 11, TP_WIRE_MAX_KEPT + 1);
	feed(b->b, b->n, b->n, 1, seen);
	/* five records: the first holds the header and 16380 bytes */
	assert_int_equal(seen->n, 6);
	for (i = 0; i < 5; i++) {
		assert_int_equal(seen->ev[i].kind, TP_WIRE_HANDSHAKE_PART);
		assert_int_equal(seen->ev[i].hs_type, 11);
		assert_int_equal(seen->ev[i].msg_len, TP_WIRE_MAX_KEPT + 1);
		assert_int_equal(seen->ev[i].offset, i == 0 ? 0
				 : 16380 + (i - 1) * 16384);
	}
	assert_int_equal(seen->ev[0].body_len, 16380);
	assert_int_equal(seen->ev[4].offset + seen->ev[4].body_len,
			 TP_WIRE_MAX_KEPT + 1);
	assert_int_equal(seen->ev[5].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[5].hs_type, 14);
	free(seen);
	free(b);
}

/* A 120,000-byte Certificate (a leaf with 10,000 names is that big):
 * every byte handed over once, in order, whatever the cuts; then the
 * ServerHelloDone after it, whole. */
static void test_wire_reader_long_certificate(void **state)
{
	struct buf *b = malloc(sizeof(*b)), *again = malloc(sizeof(*again));
	struct seen_list *seen = malloc(sizeof(*seen));
	struct seen_list *cut = malloc(sizeof(*cut));
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	static const size_t cuts[] = {1, 4, 5, 6, 9, 16389, 16390, 60000};
	static const size_t chunks[] = {1, 7, 1000, 16389, 70000};
	size_t i, total = 0;

	(void)state;
	assert_non_null(rd);
	long_flight(b, 11, 120000);
	feed(b->b, b->n, b->n, 1, seen);
	assert_int_equal(seen->n, 9);
	for (i = 0; i < 8; i++) {
		assert_int_equal(seen->ev[i].kind, TP_WIRE_HANDSHAKE_PART);
		assert_int_equal(seen->ev[i].hs_type, 11);
		assert_int_equal(seen->ev[i].msg_len, 120000);
		assert_int_equal(seen->ev[i].offset, total);
		total += seen->ev[i].body_len;
	}
	assert_int_equal(total, 120000);
	assert_int_equal(seen->ev[8].kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(seen->ev[8].hs_type, 14);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		feed(b->b, b->n, cuts[i], b->n, cut);
		assert_same(seen, cut, cuts[i], b->n);
	}
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		feed(b->b, b->n, 0, chunks[i], cut);
		assert_same(seen, cut, 0, chunks[i]);
	}
	/* the pieces put together are the body */
	{
		const uint8_t *data = b->b;
		size_t len = b->n, at = 0;
		struct tp_wire_event ev;

		again->n = 0;
		tp_wire_reader_init(rd);
		for (;;) {
			tp_wire_reader_next(rd, &data, &len, &ev);
			if (ev.kind != TP_WIRE_HANDSHAKE_PART)
				break;
			assert_int_equal(ev.offset, at);
			putn(again, ev.body, ev.body_len);
			at += ev.body_len;
		}
		assert_int_equal(ev.kind, TP_WIRE_HANDSHAKE);
		assert_int_equal(again->n, 120000);
		for (i = 0; i < 120000; i++)
			if (again->b[i] != (uint8_t)((i + 4) * 7 + ((i + 4) >> 9)))
				fail_msg("byte %zu of the body differs", i);
	}
	free(rd);
	free(cut);
	free(seen);
	free(again);
	free(b);
}

/* The longest length a header can hold, 2^24-1, is legal: its pieces
 * come as their records do, and an alert between them is reported. */
static void test_wire_reader_longest_header(void **state)
{
	static const uint8_t stream[] = {
		22, 3, 3, 0, 6, 11, 0xff, 0xff, 0xff, 0xaa, 0xbb,
		21, 3, 3, 0, 2, 1, 0,
		22, 3, 3, 0, 3, 0xcc, 0xdd, 0xee,
	};
	struct seen_list *seen = malloc(sizeof(*seen));

	(void)state;
	assert_any_cut(stream, sizeof(stream), seen);
	assert_int_equal(seen->n, 3);
	assert_int_equal(seen->ev[0].kind, TP_WIRE_HANDSHAKE_PART);
	assert_int_equal(seen->ev[0].hs_type, 11);
	assert_int_equal(seen->ev[0].msg_len, 0xffffff);
	assert_int_equal(seen->ev[0].offset, 0);
	assert_int_equal(seen->ev[0].body_len, 2);
	assert_int_equal(seen->ev[1].kind, TP_WIRE_ALERT);
	assert_int_equal(seen->ev[2].kind, TP_WIRE_HANDSHAKE_PART);
	assert_int_equal(seen->ev[2].offset, 2);
	assert_int_equal(seen->ev[2].body_len, 3);
	free(seen);
}

/* A built hello, read back: several records, one message. */
static void test_wire_reader_built_hello(void **state)
{
	static uint16_t many[12000];
	struct tp_wire_hello_opts o = {
		.version = 0x0303, .suites = many, .n_suites = 12000,
		.groups = groups, .n_groups = 3,
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	struct built *b = malloc(sizeof(*b));
	struct tp_wire_event ev;
	const uint8_t *data;
	size_t len, i;

	(void)state;
	for (i = 0; i < 12000; i++)
		many[i] = (uint16_t)i;
	build(&o, b);
	assert_int_equal(b->n_records, 2);
	tp_wire_reader_init(rd);
	data = b->rec;
	len = b->len;
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_HANDSHAKE);
	assert_int_equal(ev.hs_type, TP_WIRE_CLIENT_HELLO);
	assert_int_equal(ev.record_version, 0x0301);
	assert_int_equal(len, 0);
	assert_int_equal(tp_wire_parse_client_hello(ev.body, ev.body_len, ch),
			 0);
	assert_int_equal(ch->suites_total, 12000);
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NEED_MORE);
	free(b);
	free(rd);
	free(ch);
}

struct stream_case {
	const char *what;
	const char *bytes;
	size_t n;
	enum tp_wire_event_kind kinds[4];
};

static void test_wire_reader_cases(void **state)
{
	static const struct stream_case cases[] = {
		{"alert", "\x15\x03\x03\x00\x02\x02\x28", 7,
		 {TP_WIRE_ALERT}},
		{"two alerts in a record",
		 "\x15\x03\x01\x00\x04\x01\x00\x02\x28", 9,
		 {TP_WIRE_ALERT, TP_WIRE_ALERT}},
		{"an alert and a lone byte",
		 "\x15\x03\x01\x00\x03\x02\x28\x00", 8, {TP_WIRE_ALERT}},
		{"an alert record of one byte", "\x15\x03\x03\x00\x01\x02", 6,
		 {TP_WIRE_BAD_RECORD}},
		{"an empty alert record", "\x15\x03\x03\x00\x00", 5,
		 {TP_WIRE_BAD_RECORD}},
		{"change_cipher_spec", "\x14\x03\x03\x00\x01\x01", 6,
		 {TP_WIRE_CCS}},
		{"an empty change_cipher_spec, then an alert",
		 "\x14\x03\x03\x00\x00\x15\x03\x03\x00\x02\x02\x0a", 12,
		 {TP_WIRE_CCS, TP_WIRE_ALERT}},
		{"application data", "\x17\x03\x03\x00\x02\xab\xcd", 7,
		 {TP_WIRE_OTHER}},
		{"a heartbeat after a record",
		 "\x14\x03\x03\x00\x01\x01\x18\x03\x03\x00\x01\x01", 12,
		 {TP_WIRE_CCS, TP_WIRE_OTHER}},
		{"an empty handshake record", "\x16\x03\x03\x00\x00", 5,
		 {TP_WIRE_BAD_RECORD}},
		{"the largest record", "\x17\x03\x03\x48\x00", 5, {0}},
		{"a record over the limit", "\x16\x03\x03\x48\x01", 5,
		 {TP_WIRE_BAD_RECORD}},
		{"the header of a message of 128 KiB: legal, no body yet",
		 "\x16\x03\x03\x00\x04\x0b\x02\x00\x00", 9, {0}},
		{"a message of 128 KiB: its first byte",
		 "\x16\x03\x03\x00\x05\x0b\x02\x00\x00\x30", 10,
		 {TP_WIRE_HANDSHAKE_PART}},
		{"a later record of version 2",
		 "\x14\x03\x03\x00\x01\x01\x15\x02\x00\x00\x02\x02\x28", 13,
		 {TP_WIRE_CCS, TP_WIRE_BAD_RECORD}},
		{"a fragment, then a record of version 0xfb02",
		 "\x16\x03\x03\x00\x01\x02\x16\xfb\x02\x00\x01\x33", 12,
		 {TP_WIRE_BAD_RECORD}},
		{"HTTP", "HTTP/1.1 400 Bad Request\r\n", 26,
		 {TP_WIRE_NOT_TLS}},
		{"an SMTP banner", "220 mail.example ESMTP\r\n", 24,
		 {TP_WIRE_NOT_TLS}},
		{"a heartbeat first", "\x18\x03\x03\x00\x01\x01", 6,
		 {TP_WIRE_NOT_TLS}},
		{"major version 2", "\x16\x02\x00\x00\x01\x01", 6,
		 {TP_WIRE_NOT_TLS}},
		{"one byte of a record", "\x16", 1, {0}},
		{"an SSL 2.0 server hello", "\x83\x2b\x04\x00\x01\x00\x02", 7,
		 {TP_WIRE_SSL2}},
		{"an SSL 2.0 error", "\x80\x03\x00\x00\x01", 5,
		 {TP_WIRE_NOT_TLS}},
		{"two bytes of SSL 2.0", "\x83\x2b", 2, {0}},
		{"a record with its bytes still to come",
		 "\x16\x03\x03\x00\x10\x02\x00", 7, {0}},
	};
	struct seen_list *seen = malloc(sizeof(*seen));
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_any_cut((const uint8_t *)cases[i].bytes, cases[i].n,
			       seen);
		for (k = 0; k < 4 && cases[i].kinds[k] != 0; k++)
			if (k >= seen->n ||
			    seen->ev[k].kind != cases[i].kinds[k])
				fail_msg("%s: event %zu is not %d",
					 cases[i].what, k, cases[i].kinds[k]);
		if (seen->n != k)
			fail_msg("%s: %zu events, not %zu", cases[i].what,
				 seen->n, k);
	}
	/* the alert's level and description, and the record's version */
	assert_any_cut((const uint8_t *)cases[0].bytes, 7, seen);
	assert_int_equal(seen->ev[0].level, 2);
	assert_int_equal(seen->ev[0].desc, 40);
	assert_int_equal(seen->ev[0].record_version, 0x0303);
	free(seen);
}

/* Errors stay: the next call says the same and takes nothing. */
static void test_wire_reader_sticky(void **state)
{
	static const uint8_t garbage[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	struct tp_wire_event ev;
	const uint8_t *data = garbage;
	size_t len = sizeof(garbage) - 1;

	(void)state;
	tp_wire_reader_init(rd);
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NOT_TLS);
	data = alert;
	len = sizeof(alert);
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NOT_TLS);
	assert_int_equal(len, sizeof(alert));
	/* a fresh start reads it */
	tp_wire_reader_init(rd);
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_ALERT);
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NEED_MORE);
	/* no input at all */
	data = NULL;
	len = 0;
	tp_wire_reader_next(rd, &data, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NEED_MORE);
	free(rd);
}

/* ---- a server's messages ---- */

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* version, random, a session id of sid bytes, suite, null compression */
static void server_hello_head(struct buf *b, unsigned version,
			      const uint8_t *random, size_t sid,
			      unsigned suite)
{
	b->n = 0;
	put16(b, version);
	putn(b, random, 32);
	put8(b, (unsigned)sid);
	memset(b->b + b->n, 0x5a, sid);
	b->n += sid;
	put16(b, suite);
	put8(b, 0);
}

static void put_ext(struct buf *b, unsigned type, const void *data, size_t n)
{
	put16(b, type);
	put16(b, (unsigned)n);
	putn(b, data, n);
}

static int parse_sh_exact(const uint8_t *body, size_t len,
			  struct tp_wire_server_hello *sh)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, body, len);
	rc = tp_wire_parse_server_hello(copy, len, sh);
	free(copy);
	return rc;
}

/* Every prefix is refused, but the one ending before the extensions. */
static void assert_sh_prefixes(const struct buf *b, size_t no_ext)
{
	struct tp_wire_server_hello sh;
	size_t k;
	int rc;

	for (k = 0; k < b->n; k++) {
		rc = parse_sh_exact(b->b, k, &sh);
		if (rc != (k == no_ext ? 0 : -1))
			fail_msg("prefix of %zu of %zu bytes: %d", k, b->n, rc);
	}
}

/* A TLS 1.2 answer of a server that could do TLS 1.3. */
/* A record the reader does not parse (a heartbeat, RFC 6520 section 3)
 * after the first comes with its type and payload, for the audit's Heartbleed check. */
static void test_wire_reader_other_payload(void **state)
{
	static const uint8_t in[] = {
		0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
		0x18, 0x03, 0x03, 0x00, 0x06, 0x02, 0x40, 0x00, 0xaa, 0xbb, 0xcc,
		0x17, 0x03, 0x03, 0x00, 0x01, 0x55,
	};
	struct tp_wire_reader *rd = malloc(sizeof(*rd));
	const uint8_t *p = in;
	size_t len = sizeof(in);
	struct tp_wire_event ev;

	(void)state;
	tp_wire_reader_init(rd);
	tp_wire_reader_next(rd, &p, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_CCS);
	tp_wire_reader_next(rd, &p, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_OTHER);
	assert_int_equal(ev.content_type, 24);
	assert_int_equal(ev.body_len, 6);
	assert_memory_equal(ev.body, in + 11, 6);
	tp_wire_reader_next(rd, &p, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_OTHER);
	assert_int_equal(ev.content_type, 23);
	assert_int_equal(ev.body_len, 1);
	assert_int_equal(ev.body[0], 0x55);
	tp_wire_reader_next(rd, &p, &len, &ev);
	assert_int_equal(ev.kind, TP_WIRE_NEED_MORE);
	free(rd);
}

static void test_wire_server_hello_tls12(void **state)
{
	uint8_t random[32];
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	size_t exts, no_ext;

	(void)state;
	memset(random, 0x77, 24);
	memcpy(random + 24, "DOWNGRD\x01", 8);
	server_hello_head(b, 0x0303, random, 32, 0xc02f);
	no_ext = b->n;
	exts = open_len(b, 2);
	put_ext(b, 0xff01, "\x00", 1);
	put_ext(b, 11, "\x01\x00", 2);
	put_ext(b, 23, "", 0);
	put_ext(b, 16, "\x00\x03\x02h2", 5);
	close_len(b, exts, 2);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_false(sh.hrr);
	assert_int_equal(sh.legacy_version, 0x0303);
	assert_int_equal(sh.version, 0x0303);
	assert_false(sh.has_versions);
	assert_memory_equal(sh.random, random, 32);
	assert_int_equal(sh.session_id_len, 32);
	assert_int_equal(sh.session_id[0], 0x5a);
	assert_int_equal(sh.session_id[31], 0x5a);
	assert_int_equal(sh.suite, 0xc02f);
	assert_int_equal(sh.compression, 0);
	assert_true(sh.has_reneg_info);
	assert_true(sh.has_ems);
	assert_true(sh.has_alpn);
	assert_string_equal(sh.alpn, "h2");
	assert_int_equal(sh.alpn_len, 2);
	assert_false(sh.has_key_share);
	assert_false(sh.has_cookie);
	assert_true(sh.downgrade_tls12);
	assert_false(sh.downgrade_tls11);
	assert_int_equal(sh.n_extensions, 4);
	assert_int_equal(sh.extensions[1], 11);
	assert_sh_prefixes(b, no_ext);
	/* the TLS 1.1 sentinel */
	b->b[2 + 31] = 0;
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_false(sh.downgrade_tls12);
	assert_true(sh.downgrade_tls11);
	/* any other last byte is no sentinel */
	b->b[2 + 31] = 2;
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_false(sh.downgrade_tls12 || sh.downgrade_tls11);
	free(b);
}

/* The hello a probe of the cipher audit sends for version, parsed back;
 * bare: 0 with extensions, 1 without and with the SCSV (SSL 3.0), 2
 * without either */
static void audit_hello(uint16_t version, int bare,
			struct tp_wire_client_hello *ch)
{
	static const uint16_t s12[] = {0xc02f, 0x009c, 0x002f};
	static const uint16_t s3[] = {0x002f, 0x00ff};
	uint8_t key[32] = {1};
	struct tp_wire_share share = {0x001d, key, sizeof(key)};
	struct tp_wire_hello_opts o = {
		.version = version, .groups = groups, .n_groups = 3,
		.sig_algs = sig_algs, .n_sig_algs = 3,
		.ec_point_formats = true,
	};
	struct built *b = malloc(sizeof(*b));

	if (version == 0x0304) {
		o.suites = suites13;
		o.n_suites = 3;
		o.shares = &share;
		o.n_shares = 1;
	} else if (bare != 0) {
		o.suites = s3;
		o.n_suites = bare == 1 ? 2 : 1;
		o.no_extensions = true;
	} else {
		o.suites = s12;
		o.n_suites = 3;
	}
	build(&o, b);
	parse_built(b, ch);
	free(b);
}

struct fault_case {
	const char *what;
	uint16_t offered;       /* the probe's version */
	int bare;               /* as audit_hello takes it */
	uint16_t version;       /* the answer's */
	bool hrr;
	uint16_t suite;
	uint8_t compression;
	int sentinel;           /* -1 none, else the last byte */
	uint16_t ext[3];        /* 0-terminated */
	const char *fault;      /* NULL: none; else a part of the text */
};

/* A ServerHello judged against the hello it answers: the first fault,
 * in the order of the message's fields, or none. */
static void test_wire_server_hello_fault(void **state)
{
	static const struct fault_case cases[] = {
		{"TLS 1.2 answer, extensions offered", 0x0303, 0, 0x0303,
		 false, 0xc02f, 0, -1, {0xff01, 11, 23}, NULL},
		{"TLS 1.2 to TLS 1.1", 0x0302, 0, 0x0303, false, 0xc02f, 0,
		 -1, {0}, "version 0x0303 to a hello offering at most 0x0302"},
		{"the version comes before the extension", 0x0301, 0,
		 0x0303, false, 0xc02f, 0, -1, {0xfaba}, "version 0x0303"},
		{"an extension never offered", 0x0303, 0, 0x0303, false,
		 0xc02f, 0, -1, {0xff01, 0xfaba}, "extension 0xFABA, which "
		 "the hello never offered"},
		{"a 64 KiB extension never offered, to a TLS 1.3 hello",
		 0x0304, 0, 0x0303, false, 0x1301, 0, -1, {0xfaba},
		 "extension 0xFABA"},
		{"the sentinel, to a hello offering TLS 1.3", 0x0304, 0,
		 0x0303, false, 0x1301, 0, 1, {0}, "downgrade sentinel"},
		{"the TLS 1.1 sentinel, to TLS 1.3", 0x0304, 0, 0x0302,
		 false, 0x1301, 0, 0, {0}, "DOWNGRD and 0x00"},
		{"the sentinel where TLS 1.2 was the most offered", 0x0303,
		 0, 0x0303, false, 0xc02f, 0, 1, {0}, NULL},
		{"the TLS 1.1 sentinel, to TLS 1.2", 0x0303, 0, 0x0302,
		 false, 0xc02f, 0, 0, {0}, "downgrade sentinel"},
		{"the TLS 1.1 sentinel, to TLS 1.1", 0x0302, 0, 0x0302,
		 false, 0xc02f, 0, 0, {0}, NULL},
		{"a suite not offered", 0x0303, 0, 0x0303, false, 0x0000,
		 0, -1, {0}, "suite 0x0000, which was not offered"},
		{"compression not offered", 0x0303, 0, 0x0303, false,
		 0xc02f, 1, -1, {0}, "compression method 1"},
		{"TLS 1.3 with the extensions it may carry", 0x0304, 0,
		 0x0304, false, 0x1301, 0, -1, {43, 51}, NULL},
		{"TLS 1.3 with one offered but not allowed there", 0x0304,
		 0, 0x0304, false, 0x1301, 0, -1, {43, 51, 10},
		 "TLS 1.3 does not allow there"},
		{"an HRR's cookie was never offered, and may come", 0x0304,
		 0, 0x0304, true, 0x1301, 0, -1, {43, 51, 44}, NULL},
		{"an HRR to a TLS 1.2 hello", 0x0303, 0, 0x0303, true,
		 0xc02f, 0, -1, {0}, "version"},
		{"renegotiation_info answers the SCSV", 0x0300, 1, 0x0300,
		 false, 0x002f, 0, -1, {0xff01}, NULL},
		{"no SCSV, no extensions: renegotiation_info unasked", 0x0300,
		 2, 0x0300, false, 0x002f, 0, -1, {0xff01},
		 "extension 0xFF01"},
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct tp_wire_server_hello sh;
	char why[300];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fault_case *c = &cases[i];
		int rc;

		audit_hello(c->offered, c->bare, ch);
		memset(&sh, 0, sizeof(sh));
		sh.version = c->version;
		sh.hrr = c->hrr;
		sh.suite = c->suite;
		sh.compression = c->compression;
		sh.downgrade_tls12 = c->sentinel == 1;
		sh.downgrade_tls11 = c->sentinel == 0;
		for (k = 0; k < 3 && c->ext[k] != 0; k++)
			sh.extensions[sh.n_extensions++] = c->ext[k];
		why[0] = '\0';
		rc = tp_wire_server_hello_fault(&sh, ch, why, sizeof(why));
		if (c->fault == NULL && rc != 0)
			fail_msg("%s: a fault: %s", c->what, why);
		if (c->fault != NULL &&
		    (rc != -1 || strstr(why, c->fault) == NULL))
			fail_msg("%s: %d '%s', wanted '%s'", c->what, rc, why,
				 c->fault);
	}
	free(ch);
}

/* SSL 3.0 and TLS 1.0: no extensions block at all, or an empty one. */
static void test_wire_server_hello_no_extensions(void **state)
{
	uint8_t random[32];
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));

	(void)state;
	memset(random, 0x30, sizeof(random));
	server_hello_head(b, 0x0300, random, 0, 0x000a);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_int_equal(sh.version, 0x0300);
	assert_int_equal(sh.suite, 0x000a);
	assert_int_equal(sh.session_id_len, 0);
	assert_int_equal(sh.n_extensions, 0);
	assert_sh_prefixes(b, b->n);
	put16(b, 0);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	put8(b, 0);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	free(b);
}

static void test_wire_server_hello_tls13(void **state)
{
	uint8_t random[32], key[32];
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	size_t exts, ext, no_ext;

	(void)state;
	memset(random, 0x13, sizeof(random));
	memset(key, 0x99, sizeof(key));
	server_hello_head(b, 0x0303, random, 32, 0x1301);
	no_ext = b->n;
	exts = open_len(b, 2);
	put_ext(b, 43, "\x03\x04", 2);
	put16(b, 51);
	ext = open_len(b, 2);
	put16(b, 0x001d);
	put16(b, 32);
	putn(b, key, 32);
	close_len(b, ext, 2);
	close_len(b, exts, 2);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_false(sh.hrr);
	assert_int_equal(sh.legacy_version, 0x0303);
	assert_true(sh.has_versions);
	assert_int_equal(sh.version, 0x0304);
	assert_true(sh.has_key_share);
	assert_int_equal(sh.key_share_group, 0x001d);
	assert_int_equal(sh.n_extensions, 2);
	assert_sh_prefixes(b, no_ext);
	free(b);
}

/* RFC 8446 section 4.1.4: the group asked for, and a cookie. */
static void test_wire_hello_retry_request(void **state)
{
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	size_t exts, no_ext;

	(void)state;
	server_hello_head(b, 0x0303, hrr_random, 32, 0x1302);
	no_ext = b->n;
	exts = open_len(b, 2);
	put_ext(b, 51, "\x00\x17", 2);
	put_ext(b, 43, "\x03\x04", 2);
	put_ext(b, 44, "\x00\x03" "abc", 5);
	close_len(b, exts, 2);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), 0);
	assert_true(sh.hrr);
	assert_int_equal(sh.version, 0x0304);
	assert_int_equal(sh.suite, 0x1302);
	assert_true(sh.has_key_share);
	assert_int_equal(sh.key_share_group, 0x0017);
	assert_true(sh.has_cookie);
	assert_false(sh.downgrade_tls12 || sh.downgrade_tls11);
	assert_sh_prefixes(b, no_ext);
	free(b);
}

struct sh_case {
	const char *what;
	bool hrr;
	unsigned type;
	const char *data;
	size_t n;
	int rc;
};

static void test_wire_server_hello_malformed(void **state)
{
	static const struct sh_case cases[] = {
		{"versions: good", false, 43, "\x03\x04", 2, 0},
		{"versions: a list", false, 43, "\x02\x03\x04", 3, -1},
		{"versions: one byte", false, 43, "\x03", 1, -1},
		{"key_share: good", false, 51, "\x00\x1d\x00\x01\x01", 5, 0},
		{"key_share: no key", false, 51, "\x00\x1d\x00\x00", 4, -1},
		{"key_share: group only", false, 51, "\x00\x1d", 2, -1},
		{"key_share: key past the end", false, 51,
		 "\x00\x1d\x00\x05\x01", 5, -1},
		{"key_share: a byte after", false, 51,
		 "\x00\x1d\x00\x01\x01\x00", 6, -1},
		{"HRR key_share: good", true, 51, "\x00\x1d", 2, 0},
		{"HRR key_share: a whole entry", true, 51,
		 "\x00\x1d\x00\x01\x01", 5, -1},
		{"HRR key_share: one byte", true, 51, "\x00", 1, -1},
		{"cookie: empty", true, 44, "\x00\x00", 2, -1},
		{"cookie: short", true, 44, "\x00\x04" "abc", 5, -1},
		{"alpn: good", false, 16, "\x00\x03\x02h2", 5, 0},
		{"alpn: two names", false, 16, "\x00\x06\x02h2\x02h3", 8, -1},
		{"alpn: empty name", false, 16, "\x00\x01\x00", 3, -1},
		{"alpn: empty list", false, 16, "\x00\x00", 2, -1},
		{"ems: not empty", false, 23, "\x00", 1, -1},
		{"reneg: good", false, 0xff01, "\x00", 1, 0},
		{"reneg: verify data", false, 0xff01, "\x02\xaa\xbb", 3, 0},
		{"reneg: empty", false, 0xff01, "", 0, -1},
		{"reneg: short", false, 0xff01, "\x03\xaa", 2, -1},
		{"unknown: anything", false, 0x1234, "\xff", 1, 0},
	};
	uint8_t random[32];
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	size_t i, exts;

	(void)state;
	memset(random, 0x44, sizeof(random));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		server_hello_head(b, 0x0303, cases[i].hrr ? hrr_random : random,
				  0, 0x1301);
		exts = open_len(b, 2);
		put_ext(b, cases[i].type, cases[i].data, cases[i].n);
		close_len(b, exts, 2);
		if (parse_sh_exact(b->b, b->n, &sh) != cases[i].rc)
			fail_msg("%s: expected %d", cases[i].what, cases[i].rc);
	}
	/* the same extension twice */
	server_hello_head(b, 0x0303, random, 0, 0x1301);
	exts = open_len(b, 2);
	put_ext(b, 23, "", 0);
	put_ext(b, 23, "", 0);
	close_len(b, exts, 2);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	/* a session id of 33 bytes */
	server_hello_head(b, 0x0303, random, 33, 0x1301);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	/* a block longer than the hello, and a byte after it */
	server_hello_head(b, 0x0303, random, 0, 0x1301);
	put16(b, 5);
	put_ext(b, 23, "", 0);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	server_hello_head(b, 0x0303, random, 0, 0x1301);
	put16(b, 4);
	put_ext(b, 23, "", 0);
	put8(b, 0);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	/* an extension longer than the block */
	server_hello_head(b, 0x0303, random, 0, 0x1301);
	put16(b, 4);
	put16(b, 0xff01);
	put16(b, 1);
	assert_int_equal(parse_sh_exact(b->b, b->n, &sh), -1);
	assert_int_equal(tp_wire_parse_server_hello(NULL, 40, &sh), -1);
	free(b);
}

static int parse_kx_exact(const uint8_t *body, size_t len, bool dhe,
			  bool tls12, struct tp_wire_server_kx *kx)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, body, len);
	rc = tp_wire_parse_server_kx(copy, len, dhe, tls12, kx);
	free(copy);
	return rc;
}

/* Every prefix is refused, but the one ending after the parameters (an
 * anonymous suite's whole message). */
static void assert_kx_prefixes(const struct buf *b, size_t params, bool dhe,
			       bool tls12)
{
	struct tp_wire_server_kx kx;
	size_t k;
	int rc;

	for (k = 0; k < b->n; k++) {
		rc = parse_kx_exact(b->b, k, dhe, tls12, &kx);
		if (rc != (k == params ? 0 : -1))
			fail_msg("prefix of %zu of %zu bytes: %d", k, b->n, rc);
	}
}

static void put_signature(struct buf *b, bool tls12, unsigned alg)
{
	size_t at;

	if (tls12)
		put16(b, alg);
	at = open_len(b, 2);
	memset(b->b + b->n, 0x51, 256);
	b->n += 256;
	close_len(b, at, 2);
}

static void test_wire_server_kx_ecdhe(void **state)
{
	uint8_t point[65];
	struct tp_wire_server_kx kx;
	struct buf *b = malloc(sizeof(*b));
	size_t params;

	(void)state;
	memset(point, 0x04, sizeof(point));
	/* TLS 1.2: x25519, then rsa_pss_rsae_sha256 */
	b->n = 0;
	put8(b, 3);
	put16(b, 0x001d);
	put8(b, 32);
	putn(b, point, 32);
	params = b->n;
	put_signature(b, true, 0x0804);
	assert_int_equal(parse_kx_exact(b->b, b->n, false, true, &kx), 0);
	assert_true(kx.ecdhe);
	assert_false(kx.dhe);
	assert_int_equal(kx.group, 0x001d);
	assert_int_equal(kx.sig_alg, 0x0804);
	assert_kx_prefixes(b, params, false, true);
	/* read as TLS 1.0, the algorithm is taken for a signature length */
	assert_int_equal(parse_kx_exact(b->b, b->n, false, false, &kx), -1);
	/* and as DHE, nonsense */
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), -1);
	/* TLS 1.0: secp256r1, a bare signature */
	b->n = 0;
	put8(b, 3);
	put16(b, 0x0017);
	put8(b, 65);
	putn(b, point, 65);
	params = b->n;
	put_signature(b, false, 0);
	assert_int_equal(parse_kx_exact(b->b, b->n, false, false, &kx), 0);
	assert_int_equal(kx.group, 0x0017);
	assert_int_equal(kx.sig_alg, 0);
	assert_kx_prefixes(b, params, false, false);
	/* anonymous: the parameters alone, in TLS 1.2 too */
	b->n = params;
	assert_int_equal(parse_kx_exact(b->b, b->n, false, true, &kx), 0);
	assert_int_equal(kx.sig_alg, 0);
	/* explicit curves are not read */
	b->b[0] = 1;
	assert_int_equal(parse_kx_exact(b->b, b->n, false, true, &kx), -1);
	/* an empty point */
	b->n = 0;
	put8(b, 3);
	put16(b, 0x0017);
	put8(b, 0);
	assert_int_equal(parse_kx_exact(b->b, b->n, false, true, &kx), -1);
	assert_int_equal(tp_wire_parse_server_kx(NULL, 4, false, true, &kx),
			 -1);
	free(b);
}

/* DH parameters of p_len bytes, the first p_top, with g = 2. */
static size_t dh_params(struct buf *b, size_t p_len, uint8_t p_top)
{
	b->n = 0;
	put16(b, (unsigned)p_len);
	memset(b->b + b->n, 0xff, p_len);
	if (p_len > 0)
		b->b[b->n] = p_top;
	b->n += p_len;
	put16(b, 1);
	put8(b, 2);
	put16(b, 128);
	memset(b->b + b->n, 0x33, 128);
	b->n += 128;
	return b->n;
}

static void test_wire_server_kx_dhe(void **state)
{
	struct tp_wire_server_kx kx;
	struct buf *b = malloc(sizeof(*b));
	size_t params;

	(void)state;
	params = dh_params(b, 256, 0x80);
	put_signature(b, true, 0x0401);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), 0);
	assert_true(kx.dhe);
	assert_false(kx.ecdhe);
	assert_int_equal(kx.dh_bits, 2048);
	assert_int_equal(kx.sig_alg, 0x0401);
	assert_kx_prefixes(b, params, true, true);
	/* a leading zero byte does not count */
	params = dh_params(b, 129, 0x00);
	b->b[3] = 0x7f;
	put_signature(b, false, 0);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, false, &kx), 0);
	assert_int_equal(kx.dh_bits, 1023);
	assert_int_equal(kx.sig_alg, 0);
	assert_kx_prefixes(b, params, true, false);
	/* p = 1: one bit */
	dh_params(b, 1, 0x01);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), 0);
	assert_int_equal(kx.dh_bits, 1);
	/* p = 0, and an empty p */
	dh_params(b, 4, 0x00);
	memset(b->b + 2, 0, 4);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), -1);
	dh_params(b, 0, 0);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), -1);
	/* an empty g */
	b->n = 0;
	put16(b, 1);
	put8(b, 0xfb);
	put16(b, 0);
	put16(b, 1);
	put8(b, 2);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), -1);
	/* a byte after the signature */
	dh_params(b, 64, 0xc0);
	put_signature(b, true, 0x0601);
	put8(b, 0);
	assert_int_equal(parse_kx_exact(b->b, b->n, true, true, &kx), -1);
	free(b);
}

static int parse_cert_exact(const uint8_t *body, size_t len,
			    const uint8_t **der, size_t *der_len, size_t max)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, body, len);
	rc = tp_wire_parse_certificate(copy, len, der, der_len, max);
	/* the blobs point into the copy: compare them before it goes */
	if (rc > 0 && max > 0)
		der[0] = der[0] - copy + body;
	if (rc > 1 && max > 1)
		der[1] = der[1] - copy + body;
	free(copy);
	return rc;
}

static void test_wire_certificate(void **state)
{
	struct buf *b = malloc(sizeof(*b));
	const uint8_t *der[2];
	size_t der_len[2], list, k;

	(void)state;
	b->n = 0;
	list = b->n;
	put8(b, 0);
	put16(b, 0);
	put8(b, 0);
	put16(b, 300);
	memset(b->b + b->n, 0x30, 300);
	b->n += 300;
	put8(b, 0);
	put16(b, 5);
	putn(b, "\x30\x03\x02\x01\x05", 5);
	put8(b, 0);
	put16(b, 1);
	put8(b, 0x30);
	b->b[list + 1] = (uint8_t)((b->n - 3) >> 8);
	b->b[list + 2] = (uint8_t)(b->n - 3);
	assert_int_equal(parse_cert_exact(b->b, b->n, der, der_len, 2), 3);
	assert_ptr_equal(der[0], b->b + 6);
	assert_int_equal(der_len[0], 300);
	assert_ptr_equal(der[1], b->b + 6 + 300 + 3);
	assert_int_equal(der_len[1], 5);
	/* only the first kept */
	der[1] = NULL;
	assert_int_equal(parse_cert_exact(b->b, b->n, der, der_len, 1), 3);
	assert_null(der[1]);
	/* counted, none kept */
	assert_int_equal(tp_wire_parse_certificate(b->b, b->n, NULL, NULL, 0),
			 3);
	/* every prefix refused */
	for (k = 0; k < b->n; k++)
		if (parse_cert_exact(b->b, k, der, der_len, 2) != -1)
			fail_msg("prefix of %zu of %zu bytes", k, b->n);
	/* a byte after the list */
	put8(b, 0);
	assert_int_equal(parse_cert_exact(b->b, b->n, der, der_len, 2), -1);
	/* an empty list */
	assert_int_equal(parse_cert_exact((const uint8_t *)"\0\0\0", 3, der,
					  der_len, 2), 0);
	/* an empty certificate */
	assert_int_equal(parse_cert_exact((const uint8_t *)"\0\0\3\0\0\0", 6,
					  der, der_len, 2), -1);
	/* a certificate longer than the list */
	assert_int_equal(parse_cert_exact((const uint8_t *)"\0\0\4\0\0\2\x30",
					  7, der, der_len, 2), -1);
	assert_int_equal(tp_wire_parse_certificate(NULL, 3, der, der_len, 2),
			 -1);
	free(b);
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
		cmocka_unit_test(test_wire_ec_point_formats),
		cmocka_unit_test(test_wire_sni_too_long),
		cmocka_unit_test(test_wire_grease),
		cmocka_unit_test(test_wire_record_and_handshake),
		cmocka_unit_test(test_wire_build_tls13),
		cmocka_unit_test(test_wire_build_tls13_empty_share),
		cmocka_unit_test(test_wire_build_versions),
		cmocka_unit_test(test_wire_build_no_extensions),
		cmocka_unit_test(test_wire_build_attack_options),
		cmocka_unit_test(test_wire_build_padding),
		cmocka_unit_test(test_wire_build_split),
		cmocka_unit_test(test_wire_build_short_buffer),
		cmocka_unit_test(test_wire_build_invalid),
		cmocka_unit_test(test_wire_reader_flight),
		cmocka_unit_test(test_wire_reader_big_message),
		cmocka_unit_test(test_wire_reader_long_certificate),
		cmocka_unit_test(test_wire_reader_longest_header),
		cmocka_unit_test(test_wire_reader_built_hello),
		cmocka_unit_test(test_wire_reader_cases),
		cmocka_unit_test(test_wire_reader_sticky),
		cmocka_unit_test(test_wire_reader_other_payload),
		cmocka_unit_test(test_wire_server_hello_tls12),
		cmocka_unit_test(test_wire_server_hello_no_extensions),
		cmocka_unit_test(test_wire_server_hello_tls13),
		cmocka_unit_test(test_wire_hello_retry_request),
		cmocka_unit_test(test_wire_server_hello_malformed),
		cmocka_unit_test(test_wire_server_hello_fault),
		cmocka_unit_test(test_wire_server_kx_ecdhe),
		cmocka_unit_test(test_wire_server_kx_dhe),
		cmocka_unit_test(test_wire_certificate),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
