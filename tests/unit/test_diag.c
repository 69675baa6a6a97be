/*
 * Unit tests of diag.c and diag_server.c: which fault of our own
 * certificate, found before the handshake, an alert from the far end
 * points to, case by case; the alert a tlsprobe server sends when it
 * refuses a client's certificate; the finding a tlsprobe server
 * makes of what it saw, and a client of a failed handshake (each family
 * of causes), from fixed observations; the refusal alerts each side
 * reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A report holding what tp_cert_check_own leaves: local warnings, in
 * the order it makes them, after a finding of another side. */
static struct tp_report *own_faults(const enum tp_code *codes, size_t n)
{
	struct tp_report *r = tp_report_new("client");
	struct tp_finding *f;
	size_t i;

	assert_non_null(r);
	f = tp_report_finding(r, TP_NAT_SOURCE, "not ours");
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		f = tp_report_finding(r, codes[i], "fault %zu", i);
		assert_non_null(f);
		f->side = TP_SIDE_LOCAL;
		f->severity = TP_SEV_WARNING;
	}
	return r;
}

static void test_diag_own_cert_refused_cases(void **state)
{
	static const enum tp_code all[] = {
		TP_WEAK_KEY, TP_CHAIN_ORDER, TP_BAD_KEY_USAGE,
		TP_CERT_NOT_YET_VALID, TP_CERT_EXPIRED, TP_KEY_MISMATCH,
	};
	static const struct {
		int alert;
		const enum tp_code *faults;
		size_t n;
		int want;      /* the code made the diagnosis, -1: none */
	} cases[] = {
		/* certificate_expired: the dates, whatever else is wrong */
		{45, all, N_ELEMS(all), TP_CERT_EXPIRED},
		{45, all, 3, -1},
		/* decrypt_error: the key, and only the key */
		{51, all, N_ELEMS(all), TP_KEY_MISMATCH},
		{51, all, 5, -1},
		/* unsupported_certificate: the key usage, then the key size */
		{43, all, N_ELEMS(all), TP_BAD_KEY_USAGE},
		{43, all, 1, TP_WEAK_KEY},
		/* unknown_ca: the chain's order and links, nothing else */
		{48, all, N_ELEMS(all), TP_CHAIN_ORDER},
		{48, all, 1, -1},
		/* generic refusals: key, dates, usage, chain, size */
		{42, all, N_ELEMS(all), TP_KEY_MISMATCH},
		{49, all, 5, TP_CERT_EXPIRED},
		{46, all, 4, TP_CERT_NOT_YET_VALID},
		{40, all, 2, TP_CHAIN_ORDER},
		/* a revocation, or a protocol alert: no fault of ours */
		{44, all, N_ELEMS(all), -1},
		{70, all, N_ELEMS(all), -1},
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct tp_report *r = own_faults(cases[i].faults, cases[i].n);
		struct tp_finding *f;

		n = r->n_findings;
		f = tp_diag_own_cert_refused(r, cases[i].alert, "the server");
		if (cases[i].want < 0) {
			if (f != NULL)
				fail_msg("case %zu: alert %d made %s the "
					 "diagnosis", i, cases[i].alert,
					 tp_code_info(f->code)->name);
			tp_report_free(r);
			continue;
		}
		if (f == NULL)
			fail_msg("case %zu: alert %d: no diagnosis", i,
				 cases[i].alert);
		assert_int_equal(f->code, cases[i].want);
		/* an error now, moved last, nothing added or lost */
		assert_int_equal(f->severity, TP_SEV_ERROR);
		assert_int_equal(f->side, TP_SIDE_LOCAL);
		assert_int_equal(r->n_findings, n);
		assert_ptr_equal(f, &r->findings[n - 1]);
		assert_int_equal(r->findings[0].code, TP_NAT_SOURCE);
		assert_non_null(strstr(f->summary, "the server refused our "
				       "certificate (alert "));
		assert_non_null(strstr(f->detail, "found here before the "
				       "handshake"));
		tp_report_free(r);
	}
}

/* An error already (found another way), or a finding of the far end's
 * side, is not a fault found before the handshake. */
static void test_diag_own_cert_refused_only_local_warnings(void **state)
{
	struct tp_report *r = tp_report_new("client");
	struct tp_finding *f;

	(void)state;
	assert_non_null(r);
	f = tp_report_finding(r, TP_CERT_EXPIRED, "the server's");
	f->side = TP_SIDE_SERVER;
	f = tp_report_finding(r, TP_CERT_EXPIRED, "an error already");
	f->side = TP_SIDE_LOCAL;
	f->severity = TP_SEV_ERROR;
	assert_null(tp_diag_own_cert_refused(r, 45, "the server"));
	assert_string_equal(r->findings[0].summary, "the server's");
	tp_report_free(r);
}

