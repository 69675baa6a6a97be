/* The text view of a report, for people; colour only when asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "tlsprobe.h"

struct pen {
	FILE *f;
	bool color;
};

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

/* Writes s wrapped in a colour when colour is on. */
static void paint(struct pen *p, const char *color, const char *fmt, ...)
	TP_PRINTF(3, 4);
static void paint(struct pen *p, const char *color, const char *fmt, ...)
{
	va_list ap;

	if (p->color)
		fputs(color, p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	if (p->color)
		fputs(C_OFF, p->f);
}

static const char *severity_color(enum tp_severity s)
{
	switch (s) {
	case TP_SEV_ERROR: return C_RED;
	case TP_SEV_WARNING: return C_YELLOW;
	default: return C_DIM;
	}
}

static void header(struct pen *p, const struct tp_report *r)
{
	const struct tp_target *t = &r->target;

	paint(p, C_BOLD, "tlsprobe %s", r->command);
	if (t->host != NULL) {
		if (strchr(t->host, ':') != NULL)
			fprintf(p->f, " [%s]:%u", t->host, t->port);
		else
			fprintf(p->f, " %s:%u", t->host, t->port);
		if (t->host_unicode != NULL)
			fprintf(p->f, " (%s)", t->host_unicode);
		if (t->sni != NULL)
			fprintf(p->f, "  (SNI %s)", t->sni);
		else if (r->n_stages > 0)
			fputs("  (no SNI)", p->f);
		if (r->proxy_url[0] != '\0')
			fprintf(p->f, "  via %s", r->proxy_url);
	}
	fputc('\n', p->f);
	if (r->unique_id != NULL)
		fprintf(p->f, "%s\n", r->unique_id);
}

static void stages(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (r->n_stages == 0)
		return;
	fputc('\n', p->f);
	for (i = 0; i < r->n_stages; i++) {
		const struct tp_stage *stage = &r->stages[i];

		fprintf(p->f, "  %-9s", stage->name);
		switch (stage->status) {
		case TP_STAGE_OK:
			paint(p, C_GREEN, "%-8s", "ok");
			break;
		case TP_STAGE_FAIL:
			paint(p, C_RED, "%-8s", "FAIL");
			break;
		default:
			paint(p, C_DIM, "%s", "skipped");
			break;
		}
		if (stage->status != TP_STAGE_SKIPPED)
			fprintf(p->f, "%8.1f ms", stage->ms);
		if (stage->local != NULL && stage->remote != NULL)
			fprintf(p->f, "  %s -> %s", stage->local,
				stage->remote);
		if (stage->detail != NULL)
			fprintf(p->f, "  %s", stage->detail);
		fputc('\n', p->f);
	}
}

static void messages(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (r->n_messages == 0)
		return;
	fputs("\nhandshake\n", p->f);
	for (i = 0; i < r->n_messages; i++)
		fprintf(p->f, "  %8.1f ms  %s %s\n", r->messages[i].t_ms,
			r->messages[i].incoming ? "<-" : "->",
			r->messages[i].name);
}

static void session(struct pen *p, const struct tp_report *r)
{
	const struct tp_session *s = &r->session;

	if (!s->present)
		return;
	fprintf(p->f, "\nsession   %s  %s", s->version ? s->version : "?",
		s->cipher ? s->cipher : "?");
	if (s->group != NULL)
		fprintf(p->f, "  group %s", s->group);
	if (s->signature != NULL)
		fprintf(p->f, "  signature %s", s->signature);
	if (s->alpn != NULL)
		fprintf(p->f, "  ALPN %s", s->alpn);
	if (s->resumed)
		fputs("  resumed", p->f);
	fputc('\n', p->f);
}

static void client_hello(struct pen *p, const struct tp_report *r)
{
	const struct tp_client_hello *ch = &r->client_hello;
	size_t i;

	if (!ch->present)
		return;
	fputs("\nclient hello\n  versions ", p->f);
	for (i = 0; i < ch->n_versions; i++)
		fprintf(p->f, "%s%s", i ? " " : "", ch->versions[i]);
	fprintf(p->f, "  SNI %s\n  %u suites:", ch->has_sni ? ch->sni : "(none)",
		ch->n_suites);
	for (i = 0; i < ch->n_suite_ids; i++)
		fprintf(p->f, " %s", ch->suite_ids[i]);
	if (ch->n_suites > ch->n_suite_ids)
		fputs(" …", p->f);
	fputs("\n  groups  ", p->f);
	for (i = 0; i < ch->n_groups; i++)
		fprintf(p->f, " %s", ch->groups[i]);
	if (ch->n_alpn > 0) {
		fputs("\n  ALPN    ", p->f);
		for (i = 0; i < ch->n_alpn; i++)
			fprintf(p->f, " %s", ch->alpn[i]);
	}
	fputc('\n', p->f);
}

/* A certificate's lines under its heading. */
static void cert_body(struct pen *p, const struct tp_cert_info *c)
{
	size_t j;

	fprintf(p->f, "      issuer    %s%s\n", c->issuer ? c->issuer : "?",
		c->self_signed ? "  (self-signed)" : "");
	fprintf(p->f, "      valid     %s .. %s\n", c->not_before,
		c->not_after);
	fprintf(p->f, "      key       %s, signed %s%s\n", c->key,
		c->signature ? c->signature : "?", c->is_ca ? ", CA" : "");
	if (c->n_san > 0) {
		fputs("      names    ", p->f);
		for (j = 0; j < c->n_san; j++)
			fprintf(p->f, " %s", c->san[j]);
		fputc('\n', p->f);
	}
	fprintf(p->f, "      sha256    %s\n", c->sha256);
}

static void certs(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (r->n_certs == 0)
		return;
	fputs("\ncertificates\n", p->f);
	for (i = 0; i < r->n_certs; i++) {
		const struct tp_cert_info *c = &r->certs[i];

		fprintf(p->f, "  [%d] ", c->position);
		paint(p, C_BOLD, "%s", c->subject ? c->subject : "?");
		fputc('\n', p->f);
		cert_body(p, c);
	}
	/* not numbered: [N] is a place in what was sent */
	if (r->has_anchor) {
		fputs("  anchor from the trust store, not sent: ", p->f);
		paint(p, C_BOLD, "%s", r->anchor.subject ? r->anchor.subject
		      : "?");
		fputc('\n', p->f);
		fprintf(p->f, "      store     %s\n", r->anchor_store
			? r->anchor_store : "?");
		cert_body(p, &r->anchor);
	}
}

static void peer(struct pen *p, const struct tp_report *r)
{
	const struct tp_peer_report *q = &r->peer;

	if (!r->has_peer_report)
		return;
	fprintf(p->f, "\nfar side  tlsprobe server %s\n",
		q->unique_id ? q->unique_id : "?");
	fprintf(p->f, "          saw us as %s, listens on %s%s\n",
		q->seen_from ? q->seen_from : "?",
		q->server_local ? q->server_local : "?",
		q->require_client_cert ? ", requires a client certificate" : "");
	if (q->has_account)
		fprintf(p->f, "          its account: %s%s%s%s%s\n",
			q->outcome ? q->outcome : "?",
			q->alert_sent ? ", sent alert " : "",
			q->alert_sent ? q->alert_sent : "",
			q->reason ? ": " : "", q->reason ? q->reason : "");
	else
		fputs("          it saw no handshake with our ClientHello\n",
		      p->f);
}

/* --capture: the probe's own packets, one line each. */
static void packets(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (!r->has_packets)
		return;
	fprintf(p->f, "\npackets   %zu\n", r->n_packets);
	for (i = 0; i < r->n_packets; i++) {
		const struct tp_packet *k = &r->packets[i];

		fprintf(p->f, "  %9.1f ms  %s %-3s %5u bytes  ttl %3u",
			k->t_ms, k->incoming ? "<-" : "->", k->flags, k->len,
			k->ttl);
		if (k->tls[0])
			fprintf(p->f, "  %s", k->tls);
		if (k->retransmission)
			paint(p, C_YELLOW, "%s", "  retransmission");
		if (k->conflict)
			paint(p, C_RED, "%s", "  tcp-conflict");
		if (k->icmp[0])
			paint(p, C_RED, "  ICMP %s", k->icmp);
		fputc('\n', p->f);
	}
}

static const char *outcome_color(const char *outcome)
{
	if (strcmp(outcome, "established") == 0)
		return C_GREEN;
	if (strcmp(outcome, "alert") == 0 || strcmp(outcome, "reset") == 0)
		return C_RED;
	return C_YELLOW;
}

/* "12:00:01.250", UTC: the summary gives the date. */
static void clock_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)t;
	unsigned ms = (unsigned)((t - (double)s) * 1000) % 1000;
	char hms[16];
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(hms, sizeof(hms), "%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.8s.%03u", hms, ms);
}

