/* The report: the one model every probe fills and every view renders. */
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

static const struct tp_code_info code_table[TP_CODE_COUNT] = {
#define TP_FINDING(code, sev, side, stage, when, fix) \
	[TP_##code] = {#code, TP_SEV_##sev, TP_SIDE_##side, stage, when, fix},
#include "findings.def"
#undef TP_FINDING
};

const struct tp_code_info *tp_code_info(enum tp_code code)
{
	if ((unsigned)code >= TP_CODE_COUNT)
		return NULL;
	return &code_table[code];
}

int tp_code_by_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < TP_CODE_COUNT; i++)
		if (strcmp(code_table[i].name, name) == 0)
			return i;
	return -1;
}

const char *tp_severity_name(enum tp_severity sev)
{
	switch (sev) {
	case TP_SEV_ERROR: return "error";
	case TP_SEV_WARNING: return "warning";
	default: return "info";
	}
}

const char *tp_side_name(enum tp_side side)
{
	switch (side) {
	case TP_SIDE_CLIENT: return "client";
	case TP_SIDE_SERVER: return "server";
	case TP_SIDE_PATH: return "path";
	default: return "local";
	}
}

char *tp_report_strdup(const char *s)
{
	return s == NULL ? NULL : tp_sanitize(s, strlen(s));
}

/* Formats and sanitises; NULL on no memory. */
static char *vformat(const char *fmt, va_list ap)
{
	char *raw = NULL, *clean;

	if (vasprintf(&raw, fmt, ap) < 0)
		return NULL;
	clean = tp_report_strdup(raw);
	free(raw);
	return clean;
}

