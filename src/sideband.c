/*
 * The paired probes' side channel (the protocol is in sideband.h).
 *
 * Lines come from a peer that may be hostile: a line is bounded before
 * the JSON parser sees it, every string by the field that receives it
 * (raw: it is sanitised once, where it enters a report), every list by
 * TP_SIDEBAND_MAX_LIST, and hex fields must be exactly what they claim to be.
 */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sideband.h"

/* ---- marks and keys ---- */

static const char client_mark_key[] = "TLSPROBE/1 client mark";
static const char server_mark_key[] = "TLSPROBE/1 server mark";
static const char claim_label[] = "TLSPROBE/1 claim";

int tp_sideband_key_new(struct tp_sideband_key *k)
{
	gnutls_privkey_t priv = NULL;
	gnutls_datum_t x = {NULL, 0};
	gnutls_ecc_curve_t curve;
	int rc;

	memset(k, 0, sizeof(*k));
	if (gnutls_privkey_init(&priv) < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = gnutls_privkey_generate2(priv, GNUTLS_PK_EDDSA_ED25519, 0, 0,
				      NULL, 0);
	if (rc >= 0)
		rc = gnutls_privkey_export_ecc_raw2(priv, &curve, &x, NULL,
						    NULL, 0);
	if (rc < 0 || x.size != TP_SIDEBAND_KEY_LEN) {
		if (rc == GNUTLS_E_MEMORY_ERROR)
			errno = ENOMEM;
		gnutls_free(x.data);
		gnutls_privkey_deinit(priv);
		return -1;
	}
	memcpy(k->pub, x.data, TP_SIDEBAND_KEY_LEN);
	gnutls_free(x.data);
	k->priv = priv;
	return 0;
}

void tp_sideband_key_free(struct tp_sideband_key *k)
{
	if (k->priv != NULL)
		gnutls_privkey_deinit((gnutls_privkey_t)k->priv);
	k->priv = NULL;
}

/* HMAC-SHA256(key, data)[0..16) into out; false if GnuTLS failed. */
static bool mac16(const char *key, const unsigned char *data, size_t n,
		  unsigned char out[16])
{
	unsigned char full[32];

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, strlen(key), data, n,
			     full) < 0)
		return false;
	memcpy(out, full, 16);
	return true;
}

void tp_sideband_mark_client(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			     unsigned char cr[32])
{
	unsigned char h[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, pub, TP_SIDEBAND_KEY_LEN,
			     h) < 0 ||
	    (memcpy(cr, h, 16), !mac16(client_mark_key, cr, 16, cr + 16)))
		/* no mark: a random that no server answers */
		(void)gnutls_rnd(GNUTLS_RND_NONCE, cr, 32);
}

bool tp_sideband_client_marked(const unsigned char cr[32])
{
	unsigned char tag[16];

	return mac16(client_mark_key, cr, 16, tag) &&
	       gnutls_memcmp(tag, cr + 16, 16) == 0;
}

bool tp_sideband_key_fits(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			  const unsigned char cr[32])
{
	unsigned char h[32];

	return gnutls_hash_fast(GNUTLS_DIG_SHA256, pub, TP_SIDEBAND_KEY_LEN,
				h) >= 0 && memcmp(h, cr, 16) == 0 &&
	       tp_sideband_client_marked(cr);
}

int tp_sideband_mark_server(const unsigned char cr[32], unsigned char sr[32])
{
	/* the tail stays random: a ServerHello random must be fresh */
	if (!mac16(server_mark_key, cr, 32, sr) ||
	    gnutls_rnd(GNUTLS_RND_NONCE, sr + 16, 16) < 0)
		return -1;
	return 0;
}

bool tp_sideband_server_marked(const unsigned char cr[32],
			       const unsigned char sr[32])
{
	unsigned char tag[16];

	return mac16(server_mark_key, cr, 32, tag) &&
	       gnutls_memcmp(tag, sr, 16) == 0;
}

int tp_sideband_challenge_new(unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN])
{
	return gnutls_rnd(GNUTLS_RND_NONCE, ch,
			  TP_SIDEBAND_CHALLENGE_LEN) < 0 ? -1 : 0;
}

/* What a claim signs: the label, the challenge, the random. */
#define CLAIM_LEN (sizeof(claim_label) - 1 + TP_SIDEBAND_CHALLENGE_LEN + 32)

