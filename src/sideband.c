/*
 * The paired probes' side channel (the protocol is in sideband.h).
 *
 * Lines come from a peer that may be hostile: a line is bounded before
 * the JSON parser sees it, every string by the field that receives it
 * (raw: it is sanitised once, where it enters a report), every list by
 * TP_SB_MAX_LIST, and hex fields must be exactly what they claim to be.
 */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sideband.h"

/* ---- tokens ---- */

int tp_sb_token_new(unsigned char token[TP_SB_TOKEN_LEN])
{
	return gnutls_rnd(GNUTLS_RND_NONCE, token, TP_SB_TOKEN_LEN) < 0 ? -1
									  : 0;
}

void tp_sb_client_random(const unsigned char token[TP_SB_TOKEN_LEN],
			 unsigned char random[32])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, TP_SB_TOKEN_LEN,
			     random) < 0)
		memset(random, 0, 32);
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

	for (i = 0; a != NULL && i < n && i < TP_SB_MAX_LIST; i++)
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
	line = malloc(TP_SB_MAGIC_LEN + n + 2);
	if (line != NULL) {
		memcpy(line, TP_SB_MAGIC, TP_SB_MAGIC_LEN);
		memcpy(line + TP_SB_MAGIC_LEN, json, n);
		line[TP_SB_MAGIC_LEN + n] = '\n';
		line[TP_SB_MAGIC_LEN + n + 1] = '\0';
	}
	free(json);
	return line;
}

char *tp_sb_inside_line(void)
{
	return line_of(json_pack("{s:s, s:s}", "type", "inside", "version",
				 TP_VERSION));
}

char *tp_sb_hello_line(const struct tp_sb_hello *h)
{
	char token[2 * TP_SB_TOKEN_LEN + 1];

	tp_hex(h->token, TP_SB_TOKEN_LEN, token);
	return line_of(json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}",
				 "type", "hello",
				 "version", version_or_ours(h->version),
				 "unique_id", FIELD_OR_NULL(h->unique_id),
				 "local", FIELD(h->local),
				 "dialled", FIELD(h->dialled),
				 "token", token));
}

char *tp_sb_inside_reply_line(const struct tp_sb_inside_reply *r)
{
	return line_of(json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
				 "type", "inside-reply",
				 "version", version_or_ours(r->version),
				 "unique_id", FIELD(r->unique_id),
				 "seen_from", FIELD(r->seen_from),
				 "server_local", FIELD(r->server_local),
				 "chain_sha256", field_list(r->chain_sha256,
							    r->n_chain),
				 "client_random", FIELD(r->client_random)));
}