/* Grows *items to hold n+1 elements of size sz; the new one is zeroed. */
static void *grow(void *items_ptr, size_t *n, size_t sz)
{
	void **items = items_ptr;
	char *p = realloc(*items, (*n + 1) * sz);

	if (p == NULL)
		return NULL;
	*items = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Appends to an array that doubles as it fills: captures hold
 * thousands of entries. */
static void *grow_fast(void *items_ptr, size_t *n, size_t sz)
{
	void **items = items_ptr;
	char *p = *items;

	if (*n == 0 || (*n & (*n - 1)) == 0) {
		p = realloc(*items, (*n ? *n * 2 : 1) * sz);
		if (p == NULL)
			return NULL;
		*items = p;
	}
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

void tp_cert_info_clear(struct tp_cert_info *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->signature);
	free_strv(c->san, c->n_san);
	memset(c, 0, sizeof(*c));
}

static void free_certs(struct tp_cert_info *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tp_cert_info_clear(&c[i]);
	free(c);
}

static void free_counts(struct tp_count *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

struct tp_packet *tp_report_add_packet(struct tp_report *r)
{
	return grow_fast(&r->packets, &r->n_packets, sizeof(struct tp_packet));
}

void tp_handshake_clear(struct tp_handshake *h)
{
	size_t i;

	free(h->client);
	free(h->server);
	free(h->sni);
	free(h->alpn);
	for (i = 0; i < h->n_alpn_offered; i++)
		free(h->alpn_offered[i]);
	free(h->alpn_offered);
	free(h->version);
	free(h->cipher);
	free(h->tunnel_target);
	free_certs(h->certs, h->n_certs);
	h->client = h->server = h->sni = h->alpn = NULL;
	h->tunnel_target = NULL;
	h->alpn_offered = NULL;
	h->n_alpn_offered = 0;
	h->version = h->cipher = NULL;
	h->certs = NULL;
	h->n_certs = 0;
}

int tp_cert_info_copy(struct tp_cert_info *dst, const struct tp_cert_info *src)
{
	size_t i;

	*dst = *src;
	dst->subject = src->subject ? strdup(src->subject) : NULL;
	dst->issuer = src->issuer ? strdup(src->issuer) : NULL;
	dst->signature = src->signature ? strdup(src->signature) : NULL;
	dst->san = NULL;
	dst->n_san = 0;
	if ((src->subject && !dst->subject) || (src->issuer && !dst->issuer) ||
	    (src->signature && !dst->signature))
		goto fail;
	if (src->n_san > 0) {
		dst->san = calloc(src->n_san, sizeof(char *));
		if (dst->san == NULL)
			goto fail;
		for (i = 0; i < src->n_san; i++) {
			dst->san[i] = strdup(src->san[i]);
			if (dst->san[i] == NULL)
				goto fail;
			dst->n_san++;
		}
	}
	return 0;
fail:
	tp_cert_info_clear(dst);
	return -1;
}

struct tp_handshake *tp_report_add_handshake(struct tp_report *r)
{
	struct tp_handshake *h = grow_fast(&r->handshakes, &r->n_handshakes,
					   sizeof(*h));

	if (h != NULL)
		h->keylog_secrets = -1;
	return h;
}

struct tp_report *tp_report_new(const char *command)
{
	struct tp_report *r = calloc(1, sizeof(*r));

	if (r != NULL)
		snprintf(r->command, sizeof(r->command), "%s", command);
	return r;
}


void tp_report_free(struct tp_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->target.host);
	free(r->target.host_unicode);
	free(r->target.sni);
	free_strv(r->target.addresses, r->target.n_addresses);
	for (i = 0; i < r->n_stages; i++) {
		free(r->stages[i].detail);
		free(r->stages[i].local);
		free(r->stages[i].remote);
	}
	free(r->stages);
	free(r->session.version);
	free(r->session.cipher);
	free(r->session.group);
	free(r->session.signature);
	free(r->session.alpn);
	free_certs(r->certs, r->n_certs);
	tp_cert_info_clear(&r->anchor);
	free(r->anchor_store);
	free(r->packets);
	for (i = 0; i < r->n_handshakes; i++)
		tp_handshake_clear(&r->handshakes[i]);
	free(r->handshakes);
	if (r->pcap != NULL) {
		free(r->pcap->source);
		free_counts(r->pcap->by_version, r->pcap->n_by_version);
		free_counts(r->pcap->by_cipher, r->pcap->n_by_cipher);
		free_counts(r->pcap->by_outcome, r->pcap->n_by_outcome);
		free_counts(r->pcap->by_starttls, r->pcap->n_by_starttls);
		free_counts(r->pcap->by_tunnel, r->pcap->n_by_tunnel);
		free(r->pcap);
	}
	free(r->messages);
	for (i = 0; i < r->n_checks; i++)
		free(r->checks[i].detail);
	free(r->checks);
	for (i = 0; i < r->n_findings; i++) {
		free(r->findings[i].summary);
		free(r->findings[i].detail);
		free(r->findings[i].fix);
	}
	free(r->findings);
	free(r->unique_id);
	free(r->peer.unique_id);
	free(r->peer.seen_from);
	free(r->peer.server_local);
	free_strv(r->peer.sent_sha256, r->peer.n_sent);
	free_strv(r->peer.trusted_cas, r->peer.n_trusted);
	free(r->peer.outcome);
	free(r->peer.alert_sent);
	free(r->peer.reason);
	free_strv(r->peer.codes, r->peer.n_codes);
	tp_report_free(r->directions[0]);
	tp_report_free(r->directions[1]);
	tp_scan_free(r->scan);
	free(r);
}

void tp_scan_free(struct tp_scan *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_protocols; i++) {
		free(s->protocols[i].suites);
		free(s->protocols[i].groups);
		free(s->protocols[i].sig_algs);
	}
	free_strv(s->grade_reasons, s->n_grade_reasons);
	free(s->starttls);
	free(s->policy_syntax);
	free(s->policy_extra);
	free(s->policy_missing);
	free(s->policy_left_out);
	free(s->policy_left_why);
	free(s);
}

