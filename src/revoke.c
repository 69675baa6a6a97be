/*
 * Revocation: OCSP responses judged (RFC 6960), the responder of the
 * leaf's AIA asked, the CRL of its distribution point read (RFC 5280
 * §5), and REVOKED decided in one place for client and audit alike.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>

#include "cert.h"
#include "fetch.h"
#include "revoke.h"

/* A response with no nextUpdate is trusted this long after its
 * thisUpdate, as GnuTLS does for stapled ones; clocks get five minutes'
 * grace either way. */
#define NO_NEXT_UPDATE_S (3 * 24 * 3600)
#define CLOCK_SKEW_S 300
#define MAX_URLS 8
#define MAX_CRL (4 * 1024 * 1024)

static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise",
	"affiliationChanged", "superseded", "cessationOfOperation",
	"certificateHold", "", "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

const char *tp_revoke_reason_name(int reason)
{
	if (reason < 0 || (size_t)reason >= sizeof(reason_names) /
	    sizeof(reason_names[0]))
		return "";
	return reason_names[reason];
}

gnutls_x509_crt_t tp_revoke_issuer(gnutls_x509_crt_t leaf,
				   gnutls_x509_crt_t *chain, unsigned n,
				   const struct tp_trust *trust)
{
	unsigned i;

	for (i = 1; i < n; i++)
		if (gnutls_x509_crt_check_issuer(leaf, chain[i]))
			return chain[i];
	for (i = 0; trust != NULL && i < trust->n_cas; i++)
		if (gnutls_x509_crt_check_issuer(leaf, trust->cas[i]))
			return trust->cas[i];
	return NULL;
}

void tp_revoke_answer_init(struct tp_revoke_answer *a, const char *source)
{
	memset(a, 0, sizeof(*a));
	a->source = source;
	a->revoked_at = a->this_update = a->next_update = -1;
	a->reason = -1;
}

static void verdict(struct tp_revoke_answer *a, enum tp_revoke_verdict v,
		    const char *fmt, ...) TP_PRINTF(3, 4);

static void verdict(struct tp_revoke_answer *a, enum tp_revoke_verdict v,
		    const char *fmt, ...)
{
	va_list ap;

	a->verdict = v;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

static void utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t < 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, size, "an unknown date");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *ocsp_verify_words(unsigned v)
{
	if (v & GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND)
		return "its signer is neither the issuer nor a responder the "
		       "issuer delegated to";
	if (v & GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR)
		return "its signer lacks the OCSP signing key purpose";
	if (v & GNUTLS_OCSP_VERIFY_UNTRUSTED_SIGNER)
		return "its signer is not trusted by the issuer";
	if (v & GNUTLS_OCSP_VERIFY_INSECURE_ALGORITHM)
		return "it is signed with an insecure algorithm";
	if (v & GNUTLS_OCSP_VERIFY_CERT_EXPIRED)
		return "its signer's certificate has expired";
	if (v & GNUTLS_OCSP_VERIFY_CERT_NOT_ACTIVATED)
		return "its signer's certificate is not valid yet";
	return "its signature does not match";
}

/* Dates of a response or CRL against now: 0 fresh, -1 with why set. */
static int judge_dates(struct tp_revoke_answer *a, time_t now)
{
	char when[32];

	if (a->this_update > now + CLOCK_SKEW_S) {
		utc(a->this_update, when, sizeof(when));
		verdict(a, TP_REVOKE_INVALID, "the %s is dated in the future "
			"(thisUpdate %s)", a->source, when);
		return -1;
	}
	if (a->next_update >= 0 && a->next_update + CLOCK_SKEW_S < now) {
		utc(a->next_update, when, sizeof(when));
		verdict(a, TP_REVOKE_INVALID, "the %s is stale: its nextUpdate "
			"(%s) has passed", a->source, when);
		return -1;
	}
	if (a->next_update < 0 &&
	    a->this_update + NO_NEXT_UPDATE_S + CLOCK_SKEW_S < now) {
		utc(a->this_update, when, sizeof(when));
		verdict(a, TP_REVOKE_INVALID, "the %s is stale: no nextUpdate "
			"and its thisUpdate (%s) is over 3 days old",
			a->source, when);
		return -1;
	}
	return 0;
}

