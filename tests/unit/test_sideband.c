/*
 * Unit tests of sideband.c: every message survives a round trip through
 * its builder and the parser, and every way a hostile or broken line can
 * be wrong is refused with a usage error, never half-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sideband.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"

/* A hello line as a peer would write it, with one field replaced. */
#define HELLO_FMT                                                          \
	"TLSPROBE/1 {\"type\":\"hello\",\"version\":%s,\"unique_id\":%s,"  \
	"\"local\":%s,\"dialled\":%s,\"token\":%s}\n"

static char *hello_with(const char *version, const char *id,
			const char *local, const char *dialled,
			const char *token)
{
	char *line = NULL;

	assert_true(asprintf(&line, HELLO_FMT,
			     version ? version : "\"0.1.0\"",
			     id ? id : "\"" ID_A "\"",
			     local ? local : "\"100.64.0.2:42746\"",
			     dialled ? dialled : "\"203.0.113.2:4433\"",
			     token ? token : "\"" HEX64 "\"") > 0);
	return line;
}

/* Parses line expecting any message; returns the type or NULL. */
static const char *parse_any(const char *line, size_t len,
			     struct tp_error *err)
{
	static struct tp_sb_hello h;
	static struct tp_sb_welcome w;
	static struct tp_sb_inside_reply ir;

	tp_error_clear(err);
	return tp_sb_parse(line, len, &h, &w, &ir, err);
}

