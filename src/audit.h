/*
 * The audit's checks (audit.c and audit_*.c): what a check gets and the
 * calls every check makes. Internal to libtlsprobe.
 *
 * A check is one function that makes its own connections through
 * tp_audit_connect (gated, counted, bounded by deadlines, the STARTTLS
 * prelude done) and ends with exactly one tp_audit_result. Where it
 * proves a fault it adds the finding itself: the check is the one place
 * that decides its code.
 */
#ifndef TP_AUDIT_H
#define TP_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "proxy.h"
#include "starttls.h"
#include "tlsprobe.h"

struct tp_audit {
	const struct tp_audit_opts *o;
	struct tp_report *r;          /* the cipher audit's results in
				       * r->scan, its leaf in r->certs */
	struct sockaddr_storage addr; /* the address every probe went to */
	socklen_t addr_len;
	char where[80];               /* "192.0.2.1:443" */
	const char *host;             /* as given (a name or a literal) */
	const char *sni;              /* what the audit sent; NULL: none */
	enum tp_starttls starttls;
	double timeout_ms;            /* each step (--timeout) */
	double deadline;              /* every check's end (tp_now_ms) */
	bool speaks[5];               /* accepted: SSL 3.0 … TLS 1.3 */
	uint16_t best;                /* the newest version accepted; 0 none */
	unsigned connections;         /* the checks' so far */
	/* the check running: its name, and its connections at its start */
	const char *check;
	unsigned check_start;
	bool answered;                /* it gave its result */
	char sni_buf[256];
	struct tp_proxy_route route;  /* through a proxy: each connection
				       * a tunnel of its own */
};

/* The result of the check running: exactly one per check. */
void tp_audit_result(struct tp_audit *a, enum tp_check_status status,
		     enum tp_check_support supported, const char *fmt, ...)
	TP_PRINTF(4, 5);

/*
 * A TCP connection to the audited address, through the run's gate, the
 * STARTTLS prelude done: 0 and *fd, or -1 with why (a sentence) when it
 * could not be made, the budget is spent or the deadline passed. Close
 * it with tp_audit_close.
 */
int tp_audit_connect(struct tp_audit *a, int *fd, char *why, size_t why_len);
void tp_audit_close(struct tp_audit *a, int fd);
/* The deadline of the next step: --timeout from now, never past the
 * checks' end (tp_now_ms clock). */
double tp_audit_step(const struct tp_audit *a);
/*
 * Drives gnutls_handshake on s, whose transport is the non-blocking fd,
 * until it ends or deadline (tp_now_ms clock): 0, GnuTLS's error, or
 * GNUTLS_E_TIMEDOUT when the deadline or a stop came first. Up to
 * warnings warning alerts are borne (0: the first one ends it, as a
 * refused renegotiation does), and the application data a server that
 * greets first sends (IMAPS, POP3S, implicit FTPS) is read past, up to
 * 64 KiB; a peer that always has more to send still ends by deadline.
 */
int tp_audit_handshake(const struct tp_audit *a, gnutls_session_t s, int fd,
		       double deadline, unsigned warnings);
/* What an audit's handshake bears unless it says otherwise. */
#define TP_AUDIT_WARNINGS 16
/* Whether the cipher audit found version (0x0300 … 0x0304) accepted. */
bool tp_audit_speaks(const struct tp_audit *a, uint16_t version);
/* Whether the audit was asked to stop (a signal, the fleet's end) or
 * ran out of time. */
bool tp_audit_stopped(const struct tp_audit *a);

/* The checks, in the order they run (audit.c's table). */
void tp_audit_heartbleed(struct tp_audit *a);
void tp_audit_ccs_injection(struct tp_audit *a);
void tp_audit_ticketbleed(struct tp_audit *a);
void tp_audit_compression(struct tp_audit *a);
void tp_audit_fallback_scsv(struct tp_audit *a);
void tp_audit_sslv2(struct tp_audit *a);
void tp_audit_robot(struct tp_audit *a);
void tp_audit_secure_renegotiation(struct tp_audit *a);
void tp_audit_client_renegotiation(struct tp_audit *a);
void tp_audit_poodle(struct tp_audit *a);
void tp_audit_sweet32(struct tp_audit *a);
void tp_audit_freak(struct tp_audit *a);
void tp_audit_logjam(struct tp_audit *a);
void tp_audit_beast(struct tp_audit *a);
void tp_audit_lucky13(struct tp_audit *a);
void tp_audit_resumption_id(struct tp_audit *a);
void tp_audit_resumption_ticket(struct tp_audit *a);
void tp_audit_early_data(struct tp_audit *a);
void tp_audit_extended_master_secret(struct tp_audit *a);
void tp_audit_encrypt_then_mac(struct tp_audit *a);
void tp_audit_heartbeat(struct tp_audit *a);
void tp_audit_alpn(struct tp_audit *a);
void tp_audit_default_certificate(struct tp_audit *a);
void tp_audit_aia(struct tp_audit *a);
void tp_audit_ocsp_stapling(struct tp_audit *a);
void tp_audit_revocation(struct tp_audit *a);
void tp_audit_sct(struct tp_audit *a);

#endif
