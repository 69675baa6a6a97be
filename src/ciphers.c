/*
 * The cipher audit: versions, suites, groups and signature algorithms
 * found with raw ClientHellos, so that suites no TLS library still ships
 * are found too.
 *
 * Suites are found with the "chosen-removed" loop: offer a bundle of at
 * most 128 suites, note the one the server picks, offer the rest again,
 * until it refuses. A server that enforces its own order picks in that
 * order, so the order falls out of the loop; one more hello with the
 * accepted suites reversed tells whether it does. Groups (TLS 1.3: from
 * HelloRetryRequest, TLS 1.2: from ServerKeyExchange) and TLS 1.2
 * signature algorithms are found with the same loop.
 *
 * Jobs are sequential chains of probes (one per version, then groups and
 * signature algorithms); worker threads run up to --concurrency of them
 * at once. Each probe is one TCP connection with deadlines on every step,
 * and the audit as a whole ends at --max-time: a server can make a probe
 * wait, but never make the audit wait for long.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "addr.h"
#include "cert.h"
#include "diag.h"
#include "grade.h"
#include "livecap.h"
#include "net.h"
#include "ciphers.h"
#include "ciphers_answer.h"
#include "ciphers_state.h"
#include "starttls.h"
#include "wire.h"


/* ---- candidates ---- */

/* Bundles put the suites servers usually accept first, so that one
 * bundle holds them all and the order needs no merging. */
static int commonness(const struct tp_suite *s)
{
	bool usual_kx = s->kx == TP_KX_ECDHE || s->kx == TP_KX_DHE ||
			s->kx == TP_KX_RSA;
	bool usual_auth = s->auth == TP_AUTH_RSA || s->auth == TP_AUTH_ECDSA ||
			  s->auth == TP_AUTH_DSS;

	if (usual_kx && usual_auth && !s->is_export &&
	    s->enc != TP_ENC_NULL && s->enc != TP_ENC_GOST &&
	    s->enc != TP_ENC_SM4)
		return 0;
	if ((usual_kx || s->kx == TP_KX_RSA_EXPORT) &&
	    (usual_auth || s->auth == TP_AUTH_NULL))
		return 1;  /* export, anonymous, NULL encryption */
	if (s->kx == TP_KX_DH || s->kx == TP_KX_ECDH)
		return 2;
	return 3;
}

static void candidates(struct vstate *vs)
{
	const struct tp_suite *all;
	size_t n, i;
	int tier;

	all = tp_registry_suites(&n);
	vs->n_cand = 0;
	for (tier = 0; tier < 4; tier++)
		for (i = 0; i < n && vs->n_cand < MAX_SUITES; i++) {
			const struct tp_suite *s = &all[i];
			bool ok13 = s->min_version >= 0x0304;

			if (vs->version == 0x0304 ? !ok13
			    : ok13 || s->min_version > vs->version)
				continue;
			if (vs->version == 0x0304 ? tier != 0
			    : commonness(s) != tier)
				continue;
			vs->cand[vs->n_cand++] = s->id;
		}
}

/* Groups offered while looking for suites: every one a server might
 * pick, the usual first. */
static size_t default_groups(uint16_t version, uint16_t *out, size_t max)
{
	static const uint16_t first[] = {0x001D, 0x0017, 0x0018, 0x0019,
					 0x001E, 0x0100, 0x0101, 0x0102};
	const struct tp_group *g;
	size_t n, i, k = 0, j;

	for (i = 0; i < sizeof(first) / sizeof(first[0]) && k < max; i++)
		out[k++] = first[i];
	g = tp_registry_groups(&n);
	for (i = 0; i < n && k < max; i++) {
		bool dup = false;

		if (g[i].id >= 0xFF00)
			continue;
		if (version == 0x0304 ? !g[i].tls13
		    : g[i].kind == TP_GROUP_HYBRID || g[i].kind == TP_GROUP_PQ)
			continue;
		for (j = 0; j < k; j++)
			dup = dup || out[j] == g[i].id;
		if (!dup)
			out[k++] = g[i].id;
	}
	return k;
}

static size_t default_sigs(uint16_t *out, size_t max)
{
	const struct tp_sigscheme *s;
	size_t n, i, k = 0;

	s = tp_registry_sigschemes(&n);
	for (i = 0; i < n && k < max; i++)
		out[k++] = s[i].id;
	return k;
}

/* ---- one probe ---- */

/* A step's deadline: ms from now, but never past the audit's end. */
static double step_deadline(const struct scan *sc, double ms)
{
	double d = tp_now_ms() + ms;

	return d < sc->deadline ? d : sc->deadline;
}

/* Whether the audit's deadline has passed; notes it when it has. */
static bool out_of_time(struct scan *sc)
{
	bool over = tp_now_ms() >= sc->deadline;

	if (over) {
		pthread_mutex_lock(&sc->lock);
		sc->expired = true;
		pthread_mutex_unlock(&sc->lock);
	}
	return over;
}

/* out_of_time for the answer reader. */
static bool audit_over(void *arg)
{
	return out_of_time(arg);
}

static void pace(struct scan *sc)
{
	double wait;

	pthread_mutex_lock(&sc->lock);
	wait = sc->next_start - tp_now_ms();
	sc->next_start = (wait > 0 ? sc->next_start : tp_now_ms()) +
			 sc->o->delay_ms;
	pthread_mutex_unlock(&sc->lock);
	/* a pause past the deadline would only be cut short by it */
	if (wait > sc->deadline - tp_now_ms())
		wait = sc->deadline - tp_now_ms();
	if (wait > 0) {
		struct timespec ts = {(time_t)(wait / 1000),
				      (long)(((long long)wait % 1000) * 1000000)};
		nanosleep(&ts, NULL);
	}
}

static bool take_connection(struct scan *sc, int purpose)
{
	bool ok;

	if (out_of_time(sc))
		return false;
	pthread_mutex_lock(&sc->lock);
	ok = sc->connections < sc->budget && !sc->fatal &&
	     (sc->o->stop == NULL || !*sc->o->stop);
	if (ok) {
		sc->connections++;
		sc->by_purpose[purpose]++;
	}
	else if (sc->connections >= sc->budget)
		sc->budget_spent = true;
	pthread_mutex_unlock(&sc->lock);
	if (ok && sc->o->progress != NULL) {
		pthread_mutex_lock(&sc->lock);
		if (sc->estimate < sc->connections + 1)
			sc->estimate = sc->connections + 1;
		sc->o->progress(sc->o->progress_arg, sc->connections,
				sc->estimate);
		pthread_mutex_unlock(&sc->lock);
	}
	return ok;
}

/*
 * A connection to the audited address, through the run's gate when
 * there is one (tp_ciphers_opts.before_connect): every connection of the
 * audit is made here, and closed by close_conn. A gate that refuses (the
 * run is stopping) reads as TP_NETRES_CANCELLED. The step's deadline
 * starts once the gate has let the connection through. Through a proxy
 * each connection is a tunnel of its own, opened by the same deadline;
 * the gate stays keyed on the target. Returns as
 * tp_proxy_route_connect; pres (may be NULL) gets the proxy's answer.
 */
static int gated_connect(struct scan *sc, volatile sig_atomic_t *stop,
			 int *fd, struct tp_net_result *nr,
			 struct tp_proxy_result *pres)
{
	const struct sockaddr *sa = (const struct sockaddr *)&sc->addr;
	int rc;

	*fd = -1;
	if (sc->o->before_connect != NULL &&
	    sc->o->before_connect(sc->o->gate_arg, sa) < 0) {
		memset(nr, 0, sizeof(*nr));
		nr->status = TP_NETRES_CANCELLED;
		snprintf(nr->message, sizeof(nr->message), "stopped before "
			 "connecting to %s", sc->where);
		return -1;
	}
	rc = tp_proxy_route_connect(&sc->route, sc->o->host, sc->addr_len
				    ? sa : NULL, sc->addr_len, sc->o->port,
				    step_deadline(sc, sc->timeout_ms), stop,
				    fd, nr, pres);
	if (rc < 0) {
		*fd = -1;
		if (sc->o->after_close != NULL)
			sc->o->after_close(sc->o->gate_arg, sa);
	}
	return rc;
}

/* Closes a connection of gated_connect and gives its place back. */
static void close_conn(struct scan *sc, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	if (sc->o->after_close != NULL)
		sc->o->after_close(sc->o->gate_arg,
				   (const struct sockaddr *)&sc->addr);
}

