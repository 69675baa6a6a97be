/*
 * HTTP fetches for certificate status (fetch.c): AIA issuers, OCSP
 * responses, CRLs. Internal to libtlsprobe.
 */
#ifndef TP_FETCH_H
#define TP_FETCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct tp_fetch_opts {
	double deadline;            /* absolute, tp_now_ms() clock */
	size_t max_bytes;           /* 0: 1 MiB */
	volatile sig_atomic_t *stop;
	/* POST this body (OCSP), with this Content-Type; NULL: GET */
	const uint8_t *post;
	size_t post_len;
	const char *content_type;
};

struct tp_fetch_result {
	uint8_t *body;              /* malloc'd, the caller frees; NULL
				     * when it failed */
	size_t len;
	long http_status;           /* 0 when no HTTP answer came */
	char content_type[64];      /* as the server said, sanitised */
	char why[256];              /* when it failed: a sentence naming the
				     * URL's host and what went wrong */
};

/*
 * Fetches url (http:// or https:// only; redirects followed only to
 * those, three at most) within the deadline and the size limit; no
 * proxy. 0 and a 2xx body, or -1 with why set (and http_status when the
 * server answered otherwise).
 */
int tp_fetch(const char *url, const struct tp_fetch_opts *o,
	     struct tp_fetch_result *res);

#endif
