/*
 * Turns what a handshake showed into findings, on both sides: this file
 * the client's side (tp_diag_tls_failure), the evidence of a capture of
 * the probe's own packets, and the one table of certificate faults and
 * TLS alerts that both sides read; diag_server.c a tlsprobe server's
 * side (tp_diag_server_failure).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "registry.h"

/* RFC 8446 section 5.1: content types 20..24 and a 0x03 major version;
 * 0x80 marks an SSL 2.0 record header. */
static bool looks_like_tls(const unsigned char *b, size_t n)
{
	if (n == 0)
		return true;
	if (b[0] >= 20 && b[0] <= 24)
		return n < 2 || b[1] == 0x03;
	return (b[0] & 0x80) != 0 && n >= 3 && (b[2] == 4 || b[2] == 5);
}

static bool starts(const unsigned char *b, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(b, prefix, k) == 0;
}

static bool contains(const unsigned char *b, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(b + i, word, k) == 0)
			return true;
	return false;
}

const char *tp_diag_guess_protocol(const unsigned char *b, size_t n,
				   const char **starttls)
{
	*starttls = NULL;
	if (starts(b, n, "SSH-"))
		return "an SSH server banner";
	if (starts(b, n, "HTTP/"))
		return "an HTTP response (a plain-HTTP server)";
	if (starts(b, n, "220")) {
		if (contains(b, n, "FTP") || contains(b, n, "ftp")) {
			*starttls = "ftp";
			return "an FTP server banner";
		}
		if (contains(b, n, "SMTP") || contains(b, n, "smtp") ||
		    contains(b, n, "ESMTP") || contains(b, n, "mail")) {
			*starttls = "smtp";
			return "an SMTP server banner";
		}
		return "an SMTP or FTP banner (220 greeting)";
	}
	if (starts(b, n, "* OK") || starts(b, n, "* PREAUTH")) {
		*starttls = "imap";
		return "an IMAP server greeting";
	}
	if (starts(b, n, "+OK")) {
		*starttls = "pop3";
		return "a POP3 server greeting";
	}
	if (starts(b, n, "<?xml") || starts(b, n, "<stream")) {
		*starttls = "xmpp";
		return "an XMPP stream";
	}
	if (starts(b, n, "RFB "))
		return "a VNC server banner";
	if (starts(b, n, "-ERR") || starts(b, n, "+PONG"))
		return "a Redis reply";
	if (starts(b, n, "<!DOCTYPE") || starts(b, n, "<html") ||
	    starts(b, n, "<HTML"))
		return "an HTML page";
	if (n >= 5 && b[0] == 'E' && b[1] == 0) {
		*starttls = "postgres";
		return "a PostgreSQL error message";
	}
	return NULL;
}

void tp_diag_hexdump(const unsigned char *b, size_t n, char *out,
		     size_t size)
{
	size_t i, k = n < 24 ? n : 24, used = 0;
	char text[25];

	out[0] = '\0';
	for (i = 0; i < k && used + 4 < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%02x ", b[i]);
	for (i = 0; i < k; i++)
		text[i] = (b[i] >= 0x20 && b[i] < 0x7f) ? (char)b[i] : '.';
	text[k] = '\0';
	snprintf(out + used, size - used, "|%s|", text);
}

static void not_tls(struct tp_report *r, const struct tp_tls_obs *o,
		    const struct tp_diag_ctx *ctx)
{
	const char *proto;
	const char *what = tp_diag_guess_protocol(o->first_in, o->first_in_len,
						  &proto);
	char hex[128], hint[48] = "";
	struct tp_finding *f;

	tp_diag_hexdump(o->first_in, o->first_in_len, hex, sizeof(hex));
	/* after a STARTTLS go-ahead, suggesting --starttls helps nobody */
	if (proto != NULL && ctx->starttls == NULL)
		snprintf(hint, sizeof(hint), " (use --starttls %s)", proto);
	if (what != NULL && ctx->starttls != NULL)
		f = tp_report_finding(r, TP_NOT_TLS, "after the --starttls %s "
				      "go-ahead, %s answered with %s, not TLS",
				      ctx->starttls, ctx->remote, what);
	else if (what != NULL)
		f = tp_report_finding(r, TP_NOT_TLS, "%s answered with %s%s, "
				      "not TLS", ctx->remote, what, hint);
	else if (ctx->starttls != NULL)
		f = tp_report_finding(r, TP_NOT_TLS, "after the --starttls %s "
				      "go-ahead, %s answered with bytes that "
				      "are not a TLS record", ctx->starttls,
				      ctx->remote);
	else
		f = tp_report_finding(r, TP_NOT_TLS, "%s answered with bytes "
				      "that are not a TLS record", ctx->remote);
	tp_finding_detail(f, "first %zu bytes received: %s", o->first_in_len,
			  hex);
}

static void join_cas(const struct tp_tls_obs *o, char *buf, size_t size)
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < o->n_req_cas && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? "; " : "", o->req_cas[i]);
	if (o->n_req_cas == 0)
		snprintf(buf, size, "(the request named no CA)");
}

/*
 * Faults of a certificate and the TLS alerts that go with them, one
 * table read both ways (RFC 8446 section 6.2 for the alerts):
 *   sent    the alert a tlsprobe server sends when it refuses a client's
 *           certificate for this fault, the rows in the order it looks
 *           for them: the first fault found names the alert
 *           (tp_diag_rejection_alert); -1: access_denied, as for any
 *           fault not listed.
 *   means   the alerts that, received after our own Certificate, can
 *           mean this fault of ours (tp_diag_own_cert_refused), besides
 *           the generic refusals, which can mean any fault that has
 *           one; -1: none.
 *   likely  among the faults one alert can mean, which is taken first
 *           (1 first); 0 for a fault no alert means.
 * The alerts: 42 bad_certificate, 43 unsupported_certificate, 45
 * certificate_expired, 48 unknown_ca, 49 access_denied, 51
 * decrypt_error, 71 insufficient_security.
 *
 * Where the two directions disagree, each keeps its own reading:
 *   - unknown_ca (48): we send it for UNKNOWN_CA, SELF_SIGNED and
 *     INCOMPLETE_CHAIN; received, it means INCOMPLETE_CHAIN or
 *     CHAIN_ORDER, and CHAIN_ORDER is refused with access_denied;
 *     UNKNOWN_CA and SELF_SIGNED are no fault of ours (our own
 *     certificate is judged without a trust store).
 *   - bad_certificate (42): we send it for PEER_ID_MISMATCH; received,
 *     it is a generic refusal, never a PEER_ID_MISMATCH of ours.
 *   - decrypt_error (51), unsupported_certificate (43) and
 *     insufficient_security (71) mean KEY_MISMATCH, BAD_KEY_USAGE,
 *     WEAK_KEY and WEAK_SIGNATURE when received; we never send them,
 *     and refuse those faults with access_denied.
 *   - the order: we name INCOMPLETE_CHAIN before the dates; a generic
 *     refusal received is taken for the key, then the dates, before
 *     the chain.
 */