/* Opens the connection and runs the STARTTLS prelude. */
static int open_conn(struct scan *sc, int *fd, struct answer *a)
{
	struct tp_net_result nr;
	struct tp_starttls_result pre;

	if (gated_connect(sc, NULL, fd, &nr, NULL) < 0) {
		a->kind = nr.status == TP_NETRES_CANCELLED || out_of_time(sc)
			  ? ANS_STOPPED : ANS_CONNECT;
		snprintf(a->detail, sizeof(a->detail), "%s", nr.message);
		return -1;
	}
	if (sc->starttls == TP_STARTTLS_NONE)
		return 0;
	if (tp_starttls_run(*fd, sc->starttls, sc->o->host,
			    step_deadline(sc, sc->timeout_ms), NULL, &pre) == 0)
		return 0;
	tp_starttls_describe_raw(&pre, sc->starttls, a->detail,
				 sizeof(a->detail));
	a->kind = out_of_time(sc) ? ANS_STOPPED
		  : pre.status == TP_STARTTLS_BUSY ? ANS_BUSY : ANS_CONNECT;
	close_conn(sc, *fd);
	*fd = -1;
	return -1;
}

static bool offered(const uint16_t *list, size_t n, uint16_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static void probe_once(struct scan *sc, const struct hello *h,
		       struct tp_wire_reader *rd, struct answer *a)
{
	struct tp_wire_share share;
	struct tp_wire_hello_opts ho = {0};
	struct tp_wire_client_hello sent;
	const uint8_t *msg, *body;
	size_t msg_len, body_len;
	uint8_t type;
	uint8_t random[32], x25519[32], out[8192];
	uint16_t suites[BUNDLE + 1];
	size_t len, n = h->n_suites;
	double deadline;
	bool hello_only;
	int fd = -1, e;

	memset(a, 0, sizeof(*a));
	pace(sc);
	if (!take_connection(sc, h->purpose)) {
		a->kind = sc->fatal || (sc->o->stop && *sc->o->stop)
			  ? ANS_STOPPED : ANS_BUDGET;
		return;
	}
	if (n > BUNDLE)
		n = BUNDLE;
	memcpy(suites, h->suites, n * sizeof(uint16_t));
	ho.version = h->version;
	ho.suites = suites;
	ho.n_suites = n;
	if (h->version == 0x0300) {
		suites[n] = TP_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV;
		ho.n_suites = n + 1;
		ho.no_extensions = true;
	} else {
		ho.groups = h->groups;
		ho.n_groups = h->n_groups;
		ho.ec_point_formats = true;
		ho.sni = sc->sni;
		if (h->version >= 0x0303) {
			ho.sig_algs = h->sigs;
			ho.n_sig_algs = h->n_sigs;
		}
	}
	gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof(random));
	ho.random = random;
	if (h->version == 0x0304 && !h->empty_share) {
		gnutls_rnd(GNUTLS_RND_NONCE, x25519, sizeof(x25519));
		share.group = 0x001D;
		share.data = x25519;
		share.len = sizeof(x25519);
		ho.shares = &share;
		ho.n_shares = 1;
	}
	len = tp_wire_build_client_hello(&ho, out, sizeof(out));
	/* the hello as sent, read back: what an answer is judged against */
	if (len == 0 || tp_wire_record(out, len, &msg, &msg_len) < 0 ||
	    tp_wire_handshake(msg, msg_len, &type, &body, &body_len) < 0 ||
	    tp_wire_parse_client_hello(body, body_len, &sent) < 0) {
		a->kind = ANS_STOPPED;
		snprintf(a->detail, sizeof(a->detail), "internal: hello too "
			 "large");
		return;
	}
	if (open_conn(sc, &fd, a) < 0)
		return;
	/* one deadline from the hello to the end of the answer: not one
	 * per read, which a server sending a byte at a time would renew */
	deadline = step_deadline(sc, sc->timeout_ms);
	if (tp_net_send_all(fd, out, len, deadline) < 0) {
		e = errno;
		a->kind = e == ECONNRESET || e == EPIPE ? ANS_RESET
			  : out_of_time(sc) ? ANS_STOPPED : ANS_TIMEOUT;
		snprintf(a->detail, sizeof(a->detail), "sending the "
			 "ClientHello failed: %s", strerror(e));
		close_conn(sc, fd);
		return;
	}
	/* a server seen to stop after its ServerHello would make every
	 * probe wait out its deadline for the rest: the suites' probes
	 * then take the ServerHello alone */
	pthread_mutex_lock(&sc->lock);
	hello_only = sc->stalls_after_hello && h->purpose == 0;
	pthread_mutex_unlock(&sc->lock);
	a->kind = ANS_TIMEOUT;
	tp_ciphers_read_answer(&(struct answer_reading){
		.h = h, .sent = &sent, .deadline = deadline,
		.timeout_ms = sc->timeout_ms, .hello_only = hello_only,
		.out_of_time = audit_over, .arg = sc,
	}, fd, rd, a);
	/* a reset rather than a FIN: no TIME_WAIT pile-up on either side */
	setsockopt(fd, SOL_SOCKET, SO_LINGER,
		   &(struct linger){.l_onoff = 1, .l_linger = 0},
		   sizeof(struct linger));
	close_conn(sc, fd);
}

/* Keeps a description in list unless it is known or the list is full;
 * under the scan's lock. */
static void note_distinct(char (*list)[300], unsigned *n, unsigned max,
			  const char *detail)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i], detail) == 0)
			return;
	if (*n < max)
		snprintf(list[(*n)++], sizeof(list[0]), "%s", detail);
}

/* One probe, retried with back-off when the answer says "not now". */
static void probe(struct scan *sc, const struct hello *h,
		  struct tp_wire_reader *rd, struct answer *a)
{
	int attempt;

	for (attempt = 0;; attempt++) {
		free(a->leaf);
		probe_once(sc, h, rd, a);
		/* Past the suites, the loops over groups and signature
		 * algorithms offer less and less to a server that has
		 * accepted, until it can use nothing left; OpenSSL says so
		 * with internal_error when no signature algorithm offered
		 * fits its key (tls_choose_sigalg). There a fatal alert
		 * ends the loop as a refusal does; a storm stays a storm. */
		if (a->kind == ANS_ALERT && a->has_alert && h->purpose != 0)
			a->kind = ANS_REFUSE;
		pthread_mutex_lock(&sc->lock);
		switch (a->kind) {
		case ANS_RESET: sc->resets++; break;
		case ANS_TIMEOUT: sc->timeouts++; break;
		case ANS_CONNECT:
		case ANS_BUSY: sc->failures++; break;
		case ANS_ACCEPT:
		case ANS_REFUSE:
		case ANS_ALERT:
		case ANS_LOWER: sc->answered++; break;
		default: break;
		}
		if (a->kind == ANS_NOT_TLS && !sc->not_tls) {
			sc->not_tls = true;
			sc->fatal = true;
			snprintf(sc->not_tls_detail,
				 sizeof(sc->not_tls_detail), "%s", a->detail);
		}
		if (a->kind == ANS_VIOLATION)
			note_distinct(sc->violation, &sc->n_violations,
				      sizeof(sc->violation) /
				      sizeof(sc->violation[0]), a->detail);
		if (a->kind == ANS_ALERT) {
			char note[sizeof(sc->alert[0])];

			snprintf(note, sizeof(note), "%.200s, to a %s hello",
				 a->detail, tp_wire_version_name(h->version));
			sc->alerted++;
			note_distinct(sc->alert, &sc->n_alerts,
				      sizeof(sc->alert) / sizeof(sc->alert[0]),
				      note);
		}
		if (a->stalled) {
			sc->stalls++;
			sc->stalls_after_hello = true;
		}
		if (a->kind == ANS_STOPPED && sc->expired && h->vs != NULL)
			h->vs->cut |= h->purpose == 0 ? PART_SUITES
				      : h->purpose == 1 ? PART_GROUPS
				      : PART_SIGS;
		/* a host that has never answered and keeps resetting or
		 * staying silent will not start now: stop asking */
		if (sc->answered == 0 && sc->resets + sc->timeouts >= 4)
			sc->fatal = true;
		if (a->kind == ANS_RESET || a->kind == ANS_BUSY ||
		    a->kind == ANS_CONNECT) {
			/* back off for everyone: the server or a middlebox
			 * is shedding load */
			double wait = 100.0 * (1 << attempt);

			if (sc->next_start < tp_now_ms() + wait)
				sc->next_start = tp_now_ms() + wait;
		}
		pthread_mutex_unlock(&sc->lock);
		if (attempt >= RETRIES || (a->kind != ANS_RESET &&
					   a->kind != ANS_BUSY &&
					   a->kind != ANS_CONNECT))
			return;
	}
}

/* ---- jobs ---- */

static void remove_id(uint16_t *list, size_t *n, uint16_t id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (list[i] == id) {
			memmove(&list[i], &list[i + 1],
				(*n - i - 1) * sizeof(uint16_t));
			(*n)--;
			return;
		}
}

/* Notes why a probe ended a chain without a plain refusal. */
static void chain_end(struct vstate *vs, const struct answer *a)
{
	if (a->kind != ANS_REFUSE && a->kind != ANS_LOWER &&
	    a->kind != ANS_ACCEPT)
		vs->incomplete = true;
}