/* The other direction of the table: what a received alert means, in
 * the cases where it and the alerts we send disagree. */
static void test_diag_own_cert_refused_table(void **state)
{
	static const enum tp_code chain[] = {
		TP_INCOMPLETE_CHAIN, TP_CERT_EXPIRED,
	};
	static const enum tp_code trust[] = {
		TP_UNKNOWN_CA, TP_SELF_SIGNED, TP_PEER_ID_MISMATCH,
	};
	static const enum tp_code strength[] = {
		TP_BAD_KEY_USAGE, TP_WEAK_SIGNATURE,
	};
	static const enum tp_code usage[] = {TP_BAD_KEY_USAGE};
	static const struct {
		int alert;
		const enum tp_code *faults;
		size_t n;
		int want;      /* the code made the diagnosis, -1: none */
	} cases[] = {
		/* unknown_ca: the chain's links, which we send it for too */
		{48, chain, N_ELEMS(chain), TP_INCOMPLETE_CHAIN},
		/* certificate_expired, sent and received alike */
		{45, chain, N_ELEMS(chain), TP_CERT_EXPIRED},
		/* a generic refusal: the dates before the chain, where a
		 * refusal we send names the chain first */
		{49, chain, N_ELEMS(chain), TP_CERT_EXPIRED},
		{42, chain, 1, TP_INCOMPLETE_CHAIN},
		/* we send unknown_ca and bad_certificate for these; received,
		 * they mean none of them */
		{48, trust, N_ELEMS(trust), -1},
		{42, trust, N_ELEMS(trust), -1},
		{40, trust, N_ELEMS(trust), -1},
		/* insufficient_security: the strength, not the key usage */
		{71, strength, N_ELEMS(strength), TP_WEAK_SIGNATURE},
		{71, usage, N_ELEMS(usage), -1},
		{43, strength, N_ELEMS(strength), TP_BAD_KEY_USAGE},
		/* no alert, or close_notify: nothing of ours */
		{-1, chain, N_ELEMS(chain), -1},
		{0, chain, N_ELEMS(chain), -1},
		{0, strength, N_ELEMS(strength), -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct tp_report *r = own_faults(cases[i].faults, cases[i].n);
		struct tp_finding *f;

		f = tp_diag_own_cert_refused(r, cases[i].alert, "the client");
		if (cases[i].want < 0 && f != NULL)
			fail_msg("case %zu: alert %d made %s the diagnosis", i,
				 cases[i].alert, tp_code_info(f->code)->name);
		if (cases[i].want >= 0) {
			if (f == NULL)
				fail_msg("case %zu: alert %d: no diagnosis", i,
					 cases[i].alert);
			assert_int_equal(f->code, cases[i].want);
			assert_int_equal(f->severity, TP_SEV_ERROR);
			assert_non_null(strstr(f->summary, "the client refused "
					       "our certificate"));
		}
		tp_report_free(r);
	}
}

/* A report after a chain check: an error of another connection before
 * first, then the findings given, errors unless marked warning. */
static struct tp_report *checked(const enum tp_code *codes, size_t n,
				 size_t warnings_from)
{
	struct tp_report *r = tp_report_new("server");
	struct tp_finding *f;
	size_t i;

	assert_non_null(r);
	f = tp_report_finding(r, TP_UNKNOWN_CA, "before first");
	assert_non_null(f);
	f->severity = TP_SEV_ERROR;
	for (i = 0; i < n; i++) {
		f = tp_report_finding(r, codes[i], "reason %zu", i);
		assert_non_null(f);
		f->side = TP_SIDE_CLIENT;
		f->severity = i >= warnings_from ? TP_SEV_WARNING
						 : TP_SEV_ERROR;
	}
	return r;
}

static void test_diag_rejection_alert_cases(void **state)
{
	static const struct {
		enum tp_code codes[3];
		size_t n;
		size_t warnings_from;  /* findings from here on: warnings */
		int alert;
		size_t which;          /* among the findings given */
	} cases[] = {
		/* one fault each: the alert the table sends */
		{{TP_UNKNOWN_CA}, 1, 1, 48, 0},
		{{TP_SELF_SIGNED}, 1, 1, 48, 0},
		{{TP_INCOMPLETE_CHAIN}, 1, 1, 48, 0},
		{{TP_CERT_EXPIRED}, 1, 1, 45, 0},
		{{TP_CERT_NOT_YET_VALID}, 1, 1, 45, 0},
		{{TP_PEER_ID_MISMATCH}, 1, 1, 42, 0},
		/* faults a received alert can mean, refused as any other */
		{{TP_CHAIN_ORDER}, 1, 1, 49, 0},
		{{TP_KEY_MISMATCH}, 1, 1, 49, 0},
		{{TP_BAD_KEY_USAGE}, 1, 1, 49, 0},
		{{TP_WEAK_KEY}, 1, 1, 49, 0},
		{{TP_NAME_MISMATCH}, 1, 1, 49, 0},
		/* the table's order, not the findings': the chain before
		 * the dates, the dates before the unique ID */
		{{TP_CERT_EXPIRED, TP_INCOMPLETE_CHAIN}, 2, 2, 48, 1},
		{{TP_PEER_ID_MISMATCH, TP_WEAK_KEY, TP_CERT_NOT_YET_VALID}, 3,
		 3, 45, 2},
		{{TP_WEAK_KEY, TP_PEER_ID_MISMATCH}, 2, 2, 42, 1},
		/* a warning names nothing: the first error does */
		{{TP_CERT_EXPIRED, TP_WEAK_KEY}, 2, 0, 49, 0},
		{{TP_WEAK_KEY, TP_UNKNOWN_CA}, 2, 1, 49, 0},
	};
	size_t i, which;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct tp_report *r = checked(cases[i].codes, cases[i].n,
					      cases[i].warnings_from);
		int alert;

		which = 99;
		alert = tp_diag_rejection_alert(r, 1, &which);
		if (alert != cases[i].alert || which != cases[i].which + 1)
			fail_msg("case %zu: alert %d (finding %zu), wanted %d "
				 "(finding %zu)", i, alert, which,
				 cases[i].alert, cases[i].which + 1);
		tp_report_free(r);
	}
}

