/*
 * The plaintext preludes that come before TLS on a STARTTLS port: SMTP
 * (RFC 3207), IMAP (RFC 3501), POP3 (RFC 2595), FTP (RFC 4217), XMPP
 * (RFC 6120), PostgreSQL (SSLRequest) and LDAP (StartTLS extended
 * operation, RFC 4511). Internal to libtlsprobe.
 *
 * Every read is bounded (a reply line or message over 4 KiB is a
 * protocol error) and every step ends by the caller's deadline.
 */
#ifndef TP_STARTTLS_H
#define TP_STARTTLS_H

#include <signal.h>
#include <stdbool.h>

enum tp_starttls {
	TP_STARTTLS_NONE,
	TP_STARTTLS_SMTP,
	TP_STARTTLS_IMAP,
	TP_STARTTLS_POP3,
	TP_STARTTLS_FTP,
	TP_STARTTLS_XMPP,
	TP_STARTTLS_POSTGRES,
	TP_STARTTLS_LDAP,
};

/* "smtp" → TP_STARTTLS_SMTP; -1 for an unknown name. */
int tp_starttls_parse(const char *name, enum tp_starttls *out);
const char *tp_starttls_name(enum tp_starttls proto);
/* The usual port: 25 (smtp), 143, 110, 21, 5222, 5432, 389. */
unsigned tp_starttls_default_port(enum tp_starttls proto);

enum tp_starttls_status {
	TP_STARTTLS_OK,        /* the server is ready for the ClientHello */
	TP_STARTTLS_REFUSED,   /* it answered, but not with "go ahead" (no
				* STARTTLS capability, a 5xx, 'N' …) */
	TP_STARTTLS_BUSY,      /* a temporary refusal: SMTP 421, FTP 421 */
	TP_STARTTLS_TIMEOUT,   /* the deadline passed waiting for it */
	TP_STARTTLS_CLOSED,    /* it closed the connection */
	TP_STARTTLS_RESET,     /* the connection was reset */
	TP_STARTTLS_PROTOCOL,  /* it answered with something that is not the
				* protocol (a TLS record, binary, a line too
				* long) */
	TP_STARTTLS_CANCELLED, /* the caller's stop flag was set */
};

struct tp_starttls_result {
	enum tp_starttls_status status;
	char step[32];         /* "greeting", "EHLO", "STARTTLS", … */
	char reply[256];       /* the server's last reply, raw bytes cut at
				* the first line end (sanitise before use) */
	double ms;             /* time the prelude took */
};

/*
 * Runs the prelude for proto on a connected socket (blocking or not;
 * it is polled) until the server is ready for TLS or deadline_ms
 * (tp_now_ms() clock) passes, or *stop is set (stop may be NULL). host
 * is XMPP's 'to' domain; SMTP's EHLO names us as "tlsprobe.invalid".
 * Returns 0 when the prelude succeeded, -1 otherwise; res says how
 * either way.
 */
int tp_starttls_run(int fd, enum tp_starttls proto, const char *host,
		    double deadline_ms, volatile sig_atomic_t *stop,
		    struct tp_starttls_result *res);

/* One line for a report: "SMTP server refused STARTTLS at EHLO: 502 …"
 * (sanitised), written into buf. */
const char *tp_starttls_describe(const struct tp_starttls_result *res,
				 enum tp_starttls proto, char *buf,
				 unsigned size);
/* The same line with the server's reply raw, for the report's setters,
 * which sanitise what they store: text is escaped once, where it enters
 * the report. A buf of 512 bytes holds the whole reply and the words
 * around it, so that no character is cut in two. */
const char *tp_starttls_describe_raw(const struct tp_starttls_result *res,
				     enum tp_starttls proto, char *buf,
				     unsigned size);

#endif