static void note_kx(struct vstate *vs, size_t i, const struct answer *a)
{
	const struct tp_group *g;

	vs->acc_kx[i][0] = '\0';
	vs->acc_dh[i] = 0;
	vs->acc_group[i] = 0;
	vs->acc_hrr[i] = false;
	vs->acc_sig[i] = 0;
	if (a->sh.hrr || a->sh.version >= 0x0304) {
		if (a->sh.has_key_share) {
			g = tp_registry_group(a->sh.key_share_group);
			vs->acc_group[i] = a->sh.key_share_group;
			vs->acc_hrr[i] = a->sh.hrr;
			snprintf(vs->acc_kx[i], sizeof(vs->acc_kx[i]), "%s",
				 g ? g->name : "group");
		}
		return;
	}
	if (!a->has_kx)
		return;
	vs->acc_sig[i] = a->kx.sig_alg;
	if (a->kx.dhe) {
		vs->acc_dh[i] = a->kx.dh_bits;
		snprintf(vs->acc_kx[i], sizeof(vs->acc_kx[i]), "DH %u",
			 a->kx.dh_bits);
		if (vs->min_dh == 0 || a->kx.dh_bits < vs->min_dh)
			vs->min_dh = a->kx.dh_bits;
	} else if (a->kx.ecdhe) {
		g = tp_registry_group(a->kx.group);
		vs->acc_group[i] = a->kx.group;
		if (g != NULL)
			snprintf(vs->acc_kx[i], sizeof(vs->acc_kx[i]), "%s",
				 g->name);
		else
			snprintf(vs->acc_kx[i], sizeof(vs->acc_kx[i]),
				 "0x%04x", a->kx.group);
	}
}

static void keep_leaf(struct scan *sc, struct answer *a)
{
	pthread_mutex_lock(&sc->lock);
	if (sc->leaf == NULL && a->leaf != NULL) {
		sc->leaf = a->leaf;
		sc->leaf_len = a->leaf_len;
		a->leaf = NULL;
	}
	pthread_mutex_unlock(&sc->lock);
}

static void add_estimate(struct scan *sc, unsigned more)
{
	pthread_mutex_lock(&sc->lock);
	sc->estimate += more;
	pthread_mutex_unlock(&sc->lock);
}

struct worker {
	struct scan *sc;
	struct tp_wire_reader rd;
	uint16_t groups[MAX_GROUPS];
	size_t n_groups;
	uint16_t sigs[MAX_SIGS];
	size_t n_sigs;
};

static uint16_t picked_suite(const struct answer *a, uint16_t version)
{
	(void)version;
	return a->sh.suite;
}

static uint16_t picked_group(const struct answer *a, uint16_t version)
{
	if (version == 0x0304)
		return a->sh.has_key_share ? a->sh.key_share_group : 0;
	return a->has_kx && a->kx.ecdhe ? a->kx.group : 0;
}

static uint16_t picked_sig(const struct answer *a, uint16_t version)
{
	(void)version;
	return a->has_kx ? a->kx.sig_alg : 0;
}

/*
 * The chosen-removed loop over a list of groups or signature algorithms:
 * *offer is pointed at what is left, the server's pick (read by picked)
 * is noted and removed, and the rest offered again until it refuses, or
 * its answer does not say, or it picks what was not offered (noted once:
 * it ignores the list).
 */
static void pick_loop(struct worker *w, struct vstate *vs, struct hello *h,
		      const uint16_t **offer, size_t *n_offer, uint16_t *rest,
		      size_t n_rest,
		      uint16_t (*picked)(const struct answer *, uint16_t),
		      uint16_t *found, size_t *n_found, size_t max)
{
	struct answer a = {0};

	while (n_rest > 0 && *n_found < max) {
		uint16_t p;

		*offer = rest;
		*n_offer = n_rest;
		probe(w->sc, h, &w->rd, &a);
		free(a.leaf);
		a.leaf = NULL;
		if (a.kind != ANS_ACCEPT) {
			chain_end(vs, &a);
			return;
		}
		p = picked(&a, vs->version);
		if (p == 0)
			return;
		if (!offered(found, *n_found, p))
			found[(*n_found)++] = p;
		if (!offered(rest, n_rest, p))
			return;
		remove_id(rest, &n_rest, p);
	}
}

static size_t position(const struct vstate *vs, uint16_t id)
{
	size_t i;

	for (i = 0; i < vs->n_cand; i++)
		if (vs->cand[i] == id)
			return i;
	return i;
}

/* The chosen-removed loop over each bundle of candidates: the suites
 * accepted, in the order they were picked. */
static void find_accepted(struct worker *w, struct vstate *vs,
			  struct hello *h)
{
	struct scan *sc = w->sc;
	uint16_t rest[MAX_SUITES];
	struct answer a = {0};
	size_t start, n_rest, i;
	unsigned bundle = 0;
	bool no_version = false;

	for (start = 0; start < vs->n_cand && !vs->stopped && !no_version;
	     start += BUNDLE, bundle++) {
		bool any = false;

		n_rest = vs->n_cand - start < BUNDLE ? vs->n_cand - start
						    : BUNDLE;
		memcpy(rest, &vs->cand[start], n_rest * sizeof(uint16_t));
		while (n_rest > 0) {
			h->suites = rest;
			h->n_suites = n_rest;
			h->want_leaf = sc->leaf == NULL;
			probe(sc, h, &w->rd, &a);
			if (a.kind != ANS_ACCEPT) {
				chain_end(vs, &a);
				/* a refusal, another alert, a reset or silence
				 * ends the bundle; a downgrade or a broken
				 * answer the version */
				vs->stopped = a.kind == ANS_LOWER ||
					      a.kind == ANS_NOT_TLS ||
					      a.kind == ANS_VIOLATION ||
					      a.kind == ANS_BUDGET ||
					      a.kind == ANS_STOPPED;
				/* protocol_version refuses the version itself,
				 * whatever suites are offered: the other
				 * bundles would only hear it again */
				no_version = !vs->accepted &&
					     a.kind == ANS_REFUSE &&
					     a.has_alert && a.alert == 70;
				break;
			}
			keep_leaf(sc, &a);
			vs->accepted = true;
			if (vs->n_acc < MAX_SUITES) {
				note_kx(vs, vs->n_acc, &a);
				vs->acc_bundle[vs->n_acc] = bundle;
				vs->acc[vs->n_acc++] = a.sh.suite;
			}
			remove_id(rest, &n_rest, a.sh.suite);
			any = true;
		}
		if (any)
			vs->bundles_with_acc++;
	}
	free(a.leaf);
	/* a server that follows the client picked in the order offered */
	for (i = 1; i < vs->n_acc; i++)
		if (vs->acc_bundle[i] == vs->acc_bundle[i - 1] &&
		    position(vs, vs->acc[i]) < position(vs, vs->acc[i - 1]))
			vs->offer_order = false;
}

/* Accepted suites came from several bundles: one more loop over them
 * alone (rev, the first of them first picked) puts them in the server's
 * order. */
static void reorder(struct worker *w, struct vstate *vs, struct hello *h,
		    const uint16_t *rev, size_t k, uint16_t first)
{
	uint16_t rest[MAX_SUITES];
	size_t n_rest = k, i;

	memcpy(rest, rev, k * sizeof(uint16_t));
	vs->order[0] = first;
	vs->n_order = 1;
	remove_id(rest, &n_rest, first);
	add_estimate(w->sc, (unsigned)k);
	pick_loop(w, vs, h, &h->suites, &h->n_suites, rest, n_rest,
		  picked_suite, vs->order, &vs->n_order, MAX_SUITES);
	/* whatever did not fit a hello, or was lost, keeps its found place */
	for (i = 0; i < vs->n_acc; i++)
		if (!offered(vs->order, vs->n_order, vs->acc[i]))
			vs->order[vs->n_order++] = vs->acc[i];
}

/* Whose order the accepted suites follow, and that order. */
static void find_order(struct worker *w, struct vstate *vs, struct hello *h)
{
	uint16_t rev[BUNDLE];
	struct answer a = {0};
	size_t i, k;

	/* The accepted suites reversed: a server that follows the client
	 * picks the first of them, one with its own order picks its top. */
	k = vs->n_acc < BUNDLE ? vs->n_acc : BUNDLE;
	for (i = 0; i < k; i++)
		rev[i] = vs->acc[vs->n_acc - 1 - i];
	h->suites = rev;
	h->n_suites = k;
	h->want_leaf = false;
	add_estimate(w->sc, 1);
	probe(w->sc, h, &w->rd, &a);
	free(a.leaf);
	a.leaf = NULL;
	if (a.kind != ANS_ACCEPT) {
		chain_end(vs, &a);
		vs->pref = TP_PREF_INDETERMINATE;
		return;
	}
	if (a.sh.suite == rev[0] && vs->offer_order) {
		vs->pref = TP_PREF_CLIENT;
		/* no order of its own: list them in the registry's */
		for (i = 1; i < vs->n_order; i++) {
			uint16_t t = vs->order[i];

			for (k = i; k > 0 && vs->order[k - 1] > t; k--)
				vs->order[k] = vs->order[k - 1];
			vs->order[k] = t;
		}
		return;
	}
	if (a.sh.suite == rev[0] && vs->bundles_with_acc <= 1) {
		/* out of order in the loop, yet the first of the reversed
		 * list: neither rule explains both answers */
		vs->pref = TP_PREF_INDETERMINATE;
		return;
	}
	vs->pref = TP_PREF_SERVER;
	if (vs->bundles_with_acc <= 1 && vs->n_acc <= BUNDLE)
		return;  /* the loop already saw them in the server's order */
	reorder(w, vs, h, rev, k, a.sh.suite);
}