/* The line is refused, with a usage error that says why. */
static void assert_refused(const char *line, size_t len, const char *why)
{
	struct tp_error err;
	const char *type = parse_any(line, len, &err);

	if (type != NULL)
		fail_msg("accepted as '%s' (%s): %.200s", type, why, line);
	if (getenv("SB_DEBUG"))
		print_message("# %s: %s\n", why, err.message);
	if (err.kind != TP_ERR_USAGE)
		fail_msg("error kind %d, not TP_ERR_USAGE (%s)", err.kind, why);
	assert_true(strlen(err.message) > 0);
	/* the message itself never carries raw control characters */
	for (const char *p = err.message; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("raw control character in '%s'", err.message);
}

static void assert_refused_str(const char *line, const char *why)
{
	assert_refused(line, strlen(line), why);
}

/* ---- tokens ---- */

static void test_sideband_token(void **state)
{
	unsigned char a[TP_SB_TOKEN_LEN], b[TP_SB_TOKEN_LEN], r[32];
	unsigned char zero[TP_SB_TOKEN_LEN] = {0};
	/* SHA-256 of 32 zero bytes */
	static const unsigned char want[32] = {
		0x66, 0x68, 0x7a, 0xad, 0xf8, 0x62, 0xbd, 0x77, 0x6c, 0x8f,
		0xc1, 0x8b, 0x8e, 0x9f, 0x8e, 0x20, 0x08, 0x97, 0x14, 0x85,
		0x6e, 0xe2, 0x33, 0xb3, 0x90, 0x2a, 0x59, 0x1d, 0x0d, 0x5f,
		0x29, 0x25,
	};

	(void)state;
	assert_int_equal(tp_sb_token_new(a), 0);
	assert_int_equal(tp_sb_token_new(b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	tp_sb_client_random(zero, r);
	assert_memory_equal(r, want, 32);
}

/* ---- round trips ---- */

static void test_sideband_hello_round_trip(void **state)
{
	struct tp_sb_hello h = {0}, back;
	struct tp_error err = {0};
	char *line;
	size_t i;

	(void)state;
	snprintf(h.unique_id, sizeof(h.unique_id), ID_A);
	snprintf(h.local, sizeof(h.local), "100.64.0.2:42746");
	snprintf(h.dialled, sizeof(h.dialled), "[2001:db8::1]:4433");
	for (i = 0; i < TP_SB_TOKEN_LEN; i++)
		h.token[i] = (unsigned char)(i * 7 + 1);
	line = tp_sb_hello_line(&h);
	assert_non_null(line);
	assert_memory_equal(line, TP_SB_MAGIC, TP_SB_MAGIC_LEN);
	assert_int_equal(line[strlen(line) - 1], '\n');
	/* compact JSON: no space after the magic's own */
	assert_null(strchr(line + TP_SB_MAGIC_LEN, ' '));
	assert_string_equal(tp_sb_parse(line, strlen(line), &back, NULL, NULL,
					&err), "hello");
	assert_string_equal(back.version, TP_VERSION);
	assert_string_equal(back.unique_id, ID_A);
	assert_string_equal(back.local, "100.64.0.2:42746");
	assert_string_equal(back.dialled, "[2001:db8::1]:4433");
	assert_memory_equal(back.token, h.token, TP_SB_TOKEN_LEN);
	/* without its newline too */
	assert_string_equal(tp_sb_parse(line, strlen(line) - 1, &back, NULL,
					NULL, &err), "hello");
	free(line);

	/* no unique ID: null on the wire, "" after */
	h.unique_id[0] = '\0';
	line = tp_sb_hello_line(&h);
	assert_non_null(strstr(line, "\"unique_id\":null"));
	assert_string_equal(tp_sb_parse(line, strlen(line), &back, NULL, NULL,
					&err), "hello");
	assert_string_equal(back.unique_id, "");
	free(line);
}

static void test_sideband_inside_round_trip(void **state)
{
	struct tp_error err = {0};
	char *line = tp_sb_inside_line();

	(void)state;
	assert_non_null(line);
	assert_string_equal(line, "TLSPROBE/1 {\"type\":\"inside\",\"version\":\""
			    TP_VERSION "\"}\n");
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, NULL, NULL,
					&err), "inside");
	free(line);
}

static void test_sideband_inside_reply_round_trip(void **state)
{
	struct tp_sb_inside_reply r = {0}, back;
	struct tp_error err = {0};
	char *line;

	(void)state;
	snprintf(r.unique_id, sizeof(r.unique_id), ID_A);
	snprintf(r.seen_from, sizeof(r.seen_from), "203.0.113.1:42746");
	snprintf(r.server_local, sizeof(r.server_local), "10.0.0.2:4433");
	snprintf(r.chain_sha256[0], 65, HEX64);
	snprintf(r.chain_sha256[1], 65, HEX64B);
	r.n_chain = 2;
	snprintf(r.client_random, sizeof(r.client_random), HEX64B);
	line = tp_sb_inside_reply_line(&r);
	assert_non_null(line);
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, NULL, &back,
					&err), "inside-reply");
	assert_string_equal(back.version, TP_VERSION);
	assert_string_equal(back.unique_id, ID_A);
	assert_string_equal(back.seen_from, "203.0.113.1:42746");
	assert_string_equal(back.server_local, "10.0.0.2:4433");
	assert_int_equal(back.n_chain, 2);
	assert_string_equal(back.chain_sha256[0], HEX64);
	assert_string_equal(back.chain_sha256[1], HEX64B);
	assert_string_equal(back.client_random, HEX64B);
	free(line);
}