/* The verdict of a response whose signature and dates are checked. */
static void ocsp_single(gnutls_ocsp_resp_t resp, struct tp_revoke_answer *a,
			time_t now)
{
	unsigned status, reason = 0;
	char when[32];

	if (gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL,
					&status, &a->this_update,
					&a->next_update, &a->revoked_at,
					&reason) < 0) {
		verdict(a, TP_REVOKE_INVALID, "the %s holds no answer for the "
			"certificate", a->source);
		return;
	}
	if (judge_dates(a, now) < 0)
		return;
	if (status == GNUTLS_OCSP_CERT_GOOD) {
		verdict(a, TP_REVOKE_GOOD, "the %s says good", a->source);
	} else if (status == GNUTLS_OCSP_CERT_REVOKED) {
		/* GnuTLS gives unspecified (0) when the response has no
		 * reason */
		a->reason = (int)reason;
		utc(a->revoked_at, when, sizeof(when));
		verdict(a, TP_REVOKE_REVOKED, "the %s says revoked on %s, "
			"reason %s", a->source, when,
			tp_revoke_reason_name(a->reason));
	} else {
		verdict(a, TP_REVOKE_UNKNOWN, "the %s says the responder does "
			"not know the certificate", a->source);
	}
}

void tp_revoke_judge_ocsp(const gnutls_datum_t *der, gnutls_x509_crt_t leaf,
			  gnutls_x509_crt_t issuer, time_t now,
			  const gnutls_datum_t *nonce,
			  struct tp_revoke_answer *out)
{
	gnutls_ocsp_resp_t resp = NULL;
	gnutls_datum_t echoed = {NULL, 0};
	unsigned v = 0;
	int rc;

	if (now == 0)
		now = time(NULL);
	if (gnutls_ocsp_resp_init(&resp) < 0 ||
	    gnutls_ocsp_resp_import(resp, der) < 0) {
		verdict(out, TP_REVOKE_INVALID, "the %s cannot be parsed "
			"(%u bytes)", out->source, der->size);
		goto out;
	}
	rc = gnutls_ocsp_resp_get_status(resp);
	if (rc != GNUTLS_OCSP_RESP_SUCCESSFUL) {
		/* tryLater, internalError, unauthorized: no verdict */
		verdict(out, TP_REVOKE_UNKNOWN, "the %s is an error (OCSP "
			"response status %d)", out->source, rc);
		goto out;
	}
	if (issuer == NULL) {
		verdict(out, TP_REVOKE_UNKNOWN, "the %s cannot be checked: the "
			"issuer was neither sent nor trusted", out->source);
		goto out;
	}
	rc = gnutls_ocsp_resp_verify_direct(resp, issuer, &v, 0);
	if (rc < 0 || v != 0) {
		verdict(out, TP_REVOKE_INVALID, "the %s is not valid: %s",
			out->source, rc < 0 ? gnutls_strerror(rc)
			: ocsp_verify_words(v));
		goto out;
	}
	if (gnutls_ocsp_resp_check_crt(resp, 0, leaf) < 0) {
		verdict(out, TP_REVOKE_INVALID, "the %s is for another "
			"certificate (serial or issuer differ)", out->source);
		goto out;
	}
	/* a responder may leave the nonce out (RFC 8954 §2.1), but one it
	 * echoes must be ours: else it is a replay */
	if (nonce != NULL &&
	    gnutls_ocsp_resp_get_nonce(resp, NULL, &echoed) == 0 &&
	    (echoed.size != nonce->size ||
	     memcmp(echoed.data, nonce->data, nonce->size) != 0)) {
		verdict(out, TP_REVOKE_INVALID, "the %s echoes another nonce "
			"than the request's: a replayed answer", out->source);
		goto out;
	}
	ocsp_single(resp, out, now);
out:
	gnutls_free(echoed.data);
	gnutls_ocsp_resp_deinit(resp);
}