/* The accepted suites of one version, and the server's order. */
static void job_suites(struct worker *w, struct vstate *vs)
{
	struct hello h = {.version = vs->version, .groups = w->groups,
			  .n_groups = w->n_groups, .sigs = w->sigs,
			  .n_sigs = w->n_sigs, .want_leaf = true, .vs = vs};

	vs->offer_order = true;
	find_accepted(w, vs, &h);
	memcpy(vs->order, vs->acc, vs->n_acc * sizeof(uint16_t));
	vs->n_order = vs->n_acc;
	if (vs->n_acc < 2 || (vs->stopped && vs->n_acc == 0)) {
		vs->pref = TP_PREF_INDETERMINATE;
		return;
	}
	find_order(w, vs, &h);
}

static bool is_ecdhe(uint16_t id)
{
	const struct tp_suite *s = tp_registry_suite(id);

	return s != NULL && s->kx == TP_KX_ECDHE;
}

static bool any_suite(uint16_t id)
{
	(void)id;
	return true;
}

static bool signs_kx(uint16_t id)
{
	const struct tp_suite *s = tp_registry_suite(id);

	return s != NULL && (s->kx == TP_KX_ECDHE || s->kx == TP_KX_DHE) &&
	       (s->auth == TP_AUTH_RSA || s->auth == TP_AUTH_ECDSA ||
		s->auth == TP_AUTH_DSS);
}

/*
 * What the suites' answers already say the first hello of a group or
 * signature loop gets, so that the loop need not send it: that hello
 * offers the suites in vs->order that want() keeps, and the server takes
 * the first of them (in its order or, following the client, in ours),
 * with the groups and signature schemes the suites' hellos offered too.
 * Its answer to that suite there named the group (TLS 1.3: only in a
 * HelloRetryRequest, the answer to no usable key share, as the loop's
 * hellos have none) or, sig, the scheme. 0 when the answers do not say.
 */
static uint16_t known_pick(const struct vstate *vs, bool (*want)(uint16_t),
			   bool sig)
{
	size_t i, k;

	if (vs->pref != TP_PREF_SERVER && vs->pref != TP_PREF_CLIENT)
		return 0;
	for (i = 0; i < vs->n_order && !want(vs->order[i]); i++)
		;
	for (k = 0; i < vs->n_order && k < vs->n_acc; k++)
		if (vs->acc[k] == vs->order[i])
			break;
	if (i == vs->n_order || k == vs->n_acc)
		return 0;
	if (sig)
		return vs->acc_sig[k];
	if (vs->version == 0x0304 && !vs->acc_hrr[k])
		return 0;
	return vs->acc_group[k];
}

/* Notes the pick known_pick found as the loop's first: found, and no
 * longer offered. */
static void take_known(uint16_t p, uint16_t *rest, size_t *n_rest,
		       uint16_t *found, size_t *n_found)
{
	if (p == 0 || !offered(rest, *n_rest, p))
		return;
	found[(*n_found)++] = p;
	remove_id(rest, n_rest, p);
}

/* Whether the loop found the groups out of the order offered (list):
 * a server that follows the client takes the first it can of what is
 * offered, so it finds them in that order; one that found a group
 * before another offered ahead of it, in the same hello, has an order
 * of its own. */
static bool found_out_of_order(const uint16_t *list, size_t n,
			       const uint16_t *found, size_t n_found)
{
	size_t i, k, last = 0;

	for (i = 0; i < n_found; i++) {
		for (k = 0; k < n && list[k] != found[i]; k++)
			;
		if (i > 0 && k < last)
			return true;
		last = k;
	}
	return false;
}

/*
 * Whose order the groups were found in: the loop offered them in ours,
 * so one more hello offers them the other way round. A server with an
 * order of its own picks the first it found again; one that follows the
 * client picks the last. A server the loop saw find them out of the
 * order offered has an order of its own: no hello needed.
 */
static void group_order(struct worker *w, struct vstate *vs,
			struct hello *h, bool own_order)
{
	uint16_t rev[MAX_GROUPS];
	struct answer a = {0};
	uint16_t p;
	size_t i, n = vs->n_groups;

	if (n < 2 || vs->stopped || w->sc->fatal)
		return;
	if (own_order) {
		vs->group_pref = TP_PREF_SERVER;
		return;
	}
	for (i = 0; i < n; i++)
		rev[i] = vs->groups[n - 1 - i];
	h->groups = rev;
	h->n_groups = n;
	probe(w->sc, h, &w->rd, &a);
	free(a.leaf);
	if (a.kind != ANS_ACCEPT)
		return;
	p = picked_group(&a, vs->version);
	if (p == vs->groups[0])
		vs->group_pref = TP_PREF_SERVER;
	else if (p == rev[0])
		vs->group_pref = TP_PREF_CLIENT;
}

/* The groups the group loop offers at first. */
static size_t loop_groups(uint16_t version, uint16_t *rest)
{
	size_t n_rest = default_groups(version, rest, MAX_GROUPS), i;

	if (version != 0x0304) {
		/* finite-field groups show only as a DH prime: leave them out */
		for (i = 0; i < n_rest;)
			if (tp_registry_group(rest[i]) != NULL &&
			    tp_registry_group(rest[i])->kind == TP_GROUP_FF)
				remove_id(rest, &n_rest, rest[i]);
			else
				i++;
	}
	return n_rest;
}

/* Groups: TLS 1.3 from the HRR's selected_group, TLS 1.0 to 1.2 from
 * the ServerKeyExchange. */
static void job_groups(struct worker *w, struct vstate *vs)
{
	uint16_t suites[BUNDLE], rest[MAX_GROUPS];
	struct hello h = {.version = vs->version, .sigs = w->sigs,
			  .n_sigs = w->n_sigs, .empty_share = true,
			  .purpose = 1, .vs = vs};
	uint16_t offer[MAX_GROUPS];
	size_t n = 0, i, n_rest, n_offer;

	for (i = 0; i < vs->n_order && n < BUNDLE; i++)
		if (vs->version == 0x0304 || is_ecdhe(vs->order[i]))
			suites[n++] = vs->order[i];
	if (n == 0)
		return;
	n_rest = loop_groups(vs->version, rest);
	h.suites = suites;
	h.n_suites = n;
	add_estimate(w->sc, 5);
	memcpy(offer, rest, n_rest * sizeof(uint16_t));
	n_offer = n_rest;
	take_known(known_pick(vs, vs->version == 0x0304 ? any_suite : is_ecdhe,
			      false),
		   rest, &n_rest, vs->groups, &vs->n_groups);
	pick_loop(w, vs, &h, &h.groups, &h.n_groups, rest, n_rest,
		  picked_group, vs->groups, &vs->n_groups, MAX_GROUPS);
	group_order(w, vs, &h, found_out_of_order(offer, n_offer, vs->groups,
						  vs->n_groups));
}

/* TLS 1.2 signature algorithms, from the ServerKeyExchange. */
static void job_sigs(struct worker *w, struct vstate *vs)
{
	uint16_t suites[BUNDLE], rest[MAX_SIGS];
	struct hello h = {.version = vs->version, .groups = w->groups,
			  .n_groups = w->n_groups, .purpose = 2, .vs = vs};
	size_t n = 0, i, n_rest;

	for (i = 0; i < vs->n_order && n < BUNDLE; i++)
		if (signs_kx(vs->order[i]))
			suites[n++] = vs->order[i];
	if (n == 0)
		return;
	h.suites = suites;
	h.n_suites = n;
	add_estimate(w->sc, 6);
	n_rest = default_sigs(rest, MAX_SIGS);
	take_known(known_pick(vs, signs_kx, true), rest, &n_rest, vs->sigs,
		   &vs->n_sigs);
	pick_loop(w, vs, &h, &h.sigs, &h.n_sigs, rest, n_rest, picked_sig,
		  vs->sigs, &vs->n_sigs, MAX_SIGS);
}

/*
 * Whether one TLS 1.2 hello can ask for a group and a signature scheme at
 * once: every ECDHE suite accepted is signed with RSA, and so is every
 * suite that signs. The server's group then does not hang on the schemes
 * offered, nor its scheme on the groups (an ECDSA key's curve would have
 * to stay among the groups offered), nor either on which of the suites
 * it takes, so each answer counts for both loops.
 */
