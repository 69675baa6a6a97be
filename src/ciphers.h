/*
 * The cipher audit's engine (ciphers.c): what it offers other modules.
 * Internal to libtlsprobe.
 */
#ifndef TP_CIPHERS_H
#define TP_CIPHERS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "proxy.h"
#include "tlsprobe.h"

/* What the one raw ClientHello of a version got (tp_ciphers_versions). */
enum tp_version_answer {
	TP_VERSION_UNKNOWN,   /* no answer: reset, silence, another alert,
			       * something TLS forbids, or the deadline */
	TP_VERSION_ACCEPTED,  /* a ServerHello (or HelloRetryRequest) */
	TP_VERSION_REFUSED,   /* a refusal, or a lower version offered */
};

/*
 * Which versions a server speaks: one raw ClientHello for each of SSL 3.0
 * … TLS 1.3, the cipher audit's, offering the first bundle of that
 * version's suites, one after another on fresh connections to sa (the
 * STARTTLS prelude first when starttls is set; host names it). Every
 * step ends by deadline (tp_now_ms clock), so the whole does too; stop,
 * when set, ends the next step at once. answers[i] is version 0x0300 + i.
 * Returns how many got an answer, or -1 when memory ran out.
 */
int tp_ciphers_versions(const struct sockaddr *sa, socklen_t len,
			const char *host, const char *sni, int starttls,
			double deadline, volatile sig_atomic_t *stop,
			enum tp_version_answer answers[5]);

/* Where an audit went, for the checks that follow it (audit.c). */
struct tp_ciphers_reached {
	bool reached;              /* dns and tcp (and STARTTLS) worked */
	struct sockaddr_storage addr;
	socklen_t len;
	char where[80];            /* "192.0.2.1:443" */
	struct tp_proxy_route route;  /* the proxy the probes went through */
	char sni[256];             /* what the audit sent; "" none */
	double deadline;           /* the audit's end (tp_now_ms clock) */
};

/* tp_ciphers_run, saying in out where the probes went. */
int tp_ciphers_run_at(const struct tp_ciphers_opts *o, struct tp_report *r,
		      struct tp_error *err, struct tp_ciphers_reached *out);

#endif