static void claim_data(const unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN],
		       const unsigned char cr[32],
		       unsigned char out[CLAIM_LEN])
{
	size_t at = sizeof(claim_label) - 1;

	memcpy(out, claim_label, at);
	memcpy(out + at, ch, TP_SIDEBAND_CHALLENGE_LEN);
	memcpy(out + at + TP_SIDEBAND_CHALLENGE_LEN, cr, 32);
}

int tp_sideband_sign_claim(const struct tp_sideband_key *k,
			   const unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN],
			   const unsigned char cr[32],
			   unsigned char sig[TP_SIDEBAND_SIG_LEN])
{
	unsigned char data[CLAIM_LEN];
	gnutls_datum_t d = {data, sizeof(data)}, s = {NULL, 0};
	int rc;

	if (k->priv == NULL)
		return -1;
	claim_data(ch, cr, data);
	rc = gnutls_privkey_sign_data2((gnutls_privkey_t)k->priv,
				       GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &s);
	if (rc < 0 || s.size != TP_SIDEBAND_SIG_LEN) {
		gnutls_free(s.data);
		return -1;
	}
	memcpy(sig, s.data, TP_SIDEBAND_SIG_LEN);
	gnutls_free(s.data);
	return 0;
}

bool tp_sideband_claim_valid(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			     const unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN],
			     const unsigned char cr[32],
			     const unsigned char sig[TP_SIDEBAND_SIG_LEN])
{
	unsigned char data[CLAIM_LEN];
	gnutls_datum_t d = {data, sizeof(data)};
	gnutls_datum_t x = {(unsigned char *)pub, TP_SIDEBAND_KEY_LEN};
	gnutls_datum_t s = {(unsigned char *)sig, TP_SIDEBAND_SIG_LEN};
	gnutls_pubkey_t key;
	bool ok;

	if (!tp_sideband_key_fits(pub, cr) || gnutls_pubkey_init(&key) < 0)
		return false;
	claim_data(ch, cr, data);
	ok = gnutls_pubkey_import_ecc_raw(key, GNUTLS_ECC_CURVE_ED25519, &x,
					  NULL) >= 0 &&
	     gnutls_pubkey_verify_data2(key, GNUTLS_SIGN_EDDSA_ED25519, 0, &d,
					&s) >= 0;
	gnutls_pubkey_deinit(key);
	return ok;
}

/* ---- building lines ---- */

/*
 * A JSON string from a fixed-size field: never read past the field, and
 * a field that is not valid UTF-8 (the caller did not sanitise it) goes
 * out sanitised rather than not at all.
 */
static json_t *field(const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	json_t *j = json_stringn(s, n);
	char *clean;

	if (j != NULL)
		return j;
	clean = tp_sanitize(s, n);
	if (clean == NULL)
		return NULL;
	j = json_string(clean);
	free(clean);
	return j;
}

#define FIELD(s) field((s), sizeof(s))

/* The field, or null when it is empty. */
static json_t *field_or_null(const char *s, size_t size)
{
	return s[0] == '\0' ? json_null() : field(s, size);
}

#define FIELD_OR_NULL(s) field_or_null((s), sizeof(s))

static json_t *field_list(const char (*items)[65], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n && i < TP_SIDEBAND_MAX_LIST; i++)
		if (json_array_append_new(a, field(items[i], 65)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *version_or_ours(const char *v)
{
	return v[0] != '\0' ? v : TP_VERSION;
}

/* "TLSPROBE/1 " + compact JSON + "\n"; takes the reference to obj. NULL
 * when obj is NULL (a part could not be built) or memory ran out. */
static char *line_of(json_t *obj)
{
	char *json, *line;
	size_t n;

	if (obj == NULL)
		return NULL;
	json = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (json == NULL)
		return NULL;
	n = strlen(json);
	line = malloc(TP_SIDEBAND_MAGIC_LEN + n + 2);
	if (line != NULL) {
		memcpy(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN);
		memcpy(line + TP_SIDEBAND_MAGIC_LEN, json, n);
		line[TP_SIDEBAND_MAGIC_LEN + n] = '\n';
		line[TP_SIDEBAND_MAGIC_LEN + n + 1] = '\0';
	}
	free(json);
	return line;
}

char *tp_sideband_inside_line(const struct tp_sideband_hello *words)
{
	return line_of(json_pack("{s:s, s:s, s:o, s:o, s:o}",
				 "type", "inside",
				 "version", version_or_ours(words->version),
				 "unique_id", FIELD_OR_NULL(words->unique_id),
				 "local", FIELD(words->local),
				 "dialled", FIELD(words->dialled)));
}

char *tp_sideband_hello_line(const struct tp_sideband_hello *h)
{
	char random[65], key[2 * TP_SIDEBAND_KEY_LEN + 1];

	tp_hex(h->client_random, 32, random);
	tp_hex(h->key, TP_SIDEBAND_KEY_LEN, key);
	return line_of(json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s}",
				 "type", "hello",
				 "version", version_or_ours(h->version),
				 "unique_id", FIELD_OR_NULL(h->unique_id),
				 "local", FIELD(h->local),
				 "dialled", FIELD(h->dialled),
				 "client_random", random, "key", key));
}

