/*
 * The cipher audit's report: what the probes found (ciphers_state.h) copied
 * into r->scan, the leaf described, the tls stage summed up, and the
 * findings the probes' failures prove (not TLS, violations, alerts,
 * resets, silence, stalls, an audit cut short). The grade is grade.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "grade.h"
#include "net.h"
#include "registry.h"
#include "ciphers_answer.h"
#include "ciphers_state.h"

int tp_ciphers_copy_results(struct scan *sc, struct tp_scan *out)
{
	size_t i, j;

	out->n_protocols = sc->n_v;
	for (i = 0; i < sc->n_v; i++) {
		struct vstate *vs = &sc->v[i];
		struct tp_scan_protocol *p = &out->protocols[i];

		p->version = vs->version;
		p->tested = vs->tested;
		p->accepted = vs->accepted;
		p->incomplete = vs->incomplete;
		p->preference = vs->pref;
		p->group_preference = vs->group_pref;
		if (vs->n_order > 0) {
			p->suites = calloc(vs->n_order, sizeof(*p->suites));
			if (p->suites == NULL)
				return -1;
		}
		for (j = 0; j < vs->n_order; j++) {
			size_t k;

			p->suites[j].id = vs->order[j];
			for (k = 0; k < vs->n_acc; k++)
				if (vs->acc[k] == vs->order[j])
					break;
			if (k < vs->n_acc) {
				const struct tp_suite *s =
					tp_registry_suite(vs->order[j]);

				snprintf(p->suites[j].kx,
					 sizeof(p->suites[j].kx), "%s",
					 vs->acc_kx[k]);
				p->suites[j].dh_bits = vs->acc_dh[k];
				p->suites[j].group = vs->acc_group[k];
				p->suites[j].grade = s == NULL ? 'F'
					: tp_grade_accepted(s, vs->acc_dh[k],
							    vs->acc_group[k],
							    NULL);
			}
		}
		p->n_suites = vs->n_order;
		if (vs->n_groups > 0) {
			p->groups = malloc(vs->n_groups * sizeof(uint16_t));
			if (p->groups == NULL)
				return -1;
			memcpy(p->groups, vs->groups,
			       vs->n_groups * sizeof(uint16_t));
			p->n_groups = vs->n_groups;
		}
		if (vs->n_sigs > 0) {
			p->sig_algs = malloc(vs->n_sigs * sizeof(uint16_t));
			if (p->sig_algs == NULL)
				return -1;
			memcpy(p->sig_algs, vs->sigs,
			       vs->n_sigs * sizeof(uint16_t));
			p->n_sig_algs = vs->n_sigs;
		}
		if (vs->min_dh != 0 &&
		    (out->min_dh_bits == 0 || vs->min_dh < out->min_dh_bits))
			out->min_dh_bits = vs->min_dh;
	}
	out->connections = sc->connections;
	out->suite_connections = sc->by_purpose[0];
	out->group_connections = sc->by_purpose[1];
	out->sigalg_connections = sc->by_purpose[2];
	return 0;
}

/* The leaf the server sent (TLS 1.2 and older): into the report, and
 * its key for the grade. */
void tp_ciphers_describe_leaf(struct scan *sc, struct tp_report *r,
			  unsigned *bits, int *pk)
{
	gnutls_datum_t der = {sc->leaf, (unsigned)sc->leaf_len};
	gnutls_x509_crt_t crt;
	struct tp_cert_info *ci;

	*bits = 0;
	*pk = 0;
	if (sc->leaf == NULL || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0) {
		*pk = gnutls_x509_crt_get_pk_algorithm(crt, bits);
		ci = tp_report_add_cert(r);
		if (ci != NULL) {
			tp_cert_describe(crt, ci);
			ci->position = 0;
			snprintf(r->scan->cert_key, sizeof(r->scan->cert_key),
				 "%s", ci->key);
		}
	}
	gnutls_x509_crt_deinit(crt);
}

/* "TLS1.2 suites, TLS1.2 groups, …": the parts of the versions whose
 * bits (cut or skipped, as which says) are set; "" when none. */
static void list_parts(const struct scan *sc, bool skipped, char *out,
		       size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} parts[] = {
		{PART_SUITES, "suites"}, {PART_GROUPS, "groups"},
		{PART_SIGS, "signature algorithms"},
	};
	size_t used = 0, i, k;

	out[0] = '\0';
	for (i = sc->n_v; i-- > 0;) {
		const struct vstate *vs = &sc->v[i];
		unsigned bits = skipped ? vs->skipped : vs->cut;

		for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
			int w;

			if (!(bits & parts[k].bit) || used >= size)
				continue;
			w = snprintf(out + used, size - used, "%s%s %s",
				     used ? ", " : "",
				     tp_wire_version_name(vs->version),
				     parts[k].name);
			if (w > 0)
				used += (size_t)w;
		}
	}
}