/* The first http(s) URL of the leaf's AIA OCSP entries or CRL
 * distribution points into url; false when it names none. */
static bool ocsp_url(gnutls_x509_crt_t crt, char *url, size_t size)
{
	gnutls_datum_t d;
	unsigned seq;
	int rc;

	for (seq = 0; seq < MAX_URLS; seq++) {
		rc = gnutls_x509_crt_get_authority_info_access(
			crt, seq, GNUTLS_IA_OCSP_URI, &d, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		tp_sanitize_into(url, size, (const char *)d.data, d.size);
		gnutls_free(d.data);
		if (strncmp(url, "http://", 7) == 0 ||
		    strncmp(url, "https://", 8) == 0)
			return true;
	}
	url[0] = '\0';
	return false;
}

static bool crl_url(gnutls_x509_crt_t crt, char *url, size_t size)
{
	char buf[1024];
	unsigned seq, reasons;
	size_t len;
	int rc;

	for (seq = 0; seq < MAX_URLS; seq++) {
		len = sizeof(buf) - 1;
		rc = gnutls_x509_crt_get_crl_dist_points(crt, seq, buf, &len,
							 &reasons, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc != GNUTLS_SAN_URI)
			continue;
		tp_sanitize_into(url, size, buf, len);
		if (strncmp(url, "http://", 7) == 0 ||
		    strncmp(url, "https://", 8) == 0)
			return true;
	}
	url[0] = '\0';
	return false;
}

/* Fetches url within o's deadline: 0 and res->body, or -1 with the
 * answer's why set (it names the URL's host). */
static int fetch(const char *url, const struct tp_revoke_opts *o,
		 const gnutls_datum_t *post, size_t max,
		 struct tp_fetch_result *res, struct tp_revoke_answer *a)
{
	struct tp_fetch_opts fo = {
		.deadline = o->deadline, .max_bytes = max, .stop = o->stop,
		.post = post ? post->data : NULL,
		.post_len = post ? post->size : 0,
		.content_type = post ? "application/ocsp-request" : NULL,
	};

	if (tp_fetch(url, &fo, res) == 0)
		return 0;
	verdict(a, TP_REVOKE_UNKNOWN, "the %s could not be fetched: %s",
		a->source, res->why);
	return -1;
}

static void ask_ocsp(gnutls_x509_crt_t leaf, gnutls_x509_crt_t issuer,
		     const struct tp_revoke_opts *o, struct tp_revoke_answer *a)
{
	gnutls_ocsp_req_t req = NULL;
	gnutls_datum_t body = {NULL, 0}, nonce = {NULL, 0};
	struct tp_fetch_result res;

	if (issuer == NULL) {
		verdict(a, TP_REVOKE_UNKNOWN, "no OCSP request could be made: "
			"the issuer was neither sent nor trusted");
		return;
	}
	if (gnutls_ocsp_req_init(&req) < 0 ||
	    gnutls_ocsp_req_add_cert(req, GNUTLS_DIG_SHA1, issuer, leaf) < 0 ||
	    gnutls_ocsp_req_randomize_nonce(req) < 0 ||
	    gnutls_ocsp_req_get_nonce(req, NULL, &nonce) < 0 ||
	    gnutls_ocsp_req_export(req, &body) < 0) {
		verdict(a, TP_REVOKE_UNKNOWN, "no OCSP request could be made "
			"(out of memory)");
		goto out;
	}
	if (fetch(a->url, o, &body, 0, &res, a) == 0) {
		gnutls_datum_t der = {res.body, (unsigned)res.len};

		tp_revoke_judge_ocsp(&der, leaf, issuer, o->now, &nonce, a);
		free(res.body);
	}
out:
	gnutls_free(body.data);
	gnutls_free(nonce.data);
	gnutls_ocsp_req_deinit(req);
}

/* The serial's revocation time in crl, -1 when it is not there. */
static time_t crl_lookup(gnutls_x509_crl_t crl, gnutls_x509_crt_t leaf,
			 bool *found)
{
	unsigned char want[64], serial[64];
	size_t want_len = sizeof(want), len;
	gnutls_x509_crl_iter_t it = NULL;
	time_t t = -1;

	*found = false;
	if (gnutls_x509_crt_get_serial(leaf, want, &want_len) < 0)
		return -1;
	for (;;) {
		gnutls_datum_t s = {serial, sizeof(serial)};

		len = sizeof(serial);
		if (gnutls_x509_crl_iter_crt_serial(crl, &it, serial, &len,
						    &t) < 0)
			break;
		s.size = (unsigned)len;
		if (s.size == want_len && memcmp(serial, want, len) == 0) {
			*found = true;
			break;
		}
	}
	gnutls_x509_crl_iter_deinit(it);
	return *found ? t : -1;
}

/* One DER element at p (at most end): its tag, its content in *val and
 * *len; the next element's start, or NULL when it is malformed. */
static const unsigned char *der_next(const unsigned char *p,
				     const unsigned char *end,
				     unsigned *tag,
				     const unsigned char **val, size_t *len)
{
	size_t l, k;

	if (end - p < 2)
		return NULL;
	*tag = p[0];
	l = p[1];
	p += 2;
	if (l & 0x80) {
		k = l & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - p) < k)
			return NULL;
		for (l = 0; k > 0; k--)
			l = (l << 8) | *p++;
	}
	if ((size_t)(end - p) < l)
		return NULL;
	*val = p;
	*len = l;
	return p + l;
}