char *tp_sideband_claim_line(const unsigned char sig[TP_SIDEBAND_SIG_LEN])
{
	char hex[2 * TP_SIDEBAND_SIG_LEN + 1];

	tp_hex(sig, TP_SIDEBAND_SIG_LEN, hex);
	return line_of(json_pack("{s:s, s:s}", "type", "claim", "signature",
				 hex));
}

static json_t *account_json(const struct tp_sideband_account *a)
{
	json_t *codes = json_array(), *cert;
	size_t i;

	for (i = 0; codes != NULL && i < a->n_codes && i < TP_SIDEBAND_MAX_LIST;
	     i++)
		json_array_append_new(codes, FIELD(a->codes[i]));
	if (a->has_client_cert)
		cert = json_pack("{s:o, s:o, s:o}",
				 "subject", FIELD(a->client_subject),
				 "issuer", FIELD(a->client_issuer),
				 "sha256", FIELD(a->client_sha256));
	else
		cert = json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
			 "s:o}",
			 "seen_from", FIELD(a->seen_from),
			 "outcome", FIELD(a->outcome),
			 "version", FIELD_OR_NULL(a->version),
			 "cipher", FIELD_OR_NULL(a->cipher),
			 "sni", FIELD_OR_NULL(a->sni),
			 "alert_sent", FIELD_OR_NULL(a->alert_sent),
			 "reason", FIELD(a->reason),
			 "client_cert", cert,
			 "codes", codes);
}

char *tp_sideband_account_line(const struct tp_sideband_account *a)
{
	return line_of(json_pack("{s:s, s:o}", "type", "account",
				 "account", a != NULL ? account_json(a)
						      : json_null()));
}

char *tp_sideband_inside_reply_line(const struct tp_sideband_inside_reply *r)
{
	return line_of(json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
				 "type", "inside-reply",
				 "version", version_or_ours(r->version),
				 "unique_id", FIELD(r->unique_id),
				 "seen_from", FIELD(r->seen_from),
				 "server_local", FIELD(r->server_local),
				 "chain_sha256", field_list(r->chain_sha256,
							    r->n_chain),
				 "client_random", FIELD(r->client_random),
				 "account", r->has_account
					    ? account_json(&r->account)
					    : json_null()));
}