static bool one_hello_for_both(const struct vstate *vs)
{
	bool ecdhe = false;
	size_t i;

	if (vs->version != 0x0303)
		return false;
	for (i = 0; i < vs->n_order; i++) {
		const struct tp_suite *s = tp_registry_suite(vs->order[i]);

		if ((is_ecdhe(vs->order[i]) || signs_kx(vs->order[i])) &&
		    (!signs_kx(vs->order[i]) || s->auth != TP_AUTH_RSA))
			return false;
		ecdhe = ecdhe || is_ecdhe(vs->order[i]);
	}
	return ecdhe;
}

/* Notes a pick of the shared loop as pick_loop does: found, no longer
 * offered, or the end of that loop when it was not offered. */
static void note_pick(uint16_t p, uint16_t *rest, size_t *n_rest,
		      uint16_t *found, size_t *n_found, bool *over)
{
	if (!offered(found, *n_found, p))
		found[(*n_found)++] = p;
	if (!offered(rest, *n_rest, p))
		*over = true;
	else
		remove_id(rest, n_rest, p);
}

/*
 * TLS 1.2 groups and signature schemes when one hello asks for both
 * (one_hello_for_both): both chosen-removed loops advance on the same
 * connections, each offering what is left of its list, until one of
 * them is over; a refusal does not say which, so each then goes on
 * alone as job_groups and job_sigs would, from where it got to.
 */
static void job_groups_sigs(struct worker *w, struct vstate *vs)
{
	uint16_t suites[BUNDLE], sig_suites[BUNDLE], groups[MAX_GROUPS];
	uint16_t offer[MAX_GROUPS], sigs[MAX_SIGS];
	struct hello h = {.version = vs->version, .suites = suites,
			  .purpose = 1, .vs = vs};
	struct hello hs = {.version = vs->version, .suites = sig_suites,
			   .groups = w->groups, .n_groups = w->n_groups,
			   .purpose = 2, .vs = vs};
	struct answer a = {0};
	size_t i, n_groups, n_offer, n_sigs;
	bool groups_over = false, sigs_over = false;

	for (i = 0; i < vs->n_order && h.n_suites < BUNDLE; i++)
		if (is_ecdhe(vs->order[i]))
			suites[h.n_suites++] = vs->order[i];
	for (i = 0; i < vs->n_order && hs.n_suites < BUNDLE; i++)
		if (signs_kx(vs->order[i]))
			sig_suites[hs.n_suites++] = vs->order[i];
	n_groups = loop_groups(vs->version, groups);
	memcpy(offer, groups, n_groups * sizeof(uint16_t));
	n_offer = n_groups;
	n_sigs = default_sigs(sigs, MAX_SIGS);
	add_estimate(w->sc, 6);
	take_known(known_pick(vs, is_ecdhe, false), groups, &n_groups,
		   vs->groups, &vs->n_groups);
	take_known(known_pick(vs, signs_kx, true), sigs, &n_sigs, vs->sigs,
		   &vs->n_sigs);
	while (!groups_over && !sigs_over && n_groups > 0 && n_sigs > 0 &&
	       vs->n_groups < MAX_GROUPS && vs->n_sigs < MAX_SIGS) {
		uint16_t pg, ps;

		h.groups = groups;
		h.n_groups = n_groups;
		h.sigs = sigs;
		h.n_sigs = n_sigs;
		probe(w->sc, &h, &w->rd, &a);
		free(a.leaf);
		a.leaf = NULL;
		pg = a.kind == ANS_ACCEPT ? picked_group(&a, vs->version) : 0;
		ps = a.kind == ANS_ACCEPT ? picked_sig(&a, vs->version) : 0;
		if (pg == 0 || ps == 0)
			break;
		note_pick(pg, groups, &n_groups, vs->groups, &vs->n_groups,
			  &groups_over);
		note_pick(ps, sigs, &n_sigs, vs->sigs, &vs->n_sigs,
			  &sigs_over);
	}
	h.sigs = w->sigs;
	h.n_sigs = w->n_sigs;
	if (!groups_over)
		pick_loop(w, vs, &h, &h.groups, &h.n_groups, groups, n_groups,
			  picked_group, vs->groups, &vs->n_groups, MAX_GROUPS);
	group_order(w, vs, &h, found_out_of_order(offer, n_offer, vs->groups,
						  vs->n_groups));
	if (!sigs_over)
		pick_loop(w, vs, &hs, &hs.sigs, &hs.n_sigs, sigs, n_sigs,
			  picked_sig, vs->sigs, &vs->n_sigs, MAX_SIGS);
}

/*
 * TLS 1.3 signature algorithms: the server signs in CertificateVerify,
 * which is encrypted, so these need a real handshake. GnuTLS runs it
 * with only the remaining schemes allowed; the one the server used is
 * removed and the loop goes on.
 */
static const struct {
	uint16_t id;
	const char *gnutls;  /* the priority keyword without "SIGN-" */
} sigs13[] = {
	{0x0403, "ECDSA-SECP256R1-SHA256"}, {0x0503, "ECDSA-SECP384R1-SHA384"},
	{0x0603, "ECDSA-SECP521R1-SHA512"}, {0x0804, "RSA-PSS-RSAE-SHA256"},
	{0x0805, "RSA-PSS-RSAE-SHA384"}, {0x0806, "RSA-PSS-RSAE-SHA512"},
	{0x0807, "EdDSA-Ed25519"}, {0x0808, "EdDSA-Ed448"},
	{0x0809, "RSA-PSS-SHA256"}, {0x080A, "RSA-PSS-SHA384"},
	{0x080B, "RSA-PSS-SHA512"},
};

/* One handshake offering the schemes in offer; *used is the one the
 * server signed with, 0 when the handshake failed. */
static void probe_sig13(struct scan *sc, const bool *offer, uint16_t *used)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	struct answer a = {0};
	char prio[768];
	size_t i, len;
	double deadline;
	int fd = -1, rc;

	*used = 0;
	len = (size_t)snprintf(prio, sizeof(prio),
			       "NORMAL:-VERS-ALL:+VERS-TLS1.3:-SIGN-ALL");
	for (i = 0; i < sizeof(sigs13) / sizeof(sigs13[0]); i++)
		if (offer[i] && len < sizeof(prio) - 40)
			len += (size_t)snprintf(prio + len, sizeof(prio) - len,
						":+SIGN-%s", sigs13[i].gnutls);
	pace(sc);
	if (!take_connection(sc, 2) || open_conn(sc, &fd, &a) < 0)
		return;
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_priority_set_direct(s, prio, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto out;
	if (sc->sni != NULL)
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, sc->sni,
				       strlen(sc->sni));
	gnutls_transport_set_int(s, fd);
	deadline = step_deadline(sc, sc->timeout_ms);
	do {
		rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (tp_net_wait(fd, gnutls_record_get_direction(s)
					? POLLOUT : POLLIN, deadline) <= 0)
				break;
		}
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc == 0) {
		const char *name = gnutls_sign_get_name(
			(gnutls_sign_algorithm_t)gnutls_sign_algorithm_get(s));

		for (i = 0; name != NULL &&
		     i < sizeof(sigs13) / sizeof(sigs13[0]); i++)
			if (strcasecmp(name, sigs13[i].gnutls) == 0)
				*used = sigs13[i].id;
	}
out:
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	setsockopt(fd, SOL_SOCKET, SO_LINGER,
		   &(struct linger){.l_onoff = 1, .l_linger = 0},
		   sizeof(struct linger));
	close_conn(sc, fd);
}

static void job_sigs13(struct worker *w, struct vstate *vs)
{
	bool offer[sizeof(sigs13) / sizeof(sigs13[0])];
	size_t i, left = sizeof(offer) / sizeof(offer[0]);

	for (i = 0; i < left; i++)
		offer[i] = true;
	add_estimate(w->sc, 3);
	while (left > 0 && vs->n_sigs < MAX_SIGS) {
		uint16_t used;

		probe_sig13(w->sc, offer, &used);
		if (used == 0) {
			if (out_of_time(w->sc)) {
				pthread_mutex_lock(&w->sc->lock);
				vs->cut |= PART_SIGS;
				pthread_mutex_unlock(&w->sc->lock);
			}
			break;
		}
		for (i = 0; i < sizeof(offer) / sizeof(offer[0]); i++)
			if (sigs13[i].id == used && offer[i]) {
				offer[i] = false;
				left--;
				break;
			}
		if (i == sizeof(offer) / sizeof(offer[0]))
			break;  /* it used one it was not offered */
		vs->sigs[vs->n_sigs++] = used;
	}
}

enum job_kind { JOB_SUITES, JOB_GROUPS, JOB_SIGS, JOB_SIGS13,
		JOB_GROUPS_SIGS };

struct job {
	enum job_kind kind;
	struct vstate *vs;
};

struct pool {
	struct scan *sc;
	struct job *jobs;
	size_t n_jobs, next;
};

