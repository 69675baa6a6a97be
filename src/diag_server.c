/*
 * The server's side of the diagnosis: what a tlsprobe server saw of a
 * connection that brought no handshake (struct tp_diag_server_obs,
 * filled by server.c) to the finding that says why, in the client's
 * terms. The alerts of a refused certificate are read with diag.c's
 * table, as on the client's side.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "registry.h"

static const char *alert_name(int desc)
{
	const struct tp_alert_info *a = tp_registry_alert(desc);

	return a != NULL ? a->name : "unknown";
}

/* The hello as the report has it; an empty one when none was read. */
static const struct tp_client_hello *hello_of(
	const struct tp_diag_server_obs *o)
{
	static const struct tp_client_hello none;

	return o->hello != NULL ? o->hello : &none;
}

static const char *or_nothing(const char *msg)
{
	return msg != NULL && msg[0] != '\0' ? msg : "nothing";
}

/* Formats the reason into a fixed field; a cut that splits a UTF-8
 * character drops the part. */
static void set_reason(char *out, size_t size, const char *fmt, ...)
	TP_PRINTF(3, 4);
static void set_reason(char *out, size_t size, const char *fmt, ...)
{
	char full[2048];
	va_list ap;
	size_t n;

	if (out == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	n = tp_utf8_prefix(full, size - 1);
	memcpy(out, full, n);
	out[n] = '\0';
}

static struct tp_finding *client_finding(struct tp_report *r,
					 enum tp_code code,
					 const char *fmt, ...) TP_PRINTF(3, 4);
static struct tp_finding *client_finding(struct tp_report *r,
					 enum tp_code code,
					 const char *fmt, ...)
{
	struct tp_finding *f;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	f = tp_report_finding(r, code, "%s", text ? text : "?");
	free(text);
	if (f != NULL)
		f->side = TP_SIDE_CLIENT;
	return f;
}

/* "TLS1.2, TLS1.1" from the hello, for the evidence of a mismatch. */
static void offered_versions(const struct tp_client_hello *ch, char *buf,
			     size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < ch->n_versions && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? ", " : "", ch->versions[i]);
	if (!ch->present)
		snprintf(buf, size, "(no ClientHello could be read)");
}

static void offered_suites(const struct tp_client_hello *ch, char *buf,
			   size_t size)
{
	size_t i, used;

	used = (size_t)snprintf(buf, size, "%u suites", ch->n_suites);
	for (i = 0; i < ch->n_suite_ids && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? ", " : ": ", ch->suite_ids[i]);
	if (ch->n_suites > ch->n_suite_ids && used < size)
		snprintf(buf + used, size - used, ", …");
}

/* What a client's bytes look like when they are not TLS. */
static const char *guess_client_protocol(const unsigned char *b, size_t n)
{
	static const struct {
		const char *prefix;
		const char *what;
	} table[] = {
		{"GET ", "a plain HTTP request (http:// to a TLS port)"},
		{"POST ", "a plain HTTP request (http:// to a TLS port)"},
		{"HEAD ", "a plain HTTP request (http:// to a TLS port)"},
		{"PUT ", "a plain HTTP request (http:// to a TLS port)"},
		{"OPTIONS ", "a plain HTTP request (http:// to a TLS port)"},
		{"CONNECT ", "an HTTP proxy request"},
		{"PRI * HTTP/2", "an HTTP/2 cleartext preface"},
		{"SSH-", "an SSH client banner"},
		{"EHLO ", "an SMTP greeting (the client expects plaintext "
			  "SMTP: use implicit TLS on the client, or STARTTLS)"},
		{"HELO ", "an SMTP greeting (the client expects plaintext "
			  "SMTP: use implicit TLS on the client, or STARTTLS)"},
		{"TLSPROBE/", "a side-channel line of another protocol "
			      "version"},
	};
	size_t i, k;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		k = strlen(table[i].prefix);
		if (n >= k && memcmp(b, table[i].prefix, k) == 0)
			return table[i].what;
	}
	/* PostgreSQL SSLRequest: length 8, code 80877103 */
	if (n >= 8 && memcmp(b, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8) == 0)
		return "a PostgreSQL SSLRequest (the client asks for TLS "
		       "inside the PostgreSQL protocol)";
	return NULL;
}

/* A connection whose first bytes were no TLS record. */
static struct tp_finding *not_tls(struct tp_report *r,
				  const struct tp_diag_server_obs *o)
{
	const char *what = guess_client_protocol(o->first_in,
						 o->first_in_len);
	struct tp_finding *f;
	char hexdump[128];

	tp_diag_hexdump(o->first_in, o->first_in_len, hexdump,
			sizeof(hexdump));
	if (what != NULL)
		f = client_finding(r, TP_NOT_TLS, "%s sent %s, not TLS",
				   o->peer, what);
	else
		f = client_finding(r, TP_NOT_TLS, "%s sent bytes that are not "
				   "a TLS record", o->peer);
	tp_finding_detail(f, "first %zu bytes received: %s", o->first_in_len,
			  hexdump);
	tp_finding_fix(f, "point the client at this port with TLS on "
		       "(https://, implicit TLS), or at the plaintext port "
		       "it expects");
	return f;
}