static const struct cert_alert {
	enum tp_code code;
	int sent;
	int means[2];
	int likely;
} cert_alerts[] = {
	/* code                  sent   means       likely */
	{TP_UNKNOWN_CA,          48,   {-1, -1},   0},
	{TP_SELF_SIGNED,         48,   {-1, -1},   0},
	{TP_INCOMPLETE_CHAIN,    48,   {48, -1},   6},
	{TP_CERT_EXPIRED,        45,   {45, -1},   2},
	{TP_CERT_NOT_YET_VALID,  45,   {45, -1},   3},
	{TP_PEER_ID_MISMATCH,    42,   {-1, -1},   0},
	{TP_KEY_MISMATCH,        -1,   {51, -1},   1},
	{TP_BAD_KEY_USAGE,       -1,   {43, -1},   4},
	{TP_CHAIN_ORDER,         -1,   {48, -1},   5},
	{TP_WEAK_KEY,            -1,   {43, 71},   7},
	{TP_WEAK_SIGNATURE,      -1,   {43, 71},   8},
};

#define N_CERT_ALERTS (sizeof(cert_alerts) / sizeof(cert_alerts[0]))

/*
 * The alerts that, received after a Certificate, say the far end refused
 * it (RFC 8446 section 6.2, RFC 5246 section 7.2.2), one table for both
 * sides:
 *   generic  says only that the certificate is refused, so it can mean
 *            any fault of cert_alerts that some alert means: servers word
 *            a refusal differently (OpenSSL: bad_certificate for a
 *            notBefore in the future, GnuTLS: access_denied for any
 *            failed verification)
 *   server   a server that sends it after our Certificate refused our
 *            certificate (the client's side: from_alert)
 *   client   a client that sends it after our Certificate refused ours
 *            (the server's side: diag_server.c)
 * The two sides differ on two alerts, each keeping its own reading:
 *   - handshake_failure (40): OpenSSL servers refuse a client's
 *     certificate with it; from a client it says that the parameters
 *     were not acceptable (RFC 8446 section 6.2), and is an alert like
 *     any other. Before any ServerHello it is no refusal on either side
 *     (from_alert: no parameters in common).
 *   - decrypt_error (51): from a server after our Certificate, our
 *     CertificateVerify did not verify (RFC 8446 section 4.4.3): the key
 *     does not match the certificate. A client's decrypt_error is not
 *     read as a refusal (a Finished that did not verify says it too,
 *     section 4.4.4; and a tlsprobe server whose key does not match
 *     its certificate does not start: GnuTLS's set_x509_key checks the
 *     pair, so there is no KEY_MISMATCH of ours to point to).
 * insufficient_security (71) is in neither: the means of cert_alerts
 * has it for WEAK_KEY and WEAK_SIGNATURE, which only a caller of
 * tp_diag_own_cert_refused that passes it reaches.
 */
static const struct refusal_alert {
	int alert;
	bool generic, server, client;
} refusal_alerts[] = {
	/* alert                        generic server client */
	{40 /* handshake_failure */,       true,  true,  false},
	{42 /* bad_certificate */,         true,  true,  true},
	{43 /* unsupported_certificate */, false, true,  true},
	{44 /* certificate_revoked */,     false, true,  true},
	{45 /* certificate_expired */,     false, true,  true},
	{46 /* certificate_unknown */,     true,  true,  true},
	{48 /* unknown_ca */,              false, true,  true},
	{49 /* access_denied */,           true,  true,  true},
	{51 /* decrypt_error */,           false, true,  false},
};

static const struct refusal_alert *refusal(int alert)
{
	size_t i;

	for (i = 0; i < sizeof(refusal_alerts) / sizeof(refusal_alerts[0]);
	     i++)
		if (refusal_alerts[i].alert == alert)
			return &refusal_alerts[i];
	return NULL;
}

bool tp_diag_refusal_alert(int alert, enum tp_side sender)
{
	const struct refusal_alert *row = refusal(alert);

	if (row == NULL)
		return false;
	return sender == TP_SIDE_SERVER ? row->server
	       : sender == TP_SIDE_CLIENT ? row->client : false;
}

/* Whether receiving alert can mean the fault of row. */
static bool alert_means(int alert, const struct cert_alert *row)
{
	const struct refusal_alert *ref = refusal(alert);

	if (alert < 0 || row->means[0] < 0)
		return false;
	if (ref != NULL && ref->generic)
		return true;
	return alert == row->means[0] || alert == row->means[1];
}

int tp_diag_rejection_alert(const struct tp_report *r, size_t first,
			    size_t *which)
{
	size_t k, i;

	for (k = 0; k < N_CERT_ALERTS; k++)
		for (i = first; cert_alerts[k].sent >= 0 && i < r->n_findings;
		     i++)
			if (r->findings[i].code == cert_alerts[k].code &&
			    r->findings[i].severity == TP_SEV_ERROR) {
				*which = i;
				return cert_alerts[k].sent;
			}
	for (i = first; i < r->n_findings; i++)
		if (r->findings[i].severity == TP_SEV_ERROR) {
			*which = i;
			return 49;  /* access_denied */
		}
	*which = first;
	return 49;
}

/* The fault found before the handshake (a local warning in r) that
 * alert most likely means, or NULL. */
static struct tp_finding *own_fault(struct tp_report *r, int alert)
{
	const struct cert_alert *row;
	size_t rank, k, i;

	for (rank = 1; rank <= N_CERT_ALERTS; rank++)
		for (k = 0; k < N_CERT_ALERTS; k++) {
			row = &cert_alerts[k];
			if ((size_t)row->likely != rank ||
			    !alert_means(alert, row))
				continue;
			for (i = 0; i < r->n_findings; i++)
				if (r->findings[i].code == row->code &&
				    r->findings[i].side == TP_SIDE_LOCAL &&
				    r->findings[i].severity == TP_SEV_WARNING)
					return &r->findings[i];
		}
	return NULL;
}

