/* The cipher audit's raw answers: reading one server's answer to one raw
 * ClientHello, and what it amounts to. Internal to the cipher audit
 * (ciphers.c, ciphers_report.c). */
#ifndef TP_CIPHERS_ANSWER_H
#define TP_CIPHERS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct vstate;

enum answer_kind {
	ANS_ACCEPT,    /* ServerHello or HelloRetryRequest */
	ANS_REFUSE,    /* an alert that says no (handshake_failure,
			* protocol_version, insufficient_security), or a
			* clean close before any answer */
	ANS_ALERT,     /* any other fatal alert before an answer, or a
			* storm of warnings */
	ANS_LOWER,     /* a ServerHello for a lower version than offered */
	ANS_RESET,
	ANS_TIMEOUT,
	ANS_CONNECT,   /* the TCP connection (or STARTTLS) failed */
	ANS_BUSY,      /* STARTTLS: a temporary refusal (421) */
	ANS_NOT_TLS,
	ANS_VIOLATION, /* something TLS forbids */
	ANS_BUDGET,    /* the connection budget is spent */
	ANS_STOPPED,   /* interrupted, a fatal answer elsewhere, or the
			* audit's --max-time reached */
};

struct answer {
	enum answer_kind kind;
	struct tp_wire_server_hello sh;
	bool has_kx;
	struct tp_wire_server_kx kx;
	uint8_t alert;
	bool has_alert;
	uint8_t *leaf;          /* DER of the leaf, when asked for */
	size_t leaf_len;
	bool stalled;           /* a ServerHello, then not the rest of the
				 * flight the probe needed within --timeout */
	char detail[512];       /* raw: sanitised where it enters the report */
};

struct hello {
	uint16_t version;
	const uint16_t *suites;
	size_t n_suites;
	const uint16_t *groups;
	size_t n_groups;
	const uint16_t *sigs;
	size_t n_sigs;
	bool empty_share;       /* TLS 1.3: no key share (ask for an HRR) */
	bool want_leaf;
	int purpose;            /* what it counts towards: 0 suites,
				 * 1 groups, 2 signature algorithms */
	struct vstate *vs;      /* whose part was cut when the audit's
				 * deadline stops the probe */
};

/* How one answer is read: to what, by when, and how the audit's own
 * end is told from the server's silence. */
struct answer_reading {
	const struct hello *h;                   /* the hello sent ... */
	const struct tp_wire_client_hello *sent; /* ... as it went out */
	double deadline;        /* tp_now_ms() clock: every step's end */
	double timeout_ms;      /* --timeout, for the wording */
	bool hello_only;        /* the ServerHello and no more */
	/* true when the audit's own end has come (a wait that runs out is
	 * then not the server's doing) */
	bool (*out_of_time)(void *arg);
	void *arg;
};

/*
 * Reads the server's answer on fd with rd until the probe has what it
 * needs, and no longer, and fills a (a->kind as it stands when nothing
 * at all is read by the deadline is the caller's: ANS_TIMEOUT).
 */
void tp_ciphers_read_answer(const struct answer_reading *how, int fd,
			    struct tp_wire_reader *rd, struct answer *a);

/* "internal_error (80)", or "alert 200" for an unassigned number. */
void tp_ciphers_alert_name(uint8_t desc, char *out, size_t size);

/* What the suite's key exchange shows in a ServerKeyExchange: dhe for a
 * DH prime, kx for either kind. */
void tp_ciphers_suite_kx(uint16_t suite, bool *dhe, bool *kx);

#endif
