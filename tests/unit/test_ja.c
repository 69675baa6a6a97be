/*
 * Unit tests of ja.c: the published examples of the JA3 README and of
 * FoxIO's JA4 technical details, rebuilt as hellos and parsed;
 * the corners (GREASE, no SNI, no ALPN, counts over 99, versions); and
 * hellos of OpenSSL, GnuTLS and curl captured on loopback, with the
 * fingerprints Wireshark 4.0 and FoxIO's ja4.py gave for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ja.h"
#include "wire.h"

/* ---- building hellos byte by byte ---- */

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct buf *b, unsigned v)
{
	assert_true(b->n < sizeof(b->b));
	b->b[b->n++] = (uint8_t)v;
}

static void put16(struct buf *b, unsigned v)
{
	put8(b, (v >> 8) & 0xff);
	put8(b, v & 0xff);
}

static void putn(struct buf *b, const void *p, size_t n)
{
	assert_true(n <= sizeof(b->b) - b->n);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static size_t open_len(struct buf *b, int size)
{
	size_t at = b->n;

	b->n += (size_t)size;
	return at;
}

static void close_len(struct buf *b, size_t at, int size)
{
	size_t n = b->n - at - (size_t)size;

	if (size == 1) {
		b->b[at] = (uint8_t)n;
	} else {
		b->b[at] = (uint8_t)(n >> 8);
		b->b[at + 1] = (uint8_t)n;
	}
}

/* A ClientHello body up to the extensions: version, random, no session
 * id, the suites, null compression. */
static void client_hello_head(struct buf *b, unsigned version,
			      const uint16_t *suites, size_t n_suites)
{
	uint8_t random[32];
	size_t i;

	memset(random, 0x42, sizeof(random));
	b->n = 0;
	put16(b, version);
	putn(b, random, sizeof(random));
	put8(b, 0);
	put16(b, (unsigned)(2 * n_suites));
	for (i = 0; i < n_suites; i++)
		put16(b, suites[i]);
	put8(b, 1);
	put8(b, 0);
}

static void put_ext(struct buf *b, unsigned type, const void *data, size_t n)
{
	put16(b, type);
	put16(b, (unsigned)n);
	putn(b, data, n);
}

/* An extension holding a 2-byte-length list of 16-bit values. */
static void put_ext16(struct buf *b, unsigned type, const uint16_t *v,
		      size_t n)
{
	size_t ext, list, i;

	put16(b, type);
	ext = open_len(b, 2);
	list = open_len(b, 2);
	for (i = 0; i < n; i++)
		put16(b, v[i]);
	close_len(b, list, 2);
	close_len(b, ext, 2);
}

static void put_sni(struct buf *b, const char *name)
{
	size_t ext, list;

	put16(b, TP_WIRE_EXT_SERVER_NAME);
	ext = open_len(b, 2);
	list = open_len(b, 2);
	put8(b, 0);
	put16(b, (unsigned)strlen(name));
	putn(b, name, strlen(name));
	close_len(b, list, 2);
	close_len(b, ext, 2);
}

static void put_alpn(struct buf *b, const char *const *names, size_t n)
{
	size_t ext, list, i;

	put16(b, TP_WIRE_EXT_ALPN);
	ext = open_len(b, 2);
	list = open_len(b, 2);
	for (i = 0; i < n; i++) {
		put8(b, (unsigned)strlen(names[i]));
		putn(b, names[i], strlen(names[i]));
	}
	close_len(b, list, 2);
	close_len(b, ext, 2);
}

static void parse_client(const struct buf *b, struct tp_wire_client_hello *ch)
{
	assert_int_equal(tp_wire_parse_client_hello(b->b, b->n, ch), 0);
}

static void parse_server(const struct buf *b, struct tp_wire_server_hello *sh)
{
	assert_int_equal(tp_wire_parse_server_hello(b->b, b->n, sh), 0);
}

/* ---- JA3 ---- */

static const uint16_t readme_suites[] = {
	47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4,
};

/*
 * The JA3 README's first example, "769,47-53-5-10-49161-49162-49171-
 * 49172-50-56-19-4,0-10-11,23-24-25,0": a TLS 1.0 hello with server_name,
 * supported_groups and ec_point_formats. grease puts a GREASE value in
 * front of each list, which JA3 leaves out.
 */
static void readme_hello(struct buf *b, bool grease)
{
	static const uint16_t groups[] = {0x2a2a, 23, 24, 25};
	uint16_t suites[1 + sizeof(readme_suites) / sizeof(readme_suites[0])];
	size_t n = sizeof(readme_suites) / sizeof(readme_suites[0]), exts;

	suites[0] = 0x0a0a;
	memcpy(suites + 1, readme_suites, sizeof(readme_suites));
	client_hello_head(b, 0x0301, grease ? suites : suites + 1,
			  grease ? n + 1 : n);
	exts = open_len(b, 2);
	if (grease)
		put_ext(b, 0x1a1a, "", 0);
	put_sni(b, "example.com");
	put_ext16(b, TP_WIRE_EXT_SUPPORTED_GROUPS, grease ? groups : groups + 1,
		  grease ? 4 : 3);
	put_ext(b, TP_WIRE_EXT_EC_POINT_FORMATS, "\x01\x00", 2);
	close_len(b, exts, 2);
}

static void test_ja_ja3_readme(void **state)
{
	static const uint16_t suites[] = {4, 5, 10, 9, 100, 98, 3, 6, 19, 18,
					  99};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	char ja3[TP_JA3_LEN + 1], full[512];

	(void)state;
	readme_hello(b, false);
	parse_client(b, ch);
	tp_ja3(ch, ja3, full, sizeof(full));
	assert_string_equal(full, "769,47-53-5-10-49161-49162-49171-49172-"
				  "50-56-19-4,0-10-11,23-24-25,0");
	assert_string_equal(ja3, "ada70206e40642a3e4461f35503241d5");
	/* the second example: no extensions, empty fields */
	client_hello_head(b, 0x0301, suites, sizeof(suites) / sizeof(suites[0]));
	parse_client(b, ch);
	tp_ja3(ch, ja3, full, sizeof(full));
	assert_string_equal(full, "769,4-5-10-9-100-98-3-6-19-18-99,,,");
	assert_string_equal(ja3, "de350869b8c85de67a350c8d186f11e6");
	free(b);
	free(ch);
}

static void test_ja_ja3_grease(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	char ja3[TP_JA3_LEN + 1], full[512];

	(void)state;
	readme_hello(b, true);
	parse_client(b, ch);
	assert_int_equal(ch->suites[0], 0x0a0a);
	assert_int_equal(ch->extensions[0], 0x1a1a);
	tp_ja3(ch, ja3, full, sizeof(full));
	assert_string_equal(full, "769,47-53-5-10-49161-49162-49171-49172-"
				  "50-56-19-4,0-10-11,23-24-25,0");
	assert_string_equal(ja3, "ada70206e40642a3e4461f35503241d5");
	free(b);
	free(ch);
}

/* The string is cut to the caller's buffer; the hash is of all of it. */
static void test_ja_ja3_full_short(void **state)
{
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	char ja3[TP_JA3_LEN + 1], full[10];

	(void)state;
	readme_hello(b, false);
	parse_client(b, ch);
	memset(full, 'x', sizeof(full));
	tp_ja3(ch, ja3, full, sizeof(full));
	assert_string_equal(full, "769,47-53");
	assert_string_equal(ja3, "ada70206e40642a3e4461f35503241d5");
	tp_ja3(ch, ja3, NULL, 0);
	assert_string_equal(ja3, "ada70206e40642a3e4461f35503241d5");
	tp_ja3(ch, ja3, full, 0);
	assert_int_equal(full[0], '7');
	free(b);
	free(ch);
}

/* ---- JA4 ---- */

/*
 * The hello of FoxIO's JA4 example: 15 suites, 16 extensions in the
 * order "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,
 * ff01,000b,000a,0015", 8 signature algorithms, ALPN h2 first, plus
 * GREASE in the suites, the extensions, the versions, the groups and
 * the signature algorithms. Without sni, alpn: those extensions left
 * out; without sig_algs: an empty signature_algorithms list.
 */
static void spec_hello(struct buf *b, bool sni, bool alpn, bool sig_algs)
{
	static const uint16_t suites[] = {
		0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
		0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
		0x002f, 0x0035,
	};
	static const uint16_t algs[] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
		0x0a0a,
	};
	static const uint16_t groups[] = {0x4a4a, 0x001d, 0x0017, 0x0018};
	static const char *const protos[] = {"h2", "http/1.1"};
	uint8_t zeros[32] = {0};
	size_t exts;

	client_hello_head(b, 0x0303, suites, sizeof(suites) / sizeof(suites[0]));
	exts = open_len(b, 2);
	put_ext(b, 0x0a0a, "", 0);
	put_ext(b, 0x001b, "\x02\x00\x02", 3);
	if (sni)
		put_sni(b, "example.com");
	put_ext(b, TP_WIRE_EXT_KEY_SHARE, "\x00\x05\x00\x1d\x00\x01\x01", 7);
	if (alpn)
		put_alpn(b, protos, 2);
	put_ext(b, 0x4469, "\x00\x03\x02h2", 5);
	put_ext(b, 0x0017, "", 0);
	put_ext(b, 0x002d, "\x01\x01", 2);
	put_ext16(b, TP_WIRE_EXT_SIGNATURE_ALGORITHMS, algs,
		  sig_algs ? sizeof(algs) / sizeof(algs[0]) : 0);
	put_ext(b, 0x0005, "\x01\x00\x00\x00\x00", 5);
	put_ext(b, 0x0023, "", 0);
	put_ext(b, 0x0012, "", 0);
	put_ext(b, TP_WIRE_EXT_SUPPORTED_VERSIONS,
		"\x06\x5a\x5a\x03\x04\x03\x03", 7);
	put_ext(b, 0xff01, "\x00", 1);
	put_ext(b, TP_WIRE_EXT_EC_POINT_FORMATS, "\x01\x00", 2);
	put_ext16(b, TP_WIRE_EXT_SUPPORTED_GROUPS, groups, 4);
	put_ext(b, 0xfafa, "\x00", 1);
	put_ext(b, 0x0015, zeros, sizeof(zeros));
	close_len(b, exts, 2);
}