static void fill_welcome(struct tp_sb_welcome *w, bool account, bool cert)
{
	struct tp_sb_account *a = &w->account;

	memset(w, 0, sizeof(*w));
	snprintf(w->unique_id, sizeof(w->unique_id), ID_A);
	snprintf(w->seen_from, sizeof(w->seen_from), "203.0.113.1:42746");
	snprintf(w->server_local, sizeof(w->server_local), "[::1]:4433");
	snprintf(w->chain_sha256[0], 65, HEX64);
	w->n_chain = 1;
	snprintf(w->trusted_cas[0], 256, "CN=tlsprobe Test CA1,O=tlsprobe");
	snprintf(w->trusted_cas[1], 256, "CN=Ünïcode CA");
	w->n_trusted = 2;
	w->require_client_cert = true;
	snprintf(w->expect_id, sizeof(w->expect_id), ID_A);
	if (!account)
		return;
	w->has_account = true;
	snprintf(a->seen_from, sizeof(a->seen_from), "203.0.113.1:42745");
	snprintf(a->outcome, sizeof(a->outcome), "alert");
	snprintf(a->version, sizeof(a->version), "TLS1.3");
	snprintf(a->cipher, sizeof(a->cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(a->sni, sizeof(a->sni), "server.test");
	snprintf(a->alert_sent, sizeof(a->alert_sent), "unknown_ca");
	snprintf(a->reason, sizeof(a->reason), "client certificate issuer "
		 "CN=tlsprobe Test CA2,O=tlsprobe is not among the trusted "
		 "CAs [CN=tlsprobe Test CA1,O=tlsprobe]");
	snprintf(a->codes[0], 32, "CLIENT_CERT_REJECTED");
	snprintf(a->codes[1], 32, "UNKNOWN_CA");
	a->n_codes = 2;
	if (!cert)
		return;
	a->has_client_cert = true;
	snprintf(a->client_subject, 256, "CN=client.test");
	snprintf(a->client_issuer, 256, "CN=tlsprobe Test CA2,O=tlsprobe");
	snprintf(a->client_sha256, 65, HEX64B);
}

static void assert_welcome_equal(const struct tp_sb_welcome *a,
				 const struct tp_sb_welcome *b)
{
	size_t i;

	assert_string_equal(b->version, TP_VERSION);
	assert_string_equal(a->unique_id, b->unique_id);
	assert_string_equal(a->seen_from, b->seen_from);
	assert_string_equal(a->server_local, b->server_local);
	assert_int_equal(a->n_chain, b->n_chain);
	for (i = 0; i < a->n_chain; i++)
		assert_string_equal(a->chain_sha256[i], b->chain_sha256[i]);
	assert_int_equal(a->n_trusted, b->n_trusted);
	for (i = 0; i < a->n_trusted; i++)
		assert_string_equal(a->trusted_cas[i], b->trusted_cas[i]);
	assert_int_equal(a->require_client_cert, b->require_client_cert);
	assert_string_equal(a->expect_id, b->expect_id);
	assert_int_equal(a->has_account, b->has_account);
	if (!a->has_account)
		return;
	assert_string_equal(a->account.seen_from, b->account.seen_from);
	assert_string_equal(a->account.outcome, b->account.outcome);
	assert_string_equal(a->account.version, b->account.version);
	assert_string_equal(a->account.cipher, b->account.cipher);
	assert_string_equal(a->account.sni, b->account.sni);
	assert_string_equal(a->account.alert_sent, b->account.alert_sent);
	assert_string_equal(a->account.reason, b->account.reason);
	assert_int_equal(a->account.n_codes, b->account.n_codes);
	for (i = 0; i < a->account.n_codes; i++)
		assert_string_equal(a->account.codes[i], b->account.codes[i]);
	assert_int_equal(a->account.has_client_cert,
			 b->account.has_client_cert);
	assert_string_equal(a->account.client_subject,
			    b->account.client_subject);
	assert_string_equal(a->account.client_issuer, b->account.client_issuer);
	assert_string_equal(a->account.client_sha256, b->account.client_sha256);
}

static void welcome_round_trip(bool account, bool cert)
{
	struct tp_sb_welcome w, back;
	struct tp_error err = {0};
	char *line;

	fill_welcome(&w, account, cert);
	line = tp_sb_welcome_line(&w);
	assert_non_null(line);
	assert_true(strlen(line) <= TP_SB_MAX_LINE);
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, &back, NULL,
					&err), "welcome");
	assert_welcome_equal(&w, &back);
	if (!account)
		assert_non_null(strstr(line, "\"account\":null"));
	else if (!cert)
		assert_non_null(strstr(line, "\"client_cert\":null"));
	free(line);
}