int tp_report_set_target(struct tp_report *r, const char *host,
			 unsigned port, const char *sni)
{
	char *unicode;

	free(r->target.host);
	free(r->target.host_unicode);
	free(r->target.sni);
	r->target.host = tp_report_strdup(host);
	r->target.sni = tp_report_strdup(sni);
	r->target.port = port;
	/* the name as people write it, beside the A-labels that were
	 * resolved and sent; sanitised, since a U-label may hold
	 * characters that reorder or hide text */
	r->target.host_unicode = NULL;
	unicode = tp_addr_unicode(host);
	if (unicode != NULL) {
		r->target.host_unicode = tp_report_strdup(unicode);
		free(unicode);
	}
	return ((host != NULL && r->target.host == NULL) ||
		(sni != NULL && r->target.sni == NULL)) ? -1 : 0;
}

int tp_report_set_sni(struct tp_report *r, const char *sni, size_t len)
{
	free(r->target.sni);
	r->target.sni = tp_sanitize(sni, len);
	return sni != NULL && r->target.sni == NULL ? -1 : 0;
}

void tp_report_set_nodes(struct tp_report *r, const char *a_id,
			 const char *b_id)
{
	tp_sanitize_into(r->a_id, sizeof(r->a_id), a_id, strlen(a_id));
	tp_sanitize_into(r->b_id, sizeof(r->b_id), b_id, strlen(b_id));
}

int tp_strv_add(char ***v, size_t *n, const char *s)
{
	char *copy = tp_report_strdup(s);
	char **slot;

	if (copy == NULL)
		return -1;
	slot = grow(v, n, sizeof(char *));
	if (slot == NULL) {
		free(copy);
		return -1;
	}
	*slot = copy;
	return 0;
}

int tp_report_add_address(struct tp_report *r, const char *address)
{
	return tp_strv_add(&r->target.addresses, &r->target.n_addresses,
			   address);
}

/* A stage's name as the report keeps it: another node's report names
 * its own stages, so the name is sanitised like any other string. */
static void stage_name(char out[16], const char *name)
{
	tp_sanitize_into(out, 16, name, strlen(name));
}

struct tp_stage *tp_report_stage(struct tp_report *r, const char *name)
{
	struct tp_stage *stage;
	char clean[sizeof(stage->name)];
	size_t i;

	stage_name(clean, name);
	for (i = 0; i < r->n_stages; i++)
		if (strcmp(r->stages[i].name, clean) == 0)
			return &r->stages[i];
	stage = grow(&r->stages, &r->n_stages, sizeof(*stage));
	if (stage != NULL)
		memcpy(stage->name, clean, sizeof(stage->name));
	return stage;
}

struct tp_stage *tp_report_stage_after(struct tp_report *r, const char *name,
				       const char *after)
{
	struct tp_stage *stage;
	char clean[sizeof(stage->name)];
	size_t i, at = r->n_stages;

	stage_name(clean, name);
	for (i = 0; i < r->n_stages; i++) {
		if (strcmp(r->stages[i].name, clean) == 0)
			return &r->stages[i];
		if (strcmp(r->stages[i].name, after) == 0)
			at = i + 1;
	}
	if (grow(&r->stages, &r->n_stages, sizeof(*stage)) == NULL)
		return NULL;
	memmove(&r->stages[at + 1], &r->stages[at],
		(r->n_stages - 1 - at) * sizeof(*stage));
	stage = &r->stages[at];
	memset(stage, 0, sizeof(*stage));
	memcpy(stage->name, clean, sizeof(stage->name));
	return stage;
}