static void test_ja_ja4_spec(void **state)
{
	static const struct {
		bool sni, alpn, sig_algs;
		const char *ja4;
	} cases[] = {
		{true, true, true, "t13d1516h2_8daaf6152771_e5627efa2ab1"},
		/* the same application to an address: only a changes */
		{false, true, true, "t13i1515h2_8daaf6152771_e5627efa2ab1"},
		{true, false, true, "t13d151500_8daaf6152771_e5627efa2ab1"},
		{false, false, true, "t13i151400_8daaf6152771_e5627efa2ab1"},
		/* the spec's hash of the list without "_" and algorithms */
		{true, true, false, "t13d1516h2_8daaf6152771_6d807ffa2a79"},
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	char ja4[TP_JA4_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spec_hello(b, cases[i].sni, cases[i].alpn, cases[i].sig_algs);
		parse_client(b, ch);
		tp_ja4(ch, false, ja4);
		if (strcmp(ja4, cases[i].ja4) != 0)
			fail_msg("case %zu: %s, expected %s", i, ja4,
				 cases[i].ja4);
	}
	spec_hello(b, true, true, true);
	parse_client(b, ch);
	tp_ja4(ch, true, ja4);
	assert_string_equal(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
	free(b);
	free(ch);
}

/* The first and last characters of the first ALPN name, or of its hex
 * when either is not a letter or a digit (the spec's examples). */
static void test_ja_ja4_alpn(void **state)
{
	static const struct {
		const char *name;
		size_t len;
		const char *want;
	} cases[] = {
		{"h2", 2, "h2"},
		{"http/1.1", 8, "h1"},
		{"h", 1, "hh"},
		{"\xab", 1, "ab"},
		{"\xab\xcd", 2, "ad"},
		{"\x30\xab", 2, "3b"},
		{"\x30\x31\xab\xcd", 4, "3d"},
		{"\x30\xab\xcd\x31", 4, "01"},
		{"/x", 2, "28"},
		{"", 0, "00"},
	};
	struct tp_wire_client_hello *ch = calloc(1, sizeof(*ch));
	char ja4[TP_JA4_LEN + 1];
	size_t i;

	(void)state;
	ch->legacy_version = 0x0303;
	ch->suites[0] = 0x002f;
	ch->n_suites = ch->suites_total = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(ch->alpn[0], cases[i].name, cases[i].len);
		ch->alpn_len[0] = (uint8_t)cases[i].len;
		ch->n_alpn = ch->alpn_total = cases[i].len > 0;
		tp_ja4(ch, false, ja4);
		if (strncmp(ja4 + 8, cases[i].want, 2) != 0)
			fail_msg("alpn case %zu: %s, expected %s", i, ja4,
				 cases[i].want);
	}
	free(ch);
}

/* Counts leave GREASE out and stop at 99. */
static void test_ja_ja4_counts(void **state)
{
	static const struct {
		size_t real, grease;
		const char *prefix;
	} cases[] = {
		{120, 0, "t12i99"},
		{100, 20, "t12i99"},
		{99, 0, "t12i99"},
		{98, 16, "t12i98"},
		{5, 2, "t12i05"},
	};
	static const uint16_t algs[] = {0x0403, 0x0804};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	uint16_t suites[TP_WIRE_MAX_SUITES];
	uint8_t out[2048];
	struct tp_wire_hello_opts o;
	const uint8_t *msg, *body;
	size_t msg_len, body_len, len, i, k, n;
	char ja4[TP_JA4_LEN + 1];
	uint8_t type;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 0;
		for (k = 0; k < cases[i].grease; k++)
			suites[n++] = (uint16_t)(0x0a0a + 0x1010 * (k % 16));
		for (k = 0; k < cases[i].real; k++)
			suites[n++] = (uint16_t)(0x0001 + k);
		memset(&o, 0, sizeof(o));
		o.version = 0x0303;
		o.suites = suites;
		o.n_suites = n;
		o.sig_algs = algs;
		o.n_sig_algs = 2;
		len = tp_wire_build_client_hello(&o, out, sizeof(out));
		assert_true(len > 0);
		assert_int_equal(tp_wire_record(out, len, &msg, &msg_len), 0);
		assert_int_equal(tp_wire_handshake(msg, msg_len, &type, &body,
						   &body_len), 0);
		assert_int_equal(tp_wire_parse_client_hello(body, body_len, ch),
				 0);
		tp_ja4(ch, false, ja4);
		if (strncmp(ja4, cases[i].prefix, 6) != 0)
			fail_msg("%zu suites, %zu GREASE: %s, expected %s...",
				 cases[i].real, cases[i].grease, ja4,
				 cases[i].prefix);
		/* signature_algorithms, extended_master_secret,
		 * renegotiation_info, and padding when the hello is short */
		assert_true(strncmp(ja4 + 6, "03", 2) == 0 ||
			    strncmp(ja4 + 6, "04", 2) == 0);
		assert_int_equal(strlen(ja4), TP_JA4_LEN);
	}
	free(ch);
}