static void handshake_line(struct pen *p, const struct tp_handshake *h)
{
	char when[16];

	clock_time(h->t_start, when, sizeof(when));
	fprintf(p->f, "%s  %s -> %s  ", when, h->client ? h->client : "?",
		h->server ? h->server : "?");
	if (h->sni != NULL)
		paint(p, C_BOLD, "%s", h->sni);
	else
		paint(p, C_DIM, "%s", "(no SNI)");
	fprintf(p->f, "  %s  %s  ", h->version ? h->version : "-",
		h->cipher ? h->cipher : "-");
	paint(p, outcome_color(h->outcome), "%s", h->outcome);
	if (h->has_alert)
		fprintf(p->f, "  %s alert %s from the %s", h->alert_level,
			h->alert_description,
			h->alert_from_server ? "server" : "client");
	if (h->alert_inferred)
		fputs(" (by its size)", p->f);
	if (h->starttls[0] != '\0')
		fprintf(p->f, "  starttls %s", h->starttls);
	if (h->tunnel[0] != '\0')
		fprintf(p->f, "  tunnel %s %s", h->tunnel,
			h->tunnel_target ? h->tunnel_target : "?");
	if (h->keylog_secrets >= 0)
		fprintf(p->f, "  keylog %d", h->keylog_secrets);
	if (h->tcp_conflicts > 0)
		fprintf(p->f, "  tcp-conflicts %u", h->tcp_conflicts);
	fputc('\n', p->f);
}

