/* The JSON view of a report (CONTRACT.md, "The JSON report"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tlsprobe.h"

static const char *stage_status_name(enum tp_stage_status s)
{
	switch (s) {
	case TP_STAGE_OK: return "ok";
	case TP_STAGE_FAIL: return "fail";
	default: return "skipped";
	}
}

/*
 * Set when a member could not be added (jansson refused it, or memory
 * ran out): the document would silently lack it, so the render fails
 * instead. One per thread, as peer and the TUI render from several.
 */
static _Thread_local bool lost;

static json_t *packed(json_t *v)
{
	if (v == NULL)
		lost = true;
	return v;
}

#define PACK(...) packed(json_pack(__VA_ARGS__))

static int set(json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) == 0)
		return 0;
	lost = true;
	return -1;
}

static int append(json_t *a, json_t *v)
{
	if (json_array_append_new(a, v) == 0)
		return 0;
	lost = true;
	return -1;
}

/*
 * A report string. The report's setters sanitise, so it is valid UTF-8;
 * one that is not (a fixed field filled past the setters) is shown
 * escaped rather than refused by jansson and dropped.
 */
static json_t *jstr(const char *s)
{
	json_t *j = s != NULL ? json_string(s) : NULL;
	char *clean;

	if (j == NULL && s != NULL) {
		clean = tp_sanitize(s, strlen(s));
		j = clean != NULL ? json_string(clean) : NULL;
		free(clean);
	}
	if (j == NULL)
		lost = true;
	return j;
}

/* A string or null; strings in the report are already sanitised. */
static json_t *str_or_null(const char *s)
{
	return s != NULL ? jstr(s) : json_null();
}

static json_t *strv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		append(a, jstr(v[i]));
	return a;
}

static json_t *target_json(const struct tp_target *t)
{
	json_t *o = PACK("{s:o, s:I, s:o, s:o}",
			      "host", str_or_null(t->host),
			      "port", (json_int_t)t->port,
			      "sni", str_or_null(t->sni),
			      "addresses", strv(t->addresses, t->n_addresses));

	/* only for an international name: host stays what was resolved */
	if (o != NULL && t->host_unicode != NULL)
		set(o, "host_unicode", jstr(t->host_unicode));
	/* --targets: where the target came from in the list, and what
	 * else tells two of its lines apart (the resume key, fleet.h) */
	if (o != NULL && t->line != 0) {
		set(o, "line", json_integer((json_int_t)t->line));
		if (t->starttls[0] != '\0')
			set(o, "starttls", jstr(t->starttls));
	}
	return o;
}

static json_t *stage_json(const struct tp_stage *stage)
{
	json_t *o = PACK("{s:o, s:s}", "name", jstr(stage->name), "status",
			      stage_status_name(stage->status));

	if (stage->status != TP_STAGE_SKIPPED)
		set(o, "ms", json_real(stage->ms));
	if (stage->local != NULL)
		set(o, "local", jstr(stage->local));
	if (stage->remote != NULL)
		set(o, "remote", jstr(stage->remote));
	if (stage->detail != NULL)
		set(o, "detail", jstr(stage->detail));
	return o;
}

static json_t *session_json(const struct tp_session *s)
{
	if (!s->present)
		return json_null();
	return PACK("{s:o, s:o, s:o, s:o, s:o, s:b}",
			 "version", str_or_null(s->version),
			 "cipher", str_or_null(s->cipher),
			 "group", str_or_null(s->group),
			 "signature", str_or_null(s->signature),
			 "alpn", str_or_null(s->alpn),
			 "resumed", s->resumed);
}

static json_t *cert_json(const struct tp_cert_info *c)
{
	json_t *o = PACK("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b}",
			 "position", c->position,
			 "subject", str_or_null(c->subject),
			 "issuer", str_or_null(c->issuer),
			 "sha256", jstr(c->sha256),
			 "not_before", jstr(c->not_before),
			 "not_after", jstr(c->not_after),
			 "san", strv(c->san, c->n_san),
			 "key", jstr(c->key),
			 "signature", str_or_null(c->signature),
			 "is_ca", c->is_ca,
			 "self_signed", c->self_signed);

	/* added after the contract's fields: absent when unknown */
	if (o != NULL && c->key_sha256[0] != '\0')
		set(o, "key_sha256", jstr(c->key_sha256));
	return o;
}