/* The version: the highest of supported_versions but GREASE, else the
 * hello's own. */
static void test_ja_ja4_version(void **state)
{
	static const uint16_t v_mixed[] = {0x0a0a, 0x0302, 0x0304, 0x0303};
	static const uint16_t v_12[] = {0x0303, 0x0302};
	static const uint16_t v_draft[] = {0x7f1c};
	static const uint16_t v_grease[] = {0x0a0a};
	static const struct {
		uint16_t version;
		const uint16_t *versions;
		size_t n;
		const char *prefix;
	} cases[] = {
		{0x0304, NULL, 0, "t13"},
		{0x0304, v_mixed, 4, "t13"},
		{0x0304, v_12, 2, "t12"},
		{0x0304, v_draft, 1, "t00"},
		{0x0304, v_grease, 1, "t12"},  /* legacy_version 0x0303 */
		{0x0303, NULL, 0, "t12"},
		{0x0302, NULL, 0, "t11"},
		{0x0301, NULL, 0, "t10"},
		{0x0300, NULL, 0, "ts3"},
	};
	static const uint16_t suites[] = {0x1301, 0xc02f, 0x002f};
	static const uint8_t key[32] = {9};
	static const struct tp_wire_share share = {0x001d, key, 32};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct tp_wire_hello_opts o;
	uint8_t out[2048];
	const uint8_t *msg, *body;
	size_t msg_len, body_len, len, i;
	char ja4[TP_JA4_LEN + 1];
	uint8_t type;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.version = cases[i].version;
		o.versions = cases[i].versions;
		o.n_versions = cases[i].n;
		o.suites = suites;
		o.n_suites = 3;
		o.shares = &share;
		o.n_shares = 1;
		o.sni = "example.com";
		len = tp_wire_build_client_hello(&o, out, sizeof(out));
		assert_true(len > 0);
		assert_int_equal(tp_wire_record(out, len, &msg, &msg_len), 0);
		assert_int_equal(tp_wire_handshake(msg, msg_len, &type, &body,
						   &body_len), 0);
		assert_int_equal(tp_wire_parse_client_hello(body, body_len, ch),
				 0);
		tp_ja4(ch, false, ja4);
		if (strncmp(ja4, cases[i].prefix, 3) != 0 || ja4[3] != 'd')
			fail_msg("case %zu: %s, expected %s...", i, ja4,
				 cases[i].prefix);
	}
	free(ch);
}