static void *worker_main(void *arg)
{
	struct pool *p = arg;
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->sc = p->sc;
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p->sc->lock);
		j = p->next < p->n_jobs ? &p->jobs[p->next++] : NULL;
		pthread_mutex_unlock(&p->sc->lock);
		if (j == NULL)
			break;
		w->n_groups = default_groups(j->vs->version, w->groups,
					     MAX_GROUPS);
		w->n_sigs = default_sigs(w->sigs, MAX_SIGS);
		switch (j->kind) {
		case JOB_SUITES: job_suites(w, j->vs); break;
		case JOB_GROUPS: job_groups(w, j->vs); break;
		case JOB_SIGS: job_sigs(w, j->vs); break;
		case JOB_SIGS13: job_sigs13(w, j->vs); break;
		case JOB_GROUPS_SIGS: job_groups_sigs(w, j->vs); break;
		}
	}
	free(w);
	return NULL;
}

/* Runs the jobs on up to --concurrency threads; the caller's thread is
 * one of them. */
static void run_jobs(struct scan *sc, struct job *jobs, size_t n)
{
	struct pool p = {.sc = sc, .jobs = jobs, .n_jobs = n};
	pthread_t t[32];
	unsigned want = sc->o->concurrency ? sc->o->concurrency
					: TP_DEFAULT_CONCURRENCY;
	unsigned started = 0, i;

	if (want > 32)
		want = 32;
	if (want > n)
		want = (unsigned)n;
	for (i = 1; i < want; i++)
		if (pthread_create(&t[started], NULL, worker_main, &p) == 0)
			started++;
	worker_main(&p);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

/* ---- which versions a server speaks, for another probe ---- */

int tp_ciphers_versions(const struct sockaddr *sa, socklen_t len,
			const char *host, const char *sni, int starttls,
			double deadline, volatile sig_atomic_t *stop,
			enum tp_version_answer answers[5])
{
	struct tp_ciphers_opts o = {.host = host, .stop = stop};
	struct tp_wire_reader rd;
	struct scan *sc;
	uint16_t groups[MAX_GROUPS], sigs[MAX_SIGS];
	int i, answered = 0;

	for (i = 0; i < 5; i++)
		answers[i] = TP_VERSION_UNKNOWN;
	if (len > sizeof(sc->addr))
		return 0;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return -1;
	pthread_mutex_init(&sc->lock, NULL);
	sc->o = &o;
	memcpy(&sc->addr, sa, len);
	sc->addr_len = len;
	sc->sni = sni;
	sc->starttls = (enum tp_starttls)starttls;
	sc->budget = 5;
	sc->deadline = deadline;
	sc->timeout_ms = deadline - tp_now_ms();
	/* newest first: a server that stalls on old hellos costs the
	 * answers that matter least */
	for (i = 4; i >= 0 && tp_now_ms() < deadline; i--) {
		struct vstate *vs = &sc->v[i];
		struct hello h = {.version = (uint16_t)(0x0300 + i),
				  .groups = groups, .sigs = sigs, .vs = vs};
		struct answer a;

		vs->version = h.version;
		candidates(vs);
		h.suites = vs->cand;
		h.n_suites = vs->n_cand < BUNDLE ? vs->n_cand : BUNDLE;
		h.n_groups = default_groups(h.version, groups, MAX_GROUPS);
		h.n_sigs = default_sigs(sigs, MAX_SIGS);
		probe_once(sc, &h, &rd, &a);
		free(a.leaf);
		if (a.kind == ANS_ACCEPT)
			answers[i] = TP_VERSION_ACCEPTED;
		else if (a.kind == ANS_REFUSE || a.kind == ANS_LOWER)
			answers[i] = TP_VERSION_REFUSED;
		answered += answers[i] != TP_VERSION_UNKNOWN;
	}
	pthread_mutex_destroy(&sc->lock);
	free(sc->leaf);
	free(sc);
	return answered;
}

/* ---- the run ---- */

static int parse_protocols(const char *list, bool want[5],
			   struct tp_error *err)
{
	const struct tp_version *all;
	char *copy, *tok, *save = NULL;
	size_t n, i;

	all = tp_registry_versions(&n);
	for (i = 0; i < 5; i++)
		want[i] = list == NULL;
	if (list == NULL)
		return 0;
	copy = strdup(list);
	if (copy == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ", :\t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", :\t", &save)) {
		const struct tp_version *v = tp_registry_version_by_name(tok);

		if (v == NULL) {
			tp_error_set(err, TP_ERR_USAGE, "{protocols}: unknown "
				     "version '%s' (known: SSL3.0, TLS1.0, "
				     "TLS1.1, TLS1.2, TLS1.3)", tok);
			free(copy);
			return -1;
		}
		for (i = 0; i < n && i < 5; i++)
			if (all[i].id == v->id)
				want[i] = true;
	}
	free(copy);
	/* a list that names nothing testable would audit nothing and pass:
	 * an empty variable in a CI job must not turn it green */
	for (i = 0; i < 5; i++)
		if (want[i])
			return 0;
	tp_error_set(err, TP_ERR_USAGE, "{protocols} '%s': names no version "
		     "to test (known: SSL3.0, TLS1.0, TLS1.1, TLS1.2, TLS1.3)",
		     list);
	return -1;
}

/*
 * Through a proxy, the first tunnel is the proxy stage: a tunnel that
 * did not open (rc -2) is the proxy's finding, once; later ones are
 * the probes' failures as any connection's.
 */
static bool first_tunnel(struct scan *sc, struct tp_report *r, int rc,
			 const struct tp_proxy_result *pres)
{
	struct tp_stage *stage = tp_report_stage(r, "proxy");
	char url[320];

	if (rc == 0) {
		tp_proxy_url(sc->route.proxy, url, sizeof(url));
		tp_stage_set(stage, TP_STAGE_OK, pres->ms, "%s via %s to %s: "
			     "%s; each probe opens a tunnel of its own",
			     tp_proxy_kind_name(sc->route.proxy->kind), url,
			     sc->where, pres->answer);
		return true;
	}
	tp_stage_set_finding(stage, TP_STAGE_FAIL, pres->ms,
			     tp_proxy_diagnose(r, sc->route.proxy, sc->where,
					       pres),
			     "the tunnel did not open");
	return false;
}

/* The first connection: tcp (and proxy, and starttls) as stages, so
 * that a closed port is diagnosed once, not by every probe. */
static bool first_contact(struct scan *sc, struct tp_report *r)
{
	struct tp_stage *stage = tp_report_stage(r, "tcp");
	struct tp_net_result nr;
	struct tp_proxy_result pres;
	double t0 = tp_now_ms();
	int fd, rc;

	rc = gated_connect(sc, sc->o->stop, &fd, &nr, &pres);
	sc->connections++;
	if (nr.status == TP_NETRES_CANCELLED) {
		tp_stage_set(tp_report_stage(r, rc == -2 ? "proxy" : "tcp"),
			     TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     nr.message);
		return false;
	}
	if (rc == -1 && sc->route.proxy != NULL) {
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     nr.message);
		tp_proxy_refused(r, sc->route.proxy, &nr, NULL);
		return false;
	}
	if (rc == -1) {
		static const enum tp_code codes[] = {
			[TP_NETRES_REFUSED] = TP_TCP_REFUSED,
			[TP_NETRES_TIMEOUT] = TP_TCP_TIMEOUT,
			[TP_NETRES_UNREACHABLE] = TP_NET_UNREACHABLE,
			[TP_NETRES_NONAME] = TP_DNS_FAILURE,
			[TP_NETRES_ERROR] = TP_NET_UNREACHABLE,
		};

		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     nr.message);
		tp_report_finding(r, codes[nr.status], "%s", nr.message);
		return false;
	}
	tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0 - pres.ms, NULL);
	if (sc->route.proxy != NULL && !first_tunnel(sc, r, rc, &pres))
		return false;
	{
		char local[80], remote[80];
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		local[0] = '\0';
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			tp_addr_format((struct sockaddr *)&ss, local,
				       sizeof(local));
		if (sc->route.proxy != NULL)
			tp_addr_format((const struct sockaddr *)
				       &sc->route.addr, remote,
				       sizeof(remote));
		tp_stage_set_ends(tp_report_stage(r, "tcp"), local,
				  sc->route.proxy != NULL ? remote
				  : sc->where);
	}
	if (sc->starttls != TP_STARTTLS_NONE) {
		struct tp_stage *ss = tp_report_stage_after(r, "starttls",
			sc->route.proxy != NULL ? "proxy" : "tcp");
		struct tp_starttls_result res;
		char line[512];

		t0 = tp_now_ms();
		if (tp_starttls_run(fd, sc->starttls, sc->o->host,
				    step_deadline(sc, sc->timeout_ms), NULL,
				    &res) < 0) {
			/* raw: the stage's and the finding's setters
			 * sanitise it, once */
			tp_starttls_describe_raw(&res, sc->starttls, line,
						 sizeof(line));
			tp_stage_set(ss, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
				     line);
			tp_report_finding(r, TP_STARTTLS_FAILED, "%s", line);
			close_conn(sc, fd);
			return false;
		}
		tp_stage_set(ss, TP_STAGE_OK, tp_now_ms() - t0,
			     "the server is ready for TLS");
	}
	close_conn(sc, fd);
	return true;
}

