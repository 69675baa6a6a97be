/* The client probe: dns, tcp, tls, verify, each with a deadline. */
#include <errno.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cert.h"
#include "diag.h"
#include "livecap.h"
#include "net.h"
#include "pair.h"
#include "registry.h"
#include "starttls.h"
#include "tls.h"

/* What is loaded before the first packet, so bad input fails fast. */
struct loaded {
	struct tp_trust *trust;
	gnutls_x509_crt_t *chain;
	unsigned n_chain;
	gnutls_x509_privkey_t x509_key;
	gnutls_pcert_st *pcerts;
	unsigned n_pcerts;
	gnutls_privkey_t key;
	FILE *keylog;
};

static void unload(struct loaded *l)
{
	unsigned i;

	tp_trust_free(l->trust);
	for (i = 0; i < l->n_pcerts; i++)
		gnutls_pcert_deinit(&l->pcerts[i]);
	free(l->pcerts);
	tp_cert_free_chain(l->chain, l->n_chain);
	if (l->key != NULL)
		gnutls_privkey_deinit(l->key);
	if (l->x509_key != NULL)
		gnutls_x509_privkey_deinit(l->x509_key);
	if (l->keylog != NULL)
		fclose(l->keylog);
}

static int load(const struct tp_client_opts *o, struct loaded *l,
		struct tp_tls_client_cfg *cfg, struct tp_error *err)
{
	unsigned i;
	int rc;

	if (tp_tls_check_priority(o->priority, err) < 0 ||
	    tp_tls_check_alpn(o->alpn, err) < 0)
		return -1;
	if (o->starttls < TP_STARTTLS_NONE || o->starttls > TP_STARTTLS_LDAP) {
		tp_error_set(err, TP_ERR_USAGE, "--starttls: no protocol "
			     "number %d", o->starttls);
		return -1;
	}
	if ((o->cert_file == NULL) != (o->key_file == NULL)) {
		tp_error_set(err, TP_ERR_USAGE, "%s given without %s: a client "
			     "certificate needs both --cert and --key",
			     o->cert_file ? "--cert" : "--key",
			     o->cert_file ? "--key" : "--cert");
		return -1;
	}
	/* A --ca file is read now, so that a bad one fails before any
	 * packet; the system store (a hundred-odd CAs, tens of ms to parse)
	 * only when a chain arrives to be checked. */
	if (o->ca_file != NULL) {
		l->trust = tp_trust_load(o->ca_file, err);
		if (l->trust == NULL)
			return -1;
	}
	if (o->cert_file != NULL) {
		if (tp_cert_load_chain(o->cert_file, o->password, &l->chain,
				       &l->n_chain, NULL, err) < 0 ||
		    tp_cert_check_sendable("--cert", o->cert_file, l->chain,
					   l->n_chain, err) < 0 ||
		    tp_cert_load_key(o->key_file, o->password, &l->x509_key,
				     err) < 0)
			return -1;
		l->pcerts = calloc(l->n_chain, sizeof(*l->pcerts));
		if (l->pcerts == NULL)
			goto nomem;
		for (i = 0; i < l->n_chain; i++) {
			rc = gnutls_pcert_import_x509(&l->pcerts[i],
						      l->chain[i], 0);
			if (rc < 0) {
				tp_error_set(err, TP_ERR_USAGE, "--cert %s: "
					     "certificate %u: %s", o->cert_file,
					     i, gnutls_strerror(rc));
				return -1;
			}
			l->n_pcerts++;
		}
		if (gnutls_privkey_init(&l->key) < 0 ||
		    gnutls_privkey_import_x509(l->key, l->x509_key, 0) < 0) {
			tp_error_set(err, TP_ERR_USAGE, "--key %s: unusable "
				     "private key", o->key_file);
			return -1;
		}
		cfg->pcerts = l->pcerts;
		cfg->n_pcerts = l->n_pcerts;
		cfg->key = l->key;
		tp_cert_dn(l->chain[0], false, cfg->our_subject,
			   sizeof(cfg->our_subject));
		tp_cert_dn(l->chain[0], true, cfg->our_issuer,
			   sizeof(cfg->our_issuer));
	} else {
		snprintf(cfg->our_subject, sizeof(cfg->our_subject), "(none)");
		snprintf(cfg->our_issuer, sizeof(cfg->our_issuer), "(none)");
	}
	if (o->keylog_file != NULL) {
		l->keylog = tp_tls_keylog_open(o->keylog_file, err);
		if (l->keylog == NULL)
			return -1;
		cfg->keylog = l->keylog;
	}
	cfg->priority = o->priority;
	cfg->alpn = o->alpn;
	return 0;
nomem:
	tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
	return -1;
}