/* Lists left empty hash to twelve zeros. */
static void test_ja_ja4_empty(void **state)
{
	static const uint16_t grease_only[] = {0x0a0a, 0x1a1a};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct buf *b = malloc(sizeof(*b));
	char ja4[TP_JA4_LEN + 1], ja3[TP_JA3_LEN + 1], full[64];
	size_t exts;

	(void)state;
	client_hello_head(b, 0x0301, grease_only, 2);
	parse_client(b, ch);
	tp_ja4(ch, false, ja4);
	assert_string_equal(ja4, "t10i000000_000000000000_000000000000");
	tp_ja3(ch, ja3, full, sizeof(full));
	assert_string_equal(full, "769,,,,");
	/* only SNI and ALPN: counted, but nothing to hash */
	exts = open_len(b, 2);
	put_sni(b, "example.com");
	put_alpn(b, (const char *const[]){"http/1.1"}, 1);
	close_len(b, exts, 2);
	parse_client(b, ch);
	tp_ja4(ch, false, ja4);
	assert_string_equal(ja4, "t10d0002h1_000000000000_000000000000");
	free(b);
	free(ch);
}

/* ---- JA3S ---- */

static void server_hello_head(struct buf *b, unsigned version,
			      unsigned suite)
{
	uint8_t random[32];

	memset(random, 0x17, sizeof(random));
	b->n = 0;
	put16(b, version);
	putn(b, random, sizeof(random));
	put8(b, 0);
	put16(b, suite);
	put8(b, 0);
}

