/* Reading back a client report that another node sent as JSON. The
 * input is hostile: counts are capped and every string is sanitised. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

#define MAX_ITEMS 64

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void strv(json_t *a, char ***v, size_t *n)
{
	size_t i;

	for (i = 0; json_is_array(a) && i < json_array_size(a) && i < MAX_ITEMS;
	     i++)
		if (json_is_string(json_array_get(a, i)))
			tp_strv_add(v, n, json_string_value(json_array_get(a, i)));
}

static enum tp_stage_status stage_status(const char *s)
{
	if (s != NULL && strcmp(s, "ok") == 0)
		return TP_STAGE_OK;
	if (s != NULL && strcmp(s, "fail") == 0)
		return TP_STAGE_FAIL;
	return TP_STAGE_SKIPPED;
}

static void stages(struct tp_report *r, json_t *a)
{
	size_t i;

	for (i = 0; json_is_array(a) && i < json_array_size(a) && i < 16; i++) {
		json_t *o = json_array_get(a, i);
		const char *name = str(o, "name");
		struct tp_stage *stage;

		if (name == NULL || strlen(name) >= sizeof(stage->name))
			continue;
		stage = tp_report_stage(r, name);
		if (stage == NULL)
			return;
		stage->status = stage_status(str(o, "status"));
		stage->ms = json_number_value(json_object_get(o, "ms"));
		/* a name listed twice gives the same stage again */
		free(stage->detail);
		stage->detail = tp_report_strdup(str(o, "detail"));
		tp_stage_set_ends(stage, str(o, "local"), str(o, "remote"));
	}
}

/* Cut to fit at a whole character, so that the view can still write it
 * as JSON. */
static void copy_fixed(char *dst, size_t size, const char *src)
{
	tp_sanitize_into(dst, size, src, src != NULL ? strlen(src) : 0);
}

static void cert_from(json_t *o, struct tp_cert_info *c)
{
	c->subject = tp_report_strdup(str(o, "subject"));
	c->issuer = tp_report_strdup(str(o, "issuer"));
	c->signature = tp_report_strdup(str(o, "signature"));
	copy_fixed(c->sha256, sizeof(c->sha256), str(o, "sha256"));
	copy_fixed(c->key_sha256, sizeof(c->key_sha256), str(o, "key_sha256"));
	copy_fixed(c->not_before, sizeof(c->not_before), str(o, "not_before"));
	copy_fixed(c->not_after, sizeof(c->not_after), str(o, "not_after"));
	copy_fixed(c->key, sizeof(c->key), str(o, "key"));
	strv(json_object_get(o, "san"), &c->san, &c->n_san);
	c->is_ca = json_is_true(json_object_get(o, "is_ca"));
	c->self_signed = json_is_true(json_object_get(o, "self_signed"));
}

static void certs(struct tp_report *r, json_t *a)
{
	size_t i;

	for (i = 0; json_is_array(a) && i < json_array_size(a) && i < 16; i++) {
		struct tp_cert_info *c = tp_report_add_cert(r);

		if (c == NULL)
			return;
		cert_from(json_array_get(a, i), c);
	}
}

/* "trust_anchor": the store's anchor, kept apart from what was sent. */
static void anchor(struct tp_report *r, json_t *o)
{
	if (!json_is_object(o))
		return;
	cert_from(o, &r->anchor);
	r->anchor.position = -1;
	r->anchor_store = tp_report_strdup(str(o, "store"));
	r->has_anchor = true;
}

static int by_name(const char *name, const char *const *names, int n,
		   int fallback)
{
	int i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return fallback;
}

static void findings(struct tp_report *r, json_t *a)
{
	static const char *const sev[] = {"info", "warning", "error"};
	static const char *const side[] = {"client", "server", "path",
					   "local"};
	size_t i;

	for (i = 0; json_is_array(a) && i < json_array_size(a) &&
		    i < MAX_ITEMS; i++) {
		json_t *o = json_array_get(a, i);
		int code = tp_code_by_name(str(o, "code"));
		struct tp_finding *f;

		if (code < 0)
			continue;  /* a code this version does not know */
		f = tp_report_finding(r, code, "%s", str(o, "summary")
				      ? str(o, "summary") : "");
		if (f == NULL)
			return;
		f->severity = by_name(str(o, "severity"), sev, 3,
				      (int)f->severity);
		f->side = by_name(str(o, "side"), side, 4, (int)f->side);
		if (str(o, "detail") != NULL)
			tp_finding_detail(f, "%s", str(o, "detail"));
		if (str(o, "fix") != NULL)
			tp_finding_fix(f, "%s", str(o, "fix"));
	}
}

