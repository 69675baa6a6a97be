/*
 * Unit tests of sideband.c: the marks answer only each other, a claim
 * verifies only for the key, challenge and random it was made for, every
 * message survives a round trip through its builder and the parser, and
 * every way a hostile or broken line can be wrong is refused with a usage
 * error that names what is wrong, never half-read.
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

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "sideband.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"

/* A hello line as a peer would write it, with some members replaced by
 * raw JSON; a member left NULL keeps a valid value. */
struct hello_raw {
	const char *version, *unique_id, *local, *dialled, *client_random,
		   *key;
};

static char *hello_with(const struct hello_raw *r)
{
	char *line = NULL;

	assert_true(asprintf(&line, "TLSPROBE/1 {\"type\":\"hello\","
			     "\"version\":%s,\"unique_id\":%s,\"local\":%s,"
			     "\"dialled\":%s,\"client_random\":%s,"
			     "\"key\":%s}\n",
			     r->version ? r->version : "\"0.1.0\"",
			     r->unique_id ? r->unique_id : "\"" ID_A "\"",
			     r->local ? r->local : "\"100.64.0.2:42746\"",
			     r->dialled ? r->dialled : "\"203.0.113.2:4433\"",
			     r->client_random ? r->client_random
					      : "\"" HEX64 "\"",
			     r->key ? r->key : "\"" HEX64B "\"") > 0);
	return line;
}

#define HELLO_WITH(...) hello_with(&(struct hello_raw){__VA_ARGS__})

/* The inside words as a peer would write them. */
#define INSIDE_JSON                                                       \
	"{\"type\":\"inside\",\"version\":\"1\",\"unique_id\":null,"      \
	"\"local\":\"127.0.0.1:1\",\"dialled\":\"127.0.0.1:2\"}"
#define INSIDE_LINE "TLSPROBE/1 " INSIDE_JSON

/* Parses line into one static message; returns the type or NULL. */
static struct tp_sideband_msg parsed;

static const char *parse_any(const char *line, size_t len,
			     struct tp_error *err)
{
	tp_error_clear(err);
	memset(&parsed, 0xa5, sizeof(parsed));
	return tp_sideband_parse(line, len, &parsed, err);
}

/* The line is refused, with a usage error that says why; the message
 * into msg when it is not NULL. */
static void refused(const char *line, size_t len, const char *why,
		    char *msg, size_t size)
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
	if (msg != NULL)
		snprintf(msg, size, "%s", err.message);
}

static void assert_refused(const char *line, size_t len, const char *why)
{
	refused(line, len, why, NULL, 0);
}

static void assert_refused_str(const char *line, const char *why)
{
	assert_refused(line, strlen(line), why);
}

/* Refused with a message that names what is wrong. */
static void assert_refused_naming(const char *line, const char *why,
				  const char *name)
{
	char msg[512];

	refused(line, strlen(line), why, msg, sizeof(msg));
	if (strstr(msg, name) == NULL)
		fail_msg("'%s' does not name '%s' (%s)", msg, name, why);
}

static void assert_parses_as(const char *line, const char *type)
{
	struct tp_error err;
	const char *got = parse_any(line, strlen(line), &err);

	if (got == NULL)
		fail_msg("refused (%s): %.200s", err.message, line);
	assert_string_equal(got, type);
}

/* Where the JSON value that starts at p ends. */
static const char *value_end(const char *p)
{
	bool in_string = false;
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (in_string) {
			if (*p == '\\' && p[1] != '\0') {
				p++;
			} else if (*p == '"') {
				in_string = false;
				if (depth == 0)
					return p + 1;
			}
			continue;
		}
		switch (*p) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			depth++;
			break;
		case ']':
		case '}':
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
			break;
		case ',':
			if (depth == 0)
				return p;
			break;
		}
	}
	return p;
}

/*
 * line with the member key, the first after anchor (or from the start),
 * given raw as its value, or taken out when raw is NULL.
 */
static char *with_member(const char *line, const char *anchor,
			 const char *key, const char *raw)
{
	const char *from = line, *pos, *val, *end;
	char needle[64], *out = NULL;

	if (anchor != NULL) {
		from = strstr(line, anchor);
		if (from == NULL)
			fail_msg("no %s in %.200s", anchor, line);
	}
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	pos = strstr(from, needle);
	if (pos == NULL)
		fail_msg("no %s in %.200s", needle, line);
	val = pos + strlen(needle);
	end = value_end(val);
	if (raw != NULL) {
		assert_true(asprintf(&out, "%.*s%s%s", (int)(val - line), line,
				     raw, end) > 0);
	} else if (pos[-1] == ',') {
		assert_true(asprintf(&out, "%.*s%s", (int)(pos - 1 - line),
				     line, end) > 0);
	} else {
		if (*end == ',')
			end++;
		assert_true(asprintf(&out, "%.*s%s", (int)(pos - line), line,
				     end) > 0);
	}
	return out;
}

/* ---- what the builders are given ---- */

static void fill_bytes(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * seed + 1);
}

static void fill_hello(struct tp_sideband_hello *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->unique_id, sizeof(h->unique_id), ID_A);
	snprintf(h->local, sizeof(h->local), "100.64.0.2:42746");
	snprintf(h->dialled, sizeof(h->dialled), "[2001:db8::1]:4433");
	fill_bytes(h->client_random, 32, 7);
	fill_bytes(h->key, TP_SIDEBAND_KEY_LEN, 13);
}

static void fill_account(struct tp_sideband_account *a, bool cert)
{
	memset(a, 0, sizeof(*a));
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

static void fill_welcome(struct tp_sideband_welcome *w)
{
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
	fill_bytes(w->challenge, TP_SIDEBAND_CHALLENGE_LEN, 31);
}

static void fill_inside_reply(struct tp_sideband_inside_reply *r, bool account)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->unique_id, sizeof(r->unique_id), ID_A);
	snprintf(r->seen_from, sizeof(r->seen_from), "203.0.113.1:42746");
	snprintf(r->server_local, sizeof(r->server_local), "10.0.0.2:4433");
	snprintf(r->chain_sha256[0], 65, HEX64);
	snprintf(r->chain_sha256[1], 65, HEX64B);
	r->n_chain = 2;
	snprintf(r->client_random, sizeof(r->client_random), HEX64B);
	if (!account)
		return;
	r->has_account = true;
	fill_account(&r->account, true);
}