struct tp_finding *tp_diag_own_cert_refused(struct tp_report *r, int alert,
					    const char *who)
{
	struct tp_finding *f = own_fault(r, alert), moved;
	const struct tp_alert_info *a = tp_registry_alert(alert);
	char *summary = NULL;
	size_t i;

	if (f == NULL)
		return NULL;
	/* the summary is clean already, and so are our own words */
	if (asprintf(&summary, "%s refused our certificate (alert %s): %s",
		     who, a ? a->name : "?", f->summary ? f->summary : "")
	    >= 0) {
		free(f->summary);
		f->summary = summary;
	}
	f->severity = TP_SEV_ERROR;
	tp_finding_append_detail(f, "; ", "found here before the handshake, "
				 "and %s sent alert %s after our Certificate",
				 who, a ? a->name : "?");
	/* the diagnosis comes last, after what was found before it */
	moved = *f;
	i = (size_t)(f - r->findings);
	memmove(&r->findings[i], &r->findings[i + 1],
		(r->n_findings - i - 1) * sizeof(*f));
	r->findings[r->n_findings - 1] = moved;
	return &r->findings[r->n_findings - 1];
}

static void client_cert_rejected(struct tp_report *r,
				 const struct tp_tls_obs *o,
				 const struct tp_diag_ctx *ctx,
				 const struct tp_alert_info *a)
{
	char cas[1024];
	struct tp_finding *f;
	const char *why;
	unsigned i;

	/* a fault of our own certificate that explains the refusal is the
	 * diagnosis, with the fix for our side, not the far end's CA list */
	f = tp_diag_own_cert_refused(r, a ? a->id : -1, "the server");
	if (f != NULL) {
		if (o->alert_after_handshake)
			tp_finding_append_detail(f, " ", "(after the "
						 "handshake, as TLS 1.3 "
						 "allows)");
		return;
	}
	join_cas(o, cas, sizeof(cas));
	switch (a ? a->id : -1) {
	case 48: why = "it does not trust the CA that issued it"; break;
	case 45: why = "it found the certificate expired or not yet valid"; break;
	case 44: why = "it found the certificate revoked"; break;
	case 43: why = "it cannot use a certificate of this type"; break;
	case 51: why = "our signature did not verify (does the key match the certificate?)"; break;
	case 49: why = "an access rule refused it"; break;
	default: why = "it rejected it"; break;
	}
	for (i = 0; i < o->n_req_cas; i++)
		if (strcmp(o->req_cas[i], ctx->our_issuer) == 0)
			break;
	if (o->n_req_cas > 0 && i == o->n_req_cas)
		f = tp_report_finding(r, TP_CLIENT_CERT_REJECTED, "the server "
				      "refused our certificate %s: its issuer "
				      "%s is not among the CAs the server "
				      "accepts [%s]", ctx->our_subject,
				      ctx->our_issuer, cas);
	else
		f = tp_report_finding(r, TP_CLIENT_CERT_REJECTED, "the server "
				      "refused our certificate %s (issuer %s):"
				      " %s", ctx->our_subject, ctx->our_issuer,
				      why);
	tp_finding_detail(f, "the server sent alert %s after our Certificate%s;"
			  " its CertificateRequest accepts certificates from: "
			  "%s", a ? a->name : "?",
			  o->alert_after_handshake ? " (after the handshake, "
			  "as TLS 1.3 allows)" : "", cas);
	if (a != NULL && a->id == 48 && o->n_req_cas > 0)
		tp_finding_fix(f, "sign this node's certificate with one of "
			       "the CAs the server accepts (%s), or add %s to "
			       "the server's CA file", cas, ctx->our_issuer);
	else if (a != NULL && a->id == 51)
		tp_finding_fix(f, "check that --key belongs to --cert "
			       "(tlsprobe cert --cert … --key …)");
}

bool tp_diag_version_weak(uint16_t version)
{
	return version <= 0x0302;
}