static void peer(struct tp_report *r, json_t *o)
{
	struct tp_peer_report *q = &r->peer;
	json_t *acc;

	if (!json_is_object(o))
		return;
	r->has_peer_report = true;
	q->unique_id = tp_report_strdup(str(o, "unique_id"));
	q->seen_from = tp_report_strdup(str(o, "seen_from"));
	q->server_local = tp_report_strdup(str(o, "server_local"));
	strv(json_object_get(o, "sent_sha256"), &q->sent_sha256, &q->n_sent);
	strv(json_object_get(o, "trusted_cas"), &q->trusted_cas,
	     &q->n_trusted);
	q->require_client_cert =
		json_is_true(json_object_get(o, "require_client_cert"));
	acc = json_object_get(o, "account");
	if (json_is_object(acc)) {
		q->has_account = true;
		q->outcome = tp_report_strdup(str(acc, "outcome"));
		q->alert_sent = tp_report_strdup(str(acc, "alert_sent"));
		q->reason = tp_report_strdup(str(acc, "reason"));
		strv(json_object_get(acc, "codes"), &q->codes, &q->n_codes);
	}
}

/*
 * The other node sanitised its report's strings; they are turned back
 * into what they stand for, so that sanitising them as they enter this
 * report shows what the other node showed (not "\\x1b" for "\x1b").
 * Depth and the items visited are bounded: the input is hostile.
 */
static void unescape_all(json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;
	char *raw;

	if (depth > 8)
		return;
	if (json_is_string(v)) {
		/* no sanitiser writes a NUL: one shows, escaped, what a C
		 * string would hide after it */
		raw = memchr(json_string_value(v), 0, json_string_length(v))
			? tp_sanitize(json_string_value(v), json_string_length(v))
			: tp_unsanitize(json_string_value(v),
					json_string_length(v));
		if (raw != NULL)
			json_string_setn_nocheck(v, raw, strlen(raw));
		free(raw);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			unescape_all(item, depth + 1);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			unescape_all(item, depth + 1);
	}
}

struct tp_report *tp_report_from_json(const char *text, size_t len)
{
	json_t *doc, *t, *s;
	struct tp_report *r;
	json_error_t jerr;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(doc) || str(doc, "command") == NULL ||
	    strcmp(str(doc, "command"), "client") != 0) {
		json_decref(doc);
		return NULL;
	}
	r = tp_report_new("client");
	if (r == NULL) {
		json_decref(doc);
		return NULL;
	}
	unescape_all(doc, 0);
	t = json_object_get(doc, "target");
	if (json_is_object(t)) {
		json_int_t port = json_integer_value(json_object_get(t, "port"));

		tp_report_set_target(r, str(t, "host"),
				     port > 0 && port < 65536 ? (unsigned)port
							      : 0,
				     str(t, "sni"));
		strv(json_object_get(t, "addresses"), &r->target.addresses,
		     &r->target.n_addresses);
	}
	stages(r, json_object_get(doc, "stages"));
	s = json_object_get(doc, "session");
	if (json_is_object(s))
		tp_session_set(&r->session, str(s, "version"),
			       str(s, "cipher"), str(s, "group"),
			       str(s, "signature"), str(s, "alpn"),
			       json_is_true(json_object_get(s, "resumed")));
	certs(r, json_object_get(doc, "certificates"));
	anchor(r, json_object_get(doc, "trust_anchor"));
	peer(r, json_object_get(doc, "peer_report"));
	findings(r, json_object_get(doc, "findings"));
	r->total_ms = json_number_value(json_object_get(doc, "ms"));
	json_decref(doc);
	return r;
}