static void test_sideband_welcome_round_trip(void **state)
{
	(void)state;
	welcome_round_trip(false, false);
	welcome_round_trip(true, false);
	welcome_round_trip(true, true);
}

/* Empty optional fields go out as null and come back empty. */
static void test_sideband_welcome_nulls(void **state)
{
	struct tp_sb_welcome w, back;
	struct tp_error err = {0};
	char *line;

	(void)state;
	fill_welcome(&w, true, false);
	w.expect_id[0] = '\0';
	w.account.version[0] = w.account.cipher[0] = '\0';
	w.account.sni[0] = w.account.alert_sent[0] = '\0';
	w.account.n_codes = 0;
	line = tp_sb_welcome_line(&w);
	assert_non_null(strstr(line, "\"expect_id\":null"));
	assert_non_null(strstr(line, "\"alert_sent\":null"));
	assert_non_null(strstr(line, "\"codes\":[]"));
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, &back, NULL,
					&err), "welcome");
	assert_welcome_equal(&w, &back);
	free(line);
}

/* Full lists of the longest CA names JSON must escape still make a line
 * a reader accepts: the builder leaves out what does not fit. */
static void test_sideband_welcome_bounded(void **state)
{
	struct tp_sb_welcome w, back;
	struct tp_error err = {0};
	char *line;
	size_t i;

	(void)state;
	fill_welcome(&w, true, true);
	for (i = 0; i < TP_SB_MAX_LIST; i++) {
		memset(w.trusted_cas[i], '"', 255);
		w.trusted_cas[i][255] = '\0';
		snprintf(w.chain_sha256[i], 65, HEX64);
		snprintf(w.account.codes[i], 32, "CODE_%zu", i);
	}
	w.n_trusted = w.n_chain = w.account.n_codes = TP_SB_MAX_LIST;
	memset(w.account.reason, '"', sizeof(w.account.reason) - 1);
	w.account.reason[sizeof(w.account.reason) - 1] = '\0';
	line = tp_sb_welcome_line(&w);
	assert_non_null(line);
	assert_true(strlen(line) <= TP_SB_MAX_LINE);
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, &back, NULL,
					&err), "welcome");
	assert_true(back.n_trusted > 0 && back.n_trusted < TP_SB_MAX_LIST);
	assert_int_equal(back.n_chain, TP_SB_MAX_LIST);
	assert_int_equal(back.account.n_codes, TP_SB_MAX_LIST);
	free(line);
}

/* ---- what is refused ---- */

static void test_sideband_wrong_magic(void **state)
{
	(void)state;
	assert_refused_str("TLSPROBE/2 {\"type\":\"inside\",\"version\":\"1\"}",
			   "other protocol version");
	assert_refused_str("tlsprobe/1 {\"type\":\"inside\",\"version\":\"1\"}",
			   "lower case magic");
	assert_refused_str("TLSPROBE/1{\"type\":\"inside\",\"version\":\"1\"}",
			   "no space after the magic");
	assert_refused_str("TLSPROBE/1", "magic cut short");
	assert_refused_str("", "empty line");
	assert_refused_str("GET / HTTP/1.1\r\n", "HTTP");
	assert_refused(NULL, 0, "NULL");
}

