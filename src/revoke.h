/*
 * A certificate's revocation status (revoke.c): an OCSP response judged
 * (stapled or fetched), the OCSP responder of the leaf's AIA and the CRL
 * of its distribution point asked, and the one function that decides
 * REVOKED. Shared by client and audit. Internal to libtlsprobe.
 */
#ifndef TP_REVOKE_H
#define TP_REVOKE_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include <gnutls/x509.h>

#include "tlsprobe.h"

struct tp_trust;

enum tp_revoke_verdict {
	TP_REVOKE_NONE,      /* nothing to ask: no URL, no response */
	TP_REVOKE_GOOD,      /* a valid answer: not revoked */
	TP_REVOKE_REVOKED,   /* a valid answer: revoked */
	TP_REVOKE_INVALID,   /* an answer that proves nothing: stale, signed
			      * by someone else, for another certificate */
	TP_REVOKE_UNKNOWN,   /* no answer could be had (why says so), or
			      * the responder does not know the certificate */
};

/* What one source (a stapled or fetched OCSP response, a CRL) said. */
struct tp_revoke_answer {
	enum tp_revoke_verdict verdict;
	const char *source;     /* "stapled OCSP response", "OCSP", "CRL" */
	char url[256];          /* where it came from (sanitised); "" none */
	time_t revoked_at;      /* REVOKED: when; -1 unknown */
	int reason;             /* REVOKED: gnutls_x509_crl_reason_t; -1
				 * when the source gave none */
	time_t this_update, next_update; /* -1 unknown or absent */
	char why[320];          /* the evidence, one sentence */
};

struct tp_revoke_result {
	struct tp_revoke_answer ocsp, crl;
};

struct tp_revoke_opts {
	double deadline;                /* absolute, tp_now_ms() clock */
	volatile sig_atomic_t *stop;
	time_t now;                     /* 0: the current time */
	/* where the issuer is looked for when the chain as sent lacks it;
	 * NULL: the chain only */
	const struct tp_trust *trust;
};

/* The certificate in chain (as sent) or trust that issued leaf: a
 * borrowed pointer, or NULL. */
gnutls_x509_crt_t tp_revoke_issuer(gnutls_x509_crt_t leaf,
				   gnutls_x509_crt_t *chain, unsigned n,
				   const struct tp_trust *trust);

/* a cleared: no verdict yet, every date and the reason unknown. */
void tp_revoke_answer_init(struct tp_revoke_answer *a, const char *source);

/*
 * Judges the DER OCSP response der for leaf: signed by issuer or a
 * responder it delegated to, for leaf, fresh at now, and with nonce when
 * one was sent and the response echoes one (nonce NULL: none sent).
 * Fills out (its source and url are the caller's).
 */
void tp_revoke_judge_ocsp(const gnutls_datum_t *der, gnutls_x509_crt_t leaf,
			  gnutls_x509_crt_t issuer, time_t now,
			  const gnutls_datum_t *nonce,
			  struct tp_revoke_answer *out);

/*
 * Judges a CRL (DER or PEM) for leaf: signed by issuer, then leaf's
 * serial looked up (its date and reasonCode); a CRL without it must be
 * fresh at now (0: the current time) to say good. Fills out.
 */
void tp_revoke_judge_crl(const gnutls_datum_t *der, gnutls_x509_crt_t leaf,
			 gnutls_x509_crt_t issuer, time_t now,
			 struct tp_revoke_answer *out);

/*
 * Asks the OCSP responder of chain[0]'s AIA and fetches the CRL of its
 * distribution points, both within o->deadline: every answer in res
 * (TP_REVOKE_NONE where the certificate names no URL). Returns the
 * verdict the two make together: REVOKED if either says so, GOOD if one
 * says good, NONE if neither URL is there, else UNKNOWN.
 */
enum tp_revoke_verdict tp_revoke_check(gnutls_x509_crt_t *chain, unsigned n,
				       const struct tp_revoke_opts *o,
				       struct tp_revoke_result *res);

/* "keyCompromise", …: the name RFC 5280 §5.3.1 gives reason; "" none. */
const char *tp_revoke_reason_name(int reason);

/*
 * The one place that decides REVOKED: adds it to r (naming subject, the
 * source, the date and the reason) when a says revoked; returns the
 * finding, or NULL when a does not prove it.
 */
struct tp_finding *tp_revoke_report(struct tp_report *r,
				    const struct tp_revoke_answer *a,
				    const char *subject);

/* One sentence of what res holds ("OCSP (127.0.0.1): good; CRL: …"). */
void tp_revoke_describe(const struct tp_revoke_result *res, char *buf,
			size_t size);

#endif
