/* The cipher audit's shared state: what its probes and jobs found,
 * written by ciphers.c and made into the report by ciphers_report.c.
 * Internal. */
#ifndef TP_CIPHERS_STATE_H
#define TP_CIPHERS_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy.h"
#include "starttls.h"
#include "tlsprobe.h"

#define MAX_SUITES 512
#define MAX_GROUPS 64
#define MAX_SIGS 96
#define BUNDLE 128
#define RETRIES 2

/* The parts of a version's audit, for saying which were not finished. */
#define PART_SUITES 1u
#define PART_GROUPS 2u
#define PART_SIGS 4u

/* What one version's jobs found. */
struct vstate {
	uint16_t version;
	bool tested, accepted, incomplete, stopped;
	uint16_t cand[MAX_SUITES];
	size_t n_cand;
	uint16_t acc[MAX_SUITES];      /* as found */
	unsigned acc_bundle[MAX_SUITES];
	char acc_kx[MAX_SUITES][32];
	unsigned acc_dh[MAX_SUITES];
	uint16_t acc_group[MAX_SUITES];
	bool acc_hrr[MAX_SUITES];      /* the group came in a HelloRetryRequest */
	uint16_t acc_sig[MAX_SUITES];  /* TLS 1.2: the ServerKeyExchange's */
	size_t n_acc;
	bool offer_order;              /* every pick was the first offered */
	unsigned bundles_with_acc;
	enum tp_preference pref;
	enum tp_preference group_pref;
	uint16_t order[MAX_SUITES];    /* final order */
	size_t n_order;
	uint16_t groups[MAX_GROUPS];
	size_t n_groups;
	uint16_t sigs[MAX_SIGS];
	size_t n_sigs;
	unsigned min_dh;
	unsigned cut;                  /* PART_*: stopped by --max-time */
	unsigned skipped;              /* PART_*: not tried, the server
					* stalls after its ServerHello */
};

struct scan {
	const struct tp_ciphers_opts *o;
	struct sockaddr_storage addr;  /* addr_len 0: the proxy resolves */
	socklen_t addr_len;
	char where[80];
	struct tp_proxy_route route;   /* how each connection goes */
	const char *sni;
	enum tp_starttls starttls;
	double timeout_ms;
	unsigned budget;
	double max_time_ms;        /* --max-time, or the default */
	double deadline;           /* the audit's end (tp_now_ms clock) */

	pthread_mutex_t lock;
	unsigned connections;
	unsigned by_purpose[3];
	unsigned answered;         /* probes that got any TLS answer */
	unsigned resets, timeouts, failures;
	double next_start;         /* pacing (--delay, back-off) */
	bool fatal;                /* stop every job */
	bool not_tls, budget_spent;
	bool expired;              /* the deadline stopped the audit */
	unsigned stalls;           /* probes that got a ServerHello and then
				    * waited --timeout for the rest */
	bool stalls_after_hello;   /* so later probes read the ServerHello
				    * and no more */
	char not_tls_detail[512];
	/* the distinct protocol violations seen, first first: jobs run at
	 * once, so which comes first is a matter of timing */
	char violation[8][300];
	unsigned n_violations;
	/* the distinct alerts that were no refusal, the same way */
	char alert[4][300];
	unsigned n_alerts;
	unsigned alerted;          /* probes answered so */
	uint8_t *leaf;
	size_t leaf_len;
	unsigned estimate;

	struct vstate v[5];
	size_t n_v;
};

/* The report's results (r->scan, less the grade) from what the audit
 * found. -1: out of memory. */
int tp_ciphers_copy_results(struct scan *sc, struct tp_scan *out);
/* The leaf the server sent into the report, and its key's size and
 * algorithm for the grade. */
void tp_ciphers_describe_leaf(struct scan *sc, struct tp_report *r,
			      unsigned *bits, int *pk);
/* What the probes' failures say about the server and the path. */
void tp_ciphers_findings(struct scan *sc, struct tp_report *r);
/* The tls stage: the probes summed up, t0 the audit's start. */
void tp_ciphers_tls_stage(struct scan *sc, struct tp_report *r, double t0);
/* Whether any version was accepted. */
bool tp_ciphers_any_accepted(const struct scan *sc);

#endif