/* The reasonCode extension (2.5.29.21) of one CRL entry's extensions. */
static int entry_reason(const unsigned char *p, const unsigned char *end)
{
	static const unsigned char reason_oid[] = {0x55, 0x1d, 0x15};
	const unsigned char *v, *e, *q;
	unsigned tag;
	size_t len;

	while (p < end && (p = der_next(p, end, &tag, &v, &len)) != NULL) {
		const unsigned char *x = v, *xend = v + len;

		if (tag != 0x30 ||
		    (x = der_next(x, xend, &tag, &e, &len)) == NULL ||
		    tag != 0x06 || len != sizeof(reason_oid) ||
		    memcmp(e, reason_oid, len) != 0)
			continue;
		while ((q = der_next(x, xend, &tag, &e, &len)) != NULL &&
		       tag != 0x04)
			x = q;
		if (q != NULL && der_next(e, e + len, &tag, &e, &len) != NULL &&
		    tag == 0x0a && len == 1)
			return e[0];
	}
	return -1;
}

/*
 * The reason of leaf's entry in a DER CRL, -1 when it gives none.
 * GnuTLS reads no entry extensions, so the TBSCertList is walked
 * (RFC 5280 §5.1): version?, signature, issuer, thisUpdate,
 * nextUpdate?, then revokedCertificates.
 */
static int crl_reason(const gnutls_datum_t *der, gnutls_x509_crt_t leaf)
{
	const unsigned char *p = der->data, *end = p + der->size, *v, *e, *q;
	unsigned char serial[64];
	size_t serial_len = sizeof(serial), len;
	unsigned tag;
	int skip = 0;

	if (gnutls_x509_crt_get_serial(leaf, serial, &serial_len) < 0 ||
	    der_next(p, end, &tag, &v, &len) == NULL || tag != 0x30 ||
	    der_next(v, v + len, &tag, &p, &len) == NULL || tag != 0x30)
		return -1;
	end = p + len;
	/* to the first element after issuer and the dates */
	while ((q = der_next(p, end, &tag, &v, &len)) != NULL) {
		if (tag == 0x30 && skip >= 2)
			break;
		if (tag == 0x30)
			skip++;
		p = q;
	}
	if (q == NULL)
		return -1;
	for (p = v, end = v + len; p < end;) {
		const unsigned char *entry_end;

		if ((p = der_next(p, end, &tag, &e, &len)) == NULL ||
		    tag != 0x30)
			return -1;
		entry_end = e + len;
		if ((q = der_next(e, entry_end, &tag, &v, &len)) == NULL ||
		    tag != 0x02 || len != serial_len ||
		    memcmp(v, serial, len) != 0)
			continue;
		/* revocationDate, then crlEntryExtensions */
		if ((q = der_next(q, entry_end, &tag, &v, &len)) == NULL ||
		    der_next(q, entry_end, &tag, &v, &len) == NULL ||
		    tag != 0x30)
			return -1;
		return entry_reason(v, v + len);
	}
	return -1;
}