/*
 * The trust store's anchor, which was not sent: the fields of a
 * certificate without "position" (a place in what was sent), marked
 * "sent": false and "source": "trust store".
 */
static json_t *anchor_json(const struct tp_report *r)
{
	json_t *o;

	if (!r->has_anchor)
		return json_null();
	o = cert_json(&r->anchor);
	if (o == NULL)
		return json_null();
	json_object_del(o, "position");
	set(o, "sent", json_false());
	set(o, "source", jstr("trust store"));
	set(o, "store", str_or_null(r->anchor_store));
	return o;
}

static json_t *peer_json(const struct tp_report *r)
{
	const struct tp_peer_report *p = &r->peer;
	json_t *o;

	if (!r->has_peer_report)
		return json_null();
	o = PACK("{s:o, s:o, s:o, s:o, s:o, s:b}",
		      "seen_from", str_or_null(p->seen_from),
		      "server_local", str_or_null(p->server_local),
		      "sent_sha256", strv(p->sent_sha256, p->n_sent),
		      "unique_id", str_or_null(p->unique_id),
		      "trusted_cas", strv(p->trusted_cas, p->n_trusted),
		      "require_client_cert", p->require_client_cert);
	if (o == NULL)
		return json_null();
	set(o, "account", p->has_account
		? PACK("{s:o, s:o, s:o, s:o}",
			    "outcome", str_or_null(p->outcome),
			    "alert_sent", str_or_null(p->alert_sent),
			    "reason", str_or_null(p->reason),
			    "codes", strv(p->codes, p->n_codes))
		: json_null());
	return o;
}

static json_t *finding_json(const struct tp_finding *f)
{
	return PACK("{s:s, s:s, s:s, s:o, s:o, s:o}",
			 "code", tp_code_info(f->code)->name,
			 "severity", tp_severity_name(f->severity),
			 "side", tp_side_name(f->side),
			 "summary", str_or_null(f->summary),
			 "detail", str_or_null(f->detail),
			 "fix", str_or_null(f->fix));
}

static json_t *check_json(const struct tp_check *c)
{
	return PACK("{s:s, s:s, s:o, s:s, s:i, s:f}",
			 "name", c->name,
			 "status", tp_check_status_name(c->status),
			 "supported", c->supported == TP_SUPPORT_NONE
			 ? json_null() : json_boolean(c->supported ==
						      TP_SUPPORT_YES),
			 "detail", c->detail,
			 "connections", (int)c->connections,
			 "ms", c->ms);
}

static json_t *fixed_strv(const char (*v)[24], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		append(a, jstr(v[i]));
	return a;
}

/* What a client offered, as a server probe saw it (optional member). */
static json_t *client_hello_json(const struct tp_client_hello *ch)
{
	json_t *versions = json_array(), *ids = json_array(),
	       *alpn = json_array();
	size_t i;

	for (i = 0; i < ch->n_versions; i++)
		append(versions, jstr(ch->versions[i]));
	for (i = 0; i < ch->n_suite_ids; i++)
		append(ids, jstr(ch->suite_ids[i]));
	for (i = 0; i < ch->n_alpn; i++)
		append(alpn, jstr(ch->alpn[i]));
	return PACK("{s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
			 "versions", versions,
			 "cipher_suites", (json_int_t)ch->n_suites,
			 "cipher_suite_ids", ids,
			 "sni", ch->has_sni ? jstr(ch->sni) : json_null(),
			 "alpn", alpn,
			 "groups", fixed_strv(ch->groups, ch->n_groups),
			 "key_shares", fixed_strv(ch->key_shares,
						  ch->n_key_shares));
}

static json_t *report_json(const struct tp_report *r);

/* --capture: one object per packet of the probe's own flows. */
static json_t *packets_json(const struct tp_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->n_packets; i++) {
		const struct tp_packet *p = &r->packets[i];

		append(a, PACK(
			"{s:f, s:s, s:s, s:I, s:I, s:o, s:b, s:b, s:o}",
			"t_ms", p->t_ms,
			"dir", p->incoming ? "in" : "out",
			"flags", p->flags,
			"len", (json_int_t)p->len,
			"ttl", (json_int_t)p->ttl,
			"tls", p->tls[0] ? jstr(p->tls) : json_null(),
			"retransmission", p->retransmission,
			"tcp_conflict", p->conflict,
			"icmp", p->icmp[0] ? jstr(p->icmp) : json_null()));
	}
	return a;
}