static void test_sideband_too_long(void **state)
{
	char *line = malloc(TP_SB_MAX_LINE + 2), *s;
	size_t n;

	(void)state;
	assert_non_null(line);
	/* a valid message padded with spaces to one byte over the limit */
	n = (size_t)snprintf(line, TP_SB_MAX_LINE + 2, "TLSPROBE/1 {\"type\":"
			     "\"inside\",\"version\":\"1\"");
	memset(line + n, ' ', TP_SB_MAX_LINE + 1 - n);
	line[TP_SB_MAX_LINE - 1] = '}';
	line[TP_SB_MAX_LINE] = '\n';
	line[TP_SB_MAX_LINE + 1] = '\0';
	assert_refused(line, TP_SB_MAX_LINE + 1, "one byte too long");
	/* the same at exactly the limit is taken */
	{
		struct tp_error err = {0};

		assert_string_equal(tp_sb_parse(line, TP_SB_MAX_LINE, NULL,
						NULL, NULL, &err), "inside");
	}
	/* a string too long for its field, inside a line short enough */
	s = malloc(200);
	memset(s, 'x', 199);
	s[0] = '"';
	s[198] = '"';
	s[199] = '\0';
	free(line);
	line = hello_with(NULL, NULL, s, NULL, NULL);
	assert_refused_str(line, "local longer than its field");
	free(line);
	free(s);
}

static void test_sideband_not_json(void **state)
{
	(void)state;
	assert_refused_str("TLSPROBE/1 {", "unterminated object");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\",}", "trailing comma");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\",\"version\":\"1\"} x",
			   "garbage after the object");
	assert_refused_str("TLSPROBE/1 {\"type\":\"in\\u0000side\"}",
			   "NUL escape");
	assert_refused_str("TLSPROBE/1 \xff\xfe", "not UTF-8");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\",\"version\":\"1\","
			   "\"version\":\"2\"}", "duplicate key");
	assert_refused_str("TLSPROBE/1 ", "nothing after the magic");
}

static void test_sideband_not_object(void **state)
{
	(void)state;
	assert_refused_str("TLSPROBE/1 []", "array");
	assert_refused_str("TLSPROBE/1 \"hello\"", "string");
	assert_refused_str("TLSPROBE/1 42", "number");
	assert_refused_str("TLSPROBE/1 null", "null");
}

static void test_sideband_type(void **state)
{
	(void)state;
	assert_refused_str("TLSPROBE/1 {}", "no type");
	assert_refused_str("TLSPROBE/1 {\"version\":\"1\"}", "no type");
	assert_refused_str("TLSPROBE/1 {\"type\":1}", "numeric type");
	assert_refused_str("TLSPROBE/1 {\"type\":null}", "null type");
	assert_refused_str("TLSPROBE/1 {\"type\":\"goodbye\"}", "unknown type");
	assert_refused_str("TLSPROBE/1 {\"type\":\"HELLO\"}", "type case");
	assert_refused_str("TLSPROBE/1 {\"type\":\"\\u001b[2Jx\"}",
			   "unknown hostile type");
}

/* A type the caller did not ask for is refused, not parsed. */
static void test_sideband_unexpected_type(void **state)
{
	struct tp_sb_hello h;
	struct tp_error err = {0};
	char *line = hello_with(NULL, NULL, NULL, NULL, NULL);

	(void)state;
	assert_null(tp_sb_parse(line, strlen(line), NULL, NULL, NULL, &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	tp_error_clear(&err);
	assert_string_equal(tp_sb_parse(line, strlen(line), &h, NULL, NULL,
					&err), "hello");
	free(line);
}

static void test_sideband_field_types(void **state)
{
	static const char *const cases[][2] = {
		{"version", "1"}, {"unique_id", "[]"}, {"local", "{}"},
		{"dialled", "true"}, {"token", "null"}, {"version", "null"},
		{"local", "null"},
	};
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *v = cases[i][1];

		line = hello_with(strcmp(cases[i][0], "version") ? NULL : v,
				  strcmp(cases[i][0], "unique_id") ? NULL : v,
				  strcmp(cases[i][0], "local") ? NULL : v,
				  strcmp(cases[i][0], "dialled") ? NULL : v,
				  strcmp(cases[i][0], "token") ? NULL : v);
		assert_refused_str(line, cases[i][0]);
		free(line);
	}
	/* a missing field */
	assert_refused_str("TLSPROBE/1 {\"type\":\"hello\",\"version\":\"1\","
			   "\"unique_id\":null,\"local\":\"a\",\"dialled\":\"b\"}",
			   "no token");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\"}", "no version");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside-reply\",\"version\":"
			   "\"1\",\"unique_id\":\"x\",\"seen_from\":\"a\","
			   "\"server_local\":\"b\",\"chain_sha256\":\"" HEX64
			   "\",\"client_random\":\"" HEX64 "\"}",
			   "chain not a list");
}