/* Accepted (EC)DHE suites before TLS 1.3 whose key exchange was not seen. */
static unsigned kx_unseen(const struct scan *sc)
{
	unsigned n = 0;
	size_t i, k;

	for (i = 0; i < sc->n_v; i++)
		for (k = 0; k < sc->v[i].n_acc; k++) {
			bool dhe, kx;

			tp_ciphers_suite_kx(sc->v[i].acc[k], &dhe, &kx);
			if (sc->v[i].version < 0x0304 && kx &&
			    sc->v[i].acc_kx[k][0] == '\0')
				n++;
		}
	return n;
}

/* The server that sends its ServerHello and then stops (or floods): no
 * client gets a handshake out of it, and what only the rest shows is
 * missing. */
static void stall_findings(struct scan *sc, struct tp_report *r)
{
	struct tp_finding *f;
	char skipped[400], kx[80] = "";
	unsigned unseen = kx_unseen(sc);

	f = tp_report_finding(r, TP_HANDSHAKE_TIMEOUT, "%s does not finish "
			      "its first flight: %u probe%s got its ServerHello "
			      "but not the rest within %.1f s", sc->where,
			      sc->stalls, sc->stalls == 1 ? "" : "s",
			      sc->timeout_ms / 1000);
	if (f != NULL)
		tp_finding_detail(f, "no client can finish a handshake with "
				  "it; once seen, the audit read only the "
				  "ServerHello of each later probe");
	list_parts(sc, true, skipped, sizeof(skipped));
	if (unseen == 0 && skipped[0] == '\0')
		return;
	if (unseen > 0)
		snprintf(kx, sizeof(kx), "the key exchange (DH prime or curve) "
			 "of %u suite%s", unseen, unseen == 1 ? "" : "s");
	f = tp_report_finding(r, TP_SCAN_INCOMPLETE, "not learnt, the server "
			      "never sent it: %s%s%s", kx,
			      kx[0] && skipped[0] ? "; " : "", skipped);
	if (f != NULL)
		tp_finding_detail(f, "the grade cannot weigh what was not "
				  "seen");
}

bool tp_ciphers_any_accepted(const struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n_v; i++)
		if (sc->v[i].accepted)
			return true;
	return false;
}

/*
 * Whether no version asked for got a verdict (accepted, or refused by an
 * answer): then nothing was tested and the audit cannot pass. The
 * versions go to names ("TLS1.3, TLS1.2"); empty when false.
 */