/* TLS 1.2, c030, extensions 0005,0017,ff01,0000, in the order sent. */
static void test_ja_ja3s_tls12(void **state)
{
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	char ja3s[TP_JA3_LEN + 1], full[64];
	size_t exts;

	(void)state;
	server_hello_head(b, 0x0303, 0xc030);
	exts = open_len(b, 2);
	put_ext(b, 0x0005, "", 0);
	put_ext(b, 0x0017, "", 0);
	put_ext(b, 0xff01, "\x00", 1);
	put_ext(b, 0x0000, "", 0);
	close_len(b, exts, 2);
	parse_server(b, &sh);
	tp_ja3s(&sh, ja3s, full, sizeof(full));
	assert_string_equal(full, "771,49200,5-23-65281-0");
	assert_string_equal(ja3s, "7d8fd34fdb13a7fff30d5a52846b6c4c");
	/* no extensions at all */
	server_hello_head(b, 0x0301, 0x002f);
	parse_server(b, &sh);
	tp_ja3s(&sh, ja3s, full, sizeof(full));
	assert_string_equal(full, "769,47,");
	free(b);
}

/* TLS 1.3: the version of supported_versions, not the legacy one that
 * JA3S keeps; the ALPN name chosen. */
static void test_ja_ja3s_tls13(void **state)
{
	struct tp_wire_server_hello sh;
	struct buf *b = malloc(sizeof(*b));
	char ja3s[TP_JA3_LEN + 1], full[64];
	uint8_t share[4 + 32] = {0x00, 0x1d, 0x00, 0x20, 1};
	size_t exts;

	(void)state;
	server_hello_head(b, 0x0303, 0x1301);
	exts = open_len(b, 2);
	put_ext(b, TP_WIRE_EXT_SUPPORTED_VERSIONS, "\x03\x04", 2);
	put_ext(b, TP_WIRE_EXT_KEY_SHARE, share, sizeof(share));
	put_ext(b, TP_WIRE_EXT_ALPN, "\x00\x03\x02h2", 5);
	close_len(b, exts, 2);
	parse_server(b, &sh);
	tp_ja3s(&sh, ja3s, full, sizeof(full));
	assert_string_equal(full, "771,4865,43-51-16");
	assert_string_equal(ja3s, "b5d161dc269619705eba4f0e4a32116c");
	free(b);
}