/* pcap: one TLS connection of the capture. */
/* A handshake is written in three parts: the members before its
 * certificates, the certificates, the members after them. */
static json_t *handshake_head_json(const struct tp_handshake *h)
{
	json_t *o = PACK("{s:o, s:o, s:o, s:o}",
			      "client", str_or_null(h->client),
			      "server", str_or_null(h->server),
			      "sni", str_or_null(h->sni),
			      "alpn", str_or_null(h->alpn)),
	       *offered;
	size_t i;

	if (o == NULL)
		return NULL;
	offered = json_array();
	for (i = 0; i < h->n_alpn_offered; i++)
		append(offered, jstr(h->alpn_offered[i]));
	set(o, "alpn_offered", offered);
	set(o, "version", str_or_null(h->version));
	set(o, "cipher", str_or_null(h->cipher));
	set(o, "ja3", h->ja3[0] ? jstr(h->ja3)
						 : json_null());
	set(o, "ja3s", h->ja3s[0] ? jstr(h->ja3s)
						   : json_null());
	set(o, "ja4", h->ja4[0] ? jstr(h->ja4)
						 : json_null());
	return o;
}

static json_t *handshake_tail_json(const struct tp_handshake *h)
{
	json_t *o = json_object();

	set(o, "alert", h->has_alert
		? PACK("{s:o, s:o, s:s}", "level", jstr(h->alert_level),
			    "description", jstr(h->alert_description), "from",
			    h->alert_from_server ? "server" : "client")
		: json_null());
	set(o, "outcome", jstr(h->outcome));
	set(o, "history", jstr(h->history));
	set(o, "starttls", h->starttls[0]
			    ? jstr(h->starttls) : json_null());
	/* only through a proxy: a direct handshake's record stays as it
	 * was */
	if (h->tunnel[0] != '\0')
		set(o, "tunnel", PACK("{s:s, s:o}", "kind", h->tunnel,
				      "target", str_or_null(h->tunnel_target)));
	set(o, "t_start", json_real(h->t_start));
	set(o, "duration_ms", json_real(h->duration_ms));
	set(o, "keylog_secrets", h->keylog_secrets >= 0
			    ? json_integer(h->keylog_secrets) : json_null());
	set(o, "tcp_conflicts", json_integer(h->tcp_conflicts));
	return o;
}

static json_t *handshake_json(const struct tp_handshake *h)
{
	json_t *o = handshake_head_json(h), *tail, *certs;
	size_t i;

	if (o == NULL)
		return json_null();
	certs = json_array();
	for (i = 0; i < h->n_certs; i++)
		append(certs, cert_json(&h->certs[i]));
	set(o, "certificates", certs);
	tail = handshake_tail_json(h);
	json_object_update(o, tail);  /* members keep their order */
	json_decref(tail);
	return o;
}

/* {"TLS1.3": 12, "TLS1.2": 3}, in the summary's order (most first). */
static json_t *counts_json(const struct tp_count *c, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		set(o, c[i].name, json_integer(c[i].n));
	return o;
}

static json_t *pcap_summary_json(const struct tp_report *r)
{
	const struct tp_pcap_summary *s = r->pcap;

	return PACK("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, "
			 "s:o, s:o, s:o, s:o, s:I, s:o, s:I, s:I, s:f}",
			 "source", str_or_null(s->source),
			 "frames", (json_int_t)s->frames,
			 "tcp_frames", (json_int_t)s->tcp_frames,
			 "flows", (json_int_t)s->flows,
			 "tls_flows", (json_int_t)s->tls_flows,
			 "evicted", (json_int_t)s->evicted,
			 "over_budget", (json_int_t)s->over_budget,
			 "peak_buffer", (json_int_t)s->peak_buffer,
			 "truncated", s->truncated,
			 "handshakes", (json_int_t)s->handshakes,
			 "versions", counts_json(s->by_version,
						 s->n_by_version),
			 "ciphers", counts_json(s->by_cipher, s->n_by_cipher),
			 "outcomes", counts_json(s->by_outcome,
						 s->n_by_outcome),
			 "starttls", counts_json(s->by_starttls,
						 s->n_by_starttls),
			 "starttls_refused", (json_int_t)s->starttls_refused,
			 "tunnels", counts_json(s->by_tunnel, s->n_by_tunnel),
			 "tunnels_refused", (json_int_t)s->tunnels_refused,
			 "tunnels_without_tls",
			 (json_int_t)s->tunnels_without_tls,
			 "ms", s->ms);
}