/* A welcome built by us, with one member replaced by raw JSON. */
static char *welcome_with(const char *key, const char *raw)
{
	struct tp_sb_welcome w;
	char *line, *pos, *end, *out = NULL;
	char needle[64];

	fill_welcome(&w, true, true);
	line = tp_sb_welcome_line(&w);
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	pos = strstr(line, needle);
	assert_non_null(pos);
	pos += strlen(needle);
	/* the old value ends at the next top-level comma or brace: the
	 * members replaced here are scalars, lists of scalars or the
	 * account, which is last */
	if (*pos == '[')
		end = strchr(pos, ']') + 1;
	else if (*pos == '{')
		end = line + strlen(line) - 2;
	else if (*pos == '"')
		end = strchr(pos + 1, '"') + 1;
	else
		end = pos + strcspn(pos, ",}");
	assert_true(asprintf(&out, "%.*s%s%s", (int)(pos - line), line, raw,
			     end) > 0);
	free(line);
	return out;
}

static void test_sideband_welcome_refused(void **state)
{
	static const char *const cases[][2] = {
		{"require_client_cert", "\"yes\""},
		{"require_client_cert", "1"},
		{"trusted_cas", "[1]"},
		{"trusted_cas", "\"CN=a\""},
		{"chain_sha256", "[\"" HEX64 "\",2]"},
		{"expect_id", "7"},
		{"account", "[]"},
		{"account", "\"none\""},
		{"unique_id", "null"},
	};
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line = welcome_with(cases[i][0], cases[i][1]);
		assert_refused_str(line, cases[i][0]);
		free(line);
	}
}

static void test_sideband_account_refused(void **state)
{
	static const char *const cases[] = {
		"{\"seen_from\":\"a\",\"outcome\":\"won\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,\"reason\":\"\","
		"\"client_cert\":null,\"codes\":[]}",
		"{\"seen_from\":\"a\",\"outcome\":\"alert\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,\"reason\":\"\","
		"\"client_cert\":7,\"codes\":[]}",
		"{\"seen_from\":\"a\",\"outcome\":\"alert\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,\"reason\":\"\","
		"\"client_cert\":{\"subject\":\"s\",\"issuer\":\"i\","
		"\"sha256\":\"XYZ\"},\"codes\":[]}",
		"{\"seen_from\":\"a\",\"outcome\":\"alert\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,\"reason\":\"\","
		"\"client_cert\":null,\"codes\":[\"A\",null]}",
		"{\"seen_from\":\"a\",\"outcome\":\"alert\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,"
		"\"client_cert\":null,\"codes\":[]}",
		"{\"seen_from\":\"a\",\"outcome\":\"alert\",\"version\":null,"
		"\"cipher\":null,\"sni\":null,\"alert_sent\":null,\"reason\":\"\","
		"\"client_cert\":null,\"codes\":[\"" "0123456789012345678901234567"
		"890123" "\"]}",
	};
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line = welcome_with("account", cases[i]);
		assert_refused_str(line, cases[i]);
		free(line);
	}
}