static void progress(const struct tp_client_opts *o, struct tp_report *r,
		     const char *stage)
{
	if (o->progress != NULL)
		o->progress(o->progress_arg, r, stage);
}

/*
 * The caller's stop flag cut stage short (it started at t0): the stage
 * is marked failed, "cancelled", and *cut names it. Nothing is diagnosed
 * from it, and the stages after it are not run.
 */
static void cancel_stage(struct tp_report *r, const char *stage, double t0,
			 const char **cut)
{
	tp_stage_set(tp_report_stage(r, stage), TP_STAGE_FAIL,
		     tp_now_ms() - t0, "cancelled");
	*cut = stage;
}

static void dns_failure(struct tp_report *r, const char *host,
			const struct tp_net_result *res)
{
	struct tp_finding *f;

	f = tp_report_finding(r, TP_DNS_FAILURE, "%s does not resolve: %s",
			      host, res->status == TP_NETRES_TIMEOUT
			      ? "the resolver did not answer in time"
			      : "no such name");
	tp_finding_detail(f, "%s", res->message);
	if (res->status == TP_NETRES_TIMEOUT)
		tp_finding_fix(f, "check that the resolvers in "
			       "/etc/resolv.conf are reachable");
}

static void tcp_failure(struct tp_report *r, const struct tp_net_result *res,
			const char *attempts)
{
	enum tp_code code;
	struct tp_finding *f;

	switch (res->status) {
	case TP_NETRES_REFUSED: code = TP_TCP_REFUSED; break;
	case TP_NETRES_TIMEOUT: code = TP_TCP_TIMEOUT; break;
	case TP_NETRES_UNREACHABLE: code = TP_NET_UNREACHABLE; break;
	default: code = TP_NET_UNREACHABLE; break;
	}
	f = tp_report_finding(r, code, "%s", res->message);
	tp_finding_detail(f, "%s", attempts);
}

/* Worse failures rank first when every address fails: a refusal proves
 * most about the far end, a time-out least. */
static int rank(enum tp_net_status s)
{
	switch (s) {
	case TP_NETRES_REFUSED: return 3;
	case TP_NETRES_UNREACHABLE: return 2;
	case TP_NETRES_TIMEOUT: return 1;
	default: return 0;
	}
}

/* Runs the tcp stage over every resolved address in turn, until the
 * stage's deadline; the stage began at t0 (with the side channel's
 * hello, which spends the same budget). */