static bool no_verdict(const struct scan *sc, char *names, size_t size)
{
	const struct tp_version *v;
	size_t i, used = 0;
	bool any = false;

	names[0] = '\0';
	for (i = 0; i < sc->n_v; i++) {
		if (!sc->v[i].tested)
			continue;
		if (sc->v[i].accepted || !sc->v[i].incomplete) {
			names[0] = '\0';
			return false;
		}
		any = true;
	}
	for (i = sc->n_v; any && i-- > 0;) {
		int n;

		if (!sc->v[i].tested)
			continue;
		v = tp_registry_version(sc->v[i].version);
		n = snprintf(names + used, size - used, "%s%s",
			     used ? ", " : "", v != NULL ? v->name : "?");
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return any;
}

/* The distinct protocol violations seen, the first in the summary. */
static void violation_finding(const struct scan *sc, struct tp_report *r)
{
	char all[8 * 302] = "";
	size_t used = 0;
	unsigned i;
	struct tp_finding *f;

	f = tp_report_finding(r, TP_PROTOCOL_VIOLATION, "%s: %s%s",
			      sc->where, sc->violation[0],
			      sc->n_violations > 1 ? " (and more)" : "");
	for (i = 0; i < sc->n_violations && used < sizeof(all); i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used,
					 "%s%s", i ? "; " : "",
					 sc->violation[i]);
	if (f != NULL && sc->n_violations > 1)
		tp_finding_detail(f, "every violation seen: %s", all);
}

/* The distinct alerts that were no refusal, the first in the summary. */
static void alert_finding(const struct scan *sc, struct tp_report *r)
{
	char all[4 * 302] = "";
	size_t used = 0;
	unsigned i;
	struct tp_finding *f;

	f = tp_report_finding(r, TP_ALERT_RECEIVED, "%s answered %u "
			      "probe%s with an alert that is no "
			      "refusal: %s%s", sc->where, sc->alerted,
			      sc->alerted == 1 ? "" : "s", sc->alert[0],
			      sc->n_alerts > 1 ? " (and more)" : "");
	for (i = 0; i < sc->n_alerts && used < sizeof(all); i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used,
					 "%s%s", i ? "; " : "",
					 sc->alert[i]);
	/* with a version accepted the audit has its answer, short of what
	 * those probes offered (OpenSSL 3 fails TLS 1.0 hellos so when its
	 * security level forbids their signatures); with none, the alerts
	 * stand where it would be */
	if (f != NULL && tp_ciphers_any_accepted(sc))
		f->severity = TP_SEV_WARNING;
	if (f != NULL)
		tp_finding_detail(f, "%s%s%sa server that says no sends "
				  "handshake_failure, "
				  "insufficient_security or "
				  "protocol_version: what those probes "
				  "offered is neither accepted nor "
				  "refused", sc->n_alerts > 1
				  ? "every alert seen: " : "",
				  sc->n_alerts > 1 ? all : "",
				  sc->n_alerts > 1 ? "; " : "");
}

/* The audit reached --max-time: what it did not finish. */
static void expired_finding(const struct scan *sc, struct tp_report *r)
{
	char cut[600];
	struct tp_finding *f;

	list_parts(sc, false, cut, sizeof(cut));
	/* what was not tested cannot pass: an error, so the verdict and the
	 * exit status say so too */
	f = tp_report_finding(r, TP_SCAN_INCOMPLETE, "the audit reached "
			      "--max-time (%.1f s) before it finished; not "
			      "finished: %s", sc->max_time_ms / 1000,
			      cut[0] ? cut : "the last probes");
	if (f == NULL)
		return;
	f->severity = TP_SEV_ERROR;
	tp_finding_detail(f, "%u connections; %u resets, %u timeouts, %u "
			  "failed connections", sc->connections, sc->resets,
			  sc->timeouts, sc->failures);
	tp_finding_fix(f, "rerun with a longer --max-time, or a shorter "
		       "--timeout if the server is slow to answer only some "
		       "hellos");
}

/* Probes that got no answer, or the budget spent: what is missing. */
static void unanswered_finding(const struct scan *sc, struct tp_report *r)
{
	char untested[200];
	struct tp_finding *f;

	if (no_verdict(sc, untested, sizeof(untested)))
		f = tp_report_finding(r, TP_SCAN_INCOMPLETE, "no version "
				      "could be tested on %s: %s got no "
				      "answer", sc->where, untested);
	else if (sc->resets + sc->timeouts + sc->failures == 0)
		f = tp_report_finding(r, TP_SCAN_INCOMPLETE, "the connection "
				      "budget (%u) ran out before the audit "
				      "of %s finished", sc->budget, sc->where);
	else
		f = tp_report_finding(r, TP_SCAN_INCOMPLETE, "%u probes of %u "
				      "got no answer from %s", sc->resets +
				      sc->timeouts + sc->failures,
				      sc->connections, sc->where);
	if (f != NULL)
		tp_finding_detail(f, "%u connections; %u resets, %u timeouts, "
				  "%u failed connections%s", sc->connections,
				  sc->resets, sc->timeouts, sc->failures,
				  sc->budget_spent
				  ? "; the connection budget ran out" : "");
	/* an audit that tested nothing it was asked to cannot pass: an
	 * error, so the verdict and the exit status say so */
	if (f != NULL && untested[0] != '\0') {
		f->severity = TP_SEV_ERROR;
		if (sc->budget_spent)
			tp_finding_fix(f, "rerun with a larger --budget (each "
				       "version needs a few connections)");
	}
}

/* What the probes' failures say about the server and the path, the most
 * telling first: each return is a finding that explains the rest. */
void tp_ciphers_findings(struct scan *sc, struct tp_report *r)
{
	struct tp_finding *f;

	if (sc->not_tls) {
		f = tp_report_finding(r, TP_NOT_TLS, "%s does not speak TLS: "
				      "%s", sc->where, sc->not_tls_detail);
		if (f != NULL && sc->starttls == TP_STARTTLS_NONE)
			tp_finding_detail(f, "if the service upgrades a "
					  "plaintext protocol, use --starttls");
		return;
	}
	if (sc->n_violations > 0)
		violation_finding(sc, r);
	if (sc->n_alerts > 0)
		alert_finding(sc, r);
	if (sc->answered == 0 && sc->resets > 0) {
		tp_report_finding(r, TP_RESET_DURING_HANDSHAKE, "%s reset "
				  "every connection after the ClientHello "
				  "(%u resets)", sc->where, sc->resets);
		return;
	}
	if (sc->answered == 0 && sc->timeouts > 0) {
		tp_report_finding(r, TP_HANDSHAKE_TIMEOUT, "%s never answered "
				  "a ClientHello (%u probes waited %.1f s "
				  "each)", sc->where, sc->timeouts,
				  sc->timeout_ms / 1000);
		return;
	}
	if (sc->o->stop != NULL && *sc->o->stop) {
		tp_report_finding(r, TP_SCAN_INCOMPLETE, "interrupted after "
				  "%u connections: the lists are partial",
				  sc->connections);
		return;
	}
	if (sc->stalls > 0)
		stall_findings(sc, r);
	if (sc->expired)
		expired_finding(sc, r);
	else if (sc->budget_spent || sc->resets > 0 || sc->timeouts > 0 ||
		 sc->failures > 0)
		unanswered_finding(sc, r);
}

/* The tls stage sums up the probes: ok when any version was accepted;
 * verify stays skipped (an audit does not judge the chain). */
void tp_ciphers_tls_stage(struct scan *sc, struct tp_report *r, double t0)
{
	struct tp_stage *stage = tp_report_stage(r, "tls");
	unsigned n = 0;
	size_t i;

	for (i = 0; i < sc->n_v; i++)
		n += sc->v[i].accepted;
	if (n > 0)
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0,
			     "%u version%s "
			     "accepted, %u probes",
			     n, n == 1 ? "" : "s", sc->connections);
	else
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0,
			     "no version "
			     "accepted after %u probes",
			     sc->connections);
}