struct tp_finding *tp_diag_weak_protocol(struct tp_report *r,
					 const uint16_t *versions, size_t n,
					 const char *how)
{
	char names[64] = "";
	struct tp_finding *f;
	bool ssl3 = false;
	size_t i, used = 0;

	for (i = 0; i < n; i++) {
		const struct tp_version *v = tp_registry_version(versions[i]);
		int w;

		if (!tp_diag_version_weak(versions[i]))
			continue;
		ssl3 = ssl3 || versions[i] == 0x0300;
		w = snprintf(names + used, sizeof(names) - used, "%s%s",
			     used ? ", " : "", v != NULL ? v->name : "?");
		if (w < 0 || (size_t)w >= sizeof(names) - used)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		return NULL;
	f = tp_report_finding(r, TP_WEAK_PROTOCOL, "the server %s %s", how,
			      names);
	/* SSL 3.0 falls to POODLE whatever the suite (RFC 7568) */
	if (f != NULL && ssl3)
		f->severity = TP_SEV_ERROR;
	return f;
}

/* Whether s appears in the comma-separated list. */
static bool listed(const char *list, const char *s)
{
	size_t k = strlen(s);
	const char *p;

	for (p = list; (p = strstr(p, s)) != NULL; p += k)
		if ((p == list || p[-2] == ',') && (p[k] == ',' || p[k] == '\0'))
			return true;
	return false;
}

/*
 * PROTOCOL_VERSION_MISMATCH that says what the server speaks, from one
 * raw ClientHello per version (ctx->spoken), with the fix on the side
 * that must move: a server that speaks only versions RFC 8996 deprecates
 * must enable TLS 1.2 and 1.3 (a modern client should not go down to
 * it); one that speaks a sound version we did not offer wants our
 * priority widened. False, and nothing added, when the hellos found no
 * version the server speaks, or one we offered.
 */
static bool mismatch_spoken(struct tp_report *r, const struct tp_diag_ctx *ctx,
			    const char *evidence)
{
	static const char *const answer_word[] = {"no answer", "accepted",
						  "refused"};
	char speaks[64] = "", table[200] = "";
	const char *newest = NULL;
	struct tp_finding *f;
	bool only = true, modern = false;
	size_t used = 0, t_used = 0;
	int i, n;

	if (ctx->spoken == NULL)
		return false;
	for (i = 4; i >= 0; i--) {
		const struct tp_version *v =
			tp_registry_version((uint16_t)(0x0300 + i));
		const char *name = v != NULL ? v->name : "?";

		n = snprintf(table + t_used, sizeof(table) - t_used, "%s%s %s",
			     t_used ? ", " : "", name,
			     answer_word[ctx->spoken[i]]);
		if (n > 0 && (size_t)n < sizeof(table) - t_used)
			t_used += (size_t)n;
		if (ctx->spoken[i] == TP_VERSION_UNKNOWN)
			only = false;
		if (ctx->spoken[i] != TP_VERSION_ACCEPTED)
			continue;
		if (listed(ctx->offered_versions, name))
			return false;
		if (newest == NULL)
			newest = name;
		modern = modern || !tp_diag_version_weak((uint16_t)(0x0300 + i));
		n = snprintf(speaks + used, sizeof(speaks) - used, "%s%s",
			     used ? ", " : "", name);
		if (n > 0 && (size_t)n < sizeof(speaks) - used)
			used += (size_t)n;
	}
	if (newest == NULL)
		return false;
	f = tp_report_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s speaks "
			      "%s%s, which we did not offer (we offered %s)",
			      ctx->remote, only ? "only " : "", speaks,
			      ctx->offered_versions);
	tp_finding_detail(f, "%s; one ClientHello per version: %s", evidence,
			  table);
	if (modern) {
		f->side = TP_SIDE_CLIENT;
		tp_finding_fix(f, "offer %s: tlsprobe client --priority NORMAL "
			       "(or add +VERS-%s to --priority; gnutls-cli "
			       "and openssl s_client offer it by default), or "
			       "enable one of ours on the server", newest,
			       newest);
		return true;
	}
	tp_finding_fix(f, "the fix is on the server: enable TLS 1.2 and TLS "
		       "1.3 there (OpenSSL: MinProtocol = TLSv1.2, without "
		       "-tls1/-no_tls1_2 style limits; GnuTLS: "
		       "+VERS-TLS1.2:+VERS-TLS1.3 in its priority string). A "
		       "modern client should not enable %s, which RFC %s "
		       "deprecates; only for a server that cannot be fixed: "
		       "tlsprobe client --priority NORMAL:+VERS-%s",
		       speaks, strncmp(newest, "SSL", 3) == 0 ? "7568"
		       : "8996", newest);
	return true;
}

/*
 * handshake_failure or insufficient_security before any ServerHello: no
 * version, suite or group in common. The broad second handshake tells
 * which: the version it settles on, or the suite.
 */
static void negotiation_refused(struct tp_report *r,
				const struct tp_diag_ctx *ctx,
				const char *alert)
{
	const struct tp_tls_obs *b = ctx->broad;
	struct tp_finding *f;
	char evidence[96];

	snprintf(evidence, sizeof(evidence), "alert %s in answer to our "
		 "ClientHello", alert);
	if (mismatch_spoken(r, ctx, evidence))
		return;
	if (b != NULL && b->saw_server_hello &&
	    !listed(ctx->offered_versions, b->hello_version)) {
		f = tp_report_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
				      "speaks %s, which we did not offer (we "
				      "offered %s)", ctx->remote,
				      b->hello_version, ctx->offered_versions);
		tp_finding_detail(f, "alert %s in answer to our ClientHello; a "
				  "second handshake offering every version "
				  "settled on %s with %s", alert,
				  b->hello_version, b->hello_cipher);
		return;
	}
	f = tp_report_finding(r, TP_NO_SHARED_CIPHER, "%s found no cipher "
			      "suite or group in common with us", ctx->remote);
	if (b != NULL && b->saw_server_hello)
		tp_finding_detail(f, "alert %s in answer to our ClientHello, "
				  "before any ServerHello; we offered %s "
				  "(priority '%s'); offered every suite, the "
				  "server chose %s with %s", alert,
				  ctx->offered_suites, ctx->priority,
				  b->hello_cipher, b->hello_version);
	else
		tp_finding_detail(f, "alert %s in answer to our ClientHello, "
				  "before any ServerHello; we offered %s "
				  "(priority '%s')%s", alert,
				  ctx->offered_suites, ctx->priority,
				  b != NULL ? "; a second handshake offering "
				  "every suite GnuTLS has was refused too" : "");
}

/* The last handshake message received, or the warning alerts when they
 * were all that came: "nothing" would hide a storm of them. */
static const char *last_received(const struct tp_tls_obs *o, char *buf,
				 size_t size)
{
	const struct tp_alert_info *w = tp_registry_alert(o->warning_in);

	if (o->warnings_in == 0)
		return o->last_in[0] ? o->last_in : "nothing";
	snprintf(buf, size, "%s%s%u warning alert%s (last: %s)",
		 o->last_in[0] ? o->last_in : "", o->last_in[0] ? ", then "
		 : "", o->warnings_in, o->warnings_in == 1 ? "" : "s",
		 w ? w->name : "unknown");
	return buf;
}