static void assert_account_equal(const struct tp_sideband_account *a,
				 const struct tp_sideband_account *b)
{
	size_t i;

	assert_string_equal(a->seen_from, b->seen_from);
	assert_string_equal(a->outcome, b->outcome);
	assert_string_equal(a->version, b->version);
	assert_string_equal(a->cipher, b->cipher);
	assert_string_equal(a->sni, b->sni);
	assert_string_equal(a->alert_sent, b->alert_sent);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->n_codes, b->n_codes);
	for (i = 0; i < a->n_codes; i++)
		assert_string_equal(a->codes[i], b->codes[i]);
	assert_int_equal(a->has_client_cert, b->has_client_cert);
	assert_string_equal(a->client_subject, b->client_subject);
	assert_string_equal(a->client_issuer, b->client_issuer);
	assert_string_equal(a->client_sha256, b->client_sha256);
}

static void assert_welcome_equal(const struct tp_sideband_welcome *a,
				 const struct tp_sideband_welcome *b)
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
	assert_memory_equal(a->challenge, b->challenge,
			    TP_SIDEBAND_CHALLENGE_LEN);
}

/* One line of each type, as our own builders make it. */
static char *full_line(const char *type)
{
	struct tp_sideband_hello h;
	struct tp_sideband_welcome w;
	struct tp_sideband_inside_reply r;
	struct tp_sideband_account a;
	unsigned char sig[TP_SIDEBAND_SIG_LEN];
	char *line = NULL;

	fill_hello(&h);
	if (strcmp(type, "hello") == 0)
		line = tp_sideband_hello_line(&h);
	else if (strcmp(type, "inside") == 0)
		line = tp_sideband_inside_line(&h);
	else if (strcmp(type, "welcome") == 0)
		line = (fill_welcome(&w), tp_sideband_welcome_line(&w));
	else if (strcmp(type, "inside-reply") == 0)
		line = (fill_inside_reply(&r, true),
			tp_sideband_inside_reply_line(&r));
	else if (strcmp(type, "claim") == 0)
		line = (fill_bytes(sig, sizeof(sig), 5),
			tp_sideband_claim_line(sig));
	else if (strcmp(type, "account") == 0)
		line = (fill_account(&a, true), tp_sideband_account_line(&a));
	assert_non_null(line);
	/* what is edited below starts valid */
	assert_parses_as(line, type);
	return line;
}

/* ---- marks ---- */

static void flip(unsigned char *p, size_t bit)
{
	p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
}

static void new_key(struct tp_sideband_key *k)
{
	assert_int_equal(tp_sideband_key_new(k), 0);
	assert_non_null(k->priv);
}

static void test_sideband_client_mark(void **state)
{
	struct tp_sideband_key k, other;
	unsigned char cr[32], again[32], cr2[32], r[32];
	size_t bit, marked = 0;
	int i;

	(void)state;
	new_key(&k);
	new_key(&other);
	assert_memory_not_equal(k.pub, other.pub, TP_SIDEBAND_KEY_LEN);
	tp_sideband_mark_client(k.pub, cr);
	assert_true(tp_sideband_client_marked(cr));
	assert_true(tp_sideband_key_fits(k.pub, cr));
	/* one key, one random: the server finds the key's handshake */
	tp_sideband_mark_client(k.pub, again);
	assert_memory_equal(cr, again, 32);
	/* another key's mark is a mark, but not this key's */
	tp_sideband_mark_client(other.pub, cr2);
	assert_true(tp_sideband_client_marked(cr2));
	assert_memory_not_equal(cr, cr2, 32);
	assert_false(tp_sideband_key_fits(other.pub, cr));
	assert_false(tp_sideband_key_fits(k.pub, cr2));
	/* a plain client's random is not marked (a chance of 2^-128) */
	for (i = 0; i < 64; i++) {
		assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, r, 32), 0);
		marked += tp_sideband_client_marked(r);
		assert_false(tp_sideband_key_fits(k.pub, r));
	}
	assert_int_equal(marked, 0);
	/* every bit counts: in the key's hash and in the tag */
	for (bit = 0; bit < 256; bit++) {
		memcpy(r, cr, 32);
		flip(r, bit);
		if (tp_sideband_client_marked(r) ||
		    tp_sideband_key_fits(k.pub, r))
			fail_msg("CR with bit %zu flipped still marked", bit);
	}
	/* and every bit of the key */
	for (bit = 0; bit < 8 * TP_SIDEBAND_KEY_LEN; bit++) {
		unsigned char pub[TP_SIDEBAND_KEY_LEN];

		memcpy(pub, k.pub, sizeof(pub));
		flip(pub, bit);
		if (tp_sideband_key_fits(pub, cr))
			fail_msg("key with bit %zu flipped fits", bit);
	}
	tp_sideband_key_free(&k);
	tp_sideband_key_free(&other);
	assert_null(k.priv);
	/* freeing twice is harmless */
	tp_sideband_key_free(&k);
}

/*
 * The marks as sideband.h defines them, computed elsewhere (Python's
 * hashlib and hmac): a change of the formula on both sides at once would
 * still pass every other test, and stop talking to released tlsprobes.
 */
static void test_sideband_mark_known_answer(void **state)
{
	static const unsigned char want_cr[32] = {
		0x63, 0x0d, 0xcd, 0x29, 0x66, 0xc4, 0x33, 0x66,
		0x91, 0x12, 0x54, 0x48, 0xbb, 0xb2, 0x5b, 0x4f,
		0x4e, 0x82, 0xf3, 0xce, 0x1e, 0x41, 0xa5, 0x0b,
		0xaf, 0x24, 0x00, 0x60, 0xd7, 0x95, 0x8b, 0x46,
	};
	static const unsigned char want_sr[16] = {
		0x4a, 0x58, 0x9a, 0xa2, 0x50, 0xed, 0xe0, 0x1f,
		0x9e, 0x29, 0xe2, 0xca, 0xfc, 0xb1, 0x17, 0xf0,
	};
	unsigned char pub[TP_SIDEBAND_KEY_LEN], cr[32], sr[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pub); i++)
		pub[i] = (unsigned char)i;
	tp_sideband_mark_client(pub, cr);
	assert_memory_equal(cr, want_cr, 32);
	assert_int_equal(tp_sideband_mark_server(cr, sr), 0);
	assert_memory_equal(sr, want_sr, 16);
}