/* No error at all: access_denied, and the first finding looked at. */
static void test_diag_rejection_alert_no_error(void **state)
{
	static const enum tp_code none[] = {TP_WEAK_KEY};
	struct tp_report *r = checked(none, N_ELEMS(none), 0);
	size_t which = 99;

	(void)state;
	assert_int_equal(tp_diag_rejection_alert(r, 1, &which), 49);
	assert_int_equal(which, 1);
	which = 99;
	assert_int_equal(tp_diag_rejection_alert(r, r->n_findings, &which),
			 49);
	assert_int_equal(which, r->n_findings);
	tp_report_free(r);
}

/* ---- the server's side ---- */

#define PEER "192.0.2.7:50312"
#define TRUSTED "[CN=Test CA]"
#define UNTOUCHED "untouched"

static const char http_get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
/* length 8, code 80877103 (PostgreSQL's protocol, SSLRequest) */
static const char pg_ssl_request[] = "\x00\x00\x00\x08\x04\xd2\x16\x2f";
static const char smtp_ehlo[] = "EHLO client.example\r\n";
static const char garbage[] = "\x01\x02\x03\x04zz";

struct server_case {
	const char *name;
	/* what the server saw; alert 0: none (a close_notify is
	 * close_notify, not an alert) */
	bool not_tls;
	const char *bytes;
	size_t n_bytes;
	int status;
	int alert_in, alert_out;
	bool close_notify, timed_out, eof;
	int recv_errno, send_errno;
	bool no_hello, offers_ours, cert_rejected;
	const char *cert_error;
	/* what it must make of it: -1 none */
	int code;
	const char *summary;   /* a part of the summary */
	const char *detail;    /* a part of the detail, or NULL */
	bool reason;           /* the account's reason is set */
};