/* Whether gnutls_x509_crl_verify's status says the signature is bad.
 * GnuTLS judges the dates by the real clock and marks such a CRL invalid
 * too: the dates are judged by now, and a stale CRL is no forgery. */
static bool crl_forged(unsigned v)
{
	const unsigned dates = GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |
			       GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE;

	if (v & dates) {
		v &= ~dates;
		if (v == GNUTLS_CERT_INVALID)
			v = 0;
	}
	return v != 0;
}

void tp_revoke_judge_crl(const gnutls_datum_t *der, gnutls_x509_crt_t leaf,
			 gnutls_x509_crt_t issuer, time_t now,
			 struct tp_revoke_answer *a)
{
	gnutls_x509_crl_t crl = NULL;
	unsigned v = 0;
	bool found;
	char when[32];
	int n;

	if (now == 0)
		now = time(NULL);
	if (gnutls_x509_crl_init(&crl) < 0 ||
	    (gnutls_x509_crl_import(crl, der, GNUTLS_X509_FMT_DER) < 0 &&
	     gnutls_x509_crl_import(crl, der, GNUTLS_X509_FMT_PEM) < 0)) {
		verdict(a, TP_REVOKE_INVALID, "the CRL cannot be parsed (%u "
			"bytes)", der->size);
		goto out;
	}
	if (!gnutls_x509_crl_check_issuer(crl, issuer) ||
	    gnutls_x509_crl_verify(crl, &issuer, 1, 0, &v) < 0 ||
	    crl_forged(v)) {
		verdict(a, TP_REVOKE_INVALID, "the CRL is not signed by the "
			"certificate's issuer");
		goto out;
	}
	a->this_update = gnutls_x509_crl_get_this_update(crl);
	a->next_update = gnutls_x509_crl_get_next_update(crl);
	a->revoked_at = crl_lookup(crl, leaf, &found);
	if (found) {
		/* a revocation stays one in a stale CRL too */
		gnutls_datum_t raw = {NULL, 0};

		if (gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER,
					    &raw) == 0)
			a->reason = crl_reason(&raw, leaf);
		gnutls_free(raw.data);
		utc(a->revoked_at, when, sizeof(when));
		verdict(a, TP_REVOKE_REVOKED, "the CRL lists it, revoked on "
			"%s%s%s", when, a->reason >= 0 ? ", reason " : "",
			tp_revoke_reason_name(a->reason));
		goto out;
	}
	if (judge_dates(a, now) < 0)
		goto out;
	n = gnutls_x509_crl_get_crt_count(crl);
	verdict(a, TP_REVOKE_GOOD, "the CRL (%d entr%s) does not list it",
		n, n == 1 ? "y" : "ies");
out:
	gnutls_x509_crl_deinit(crl);
}

static void ask_crl(gnutls_x509_crt_t leaf, gnutls_x509_crt_t issuer,
		    const struct tp_revoke_opts *o, struct tp_revoke_answer *a)
{
	struct tp_fetch_result res;

	if (issuer == NULL) {
		verdict(a, TP_REVOKE_UNKNOWN, "the CRL cannot be checked: the "
			"issuer was neither sent nor trusted");
		return;
	}
	gnutls_datum_t der;

	if (fetch(a->url, o, NULL, MAX_CRL, &res, a) < 0)
		return;
	der.data = res.body;
	der.size = (unsigned)res.len;
	tp_revoke_judge_crl(&der, leaf, issuer, o->now, a);
	free(res.body);
}