static json_t *welcome_json(const struct tp_sideband_welcome *w,
			    size_t n_trusted)
{
	json_t *cas = json_array();
	char challenge[2 * TP_SIDEBAND_CHALLENGE_LEN + 1];
	size_t i;

	tp_hex(w->challenge, TP_SIDEBAND_CHALLENGE_LEN, challenge);
	for (i = 0; cas != NULL && i < n_trusted; i++)
		json_array_append_new(cas, FIELD(w->trusted_cas[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o, "
			 "s:s}",
			 "type", "welcome",
			 "version", version_or_ours(w->version),
			 "unique_id", FIELD(w->unique_id),
			 "seen_from", FIELD(w->seen_from),
			 "server_local", FIELD(w->server_local),
			 "chain_sha256", field_list(w->chain_sha256,
						    w->n_chain),
			 "trusted_cas", cas,
			 "require_client_cert", w->require_client_cert,
			 "expect_id", FIELD_OR_NULL(w->expect_id),
			 "challenge", challenge);
}

char *tp_sideband_welcome_line(const struct tp_sideband_welcome *w)
{
	size_t n = w->n_trusted < TP_SIDEBAND_MAX_LIST ? w->n_trusted
						 : TP_SIDEBAND_MAX_LIST;
	char *line;

	/*
	 * Every other field is short; long CA names full of characters
	 * JSON escapes could still push the line past what a reader takes,
	 * so the CAs that do not fit are left out, last first.
	 */
	for (;;) {
		line = line_of(welcome_json(w, n));
		if (line == NULL || strlen(line) <= TP_SIDEBAND_MAX_LINE ||
		    n == 0)
			return line;
		free(line);
		n--;
	}
}

/* ---- parsing lines ---- */

static int bad(struct tp_error *err, const char *fmt, ...) TP_PRINTF(2, 3);
static int bad(struct tp_error *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tp_error_set(err, TP_ERR_USAGE, "side channel: %s", msg);
	return -1;
}

/* What a message is being read as, for the error messages. */
struct ctx {
	const char *what;   /* "hello", "welcome.account" */
	struct tp_error *err;
};

static json_t *member(const struct ctx *c, const json_t *obj,
		      const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		bad(c->err, "%s has no \"%s\"", c->what, key);
	return v;
}

/*
 * A string member into a fixed field: bounded, and back to the bytes
 * the sending tlsprobe's escapes stand for (it sanitised what it sent).
 * The field then holds raw bytes: they are sanitised once, where they
 * enter a report. A nullable member that is null gives "".
 */
static int get_str(const struct ctx *c, const json_t *obj, const char *key,
		   char *out, size_t size, bool nullable)
{
	json_t *v = member(c, obj, key);
	size_t n;
	char *raw;

	if (v == NULL)
		return -1;
	if (nullable && json_is_null(v)) {
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return bad(c->err, "%s.%s is not a string%s", c->what, key,
			   nullable ? " or null" : "");
	n = json_string_length(v);
	if (n >= size)
		return bad(c->err, "%s.%s is %zu bytes long, at most %zu are "
			   "allowed", c->what, key, n, size - 1);
	/* a NUL would cut the field short and hide what follows it */
	if (memchr(json_string_value(v), 0, n) != NULL)
		return bad(c->err, "%s.%s holds a NUL character", c->what,
			   key);
	raw = tp_unsanitize(json_string_value(v), n);
	if (raw == NULL) {
		tp_error_set(c->err, TP_ERR_RUNTIME, "side channel: out of "
			     "memory");
		return -1;
	}
	/* no longer than the escaped form, so it fits */
	memcpy(out, raw, strlen(raw) + 1);
	free(raw);
	return 0;
}

static int get_bool(const struct ctx *c, const json_t *obj, const char *key,
		    bool *out)
{
	json_t *v = member(c, obj, key);

	if (v == NULL)
		return -1;
	if (!json_is_boolean(v))
		return bad(c->err, "%s.%s is not true or false", c->what, key);
	*out = json_is_true(v);
	return 0;
}

static bool lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A string of exactly digits lower-case hex digits. */
static int check_hex(const struct ctx *c, const json_t *v, const char *key,
		     size_t digits)
{
	if (!json_is_string(v))
		return bad(c->err, "%s.%s is not a string", c->what, key);
	if (json_string_length(v) != digits ||
	    !lower_hex(json_string_value(v), digits))
		return bad(c->err, "%s.%s is not %zu lower-case hex digits",
			   c->what, key, digits);
	return 0;
}

/* A hex member into its text form (digits + 1 bytes). */
static int get_hex_text(const struct ctx *c, const json_t *obj,
			const char *key, char *out, size_t digits)
{
	json_t *v = member(c, obj, key);

	if (v == NULL || check_hex(c, v, key, digits) < 0)
		return -1;
	memcpy(out, json_string_value(v), digits + 1);
	return 0;
}

static int nibble(char h)
{
	return h <= '9' ? h - '0' : h - 'a' + 10;
}

static int get_hex_bytes(const struct ctx *c, const json_t *obj,
			 const char *key, unsigned char *out, size_t n)
{
	json_t *v = member(c, obj, key);
	const char *s;
	size_t i;

	if (v == NULL || check_hex(c, v, key, 2 * n) < 0)
		return -1;
	s = json_string_value(v);
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)(nibble(s[2 * i]) << 4 |
					 nibble(s[2 * i + 1]));
	return 0;
}

/* An array member of at most TP_SIDEBAND_MAX_LIST items. */
static json_t *get_list(const struct ctx *c, const json_t *obj,
			const char *key)
{
	json_t *v = member(c, obj, key);

	if (v == NULL)
		return NULL;
	if (!json_is_array(v)) {
		bad(c->err, "%s.%s is not a list", c->what, key);
		return NULL;
	}
	if (json_array_size(v) > TP_SIDEBAND_MAX_LIST) {
		bad(c->err, "%s.%s has %zu items, at most %d are allowed",
		    c->what, key, json_array_size(v), TP_SIDEBAND_MAX_LIST);
		return NULL;
	}
	return v;
}

static int get_chain(const struct ctx *c, const json_t *obj,
		     char (*chain)[65], size_t *n)
{
	json_t *list = get_list(c, obj, "chain_sha256");
	size_t i;

	if (list == NULL)
		return -1;
	for (i = 0; i < json_array_size(list); i++) {
		if (check_hex(c, json_array_get(list, i), "chain_sha256[]",
			      64) < 0)
			return -1;
		memcpy(chain[i], json_string_value(json_array_get(list, i)),
		       65);
	}
	*n = i;
	return 0;
}

/* A list of strings into fixed fields of size bytes each. */
static int get_strings(const struct ctx *c, const json_t *obj,
		       const char *key, char *items, size_t size, size_t *n)
{
	json_t *list = get_list(c, obj, key), *wrap;
	char name[48];
	size_t i;
	int rc;

	if (list == NULL)
		return -1;
	snprintf(name, sizeof(name), "%s[]", key);
	for (i = 0; i < json_array_size(list); i++) {
		/* each item is read as the one member of an object, so that
		 * items and members share one set of checks */
		wrap = json_pack("{s:O}", name, json_array_get(list, i));
		if (wrap == NULL) {
			tp_error_set(c->err, TP_ERR_RUNTIME, "side channel: "
				     "out of memory");
			return -1;
		}
		rc = get_str(c, wrap, name, items + i * size, size, false);
		json_decref(wrap);
		if (rc < 0)
			return -1;
	}
	*n = i;
	return 0;
}

static int parse_hello(const json_t *o, struct tp_sideband_hello *h,
		       struct tp_error *err)
{
	struct ctx c = {"hello", err};

	memset(h, 0, sizeof(*h));
	if (get_str(&c, o, "version", h->version, sizeof(h->version),
		    false) < 0 ||
	    get_str(&c, o, "unique_id", h->unique_id, sizeof(h->unique_id),
		    true) < 0 ||
	    get_str(&c, o, "local", h->local, sizeof(h->local), false) < 0 ||
	    get_str(&c, o, "dialled", h->dialled, sizeof(h->dialled),
		    false) < 0 ||
	    get_hex_bytes(&c, o, "client_random", h->client_random, 32) < 0 ||
	    get_hex_bytes(&c, o, "key", h->key, TP_SIDEBAND_KEY_LEN) < 0)
		return -1;
	return 0;
}

static int get_account(struct tp_error *err, const char *what, const json_t *o,
		       bool *has, struct tp_sideband_account *a);

static int parse_inside_reply(const json_t *o,
			      struct tp_sideband_inside_reply *r,
			      struct tp_error *err)
{
	struct ctx c = {"inside-reply", err};

	memset(r, 0, sizeof(*r));
	if (get_str(&c, o, "version", r->version, sizeof(r->version),
		    false) < 0 ||
	    get_str(&c, o, "unique_id", r->unique_id, sizeof(r->unique_id),
		    false) < 0 ||
	    get_str(&c, o, "seen_from", r->seen_from, sizeof(r->seen_from),
		    false) < 0 ||
	    get_str(&c, o, "server_local", r->server_local,
		    sizeof(r->server_local), false) < 0 ||
	    get_chain(&c, o, r->chain_sha256, &r->n_chain) < 0 ||
	    get_hex_text(&c, o, "client_random", r->client_random, 64) < 0)
		return -1;
	return get_account(err, "inside-reply", o, &r->has_account,
			   &r->account);
}

static const char *const outcomes[] = {
	"established", "alert", "reset", "closed", "timeout", NULL,
};

static int parse_account(const json_t *o, struct tp_sideband_account *a,
			 struct tp_error *err)
{
	struct ctx c = {"account", err};
	struct ctx cc = {"account.client_cert", err};
	json_t *cert;
	size_t i;

	if (!json_is_object(o))
		return bad(err, "account is not an object or null");
	if (get_str(&c, o, "seen_from", a->seen_from, sizeof(a->seen_from),
		    false) < 0 ||
	    get_str(&c, o, "outcome", a->outcome, sizeof(a->outcome),
		    false) < 0 ||
	    get_str(&c, o, "version", a->version, sizeof(a->version),
		    true) < 0 ||
	    get_str(&c, o, "cipher", a->cipher, sizeof(a->cipher), true) < 0 ||
	    get_str(&c, o, "sni", a->sni, sizeof(a->sni), true) < 0 ||
	    get_str(&c, o, "alert_sent", a->alert_sent, sizeof(a->alert_sent),
		    true) < 0 ||
	    get_str(&c, o, "reason", a->reason, sizeof(a->reason), false) < 0 ||
	    get_strings(&c, o, "codes", &a->codes[0][0], sizeof(a->codes[0]),
			&a->n_codes) < 0)
		return -1;
	for (i = 0; outcomes[i] != NULL; i++)
		if (strcmp(outcomes[i], a->outcome) == 0)
			break;
	if (outcomes[i] == NULL)
		return bad(err, "account.outcome '%s' is not one of "
			   "established, alert, reset, closed, timeout",
			   a->outcome);
	cert = member(&c, o, "client_cert");
	if (cert == NULL)
		return -1;
	if (json_is_null(cert))
		return 0;
	if (!json_is_object(cert))
		return bad(err, "account.client_cert is not an object "
			   "or null");
	if (get_str(&cc, cert, "subject", a->client_subject,
		    sizeof(a->client_subject), false) < 0 ||
	    get_str(&cc, cert, "issuer", a->client_issuer,
		    sizeof(a->client_issuer), false) < 0 ||
	    get_hex_text(&cc, cert, "sha256", a->client_sha256, 64) < 0)
		return -1;
	a->has_client_cert = true;
	return 0;
}

/* The "account" member of what (an object or null). */
static int get_account(struct tp_error *err, const char *what, const json_t *o,
		       bool *has, struct tp_sideband_account *a)
{
	struct ctx c = {what, err};
	json_t *account = member(&c, o, "account");

	*has = false;
	memset(a, 0, sizeof(*a));
	if (account == NULL)
		return -1;
	if (json_is_null(account))
		return 0;
	if (parse_account(account, a, err) < 0)
		return -1;
	*has = true;
	return 0;
}

static int parse_welcome(const json_t *o, struct tp_sideband_welcome *w,
			 struct tp_error *err)
{
	struct ctx c = {"welcome", err};

	memset(w, 0, sizeof(*w));
	if (get_str(&c, o, "version", w->version, sizeof(w->version),
		    false) < 0 ||
	    get_str(&c, o, "unique_id", w->unique_id, sizeof(w->unique_id),
		    false) < 0 ||
	    get_str(&c, o, "seen_from", w->seen_from, sizeof(w->seen_from),
		    false) < 0 ||
	    get_str(&c, o, "server_local", w->server_local,
		    sizeof(w->server_local), false) < 0 ||
	    get_chain(&c, o, w->chain_sha256, &w->n_chain) < 0 ||
	    get_strings(&c, o, "trusted_cas", &w->trusted_cas[0][0],
			sizeof(w->trusted_cas[0]), &w->n_trusted) < 0 ||
	    get_bool(&c, o, "require_client_cert",
		     &w->require_client_cert) < 0 ||
	    get_str(&c, o, "expect_id", w->expect_id, sizeof(w->expect_id),
		    true) < 0 ||
	    get_hex_bytes(&c, o, "challenge", w->challenge,
			  TP_SIDEBAND_CHALLENGE_LEN) < 0)
		return -1;
	return 0;
}

static int parse_inside(const json_t *o, struct tp_sideband_hello *words,
			struct tp_error *err)
{
	struct ctx c = {"inside", err};

	memset(words, 0, sizeof(*words));
	if (get_str(&c, o, "version", words->version, sizeof(words->version),
		    false) < 0 ||
	    get_str(&c, o, "unique_id", words->unique_id,
		    sizeof(words->unique_id), true) < 0 ||
	    get_str(&c, o, "local", words->local, sizeof(words->local),
		    false) < 0 ||
	    get_str(&c, o, "dialled", words->dialled, sizeof(words->dialled),
		    false) < 0)
		return -1;
	return 0;
}

static int parse_claim(const json_t *o, unsigned char sig[TP_SIDEBAND_SIG_LEN],
		       struct tp_error *err)
{
	struct ctx c = {"claim", err};

	return get_hex_bytes(&c, o, "signature", sig, TP_SIDEBAND_SIG_LEN);
}

const char *tp_sideband_parse(const char *line, size_t len,
			      struct tp_sideband_msg *m, struct tp_error *err)
{
	static const char *const types[] = {
		[TP_SIDEBAND_HELLO] = "hello",
		[TP_SIDEBAND_INSIDE] = "inside",
		[TP_SIDEBAND_WELCOME] = "welcome",
		[TP_SIDEBAND_INSIDE_REPLY] = "inside-reply",
		[TP_SIDEBAND_CLAIM] = "claim",
		[TP_SIDEBAND_ACCOUNT] = "account",
	};
	const char *type = NULL;
	json_error_t jerr;
	json_t *doc, *t;
	size_t i;
	int rc = -1;

	if (line == NULL) {
		bad(err, "no line");
		return NULL;
	}
	if (len > TP_SIDEBAND_MAX_LINE) {
		bad(err, "a line of %zu bytes is longer than the %d allowed",
		    len, TP_SIDEBAND_MAX_LINE);
		return NULL;
	}
	if (len < TP_SIDEBAND_MAGIC_LEN ||
	    memcmp(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN) != 0) {
		bad(err, "the line does not start with \"%s\"",
		    TP_SIDEBAND_MAGIC);
		return NULL;
	}
	if (line[len - 1] == '\n')
		len--;
	doc = json_loadb(line + TP_SIDEBAND_MAGIC_LEN,
			 len - TP_SIDEBAND_MAGIC_LEN, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (doc == NULL) {
		/* jansson quotes the input near the error: the message is
		 * sanitised where it is shown, like every error */
		bad(err, "not JSON: %.*s at column %d",
		    (int)strnlen(jerr.text, sizeof(jerr.text)), jerr.text,
		    jerr.column);
		return NULL;
	}
	if (!json_is_object(doc)) {
		bad(err, "the message is not a JSON object");
		goto out;
	}
	t = json_object_get(doc, "type");
	if (t == NULL || !json_is_string(t)) {
		bad(err, "the message has no \"type\" string");
		goto out;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(json_string_value(t), types[i]) == 0) {
			type = types[i];
			m->type = (enum tp_sideband_type)i;
		}
	if (type == NULL) {
		bad(err, "unknown message type '%.*s'",
		    (int)tp_utf8_prefix(json_string_value(t), 40),
		    json_string_value(t));
		goto out;
	}
	switch (m->type) {
	case TP_SIDEBAND_HELLO:
		rc = parse_hello(doc, &m->u.hello, err);
		break;
	case TP_SIDEBAND_INSIDE:
		rc = parse_inside(doc, &m->u.hello, err);
		break;
	case TP_SIDEBAND_WELCOME:
		rc = parse_welcome(doc, &m->u.welcome, err);
		break;
	case TP_SIDEBAND_INSIDE_REPLY:
		rc = parse_inside_reply(doc, &m->u.inside_reply, err);
		break;
	case TP_SIDEBAND_CLAIM:
		rc = parse_claim(doc, m->u.signature, err);
		break;
	case TP_SIDEBAND_ACCOUNT:
		rc = get_account(err, "account message", doc,
				 &m->u.account.has_account,
				 &m->u.account.account);
		break;
	}
out:
	json_decref(doc);
	return rc == 0 ? type : NULL;
}

const char *tp_sideband_peek_type(const char *line, size_t len, char *type,
				  size_t size)
{
	json_error_t jerr;
	json_t *doc, *t;
	const char *found = NULL;

	if (len < TP_SIDEBAND_MAGIC_LEN || len > TP_SIDEBAND_MAX_LINE ||
	    memcmp(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN) != 0)
		return NULL;
	doc = json_loadb(line + TP_SIDEBAND_MAGIC_LEN,
			 len - TP_SIDEBAND_MAGIC_LEN, JSON_DISABLE_EOF_CHECK,
			 &jerr);
	t = json_is_object(doc) ? json_object_get(doc, "type") : NULL;
	if (json_is_string(t) && strlen(json_string_value(t)) < size) {
		snprintf(type, size, "%s", json_string_value(t));
		found = type;
	}
	json_decref(doc);
	return found;
}