static int connect_any(const struct tp_client_opts *o,
		       const struct tp_resolved *addrs, double t0,
		       double deadline, struct tp_report *r, char *remote,
		       size_t rsize, size_t *used_addr, const char **cut)
{
	struct tp_stage *st = tp_report_stage(r, "tcp");
	struct tp_net_result res, best = {.status = TP_NETRES_ERROR};
	char attempts[1024] = "", local[64];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t used = 0, i;
	int fd = -1;

	for (i = 0; i < addrs->n && fd < 0; i++) {
		tp_addr_format((const struct sockaddr *)&addrs->addr[i],
			       remote, rsize);
		tp_net_connect_by((const struct sockaddr *)&addrs->addr[i],
				  addrs->len[i], deadline, 0, o->stop, &fd,
				  &res);
		if (res.status == TP_NETRES_CANCELLED) {
			cancel_stage(r, "tcp", t0, cut);
			return -1;
		}
		if (used < sizeof(attempts))
			used += (size_t)snprintf(attempts + used,
				sizeof(attempts) - used, "%s%s: %s",
				i ? "; " : "", remote,
				tp_net_status_name(res.status));
		if (fd < 0 && (i == 0 || rank(res.status) > rank(best.status)))
			best = res;
	}
	if (fd < 0) {
		tp_stage_set(st, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     best.message);
		tcp_failure(r, &best, attempts);
		return -1;
	}
	local[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		tp_addr_format((struct sockaddr *)&ss, local, sizeof(local));
	tp_stage_set(st, TP_STAGE_OK, tp_now_ms() - t0, NULL);
	tp_stage_set_ends(st, local, remote);
	*used_addr = i - 1;
	return fd;
}

/* Replaces a text field with a copy of text that is already sanitised
 * (the setters would escape its escapes a second time). */
static void set_clean(char **field, const char *text)
{
	char *copy = strdup(text);

	if (copy != NULL) {
		free(*field);
		*field = copy;
	}
}

/*
 * The starttls stage: the plaintext prelude on the connected socket,
 * within the same per-stage time as the others. Returns -1 when the
 * server did not get ready for TLS.
 */
static int starttls_stage(const struct tp_client_opts *o, struct tp_report *r,
			  int fd, const char *host, double deadline,
			  const char **cut)
{
	struct tp_stage *st = tp_report_stage(r, "starttls");
	enum tp_starttls proto = (enum tp_starttls)o->starttls;
	struct tp_starttls_result res;
	struct tp_finding *f;
	const char *how = "";
	char line[512];
	double t0 = tp_now_ms();

	tp_starttls_run(fd, proto, host, deadline, o->stop, &res);
	if (res.status == TP_STARTTLS_CANCELLED) {
		cancel_stage(r, "starttls", t0, cut);
		return -1;
	}
	tp_starttls_describe(&res, proto, line, sizeof(line));
	tp_stage_set(st, res.status == TP_STARTTLS_OK ? TP_STAGE_OK
		     : TP_STAGE_FAIL, res.ms, NULL);
	if (st != NULL)
		set_clean(&st->detail, line);
	if (res.status == TP_STARTTLS_OK)
		return 0;
	f = tp_report_finding(r, TP_STARTTLS_FAILED, "%s", "");
	if (f == NULL)
		return -1;
	set_clean(&f->summary, line);
	switch (res.status) {
	case TP_STARTTLS_REFUSED: how = "a refusal"; break;
	case TP_STARTTLS_BUSY: how = "a temporary refusal (busy)"; break;
	case TP_STARTTLS_TIMEOUT: how = "no answer: it timed out"; break;
	case TP_STARTTLS_CLOSED: how = "the connection closed (FIN)"; break;
	case TP_STARTTLS_RESET: how = "the connection reset (RST)"; break;
	case TP_STARTTLS_PROTOCOL: how = "an answer that is not the protocol";
		break;
	case TP_STARTTLS_OK: case TP_STARTTLS_CANCELLED: break;
	}
	tp_finding_detail(f, "--starttls %s: the prelude ended at step '%s' "
			  "after %.1f ms with %s%s", tp_starttls_name(proto),
			  res.step, res.ms, how, res.status ==
			  TP_STARTTLS_TIMEOUT ? " (--timeout)" : "");
	if (res.status == TP_STARTTLS_BUSY) {
		tp_finding_fix(f, "the server refuses connections for now "
			       "(overloaded or shutting down): try again "
			       "later, or look at its log");
	} else if (res.status == TP_STARTTLS_TIMEOUT) {
		tp_finding_fix(f, "check that this port serves %s in plain "
			       "text first (a TLS-only port waits for a "
			       "ClientHello and sends nothing: drop "
			       "--starttls), or raise --timeout",
			       tp_starttls_name(proto));
	} else if (res.status == TP_STARTTLS_PROTOCOL) {
		const char *other;
		const char *guess = tp_diag_guess_protocol(
			(const unsigned char *)res.reply, strlen(res.reply),
			&other);

		if (res.reply[0] == 0x16 || res.reply[0] == 0x15)
			tp_finding_fix(f, "this port speaks TLS from the first "
				       "byte: drop --starttls");
		else if (guess != NULL && other != NULL &&
			 strcmp(other, tp_starttls_name(proto)) != 0)
			tp_finding_fix(f, "this port does not speak %s: the "
				       "answer looks like %s (use --starttls "
				       "%s)", tp_starttls_name(proto), guess,
				       other);
		else if (guess != NULL && other == NULL)
			tp_finding_fix(f, "this port does not speak %s: the "
				       "answer looks like %s",
				       tp_starttls_name(proto), guess);
	}
	return -1;
}

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
	struct tp_starttls_result st;
	struct tp_net_result res;
	int fd;

	tp_net_connect_by(sa, len, deadline, mss, stop, &fd, &res);
	*cancelled = res.status == TP_NETRES_CANCELLED;
	if (fd >= 0 && starttls != TP_STARTTLS_NONE &&
	    tp_starttls_run(fd, (enum tp_starttls)starttls, host,
			    deadline, stop, &st) < 0) {
		*cancelled = st.status == TP_STARTTLS_CANCELLED;
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

/*
 * A handshake that settled on SSL 3.0, TLS 1.0 or TLS 1.1 works, but it
 * is no pass: WEAK_PROTOCOL, judged as the cipher audit judges what a
 * server accepts. The fix is on the side that held the version down: the
 * server, when we offered TLS 1.2 or 1.3 (a modern client should not
 * give in by dropping them); our own priority when it offered nothing
 * newer.
 */
static void judge_version(const struct tp_client_opts *o, struct tp_report *r)
{
	const char *priority = o->priority ? o->priority : "NORMAL";
	const struct tp_version *v;
	char offered[128] = "", suites[256];
	gnutls_priority_t prio;
	struct tp_finding *f;
	bool newer;

	v = r->session.version != NULL
	    ? tp_registry_version_by_name(r->session.version) : NULL;
	if (v == NULL)
		return;
	f = tp_diag_weak_protocol(r, &v->id, 1, "negotiated");
	if (f == NULL)
		return;
	if (gnutls_priority_init(&prio, priority, NULL) >= 0) {
		tp_tls_describe_priority(prio, offered, sizeof(offered), suites,
					 sizeof(suites));
		gnutls_priority_deinit(prio);
	}
	newer = strstr(offered, "TLS1.2") != NULL ||
		strstr(offered, "TLS1.3") != NULL;
	tp_finding_detail(f, "we offered %s (priority '%s'); the server "
			  "chose %s, deprecated by %s", offered[0] ? offered
			  : "?", priority, v->name, v->id == 0x0300
			  ? "RFC 7568" : "RFC 8996");
	if (newer) {
		tp_finding_fix(f, "the fix is on the server: enable TLS 1.2 "
			       "and TLS 1.3 there and disable %s (OpenSSL: "
			       "MinProtocol = TLSv1.2; GnuTLS: a priority "
			       "with +VERS-TLS1.2:+VERS-TLS1.3 and "
			       "-VERS-TLS1.0:-VERS-TLS1.1); this client may "
			       "refuse %s meanwhile with --priority "
			       "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1", v->name,
			       v->name);
	} else {
		f->side = TP_SIDE_CLIENT;
		tp_finding_fix(f, "our --priority '%s' offers nothing newer "
			       "than %s: offer TLS 1.2 and TLS 1.3 "
			       "(--priority NORMAL), and enable them on the "
			       "server if it lacks them", priority,
			       v->name);
	}
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

static void verify(const struct tp_client_opts *o, struct loaded *l,
		   const struct tp_tls_obs *obs, const char *expect_name,
		   const char *expect_id, struct tp_report *r)
{
	struct tp_stage *st = tp_report_stage(r, "verify");
	struct tp_chain_check check = {
		.role = "server certificate",
		.purpose = TP_PURPOSE_SERVER,
		.expect_name = expect_name,
		.expect_id = expect_id,
		.now = o->now,
		.side = TP_SIDE_SERVER,
		.sent_by_peer = true,
	};
	struct tp_error err = {0};
	gnutls_x509_crt_t *chain = NULL;
	const char *prio = o->priority ? o->priority : "NORMAL";
	char refusal[300];
	unsigned n = 0;
	double t0 = tp_now_ms();
	int errors;

	/* GnuTLS's own verification refuses SHA-1 and MD5 certificate
	 * signatures unless the priority string allows them; say so as a
	 * GnuTLS application with this priority would fail */
	if (strstr(prio, "%VERIFY_ALLOW_SIGN_WITH_SHA1") == NULL &&
	    strstr(prio, "%VERIFY_ALLOW_BROKEN") == NULL) {
		snprintf(refusal, sizeof(refusal), "GnuTLS with priority '%s'",
			 prio);
		check.weak_hash_refusal = refusal;
	}

	if (obs->n_peer == 0) {
		if (obs->handshake_done)
			tp_stage_set(st, TP_STAGE_FAIL, 0, "the server sent "
				     "no certificate");
		return;
	}
	if (l->trust == NULL) {
		l->trust = tp_trust_load(NULL, &err);
		if (l->trust == NULL) {
			tp_stage_set(st, TP_STAGE_FAIL, tp_now_ms() - t0,
				     "cannot load the system store: %s",
				     err.raw);
			tp_finding_detail(tp_report_finding(r, TP_UNKNOWN_CA,
				"no trusted CA could be loaded to check the "
				"server certificate"), "%s", err.raw);
			return;
		}
	}
	if (tp_cert_import_der(obs->peer_der, obs->n_peer, &chain, &n,
			       &err) < 0) {
		struct tp_finding *f = tp_report_finding(r, TP_TLS_HANDSHAKE_FAILED,
			"the server's certificate cannot be parsed");

		tp_finding_detail(f, "%s", err.raw);
		tp_stage_set(st, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     err.raw);
		return;
	}
	errors = tp_cert_check_chain(r, chain, n, l->trust, &check);
	tp_cert_free_chain(chain, n);
	if (errors > 0)
		tp_stage_set(st, TP_STAGE_FAIL, tp_now_ms() - t0,
			     "%d problem%s with the server certificate", errors,
			     errors == 1 ? "" : "s");
	else
		tp_stage_set(st, TP_STAGE_OK, tp_now_ms() - t0, "trusted via %s",
			     l->trust->source);
}

/* RUN_CANCELLED: where the stop came, and what had ended before it. */
static void run_cancelled(struct tp_report *r, const char *cut, double ms)
{
	struct tp_finding *f;
	char ended[256] = "";
	size_t i, used = 0;

	for (i = 0; i < r->n_stages && used < sizeof(ended); i++) {
		const struct tp_stage *st = &r->stages[i];

		if (st->status == TP_STAGE_SKIPPED || strcmp(st->name, cut) == 0)
			continue;
		used += (size_t)snprintf(ended + used, sizeof(ended) - used,
					 "%s%s %s", used ? ", " : "", st->name,
					 st->status == TP_STAGE_OK ? "ok"
					 : "failed");
	}
	f = tp_report_finding(r, TP_RUN_CANCELLED, "the run was cancelled "
			      "in the %s stage after %.1f s: that stage and "
			      "the ones after it were not tested", cut,
			      ms / 1000);
	tp_finding_detail(f, "the caller stopped the probe while the %s "
			  "stage waited; stages that had ended: %s", cut,
			  used ? ended : "none");
}

int tp_client_run(const struct tp_client_opts *o, struct tp_report *r,
		  struct tp_error *err)
{
	struct tp_tls_client_cfg cfg = {0};
	struct loaded l = {0};
	struct tp_resolved addrs;
	struct tp_net_result res;
	struct tp_tls_obs obs = {0};
	struct tp_stage *st;
	char remote[80] = "", host_text[64];
	char host_ascii[TP_ADDR_NAME_SIZE], sni_ascii[TP_ADDR_NAME_SIZE];
	char versions[128] = "", suites[512] = "";
	const char *sni, *expect_name, *expect_id = o->expect_id;
	const char *prelude_host;
	struct tp_pair *pair = NULL;
	bool capture = o->capture || o->pcap_out != NULL;
	struct tp_livecap_opts cap_opts = {
		.pcap_out = o->pcap_out, .user = o->user,
	};
	struct tp_livecap *lc = NULL;
	struct sockaddr_storage local_ss;
	bool connected = false;
	char my_id[TP_ID_LEN + 1];
	bool have_id = false, peer_id_unchecked = false;
	double t_start = tp_now_ms(), t0, timeout_ms = o->timeout_s * 1000;
	/* each stage's end, by the one clock: what a stage does on the side
	 * (the side channel, retries, second looks) comes out of its budget */
	double t_tcp, stage_end, hs_end, account_ms = 0;
	const char *cut = NULL;  /* the stage the stop flag cut short */
	size_t i, used_addr = 0;
	int fd;

	/* whatever front end filled o, no name that cannot be one reaches
	 * DNS or the ClientHello; the mains checked them already */
	if (tp_addr_check_name("target", o->host != NULL ? o->host : "",
			       host_ascii, err) < 0 ||
	    (o->sni != NULL &&
	     tp_addr_check_name("--sni", o->sni, sni_ascii, err) < 0))
		return -1;
	if (load(o, &l, &cfg, err) < 0) {
		unload(&l);
		return -1;
	}
	cfg.stop = o->stop;
	if (o->on_loaded != NULL)
		o->on_loaded(o->on_loaded_arg);
	/* a capture that cannot be had fails before any network step */
	if (capture && tp_livecap_check(&cap_opts, err) < 0) {
		unload(&l);
		return -1;
	}
	/* our own certificate, judged as tlsprobe cert --purpose client
	 * would: a fault found now is a warning while the server accepts
	 * the certificate anyway, and the diagnosis when it refuses it */
	if (l.x509_key != NULL)
		tp_cert_check_own(r, o->cert_file, o->key_file, l.chain,
				  l.n_chain, l.x509_key, TP_PURPOSE_CLIENT,
				  o->now);
	sni = tp_addr_sni_form(o->no_sni ? NULL : o->sni ? sni_ascii
			       : tp_addr_is_literal(o->host) ? NULL : o->host,
			       sni_ascii);
	expect_name = o->no_name_check ? NULL : o->expect_name ? o->expect_name
		      : sni ? sni : o->host;
	cfg.sni = sni;
	/* XMPP's 'to': the service's domain, which SNI names too */
	prelude_host = sni != NULL ? sni : o->host;
	if (tp_report_set_target(r, o->host, o->port, sni) < 0 ||
	    tp_report_add_standard_stages(r) < 0 ||
	    (o->starttls != TP_STARTTLS_NONE &&
	     tp_report_stage_after(r, "starttls", "tcp") == NULL)) {
		unload(&l);
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}

	/* dns */
	st = tp_report_stage(r, "dns");
	t0 = tp_now_ms();
	tp_net_resolve(o->host, o->port, o->family, timeout_ms, o->stop, &addrs,
		       &res);
	if (res.status == TP_NETRES_CANCELLED) {
		cancel_stage(r, "dns", t0, &cut);
		goto done;
	}
	if (res.status != TP_NETRES_OK) {
		tp_stage_set(st, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     res.message);
		dns_failure(r, o->host, &res);
		goto done;
	}
	for (i = 0; i < addrs.n; i++) {
		tp_addr_format_host((struct sockaddr *)&addrs.addr[i],
				    host_text, sizeof(host_text));
		tp_report_add_address(r, host_text);
	}
	tp_stage_set(st, TP_STAGE_OK, tp_now_ms() - t0, "%zu address%s",
		     addrs.n, addrs.n == 1 ? "" : "es");
	progress(o, r, "dns");

	/* the capture starts before the first SYN (the side channel's
	 * included); privileges go as soon as it is open */
	if (capture) {
		r->has_packets = true;
		lc = tp_livecap_start(&cap_opts, addrs.addr, addrs.n, o->port,
				      err);
		if (lc == NULL) {
			unload(&l);
			return -1;
		}
	}

	/*
	 * The paired probe: the ClientHello random carries a mark that a
	 * tlsprobe server answers in its ServerHello; a plain server sees
	 * nothing else. With --paired (or --expect-id peer) the probe is
	 * asked first on its own connection, mark or not: what it presents,
	 * trusts and requires. Not on a STARTTLS port: its service would
	 * take the side channel's line for a command.
	 */
	t_tcp = tp_now_ms();
	stage_end = t_tcp + timeout_ms;  /* tcp's, the hello's included */
	if (!o->no_sideband && o->starttls == TP_STARTTLS_NONE) {
		pair = tp_pair_new(o->paired || (o->expect_id != NULL &&
					strcmp(o->expect_id, "peer") == 0));
		if (pair != NULL) {
			struct tp_error id_err = {0};

			/* the machine id is not for every server's eyes:
			 * only a node that presents its certificate (whose
			 * CN carries the ID in mutual authentication) says it */
			have_id = o->cert_file != NULL &&
				  tp_id_read(my_id, &id_err) == 0;
			pair->stop = o->stop;
			cfg.client_random = pair->client_random;
		}
		if (pair != NULL && pair->forced) {
			double wait = timeout_ms / 4 < 1000 ? timeout_ms / 4
							    : 1000;

			t0 = tp_now_ms();
			tp_pair_hello(pair, (struct sockaddr *)&addrs.addr[0],
				      addrs.len[0], wait,
				      have_id ? my_id : NULL, false);
			if (pair->cancelled) {
				cancel_stage(r, "sideband", t0, &cut);
				goto done;
			}
			progress(o, r, "sideband");
		}
	}

	/* tcp */
	fd = connect_any(o, &addrs, t_tcp, stage_end, r, remote,
			 sizeof(remote), &used_addr, &cut);
	progress(o, r, "tcp");
	if (fd < 0)
		goto done;
	{
		socklen_t sl = sizeof(local_ss);

		connected = getsockname(fd, (struct sockaddr *)&local_ss,
					&sl) == 0;
	}

	/* what we would say inside TLS to a tlsprobe server: waited for up
	 * to 1.5 s once the mark is answered, 0.3 s blind (--paired, when no
	 * welcome came: a middlebox that passes only TLS may hide one) */
	if (pair != NULL &&
	    tp_pair_words(pair, fd, (struct sockaddr *)&addrs.addr[used_addr],
			  have_id ? my_id : NULL) == 0) {
		cfg.inside_line = pair->inside_line;
		cfg.inside_wait_ms = timeout_ms < 1500 ? timeout_ms : 1500;
		if (tp_pair_try_blind(pair))
			cfg.inside_blind_ms = pair->state == TP_PAIR_PAIRED
				? cfg.inside_wait_ms
				: (timeout_ms / 4 < 300 ? timeout_ms / 4 : 300);
	}

	/* starttls */
	if (o->starttls != TP_STARTTLS_NONE) {
		int ready = starttls_stage(o, r, fd, prelude_host,
					   tp_now_ms() + timeout_ms, &cut);

		progress(o, r, "starttls");
		if (ready < 0) {
			close(fd);
			goto done;
		}
	}

	/*
	 * tls: the handshake, the second looks into its failure and the
	 * paired server's account of it share one budget. The account's
	 * share (a quarter, at most 1.5 s) is kept back when a paired
	 * server is known to be there; a server that has sent nothing for
	 * a quarter of the rest when half of it has gone has stalled (a
	 * path-MTU black hole lets the small ServerHello through, then
	 * nothing), and the retries get the other half.
	 */
	st = tp_report_stage(r, "tls");
	t0 = tp_now_ms();
	stage_end = t0 + timeout_ms;
	if (pair != NULL && pair->state == TP_PAIR_PAIRED)
		account_ms = timeout_ms / 4 < 1500 ? timeout_ms / 4 : 1500;
	hs_end = stage_end - account_ms;
	cfg.silent_until = t0 + (hs_end - t0) / 2;
	cfg.quiet_ms = (hs_end - t0) / 4;
	if (tp_tls_client_handshake(&cfg, fd, hs_end, r, &obs) < 0 &&
	    !obs.cancelled) {
		struct tp_diag_ctx ctx = {
			.remote = remote, .sni = sni,
			.priority = o->priority ? o->priority : "NORMAL",
			.offered_versions = versions,
			.offered_suites = suites,
			.our_subject = cfg.our_subject,
			.our_issuer = cfg.our_issuer,
			.timeout_ms = timeout_ms,
			.starttls = o->starttls != TP_STARTTLS_NONE
				    ? tp_starttls_name(
					(enum tp_starttls)o->starttls)
				    : NULL,
		};
		enum tp_version_answer spoken[5];
		struct tp_tls_obs broad;
		struct retry no_sni, small_mss;
		gnutls_priority_t prio;
		const struct sockaddr *sa =
			(struct sockaddr *)&addrs.addr[used_addr];
		bool stalled = obs.timed_out && obs.alert_in < 0;
		/* second looks need time: none start once the budget is
		 * spent (a server that kept the handshake busy to the end,
		 * a byte now and then, gets no retry) */
		bool time_left = hs_end - tp_now_ms() > 0;
		bool reset = (obs.recv_errno == ECONNRESET ||
			      obs.recv_errno == EPIPE || obs.send_errno != 0) &&
			     obs.alert_in < 0 && obs.bytes_in == 0;
		socklen_t ml = sizeof(ctx.first_mss);

		if ((obs.alert_in == 40 || obs.alert_in == 71) &&
		    !obs.saw_server_hello) {
			second_opinion(&cfg, sa, addrs.len[used_addr],
				       hs_end, o->starttls, prelude_host,
				       &broad);
			ctx.broad = &broad;
		}
		/*
		 * Our versions refused, or a ServerHello in one we did not
		 * offer: "no version in common" says what we offered, not
		 * what the server speaks. One raw ClientHello per version
		 * (the cipher audit's) tells, within what is left of the
		 * stage, so the fix can name the side that must move.
		 */
		if ((obs.alert_in == 70 ||
		     obs.status == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
		     ((obs.alert_in == 40 || obs.alert_in == 71) &&
		      !obs.saw_server_hello)) &&
		    hs_end - tp_now_ms() > 0) {
			/* a server that serves one connection at a time
			 * waits on ours until it goes */
			close(fd);
			fd = -1;
			if (tp_scan_versions(sa, addrs.len[used_addr],
					     prelude_host, sni, o->starttls,
					     hs_end, cfg.stop, spoken) > 0)
				ctx.spoken = spoken;
		}
		/*
		 * A reset or a stall may be the path's doing: a filter on
		 * the server name, or large segments lost without an ICMP
		 * message to say so. The retries run side by side on what
		 * is left of the budget (half of it after a silent server).
		 */
		no_sni.started = small_mss.started = false;
		if (stalled || reset) {
			/* a server that serves one handshake at a time must
			 * be free for the retries, the small-MSS one first */
			if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG,
				       &ctx.first_mss, &ml) < 0)
				ctx.first_mss = 0;
			close(fd);
			fd = -1;
		}
		if (stalled && time_left) {
			ctx.retry_mss = RETRY_MSS;
			retry_start(&small_mss, &cfg, sa, addrs.len[used_addr],
				    hs_end, false, RETRY_MSS,
				    o->starttls, prelude_host);
		}
		if ((stalled || reset) && sni != NULL && time_left)
			retry_start(&no_sni, &cfg, sa, addrs.len[used_addr],
				    hs_end, true, 0, o->starttls,
				    prelude_host);
		ctx.sni_retry = retry_join(&no_sni);
		ctx.mss_retry = retry_join(&small_mss);
		/* a second look cut short proves nothing either way */
		if ((ctx.broad != NULL && broad.cancelled) ||
		    (ctx.sni_retry != NULL && ctx.sni_retry->cancelled) ||
		    (ctx.mss_retry != NULL && ctx.mss_retry->cancelled)) {
			cancel_stage(r, "tls", t0, &cut);
		} else {
			if (gnutls_priority_init(&prio, o->priority
						 ? o->priority : "NORMAL",
						 NULL) >= 0) {
				tp_tls_describe_priority(prio, versions,
							 sizeof(versions),
							 suites,
							 sizeof(suites));
				gnutls_priority_deinit(prio);
			}
			/* the stage's time: its second looks included */
			tp_stage_set_finding(st, TP_STAGE_FAIL,
					     tp_now_ms() - t0,
					     tp_diag_tls_failure(r, &obs, &ctx),
					     "failed");
		}
		if (ctx.broad != NULL)
			tp_tls_obs_free(&broad);
		if (no_sni.started)
			tp_tls_obs_free(&no_sni.obs);
		if (small_mss.started)
			tp_tls_obs_free(&small_mss.obs);
	} else if (obs.cancelled) {
		cancel_stage(r, "tls", t0, &cut);
	} else {
		tp_stage_set(st, TP_STAGE_OK, obs.ms, "%s %s",
			     r->session.version ? r->session.version : "?",
			     r->session.cipher ? r->session.cipher : "?");
		judge_version(o, r);
	}
	if (fd >= 0)
		close(fd);
	progress(o, r, "tls");
	if (cut != NULL)
		goto done;

	/* what the server answered inside TLS; its account of the
	 * handshake that just ended, claimed on the side channel when it
	 * did not come inside TLS and the far end is a tlsprobe server */
	if (pair != NULL)
		tp_pair_after_tls(pair, &obs);
	if (pair != NULL && tp_pair_wants_claim(pair) &&
	    stage_end - tp_now_ms() > 0) {
		double wait = stage_end - tp_now_ms();

		t0 = tp_now_ms();
		tp_pair_hello(pair, (struct sockaddr *)&addrs.addr[used_addr],
			      addrs.len[used_addr], wait < 1500 ? wait : 1500,
			      have_id ? my_id : NULL, true);
		if (pair->cancelled) {
			cancel_stage(r, "sideband", t0, &cut);
			goto done;
		}
	}

	/* --expect-id peer: the ID the paired server reports, on the side
	 * channel or inside TLS */
	if (expect_id != NULL && strcmp(expect_id, "peer") == 0) {
		expect_id = pair != NULL ? tp_pair_peer_id(pair) : NULL;
		if (expect_id == NULL)
			peer_id_unchecked = true;
	}
	/* verify: whatever chain arrived is checked, even after a failure */
	verify(o, &l, &obs, expect_name, expect_id, r);
	if (peer_id_unchecked) {
		struct tp_stage *vs = tp_report_stage(r, "verify");
		char *old = vs->detail;

		vs->detail = NULL;
		tp_stage_set(vs, vs->status, vs->ms, "%s%s--expect-id peer: no "
			     "paired tlsprobe server reported an ID, so the "
			     "certificate's CN was not checked", old ? old : "",
			     old ? "; " : "");
		free(old);
	}
	progress(o, r, "verify");
done:
	/* also when TCP failed: the side channel can still say why it is
	 * missing; a cancelled run leaves it unjudged */
	if (pair != NULL && cut == NULL)
		tp_pair_analyse(pair, r, &cfg);
	else if (pair != NULL && strcmp(cut, "sideband") != 0)
		tp_report_stage(r, "sideband");  /* not reached: skipped */
	tp_pair_free(pair);
	tp_tls_obs_free(&obs);
	if (cut != NULL)
		run_cancelled(r, cut, tp_now_ms() - t_start);
	if (lc != NULL) {
		struct tp_flow_evidence ev;

		tp_livecap_stop(lc);
		tp_livecap_timeline(lc, r);
		/* the connection diagnosed; every flow when there was none */
		tp_livecap_evidence(lc, connected ? (struct sockaddr *)&local_ss
				    : NULL, &ev);
		tp_diag_capture(r, &ev);
		tp_livecap_free(lc);
	}
	r->total_ms = tp_now_ms() - t_start;
	unload(&l);
	return 0;
}