static void from_alert(struct tp_report *r, const struct tp_tls_obs *o,
		       const struct tp_diag_ctx *ctx)
{
	char got[128];
	const struct tp_alert_info *a = tp_registry_alert(o->alert_in);
	const char *name = a ? a->name : "unknown";
	struct tp_finding *f;
	char cas[1024];

	switch (o->alert_in) {
	case 70: /* protocol_version */
		if (mismatch_spoken(r, ctx, "alert protocol_version in answer "
				    "to our ClientHello"))
			return;
		f = tp_report_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
				      "refused every protocol version we "
				      "offered", ctx->remote);
		tp_finding_detail(f, "alert protocol_version in answer to our "
				  "ClientHello; we offered: %s",
				  ctx->offered_versions);
		return;
	case 40: /* handshake_failure */
	case 71: /* insufficient_security */
		if (!o->saw_server_hello) {
			negotiation_refused(r, ctx, name);
			return;
		}
		break;
	default:
		break;
	}
	/* after our Certificate: the server refused it (the refusal alerts
	 * of the table above) */
	if (o->sent_cert && a != NULL &&
	    tp_diag_refusal_alert(o->alert_in, TP_SIDE_SERVER)) {
		client_cert_rejected(r, o, ctx, a);
		return;
	}
	/* Servers word "you sent no certificate" differently: TLS 1.3 has
	 * certificate_required, OpenSSL sends handshake_failure, GnuTLS
	 * decode_error. After a CertificateRequest answered with an empty
	 * Certificate, any alert but a version, SNI or ALPN one means it. */
	if (o->cert_requested && !o->sent_cert && o->alert_in != 70 &&
	    o->alert_in != 112 && o->alert_in != 120) {
		join_cas(o, cas, sizeof(cas));
		f = tp_report_finding(r, TP_CLIENT_CERT_REQUIRED, "%s requires "
				      "a client certificate and we sent none",
				      ctx->remote);
		tp_finding_detail(f, "the server sent a CertificateRequest "
				  "(accepted CAs: %s), we answered with an "
				  "empty Certificate, it sent alert %s", cas,
				  name);
		return;
	}
	f = tp_report_finding(r, TP_ALERT_RECEIVED, "%s sent fatal alert %s "
			      "(%d)", ctx->remote, name, o->alert_in);
	tp_finding_detail(f, "%s; the alert came after %s was received and "
			  "%s was sent", a ? a->meaning : "an alert number "
			  "outside the IANA registry",
			  last_received(o, got, sizeof(got)),
			  o->last_out[0] ? o->last_out : "nothing");
	if (o->alert_in == 112)
		tp_finding_fix(f, "send a server name the server is configured "
			       "for (--sni), or configure the server for '%s'",
			       ctx->sni ? ctx->sni : "(no SNI)");
}

/* How far a handshake got: 3 done, 2 a definite alert, 1 a ServerHello,
 * 0 nothing. */
static int progress(const struct tp_tls_obs *t)
{
	if (t == NULL)
		return -1;
	if (t->handshake_done)
		return 3;
	if (t->alert_in >= 0)
		return 2;
	return t->saw_server_hello ? 1 : 0;
}

static const char *outcome(const struct tp_tls_obs *t, char *buf, size_t n)
{
	const struct tp_alert_info *a = tp_registry_alert(t->alert_in);

	if (t->handshake_done)
		snprintf(buf, n, "completed (%s)", t->hello_version);
	else if (t->alert_in >= 0)
		snprintf(buf, n, "got alert %s from the server",
			 a ? a->name : "?");
	else
		snprintf(buf, n, "got a ServerHello (%s)", t->hello_version);
	return buf;
}

/*
 * A reset or stall that the retries explain: the name filtered on the
 * path (SNI_FILTERED), or large segments lost (PMTU_BLACKHOLE). Returns
 * whether it added a finding.
 */
static bool path_explains(struct tp_report *r, const struct tp_tls_obs *o,
			  const struct tp_diag_ctx *ctx)
{
	/* a retry explains the failure when it got further than the
	 * original: a ServerHello where there was none, or an end */
	bool sni_ok = progress(ctx->sni_retry) > progress(o);
	bool mss_ok = progress(ctx->mss_retry) > progress(o) &&
		      progress(ctx->mss_retry) >= 2;
	const char *what = o->timed_out ? "stalled" : "was reset";
	struct tp_finding *f;
	char buf[96];

	if (sni_ok && !mss_ok) {
		f = tp_report_finding(r, TP_SNI_FILTERED, "with server name "
				      "'%s' the handshake with %s %s; without "
				      "it the server answers", ctx->sni,
				      ctx->remote, what);
		tp_finding_detail(f, "the ClientHello carrying SNI '%s' %s "
				  "after %zu bytes sent and %zu received; the "
				  "same handshake without the server_name "
				  "extension %s", ctx->sni, what, o->bytes_out,
				  o->bytes_in, outcome(ctx->sni_retry, buf,
						       sizeof(buf)));
		tp_finding_fix(f, "a firewall, proxy or IPS between the two "
			       "ends filters on the name '%s': ask its owner "
			       "to allow it", ctx->sni);
		return true;
	}
	if (mss_ok && !sni_ok && o->timed_out) {
		f = tp_report_finding(r, TP_PMTU_BLACKHOLE, "the handshake "
				      "with %s stalls with full-size segments "
				      "and completes with small ones",
				      ctx->remote);
		tp_finding_detail(f, "with MSS %d it stalled after %s was "
				  "received (%zu bytes); on a socket with MSS "
				  "%d (TCP_MAXSEG) the same handshake %s: "
				  "large packets are lost on the path and no "
				  "ICMP fragmentation-needed reaches the "
				  "sender", ctx->first_mss,
				  o->last_in[0] ? o->last_in : "nothing",
				  o->bytes_in, ctx->retry_mss,
				  outcome(ctx->mss_retry, buf, sizeof(buf)));
		return true;
	}
	return false;
}

static void tls_failure(struct tp_report *r, const struct tp_tls_obs *o,
			const struct tp_diag_ctx *ctx);

const struct tp_finding *tp_diag_tls_failure(struct tp_report *r,
					     const struct tp_tls_obs *o,
					     const struct tp_diag_ctx *ctx)
{
	size_t before = r->n_findings;
	const struct tp_finding *last;

	tls_failure(r, o, ctx);
	if (r->n_findings > before)
		return &r->findings[before];
	/* none added: an earlier local fault moved to the end as the
	 * diagnosis (tp_diag_own_cert_refused), or memory ran out */
	last = r->n_findings > 0 ? &r->findings[r->n_findings - 1] : NULL;
	if (last != NULL && last->side == TP_SIDE_LOCAL &&
	    last->severity == TP_SEV_ERROR)
		return last;
	return NULL;
}

/*
 * An SSL 2.0 SERVER-HELLO (a 2-byte header with the high bit set,
 * then message type 4): the server speaks no version we offer.
 * GnuTLS only says "unexpected packet", which names nothing.
 */
static bool ssl2_answer(struct tp_report *r, const struct tp_tls_obs *o,
			const struct tp_diag_ctx *ctx)
{
	struct tp_finding *f;

	if (o->first_in_len < 3 || (o->first_in[0] & 0x80) == 0 ||
	    o->first_in[2] != 4)
		return false;
	f = tp_report_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
			      "answered in SSL 2.0, which no TLS "
			      "client speaks", ctx->remote);
	tp_finding_detail(f, "an SSL 2.0 SERVER-HELLO came back; we "
			  "offered: %s; GnuTLS: %s",
			  ctx->offered_versions, gnutls_strerror(o->status));
	tp_finding_fix(f, "enable TLS 1.2 or TLS 1.3 on the server: "
		       "SSL 2.0 has been forbidden since RFC 6176");
	return true;
}

