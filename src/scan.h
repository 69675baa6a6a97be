/*
 * The cipher audit's internals shared between the engine (scan.c) and
 * the judgement (grade.c). Internal to libtlsprobe.
 */
#ifndef TP_SCAN_H
#define TP_SCAN_H

#include <signal.h>
#include <sys/socket.h>

#include "policy.h"
#include "registry.h"
#include "tlsprobe.h"

/* An ephemeral key exchange: the one test of forward secrecy for the
 * grades, the findings and every view. */
bool tp_grade_forward_secret(const struct tp_suite *s);

/* The grade of one suite from its attributes alone ('A' … 'F'), and the
 * reason for it in one short phrase ("RC4", "no forward secrecy"). */
char tp_grade_suite(const struct tp_suite *s, const char **why);

/* The grade of one accepted suite with what its handshake showed: a DH
 * prime of dh_bits (0: none seen) or an ECDHE group (0: none seen). */
char tp_grade_accepted(const struct tp_suite *s, unsigned dh_bits,
		       uint16_t group, const char **why);

/*
 * Judges a filled scan: per-protocol and overall grades with their
 * reasons, and the findings WEAK_PROTOCOL, WEAK_CIPHER,
 * NO_FORWARD_SECRECY, WEAK_KEY (DH primes, the certificate key) and,
 * with a policy, POLICY_EXTRA and POLICY_MISSING. cert_bits/cert_pk
 * describe the leaf key (0 when it was not seen).
 */
int tp_grade_scan(struct tp_report *r, const struct tp_policy *policy,
		  unsigned cert_bits, int cert_pk);

/* What the one raw ClientHello of a version got (tp_scan_versions). */
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
int tp_scan_versions(const struct sockaddr *sa, socklen_t len,
		     const char *host, const char *sni, int starttls,
		     double deadline, volatile sig_atomic_t *stop,
		     enum tp_version_answer answers[5]);

#endif