/*
 * Through a proxy, dns looks up the proxy's name; the target's too when
 * the proxy takes addresses. 1 when the target needs no lookup of ours,
 * 0 when it does, -1 when the audit ends here.
 */
static int resolve_proxy(struct scan *sc, struct tp_report *r, double t0)
{
	const struct tp_ciphers_opts *o = sc->o;
	struct tp_stage *stage = tp_report_stage(r, "dns");
	struct tp_net_result nr;
	bool v6 = strchr(o->host, ':') != NULL;

	if (tp_proxy_route_init(&sc->route, o->proxy, o->no_proxy, o->host,
				o->family, sc->timeout_ms, o->stop, &nr) < 0) {
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "the "
			     "proxy's name: %s", nr.message);
		if (nr.status != TP_NETRES_CANCELLED)
			tp_report_finding(r, TP_DNS_FAILURE, "the proxy's "
					  "name: %s", nr.message);
		return -1;
	}
	if (sc->route.proxy == NULL || o->address != NULL ||
	    !tp_proxy_resolves(sc->route.proxy))
		return 0;
	snprintf(sc->where, sizeof(sc->where), "%s%.64s%s:%u", v6 ? "[" : "",
		 o->host, v6 ? "]" : "", o->port);
	tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, "proxy %s; %s "
		     "resolved by the proxy", sc->route.proxy->host, o->host);
	return 1;
}

static int resolve(struct scan *sc, struct tp_report *r)
{
	struct tp_stage *stage = tp_report_stage(r, "dns");
	struct tp_resolved res;
	struct tp_net_result nr;
	double t0 = tp_now_ms();
	size_t i;
	int by_proxy = sc->o->proxy != NULL ? resolve_proxy(sc, r, t0) : 0;

	if (by_proxy != 0)
		return by_proxy > 0 ? 0 : -1;
	if (sc->o->address != NULL) {
		/* --targets resolved it: that address, the target's port */
		memset(&res, 0, sizeof(res));
		memset(&nr, 0, sizeof(nr));
		res.addr[0] = *sc->o->address;
		tp_addr_set_port(&res.addr[0], sc->o->port);
		res.len[0] = res.addr[0].ss_family == AF_INET6
			     ? sizeof(struct sockaddr_in6)
			     : sizeof(struct sockaddr_in);
		res.n = 1;
		nr.status = TP_NETRES_OK;
	} else {
		tp_net_resolve(sc->o->host, sc->o->port, sc->o->family,
			       sc->timeout_ms, sc->o->stop, &res, &nr);
	}
	if (nr.status != TP_NETRES_OK || res.n == 0) {
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     nr.message);
		/* a stop is no finding about the name */
		if (nr.status != TP_NETRES_CANCELLED)
			tp_report_finding(r, TP_DNS_FAILURE, "%s",
					  nr.message);
		return -1;
	}
	for (i = 0; i < res.n; i++) {
		char a[80];

		tp_addr_format_host((struct sockaddr *)&res.addr[i], a,
				    sizeof(a));
		tp_report_add_address(r, a);
	}
	/* every probe goes to the first address, so that the answers
	 * describe one server */
	memcpy(&sc->addr, &res.addr[0], res.len[0]);
	sc->addr_len = res.len[0];
	tp_addr_format((struct sockaddr *)&sc->addr, sc->where,
		       sizeof(sc->where));
	if (sc->o->address != NULL)
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, "address "
			     "given: %s (not looked up again)", sc->where);
	else
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0,
			     "%zu address%s", res.n, res.n == 1 ? "" : "es");
	return 0;
}

double tp_ciphers_default_max_time(const struct tp_ciphers_opts *o)
{
	double timeout = o->timeout_s > 0 ? o->timeout_s
			 : TP_DEFAULT_TIMEOUT_S;
	unsigned budget = o->budget ? o->budget : TP_DEFAULT_BUDGET;
	unsigned at_once = o->concurrency ? o->concurrency
					    : TP_DEFAULT_CONCURRENCY;
	double rounds = (budget + at_once - 1) / at_once;

	/* a real server answers in milliseconds: at a quarter of --timeout
	 * a connection, on average, it is stalling the audit */
	return rounds * timeout / 4 > 2 * timeout ? rounds * timeout / 4
						  : 2 * timeout;
}

/* What is left of a version's audit once its suites are known: groups
 * (TLS 1.0 and later; before 1.3 only with an ECDHE suite to show them)
 * and signature algorithms (TLS 1.2 with a suite that signs, TLS 1.3). */
static unsigned second_parts(const struct vstate *vs)
{
	unsigned parts = 0;
	size_t i;

	if (!vs->accepted)
		return 0;
	for (i = 0; i < vs->n_order; i++) {
		if (vs->version >= 0x0301 &&
		    (vs->version == 0x0304 || is_ecdhe(vs->order[i])))
			parts |= PART_GROUPS;
		if (vs->version == 0x0304 ||
		    (vs->version == 0x0303 && signs_kx(vs->order[i])))
			parts |= PART_SIGS;
	}
	return parts;
}

/*
 * One run of the audit: what its stages share. Each stage reads what
 * the ones before it found and fills r; the stop flag is honoured by the
 * probes themselves (take_connection, probe_once), so that a stopped
 * audit still ends in a report of what it saw.
 */
struct run {
	const struct tp_ciphers_opts *o;
	struct tp_report *r;
	struct scan *sc;
	struct tp_policy *policy;
	struct tp_livecap *lc;
	bool capture;           /* --capture or --pcap-out */
	bool want[5];           /* --protocols, in versions' order */
	char sni_ascii[TP_ADDR_NAME_SIZE];
	double t0;
};

static const uint16_t versions[5] = {0x0300, 0x0301, 0x0302, 0x0303,
				     0x0304};

/* Everything before the first packet: the options checked, the policy
 * read, so that bad input fails fast. */
int tp_ciphers_opts_check(const struct tp_ciphers_opts *o,
			  struct tp_error *err)
{
	char ascii[TP_ADDR_NAME_SIZE];
	struct tp_policy *policy;
	bool want[5];
	int rc;