/* TCP is up and the handshake stalled: HANDSHAKE_TIMEOUT, with the
 * retries that did not get further named. */
static void stalled(struct tp_report *r, const struct tp_tls_obs *o,
		    const struct tp_diag_ctx *ctx)
{
	struct tp_finding *f;

	f = tp_report_finding(r, TP_HANDSHAKE_TIMEOUT, "the TLS "
			      "handshake with %s stalled for %.1f s",
			      ctx->remote, ctx->timeout_ms / 1000);
	tp_finding_detail(f, "TCP is up; last sent: %s; last received:"
			  " %s; %zu bytes sent, %zu received, nothing "
			  "for the last %.1f s%s%s%s%s",
			  o->last_out[0] ? o->last_out : "nothing",
			  o->last_in[0] ? o->last_in : "nothing",
			  o->bytes_out, o->bytes_in,
			  o->stalled_ms / 1000,
			  ctx->sni_retry || ctx->mss_retry
			  ? "; retried on fresh connections within the "
			  "same --timeout (" : "",
			  ctx->sni_retry ? "without SNI" : "",
			  ctx->sni_retry && ctx->mss_retry ? ", " : "",
			  ctx->mss_retry ? "with a small MSS): no "
			  "further" : ctx->sni_retry ? "): no further"
			  : "");
}

/* PEER_CLOSED: the peer ended the handshake without an error, what it
 * closed and how in its words; evidence says how we know. */
static void peer_closed(struct tp_report *r, const struct tp_tls_obs *o,
			const struct tp_diag_ctx *ctx, const char *what,
			const char *evidence)
{
	struct tp_finding *f;

	f = tp_report_finding(r, TP_PEER_CLOSED, "%s closed the %s %s",
			      ctx->remote, what, o->bytes_in == 0 ? "right "
			      "after our ClientHello" : "during the "
			      "handshake");
	tp_finding_detail(f, "%s; last sent: %s; last received: %s; %zu "
			  "bytes received", evidence,
			  o->last_out[0] ? o->last_out : "nothing",
			  o->last_in[0] ? o->last_in : "nothing", o->bytes_in);
}

/*
 * Through a proxy, a reset or a FIN ends the tunnel: the proxy closed
 * it, for its own reasons or because the server closed its side, and
 * from our end the two look the same.
 */
static bool tunnel_closed(struct tp_report *r, const struct tp_tls_obs *o,
			  const struct tp_diag_ctx *ctx)
{
	struct tp_finding *f;
	int e = o->recv_errno ? o->recv_errno : o->send_errno;

	if (ctx->proxy == NULL || o->timed_out ||
	    (!o->eof && e != ECONNRESET && e != EPIPE))
		return false;
	f = tp_report_finding(r, TP_PROXY_TUNNEL_CLOSED, "the tunnel through "
			      "%s to %s closed %s", ctx->proxy, ctx->remote,
			      o->bytes_in == 0 ? "right after our ClientHello"
			      : "during the TLS handshake");
	tp_finding_detail(f, "%s; last sent: %s; last received: %s; %zu "
			  "bytes received through the tunnel",
			  o->eof ? "FIN received" : strerror(e),
			  o->last_out[0] ? o->last_out : "nothing",
			  o->last_in[0] ? o->last_in : "nothing", o->bytes_in);
	return true;
}

/*
 * The transport ended the handshake: a stall, a reset or a FIN, unless
 * the retries on the path explain it. False when the transport was
 * sound and the failure is TLS's own.
 */
static bool transport_failure(struct tp_report *r, const struct tp_tls_obs *o,
			      const struct tp_diag_ctx *ctx)
{
	struct tp_finding *f;

	if ((o->timed_out || o->recv_errno != 0 || o->send_errno != 0) &&
	    path_explains(r, o, ctx))
		return true;
	if (tunnel_closed(r, o, ctx))
		return true;
	if (o->timed_out) {
		stalled(r, o, ctx);
		return true;
	}
	if (o->recv_errno == ECONNRESET || o->recv_errno == EPIPE ||
	    (o->send_errno != 0 && !o->eof)) {
		int e = o->recv_errno ? o->recv_errno : o->send_errno;

		f = tp_report_finding(r, TP_RESET_DURING_HANDSHAKE, "%s reset "
				      "the connection %s", ctx->remote,
				      o->bytes_in == 0 ? "right after our "
				      "ClientHello" : "during the handshake");
		tp_finding_detail(f, "%s; last sent: %s; last received: %s; "
				  "%zu bytes received before the reset",
				  strerror(e),
				  o->last_out[0] ? o->last_out : "nothing",
				  o->last_in[0] ? o->last_in : "nothing",
				  o->bytes_in);
		if (o->bytes_in == 0)
			tp_finding_fix(f, "look at the server's log; if it "
				       "shows nothing, a firewall or IPS on "
				       "the path resets TLS (try --sni with "
				       "another name, or capture with "
				       "tcpdump)");
		return true;
	}
	if (o->eof) {
		peer_closed(r, o, ctx, "connection without an alert",
			    "FIN received");
		return true;
	}
	return false;
}

/* What GnuTLS's own status names, when it names a cause: the version,
 * the parameters, a close_notify, the key usage. False for the rest. */
static bool gnutls_cause(struct tp_report *r, const struct tp_tls_obs *o,
			 const struct tp_diag_ctx *ctx)
{
	struct tp_finding *f;
	int status = o->status;

	switch (status) {
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
		if (mismatch_spoken(r, ctx, "the server answered our "
				    "ClientHello with a version we did not "
				    "offer"))
			return true;
		f = tp_report_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
				      "chose a protocol version we do not "
				      "allow", ctx->remote);
		tp_finding_detail(f, "GnuTLS: %s; we offered: %s",
				  gnutls_strerror(status),
				  ctx->offered_versions);
		return true;
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
	case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
		f = tp_report_finding(r, TP_NO_SHARED_CIPHER, "%s chose "
				      "parameters we did not offer",
				      ctx->remote);
		tp_finding_detail(f, "GnuTLS: %s (%s); we offered %s",
				  gnutls_strerror(status),
				  gnutls_strerror_name(status),
				  ctx->offered_suites);
		return true;
	case GNUTLS_E_SESSION_EOF:
		/* the TCP end (o->eof) is taken above: GnuTLS ends the
		 * handshake so when a close_notify alert comes, a clean
		 * close that is no error alert */
		peer_closed(r, o, ctx, "session with close_notify",
			    "a close_notify alert, not an error alert");
		return true;
	case GNUTLS_E_KEY_USAGE_VIOLATION:
		f = tp_report_finding(r, TP_BAD_KEY_USAGE, "the key usage of "
				      "the server certificate of %s forbids "
				      "its use in this handshake", ctx->remote);
		tp_finding_detail(f, "GnuTLS: %s", gnutls_strerror(status));
		return true;
	default:
		return false;
	}
}