static const struct server_case server_cases[] = {
	/* not TLS: what the first bytes are */
	{.name = "HTTP request", .not_tls = true, .bytes = http_get,
	 .n_bytes = sizeof(http_get) - 1, .code = TP_NOT_TLS,
	 .summary = PEER " sent a plain HTTP request (http:// to a TLS "
		    "port), not TLS",
	 .detail = "first 27 bytes received: 47 45 54 20"},
	{.name = "PostgreSQL SSLRequest", .not_tls = true,
	 .bytes = pg_ssl_request, .n_bytes = 8, .code = TP_NOT_TLS,
	 .summary = "a PostgreSQL SSLRequest",
	 .detail = "first 8 bytes received: 00 00 00 08 04 d2 16 2f"},
	{.name = "SMTP greeting", .not_tls = true, .bytes = smtp_ehlo,
	 .n_bytes = sizeof(smtp_ehlo) - 1, .code = TP_NOT_TLS,
	 .summary = "an SMTP greeting"},
	{.name = "PostgreSQL SSLRequest, cut short", .not_tls = true,
	 .bytes = pg_ssl_request, .n_bytes = 7, .code = TP_NOT_TLS,
	 .summary = PEER " sent bytes that are not a TLS record"},
	{.name = "unknown bytes", .not_tls = true, .bytes = garbage,
	 .n_bytes = sizeof(garbage) - 1, .code = TP_NOT_TLS,
	 .summary = PEER " sent bytes that are not a TLS record"},
	/* silence for the whole --timeout; a port check says nothing */
	{.name = "silence", .not_tls = true, .timed_out = true,
	 .code = TP_HANDSHAKE_TIMEOUT,
	 .summary = PEER " connected and sent nothing for 2.5 s"},
	{.name = "a port check", .not_tls = true, .eof = true, .code = -1},
	/* the client's alerts */
	{.name = "client alert handshake_failure", .alert_in = 40,
	 .code = TP_ALERT_RECEIVED,
	 .summary = "the client " PEER " sent fatal alert "
		    "handshake_failure (40)",
	 .detail = "the alert came after ClientHello was received and "
		   "Certificate was sent"},
	{.name = "client refuses our certificate", .alert_in = 48,
	 .code = TP_ALERT_RECEIVED,
	 .summary = "the client " PEER " refused our certificate: alert "
		    "unknown_ca"},
	{.name = "client alert outside the registry", .alert_in = 250,
	 .code = TP_ALERT_RECEIVED, .summary = "fatal alert unknown (250)",
	 .detail = "outside the IANA registry"},
	{.name = "client refuses our version", .alert_in = 70,
	 .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = "refused the protocol version we chose",
	 .detail = "the client offered TLS1.1, TLS1.0; we accept TLS1.3, "
		   "TLS1.2"},
	{.name = "an alert before a stall", .alert_in = 40, .timed_out = true,
	 .code = TP_ALERT_RECEIVED, .summary = "handshake_failure"},
	/* no version or suite in common */
	{.name = "no shared version", .status = GNUTLS_E_NO_CIPHER_SUITES,
	 .alert_out = 40, .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = PEER " offered no protocol version this server accepts",
	 .detail = "the client offered TLS1.1, TLS1.0; we accept TLS1.3, "
		   "TLS1.2 (priority 'NORMAL'); we sent alert "
		   "handshake_failure"},
	{.name = "no shared version, said so",
	 .status = GNUTLS_E_UNSUPPORTED_VERSION_PACKET, .offers_ours = true,
	 .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = "offered no protocol version", .detail = "(none)"},
	{.name = "no shared suite", .status = GNUTLS_E_NO_CIPHER_SUITES,
	 .offers_ours = true, .code = TP_NO_SHARED_CIPHER,
	 .summary = "offered no cipher suite, group or signature algorithm",
	 .detail = "the client offered 3 suites: 0x000A, 0x002F, …"},
	{.name = "no shared suite, no hello read",
	 .status = GNUTLS_E_NO_CIPHER_SUITES, .no_hello = true,
	 .code = TP_NO_SHARED_CIPHER, .summary = "offered no cipher suite"},
	{.name = "no shared group", .status = GNUTLS_E_NO_COMMON_KEY_SHARE,
	 .code = TP_NO_SHARED_CIPHER, .summary = "offered no cipher suite"},
	/* a client certificate: none, refused, unreadable */
	{.name = "no client certificate",
	 .status = GNUTLS_E_CERTIFICATE_REQUIRED, .alert_out = 116,
	 .code = TP_CLIENT_CERT_REQUIRED,
	 .summary = PEER " sent no client certificate, and this server "
		    "requires one",
	 .detail = "we sent alert certificate_required", .reason = true},
	{.name = "no client certificate (TLS 1.2)",
	 .status = GNUTLS_E_NO_CERTIFICATE_FOUND,
	 .code = TP_CLIENT_CERT_REQUIRED, .summary = "sent no client "
	 "certificate", .detail = "we sent alert (none)", .reason = true},
	{.name = "client certificate refused", .alert_out = 48,
	 .status = GNUTLS_E_CERTIFICATE_ERROR, .cert_rejected = true,
	 .code = -1},
	{.name = "client certificate unreadable", .cert_rejected = true,
	 .alert_out = 42, .cert_error = "ASN1 parser: Error in DER parsing",
	 .code = TP_TLS_HANDSHAKE_FAILED,
	 .summary = "the client certificate cannot be parsed",
	 .detail = "ASN1 parser: Error in DER parsing"},
	/* the client went away, or stopped */
	{.name = "close_notify", .close_notify = true,
	 .status = GNUTLS_E_SESSION_EOF, .code = TP_PEER_CLOSED,
	 .summary = "closed the session with close_notify"},
	{.name = "a stall", .timed_out = true, .status = GNUTLS_E_TIMEDOUT,
	 .code = TP_HANDSHAKE_TIMEOUT,
	 .summary = "the handshake with " PEER " stalled for 2.5 s",
	 .detail = "517 bytes received, 1400 sent"},
	{.name = "a reset", .recv_errno = ECONNRESET,
	 .status = GNUTLS_E_PULL_ERROR, .code = TP_RESET_DURING_HANDSHAKE,
	 .summary = PEER " reset the connection during the handshake"},
	{.name = "a reset seen sending", .send_errno = EPIPE,
	 .code = TP_RESET_DURING_HANDSHAKE, .summary = "reset the connection"},
	{.name = "a FIN", .eof = true,
	 .status = GNUTLS_E_PREMATURE_TERMINATION, .code = TP_PEER_CLOSED,
	 .summary = "closed the connection without an alert"},
	{.name = "premature end", .status = GNUTLS_E_PREMATURE_TERMINATION,
	 .code = TP_PEER_CLOSED, .summary = "without an alert"},
	/* anything else: GnuTLS's words */
	{.name = "other status", .status = GNUTLS_E_DECRYPTION_FAILED,
	 .code = TP_TLS_HANDSHAKE_FAILED,
	 .summary = "the TLS handshake with " PEER " failed: ",
	 .detail = "GnuTLS status GNUTLS_E_DECRYPTION_FAILED"},
};

