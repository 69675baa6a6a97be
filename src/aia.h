/*
 * AIA chasing (aia.c): the issuer a certificate names in its
 * caIssuers URL (RFC 5280 section 4.2.2.1), fetched and proved to have
 * issued it. Internal to libtlsprobe.
 */
#ifndef TP_AIA_H
#define TP_AIA_H

#include <signal.h>
#include <stdbool.h>

#include <gnutls/x509.h>

enum tp_aia_outcome {
	TP_AIA_NOT_TRIED,     /* never asked: the chain needed no issuer */
	TP_AIA_NO_URL,        /* the certificate names no caIssuers URL */
	TP_AIA_FAILED,        /* the fetch failed, or what came is no
			       * certificate, or none that issued it */
	TP_AIA_FOUND,         /* issuer holds the certificate that issued it */
};

struct tp_aia {
	double deadline;            /* every fetch's, tp_now_ms() clock */
	volatile sig_atomic_t *stop;
	enum tp_aia_outcome outcome;
	char url[400];              /* the URL tried last ("" none) */
	char why[1024];             /* FAILED: a sentence naming the host */
	gnutls_x509_crt_t issuer;   /* FOUND: owned; tp_aia_clear frees */
	char subject[256];          /* FOUND: issuer's subject DN */
	char sha256[65];            /* FOUND: issuer's fingerprint, hex */
};

/*
 * tp_chain_check's chase_issuer with arg a struct tp_aia: fetches the
 * issuer of crt from its caIssuers URLs (DER, PEM, or a PKCS#7
 * certs-only bundle) and returns the one that issued crt, the outcome
 * and why in the struct; NULL when there is none.
 */
gnutls_x509_crt_t tp_aia_chase(void *arg, gnutls_x509_crt_t crt,
			       const char **url);
/* Frees the issuer held; the rest stays for reading. */
void tp_aia_clear(struct tp_aia *x);

#endif