int tp_report_add_standard_stages(struct tp_report *r)
{
	static const char *const names[] = {"dns", "tcp", "tls", "verify"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (tp_report_stage(r, names[i]) == NULL)
			return -1;
	return 0;
}

void tp_stage_set(struct tp_stage *stage, enum tp_stage_status status,
		  double ms, const char *detail_fmt, ...)
{
	va_list ap;

	if (stage == NULL)
		return;
	stage->status = status;
	stage->ms = ms;
	if (detail_fmt != NULL) {
		free(stage->detail);
		va_start(ap, detail_fmt);
		stage->detail = vformat(detail_fmt, ap);
		va_end(ap);
	}
}

void tp_stage_set_finding(struct tp_stage *stage, enum tp_stage_status status,
			  double ms, const struct tp_finding *f,
			  const char *otherwise)
{
	if (stage == NULL)
		return;
	tp_stage_set(stage, status, ms, "%s", otherwise ? otherwise : "");
	if (f != NULL && f->summary != NULL) {
		free(stage->detail);
		stage->detail = strdup(f->summary);
	}
}

void tp_stage_set_ends(struct tp_stage *stage, const char *local,
		       const char *remote)
{
	if (stage == NULL)
		return;
	free(stage->local);
	free(stage->remote);
	stage->local = tp_report_strdup(local);
	stage->remote = tp_report_strdup(remote);
}

int tp_report_add_message(struct tp_report *r, double t_ms, bool incoming,
			  const char *name)
{
	struct tp_message *m;

	/* a hostile peer must not grow the report without bound */
	if (r->n_messages >= 256)
		return -1;
	m = grow(&r->messages, &r->n_messages, sizeof(*m));
	if (m == NULL)
		return -1;
	m->t_ms = t_ms;
	m->incoming = incoming;
	tp_sanitize_into(m->name, sizeof(m->name), name ? name : "?",
			 name ? strlen(name) : 1);
	return 0;
}

struct tp_finding *tp_report_finding(struct tp_report *r, enum tp_code code,
				     const char *summary_fmt, ...)
{
	const struct tp_code_info *info = tp_code_info(code);
	struct tp_finding *f;
	va_list ap;

	if (info == NULL)
		return NULL;
	f = grow(&r->findings, &r->n_findings, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->code = code;
	f->severity = info->severity;
	f->side = info->side;
	va_start(ap, summary_fmt);
	f->summary = vformat(summary_fmt, ap);
	va_end(ap);
	f->fix = strdup(info->fix);
	if (f->summary == NULL || f->fix == NULL) {
		/* keep the report consistent: drop the half-made finding */
		free(f->summary);
		free(f->fix);
		r->n_findings--;
		return NULL;
	}
	return f;
}

void tp_finding_detail(struct tp_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	free(f->detail);
	va_start(ap, fmt);
	f->detail = vformat(fmt, ap);
	va_end(ap);
}

void tp_finding_fix(struct tp_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	free(f->fix);
	va_start(ap, fmt);
	f->fix = vformat(fmt, ap);
	va_end(ap);
}

struct tp_finding *tp_report_copy_finding(struct tp_report *r,
					  const struct tp_finding *src,
					  const char *prefix)
{
	struct tp_finding *f;
	char *summary = NULL;

	/* src's strings were sanitised as they entered its report: copied
	 * as they are, or their backslashes would double */
	if (asprintf(&summary, "%s%s%s", prefix ? prefix : "",
		     prefix ? ": " : "", src->summary ? src->summary : "") < 0)
		return NULL;
	f = grow(&r->findings, &r->n_findings, sizeof(*f));
	if (f == NULL) {
		free(summary);
		return NULL;
	}
	f->code = src->code;
	f->severity = src->severity;
	f->side = src->side;
	f->summary = summary;
	f->detail = src->detail ? strdup(src->detail) : NULL;
	f->fix = src->fix ? strdup(src->fix) : NULL;
	if ((src->detail && !f->detail) || (src->fix && !f->fix)) {
		free(f->summary);
		free(f->detail);
		free(f->fix);
		r->n_findings--;
		return NULL;
	}
	return f;
}

void tp_finding_append_detail(struct tp_finding *f, const char *sep,
			      const char *fmt, ...)
{
	char *more, *joined = NULL;
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	more = vformat(fmt, ap);
	va_end(ap);
	if (more == NULL)
		return;
	/* only the new words are sanitised: the old ones already were */
	if (f->detail == NULL) {
		f->detail = more;
		return;
	}
	if (asprintf(&joined, "%s%s%s", f->detail, sep, more) >= 0) {
		free(f->detail);
		f->detail = joined;
	}
	free(more);
}

const struct tp_stage *tp_report_find_stage(const struct tp_report *r,
					    const char *name)
{
	size_t i;

	/* names are unique: tp_report_stage gives a known one back */
	for (i = 0; i < r->n_stages; i++)
		if (strcmp(r->stages[i].name, name) == 0)
			return &r->stages[i];
	return NULL;
}

const struct tp_finding *tp_report_find_finding(const struct tp_report *r,
						enum tp_code code)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].code == code)
			return &r->findings[i];
	return NULL;
}