/* A hello offering only TLS 1.1 and 1.0, three suites, two shown. */
static void old_hello(struct tp_client_hello *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->present = true;
	snprintf(ch->versions[0], sizeof(ch->versions[0]), "TLS1.1");
	snprintf(ch->versions[1], sizeof(ch->versions[1]), "TLS1.0");
	ch->n_versions = 2;
	ch->n_suites = 3;
	snprintf(ch->suite_ids[0], sizeof(ch->suite_ids[0]), "0x000A");
	snprintf(ch->suite_ids[1], sizeof(ch->suite_ids[1]), "0x002F");
	ch->n_suite_ids = 2;
}

static void server_obs(const struct server_case *k,
		       const struct tp_client_hello *ch,
		       struct tp_diag_server_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->peer = PEER;
	o->tls = !k->not_tls;
	o->first_in = (const unsigned char *)k->bytes;
	o->first_in_len = k->n_bytes;
	o->status = k->status;
	o->alert_in = k->alert_in ? k->alert_in : -1;
	o->alert_out = k->alert_out ? k->alert_out : -1;
	o->close_notify_in = k->close_notify;
	o->timed_out = k->timed_out;
	o->eof = k->eof;
	o->recv_errno = k->recv_errno;
	o->send_errno = k->send_errno;
	o->bytes_in = 517;
	o->bytes_out = 1400;
	o->last_in = o->tls ? "ClientHello" : "";
	o->last_out = o->tls ? "Certificate" : "";
	o->hello = k->no_hello ? NULL : ch;
	o->hello_offers_ours = k->offers_ours;
	o->cert_rejected = k->cert_rejected;
	o->cert_error = k->cert_error;
	o->trusted = TRUSTED;
	o->versions = "TLS1.3, TLS1.2";
	o->suites = "2 cipher suites";
	o->timeout_ms = 2500;
}

static void test_diag_server_failure_cases(void **state)
{
	struct tp_client_hello ch;
	size_t i;

	(void)state;
	old_hello(&ch);
	for (i = 0; i < N_ELEMS(server_cases); i++) {
		const struct server_case *k = &server_cases[i];
		struct tp_report *r = tp_report_new("server");
		struct tp_diag_server_obs o;
		const struct tp_finding *f;
		char reason[512] = UNTOUCHED;

		assert_non_null(r);
		server_obs(k, &ch, &o);
		f = tp_diag_server_failure(r, &o, reason, sizeof(reason));
		if (k->code < 0) {
			if (f != NULL || r->n_findings != 0)
				fail_msg("%s: made %s", k->name,
					 tp_code_info(r->findings[0].code)
					 ->name);
			assert_string_equal(reason, UNTOUCHED);
			tp_report_free(r);
			continue;
		}
		if (f == NULL || r->n_findings != 1)
			fail_msg("%s: %zu findings, wanted %s", k->name,
				 r->n_findings, tp_code_info(k->code)->name);
		assert_ptr_equal(f, &r->findings[0]);
		if ((int)f->code != k->code)
			fail_msg("%s: %s, wanted %s", k->name,
				 tp_code_info(f->code)->name,
				 tp_code_info(k->code)->name);
		/* the client's doing, seen from here */
		assert_int_equal(f->side, TP_SIDE_CLIENT);
		if (strstr(f->summary, k->summary) == NULL)
			fail_msg("%s: summary '%s' lacks '%s'", k->name,
				 f->summary, k->summary);
		if (k->detail != NULL &&
		    (f->detail == NULL || strstr(f->detail, k->detail) == NULL))
			fail_msg("%s: detail '%s' lacks '%s'", k->name,
				 f->detail ? f->detail : "(none)", k->detail);
		if (k->reason)
			assert_string_equal(reason, "the client sent no "
					    "certificate and this server "
					    "requires one from " TRUSTED);
		else
			assert_string_equal(reason, UNTOUCHED);
		tp_report_free(r);
	}
}