static void test_sideband_server_mark(void **state)
{
	struct tp_sideband_key k, other;
	unsigned char cr[32], cr2[32], sr[32], sr2[32], r[32];
	size_t bit;

	(void)state;
	new_key(&k);
	new_key(&other);
	tp_sideband_mark_client(k.pub, cr);
	tp_sideband_mark_client(other.pub, cr2);
	assert_int_equal(tp_sideband_mark_server(cr, sr), 0);
	assert_true(tp_sideband_server_marked(cr, sr));
	/* the answer is to this CR only */
	assert_false(tp_sideband_server_marked(cr2, sr));
	for (bit = 0; bit < 256; bit++) {
		memcpy(r, cr, 32);
		flip(r, bit);
		if (tp_sideband_server_marked(r, sr))
			fail_msg("SR answers CR with bit %zu flipped", bit);
	}
	for (bit = 0; bit < 128; bit++) {
		memcpy(r, sr, 32);
		flip(r, bit);
		if (tp_sideband_server_marked(cr, r))
			fail_msg("SR with bit %zu flipped still answers", bit);
	}
	/* a plain server's random does not answer */
	assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, r, 32), 0);
	assert_false(tp_sideband_server_marked(cr, r));
	/* fresh: the same head, another tail (RFC 8446 section 4.1.3 wants
	 * a ServerHello random that no one could predict) */
	assert_int_equal(tp_sideband_mark_server(cr, sr2), 0);
	assert_true(tp_sideband_server_marked(cr, sr2));
	assert_memory_equal(sr, sr2, 16);
	assert_memory_not_equal(sr + 16, sr2 + 16, 16);
	tp_sideband_key_free(&k);
	tp_sideband_key_free(&other);
}

/* ---- claims ---- */

static void test_sideband_claim(void **state)
{
	struct tp_sideband_key k, other, none = {0};
	unsigned char cr[32], cr2[32], plain[32], ch[TP_SIDEBAND_CHALLENGE_LEN],
		      ch2[TP_SIDEBAND_CHALLENGE_LEN], sig[TP_SIDEBAND_SIG_LEN],
		      bad[TP_SIDEBAND_SIG_LEN];
	size_t bit;

	(void)state;
	new_key(&k);
	new_key(&other);
	tp_sideband_mark_client(k.pub, cr);
	tp_sideband_mark_client(other.pub, cr2);
	assert_int_equal(tp_sideband_challenge_new(ch), 0);
	assert_int_equal(tp_sideband_challenge_new(ch2), 0);
	assert_memory_not_equal(ch, ch2, sizeof(ch));

	assert_int_equal(tp_sideband_sign_claim(&k, ch, cr, sig), 0);
	assert_true(tp_sideband_claim_valid(k.pub, ch, cr, sig));
	/* a claim seen on the wire does not answer another challenge */
	assert_false(tp_sideband_claim_valid(k.pub, ch2, cr, sig));
	/* nor claim another handshake */
	assert_false(tp_sideband_claim_valid(k.pub, ch, cr2, sig));
	assert_false(tp_sideband_claim_valid(other.pub, ch, cr2, sig));
	/* another key, whose own CR is marked and fits it, cannot sign for
	 * that CR: only its maker holds the key */
	assert_int_equal(tp_sideband_sign_claim(&k, ch, cr2, bad), 0);
	assert_false(tp_sideband_claim_valid(other.pub, ch, cr2, bad));
	/* a good signature by a key that does not fit the CR counts for
	 * nothing: anyone can sign with a key of their own */
	assert_false(tp_sideband_claim_valid(k.pub, ch, cr2, bad));
	assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, plain, 32), 0);
	assert_int_equal(tp_sideband_sign_claim(&k, ch, plain, bad), 0);
	assert_false(tp_sideband_claim_valid(k.pub, ch, plain, bad));
	/* every bit of the signature */
	for (bit = 0; bit < 8 * TP_SIDEBAND_SIG_LEN; bit++) {
		memcpy(bad, sig, sizeof(bad));
		flip(bad, bit);
		if (tp_sideband_claim_valid(k.pub, ch, cr, bad))
			fail_msg("signature with bit %zu flipped verifies",
				 bit);
	}
	/* and of the challenge it signs */
	for (bit = 0; bit < 8 * TP_SIDEBAND_CHALLENGE_LEN; bit++) {
		memcpy(ch2, ch, sizeof(ch2));
		flip(ch2, bit);
		if (tp_sideband_claim_valid(k.pub, ch2, cr, sig))
			fail_msg("claim verifies for challenge bit %zu", bit);
	}
	/* still good after all that: nothing above changed it */
	assert_true(tp_sideband_claim_valid(k.pub, ch, cr, sig));
	/* a key without its private half signs nothing */
	memcpy(none.pub, k.pub, TP_SIDEBAND_KEY_LEN);
	assert_int_equal(tp_sideband_sign_claim(&none, ch, cr, bad), -1);
	tp_sideband_key_free(&k);
	tp_sideband_key_free(&other);
}

/* ---- round trips ---- */

