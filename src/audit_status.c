/*
 * The audit's checks of the certificate's status: OCSP stapling, OCSP
 * and CRL revocation. Both read the chain of one GnuTLS handshake that
 * asks for a stapled response; revoke.c judges what comes.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "audit.h"
#include "cert.h"
#include "net.h"
#include "revoke.h"

/* What one handshake showed: the chain as sent, the stapled response. */
struct seen {
	gnutls_x509_crt_t *chain;
	unsigned n;
	gnutls_datum_t staple;       /* gnutls_malloc'd; size 0: none */
	struct tp_trust *trust;      /* loaded when the chain lacks the
				      * issuer; NULL otherwise */
	char subject[256];
};

static void seen_free(struct seen *s)
{
	tp_cert_free_chain(s->chain, s->n);
	gnutls_free(s->staple.data);
	tp_cert_trust_free(s->trust);
	memset(s, 0, sizeof(*s));
}

/* The handshake on fd, non-blocking, by the step's deadline: 0, or -1
 * with why. */
static int shake(struct tp_audit *a, gnutls_session_t s, int fd, char *why,
		 size_t why_len)
{
	int rc;

	gnutls_transport_set_int(s, fd);
	rc = tp_audit_handshake(a, s, fd, tp_audit_step(a), TP_AUDIT_WARNINGS);
	if (rc == 0)
		return 0;
	if (rc == GNUTLS_E_TIMEDOUT)
		snprintf(why, why_len, "the handshake with %s timed out or "
			 "was stopped", a->where);
	else
		snprintf(why, why_len, "the handshake with %s failed: %s",
			 a->where, gnutls_strerror(rc));
	return -1;
}

/* One handshake asking for a staple (RFC 6066 §8): what came in *out. */
static int look(struct tp_audit *a, struct seen *out, char *why,
		size_t why_len)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	const gnutls_datum_t *peers;
	struct tp_error err = {0};
	unsigned n_peers = 0;
	int fd = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	if (tp_audit_connect(a, &fd, why, why_len) < 0)
		return -1;
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_ocsp_status_request_enable_client(s, NULL, 0, NULL) < 0 ||
	    (a->sni != NULL &&
	     gnutls_server_name_set(s, GNUTLS_NAME_DNS, a->sni,
				    strlen(a->sni)) < 0)) {
		snprintf(why, why_len, "GnuTLS could not start a session "
			 "(out of memory)");
		goto out;
	}
	if (shake(a, s, fd, why, why_len) < 0)
		goto out;
	peers = gnutls_certificate_get_peers(s, &n_peers);
	if (peers == NULL || n_peers == 0) {
		snprintf(why, why_len, "%s sent no certificate", a->where);
		goto out;
	}
	if (tp_cert_import_der(peers, n_peers, &out->chain, &out->n,
			       &err) < 0) {
		snprintf(why, why_len, "%.200s", err.raw);
		goto out;
	}
	if (gnutls_ocsp_status_request_get2(s, 0, &out->staple) == 0 &&
	    out->staple.size > 0) {
		/* borrowed from the session: keep a copy */
		unsigned char *copy = gnutls_malloc(out->staple.size);

		if (copy != NULL)
			memcpy(copy, out->staple.data, out->staple.size);
		else
			out->staple.size = 0;
		out->staple.data = copy;
	} else {
		out->staple.data = NULL;
		out->staple.size = 0;
	}
	tp_cert_dn(out->chain[0], false, out->subject, sizeof(out->subject));
	rc = 0;
out:
	if (s != NULL)
		gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	tp_audit_close(a, fd);
	return rc;
}

/* The leaf's issuer: the chain as sent, else --ca or the system store. */
static gnutls_x509_crt_t issuer_of(struct tp_audit *a, struct seen *s)
{
	gnutls_x509_crt_t issuer = tp_revoke_issuer(s->chain[0], s->chain,
						    s->n, NULL);
	struct tp_error err = {0};

	if (issuer != NULL)
		return issuer;
	if (s->trust == NULL)
		s->trust = tp_cert_trust_load(a->o->ca_file, &err);
	return tp_revoke_issuer(s->chain[0], s->chain, s->n, s->trust);
}