static void test_sideband_too_long_strings(void **state)
{
	char big[600], *line;

	(void)state;
	/* unique_id: 64 bytes is one too many for its 64-byte field */
	memset(big, 'a', sizeof(big));
	big[0] = '"';
	big[65] = '"';
	big[66] = '\0';
	line = hello_with(NULL, big, NULL, NULL, NULL);
	assert_refused_str(line, "unique_id of 64 bytes");
	free(line);
	/* 63 is fine */
	big[64] = '"';
	big[65] = '\0';
	line = hello_with(NULL, big, NULL, NULL, NULL);
	{
		struct tp_error err;

		assert_non_null(parse_any(line, strlen(line), &err));
	}
	free(line);
	/* version of 16 bytes */
	line = hello_with("\"0123456789abcdef\"", NULL, NULL, NULL, NULL);
	assert_refused_str(line, "version of 16 bytes");
	free(line);
	/* a NUL would cut the field short and hide what follows it */
	line = hello_with(NULL, "\"id\\u0000evil\"", NULL, NULL, NULL);
	assert_refused_str(line, "unique_id holding a NUL");
	free(line);
	/* the account's reason: 512 bytes */
	memset(big, 'r', sizeof(big));
	big[0] = '"';
	big[513] = '"';
	big[514] = '\0';
	{
		char *acct = NULL;

		assert_true(asprintf(&acct, "{\"seen_from\":\"a\",\"outcome\":"
				     "\"alert\",\"version\":null,\"cipher\":"
				     "null,\"sni\":null,\"alert_sent\":null,"
				     "\"reason\":%s,\"client_cert\":null,"
				     "\"codes\":[]}", big) > 0);
		line = welcome_with("account", acct);
		assert_refused_str(line, "reason of 512 bytes");
		free(line);
		free(acct);
	}
}

static void test_sideband_bad_hex(void **state)
{
	static const char *const tokens[] = {
		"\"" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg" "\"",
		"\"" "0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef" "\"",
		"\"\"",
		"64",
	};
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		line = hello_with(NULL, NULL, NULL, NULL, tokens[i]);
		assert_refused_str(line, tokens[i]);
		free(line);
	}
	line = welcome_with("chain_sha256", "[\"" HEX64 "\",\"abc\"]");
	assert_refused_str(line, "short chain hash");
	free(line);
	line = welcome_with("chain_sha256",
			    "[\"0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789ABCDEF\"]");
	assert_refused_str(line, "upper-case chain hash");
	free(line);
}

static char *list_of(size_t n, const char *item)
{
	size_t len = 2 + n * (strlen(item) + 1), i;
	char *s = malloc(len + 1), *p = s;

	*p++ = '[';
	for (i = 0; i < n; i++) {
		p += sprintf(p, "%s%s", i ? "," : "", item);
	}
	*p++ = ']';
	*p = '\0';
	return s;
}

static void test_sideband_too_many_items(void **state)
{
	char *list, *line;

	(void)state;
	list = list_of(TP_SB_MAX_LIST + 1, "\"" HEX64 "\"");
	line = welcome_with("chain_sha256", list);
	assert_refused_str(line, "33 chain hashes");
	free(line);
	free(list);
	list = list_of(TP_SB_MAX_LIST + 1, "\"CN=x\"");
	line = welcome_with("trusted_cas", list);
	assert_refused_str(line, "33 trusted CAs");
	free(line);
	free(list);
	/* 32 is the limit, not over it */
	list = list_of(TP_SB_MAX_LIST, "\"CN=x\"");
	line = welcome_with("trusted_cas", list);
	{
		struct tp_error err;

		assert_non_null(parse_any(line, strlen(line), &err));
	}
	free(line);
	free(list);
	{
		char *codes = list_of(TP_SB_MAX_LIST + 1, "\"UNKNOWN_CA\""), *acct;

		assert_true(asprintf(&acct, "{\"seen_from\":\"a\",\"outcome\":"
				     "\"alert\",\"version\":null,\"cipher\":"
				     "null,\"sni\":null,\"alert_sent\":null,"
				     "\"reason\":\"\",\"client_cert\":null,"
				     "\"codes\":%s}", codes) > 0);
		line = welcome_with("account", acct);
		assert_refused_str(line, "33 codes");
		free(line);
		free(acct);
		free(codes);
	}
}