enum tp_revoke_verdict tp_revoke_check(gnutls_x509_crt_t *chain, unsigned n,
				       const struct tp_revoke_opts *o,
				       struct tp_revoke_result *res)
{
	struct tp_revoke_opts first;
	gnutls_x509_crt_t issuer;
	enum tp_revoke_verdict v1, v2;
	double now = tp_now_ms();
	bool has_crl;

	tp_revoke_answer_init(&res->ocsp, "OCSP response");
	tp_revoke_answer_init(&res->crl, "CRL");
	if (n == 0)
		return TP_REVOKE_NONE;
	issuer = tp_revoke_issuer(chain[0], chain, n, o->trust);
	has_crl = crl_url(chain[0], res->crl.url, sizeof(res->crl.url));
	if (ocsp_url(chain[0], res->ocsp.url, sizeof(res->ocsp.url))) {
		/* a responder that never answers leaves the CRL half */
		first = *o;
		if (has_crl)
			first.deadline = now + (o->deadline - now) / 2;
		ask_ocsp(chain[0], issuer, &first, &res->ocsp);
	}
	if (has_crl)
		ask_crl(chain[0], issuer, o, &res->crl);
	v1 = res->ocsp.verdict;
	v2 = res->crl.verdict;
	if (v1 == TP_REVOKE_REVOKED || v2 == TP_REVOKE_REVOKED)
		return TP_REVOKE_REVOKED;
	if (v1 == TP_REVOKE_GOOD || v2 == TP_REVOKE_GOOD)
		return TP_REVOKE_GOOD;
	if (v1 == TP_REVOKE_NONE && v2 == TP_REVOKE_NONE)
		return TP_REVOKE_NONE;
	return TP_REVOKE_UNKNOWN;
}

struct tp_finding *tp_revoke_report(struct tp_report *r,
				    const struct tp_revoke_answer *a,
				    const char *subject)
{
	struct tp_finding *f;
	char when[32];
	const char *why = tp_revoke_reason_name(a->reason);

	if (a->verdict != TP_REVOKE_REVOKED)
		return NULL;
	/* one REVOKED a report: the first source that proved it */
	if (tp_report_finding_of(r, TP_REVOKED) != NULL)
		return NULL;
	utc(a->revoked_at, when, sizeof(when));
	f = tp_report_finding(r, TP_REVOKED, "the server certificate %s was "
			      "revoked on %s (reason: %s), says its %s",
			      subject, when, why[0] ? why : "none given",
			      a->source);
	tp_finding_detail(f, "%s%s%s", a->why, a->url[0] ? " from " : "",
			  a->url);
	return f;
}

static void describe_one(const struct tp_revoke_answer *a, char *buf,
			 size_t size)
{
	static const char *const words[] = {
		[TP_REVOKE_NONE] = "none", [TP_REVOKE_GOOD] = "good",
		[TP_REVOKE_REVOKED] = "revoked",
		[TP_REVOKE_INVALID] = "not valid",
		[TP_REVOKE_UNKNOWN] = "no answer",
	};

	if (a->verdict == TP_REVOKE_NONE)
		snprintf(buf, size, "no %s URL", a->source[0] == 'C' ? "CRL"
			 : "OCSP");
	else
		snprintf(buf, size, "%s from %.200s: %s (%.300s)", a->source,
			 a->url, words[a->verdict], a->why);
}

void tp_revoke_describe(const struct tp_revoke_result *res, char *buf,
			size_t size)
{
	char o[600], c[600];

	describe_one(&res->ocsp, o, sizeof(o));
	describe_one(&res->crl, c, sizeof(c));
	snprintf(buf, size, "%s; %s", o, c);
}