static json_t *account_json(const struct tp_sb_account *a)
{
	json_t *codes = json_array(), *cert;
	size_t i;

	for (i = 0; codes != NULL && i < a->n_codes && i < TP_SB_MAX_LIST; i++)
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

static json_t *welcome_json(const struct tp_sb_welcome *w, size_t n_trusted)
{
	json_t *cas = json_array();
	size_t i;

	for (i = 0; cas != NULL && i < n_trusted; i++)
		json_array_append_new(cas, FIELD(w->trusted_cas[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o, "
			 "s:o}",
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
			 "account", w->has_account ? account_json(&w->account)
						   : json_null());
}

char *tp_sb_welcome_line(const struct tp_sb_welcome *w)
{
	size_t n = w->n_trusted < TP_SB_MAX_LIST ? w->n_trusted
						 : TP_SB_MAX_LIST;
	char *line;

	/*
	 * Every other field is short; long CA names full of characters
	 * JSON escapes could still push the line past what a reader takes,
	 * so the CAs that do not fit are left out, last first.
	 */
	for (;;) {
		line = line_of(welcome_json(w, n));
		if (line == NULL || strlen(line) <= TP_SB_MAX_LINE || n == 0)
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

/* An array member of at most TP_SB_MAX_LIST items. */
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
	if (json_array_size(v) > TP_SB_MAX_LIST) {
		bad(c->err, "%s.%s has %zu items, at most %d are allowed",
		    c->what, key, json_array_size(v), TP_SB_MAX_LIST);
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

static int parse_hello(const json_t *o, struct tp_sb_hello *h,
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
	    get_hex_bytes(&c, o, "token", h->token, TP_SB_TOKEN_LEN) < 0)
		return -1;
	return 0;
}

static int parse_inside_reply(const json_t *o, struct tp_sb_inside_reply *r,
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
	return 0;
}

static const char *const outcomes[] = {
	"established", "alert", "reset", "closed", "timeout", NULL,
};

static int parse_account(const json_t *o, struct tp_sb_account *a,
			 struct tp_error *err)
{
	struct ctx c = {"welcome.account", err};
	struct ctx cc = {"welcome.account.client_cert", err};
	json_t *cert;
	size_t i;

	if (!json_is_object(o))
		return bad(err, "welcome.account is not an object or null");
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
		return bad(err, "welcome.account.outcome '%s' is not one of "
			   "established, alert, reset, closed, timeout",
			   a->outcome);
	cert = member(&c, o, "client_cert");
	if (cert == NULL)
		return -1;
	if (json_is_null(cert))
		return 0;
	if (!json_is_object(cert))
		return bad(err, "welcome.account.client_cert is not an object "
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

static int parse_welcome(const json_t *o, struct tp_sb_welcome *w,
			 struct tp_error *err)
{
	struct ctx c = {"welcome", err};
	json_t *account;

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
		    true) < 0)
		return -1;
	account = member(&c, o, "account");
	if (account == NULL)
		return -1;
	if (json_is_null(account))
		return 0;
	if (parse_account(account, &w->account, err) < 0)
		return -1;
	w->has_account = true;
	return 0;
}

static int parse_inside(const json_t *o, struct tp_error *err)
{
	struct ctx c = {"inside", err};
	char version[16];

	return get_str(&c, o, "version", version, sizeof(version), false);
}

const char *tp_sb_parse(const char *line, size_t len, struct tp_sb_hello *hello,
			struct tp_sb_welcome *welcome,
			struct tp_sb_inside_reply *inside_reply,
			struct tp_error *err)
{
	static const char *const types[] = {
		"hello", "inside", "welcome", "inside-reply",
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
	if (len > TP_SB_MAX_LINE) {
		bad(err, "a line of %zu bytes is longer than the %d allowed",
		    len, TP_SB_MAX_LINE);
		return NULL;
	}
	if (len < TP_SB_MAGIC_LEN ||
	    memcmp(line, TP_SB_MAGIC, TP_SB_MAGIC_LEN) != 0) {
		bad(err, "the line does not start with \"%s\"", TP_SB_MAGIC);
		return NULL;
	}
	if (line[len - 1] == '\n')
		len--;
	doc = json_loadb(line + TP_SB_MAGIC_LEN, len - TP_SB_MAGIC_LEN,
			 JSON_REJECT_DUPLICATES, &jerr);
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
		if (strcmp(json_string_value(t), types[i]) == 0)
			type = types[i];
	if (type == NULL) {
		bad(err, "unknown message type '%.*s'",
		    (int)tp_utf8_prefix(json_string_value(t), 40),
		    json_string_value(t));
		goto out;
	}
	if (strcmp(type, "hello") == 0 && hello != NULL)
		rc = parse_hello(doc, hello, err);
	else if (strcmp(type, "welcome") == 0 && welcome != NULL)
		rc = parse_welcome(doc, welcome, err);
	else if (strcmp(type, "inside-reply") == 0 && inside_reply != NULL)
		rc = parse_inside_reply(doc, inside_reply, err);
	else if (strcmp(type, "inside") == 0)
		rc = parse_inside(doc, err);
	else
		bad(err, "a '%s' message is not expected here", type);
out:
	json_decref(doc);
	return rc == 0 ? type : NULL;
}

const char *tp_sb_peek_type(const char *line, size_t len, char *type,
			    size_t size)
{
	json_error_t jerr;
	json_t *doc, *t;
	const char *found = NULL;

	if (len < TP_SB_MAGIC_LEN || len > TP_SB_MAX_LINE ||
	    memcmp(line, TP_SB_MAGIC, TP_SB_MAGIC_LEN) != 0)
		return NULL;
	doc = json_loadb(line + TP_SB_MAGIC_LEN, len - TP_SB_MAGIC_LEN,
			 JSON_DISABLE_EOF_CHECK, &jerr);
	t = json_is_object(doc) ? json_object_get(doc, "type") : NULL;
	if (json_is_string(t) && strlen(json_string_value(t)) < size) {
		snprintf(type, size, "%s", json_string_value(t));
		found = type;
	}
	json_decref(doc);
	return found;
}
