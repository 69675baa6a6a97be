/* The client's second looks into a failed handshake, and its diagnosis. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "client_retry.h"
#include "diag.h"
#include "net.h"
#include "starttls.h"

/*
 * A fresh connection ready for the ClientHello, for the second looks
 * below: connected, and past the STARTTLS prelude when there is one,
 * all by the one deadline of the stage it looks into. -1 when none
 * could be had; *cancelled when stop cut it short.
 */
static int connect_ready(const struct sockaddr *sa, socklen_t len,
			 double deadline, int mss, int starttls,
			 const char *host, volatile sig_atomic_t *stop,
			 bool *cancelled)
{
	struct tp_starttls_result pre;
	struct tp_net_result res;
	int fd;

	tp_net_connect_by(sa, len, deadline, mss, stop, &fd, &res);
	*cancelled = res.status == TP_NETRES_CANCELLED;
	if (fd >= 0 && starttls != TP_STARTTLS_NONE &&
	    tp_starttls_run(fd, (enum tp_starttls)starttls, host,
			    deadline, stop, &pre) < 0) {
		*cancelled = pre.status == TP_STARTTLS_CANCELLED;
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * A refusal before any ServerHello does not say whether the versions or
 * the suites failed to meet. One more handshake that offers everything
 * GnuTLS speaks shows what the server picks when it can; its messages go
 * to a scratch report, not to the user's ladder.
 */
static void second_opinion(const struct tp_tls_client_cfg *cfg,
			   const struct sockaddr *sa, socklen_t len,
			   double deadline, int starttls, const char *host,
			   struct tp_tls_obs *broad)
{
	static const char everything[] =
		"NORMAL:+VERS-TLS-ALL:+CIPHER-ALL:+MAC-ALL:+GROUP-ALL:"
		"+SIGN-ALL:+RSA:+DHE-RSA:+DHE-DSS:+ECDHE-RSA:+ECDHE-ECDSA";
	struct tp_tls_client_cfg wide = *cfg;
	struct tp_report *scratch = tp_report_new("client");
	int fd;

	memset(broad, 0, sizeof(*broad));
	broad->alert_in = -1;
	if (scratch == NULL)
		return;
	fd = connect_ready(sa, len, deadline, 0, starttls, host, cfg->stop,
			   &broad->cancelled);
	if (fd >= 0) {
		wide.priority = everything;
		wide.keylog = NULL;
		wide.n_pcerts = 0;
		wide.silent_until = 0;
		wide.inside_line = NULL;
		tp_tls_client_handshake(&wide, fd, deadline, scratch, broad);
		close(fd);
	}
	tp_report_free(scratch);
}

/* The MSS a retry uses to get under a path-MTU black hole: small enough
 * for the 576-byte minimum datagram of RFC 791 with headers and options. */
#define RETRY_MSS 500

/* One more try of the handshake on a fresh connection, in a thread, so
 * that the no-SNI and the small-MSS retries take the time of one. */
struct retry {
	struct tp_tls_client_cfg cfg;
	const struct sockaddr *sa;
	socklen_t len;
	double deadline;           /* the tls stage's */
	int mss;
	int starttls;          /* the prelude each connection needs */
	const char *host;      /* its host (XMPP's 'to') */
	struct tp_tls_obs obs;
	pthread_t thread;
	bool started;
};

static void *retry_main(void *arg)
{
	struct retry *t = arg;
	struct tp_report *scratch = tp_report_new("client");
	int fd;

	if (scratch == NULL)
		return NULL;
	fd = connect_ready(t->sa, t->len, t->deadline, t->mss, t->starttls,
			   t->host, t->cfg.stop, &t->obs.cancelled);
	if (fd >= 0) {
		tp_tls_client_handshake(&t->cfg, fd, t->deadline, scratch,
					&t->obs);
		close(fd);
	}
	tp_report_free(scratch);
	return NULL;
}

static void retry_start(struct retry *t, const struct tp_tls_client_cfg *cfg,
			const struct sockaddr *sa, socklen_t len,
			double deadline, bool no_sni, int mss,
			int starttls, const char *host)
{
	memset(t, 0, sizeof(*t));
	t->obs.alert_in = -1;
	t->cfg = *cfg;
	t->cfg.keylog = NULL;
	/* a fresh random: the server's account must stay the first try's */
	t->cfg.client_random = NULL;
	t->cfg.inside_line = NULL;
	t->cfg.silent_until = 0;
	if (no_sni)
		t->cfg.sni = NULL;
	t->sa = sa;
	t->len = len;
	t->deadline = deadline;
	t->mss = mss;
	t->starttls = starttls;
	t->host = host;
	t->started = pthread_create(&t->thread, NULL, retry_main, t) == 0;
}

static const struct tp_tls_obs *retry_join(struct retry *t)
{
	if (!t->started)
		return NULL;
	pthread_join(t->thread, NULL);
	return &t->obs;
}

/* The second looks at one failed handshake, and what they found. */
struct looks {
	struct tp_diag_ctx ctx;
	struct tp_tls_obs broad;
	enum tp_version_answer spoken[5];
	struct retry no_sni, small_mss;
};

/* The second looks t's failure calls for, within its budget; *fd is
 * closed (and -1) when one needs the server free. */
static void look_again(const struct tp_client_retry *t, int *fd,
		       struct looks *k)
{
	const struct tp_tls_obs *obs = t->obs;
	bool stalled = obs->timed_out && obs->alert_in < 0;
	/* second looks need time: none start once the budget is
	 * spent (a server that kept the handshake busy to the end,
	 * a byte now and then, gets no retry) */
	bool time_left = t->hs_end - tp_now_ms() > 0;
	bool reset = (obs->recv_errno == ECONNRESET ||
		      obs->recv_errno == EPIPE || obs->send_errno != 0) &&
		     obs->alert_in < 0 && obs->bytes_in == 0;
	socklen_t ml = sizeof(k->ctx.first_mss);

	if (t->proxy != NULL)
		return;
	if ((obs->alert_in == 40 || obs->alert_in == 71) &&
	    !obs->saw_server_hello) {
		second_opinion(t->cfg, t->sa, t->len, t->hs_end, t->starttls,
			       t->prelude_host, &k->broad);
		k->ctx.broad = &k->broad;
	}
	/*
	 * Our versions refused, or a ServerHello in one we did not
	 * offer: "no version in common" says what we offered, not
	 * what the server speaks. One raw ClientHello per version
	 * (the cipher audit's) tells, within what is left of the
	 * stage, so the fix can name the side that must move.
	 */
	if ((obs->alert_in == 70 ||
	     obs->status == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
	     ((obs->alert_in == 40 || obs->alert_in == 71) &&
	      !obs->saw_server_hello)) &&
	    t->hs_end - tp_now_ms() > 0) {
		/* a server that serves one connection at a time
		 * waits on ours until it goes */
		close(*fd);
		*fd = -1;
		if (tp_ciphers_versions(t->sa, t->len, t->prelude_host,
					t->cfg->sni, t->starttls, t->hs_end,
					t->cfg->stop, k->spoken) > 0)
			k->ctx.spoken = k->spoken;
	}
	/*
	 * A reset or a stall may be the path's doing: a filter on
	 * the server name, or large segments lost without an ICMP
	 * message to say so. The retries run side by side on what
	 * is left of the budget (half of it after a silent server).
	 */
	k->no_sni.started = k->small_mss.started = false;
	if (stalled || reset) {
		/* a server that serves one handshake at a time must
		 * be free for the retries, the small-MSS one first */
		if (getsockopt(*fd, IPPROTO_TCP, TCP_MAXSEG,
			       &k->ctx.first_mss, &ml) < 0)
			k->ctx.first_mss = 0;
		close(*fd);
		*fd = -1;
	}
	if (stalled && time_left) {
		k->ctx.retry_mss = RETRY_MSS;
		retry_start(&k->small_mss, t->cfg, t->sa, t->len, t->hs_end,
			    false, RETRY_MSS, t->starttls, t->prelude_host);
	}
	if ((stalled || reset) && t->cfg->sni != NULL && time_left)
		retry_start(&k->no_sni, t->cfg, t->sa, t->len, t->hs_end,
			    true, 0, t->starttls, t->prelude_host);
	k->ctx.sni_retry = retry_join(&k->no_sni);
	k->ctx.mss_retry = retry_join(&k->small_mss);
}

int tp_client_retry_diagnose(const struct tp_client_retry *t,
			     struct tp_report *r,
			     const struct tp_finding **found)
{
	const char *priority = t->cfg->priority ? t->cfg->priority
			       : "NORMAL";
	char versions[128] = "", suites[512] = "";
	struct looks k = {
		.ctx = {
			.remote = t->remote, .sni = t->cfg->sni,
			.priority = priority,
			.offered_versions = versions,
			.offered_suites = suites,
			.our_subject = t->cfg->our_subject,
			.our_issuer = t->cfg->our_issuer,
			.timeout_ms = t->timeout_ms,
			.proxy = t->proxy,
			.starttls = t->starttls != TP_STARTTLS_NONE
				    ? tp_starttls_name(
					(enum tp_starttls)t->starttls)
				    : NULL,
		},
	};
	gnutls_priority_t prio;
	int fd = t->fd, rc = 0;

	*found = NULL;
	look_again(t, &fd, &k);
	/* a second look cut short proves nothing either way */
	if ((k.ctx.broad != NULL && k.broad.cancelled) ||
	    (k.ctx.sni_retry != NULL && k.ctx.sni_retry->cancelled) ||
	    (k.ctx.mss_retry != NULL && k.ctx.mss_retry->cancelled)) {
		rc = -1;
	} else {
		if (gnutls_priority_init(&prio, priority, NULL) >= 0) {
			tp_tls_describe_priority(prio, versions,
						 sizeof(versions), suites,
						 sizeof(suites));
			gnutls_priority_deinit(prio);
		}
		*found = tp_diag_tls_failure(r, t->obs, &k.ctx);
	}
	if (k.ctx.broad != NULL)
		tp_tls_obs_free(&k.broad);
	if (k.no_sni.started)
		tp_tls_obs_free(&k.no_sni.obs);
	if (k.small_mss.started)
		tp_tls_obs_free(&k.small_mss.obs);
	if (fd >= 0)
		close(fd);
	return rc;
}