	/* whatever front end filled o, no name that cannot be one reaches
	 * DNS or a ClientHello */
	if (tp_addr_check_name("target", o->host != NULL ? o->host : "",
			       ascii, err) < 0 ||
	    (o->sni != NULL &&
	     tp_addr_check_name("sni", o->sni, ascii, err) < 0) ||
	    parse_protocols(o->protocols, want, err) < 0 ||
	    tp_opts_check_seconds("timeout", o->timeout_s, err) < 0 ||
	    tp_opts_check_seconds("max-time", o->max_time_s, err) < 0)
		return -1;
	if (o->starttls < TP_STARTTLS_NONE || o->starttls > TP_STARTTLS_LDAP) {
		tp_error_set(err, TP_ERR_USAGE, "{starttls}: no protocol "
			     "number %d", o->starttls);
		return -1;
	}
	if (o->policy == NULL)
		return 0;
	policy = malloc(sizeof(*policy));
	if (policy == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	rc = tp_policy_parse(o->policy, policy, err);
	free(policy);
	return rc;
}

static int check_input(struct run *run, struct tp_error *err)
{
	const struct tp_ciphers_opts *o = run->o;

	if (tp_ciphers_opts_check(o, err) < 0)
		return -1;
	/* what the checks accepted, in the forms the run uses */
	if (o->sni != NULL)
		(void)tp_addr_check_name("sni", o->sni, run->sni_ascii, err);
	(void)parse_protocols(o->protocols, run->want, err);
	if (run->capture) {
		struct tp_livecap_opts co = {.user = o->user};

		/* not permitted: say so before any network step */
		if (tp_livecap_check(&co, err) < 0)
			return -1;
	}
	if (o->policy != NULL) {
		run->policy = calloc(1, sizeof(*run->policy));
		if (run->policy == NULL) {
			tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
			return -1;
		}
		if (tp_policy_parse(o->policy, run->policy, err) < 0)
			return -1;
	}
	return 0;
}

/* The audit's state and its limits: timeout, budget, --max-time. */
static int prepare(struct run *run, struct tp_error *err)
{
	const struct tp_ciphers_opts *o = run->o;
	struct scan *sc;

	run->sc = sc = calloc(1, sizeof(*sc));
	run->r->scan = calloc(1, sizeof(*run->r->scan));
	if (sc == NULL || run->r->scan == NULL) {
		free(sc);
		run->sc = NULL;
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	pthread_mutex_init(&sc->lock, NULL);
	sc->o = o;
	sc->starttls = (enum tp_starttls)o->starttls;
	sc->timeout_ms = (o->timeout_s > 0 ? o->timeout_s
			  : TP_DEFAULT_TIMEOUT_S) * 1000;
	sc->budget = o->budget ? o->budget : TP_DEFAULT_BUDGET;
	sc->max_time_ms = (o->max_time_s > 0 ? o->max_time_s
			   : tp_ciphers_default_max_time(o)) * 1000;
	sc->deadline = run->t0 + sc->max_time_ms;
	sc->sni = tp_addr_sni_form(o->no_sni ? NULL
				   : o->sni != NULL ? run->sni_ascii
				   : tp_addr_is_literal(o->host) ? NULL
				   : o->host, run->sni_ascii);
	return 0;
}

/* The report's target and stages, and the versions to audit with their
 * candidate suites. -1: out of memory. */
static int plan(struct run *run)
{
	struct scan *sc = run->sc;
	struct tp_report *r = run->r;
	size_t i;

	if (tp_report_set_target(r, run->o->host, run->o->port, sc->sni) < 0)
		return -1;
	/* the proxy the probes will go through, unless no_proxy says no */
	if (run->o->proxy != NULL && run->o->proxy->kind != TP_PROXY_NONE &&
	    !tp_proxy_bypass(run->o->no_proxy, run->o->host)) {
		tp_proxy_url(run->o->proxy, r->proxy_url,
			     sizeof(r->proxy_url));
		snprintf(r->proxy_kind, sizeof(r->proxy_kind), "%s",
			 tp_proxy_kind_name(run->o->proxy->kind));
	}
	if (sc->starttls != TP_STARTTLS_NONE)
		r->scan->starttls = tp_report_strdup(
			tp_starttls_name(sc->starttls));
	if (run->policy != NULL)
		r->scan->policy_syntax = tp_report_strdup(
			tp_policy_syntax_name(run->policy->syntax));
	for (i = 0; i < 5; i++) {
		struct vstate *vs = &sc->v[sc->n_v++];

		vs->version = versions[i];
		vs->tested = run->want[i];
		if (run->want[i]) {
			candidates(vs);
			sc->estimate += (unsigned)(vs->n_cand + BUNDLE - 1) /
					BUNDLE + 1;
		}
	}
	if (tp_report_add_standard_stages(r) < 0)
		return -1;
	return r->proxy_url[0] != '\0' &&
	       tp_report_stage_after(r, "proxy", "tcp") == NULL ? -1 : 0;
}

/* dns and tcp (and starttls): 1 when the server can be probed, 0 when
 * not (no version was then tested), -1 with err set when the capture
 * cannot start. */
static int stage_reach(struct run *run, struct tp_error *err)
{
	struct scan *sc = run->sc;
	bool reached = resolve(sc, run->r) == 0;
	size_t i;

	/* --capture: open before the first SYN, on the one address every
	 * probe goes to; privileges go as soon as it is open */
	if (reached && run->capture) {
		struct tp_livecap_opts co = {
			.pcap_out = run->o->pcap_out, .user = run->o->user,
		};

		run->r->has_packets = true;
		/* through a proxy, the packets are those to the proxy */
		if (sc->route.proxy != NULL)
			run->lc = tp_livecap_start(&co, &sc->route.addr, 1,
						   sc->route.proxy->port, err);
		else
			run->lc = tp_livecap_start(&co, &sc->addr, 1,
						   run->o->port, err);
		if (run->lc == NULL)
			return -1;
	}
	if (reached && first_contact(sc, run->r))
		return 1;
	/* nothing was asked: no version was tested */
	for (i = 0; i < sc->n_v; i++)
		sc->v[i].tested = false;
	return 0;
}

/* The suites of every version tested, newest first: they decide most
 * of the grade. */
static void stage_suites(struct run *run)
{
	struct scan *sc = run->sc;
	struct job jobs[16];
	size_t n_jobs = 0, i;

	for (i = sc->n_v; i-- > 0;)
		if (sc->v[i].tested)
			jobs[n_jobs++] = (struct job){JOB_SUITES, &sc->v[i]};
	run_jobs(sc, jobs, n_jobs);
}

/* Groups and signature algorithms of the versions accepted; a part
 * never tried is noted as cut (the deadline) or skipped (a server that
 * stalls after its ServerHello). */
static void stage_second_parts(struct run *run)
{
	struct scan *sc = run->sc;
	struct job jobs[16];
	size_t n_jobs = 0, i;

	for (i = sc->n_v; i-- > 0;) {
		struct vstate *vs = &sc->v[i];
		unsigned parts = second_parts(vs);

		if (sc->expired) {
			vs->cut |= parts;
			continue;
		}
		/* a version whose suites ended in a broken answer or the
		 * budget is not worth more connections */
		if (!vs->accepted || vs->stopped || sc->fatal)
			continue;
		/* before TLS 1.3 both come from the ServerKeyExchange, which
		 * a server that stops after its ServerHello never sends */
		if (sc->stalls_after_hello && vs->version < 0x0304) {
			vs->skipped |= parts;
			continue;
		}
		/* SSL 3.0 has no named groups (RFC 8422 starts at TLS 1.0) */
		if (one_hello_for_both(vs))
			jobs[n_jobs++] = (struct job){JOB_GROUPS_SIGS, vs};
		else if (vs->version >= 0x0301)
			jobs[n_jobs++] = (struct job){JOB_GROUPS, vs};
		if (vs->version == 0x0303 && !one_hello_for_both(vs))
			jobs[n_jobs++] = (struct job){JOB_SIGS, vs};
		if (vs->version == 0x0304)
			jobs[n_jobs++] = (struct job){JOB_SIGS13, vs};
	}
	run_jobs(sc, jobs, n_jobs);
}

/* The findings over what the probes saw (and the capture, if any), then
 * the grade; a grade over part of the server says so. -1: out of
 * memory. */
static int stage_judge(struct run *run)
{
	struct scan *sc = run->sc;
	struct tp_report *r = run->r;
	unsigned cert_bits = 0;
	int cert_pk = 0;

	if (tp_ciphers_copy_results(sc, r->scan) < 0)
		return -1;
	tp_ciphers_describe_leaf(sc, r, &cert_bits, &cert_pk);
	tp_ciphers_findings(sc, r);
	if (run->lc != NULL) {
		struct tp_flow_evidence ev;

		tp_livecap_stop(run->lc);
		tp_livecap_timeline(run->lc, r);
		tp_livecap_evidence(run->lc, NULL, &ev);
		tp_diag_capture(r, &ev);
	}
	/* an alert that is no refusal proves nothing refused */
	if (!tp_ciphers_any_accepted(sc) && !sc->not_tls && sc->answered > 0 &&
	    sc->alerted == 0)
		tp_report_finding(r, TP_NO_SHARED_CIPHER, "%s refused every "
				  "version and every suite offered", sc->where);
	if (tp_grade_scan(r, run->policy, cert_bits, cert_pk) < 0)
		return -1;
	/* a grade over part of the server is no grade of all of it */
	if (r->scan->grade != '\0' && (sc->expired || sc->stalls > 0) &&
	    tp_strv_add(&r->scan->grade_reasons, &r->scan->n_grade_reasons,
			"provisional: the audit did not see everything "
			"(SCAN_INCOMPLETE); the grade covers what it saw") < 0)
		return -1;
	r->scan->ms = tp_now_ms() - run->t0;
	r->total_ms = r->scan->ms;
	return 0;
}

/* Everything let go, however far the run got. */
static void finish(struct run *run)
{
	tp_livecap_free(run->lc);
	if (run->sc != NULL) {
		free(run->sc->leaf);
		pthread_mutex_destroy(&run->sc->lock);
		free(run->sc);
	}
	free(run->policy);
}

int tp_ciphers_run(const struct tp_ciphers_opts *o, struct tp_report *r,
		   struct tp_error *err)
{
	return tp_ciphers_run_at(o, r, err, NULL);
}

int tp_ciphers_run_at(const struct tp_ciphers_opts *o, struct tp_report *r,
		      struct tp_error *err, struct tp_ciphers_reached *out)
{
	struct run run = {
		.o = o, .r = r, .t0 = tp_now_ms(),
		.capture = o->capture || o->pcap_out != NULL,
	};
	int reach;

	if (check_input(&run, err) < 0 || prepare(&run, err) < 0)
		goto fail;
	if (plan(&run) < 0)
		goto nomem;
	reach = stage_reach(&run, err);
	if (reach < 0)
		goto fail;
	if (reach > 0) {
		stage_suites(&run);
		stage_second_parts(&run);
		tp_ciphers_tls_stage(run.sc, r, run.t0);
	}
	if (out != NULL) {
		out->reached = reach > 0;
		out->addr = run.sc->addr;
		out->len = run.sc->addr_len;
		out->route = run.sc->route;
		snprintf(out->where, sizeof(out->where), "%s", run.sc->where);
		snprintf(out->sni, sizeof(out->sni), "%s",
			 run.sc->sni != NULL ? run.sc->sni : "");
		out->deadline = run.sc->deadline;
	}
	if (stage_judge(&run) < 0)
		goto nomem;
	finish(&run);
	return 0;
nomem:
	tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
fail:
	finish(&run);
	return -1;
}