/* A refusal of our certificate that a fault found before explains:
 * that fault is the diagnosis, and no finding is added. */
static void test_diag_server_failure_own_cert(void **state)
{
	static const enum tp_code faults[] = {TP_WEAK_KEY, TP_CERT_EXPIRED};
	static const struct server_case k = {
		.name = "our certificate expired", .alert_in = 45,
	};
	struct tp_report *r = own_faults(faults, N_ELEMS(faults));
	struct tp_client_hello ch;
	struct tp_diag_server_obs o;
	size_t n = r->n_findings;
	const struct tp_finding *last;

	(void)state;
	old_hello(&ch);
	server_obs(&k, &ch, &o);
	assert_null(tp_diag_server_failure(r, &o, NULL, 0));
	assert_int_equal(r->n_findings, n);
	last = &r->findings[n - 1];
	assert_int_equal(last->code, TP_CERT_EXPIRED);
	assert_int_equal(last->severity, TP_SEV_ERROR);
	assert_non_null(strstr(last->summary, "the client refused our "
			       "certificate (alert certificate_expired)"));
	assert_non_null(strstr(last->detail, "the alert came after we sent "
			       "Certificate"));
	tp_report_free(r);
}

/* The reason is cut to its field at a whole character. */
static void test_diag_server_failure_reason_cut(void **state)
{
	static const char before[] = "the client sent no certificate and "
				     "this server requires one from [CN=";
	static const struct server_case k = {
		.name = "no client certificate",
		.status = GNUTLS_E_CERTIFICATE_REQUIRED,
	};
	struct tp_report *r = tp_report_new("server");
	struct tp_diag_server_obs o;
	char reason[sizeof(before) + 1];  /* room for "\xc3" of "é" */

	(void)state;
	assert_non_null(r);
	server_obs(&k, NULL, &o);
	o.trusted = "[CN=\xc3\xa9t\xc3\xa9]";
	assert_non_null(tp_diag_server_failure(r, &o, reason,
					       sizeof(reason)));
	assert_string_equal(reason, before);
	tp_report_free(r);
}

/* ---- the client's side: tls_failure, one family of causes a case ---- */

#define REMOTE "192.0.2.9:4433"

struct client_case {
	const char *name;
	const char *first_in;  /* the first bytes received, or NULL */
	size_t n_first;
	int alert;             /* 0: none */
	bool hello, sent_cert, cert_requested;
	bool timed_out, eof;
	int recv_errno, send_errno;
	size_t bytes_in;
	int status;
	int retry;             /* 1: the retry without SNI completed,
				* 2: the one with a small MSS */
	enum tp_code code;
	const char *summary;   /* a part of the summary */
};