/* ---- hellos captured on loopback ---- */

/*
 * Handshake bodies from one capture against "openssl s_server -www":
 * "openssl s_client -alpn h2,http/1.1 -servername localhost" (OpenSSL
 * 3.0), "gnutls-cli --alpn h2 --priority NORMAL:-VERS-TLS1.3 localhost"
 * (GnuTLS 3.7.9) and the server's answer to it, and "curl -k
 * --http1.1 https://localhost:PORT/" (curl 7.88). Expected values: the
 * tls.handshake.ja3_full, ja3, ja3s_full and ja3s fields of tshark 4.0
 * and the JA4 of FoxIO's python/ja4.py on the same capture.
 */
static const char openssl_tls13[] =
	"030360bfa16d348560da4db1cc1321910479a736b952a9deb3509358cd3f1a18"
	"3b3620867cb9b6295ac29d7e722cb10d4a7b147b91a621dc26272635d4fc90d9"
	"17b561003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c0"
	"28006bc023c0270067c00ac0140039c009c0130033009d009c003d003c003500"
	"2f00ff010000bd0000000e000c0000096c6f63616c686f7374000b0004030001"
	"02000a00160014001d0017001e00190018010001010102010301040023000000"
	"10000e000c02683208687474702f312e310016000000170000000d002a002804"
	"0305030603080708080809080a080b0804080508060401050106010303030103"
	"02040205020602002b0009080304030303020301002d00020101003300260024"
	"001d00206d8feeaa53b468f0ca45b4b0939f820d11724a4dbb09351bb12b7b19"
	"6861ce74";

static const char gnutls_tls12[] =
	"0303d5317b345415ccaf1acd09d100e7b00a85dedf6ba104b7fa4cc051e83713"
	"2cde000032c02ccca9c0adc00ac02bc0acc009c030cca8c014c02fc013009dc0"
	"9d0035009cc09c002f009fccaac09f0039009ec09e0033010000810005000501"
	"00000000000a00160014001700180019001d001e01000101010201030104000b"
	"00020100000d00220020040108090804040308070501080a0805050308080601"
	"080b0806060302010203001000050003026832001600000017000000230000ff"
	"010001000000000e000c0000096c6f63616c686f7374001c00024000";

static const char gnutls_tls12_answer[] =
	"03038c667aea7fd4faf1cc675da029ecec040fef19e4ba501328444f574e4752"
	"440100c02c00001eff01000100000b0004030001020023000000100005000302"
	"683200170000";