static void test_sideband_hello_round_trip(void **state)
{
	struct tp_sideband_hello h;
	struct tp_error err = {0};
	char *line;

	(void)state;
	fill_hello(&h);
	line = tp_sideband_hello_line(&h);
	assert_non_null(line);
	assert_memory_equal(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN);
	assert_int_equal(line[strlen(line) - 1], '\n');
	/* compact JSON: no space after the magic's own */
	assert_null(strchr(line + TP_SIDEBAND_MAGIC_LEN, ' '));
	assert_parses_as(line, "hello");
	assert_int_equal(parsed.type, TP_SIDEBAND_HELLO);
	assert_string_equal(parsed.u.hello.version, TP_VERSION);
	assert_string_equal(parsed.u.hello.unique_id, ID_A);
	assert_string_equal(parsed.u.hello.local, "100.64.0.2:42746");
	assert_string_equal(parsed.u.hello.dialled, "[2001:db8::1]:4433");
	assert_memory_equal(parsed.u.hello.client_random, h.client_random, 32);
	assert_memory_equal(parsed.u.hello.key, h.key, TP_SIDEBAND_KEY_LEN);
	/* without its newline too */
	assert_string_equal(parse_any(line, strlen(line) - 1, &err), "hello");
	free(line);

	/* no unique ID: null on the wire, "" after */
	h.unique_id[0] = '\0';
	line = tp_sideband_hello_line(&h);
	assert_non_null(strstr(line, "\"unique_id\":null"));
	assert_parses_as(line, "hello");
	assert_string_equal(parsed.u.hello.unique_id, "");
	free(line);
}

static void test_sideband_inside_round_trip(void **state)
{
	struct tp_sideband_hello words;
	char *line;

	(void)state;
	fill_hello(&words);
	line = tp_sideband_inside_line(&words);
	assert_non_null(line);
	assert_memory_equal(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN);
	assert_int_equal(line[strlen(line) - 1], '\n');
	/* the words only: the session itself is the proof of who asks */
	assert_null(strstr(line, "client_random"));
	assert_null(strstr(line, "\"key\""));
	assert_parses_as(line, "inside");
	assert_int_equal(parsed.type, TP_SIDEBAND_INSIDE);
	assert_string_equal(parsed.u.hello.version, TP_VERSION);
	assert_string_equal(parsed.u.hello.unique_id, ID_A);
	assert_string_equal(parsed.u.hello.local, "100.64.0.2:42746");
	assert_string_equal(parsed.u.hello.dialled, "[2001:db8::1]:4433");
	free(line);

	words.unique_id[0] = '\0';
	line = tp_sideband_inside_line(&words);
	assert_non_null(strstr(line, "\"unique_id\":null"));
	assert_parses_as(line, "inside");
	assert_string_equal(parsed.u.hello.unique_id, "");
	assert_string_equal(parsed.u.hello.local, "100.64.0.2:42746");
	free(line);
}

static void inside_reply_round_trip(bool account)
{
	struct tp_sideband_inside_reply r;
	const struct tp_sideband_inside_reply *back = &parsed.u.inside_reply;
	char *line;

	fill_inside_reply(&r, account);
	line = tp_sideband_inside_reply_line(&r);
	assert_non_null(line);
	assert_parses_as(line, "inside-reply");
	assert_int_equal(parsed.type, TP_SIDEBAND_INSIDE_REPLY);
	assert_string_equal(back->version, TP_VERSION);
	assert_string_equal(back->unique_id, ID_A);
	assert_string_equal(back->seen_from, "203.0.113.1:42746");
	assert_string_equal(back->server_local, "10.0.0.2:4433");
	assert_int_equal(back->n_chain, 2);
	assert_string_equal(back->chain_sha256[0], HEX64);
	assert_string_equal(back->chain_sha256[1], HEX64B);
	assert_string_equal(back->client_random, HEX64B);
	assert_int_equal(back->has_account, account);
	if (account)
		assert_account_equal(&r.account, &back->account);
	else
		assert_non_null(strstr(line, "\"account\":null"));
	free(line);
}

static void test_sideband_inside_reply_round_trip(void **state)
{
	(void)state;
	inside_reply_round_trip(false);
	inside_reply_round_trip(true);
}

static void test_sideband_welcome_round_trip(void **state)
{
	struct tp_sideband_welcome w;
	char hex[2 * TP_SIDEBAND_CHALLENGE_LEN + 1], *line;

	(void)state;
	fill_welcome(&w);
	line = tp_sideband_welcome_line(&w);
	assert_non_null(line);
	assert_true(strlen(line) <= TP_SIDEBAND_MAX_LINE);
	assert_parses_as(line, "welcome");
	assert_int_equal(parsed.type, TP_SIDEBAND_WELCOME);
	assert_welcome_equal(&w, &parsed.u.welcome);
	/* the challenge in hex, and no account: the welcome carries none,
	 * a client gets one with a claim */
	tp_hex(w.challenge, TP_SIDEBAND_CHALLENGE_LEN, hex);
	assert_non_null(strstr(line, hex));
	assert_null(strstr(line, "\"account\""));
	free(line);
}

/* Empty optional fields go out as null and come back empty. */
static void test_sideband_welcome_nulls(void **state)
{
	struct tp_sideband_welcome w;
	char *line;

	(void)state;
	fill_welcome(&w);
	w.expect_id[0] = '\0';
	w.n_trusted = w.n_chain = 0;
	w.require_client_cert = false;
	line = tp_sideband_welcome_line(&w);
	assert_non_null(strstr(line, "\"expect_id\":null"));
	assert_non_null(strstr(line, "\"trusted_cas\":[]"));
	assert_parses_as(line, "welcome");
	assert_welcome_equal(&w, &parsed.u.welcome);
	free(line);
}

/* Full lists of the longest CA names JSON must escape still make a line
 * a reader accepts: the builder leaves out what does not fit. */
static void test_sideband_welcome_bounded(void **state)
{
	struct tp_sideband_welcome w;
	char *line;
	size_t i;

	(void)state;
	fill_welcome(&w);
	for (i = 0; i < TP_SIDEBAND_MAX_LIST; i++) {
		memset(w.trusted_cas[i], '"', 255);
		w.trusted_cas[i][255] = '\0';
		snprintf(w.chain_sha256[i], 65, HEX64);
	}
	w.n_trusted = w.n_chain = TP_SIDEBAND_MAX_LIST;
	line = tp_sideband_welcome_line(&w);
	assert_non_null(line);
	assert_true(strlen(line) <= TP_SIDEBAND_MAX_LINE);
	assert_parses_as(line, "welcome");
	assert_true(parsed.u.welcome.n_trusted > 0 &&
		    parsed.u.welcome.n_trusted < TP_SIDEBAND_MAX_LIST);
	assert_int_equal(parsed.u.welcome.n_chain, TP_SIDEBAND_MAX_LIST);
	assert_memory_equal(parsed.u.welcome.challenge, w.challenge,
			    TP_SIDEBAND_CHALLENGE_LEN);
	free(line);
}