/*
 * The causes in the order they are proved: bytes that are not TLS, an
 * SSL 2.0 answer, an alert, the transport, GnuTLS's own status; what
 * none of them names is TLS_HANDSHAKE_FAILED with the status.
 */
static void tls_failure(struct tp_report *r, const struct tp_tls_obs *o,
			const struct tp_diag_ctx *ctx)
{
	char got[128], messages[320];

	if (o->first_in_len > 0 && !looks_like_tls(o->first_in,
						    o->first_in_len)) {
		not_tls(r, o, ctx);
		return;
	}
	if (ssl2_answer(r, o, ctx))
		return;
	if (o->alert_in >= 0) {
		from_alert(r, o, ctx);
		return;
	}
	if (transport_failure(r, o, ctx) || gnutls_cause(r, o, ctx))
		return;
	snprintf(messages, sizeof(messages), "last sent: %s; last received: "
		 "%s", o->last_out[0] ? o->last_out : "nothing",
		 last_received(o, got, sizeof(got)));
	tp_diag_handshake_failed(r, ctx->remote, o->status, messages);
}

struct tp_finding *tp_diag_handshake_failed(struct tp_report *r,
					    const char *peer, int status,
					    const char *messages)
{
	const char *name = gnutls_strerror_name(status);
	struct tp_finding *f;

	f = tp_report_finding(r, TP_TLS_HANDSHAKE_FAILED, "the TLS handshake "
			      "with %s failed: %s", peer,
			      gnutls_strerror(status));
	tp_finding_detail(f, "GnuTLS status %s (%d); %s", name ? name : "?",
			  status, messages);
	return f;
}

/* ---- evidence from a capture of the probe's own packets ---- */

/* The first of the findings listed that the report holds, or NULL. */
static struct tp_finding *find_any(struct tp_report *r,
				   const enum tp_code *codes, size_t n)
{
	struct tp_finding *f;
	size_t i;

	for (i = 0; i < n; i++)
		if ((f = tp_report_finding_of(r, codes[i])) != NULL)
			return f;
	return NULL;
}

static void add_detail(struct tp_finding *f, const char *fmt, ...)
	TP_PRINTF(2, 3);

/* Appends "; capture: …" to the detail of f. */
static void add_detail(struct tp_finding *f, const char *fmt, ...)
{
	char more[512];
	char *old;
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(more, sizeof(more), fmt, ap);
	va_end(ap);
	old = f->detail;
	f->detail = NULL;
	/* the old detail is sanitised already, and so is what we add (our
	 * own words and numbers) */
	if (old != NULL && old[0] != '\0') {
		size_t n = strlen(old) + strlen(more) + 16;
		char *s = malloc(n);

		if (s == NULL) {
			f->detail = old;
			return;
		}
		snprintf(s, n, "%s; capture: %s", old, more);
		f->detail = s;
		free(old);
	} else {
		free(old);
		tp_finding_detail(f, "capture: %s", more);
	}
}

/* The TTL a sender most likely started from (Linux and macOS 64,
 * Windows 128, network gear 255). */