/* A connection that stayed silent for the whole --timeout. */
static struct tp_finding *silent(struct tp_report *r,
				 const struct tp_diag_server_obs *o)
{
	struct tp_finding *f;

	f = client_finding(r, TP_HANDSHAKE_TIMEOUT, "%s connected and sent "
			   "nothing for %.1f s", o->peer,
			   o->timeout_ms / 1000);
	tp_finding_detail(f, "TCP is up; a TLS client speaks first, with its "
			  "ClientHello: this one waits, as a client of a "
			  "protocol where the server speaks first would "
			  "(SMTP, FTP, IMAP: STARTTLS)");
	tp_finding_fix(f, "check the client's TLS setting for this port "
		       "(implicit TLS, not STARTTLS)");
	return f;
}

/* An empty Certificate where this server requires one. */
static struct tp_finding *no_client_cert(struct tp_report *r,
					 const struct tp_diag_server_obs *o,
					 char *reason, size_t size)
{
	struct tp_finding *f;

	f = client_finding(r, TP_CLIENT_CERT_REQUIRED, "%s sent no client "
			   "certificate, and this server requires one",
			   o->peer);
	tp_finding_detail(f, "we sent a CertificateRequest naming %s; the "
			  "client answered with an empty Certificate; we "
			  "sent alert %s", o->trusted, o->alert_out >= 0
			  ? alert_name(o->alert_out) : "(none)");
	tp_finding_fix(f, "give the client a certificate and key issued by "
		       "one of %s (tlsprobe client --cert … --key …)",
		       o->trusted);
	set_reason(reason, size, "the client sent no certificate and this "
		   "server requires one from %s", o->trusted);
	return f;
}

/* A fatal alert from the client. */
static struct tp_finding *from_client_alert(struct tp_report *r,
					    const struct tp_diag_server_obs *o)
{
	const struct tp_alert_info *a = tp_registry_alert(o->alert_in);
	const char *last_in = or_nothing(o->last_in);
	const char *last_out = or_nothing(o->last_out);
	int d = o->alert_in;
	struct tp_finding *f;
	char offer[512];

	if (d == 70) {
		offered_versions(hello_of(o), offer, sizeof(offer));
		f = client_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
				   "refused the protocol version we chose "
				   "(alert protocol_version)", o->peer);
		tp_finding_detail(f, "the client offered %s; we accept %s",
				  offer, o->versions);
		return f;
	}
	if (tp_diag_refusal_alert(d, TP_SIDE_CLIENT)) {
		/* a fault of our own chain that the alert points to is the
		 * diagnosis, with the fix for this side */
		f = tp_diag_own_cert_refused(r, d, "the client");
		if (f != NULL) {
			tp_finding_append_detail(f, "; ", "the alert came "
						 "after we sent %s", last_out);
			return NULL;
		}
		f = client_finding(r, TP_ALERT_RECEIVED, "the client %s "
				   "refused our certificate: alert %s",
				   o->peer, alert_name(d));
		tp_finding_detail(f, "%s; it came after we sent %s%s",
				  a->meaning, last_out, o->alert_in_plaintext
				  ? ", in plaintext (the client had not yet "
				  "switched to its handshake keys)" : "");
		tp_finding_fix(f, "give the client the CA that issued this "
			       "server's certificate (its --ca or trust "
			       "store), or present a chain it trusts; check "
			       "the name it dials against the certificate's "
			       "names");
		return f;
	}
	f = client_finding(r, TP_ALERT_RECEIVED, "the client %s sent fatal "
			   "alert %s (%d)", o->peer, a ? a->name : "unknown",
			   d);
	tp_finding_detail(f, "%s; the alert came after %s was received and "
			  "%s was sent", a ? a->meaning : "an alert number "
			  "outside the IANA registry", last_in, last_out);
	tp_finding_fix(f, "look at the client's log for the reason it sent "
		       "this alert");
	return f;
}

static bool client_reset(const struct tp_diag_server_obs *o)
{
	return o->recv_errno == ECONNRESET || o->send_errno == ECONNRESET ||
	       o->send_errno == EPIPE;
}

/* Whether the client closed, stalled or reset. */
static bool transport_ended(const struct tp_diag_server_obs *o)
{
	return o->close_notify_in || o->timed_out || client_reset(o) ||
	       o->eof || o->status == GNUTLS_E_PREMATURE_TERMINATION;
}