static void test_sideband_claim_round_trip(void **state)
{
	unsigned char sig[TP_SIDEBAND_SIG_LEN];
	char *line;

	(void)state;
	fill_bytes(sig, sizeof(sig), 3);
	line = tp_sideband_claim_line(sig);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_parses_as(line, "claim");
	assert_int_equal(parsed.type, TP_SIDEBAND_CLAIM);
	assert_memory_equal(parsed.u.signature, sig, TP_SIDEBAND_SIG_LEN);
	free(line);
}

static void account_round_trip(bool cert)
{
	struct tp_sideband_account a;
	char *line;

	fill_account(&a, cert);
	line = tp_sideband_account_line(&a);
	assert_non_null(line);
	assert_parses_as(line, "account");
	assert_int_equal(parsed.type, TP_SIDEBAND_ACCOUNT);
	assert_true(parsed.u.account.has_account);
	assert_account_equal(&a, &parsed.u.account.account);
	if (!cert)
		assert_non_null(strstr(line, "\"client_cert\":null"));
	free(line);
}

static void test_sideband_account_round_trip(void **state)
{
	struct tp_sideband_account a;
	char *line;

	(void)state;
	line = tp_sideband_account_line(NULL);
	assert_non_null(line);
	assert_string_equal(line, "TLSPROBE/1 {\"type\":\"account\","
			    "\"account\":null}\n");
	assert_parses_as(line, "account");
	assert_int_equal(parsed.type, TP_SIDEBAND_ACCOUNT);
	assert_false(parsed.u.account.has_account);
	free(line);
	account_round_trip(false);
	account_round_trip(true);

	/* empty optional fields: null on the wire, "" after */
	fill_account(&a, false);
	a.version[0] = a.cipher[0] = a.sni[0] = a.alert_sent[0] = '\0';
	a.n_codes = 0;
	line = tp_sideband_account_line(&a);
	assert_non_null(strstr(line, "\"alert_sent\":null"));
	assert_non_null(strstr(line, "\"sni\":null"));
	assert_non_null(strstr(line, "\"codes\":[]"));
	assert_parses_as(line, "account");
	assert_account_equal(&a, &parsed.u.account.account);
	free(line);
}

/* ---- what is refused ---- */

static void test_sideband_wrong_magic(void **state)
{
	(void)state;
	assert_parses_as(INSIDE_LINE, "inside");
	assert_refused_str("TLSPROBE/2 " INSIDE_JSON, "other protocol version");
	assert_refused_str("tlsprobe/1 " INSIDE_JSON, "lower case magic");
	assert_refused_str("TLSPROBE/1" INSIDE_JSON,
			   "no space after the magic");
	assert_refused_str("TLSPROBE/1", "magic cut short");
	assert_refused_str("", "empty line");
	assert_refused_str("GET / HTTP/1.1\r\n", "HTTP");
	assert_refused(NULL, 0, "NULL");
}

static void test_sideband_too_long(void **state)
{
	char *line = malloc(TP_SIDEBAND_MAX_LINE + 2), *s;
	size_t n;

	(void)state;
	assert_non_null(line);
	/* a valid message padded with spaces to one byte over the limit */
	n = (size_t)snprintf(line, TP_SIDEBAND_MAX_LINE + 2, "%s", INSIDE_LINE);
	n--; /* its closing brace goes last */
	memset(line + n, ' ', TP_SIDEBAND_MAX_LINE + 1 - n);
	line[TP_SIDEBAND_MAX_LINE - 1] = '}';
	line[TP_SIDEBAND_MAX_LINE] = '\n';
	line[TP_SIDEBAND_MAX_LINE + 1] = '\0';
	assert_refused(line, TP_SIDEBAND_MAX_LINE + 1, "one byte too long");
	/* the same at exactly the limit is taken */
	{
		struct tp_error err = {0};

		assert_string_equal(parse_any(line, TP_SIDEBAND_MAX_LINE, &err),
				    "inside");
	}
	/* a string too long for its field, inside a line short enough */
	s = malloc(200);
	memset(s, 'x', 199);
	s[0] = '"';
	s[198] = '"';
	s[199] = '\0';
	free(line);
	line = HELLO_WITH(.local = s);
	assert_refused_naming(line, "local longer than its field",
			      "hello.local");
	free(line);
	free(s);
}

static void test_sideband_not_json(void **state)
{
	(void)state;
	assert_refused_str("TLSPROBE/1 {", "unterminated object");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\",}", "trailing comma");
	assert_refused_str(INSIDE_LINE " x", "garbage after the object");
	assert_refused_str("TLSPROBE/1 {\"type\":\"in\\u0000side\"}",
			   "NUL escape");
	assert_refused_str("TLSPROBE/1 \xff\xfe", "not UTF-8");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside\",\"version\":\"1\","
			   "\"version\":\"2\",\"unique_id\":null,\"local\":"
			   "\"a\",\"dialled\":\"b\"}", "duplicate key");
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
	assert_refused_str("TLSPROBE/1 {\"type\":\"token\"}", "old type");
	assert_refused_str("TLSPROBE/1 {\"type\":\"\\u001b[2Jx\"}",
			   "unknown hostile type");
}

/*
 * The name returned and the tag set agree for every type, so that a
 * caller switching on m->type reads the member that was filled.
 */
static void test_sideband_type_tag(void **state)
{
	static const struct {
		const char *name;
		enum tp_sideband_type type;
	} types[] = {
		{"hello", TP_SIDEBAND_HELLO}, {"inside", TP_SIDEBAND_INSIDE},
		{"welcome", TP_SIDEBAND_WELCOME},
		{"inside-reply", TP_SIDEBAND_INSIDE_REPLY},
		{"claim", TP_SIDEBAND_CLAIM}, {"account", TP_SIDEBAND_ACCOUNT},
	};
	struct tp_sideband_msg m;
	struct tp_error err = {0};
	char *line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		line = full_line(types[i].name);
		memset(&m, 0xa5, sizeof(m));
		assert_string_equal(
			tp_sideband_parse(line, strlen(line), &m, &err),
			types[i].name);
		assert_int_equal(m.type, types[i].type);
		free(line);
	}
}