static int initial_ttl(int ttl)
{
	return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

static void reset_evidence(struct tp_report *r,
			   const struct tp_flow_evidence *ev)
{
	static const enum tp_code codes[] = {
		TP_RESET_DURING_HANDSHAKE, TP_SNI_FILTERED, TP_PEER_CLOSED,
		TP_HANDSHAKE_TIMEOUT, TP_TLS_HANDSHAKE_FAILED,
	};
	struct tp_finding *f = find_any(r, codes, sizeof(codes) /
					sizeof(*codes));
	/* the far end's first segment: a server's SYN-ACK, a client's SYN */
	const char *peer = ev->peer_is_client ? "client" : "server";
	int syn_ttl = ev->peer_is_client ? ev->syn_in_ttl : ev->syn_ack_ttl;
	int ref = syn_ttl >= 0 ? syn_ttl : ev->peer_ttl;
	char ref_what[64];

	if (f == NULL || ev->resets_in == 0 || ev->reset_ttl < 0 || ref < 0)
		return;
	if (syn_ttl >= 0)
		snprintf(ref_what, sizeof(ref_what), "%s",
			 ev->peer_is_client ? "the client's SYN"
					    : "the SYN-ACK");
	else
		snprintf(ref_what, sizeof(ref_what), "the %s's other segments",
			 peer);
	if (ev->reset_ttl != ref) {
		char hops[160] = "";

		if (initial_ttl(ev->reset_ttl) == initial_ttl(ref))
			snprintf(hops, sizeof(hops), ": the reset crossed %d "
				 "router%s, the %s's packets %d",
				 initial_ttl(ref) - ev->reset_ttl,
				 initial_ttl(ref) - ev->reset_ttl == 1 ? ""
				 : "s", peer, initial_ttl(ref) - ref);
		add_detail(f, "reset probably injected by a middlebox (TTL %d "
			   "vs %d in %s)%s", ev->reset_ttl, ref, ref_what,
			   hops);
		if (f->code == TP_RESET_DURING_HANDSHAKE)
			tp_finding_fix(f, "a firewall, IPS or proxy between "
				       "the two ends sent the reset, not the "
				       "%s: find the device %s%s and ask its "
				       "owner why it blocks this connection",
				       peer, initial_ttl(ev->reset_ttl) ==
				       initial_ttl(ref) && ev->reset_ttl > ref
				       ? "closer to this host than the "
				       : "on the path", initial_ttl(
				       ev->reset_ttl) == initial_ttl(ref) &&
				       ev->reset_ttl > ref ? peer : "");
	} else {
		add_detail(f, "the reset carries the same TTL as %s (%d): it "
			   "came from the %s's host itself", ref_what, ref,
			   peer);
	}
}

/* A server's view of the ClientHello: sent again and again, so our
 * acknowledgements do not reach the client. */
static void served_hello_evidence(struct tp_report *r,
				  const struct tp_flow_evidence *ev)
{
	static const enum tp_code codes[] = {
		TP_HANDSHAKE_TIMEOUT, TP_RESET_DURING_HANDSHAKE,
		TP_PEER_CLOSED, TP_TLS_HANDSHAKE_FAILED,
	};
	struct tp_finding *f = find_any(r, codes, sizeof(codes) /
					sizeof(*codes));

	if (f == NULL || !ev->client_hello || ev->hello_sent < 2)
		return;
	add_detail(f, "the client sent its ClientHello %u times over %.1f s: "
		   "our acknowledgements did not reach it in time (segments "
		   "lost or delayed on the way to the client)", ev->hello_sent,
		   ev->hello_span_ms / 1000);
}

static void hello_evidence(struct tp_report *r,
			   const struct tp_flow_evidence *ev)
{
	static const enum tp_code codes[] = {
		TP_HANDSHAKE_TIMEOUT, TP_PMTU_BLACKHOLE, TP_SNI_FILTERED,
	};
	struct tp_finding *f = find_any(r, codes, sizeof(codes) /
					sizeof(*codes));

	if (f == NULL || !ev->client_hello || ev->resets_in > 0)
		return;
	if (!ev->hello_acked && !ev->hello_answered)
		add_detail(f, "our ClientHello was sent %u time%s over %.1f s "
			   "and never acknowledged: it is lost on the path (a "
			   "DROP rule, or a link that loses it)",
			   ev->hello_sent, ev->hello_sent == 1 ? "" : "s",
			   ev->hello_span_ms / 1000);
	else if (!ev->hello_answered && f->code == TP_PMTU_BLACKHOLE)
		add_detail(f, "the server's TCP acknowledged our ClientHello, "
			   "so our small segments pass, yet not one byte of "
			   "its answer reached us: large segments are lost on "
			   "the way to us");
	else if (!ev->hello_answered)
		add_detail(f, "the server's TCP acknowledged our ClientHello "
			   "but no data came back: the service got it and did "
			   "not answer, or its answer was lost on the way");
	if (ev->in_hole > 0)
		add_detail(f, "%u bytes of the server's answer never arrived "
			   "while later segments did (%u data segments "
			   "received, the largest %u bytes): large segments are "
			   "lost on the way to us", ev->in_hole,
			   ev->in_segments, ev->in_max_len);
	if (ev->big_out_retrans > 0)
		add_detail(f, "%u of our segments over 576 bytes (up to %u) "
			   "were sent again and never acknowledged while %u "
			   "small ones were: large packets are lost on the "
			   "way to the server", ev->big_out_retrans,
			   ev->big_out_len, ev->small_out_acked);
}

static void tcp_evidence(struct tp_report *r,
			 const struct tp_flow_evidence *ev)
{
	struct tp_finding *f;

	f = tp_report_finding_of(r, TP_TCP_TIMEOUT);
	if (f != NULL && ev->syns > 0 && !ev->syn_ack && ev->resets_in == 0)
		add_detail(f, "%u SYN%s sent, none answered", ev->syns,
			   ev->syns == 1 ? "" : "s");
	f = tp_report_finding_of(r, TP_TCP_REFUSED);
	if (f != NULL && ev->resets_in > 0 && !ev->syn_ack)
		add_detail(f, "our SYN was answered with a reset (TTL %d)",
			   ev->reset_ttl);
}

static void icmp_evidence(struct tp_report *r,
			  const struct tp_flow_evidence *ev)
{
	static const enum tp_code codes[] = {
		TP_NET_UNREACHABLE, TP_TCP_TIMEOUT, TP_PMTU_BLACKHOLE,
		TP_HANDSHAKE_TIMEOUT, TP_RESET_DURING_HANDSHAKE,
		TP_SNI_FILTERED, TP_TCP_REFUSED, TP_SCAN_INCOMPLETE,
	};
	struct tp_finding *f = find_any(r, codes, sizeof(codes) /
					sizeof(*codes));
	char list[256] = "", name[64];
	size_t i, used = 0;

	if (f == NULL || ev->n_icmp == 0)
		return;
	for (i = 0; i < ev->n_icmp && used < sizeof(list); i++) {
		tp_livecap_icmp_name(ev->icmp[i].v6, ev->icmp[i].type,
				     ev->icmp[i].code, ev->icmp[i].mtu, name,
				     sizeof(name));
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s (%u)", i ? ", " : "", name,
					 ev->icmp[i].n);
	}
	add_detail(f, "ICMP errors about our segments: %s", list);
}

const char tp_diag_overlap_why[] = "the first copy of each byte is the "
	"one read here, as a receiving stack keeps it; a retransmission "
	"repeats the same bytes, so a second copy that differs was sent by "
	"someone else, or to mislead a monitor";

struct tp_finding *tp_diag_overlap_conflict(struct tp_report *r, unsigned n)
{
	return tp_report_finding(r, TP_TCP_OVERLAP_CONFLICT, "%u TLS "
				 "connection%s carried overlapping TCP "
				 "segments whose bytes differ", n,
				 n == 1 ? "" : "s");
}

/* Copies of our own connection's bytes that disagree: the same proof
 * as in tlsprobe pcap, so the same code. */
static void conflict_evidence(struct tp_report *r,
			      const struct tp_flow_evidence *ev)
{
	struct tp_finding *f;

	if (ev->tcp_conflicts == 0)
		return;
	f = tp_diag_overlap_conflict(r, 1);
	tp_finding_detail(f, "%s: %u segment%s of this connection (marked "
			  "tcp_conflict in its packets)", tp_diag_overlap_why,
			  ev->tcp_conflicts, ev->tcp_conflicts == 1 ? "" : "s");
}

void tp_diag_capture(struct tp_report *r, const struct tp_flow_evidence *ev)
{
	if (ev == NULL || !ev->seen)
		return;
	conflict_evidence(r, ev);
	if (ev->peer_is_client) {
		reset_evidence(r, ev);
		served_hello_evidence(r, ev);
		icmp_evidence(r, ev);
		return;
	}
	tcp_evidence(r, ev);
	reset_evidence(r, ev);
	hello_evidence(r, ev);
	icmp_evidence(r, ev);
}