struct tp_finding *tp_report_finding_of(struct tp_report *r,
				       enum tp_code code)
{
	/* r is the caller's to change: so is what it holds */
	return (struct tp_finding *)tp_report_find_finding(r, code);
}

bool tp_report_has(const struct tp_report *r, enum tp_code code)
{
	return tp_report_find_finding(r, code) != NULL;
}

struct tp_check *tp_report_check(struct tp_report *r, const char *name,
				 enum tp_check_status status,
				 enum tp_check_support supported,
				 const char *detail_fmt, ...)
{
	struct tp_check *c = grow(&r->checks, &r->n_checks, sizeof(*c));
	va_list ap;

	if (c == NULL)
		return NULL;
	tp_sanitize_into(c->name, sizeof(c->name), name, strlen(name));
	c->status = status;
	c->supported = supported;
	va_start(ap, detail_fmt);
	c->detail = vformat(detail_fmt, ap);
	va_end(ap);
	if (c->detail == NULL) {
		r->n_checks--;
		return NULL;
	}
	return c;
}

const char *tp_check_status_name(enum tp_check_status s)
{
	static const char *const names[] = {
		[TP_CHECK_UNKNOWN] = "unknown",
		[TP_CHECK_NOT_VULNERABLE] = "not_vulnerable",
		[TP_CHECK_VULNERABLE] = "vulnerable",
		[TP_CHECK_NOT_APPLICABLE] = "not_applicable",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s]
							       : "unknown";
}

const struct tp_check *tp_report_find_check(const struct tp_report *r,
					    const char *name)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	return NULL;
}

struct tp_cert_info *tp_report_add_cert(struct tp_report *r)
{
	struct tp_cert_info *c = grow(&r->certs, &r->n_certs, sizeof(*c));

	if (c != NULL)
		c->position = (int)r->n_certs - 1;
	return c;
}

int tp_session_set(struct tp_session *s, const char *version,
		   const char *cipher, const char *group,
		   const char *signature, const char *alpn, bool resumed)
{
	free(s->version);
	free(s->cipher);
	free(s->group);
	free(s->signature);
	free(s->alpn);
	s->present = true;
	s->version = tp_report_strdup(version);
	s->cipher = tp_report_strdup(cipher);
	s->group = tp_report_strdup(group);
	s->signature = tp_report_strdup(signature);
	s->alpn = tp_report_strdup(alpn);
	s->resumed = resumed;
	if ((version && !s->version) || (cipher && !s->cipher) ||
	    (group && !s->group) || (signature && !s->signature) ||
	    (alpn && !s->alpn))
		return -1;
	return 0;
}

enum tp_verdict tp_report_verdict(const struct tp_report *r)
{
	enum tp_verdict v = TP_VERDICT_PASS;
	size_t i;

	for (i = 0; i < r->n_findings; i++) {
		if (r->findings[i].severity == TP_SEV_ERROR)
			return TP_VERDICT_FAIL;
		if (r->findings[i].severity == TP_SEV_WARNING)
			v = TP_VERDICT_WARN;
	}
	return v;
}

const char *tp_verdict_name(enum tp_verdict v)
{
	switch (v) {
	case TP_VERDICT_FAIL: return "fail";
	case TP_VERDICT_WARN: return "warn";
	default: return "pass";
	}
}

int tp_report_exit_status(const struct tp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].severity == TP_SEV_ERROR)
			return 1;
	return 0;
}