/* A member of the wrong type or missing, in each message. */
struct member_case {
	const char *type;     /* the line, as full_line makes it */
	const char *anchor;   /* the member is the first after this */
	const char *key;
	const char *wrong;    /* a value of the wrong type */
	const char *what;     /* how the message names its object */
	const char *says;     /* what a wrong type's message says, when it
				 is not what.key */
};

static const struct member_case member_cases[] = {
	{"hello", NULL, "version", "7", "hello", NULL},
	{"hello", NULL, "unique_id", "[]", "hello", NULL},
	{"hello", NULL, "local", "{}", "hello", NULL},
	{"hello", NULL, "dialled", "true", "hello", NULL},
	{"hello", NULL, "client_random", "null", "hello", NULL},
	{"hello", NULL, "key", "7", "hello", NULL},
	{"inside", NULL, "version", "null", "inside", NULL},
	{"inside", NULL, "unique_id", "7", "inside", NULL},
	{"inside", NULL, "local", "[]", "inside", NULL},
	{"inside", NULL, "dialled", "null", "inside", NULL},
	{"welcome", NULL, "version", "1", "welcome", NULL},
	{"welcome", NULL, "unique_id", "null", "welcome", NULL},
	{"welcome", NULL, "seen_from", "7", "welcome", NULL},
	{"welcome", NULL, "server_local", "[]", "welcome", NULL},
	{"welcome", NULL, "chain_sha256", "\"" HEX64 "\"", "welcome", NULL},
	{"welcome", NULL, "trusted_cas", "\"CN=a\"", "welcome", NULL},
	{"welcome", NULL, "require_client_cert", "\"yes\"", "welcome", NULL},
	{"welcome", NULL, "expect_id", "7", "welcome", NULL},
	{"welcome", NULL, "challenge", "null", "welcome", NULL},
	{"inside-reply", NULL, "version", "7", "inside-reply", NULL},
	{"inside-reply", NULL, "unique_id", "null", "inside-reply", NULL},
	{"inside-reply", NULL, "seen_from", "{}", "inside-reply", NULL},
	{"inside-reply", NULL, "server_local", "7", "inside-reply", NULL},
	{"inside-reply", NULL, "chain_sha256", "7", "inside-reply", NULL},
	{"inside-reply", NULL, "client_random", "7", "inside-reply", NULL},
	{"inside-reply", NULL, "account", "[]", "inside-reply",
	 "account is not an object or null"},
	{"inside-reply", "\"account\":{", "outcome", "7", "account", NULL},
	{"inside-reply", "\"account\":{", "codes", "{}", "account", NULL},
	{"claim", NULL, "signature", "null", "claim", NULL},
	{"account", NULL, "account", "\"none\"", "account message",
	 "account is not an object or null"},
	{"account", "\"account\":{", "seen_from", "7", "account", NULL},
	{"account", "\"account\":{", "outcome", "null", "account", NULL},
	{"account", "\"account\":{", "version", "[]", "account", NULL},
	{"account", "\"account\":{", "cipher", "7", "account", NULL},
	{"account", "\"account\":{", "sni", "{}", "account", NULL},
	{"account", "\"account\":{", "alert_sent", "7", "account", NULL},
	{"account", "\"account\":{", "reason", "null", "account", NULL},
	{"account", "\"account\":{", "client_cert", "7", "account",
	 "account.client_cert is not an object or null"},
	{"account", "\"account\":{", "codes", "\"UNKNOWN_CA\"", "account",
	 NULL},
	{"account", "\"client_cert\":{", "subject", "7",
	 "account.client_cert", NULL},
	{"account", "\"client_cert\":{", "issuer", "null",
	 "account.client_cert", NULL},
	{"account", "\"client_cert\":{", "sha256", "7",
	 "account.client_cert", NULL},
};

static void test_sideband_members(void **state)
{
	const struct member_case *mc;
	char *full, *line, name[96];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(member_cases) / sizeof(member_cases[0]); i++) {
		mc = &member_cases[i];
		full = full_line(mc->type);
		line = with_member(full, mc->anchor, mc->key, mc->wrong);
		if (mc->says != NULL)
			snprintf(name, sizeof(name), "%s", mc->says);
		else
			snprintf(name, sizeof(name), "%s.%s", mc->what,
				 mc->key);
		assert_refused_naming(line, mc->key, name);
		free(line);
		line = with_member(full, mc->anchor, mc->key, NULL);
		snprintf(name, sizeof(name), "%s has no \"%s\"", mc->what,
			 mc->key);
		assert_refused_naming(line, mc->key, name);
		free(line);
		free(full);
	}
}

/* The members a nullable field takes null for, and the value comes back
 * empty; the members that are not nullable are in the table above. */
static void test_sideband_nullable_members(void **state)
{
	static const struct {
		const char *type, *anchor, *key;
	} cases[] = {
		{"hello", NULL, "unique_id"},
		{"inside", NULL, "unique_id"},
		{"welcome", NULL, "expect_id"},
		{"inside-reply", NULL, "account"},
		{"account", NULL, "account"},
		{"account", "\"account\":{", "version"},
		{"account", "\"account\":{", "client_cert"},
	};
	char *full, *line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		full = full_line(cases[i].type);
		line = with_member(full, cases[i].anchor, cases[i].key,
				   "null");
		assert_parses_as(line, cases[i].type);
		free(line);
		free(full);
	}
}