/* Whether the leaf demands a staple: the TLS feature extension with
 * status_request (5), RFC 7633. */
static bool must_staple(gnutls_x509_crt_t leaf)
{
	gnutls_x509_tlsfeatures_t f;
	unsigned i, feature;
	bool yes = false;

	if (gnutls_x509_tlsfeatures_init(&f) < 0)
		return false;
	if (gnutls_x509_crt_get_tlsfeatures(leaf, f, 0, NULL) == 0)
		for (i = 0; !yes && gnutls_x509_tlsfeatures_get(f, i,
							       &feature) == 0;
		     i++)
			yes = feature == 5;
	gnutls_x509_tlsfeatures_deinit(f);
	return yes;
}

static void no_staple(struct tp_audit *a, struct seen *s)
{
	struct tp_finding *f;

	if (!must_staple(s->chain[0])) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"no stapled OCSP response (asked with "
				"status_request)");
		return;
	}
	f = tp_report_finding(a->r, TP_MUST_STAPLE_MISSING, "the certificate "
			      "%s demands OCSP stapling (must-staple) and %s "
			      "stapled no response", s->subject, a->where);
	tp_finding_detail(f, "the ClientHello asked for status_request; the "
			  "leaf's TLS feature extension lists it");
	tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NO,
			"must-staple certificate, and no stapled OCSP "
			"response");
}

void tp_audit_ocsp_stapling(struct tp_audit *a)
{
	struct tp_revoke_answer ans;
	struct tp_finding *f;
	struct seen s;
	char why[300];

	if (look(a, &s, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s",
				why);
		return;
	}
	if (s.staple.size == 0) {
		no_staple(a, &s);
		goto out;
	}
	tp_revoke_answer_init(&ans, "stapled OCSP response");
	tp_revoke_judge_ocsp(&s.staple, s.chain[0], issuer_of(a, &s), 0, NULL,
			     &ans);
	switch (ans.verdict) {
	case TP_REVOKE_GOOD:
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"%s: signed by the issuer or its responder, "
				"fresh, for this certificate", ans.why);
		break;
	case TP_REVOKE_REVOKED:
		tp_revoke_report(a->r, &ans, s.subject);
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_YES, "%s",
				ans.why);
		break;
	case TP_REVOKE_INVALID:
		f = tp_report_finding(a->r, TP_OCSP_STAPLE_INVALID, "%s "
				      "stapled an OCSP response that proves "
				      "nothing for %s", a->where, s.subject);
		tp_finding_detail(f, "%s", ans.why);
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NO, "%s",
				ans.why);
		break;
	default:
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_YES, "%s",
				ans.why);
		break;
	}
out:
	seen_free(&s);
}

void tp_audit_revocation(struct tp_audit *a)
{
	struct tp_revoke_opts ro = {.stop = a->o->ciphers.stop};
	struct tp_revoke_result res;
	enum tp_revoke_verdict v;
	struct seen s;
	char why[300], said[900];

	if (look(a, &s, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s",
				why);
		return;
	}
	(void)issuer_of(a, &s);  /* loads the trust when the chain lacks it */
	ro.trust = s.trust;
	/* two fetches (OCSP, CRL): a --timeout each, within the checks' end */
	ro.deadline = tp_now_ms() + 2 * a->timeout_ms;
	if (ro.deadline > a->deadline)
		ro.deadline = a->deadline;
	v = tp_revoke_check(s.chain, s.n, &ro, &res);
	tp_revoke_describe(&res, said, sizeof(said));
	switch (v) {
	case TP_REVOKE_REVOKED:
		if (tp_revoke_report(a->r, &res.ocsp, s.subject) == NULL)
			tp_revoke_report(a->r, &res.crl, s.subject);
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NONE, "%s",
				said);
		break;
	case TP_REVOKE_GOOD:
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NONE,
				"%s", said);
		break;
	case TP_REVOKE_NONE:
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the certificate names no OCSP responder "
				"and no CRL distribution point");
		break;
	default:
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s",
				said);
		break;
	}
	seen_free(&s);
}