/* The client closed, stalled or reset (transport_ended). */
static struct tp_finding *from_transport(struct tp_report *r,
					 const struct tp_diag_server_obs *o)
{
	const char *last_in = or_nothing(o->last_in);
	const char *last_out = or_nothing(o->last_out);
	struct tp_finding *f;

	if (o->close_notify_in) {
		f = client_finding(r, TP_PEER_CLOSED, "%s closed the session "
				   "with close_notify during the handshake",
				   o->peer);
		tp_finding_detail(f, "a close_notify alert, the client "
				  "closing and not an error alert (RFC 8446 "
				  "section 6.1); last received: %s; last sent: "
				  "%s", last_in, last_out);
		tp_finding_fix(f, "look at the client's log: a client that "
			       "gives up on our certificate or parameters "
			       "may close without saying why");
		return f;
	}
	if (o->timed_out) {
		f = client_finding(r, TP_HANDSHAKE_TIMEOUT, "the handshake "
				   "with %s stalled for %.1f s", o->peer,
				   o->timeout_ms / 1000);
		tp_finding_detail(f, "last received: %s; last sent: %s; %zu "
				  "bytes received, %zu sent", last_in, last_out,
				  o->bytes_in, o->bytes_out);
		tp_finding_fix(f, "look at the client's side: a client that "
			       "stops answering mid-handshake is often "
			       "waiting for a user, or its packets are lost "
			       "on the path");
		return f;
	}
	if (client_reset(o)) {
		f = client_finding(r, TP_RESET_DURING_HANDSHAKE, "%s reset the "
				   "connection during the handshake", o->peer);
		tp_finding_detail(f, "%s; last received: %s; last sent: %s",
				  strerror(o->recv_errno ? o->recv_errno
					   : o->send_errno), last_in, last_out);
		tp_finding_fix(f, "look at the client's log: clients reset "
			       "when they give up on our certificate or "
			       "parameters; a middlebox can reset too");
		return f;
	}
	f = client_finding(r, TP_PEER_CLOSED, "%s closed the connection "
			   "without an alert during the handshake", o->peer);
	tp_finding_detail(f, "FIN received; last received: %s; last sent: %s",
			  last_in, last_out);
	tp_finding_fix(f, "look at the client's log: a client that does not "
		       "trust our certificate may close without saying why");
	return f;
}

/* What GnuTLS's status says was not in common; the status itself when
 * it names nothing we know. */
static struct tp_finding *from_status(struct tp_report *r,
				      const struct tp_diag_server_obs *o)
{
	const struct tp_client_hello *ch = hello_of(o);
	const char *priority = o->priority ? o->priority : "NORMAL";
	struct tp_finding *f;
	int status = o->status;
	char offer[512], messages[320];

	switch (status) {
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
		/* GnuTLS says "no cipher suites" when no version is in
		 * common: the suites of the versions it accepts are not
		 * there. The hello says which it was. */
		if (status != GNUTLS_E_UNSUPPORTED_VERSION_PACKET &&
		    (!ch->present || o->hello_offers_ours))
			goto no_cipher;
		offered_versions(ch, offer, sizeof(offer));
		f = client_finding(r, TP_PROTOCOL_VERSION_MISMATCH, "%s "
				   "offered no protocol version this server "
				   "accepts", o->peer);
		tp_finding_detail(f, "the client offered %s; we accept %s "
				  "(priority '%s'); we sent alert %s", offer,
				  o->versions, priority, o->alert_out >= 0
				  ? alert_name(o->alert_out) : "(none)");
		return f;
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
	case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
	case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
no_cipher:
		offered_suites(ch, offer, sizeof(offer));
		f = client_finding(r, TP_NO_SHARED_CIPHER, "%s offered no "
				   "cipher suite, group or signature algorithm "
				   "this server can use with its certificate",
				   o->peer);
		tp_finding_detail(f,
				  "GnuTLS: %s (%s); the client offered %s; "
				  "we accept %s (priority '%s')",
				  gnutls_strerror(status),
				  gnutls_strerror_name(status), offer,
				  o->suites, priority);
		return f;
	default:
		break;
	}
	snprintf(messages, sizeof(messages), "last received: %s; last sent: "
		 "%s", or_nothing(o->last_in), or_nothing(o->last_out));
	return tp_diag_handshake_failed(r, o->peer, status, messages);
}

const struct tp_finding *tp_diag_server_failure(
	struct tp_report *r, const struct tp_diag_server_obs *o,
	char *reason, size_t size)
{
	struct tp_finding *f;
	int status = o->status;

	if (!o->tls) {
		if (o->first_in_len > 0)
			return not_tls(r, o);
		/* gone before saying anything: a port check, not a
		 * client; silent until the --timeout: one that waits */
		return o->timed_out ? silent(r, o) : NULL;
	}
	if (o->cert_error != NULL) {
		f = client_finding(r, TP_TLS_HANDSHAKE_FAILED, "the client "
				   "certificate cannot be parsed");
		tp_finding_detail(f, "%s", o->cert_error);
		return f;
	}
	if (o->cert_rejected)
		return NULL;  /* the chain check said why, in detail */
	if (status == GNUTLS_E_NO_CERTIFICATE_FOUND ||
	    status == GNUTLS_E_CERTIFICATE_REQUIRED)
		return no_client_cert(r, o, reason, size);
	if (o->alert_in >= 0)
		return from_client_alert(r, o);
	if (transport_ended(o))
		return from_transport(r, o);
	return from_status(r, o);
}