/*
 * Values arrive as the bytes they stand for: raw control characters as
 * they are, and the sending tlsprobe's own escapes (it sanitised what it
 * sent) turned back, so that the report's setters, which sanitise, show
 * what the sender showed, escaped once.
 */
static void test_sideband_hostile_raw_for_the_report(void **state)
{
	struct tp_sb_hello h;
	struct tp_sb_welcome w;
	struct tp_error err = {0};
	struct tp_report *r;
	char *line;

	(void)state;
	line = hello_with(NULL, "\"id\\u001b[2J\"",
			  "\"10.0.0.1:1\\r\\nX-Evil: 1\"",
			  "\"\\u009b31m\\\\x1b\\\\\\\\\"", NULL);
	assert_string_equal(tp_sb_parse(line, strlen(line), &h, NULL, NULL,
					&err), "hello");
	assert_string_equal(h.unique_id, "id\x1b[2J");
	assert_string_equal(h.local, "10.0.0.1:1\r\nX-Evil: 1");
	assert_string_equal(h.dialled, "\xc2\x9b" "31m\x1b\\");
	free(line);

	line = welcome_with("trusted_cas", "[\"CN=a\\u0007\\u007f\\u202e\"]");
	assert_string_equal(tp_sb_parse(line, strlen(line), NULL, &w, NULL,
					&err), "welcome");
	assert_string_equal(w.trusted_cas[0], "CN=a\x07\x7f\xe2\x80\xae");
	free(line);

	/* into a report: escaped once */
	r = tp_report_new("client");
	assert_non_null(r);
	assert_int_equal(tp_strv_add(&r->peer.trusted_cas, &r->peer.n_trusted,
				     w.trusted_cas[0]), 0);
	assert_int_equal(tp_strv_add(&r->peer.trusted_cas, &r->peer.n_trusted,
				     h.dialled), 0);
	assert_string_equal(r->peer.trusted_cas[0],
			    "CN=a\\x07\\x7f\\u202e");
	assert_string_equal(r->peer.trusted_cas[1],
			    "\\xc2\\x9b31m\\x1b\\\\");
	tp_report_free(r);
}

/* Unknown members are ignored: a newer peer may send more. */
static void test_sideband_extra_members(void **state)
{
	static const char line[] = "TLSPROBE/1 {\"type\":\"inside\","
		"\"version\":\"9.9\",\"future\":{\"x\":[1,2]}}\n";
	struct tp_error err;

	(void)state;
	assert_string_equal(parse_any(line, strlen(line), &err), "inside");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sideband_token),
		cmocka_unit_test(test_sideband_hello_round_trip),
		cmocka_unit_test(test_sideband_inside_round_trip),
		cmocka_unit_test(test_sideband_inside_reply_round_trip),
		cmocka_unit_test(test_sideband_welcome_round_trip),
		cmocka_unit_test(test_sideband_welcome_nulls),
		cmocka_unit_test(test_sideband_welcome_bounded),
		cmocka_unit_test(test_sideband_wrong_magic),
		cmocka_unit_test(test_sideband_too_long),
		cmocka_unit_test(test_sideband_not_json),
		cmocka_unit_test(test_sideband_not_object),
		cmocka_unit_test(test_sideband_type),
		cmocka_unit_test(test_sideband_unexpected_type),
		cmocka_unit_test(test_sideband_field_types),
		cmocka_unit_test(test_sideband_welcome_refused),
		cmocka_unit_test(test_sideband_account_refused),
		cmocka_unit_test(test_sideband_too_long_strings),
		cmocka_unit_test(test_sideband_bad_hex),
		cmocka_unit_test(test_sideband_too_many_items),
		cmocka_unit_test(test_sideband_hostile_raw_for_the_report),
		cmocka_unit_test(test_sideband_extra_members),
	};

	return cmocka_run_group_tests_name("sideband", tests, NULL, NULL);
}
