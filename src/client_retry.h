/* The client's second looks into a failed handshake. Internal. */
#ifndef TP_CLIENT_RETRY_H
#define TP_CLIENT_RETRY_H

#include <sys/socket.h>

#include "tls.h"

/* A failed handshake: what it observed, where it went, and the budget
 * left to look again. */
struct tp_client_retry {
	const struct tp_tls_client_cfg *cfg;  /* the handshake's own */
	const struct tp_tls_obs *obs;         /* what it observed */
	int fd;                    /* its connection, still open */
	const struct sockaddr *sa; /* the address it dialled */
	socklen_t len;
	const char *remote;        /* sa as text, for the wording */
	int starttls;              /* enum tp_starttls: each fresh
				    * connection's prelude, 0: none */
	const char *prelude_host;  /* its host (XMPP's 'to') */
	double hs_end;             /* tp_now_ms() clock: the handshake's
				    * share of the stage ends, and the second
				    * looks' with it */
	double timeout_ms;         /* --timeout, for the wording */
	/* the proxy the handshake went through ("the HTTP proxy …"), or
	 * NULL. Through one there are no second looks: they would dial
	 * the server directly, another path than the one that failed. */
	const char *proxy;
};

/*
 * Looks again at a failed handshake within what is left of its budget
 * (the handshake that offers everything, one raw ClientHello per
 * version, the retries without SNI and on a small MSS, as its failure
 * calls for them) and adds the finding that explains the failure
 * (*found; NULL when memory ran out). Closes t->fd. Returns -1, with no
 * finding, when the stop flag cut a second look short: it proves nothing
 * either way.
 */
int tp_client_retry_diagnose(const struct tp_client_retry *t,
			     struct tp_report *r,
			     const struct tp_finding **found);

#endif