/* tlsprobe peer: the nodes and their two client-shaped reports. */
static void directions_json(json_t *doc, const struct tp_report *r)
{
	json_t *d = json_object();

	set(doc, "nodes", PACK("{s:o, s:o}", "A", jstr(r->a_id), "B",
			       jstr(r->b_id)));
	set(d, "A->B", r->directions[0] ? report_json(r->directions[0])
					: json_null());
	set(d, "B->A", r->directions[1] ? report_json(r->directions[1])
					: json_null());
	set(doc, "directions", d);
}

char *tp_report_to_json(const struct tp_report *r, int flags)
{
	json_t *doc;
	char *out;

	lost = false;
	doc = report_json(r);
	if (doc == NULL || lost) {
		json_decref(doc);
		return NULL;
	}
	/* pcap: capture times are seconds since 1970 to the microsecond,
	 * 16 digits (the times are rounded so that no noise shows) */
	out = json_dumps(doc, JSON_PRESERVE_ORDER |
			 JSON_REAL_PRECISION(r->pcap != NULL ? 16 : 6) |
			 ((flags & TP_RENDER_COMPACT) ? JSON_COMPACT : JSON_INDENT(2)));
	json_decref(doc);
	return out;
}

char *tp_report_to_json_head(const struct tp_report *r)
{
	char *out = NULL;

	if (asprintf(&out, "{\n  \"tool\": \"tlsprobe\",\n  \"version\": "
		     "\"%s\",\n  \"command\": \"%s\",\n  \"handshakes\": [",
		     TP_VERSION, r->command) < 0)
		return NULL;
	return out;
}

/* Streamed captures show the same few certificates over and over: each
 * one's JSON is kept, by fingerprint and place in the chain. */
#define JSON_CACHE 64

struct tp_json_cache {
	struct {
		char sha256[65];
		int position;
		char *json;
		unsigned long long used;   /* 0: free */
	} e[JSON_CACHE];
	unsigned long long clock;
};

struct tp_json_cache *tp_json_cache_new(void)
{
	return calloc(1, sizeof(struct tp_json_cache));
}

void tp_json_cache_free(struct tp_json_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < JSON_CACHE; i++)
		free(c->e[i].json);
	free(c);
}

static char *dump_compact(json_t *o)
{
	char *out = o != NULL ? json_dumps(o, JSON_PRESERVE_ORDER |
					   JSON_COMPACT |
					   JSON_REAL_PRECISION(16))
			      : NULL;

	json_decref(o);
	return out;
}

/* One certificate's JSON: from the cache (which keeps it) or made for
 * the caller (*owned set: the caller frees it). */
static const char *cert_text(struct tp_json_cache *c,
			     const struct tp_cert_info *ci, char **owned)
{
	size_t i, victim = 0;
	char *json;

	*owned = NULL;
	if (c == NULL)
		return *owned = dump_compact(cert_json(ci));
	for (i = 0; i < JSON_CACHE; i++) {
		if (c->e[i].used != 0 && c->e[i].position == ci->position &&
		    strcmp(c->e[i].sha256, ci->sha256) == 0) {
			c->e[i].used = ++c->clock;
			return c->e[i].json;
		}
		if (c->e[i].used < c->e[victim].used)
			victim = i;
	}
	json = dump_compact(cert_json(ci));
	if (json == NULL)
		return NULL;
	free(c->e[victim].json);
	memcpy(c->e[victim].sha256, ci->sha256, sizeof(ci->sha256));
	c->e[victim].position = ci->position;
	c->e[victim].json = json;
	c->e[victim].used = ++c->clock;
	return json;
}

char *tp_handshake_to_json(const struct tp_handshake *h,
			   struct tp_json_cache *cache)
{
	char *head, *tail, *out = NULL, *p, *owned;
	const char *ct;
	size_t len, i, n = 0, hl, tl;
	FILE *f;

	lost = false;
	head = dump_compact(handshake_head_json(h));
	tail = dump_compact(handshake_tail_json(h));
	if (head == NULL || tail == NULL || lost)
		goto done;
	/* {head…} + ,"certificates":[…], + {…tail} */
	hl = strlen(head);
	tl = strlen(tail);
	f = open_memstream(&p, &len);
	if (f == NULL)
		goto done;
	fwrite(head, 1, hl - 1, f);
	fputs(",\"certificates\":[", f);
	for (i = 0; i < h->n_certs; i++) {
		ct = cert_text(cache, &h->certs[i], &owned);
		if (ct == NULL) {
			/* a certificate left out would go unnoticed */
			lost = true;
			break;
		}
		if (n++ > 0)
			fputc(',', f);
		fputs(ct, f);
		free(owned);
	}
	fputs("],", f);
	fwrite(tail + 1, 1, tl - 1, f);
	if (fclose(f) == 0 && !lost)
		out = p;
	else
		free(p);
done:
	free(head);
	free(tail);
	return out;
}