static const char curl_tls13[] =
	"030399abeb955e280abd2a021a7800fcb34537708ca14ef40b5e6526c529a917"
	"5484202cfc40eab82a90a400869e011179f43043e0a2b7f6639be0dca090bf24"
	"115a2f003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c0"
	"28006bc023c0270067c00ac0140039c009c0130033009d009c003d003c003500"
	"2f00ff010001750000000e000c0000096c6f63616c686f7374000b0004030001"
	"02000a00160014001d0017001e00190018010001010102010301040010000b00"
	"0908687474702f312e31001600000017000000310000000d002a002804030503"
	"0603080708080809080a080b0804080508060401050106010303030103020402"
	"05020602002b0009080304030303020301002d00020101003300260024001d00"
	"2086361a6bf79572cb34f92d488a9de46e730043da8fe277b0658153908578b8"
	"1b001500b7000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void test_ja_captured(void **state)
{
	static const struct {
		const char *body, *ja3_full, *ja3, *ja4;
	} clients[] = {
		{openssl_tls13,
		 "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-"
		 "49199-158-49188-49192-107-49187-49191-103-49162-49172-57-"
		 "49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-"
		 "13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2",
		 "5a1edc7f170af1014fc65c994878e63c",
		 "t13d3111h2_e8f1e7e78f70_1f22a2ca17c4"},
		{gnutls_tls12,
		 "771,49196-52393-49325-49162-49195-49324-49161-49200-52392-"
		 "49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-"
		 "57-158-49310-51,5-10-11-13-16-22-23-35-65281-0-28,23-24-25-"
		 "29-30-256-257-258-259-260,0",
		 "95fa2217eea22160c27e622fa966aeea",
		 "t12d2511h2_7415a186c913_577ffa9d9a5c"},
		{curl_tls13,
		 "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-"
		 "49199-158-49188-49192-107-49187-49191-103-49162-49172-57-"
		 "49161-49171-51-157-156-61-60-53-47-255,0-11-10-16-22-23-49-"
		 "13-43-45-51-21,29-23-30-25-24-256-257-258-259-260,0-1-2",
		 "0149f47eabf9a20d0893e2a44e5a6323",
		 "t13d3112h1_e8f1e7e78f70_b26ce05bbdd6"},
	};
	struct tp_wire_client_hello *ch = malloc(sizeof(*ch));
	struct tp_wire_server_hello sh;
	char ja3[TP_JA3_LEN + 1], ja4[TP_JA4_LEN + 1], full[1024];
	uint8_t body[1024];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
		n = unhex(clients[i].body, body, sizeof(body));
		assert_int_equal(tp_wire_parse_client_hello(body, n, ch), 0);
		tp_ja3(ch, ja3, full, sizeof(full));
		tp_ja4(ch, false, ja4);
		assert_string_equal(full, clients[i].ja3_full);
		assert_string_equal(ja3, clients[i].ja3);
		assert_string_equal(ja4, clients[i].ja4);
	}
	n = unhex(gnutls_tls12_answer, body, sizeof(body));
	assert_int_equal(tp_wire_parse_server_hello(body, n, &sh), 0);
	tp_ja3s(&sh, ja3, full, sizeof(full));
	assert_string_equal(full, "771,49196,65281-11-35-16-23");
	assert_string_equal(ja3, "e195432758194ce2d482396b82e0d48e");
	free(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ja_ja3_readme),
		cmocka_unit_test(test_ja_ja3_grease),
		cmocka_unit_test(test_ja_ja3_full_short),
		cmocka_unit_test(test_ja_ja4_spec),
		cmocka_unit_test(test_ja_ja4_alpn),
		cmocka_unit_test(test_ja_ja4_counts),
		cmocka_unit_test(test_ja_ja4_version),
		cmocka_unit_test(test_ja_ja4_empty),
		cmocka_unit_test(test_ja_ja3s_tls12),
		cmocka_unit_test(test_ja_ja3s_tls13),
		cmocka_unit_test(test_ja_captured),
	};

	return cmocka_run_group_tests_name("ja", tests, NULL, NULL);
}