static void test_sideband_field_types(void **state)
{
	static const char *const cases[][2] = {
		{"version", "1"}, {"unique_id", "[]"}, {"local", "{}"},
		{"dialled", "true"}, {"client_random", "null"},
		{"key", "null"}, {"version", "null"}, {"local", "null"},
		{"client_random", "32"}, {"key", "[]"},
	};
	size_t i;
	char *line, name[64];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *k = cases[i][0], *v = cases[i][1];

		line = HELLO_WITH(
			.version = strcmp(k, "version") ? NULL : v,
			.unique_id = strcmp(k, "unique_id") ? NULL : v,
			.local = strcmp(k, "local") ? NULL : v,
			.dialled = strcmp(k, "dialled") ? NULL : v,
			.client_random = strcmp(k, "client_random") ? NULL : v,
			.key = strcmp(k, "key") ? NULL : v);
		snprintf(name, sizeof(name), "hello.%s", k);
		assert_refused_naming(line, k, name);
		free(line);
	}
	/* the same line with nothing replaced is good */
	line = HELLO_WITH(.version = NULL);
	assert_parses_as(line, "hello");
	free(line);
	/* a missing field */
	assert_refused_naming("TLSPROBE/1 {\"type\":\"hello\","
			      "\"version\":\"1\","
			      "\"unique_id\":null,\"local\":\"a\",\"dialled\":"
			      "\"b\",\"client_random\":\"" HEX64 "\"}",
			      "no key", "hello has no \"key\"");
	/* the old hello, with a token and no key, is not a hello now */
	assert_refused_naming("TLSPROBE/1 {\"type\":\"hello\","
			      "\"version\":\"1\","
			      "\"unique_id\":null,\"local\":\"a\",\"dialled\":"
			      "\"b\",\"token\":\"" HEX64 "\"}",
			      "token", "hello has no \"client_random\"");
	assert_refused_naming("TLSPROBE/1 {\"type\":\"inside\"}", "no version",
			      "inside has no \"version\"");
	assert_refused_str("TLSPROBE/1 {\"type\":\"inside-reply\",\"version\":"
			   "\"1\",\"unique_id\":\"x\",\"seen_from\":\"a\","
			   "\"server_local\":\"b\",\"chain_sha256\":\"" HEX64
			   "\",\"client_random\":\"" HEX64 "\","
			   "\"account\":null}", "chain not a list");
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
		{"unique_id", "null"},
		{"challenge", "\"" HEX64 "0\""},
	};
	size_t i;
	char *full = full_line("welcome"), *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line = with_member(full, NULL, cases[i][0], cases[i][1]);
		assert_refused_naming(line, cases[i][1], cases[i][0]);
		free(line);
	}
	free(full);
}

/* Each account is refused in an account message and in an inside-reply
 * alike: one parser reads both. */
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
		"[]",
		"\"none\"",
		"true",
	};
	static const char good[] = "{\"seen_from\":\"a\",\"outcome\":\"alert\","
		"\"version\":null,\"cipher\":null,\"sni\":null,\"alert_sent\":"
		"null,\"reason\":\"\",\"client_cert\":null,\"codes\":[]}";
	char *account = full_line("account");
	char *reply = full_line("inside-reply");
	char *line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line = with_member(account, NULL, "account", cases[i]);
		assert_refused_naming(line, cases[i], "account");
		free(line);
		line = with_member(reply, NULL, "account", cases[i]);
		assert_refused_naming(line, cases[i], "account");
		free(line);
	}
	/* the least account there is, for contrast */
	line = with_member(account, NULL, "account", good);
	assert_parses_as(line, "account");
	assert_true(parsed.u.account.has_account);
	free(line);
	line = with_member(reply, NULL, "account", good);
	assert_parses_as(line, "inside-reply");
	assert_true(parsed.u.inside_reply.has_account);
	free(line);
	free(account);
	free(reply);
}

static void test_sideband_too_long_strings(void **state)
{
	char big[600], *line, *account, *acct = NULL;

	(void)state;
	/* unique_id: 64 bytes is one too many for its 64-byte field */
	memset(big, 'a', sizeof(big));
	big[0] = '"';
	big[65] = '"';
	big[66] = '\0';
	line = HELLO_WITH(.unique_id = big);
	assert_refused_naming(line, "unique_id of 64 bytes", "hello.unique_id");
	free(line);
	/* 63 is fine */
	big[64] = '"';
	big[65] = '\0';
	line = HELLO_WITH(.unique_id = big);
	assert_parses_as(line, "hello");
	free(line);
	/* version of 16 bytes */
	line = HELLO_WITH(.version = "\"0123456789abcdef\"");
	assert_refused_naming(line, "version of 16 bytes", "hello.version");
	free(line);
	/* a NUL would cut the field short and hide what follows it (the
	 * JSON reader already refuses it) */
	line = HELLO_WITH(.unique_id = "\"id\\u0000evil\"");
	assert_refused_str(line, "unique_id holding a NUL");
	free(line);
	/* the account's reason: 512 bytes */
	memset(big, 'r', sizeof(big));
	big[0] = '"';
	big[513] = '"';
	big[514] = '\0';
	account = full_line("account");
	assert_true(asprintf(&acct, "{\"seen_from\":\"a\",\"outcome\":"
			     "\"alert\",\"version\":null,\"cipher\":"
			     "null,\"sni\":null,\"alert_sent\":null,"
			     "\"reason\":%s,\"client_cert\":null,"
			     "\"codes\":[]}", big) > 0);
	line = with_member(account, NULL, "account", acct);
	assert_refused_naming(line, "reason of 512 bytes", "account.reason");
	free(line);
	free(acct);
	free(account);
}

/* Hex members are exactly their length in lower-case hex digits. */
static void test_sideband_bad_hex(void **state)
{
	static const char *const values[] = {
		"\"" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01" "\"",
		"\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg" "\"",
		"\"" "0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef" "\"",
		"\"" "0x23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" "\"",
		"\"\"",
		"64",
		"null",
	};
	char *full, *line, name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		line = HELLO_WITH(.client_random = values[i]);
		assert_refused_naming(line, values[i], "hello.client_random");
		free(line);
		line = HELLO_WITH(.key = values[i]);
		assert_refused_naming(line, values[i], "hello.key");
		free(line);
	}
	full = full_line("welcome");
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		line = with_member(full, NULL, "challenge", values[i]);
		assert_refused_naming(line, values[i], "welcome.challenge");
		free(line);
	}
	free(full);
	/* a signature is 128 digits: one 64-digit value is too short */
	full = full_line("claim");
	line = with_member(full, NULL, "signature", "\"" HEX64 "\"");
	assert_refused_naming(line, "short signature", "claim.signature");
	free(line);
	line = with_member(full, NULL, "signature",
			   "\"" HEX64 "0123456789ABCDEF0123456789abcdef"
			   "0123456789abcdef0123456789abcdef\"");
	assert_refused_naming(line, "upper-case signature",
			      "claim.signature");
	free(line);
	line = with_member(full, NULL, "signature", "\"" HEX64 HEX64B "\"");
	assert_parses_as(line, "claim");
	free(line);
	free(full);
	full = full_line("welcome");
	line = with_member(full, NULL, "chain_sha256",
			   "[\"" HEX64 "\",\"abc\"]");
	snprintf(name, sizeof(name), "welcome.chain_sha256[]");
	assert_refused_naming(line, "short chain hash", name);
	free(line);
	line = with_member(full, NULL, "chain_sha256",
			   "[\"0123456789abcdef0123456789abcdef0123456789abcdef"
			   "0123456789ABCDEF\"]");
	assert_refused_naming(line, "upper-case chain hash", name);
	free(line);
	free(full);
	full = full_line("inside-reply");
	line = with_member(full, NULL, "client_random", "\"" HEX64 "0\"");
	assert_refused_naming(line, "long client_random",
			      "inside-reply.client_random");
	free(line);
	free(full);
}