static const struct client_case client_cases[] = {
	/* bytes that are not TLS, an SSL 2.0 answer */
	{.name = "HTTP answer", .first_in = "HTTP/1.1 400 Bad Request\r\n",
	 .n_first = 26, .code = TP_NOT_TLS, .summary = "HTTP"},
	{.name = "SSL 2.0 SERVER-HELLO", .first_in = "\x80\x2e\x04\x00",
	 .n_first = 4, .status = GNUTLS_E_UNEXPECTED_PACKET,
	 .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = REMOTE " answered in SSL 2.0"},
	/* alerts */
	{.name = "protocol_version", .alert = 70,
	 .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = "refused every protocol version we offered"},
	{.name = "handshake_failure before any ServerHello", .alert = 40,
	 .sent_cert = true, .code = TP_NO_SHARED_CIPHER,
	 .summary = "no cipher suite or group in common"},
	{.name = "insufficient_security before any ServerHello",
	 .alert = 71, .code = TP_NO_SHARED_CIPHER,
	 .summary = "no cipher suite or group in common"},
	{.name = "unknown_ca after our Certificate", .alert = 48,
	 .hello = true, .sent_cert = true, .code = TP_CLIENT_CERT_REJECTED,
	 .summary = "it does not trust the CA that issued it"},
	{.name = "handshake_failure after our Certificate", .alert = 40,
	 .hello = true, .sent_cert = true, .code = TP_CLIENT_CERT_REJECTED,
	 .summary = "the server refused our certificate"},
	{.name = "decrypt_error after our Certificate", .alert = 51,
	 .hello = true, .sent_cert = true, .code = TP_CLIENT_CERT_REJECTED,
	 .summary = "our signature did not verify"},
	{.name = "certificate_revoked after our Certificate", .alert = 44,
	 .hello = true, .sent_cert = true, .code = TP_CLIENT_CERT_REJECTED,
	 .summary = "revoked"},
	{.name = "insufficient_security after our Certificate", .alert = 71,
	 .hello = true, .sent_cert = true, .code = TP_ALERT_RECEIVED,
	 .summary = "sent fatal alert insufficient_security (71)"},
	{.name = "unknown_ca without a Certificate of ours", .alert = 48,
	 .hello = true, .code = TP_ALERT_RECEIVED,
	 .summary = "sent fatal alert unknown_ca (48)"},
	{.name = "certificate_required", .alert = 116, .hello = true,
	 .cert_requested = true, .code = TP_CLIENT_CERT_REQUIRED,
	 .summary = "requires a client certificate and we sent none"},
	{.name = "handshake_failure for no certificate", .alert = 40,
	 .hello = true, .cert_requested = true,
	 .code = TP_CLIENT_CERT_REQUIRED, .summary = "we sent none"},
	{.name = "unrecognized_name", .alert = 112, .hello = true,
	 .cert_requested = true, .code = TP_ALERT_RECEIVED,
	 .summary = "unrecognized_name (112)"},
	/* the transport */
	{.name = "a stall", .timed_out = true, .bytes_in = 90,
	 .code = TP_HANDSHAKE_TIMEOUT, .summary = "stalled for 2.5 s"},
	{.name = "a stall that goes without SNI", .timed_out = true,
	 .retry = 1, .code = TP_SNI_FILTERED,
	 .summary = "with server name 'x.test'"},
	{.name = "a stall that goes with a small MSS", .timed_out = true,
	 .retry = 2, .code = TP_PMTU_BLACKHOLE,
	 .summary = "stalls with full-size segments"},
	{.name = "a reset after the ClientHello", .recv_errno = ECONNRESET,
	 .code = TP_RESET_DURING_HANDSHAKE,
	 .summary = "reset the connection right after our ClientHello"},
	{.name = "a reset seen sending", .send_errno = EPIPE, .bytes_in = 90,
	 .code = TP_RESET_DURING_HANDSHAKE,
	 .summary = "reset the connection during the handshake"},
	{.name = "a FIN", .eof = true, .send_errno = EPIPE,
	 .code = TP_PEER_CLOSED, .summary = "without an alert right after"},
	/* GnuTLS's own status */
	{.name = "a version not offered",
	 .status = GNUTLS_E_UNSUPPORTED_VERSION_PACKET,
	 .code = TP_PROTOCOL_VERSION_MISMATCH,
	 .summary = "chose a protocol version we do not allow"},
	{.name = "a group not offered", .status = GNUTLS_E_NO_COMMON_KEY_SHARE,
	 .code = TP_NO_SHARED_CIPHER, .summary = "chose parameters"},
	{.name = "close_notify", .status = GNUTLS_E_SESSION_EOF,
	 .bytes_in = 90, .code = TP_PEER_CLOSED,
	 .summary = "close_notify during the handshake"},
	{.name = "key usage", .status = GNUTLS_E_KEY_USAGE_VIOLATION,
	 .code = TP_BAD_KEY_USAGE, .summary = "forbids its use"},
	{.name = "anything else", .status = GNUTLS_E_DECRYPTION_FAILED,
	 .code = TP_TLS_HANDSHAKE_FAILED,
	 .summary = "the TLS handshake with " REMOTE " failed: "},
};

static void client_obs(const struct client_case *k, struct tp_tls_obs *o)
{
	memset(o, 0, sizeof(*o));
	if (k->first_in != NULL)
		memcpy(o->first_in, k->first_in, k->n_first);
	o->first_in_len = k->n_first;
	o->alert_in = k->alert ? k->alert : -1;
	o->warning_in = -1;
	o->saw_server_hello = k->hello;
	o->sent_cert = k->sent_cert;
	o->cert_requested = k->cert_requested;
	o->timed_out = k->timed_out;
	o->eof = k->eof;
	o->recv_errno = k->recv_errno;
	o->send_errno = k->send_errno;
	o->bytes_in = k->bytes_in;
	o->bytes_out = 300;
	o->status = k->status;
	snprintf(o->last_out, sizeof(o->last_out), "ClientHello");
}