char *tp_report_to_json_tail(const struct tp_report *r, int flags)
{
	json_t *doc;
	char *body, *out = NULL;

	lost = false;
	doc = report_json(r);
	if (doc == NULL || lost) {
		json_decref(doc);
		return NULL;
	}
	json_object_del(doc, "tool");
	json_object_del(doc, "version");
	json_object_del(doc, "command");
	json_object_del(doc, "handshakes");
	body = json_dumps(doc, JSON_PRESERVE_ORDER |
			  JSON_REAL_PRECISION(r->pcap != NULL ? 16 : 6) |
			  ((flags & TP_RENDER_COMPACT) ? JSON_COMPACT
						       : JSON_INDENT(2)));
	json_decref(doc);
	/* body is "{…}": its members follow the array */
	if (body != NULL && asprintf(&out, "\n  ]%s%s", body[1] == '}' ? ""
				     : ",", body + 1) < 0)
		out = NULL;
	free(body);
	return out;
}

static json_t *ids_json(const uint16_t *v, size_t n, int kind)
{
	json_t *a = json_array();
	char b[8];
	size_t i;

	for (i = 0; i < n; i++) {
		const char *name = NULL;

		if (kind == 0) {
			const struct tp_suite *s = tp_registry_suite(v[i]);

			name = s ? s->iana : NULL;
		} else if (kind == 1) {
			const struct tp_group *g = tp_registry_group(v[i]);

			name = g ? g->name : NULL;
		} else {
			const struct tp_sigscheme *g = tp_registry_sigscheme(v[i]);

			name = g ? g->name : NULL;
		}
		snprintf(b, sizeof(b), "0x%04X", v[i]);
		append(a, jstr(name ? name : b));
	}
	return a;
}

static json_t *grade_json(char g)
{
	char s[2] = {g, '\0'};

	return g ? jstr(s) : json_null();
}

static json_t *protocol_json(const struct tp_scan_protocol *p)
{
	const struct tp_version *v = tp_registry_version(p->version);
	json_t *o, *a;
	size_t i;

	o = PACK("{s:s, s:b, s:b, s:b, s:s}", "version",
		      v ? v->name : "?", "tested", p->tested, "accepted",
		      p->accepted, "server_preference",
		      p->preference == TP_PREF_SERVER, "preference",
		      p->preference == TP_PREF_SERVER ? "server"
		      : p->preference == TP_PREF_CLIENT ? "client"
							: "indeterminate");
	a = json_array();
	for (i = 0; i < p->n_suites; i++) {
		const struct tp_suite *s = tp_registry_suite(p->suites[i].id);
		char id[8];

		snprintf(id, sizeof(id), "0x%04X", p->suites[i].id);
		append(a, PACK("{s:s, s:o, s:o, s:o, s:o}",
			"id", id,
			"iana", s ? jstr(s->iana) : json_null(),
			"openssl", s && s->openssl ? jstr(s->openssl)
						   : json_null(),
			"grade", grade_json(p->suites[i].grade),
			"kx", p->suites[i].kx[0] ? jstr(p->suites[i].kx)
						 : json_null()));
	}
	set(o, "ciphers", a);
	set(o, "groups", ids_json(p->groups, p->n_groups, 1));
	set(o, "group_preference", jstr(
		p->group_preference == TP_PREF_SERVER ? "server"
		: p->group_preference == TP_PREF_CLIENT ? "client"
		: "indeterminate"));
	set(o, "signature_algorithms",
			    ids_json(p->sig_algs, p->n_sig_algs, 2));
	set(o, "grade", grade_json(p->grade));
	set(o, "incomplete", json_boolean(p->incomplete));
	return o;
}