/* pcap: one line per TLS connection, in the order they started. */
static void handshakes(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (r->pcap == NULL)
		return;
	/* streamed: the lines went out as the connections ended */
	if (r->n_handshakes == 0 && r->pcap->handshakes > 0)
		return;
	fputc('\n', p->f);
	if (r->pcap->handshakes == 0)
		fputs("no TLS handshake in the capture\n", p->f);
	for (i = 0; i < r->n_handshakes; i++)
		handshake_line(p, &r->handshakes[i]);
}

/* What draw writes with a pen, as one string (NULL when memory ran
 * out): every text view ends here. */
static char *render(void (*draw)(struct pen *p, const void *what, int flags),
		    const void *what, int flags)
{
	struct pen p = {NULL, (flags & TP_RENDER_COLOR) != 0};
	char *out = NULL;
	size_t len = 0;

	p.f = open_memstream(&out, &len);
	if (p.f == NULL)
		return NULL;
	draw(&p, what, flags);
	if (fclose(p.f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void draw_handshake(struct pen *p, const void *what, int flags)
{
	(void)flags;
	handshake_line(p, what);
}

char *tp_handshake_to_text(const struct tp_handshake *h, int flags)
{
	return render(draw_handshake, h, flags);
}

static void counts(struct pen *p, const char *label, const struct tp_count *c,
		   size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(p->f, "%-10s", label);
	for (i = 0; i < n; i++)
		fprintf(p->f, "%s%s %u", i ? ", " : "", c[i].name, c[i].n);
	fputc('\n', p->f);
}

/* "tunnels   connect 2, socks5 1; 1 refused, 1 without TLS, not listed" */
static void tunnel_counts(struct pen *p, const struct tp_pcap_summary *s)
{
	size_t i;

	if (s->n_by_tunnel == 0 && s->tunnels_refused == 0 &&
	    s->tunnels_without_tls == 0)
		return;
	fprintf(p->f, "%-10s", "tunnels");
	for (i = 0; i < s->n_by_tunnel; i++)
		fprintf(p->f, "%s%s %u", i ? ", " : "", s->by_tunnel[i].name,
			s->by_tunnel[i].n);
	if (s->tunnels_refused > 0 || s->tunnels_without_tls > 0)
		fprintf(p->f, "%s%llu refused, %llu without TLS, not listed",
			s->n_by_tunnel > 0 ? "; " : "", s->tunnels_refused,
			s->tunnels_without_tls);
	fputc('\n', p->f);
}

static void pcap_summary(struct pen *p, const struct tp_report *r)
{
	const struct tp_pcap_summary *s = r->pcap;
	char first[32] = "";

	if (s == NULL)
		return;
	if (s->t_first > 0) {
		time_t t = (time_t)s->t_first;
		struct tm tm;

		if (gmtime_r(&t, &tm) != NULL)
			strftime(first, sizeof(first), "%Y-%m-%d %H:%M:%S UTC",
				 &tm);
	}
	fprintf(p->f, "\nsource    %s%s\n", s->source ? s->source : "?",
		s->truncated ? " (truncated)" : "");
	fprintf(p->f, "frames    %llu (%llu TCP), %llu TCP connection%s, "
		"%llu with TLS", s->frames, s->tcp_frames, s->flows,
		s->flows == 1 ? "" : "s", s->tls_flows);
	if (s->evicted > 0)
		fprintf(p->f, ", %llu evicted", s->evicted);
	if (s->over_budget > 0)
		fprintf(p->f, ", %llu cut short for memory", s->over_budget);
	fprintf(p->f, ", %.1f ms\n", s->ms);
	fprintf(p->f, "listed    %llu handshake%s", s->handshakes,
		s->handshakes == 1 ? "" : "s");
	if (first[0])
		fprintf(p->f, ", the first at %s", first);
	fputc('\n', p->f);
	counts(p, "versions", s->by_version, s->n_by_version);
	counts(p, "ciphers", s->by_cipher, s->n_by_cipher);
	counts(p, "outcomes", s->by_outcome, s->n_by_outcome);
	if (s->n_by_starttls > 0 || s->starttls_refused > 0) {
		size_t i;

		fprintf(p->f, "%-10s", "starttls");
		for (i = 0; i < s->n_by_starttls; i++)
			fprintf(p->f, "%s%s %u", i ? ", " : "",
				s->by_starttls[i].name, s->by_starttls[i].n);
		if (s->starttls_refused > 0)
			fprintf(p->f, "%s%llu refused, not listed",
				s->n_by_starttls > 0 ? "; " : "",
				s->starttls_refused);
		fputc('\n', p->f);
	}
	tunnel_counts(p, s);
}

static void findings(struct pen *p, const struct tp_report *r)
{
	size_t i;

	if (r->n_findings == 0)
		return;
	fputs("\nfindings\n", p->f);
	for (i = 0; i < r->n_findings; i++) {
		const struct tp_finding *f = &r->findings[i];
		const char *sev = f->severity == TP_SEV_ERROR ? "ERROR"
				  : f->severity == TP_SEV_WARNING ? "WARNING"
								  : "INFO";

		fputs("  ", p->f);
		paint(p, severity_color(f->severity), "%-8s", sev);
		paint(p, C_BOLD, "%s", tp_code_info(f->code)->name);
		fprintf(p->f, " (%s)\n", tp_side_name(f->side));
		if (f->summary != NULL)
			fprintf(p->f, "          %s\n", f->summary);
		if (f->detail != NULL)
			fprintf(p->f, "          evidence: %s\n", f->detail);
		if (f->fix != NULL)
			fprintf(p->f, "          fix: %s\n", f->fix);
	}
}

static void verdict(struct pen *p, const struct tp_report *r)
{
	enum tp_verdict v = tp_report_verdict(r);
	size_t i, errors = 0, warnings = 0;

	for (i = 0; i < r->n_findings; i++) {
		errors += r->findings[i].severity == TP_SEV_ERROR;
		warnings += r->findings[i].severity == TP_SEV_WARNING;
	}
	fputs("\nverdict   ", p->f);
	paint(p, v == TP_VERDICT_FAIL ? C_RED
		 : v == TP_VERDICT_WARN ? C_YELLOW : C_GREEN,
	      "%s", v == TP_VERDICT_FAIL ? "FAIL" : v == TP_VERDICT_WARN
							  ? "WARN" : "PASS");
	fprintf(p->f, "  (%zu error%s, %zu warning%s", errors,
		errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	if (r->n_stages > 0)
		fprintf(p->f, ", %.1f ms", r->total_ms);
	fputs(")\n", p->f);
}

static const char *grade_color(char g)
{
	return g == 'A' ? C_GREEN : g == 'B' ? C_YELLOW : C_RED;
}

static void id_list(struct pen *p, const char *label, const uint16_t *v,
		    size_t n, bool groups, const char *after)
{
	size_t i, col;

	if (n == 0)
		return;
	col = (size_t)fprintf(p->f, "  %-10s", label);
	for (i = 0; i < n; i++) {
		const char *name = NULL;
		char b[8];
		size_t w;

		if (groups) {
			const struct tp_group *g = tp_registry_group(v[i]);

			name = g ? g->name : NULL;
		} else {
			const struct tp_sigscheme *g =
				tp_registry_sigscheme(v[i]);

			name = g ? g->name : NULL;
		}
		if (name == NULL) {
			snprintf(b, sizeof(b), "0x%04x", v[i]);
			name = b;
		}
		w = strlen(name) + 1;
		if (col + w > 78 && col > 12) {
			fputs("\n            ", p->f);
			col = 12;
		}
		col += (size_t)fprintf(p->f, " %s", name);
	}
	if (after != NULL)
		fprintf(p->f, "%s%s", col + strlen(after) + 2 > 78
			? "\n            " : "  ", after);
	fputc('\n', p->f);
}

/* tlsprobe ciphers: a table per protocol version, newest first. */
static void scan(struct pen *p, const struct tp_report *r)
{
	const struct tp_scan *sc = r->scan;
	size_t i, j;

	if (sc == NULL)
		return;
	for (i = sc->n_protocols; i-- > 0;) {
		const struct tp_scan_protocol *pr = &sc->protocols[i];
		const struct tp_version *v = tp_registry_version(pr->version);

		fputc('\n', p->f);
		paint(p, C_BOLD, "%-7s", v ? v->name : "?");
		if (!pr->tested) {
			paint(p, C_DIM, "%s", "not tested");
			fputc('\n', p->f);
			continue;
		}
		if (!pr->accepted) {
			fputs(pr->incomplete ? "no answer\n" : "refused\n", p->f);
			continue;
		}
		fprintf(p->f, "accepted, %s order%s", pr->preference ==
			TP_PREF_SERVER ? "server" : pr->preference ==
			TP_PREF_CLIENT ? "client (registry)" : "indeterminate",
			pr->incomplete ? ", incomplete" : "");
		if (pr->grade) {
			fputs("   grade ", p->f);
			paint(p, grade_color(pr->grade), "%c", pr->grade);
		}
		fputc('\n', p->f);
		for (j = 0; j < pr->n_suites; j++) {
			const struct tp_scan_suite *su = &pr->suites[j];
			const struct tp_suite *s = tp_registry_suite(su->id);

			fprintf(p->f, "  0x%04X  %-45s %-12s ", su->id,
				s ? s->iana : "?", su->kx);
			paint(p, grade_color(su->grade), "%c", su->grade);
			fputc('\n', p->f);
		}
		id_list(p, "groups", pr->groups, pr->n_groups, true,
			pr->group_preference == TP_PREF_SERVER
			? "(server order)" : pr->group_preference ==
			TP_PREF_CLIENT ? "(client order)" : NULL);
		id_list(p, "signatures", pr->sig_algs, pr->n_sig_algs, false,
			NULL);
	}
	fputc('\n', p->f);
	if (sc->starttls != NULL)
		fprintf(p->f, "starttls   %s\n", sc->starttls);
	if (sc->cert_key[0])
		fprintf(p->f, "cert key   %s\n", sc->cert_key);
	if (sc->policy_syntax != NULL)
		fprintf(p->f, "policy     %s: %zu extra, %zu missing\n",
			sc->policy_syntax, sc->n_policy_extra,
			sc->n_policy_missing);
	if (sc->policy_left_why != NULL)
		fprintf(p->f, "           %zu left out: %s\n",
			sc->n_policy_left_out, sc->policy_left_why);
	fputs("grade      ", p->f);
	if (sc->grade)
		paint(p, grade_color(sc->grade), "%c", sc->grade);
	else
		fputs("none (nothing accepted)", p->f);
	fputc('\n', p->f);
	for (i = 0; i < sc->n_grade_reasons; i++)
		fprintf(p->f, "           %s\n", sc->grade_reasons[i]);
	fprintf(p->f, "probes     %u connection%s in %.1f ms (suites %u, "
		"groups %u, signatures %u", sc->connections,
		sc->connections == 1 ? "" : "s", sc->ms,
		sc->suite_connections, sc->group_connections,
		sc->sigalg_connections);
	if (strcmp(r->command, "audit") == 0)
		fprintf(p->f, ", checks %u", sc->check_connections);
	fputs(")\n", p->f);
}

/* tlsprobe audit: one line per check, its evidence under it. */
static void checks(struct pen *p, const struct tp_report *r)
{
	static const char *const words[] = {
		[TP_CHECK_UNKNOWN] = "unknown",
		[TP_CHECK_NOT_VULNERABLE] = "ok",
		[TP_CHECK_VULNERABLE] = "VULNERABLE",
		[TP_CHECK_NOT_APPLICABLE] = "n/a",
	};
	static const char *const colours[] = {
		[TP_CHECK_UNKNOWN] = C_YELLOW,
		[TP_CHECK_NOT_VULNERABLE] = C_GREEN,
		[TP_CHECK_VULNERABLE] = C_RED,
		[TP_CHECK_NOT_APPLICABLE] = C_DIM,
	};
	size_t i;

	if (r->n_checks == 0)
		return;
	fputs("\nchecks\n", p->f);
	for (i = 0; i < r->n_checks; i++) {
		const struct tp_check *c = &r->checks[i];
		/* a feature's check says whether the server has it */
		const char *word = c->status != TP_CHECK_NOT_VULNERABLE ||
				   c->supported == TP_SUPPORT_NONE
				   ? words[c->status]
				   : c->supported == TP_SUPPORT_YES ? "yes" : "no";

		fprintf(p->f, "  %-24s ", c->name);
		paint(p, colours[c->status], "%-10s", word);
		fprintf(p->f, " %s\n", c->detail);
	}
}

/* tlsprobe peer: each direction as a client report of its own. */
static void directions(struct pen *p, const struct tp_report *r, int flags)
{
	static const char *const names[2] = {"A->B", "B->A"};
	int i;

	fprintf(p->f, "nodes     A %s\n          B %s\n", r->a_id, r->b_id);
	for (i = 0; i < 2; i++) {
		char *text;

		fputc('\n', p->f);
		paint(p, C_BOLD, "== %s ==", names[i]);
		fputc('\n', p->f);
		if (r->directions[i] == NULL) {
			fprintf(p->f, "no report arrived from the node that "
				"connects in this direction within %.0f s\n",
				r->wait_s);
			continue;
		}
		text = tp_report_to_text(r->directions[i], flags);
		if (text != NULL)
			fputs(text, p->f);
		free(text);
	}
	fputs("\n== both directions ==\n", p->f);
}

static void draw_report(struct pen *p, const void *what, int flags)
{
	const struct tp_report *r = what;

	header(p, r);
	if (strcmp(r->command, "peer") == 0)
		directions(p, r, flags);
	stages(p, r);
	if (flags & TP_RENDER_VERBOSE)
		messages(p, r);
	session(p, r);
	scan(p, r);
	checks(p, r);
	client_hello(p, r);
	certs(p, r);
	peer(p, r);
	handshakes(p, r);
	pcap_summary(p, r);
	packets(p, r);
	findings(p, r);
	verdict(p, r);
}

char *tp_report_to_text(const struct tp_report *r, int flags)
{
	return render(draw_report, r, flags);
}