static char *list_of(size_t n, const char *item)
{
	size_t len = 2 + n * (strlen(item) + 1), i;
	char *s = malloc(len + 1), *p = s;

	assert_non_null(s);
	*p++ = '[';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", item);
	*p++ = ']';
	*p = '\0';
	return s;
}

static void test_sideband_too_many_items(void **state)
{
	char *list, *line, *full = full_line("welcome");

	(void)state;
	list = list_of(TP_SIDEBAND_MAX_LIST + 1, "\"" HEX64 "\"");
	line = with_member(full, NULL, "chain_sha256", list);
	assert_refused_naming(line, "33 chain hashes", "welcome.chain_sha256");
	free(line);
	free(list);
	list = list_of(TP_SIDEBAND_MAX_LIST + 1, "\"CN=x\"");
	line = with_member(full, NULL, "trusted_cas", list);
	assert_refused_naming(line, "33 trusted CAs", "welcome.trusted_cas");
	free(line);
	free(list);
	/* 32 is the limit, not over it */
	list = list_of(TP_SIDEBAND_MAX_LIST, "\"CN=x\"");
	line = with_member(full, NULL, "trusted_cas", list);
	assert_parses_as(line, "welcome");
	assert_int_equal(parsed.u.welcome.n_trusted, TP_SIDEBAND_MAX_LIST);
	free(line);
	free(list);
	free(full);
	full = full_line("account");
	list = list_of(TP_SIDEBAND_MAX_LIST + 1, "\"UNKNOWN_CA\"");
	line = with_member(full, "\"account\":{", "codes", list);
	assert_refused_naming(line, "33 codes", "account.codes");
	free(line);
	free(list);
	free(full);
}

/*
 * Values arrive as the bytes they stand for: raw control characters as
 * they are, and the sending tlsprobe's own escapes (it sanitised what it
 * sent) turned back, so that the report's setters, which sanitise, show
 * what the sender showed, escaped once.
 */
static void test_sideband_hostile_raw_for_the_report(void **state)
{
	struct tp_sideband_hello h;
	char ca[256], *line, *full;
	struct tp_report *r;

	(void)state;
	line = HELLO_WITH(.unique_id = "\"id\\u001b[2J\"",
			  .local = "\"10.0.0.1:1\\r\\nX-Evil: 1\"",
			  .dialled = "\"\\u009b31m\\\\x1b\\\\\\\\\"");
	assert_parses_as(line, "hello");
	h = parsed.u.hello;
	assert_string_equal(h.unique_id, "id\x1b[2J");
	assert_string_equal(h.local, "10.0.0.1:1\r\nX-Evil: 1");
	assert_string_equal(h.dialled, "\xc2\x9b" "31m\x1b\\");
	free(line);

	full = full_line("welcome");
	line = with_member(full, NULL, "trusted_cas",
			   "[\"CN=a\\u0007\\u007f\\u202e\"]");
	assert_parses_as(line, "welcome");
	snprintf(ca, sizeof(ca), "%s", parsed.u.welcome.trusted_cas[0]);
	assert_string_equal(ca, "CN=a\x07\x7f\xe2\x80\xae");
	free(line);
	free(full);

	/* into a report: escaped once */
	r = tp_report_new("client");
	assert_non_null(r);
	assert_int_equal(tp_strv_add(&r->peer.trusted_cas, &r->peer.n_trusted,
				     ca), 0);
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
		"\"version\":\"9.9\",\"future\":{\"x\":[1,2]},\"unique_id\":"
		"null,\"local\":\"a\",\"dialled\":\"b\"}\n";
	char *full, *extra;

	(void)state;
	assert_parses_as(line, "inside");
	assert_string_equal(parsed.u.hello.version, "9.9");
	/* a claim that says more than its signature is still a claim */
	full = full_line("claim");
	extra = with_member(full, NULL, "type", "\"claim\",\"key\":7");
	assert_parses_as(extra, "claim");
	free(extra);
	free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sideband_client_mark),
		cmocka_unit_test(test_sideband_mark_known_answer),
		cmocka_unit_test(test_sideband_server_mark),
		cmocka_unit_test(test_sideband_claim),
		cmocka_unit_test(test_sideband_hello_round_trip),
		cmocka_unit_test(test_sideband_inside_round_trip),
		cmocka_unit_test(test_sideband_inside_reply_round_trip),
		cmocka_unit_test(test_sideband_welcome_round_trip),
		cmocka_unit_test(test_sideband_welcome_nulls),
		cmocka_unit_test(test_sideband_welcome_bounded),
		cmocka_unit_test(test_sideband_claim_round_trip),
		cmocka_unit_test(test_sideband_account_round_trip),
		cmocka_unit_test(test_sideband_wrong_magic),
		cmocka_unit_test(test_sideband_too_long),
		cmocka_unit_test(test_sideband_not_json),
		cmocka_unit_test(test_sideband_not_object),
		cmocka_unit_test(test_sideband_type),
		cmocka_unit_test(test_sideband_type_tag),
		cmocka_unit_test(test_sideband_members),
		cmocka_unit_test(test_sideband_nullable_members),
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