static void scan_json(json_t *doc, const struct tp_scan *sc)
{
	json_t *a;
	size_t i;

	set(doc, "grade", grade_json(sc->grade));
	set(doc, "grade_reasons",
			    strv(sc->grade_reasons, sc->n_grade_reasons));
	a = json_array();
	for (i = 0; i < sc->n_protocols; i++)
		append(a, protocol_json(&sc->protocols[i]));
	set(doc, "protocols", a);
	set(doc, "certificate_key",
			    str_or_null(sc->cert_key[0] ? sc->cert_key : NULL));
	set(doc, "starttls", str_or_null(sc->starttls));
	if (sc->policy_syntax != NULL)
		set(doc, "policy", PACK("{s:s, s:o, s:o, s:o, s:o}",
			"syntax", sc->policy_syntax,
			"extra", ids_json(sc->policy_extra,
					  sc->n_policy_extra, 0),
			"missing", ids_json(sc->policy_missing,
					    sc->n_policy_missing, 0),
			"left_out", ids_json(sc->policy_left_out,
					     sc->n_policy_left_out, 0),
			"left_out_why", str_or_null(sc->policy_left_why)));
	else
		set(doc, "policy", json_null());
	set(doc, "stats", PACK("{s:I, s:I, s:I, s:I, s:f}",
			    "connections", (json_int_t)sc->connections,
			    "suite_connections",
			    (json_int_t)sc->suite_connections,
			    "group_connections",
			    (json_int_t)sc->group_connections,
			    "signature_connections",
			    (json_int_t)sc->sigalg_connections,
			    "ms", sc->ms));
}

static json_t *report_json(const struct tp_report *r)
{
	json_t *doc, *a;
	size_t i;

	doc = PACK("{s:s, s:s, s:s}", "tool", "tlsprobe", "version",
			TP_VERSION, "command", r->command);
	if (doc == NULL)
		return NULL;
	if (r->target.host != NULL)
		set(doc, "target", target_json(&r->target));
	if (r->proxy_url[0] != '\0')
		set(doc, "proxy", PACK("{s:s, s:s}", "url", r->proxy_url,
				       "kind", r->proxy_kind));
	set(doc, "verdict",
			    jstr(tp_verdict_name(tp_report_verdict(r))));
	if (r->unique_id != NULL)
		set(doc, "unique_id", jstr(r->unique_id));
	if (r->n_stages > 0) {
		a = json_array();
		for (i = 0; i < r->n_stages; i++)
			append(a, stage_json(&r->stages[i]));
		set(doc, "stages", a);
		if (r->scan == NULL)
			set(doc, "session",
					    session_json(&r->session));
	}
	a = json_array();
	for (i = 0; i < r->n_certs; i++)
		append(a, cert_json(&r->certs[i]));
	set(doc, "certificates", a);
	if (r->has_anchor || (r->n_certs > 0 && r->pcap == NULL &&
			      r->scan == NULL))
		set(doc, "trust_anchor", anchor_json(r));
	if (r->n_stages > 0 && r->scan == NULL) {
		a = json_array();
		for (i = 0; i < r->n_messages; i++)
			append(a, PACK("{s:f, s:s, s:o}",
				"t_ms", r->messages[i].t_ms,
				"dir", r->messages[i].incoming ? "in" : "out",
				"message", jstr(r->messages[i].name)));
		set(doc, "handshake", a);
		set(doc, "peer_report", peer_json(r));
		set(doc, "ms", json_real(r->total_ms));
	}
	if (r->client_hello.present)
		set(doc, "client_hello",
				    client_hello_json(&r->client_hello));
	if (r->has_packets)
		set(doc, "packets", packets_json(r));
	if (r->pcap != NULL) {
		a = json_array();
		for (i = 0; i < r->n_handshakes; i++)
			append(a, handshake_json(
					      &r->handshakes[i]));
		set(doc, "handshakes", a);
		set(doc, "summary", pcap_summary_json(r));
	}
	if (strcmp(r->command, "peer") == 0)
		directions_json(doc, r);
	if (r->scan != NULL)
		scan_json(doc, r->scan);
	if (strcmp(r->command, "audit") == 0) {
		a = json_array();
		for (i = 0; i < r->n_checks; i++)
			append(a, check_json(&r->checks[i]));
		set(doc, "checks", a);
		if (r->scan != NULL)
			json_object_set_new(json_object_get(doc, "stats"),
					    "check_connections",
					    json_integer(
					    r->scan->check_connections));
	}
	a = json_array();
	for (i = 0; i < r->n_findings; i++)
		append(a, finding_json(&r->findings[i]));
	set(doc, "findings", a);
	return doc;
}