static void test_diag_tls_failure_families(void **state)
{
	struct tp_tls_obs done;
	size_t i;

	(void)state;
	memset(&done, 0, sizeof(done));
	done.alert_in = -1;
	done.handshake_done = true;
	snprintf(done.hello_version, sizeof(done.hello_version), "TLS1.3");
	for (i = 0; i < N_ELEMS(client_cases); i++) {
		const struct client_case *k = &client_cases[i];
		struct tp_report *r = tp_report_new("client");
		struct tp_diag_ctx ctx = {
			.remote = REMOTE, .sni = "x.test",
			.priority = "NORMAL",
			.offered_versions = "TLS1.3, TLS1.2",
			.offered_suites = "2 cipher suites",
			.our_subject = "CN=node1", .our_issuer = "CN=CA2",
			.timeout_ms = 2500, .first_mss = 1460,
			.retry_mss = 536,
		};
		struct tp_tls_obs o;
		const struct tp_finding *f;

		assert_non_null(r);
		client_obs(k, &o);
		if (k->retry == 1)
			ctx.sni_retry = &done;
		if (k->retry == 2)
			ctx.mss_retry = &done;
		f = tp_diag_tls_failure(r, &o, &ctx);
		if (f == NULL || r->n_findings != 1)
			fail_msg("%s: %zu findings, wanted %s", k->name,
				 r->n_findings, tp_code_info(k->code)->name);
		if (f->code != k->code)
			fail_msg("%s: %s, wanted %s", k->name,
				 tp_code_info(f->code)->name,
				 tp_code_info(k->code)->name);
		if (strstr(f->summary, k->summary) == NULL)
			fail_msg("%s: summary '%s' lacks '%s'", k->name,
				 f->summary, k->summary);
		tp_report_free(r);
	}
}

/* The refusal alerts of diag.c's one table, as each side reads them:
 * every alert number, so that one added to a side shows here. */
static void test_diag_refusal_alerts(void **state)
{
	static const int from_server[] = {40, 42, 43, 44, 45, 46, 48, 49, 51};
	static const int from_client[] = {42, 43, 44, 45, 46, 48, 49};
	int alert;
	size_t i;

	(void)state;
	for (alert = -1; alert < 256; alert++) {
		bool want_s = false, want_c = false;

		for (i = 0; i < N_ELEMS(from_server); i++)
			want_s = want_s || from_server[i] == alert;
		for (i = 0; i < N_ELEMS(from_client); i++)
			want_c = want_c || from_client[i] == alert;
		if (tp_diag_refusal_alert(alert, TP_SIDE_SERVER) != want_s ||
		    tp_diag_refusal_alert(alert, TP_SIDE_CLIENT) != want_c)
			fail_msg("alert %d: from a server %d, from a client "
				 "%d", alert,
				 tp_diag_refusal_alert(alert, TP_SIDE_SERVER),
				 tp_diag_refusal_alert(alert, TP_SIDE_CLIENT));
		assert_false(tp_diag_refusal_alert(alert, TP_SIDE_PATH));
		assert_false(tp_diag_refusal_alert(alert, TP_SIDE_LOCAL));
	}
}

/* The server's side reads a client's decrypt_error and
 * handshake_failure as alerts like any other, bad_certificate as a
 * refusal of our certificate (the table's client column). */
static void test_diag_server_refusal_alerts(void **state)
{
	static const struct {
		int alert;
		const char *summary;
	} cases[] = {
		{42, "refused our certificate: alert bad_certificate"},
		{46, "refused our certificate: alert certificate_unknown"},
		{44, "refused our certificate: alert certificate_revoked"},
		{51, "sent fatal alert decrypt_error (51)"},
		{40, "sent fatal alert handshake_failure (40)"},
		{71, "sent fatal alert insufficient_security (71)"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct server_case k = {.name = "refusal"};
		struct tp_report *r = tp_report_new("server");
		struct tp_diag_server_obs o;
		const struct tp_finding *f;

		assert_non_null(r);
		k.alert_in = cases[i].alert;
		server_obs(&k, NULL, &o);
		f = tp_diag_server_failure(r, &o, NULL, 0);
		assert_non_null(f);
		assert_int_equal(f->code, TP_ALERT_RECEIVED);
		if (strstr(f->summary, cases[i].summary) == NULL)
			fail_msg("alert %d: summary '%s' lacks '%s'",
				 cases[i].alert, f->summary, cases[i].summary);
		tp_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_own_cert_refused_cases),
		cmocka_unit_test(test_diag_own_cert_refused_only_local_warnings),
		cmocka_unit_test(test_diag_own_cert_refused_table),
		cmocka_unit_test(test_diag_rejection_alert_cases),
		cmocka_unit_test(test_diag_rejection_alert_no_error),
		cmocka_unit_test(test_diag_server_failure_cases),
		cmocka_unit_test(test_diag_server_failure_own_cert),
		cmocka_unit_test(test_diag_server_failure_reason_cut),
		cmocka_unit_test(test_diag_tls_failure_families),
		cmocka_unit_test(test_diag_refusal_alerts),
		cmocka_unit_test(test_diag_server_refusal_alerts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
