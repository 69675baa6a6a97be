/*
 * AIA chasing: the issuer a certificate names in its Authority
 * Information Access caIssuers URL, fetched with tp_fetch and kept only
 * when it really issued the certificate (its name and its signature).
 * What it fetched proves nothing about trust: the chain checks of cert.c
 * decide that, with the issuer this hands them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/pkcs7.h>

#include "aia.h"
#include "cert.h"
#include "fetch.h"

/* A caIssuers URL is read from at most this many access descriptions,
 * and at most this many certificates of one answer are tried. */
#define AIA_MAX_URLS 4
#define AIA_MAX_CERTS 16
/* An intermediate, even a PKCS#7 bundle of a few: far below this. */
#define AIA_MAX_BYTES (256 * 1024)

struct candidates {
	gnutls_x509_crt_t crt[AIA_MAX_CERTS];
	unsigned n;
};

static void candidates_add_der(struct candidates *c, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;

	if (c->n >= AIA_MAX_CERTS || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return;
	}
	c->crt[c->n++] = crt;
}

/* The certificates of a PKCS#7 "certs-only" bundle (RFC 5280 4.2.2.1
 * allows it for caIssuers), DER or PEM. */
static void read_pkcs7(struct candidates *c, const gnutls_datum_t *body,
		       gnutls_x509_crt_fmt_t fmt)
{
	gnutls_pkcs7_t p7;
	gnutls_datum_t der;
	int n, i;

	if (gnutls_pkcs7_init(&p7) < 0)
		return;
	if (gnutls_pkcs7_import(p7, body, fmt) == 0) {
		n = gnutls_pkcs7_get_crt_count(p7);
		for (i = 0; i < n && c->n < AIA_MAX_CERTS; i++) {
			if (gnutls_pkcs7_get_crt_raw2(p7, (unsigned)i, &der) < 0)
				continue;
			candidates_add_der(c, &der);
			gnutls_free(der.data);
		}
	}
	gnutls_pkcs7_deinit(p7);
}

/* Whatever certificates the body holds, told by content: DER, PEM (one
 * or more), or PKCS#7. */
static void read_body(struct candidates *c, const gnutls_datum_t *body)
{
	gnutls_x509_crt_t *list = NULL;
	unsigned n = 0, i;

	candidates_add_der(c, body);
	if (c->n > 0)
		return;
	if (gnutls_x509_crt_list_import2(&list, &n, body, GNUTLS_X509_FMT_PEM,
					 0) == 0) {
		for (i = 0; i < n; i++) {
			if (c->n < AIA_MAX_CERTS)
				c->crt[c->n++] = list[i];
			else
				gnutls_x509_crt_deinit(list[i]);
		}
		gnutls_free(list);
		if (c->n > 0)
			return;
	}
	read_pkcs7(c, body, GNUTLS_X509_FMT_DER);
	if (c->n == 0)
		read_pkcs7(c, body, GNUTLS_X509_FMT_PEM);
}

/* Keeps the candidate that issued crt; 0, or -1 with why set. */
static int pick(struct tp_aia *x, struct candidates *c, gnutls_x509_crt_t crt)
{
	unsigned char raw[32];
	size_t raw_size = sizeof(raw), i;
	unsigned j;

	for (j = 0; j < c->n && x->issuer == NULL; j++)
		if (tp_cert_issued(c->crt[j], crt)) {
			x->issuer = c->crt[j];
			c->crt[j] = NULL;
		}
	for (j = 0; j < c->n; j++)
		if (c->crt[j] != NULL)
			gnutls_x509_crt_deinit(c->crt[j]);
	if (x->issuer == NULL) {
		if (c->n == 0)
			snprintf(x->why, sizeof(x->why), "%s gave no "
				 "certificate (neither DER, PEM nor PKCS#7)",
				 x->url);
		else
			snprintf(x->why, sizeof(x->why), "%s gave %u "
				 "certificate%s, none of which issued it (the "
				 "issuer's name or signature does not match)",
				 x->url, c->n, c->n == 1 ? "" : "s");
		return -1;
	}
	tp_cert_dn(x->issuer, false, x->subject, sizeof(x->subject));
	x->sha256[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(x->issuer, GNUTLS_DIG_SHA256, raw,
					    &raw_size) == 0)
		for (i = 0; i < raw_size && i < 32; i++)
			snprintf(x->sha256 + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* One URL: fetched, read, the issuer picked. */
static int try_url(struct tp_aia *x, gnutls_x509_crt_t crt)
{
	struct tp_fetch_opts fo = {
		.deadline = x->deadline,
		.max_bytes = AIA_MAX_BYTES,
		.stop = x->stop,
	};
	struct tp_fetch_result res;
	struct candidates c = {.n = 0};
	gnutls_datum_t body;

	memset(&res, 0, sizeof(res));
	if (tp_fetch(x->url, &fo, &res) < 0) {
		snprintf(x->why, sizeof(x->why), "fetching %s: %s", x->url,
			 res.why);
		free(res.body);
		return -1;
	}
	body = (gnutls_datum_t){res.body, (unsigned)res.len};
	read_body(&c, &body);
	free(res.body);
	return pick(x, &c, crt);
}

gnutls_x509_crt_t tp_aia_chase(void *arg, gnutls_x509_crt_t crt,
			       const char **url)
{
	struct tp_aia *x = arg;
	gnutls_datum_t data;
	unsigned seq, urls = 0;
	int rc;

	*url = NULL;
	tp_aia_clear(x);
	x->outcome = TP_AIA_NO_URL;
	x->url[0] = '\0';
	x->why[0] = '\0';
	for (seq = 0; seq < 16 && urls < AIA_MAX_URLS; seq++) {
		rc = gnutls_x509_crt_get_authority_info_access(
			crt, seq, GNUTLS_IA_CAISSUERS_URI, &data, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;       /* an OCSP URL, or another method */
		snprintf(x->url, sizeof(x->url), "%.*s", (int)data.size,
			 (const char *)data.data);
		gnutls_free(data.data);
		urls++;
		x->outcome = TP_AIA_FAILED;
		if (try_url(x, crt) == 0) {
			x->outcome = TP_AIA_FOUND;
			*url = x->url;
			return x->issuer;
		}
	}
	if (x->outcome == TP_AIA_NO_URL)
		snprintf(x->why, sizeof(x->why), "it names no caIssuers URL "
			 "(Authority Information Access)");
	return NULL;
}

void tp_aia_clear(struct tp_aia *x)
{
	if (x->issuer != NULL)
		gnutls_x509_crt_deinit(x->issuer);
	x->issuer = NULL;
}
