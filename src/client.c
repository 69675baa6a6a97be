/* The client probe: dns, tcp, (proxy,) tls, verify, each with a
 * deadline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "aia.h"
#include "cert.h"
#include "client_retry.h"
#include "diag.h"
#include "livecap.h"
#include "net.h"
#include "pair.h"
#include "proxy.h"
#include "registry.h"
#include "revoke.h"
#include "starttls.h"
#include "tls.h"

/* What is loaded before the first packet, so bad input fails fast. */
struct loaded {
	struct tp_tls_creds creds;  /* our certificate (if any), --ca */
	FILE *keylog;
};

static void unload(struct loaded *l)
{
	tp_tls_creds_free(&l->creds);
	if (l->keylog != NULL)
		fclose(l->keylog);
}

int tp_client_opts_check(const struct tp_client_opts *o,
			 struct tp_error *err)
{
	char ascii[TP_ADDR_NAME_SIZE];

	/* whatever front end filled o, no name that cannot be one reaches
	 * DNS or the ClientHello */
	if (tp_addr_check_name("target", o->host != NULL ? o->host : "",
			       ascii, err) < 0 ||
	    (o->sni != NULL &&
	     tp_addr_check_name("sni", o->sni, ascii, err) < 0) ||
	    (o->expect_name != NULL &&
	     tp_addr_check_name("expect-name", o->expect_name, ascii,
				err) < 0) ||
	    tp_tls_check_priority(o->priority, err) < 0 ||
	    tp_tls_check_alpn(o->alpn, err) < 0)
		return -1;
	if (o->starttls < TP_STARTTLS_NONE || o->starttls > TP_STARTTLS_LDAP) {
		tp_error_set(err, TP_ERR_USAGE, "{starttls}: no protocol "
			     "number %d", o->starttls);
		return -1;
	}
	if (tp_opts_check_seconds("timeout", o->timeout_s, err) < 0)
		return -1;
	if ((o->cert_file == NULL) != (o->key_file == NULL)) {
		if (o->cert_file != NULL)
			tp_error_set(err, TP_ERR_USAGE, "{cert} given without "
				     "{key}: a client certificate needs both "
				     "{cert} and {key}");
		else
			tp_error_set(err, TP_ERR_USAGE, "{key} given without "
				     "{cert}: a client certificate needs both "
				     "{cert} and {key}");
		return -1;
	}
	return 0;
}

static int load(const struct tp_client_opts *o, struct loaded *l,
		struct tp_tls_client_cfg *cfg, struct tp_error *err)
{
	struct tp_tls_creds_opts co = {
		.role = TP_TLS_CLIENT, .cert_file = o->cert_file,
		.key_file = o->key_file, .password = o->password,
		.ca_file = o->ca_file, .priority = o->priority,
	};
	struct tp_tls_creds *c = &l->creds;

	/* A --ca file is read now, so that a bad one fails before any
	 * packet; the system store (a hundred-odd CAs, tens of ms to parse)
	 * only when a chain arrives to be checked. */
	if (tp_tls_creds_load(&co, c, err) < 0)
		return -1;
	cfg->cred = c->cred;
	if (c->n_chain > 0) {
		cfg->pcerts = c->pcerts;
		cfg->n_pcerts = c->n_pcerts;
		cfg->key = c->privkey;
		tp_cert_dn(c->chain[0], false, cfg->our_subject,
			   sizeof(cfg->our_subject));
		tp_cert_dn(c->chain[0], true, cfg->our_issuer,
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
		       const struct tp_proxy *proxy,
		       const struct tp_resolved *addrs, double t0,
		       double deadline, struct tp_report *r, char *remote,
		       size_t rsize, size_t *used_addr, const char **cut)
{
	struct tp_stage *stage = tp_report_stage(r, "tcp");
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
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     best.message);
		if (proxy != NULL)
			tp_proxy_refused(r, proxy, &best, attempts);
		else
			tcp_failure(r, &best, attempts);
		return -1;
	}
	local[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		tp_addr_format((struct sockaddr *)&ss, local, sizeof(local));
	tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, NULL);
	tp_stage_set_ends(stage, local, remote);
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
 * The starttls stage's prelude: plain text on the connected socket,
 * within the same per-stage time as the others. Returns -1 when the
 * server did not get ready for TLS.
 */
static int starttls_prelude(const struct tp_client_opts *o,
			    struct tp_report *r, int fd, const char *host,
			    double deadline, const char **cut)
{
	struct tp_stage *stage = tp_report_stage(r, "starttls");
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
	tp_stage_set(stage, res.status == TP_STARTTLS_OK ? TP_STAGE_OK
		     : TP_STAGE_FAIL, res.ms, NULL);
	if (stage != NULL)
		set_clean(&stage->detail, line);
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

/*
 * After the chain's checks: whether a trusted server certificate is
 * revoked (its OCSP responder, its CRL), within one --timeout, into said
 * for the verify stage. An untrusted chain is not asked about: its URLs
 * are the server's word, and a hostile server would make the probe
 * fetch wherever it likes. A fetch that fails is no finding: the
 * certificate may well be fine.
 */
static void revocation(const struct tp_client_opts *o,
		       const struct loaded *l, gnutls_x509_crt_t *chain,
		       unsigned n, int errors, struct tp_report *r,
		       char *said, size_t size)
{
	struct tp_revoke_opts ro = {
		.deadline = tp_now_ms() + o->timeout_s * 1000,
		.stop = o->stop, .now = o->now, .trust = l->creds.trust,
	};
	struct tp_revoke_result res;
	char subject[256], what[900];

	if (o->offline) {
		snprintf(said, size, "revocation not checked (--offline)");
		return;
	}
	if (errors > 0) {
		snprintf(said, size, "revocation not checked: the chain is "
			 "not trusted");
		return;
	}
	switch (tp_revoke_check(chain, n, &ro, &res)) {
	case TP_REVOKE_NONE:
		snprintf(said, size, "no OCSP responder or CRL named: "
			 "revocation not checked");
		return;
	case TP_REVOKE_REVOKED:
		tp_cert_dn(chain[0], false, subject, sizeof(subject));
		if (tp_revoke_report(r, &res.ocsp, subject) == NULL)
			tp_revoke_report(r, &res.crl, subject);
		snprintf(said, size, "revoked: %.600s",
			 res.ocsp.verdict == TP_REVOKE_REVOKED ? res.ocsp.why
			 : res.crl.why);
		return;
	default:
		break;
	}
	tp_revoke_describe(&res, what, sizeof(what));
	snprintf(said, size, "%s: %.600s", res.ocsp.verdict == TP_REVOKE_GOOD
		 || res.crl.verdict == TP_REVOKE_GOOD ? "not revoked"
		 : "revocation unknown", what);
}

static void verify(const struct tp_client_opts *o, struct loaded *l,
		   const struct tp_tls_obs *obs, const char *expect_name,
		   const char *expect_id, struct tp_report *r)
{
	struct tp_stage *stage = tp_report_stage(r, "verify");
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
	struct tp_aia aia = {
		.deadline = tp_now_ms() + (o->timeout_s > 0 ? o->timeout_s
					   : TP_DEFAULT_TIMEOUT_S) * 1000,
		.stop = o->stop,
	};
	gnutls_x509_crt_t *chain = NULL;
	const char *prio = o->priority ? o->priority : "NORMAL";
	char refusal[300], said[700];
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
			tp_stage_set(stage, TP_STAGE_FAIL, 0, "the server sent "
				     "no certificate");
		return;
	}
	if (l->creds.trust == NULL) {
		l->creds.trust = tp_cert_trust_load(NULL, &err);
		if (l->creds.trust == NULL) {
			tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0,
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
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     err.raw);
		return;
	}
	/* a chain that stops short is fetched on as browsers do, to prove
	 * which intermediate the server left out */
	if (!o->offline) {
		check.chase_issuer = tp_aia_chase;
		check.chase_arg = &aia;
	}
	errors = tp_cert_check_chain(r, chain, n, l->creds.trust, &check);
	tp_aia_clear(&aia);
	revocation(o, l, chain, n, errors, r, said, sizeof(said));
	tp_cert_free_chain(chain, n);
	if (tp_report_finding_of(r, TP_REVOKED) != NULL)
		errors++;
	if (errors > 0)
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0,
			     "%d problem%s with the server certificate; %s",
			     errors, errors == 1 ? "" : "s", said);
	else
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0,
			     "trusted via %s; %s", l->creds.trust->source,
			     said);
}

/* RUN_CANCELLED: where the stop came, and what had ended before it. */
static void run_cancelled(struct tp_report *r, const char *cut, double ms)
{
	struct tp_finding *f;
	char ended[256] = "";
	size_t i, used = 0;

	for (i = 0; i < r->n_stages && used < sizeof(ended); i++) {
		const struct tp_stage *stage = &r->stages[i];

		if (stage->status == TP_STAGE_SKIPPED ||
		    strcmp(stage->name, cut) == 0)
			continue;
		used += (size_t)snprintf(
			ended + used, sizeof(ended) - used, "%s%s %s",
			used ? ", " : "", stage->name,
			stage->status == TP_STAGE_OK ? "ok" : "failed");
	}
	f = tp_report_finding(r, TP_RUN_CANCELLED, "the run was cancelled "
			      "in the %s stage after %.1f s: that stage and "
			      "the ones after it were not tested", cut,
			      ms / 1000);
	tp_finding_detail(f, "the caller stopped the probe while the %s "
			  "stage waited; stages that had ended: %s", cut,
			  used ? ended : "none");
}


/*
 * One run of the probe: what its stages share. Each stage reads what the
 * ones before it observed, fills r, and returns -1 when the run goes no
 * further: a failure that ends it, or the stop flag (cut then names the
 * stage it cut short).
 */
struct run {
	const struct tp_client_opts *o;
	struct tp_report *r;
	struct tp_tls_client_cfg cfg;
	struct loaded l;
	char sni_ascii[TP_ADDR_NAME_SIZE];
	const char *expect_name;
	const char *prelude_host;
	struct tp_resolved addrs;
	/* through a proxy: the proxy, its addresses (the tcp stage's),
	 * its name for the wording, the target as "host:port" */
	const struct tp_proxy *proxy;
	struct tp_resolved proxy_addrs;
	char proxy_name[320];
	char target[TP_ADDR_NAME_SIZE + 8];
	bool capture;
	struct tp_livecap_opts cap_opts;
	struct tp_livecap *lc;
	struct tp_pair *pair;
	char my_id[TP_ID_LEN + 1];
	bool have_id;
	int fd;                 /* the connection, from tcp to tls */
	size_t used_addr;       /* the address it went to, in addrs */
	char remote[TP_ADDR_NAME_SIZE + 8];
	struct sockaddr_storage local_ss;
	bool connected;         /* local_ss holds its near end */
	struct tp_tls_obs obs;
	double timeout_ms;
	/* each stage's end, by the one clock: what a stage does on the side
	 * (the side channel, retries, second looks) comes out of its budget */
	double t_start, t_tcp, tls_end;
	const char *cut;  /* the stage the stop flag cut short */
};

/* Everything before the first packet: the names checked, the files
 * loaded, the report's target and stages. */
static int prepare(struct run *run, struct tp_error *err)
{
	const struct tp_client_opts *o = run->o;
	const char *sni;

	if (tp_client_opts_check(o, err) < 0)
		return -1;
	/* the A-label form the checks above accepted */
	if (o->sni != NULL)
		(void)tp_addr_check_name("sni", o->sni, run->sni_ascii, err);
	if (load(o, &run->l, &run->cfg, err) < 0)
		return -1;
	run->cfg.stop = o->stop;
	if (o->on_loaded != NULL)
		o->on_loaded(o->on_loaded_arg);
	/* a capture that cannot be had fails before any network step */
	if (run->capture && tp_livecap_check(&run->cap_opts, err) < 0)
		return -1;
	/* our own certificate, judged as tlsprobe cert --purpose client
	 * would: a fault found now is a warning while the server accepts
	 * the certificate anyway, and the diagnosis when it refuses it */
	if (run->l.creds.key != NULL)
		tp_cert_check_own(run->r, o->cert_file, o->key_file,
				  run->l.creds.chain, run->l.creds.n_chain,
				  run->l.creds.key, TP_PURPOSE_CLIENT, o->now);
	sni = tp_addr_sni_form(o->no_sni ? NULL : o->sni ? run->sni_ascii
			       : tp_addr_is_literal(o->host) ? NULL : o->host,
			       run->sni_ascii);
	run->expect_name = o->no_name_check ? NULL : o->expect_name
			   ? o->expect_name : sni ? sni : o->host;
	run->cfg.sni = sni;
	/* XMPP's 'to': the service's domain, which SNI names too */
	run->prelude_host = sni != NULL ? sni : o->host;
	if (o->proxy != NULL && o->proxy->kind != TP_PROXY_NONE &&
	    !tp_proxy_bypass(o->no_proxy, o->host)) {
		run->proxy = o->proxy;
		tp_proxy_name(o->proxy, run->proxy_name,
			      sizeof(run->proxy_name));
		tp_proxy_url(o->proxy, run->r->proxy_url,
			     sizeof(run->r->proxy_url));
		snprintf(run->r->proxy_kind, sizeof(run->r->proxy_kind), "%s",
			 tp_proxy_kind_name(o->proxy->kind));
	}
	snprintf(run->target, sizeof(run->target), "%s%s%s:%u",
		 strchr(o->host, ':') ? "[" : "", o->host,
		 strchr(o->host, ':') ? "]" : "", o->port);
	if (tp_report_set_target(run->r, o->host, o->port, sni) < 0 ||
	    tp_report_add_standard_stages(run->r) < 0 ||
	    (run->proxy != NULL &&
	     tp_report_stage_after(run->r, "proxy", "tcp") == NULL) ||
	    (o->starttls != TP_STARTTLS_NONE &&
	     tp_report_stage_after(run->r, "starttls", run->proxy != NULL
				   ? "proxy" : "tcp") == NULL)) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	return 0;
}

/* The address the caller resolved already (--targets), as the
 * resolver would have given it: one address, the target's port. */
static void pinned_address(const struct tp_client_opts *o,
			   struct tp_resolved *addrs,
			   struct tp_net_result *res)
{
	memset(res, 0, sizeof(*res));
	memset(addrs, 0, sizeof(*addrs));
	addrs->addr[0] = *o->address;
	tp_addr_set_port(&addrs->addr[0], o->port);
	addrs->len[0] = o->address->ss_family == AF_INET6
			? sizeof(struct sockaddr_in6)
			: sizeof(struct sockaddr_in);
	addrs->n = 1;
	res->status = TP_NETRES_OK;
}

/*
 * Through a proxy, dns looks up the proxy's name; the target's too when
 * the proxy takes an address (socks4, socks5), not when it resolves
 * names itself. 1 when the target needs no lookup of ours, 0 when it
 * does, -1 when the run ends here.
 */
static int proxy_dns(struct run *run, double t0)
{
	const struct tp_client_opts *o = run->o;
	struct tp_stage *stage = tp_report_stage(run->r, "dns");
	struct tp_net_result res;

	tp_net_resolve(run->proxy->host, run->proxy->port, o->family,
		       run->timeout_ms, o->stop, &run->proxy_addrs, &res);
	if (res.status == TP_NETRES_CANCELLED) {
		cancel_stage(run->r, "dns", t0, &run->cut);
		return -1;
	}
	if (res.status != TP_NETRES_OK) {
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "the "
			     "proxy's name: %s", res.message);
		dns_failure(run->r, run->proxy->host, &res);
		return -1;
	}
	if (o->address != NULL || !tp_proxy_resolves(run->proxy))
		return 0;
	tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, "proxy %s: %zu "
		     "address%s; %s resolved by the proxy", run->proxy->host,
		     run->proxy_addrs.n, run->proxy_addrs.n == 1 ? "" : "es",
		     o->host);
	progress(o, run->r, "dns");
	return 1;
}

/* dns: the target's addresses, each one in the report. */
static int stage_dns(struct run *run)
{
	const struct tp_client_opts *o = run->o;
	struct tp_report *r = run->r;
	struct tp_stage *stage = tp_report_stage(r, "dns");
	struct tp_net_result res;
	char host_text[64];
	double t0 = tp_now_ms();
	size_t i;
	int by_proxy = run->proxy != NULL ? proxy_dns(run, t0) : 0;

	if (by_proxy != 0)
		return by_proxy > 0 ? 0 : -1;
	if (o->address != NULL)
		pinned_address(o, &run->addrs, &res);
	else
		tp_net_resolve(o->host, o->port, o->family, run->timeout_ms,
			       o->stop, &run->addrs, &res);
	if (res.status == TP_NETRES_CANCELLED) {
		cancel_stage(r, "dns", t0, &run->cut);
		return -1;
	}
	if (res.status != TP_NETRES_OK) {
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     res.message);
		dns_failure(r, o->host, &res);
		return -1;
	}
	for (i = 0; i < run->addrs.n; i++) {
		tp_addr_format_host((struct sockaddr *)&run->addrs.addr[i],
				    host_text, sizeof(host_text));
		tp_report_add_address(r, host_text);
	}
	if (o->address != NULL)
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, "address "
			     "given: %s (not looked up again)", host_text);
	else
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0,
			     "%zu address%s%s%s", run->addrs.n,
			     run->addrs.n == 1 ? "" : "es", run->proxy
			     ? "; and the proxy's, " : "", run->proxy
			     ? run->proxy->host : "");
	progress(o, r, "dns");
	return 0;
}

/* The capture starts before the first SYN (the side channel's
 * included); privileges go as soon as it is open. -1 with err set when
 * it cannot start. */
static int capture_start(struct run *run, struct tp_error *err)
{
	if (!run->capture)
		return 0;
	run->r->has_packets = true;
	/* through a proxy, the packets are those to the proxy */
	if (run->proxy != NULL)
		run->lc = tp_livecap_start(&run->cap_opts,
					   run->proxy_addrs.addr,
					   run->proxy_addrs.n,
					   run->proxy->port, err);
	else
		run->lc = tp_livecap_start(&run->cap_opts, run->addrs.addr,
					   run->addrs.n, run->o->port, err);
	return run->lc != NULL ? 0 : -1;
}

/*
 * The paired probe: the ClientHello random carries a mark that a
 * tlsprobe server answers in its ServerHello; a plain server sees
 * nothing else. With --paired (or --expect-id peer) the probe is
 * asked first on its own connection, mark or not: what it presents,
 * trusts and requires. Not on a STARTTLS port: its service would
 * take the side channel's line for a command.
 */
static int stage_pair_before(struct run *run)
{
	const struct tp_client_opts *o = run->o;
	struct tp_error id_err = {0};
	struct tp_pair *pair;
	double wait, t0;

	/* the tcp stage begins: the hello spends its budget */
	run->t_tcp = tp_now_ms();
	if (o->no_sideband || o->starttls != TP_STARTTLS_NONE ||
	    (run->proxy != NULL && !o->paired))
		return 0;
	pair = run->pair = tp_pair_new(o->paired || (o->expect_id != NULL &&
				       strcmp(o->expect_id, "peer") == 0));
	if (pair == NULL)
		return 0;
	/* the machine id is not for every server's eyes: only a node
	 * that presents its certificate (whose CN carries the ID in
	 * mutual authentication) says it */
	run->have_id = o->cert_file != NULL &&
		       tp_id_read(run->my_id, &id_err) == 0;
	pair->stop = o->stop;
	run->cfg.client_random = pair->client_random;
	/* the side channel's own connection would go around the proxy:
	 * through one, only the exchange inside TLS runs (--paired) */
	if (!pair->forced || run->proxy != NULL)
		return 0;
	wait = run->timeout_ms / 4 < 1000 ? run->timeout_ms / 4 : 1000;
	t0 = tp_now_ms();
	tp_pair_hello(pair, (struct sockaddr *)&run->addrs.addr[0],
		      run->addrs.len[0], wait,
		      run->have_id ? run->my_id : NULL, false);
	if (pair->cancelled) {
		cancel_stage(run->r, "sideband", t0, &run->cut);
		return -1;
	}
	progress(o, run->r, "sideband");
	return 0;
}

/* tcp: a connection to one of the addresses, tried in turn, by the
 * stage's end. */
static int stage_tcp(struct run *run)
{
	socklen_t sl = sizeof(run->local_ss);
	double end = run->t_tcp + run->timeout_ms;  /* the hello's included */

	run->fd = connect_any(run->o, run->proxy, run->proxy != NULL
			      ? &run->proxy_addrs : &run->addrs, run->t_tcp,
			      end, run->r, run->remote, sizeof(run->remote),
			      &run->used_addr, &run->cut);
	progress(run->o, run->r, "tcp");
	if (run->fd < 0)
		return -1;
	if (run->proxy != NULL) {
		/* what the stages after it dial is the target, in the
		 * tunnel; the address it resolved to, when we resolved it */
		run->used_addr = 0;
		snprintf(run->remote, sizeof(run->remote), "%s", run->target);
	}
	run->connected = getsockname(run->fd,
				     (struct sockaddr *)&run->local_ss,
				     &sl) == 0;
	return 0;
}

/* What we would say inside TLS to a tlsprobe server: waited for up
 * to 1.5 s once the mark is answered, 0.3 s blind (--paired, when no
 * welcome came: a middlebox that passes only TLS may hide one). */
static void plan_inside(struct run *run)
{
	struct tp_pair *pair = run->pair;
	struct tp_tls_client_cfg *cfg = &run->cfg;
	double timeout_ms = run->timeout_ms;

	if (pair == NULL ||
	    tp_pair_words(pair, run->fd,
			  (struct sockaddr *)&run->addrs.addr[run->used_addr],
			  run->have_id ? run->my_id : NULL) != 0)
		return;
	cfg->inside_line = pair->inside_line;
	cfg->inside_wait_ms = timeout_ms < 1500 ? timeout_ms : 1500;
	/* through a proxy no hello went first: --paired asks inside
	 * TLS blind, as after a hello that got no answer */
	if (tp_pair_try_blind(pair) || (run->proxy != NULL && pair->forced))
		cfg->inside_blind_ms = pair->state == TP_PAIR_PAIRED
			? cfg->inside_wait_ms
			: (timeout_ms / 4 < 300 ? timeout_ms / 4 : 300);
}

/*
 * proxy: the tunnel to the target through the connection to the proxy,
 * within the stage's own budget; a tunnel that did not open is the
 * proxy's finding, and the connection goes.
 */
static int stage_proxy(struct run *run)
{
	const struct tp_client_opts *o = run->o;
	struct tp_stage *stage;
	struct tp_proxy_result res;
	const struct tp_finding *f;
	const struct sockaddr *target = run->addrs.n > 0
		? (const struct sockaddr *)&run->addrs.addr[0] : NULL;
	char url[320];
	double t0 = tp_now_ms();

	if (run->proxy == NULL)
		return 0;
	tp_proxy_open(run->fd, run->proxy, tp_proxy_resolves(run->proxy)
		      || target == NULL ? o->host : NULL, target, o->port,
		      t0 + run->timeout_ms, o->stop, &res);
	stage = tp_report_stage(run->r, "proxy");
	tp_proxy_url(run->proxy, url, sizeof(url));
	if (res.status == TP_PROXYRES_CANCELLED) {
		cancel_stage(run->r, "proxy", t0, &run->cut);
	} else if (res.status == TP_PROXYRES_OK) {
		tp_stage_set(stage, TP_STAGE_OK, res.ms, "%s via %s to %s: %s",
			     tp_proxy_kind_name(run->proxy->kind), url,
			     run->target, res.answer[0] ? res.answer
			     : "tunnel up");
	} else {
		f = tp_proxy_diagnose(run->r, run->proxy, run->target, &res);
		tp_stage_set_finding(stage, TP_STAGE_FAIL, res.ms, f,
				     "the tunnel did not open");
	}
	progress(o, run->r, "proxy");
	if (res.status == TP_PROXYRES_OK)
		return 0;
	close(run->fd);
	run->fd = -1;
	return -1;
}

/* starttls, when asked for: the connection goes with a server that did
 * not get ready for TLS. */
static int stage_starttls(struct run *run)
{
	int ready;

	if (run->o->starttls == TP_STARTTLS_NONE)
		return 0;
	ready = starttls_prelude(run->o, run->r, run->fd, run->prelude_host,
				 tp_now_ms() + run->timeout_ms, &run->cut);
	progress(run->o, run->r, "starttls");
	if (ready < 0) {
		close(run->fd);
		run->fd = -1;
	}
	return ready;
}

/*
 * tls: the handshake, the second looks into its failure and the
 * paired server's account of it share one budget. The account's
 * share (a quarter, at most 1.5 s) is kept back when a paired
 * server is known to be there; a server that has sent nothing for
 * a quarter of the rest when half of it has gone has stalled (a
 * path-MTU black hole lets the small ServerHello through, then
 * nothing), and the retries get the other half. Only the stop flag
 * ends the run here: verify looks at whatever chain came.
 */
static int stage_tls(struct run *run)
{
	struct tp_report *r = run->r;
	struct tp_tls_client_cfg *cfg = &run->cfg;
	struct tp_stage *stage = tp_report_stage(r, "tls");
	double t0 = tp_now_ms(), hs_end, account_ms = 0;

	run->tls_end = t0 + run->timeout_ms;
	if (run->pair != NULL && run->pair->state == TP_PAIR_PAIRED)
		account_ms = run->timeout_ms / 4 < 1500 ? run->timeout_ms / 4
							: 1500;
	hs_end = run->tls_end - account_ms;
	cfg->silent_until = t0 + (hs_end - t0) / 2;
	cfg->quiet_ms = (hs_end - t0) / 4;
	if (tp_tls_client_handshake(cfg, run->fd, hs_end, r, &run->obs) < 0 &&
	    !run->obs.cancelled) {
		struct tp_client_retry failed = {
			.cfg = cfg, .obs = &run->obs, .fd = run->fd,
			.sa = (struct sockaddr *)
			      &run->addrs.addr[run->used_addr],
			.len = run->addrs.len[run->used_addr],
			.remote = run->remote, .starttls = run->o->starttls,
			.prelude_host = run->prelude_host, .hs_end = hs_end,
			.timeout_ms = run->timeout_ms,
			.proxy = run->proxy != NULL ? run->proxy_name : NULL,
		};
		const struct tp_finding *f;

		run->fd = -1;  /* the second looks close it */
		/* the stage's time: its second looks included */
		if (tp_client_retry_diagnose(&failed, r, &f) == 0)
			tp_stage_set_finding(stage, TP_STAGE_FAIL,
					     tp_now_ms() - t0, f, "failed");
		else
			cancel_stage(r, "tls", t0, &run->cut);
	} else if (run->obs.cancelled) {
		cancel_stage(r, "tls", t0, &run->cut);
	} else {
		tp_stage_set(stage, TP_STAGE_OK, run->obs.ms, "%s %s",
			     r->session.version ? r->session.version : "?",
			     r->session.cipher ? r->session.cipher : "?");
		judge_version(run->o, r);
	}
	if (run->fd >= 0)
		close(run->fd);
	run->fd = -1;
	progress(run->o, r, "tls");
	return run->cut != NULL ? -1 : 0;
}

/* What the server answered inside TLS; its account of the
 * handshake that just ended, claimed on the side channel when it
 * did not come inside TLS and the far end is a tlsprobe server, out
 * of what is left of the tls stage's budget. */
static int stage_claim(struct run *run)
{
	struct tp_pair *pair = run->pair;
	size_t a = run->used_addr;
	double wait, t0;

	if (pair == NULL)
		return 0;
	tp_pair_after_tls(pair, &run->obs);
	/* the claim's connection would go around the proxy */
	if (run->proxy == NULL && tp_pair_wants_claim(pair) &&
	    run->tls_end - tp_now_ms() > 0) {
		wait = run->tls_end - tp_now_ms();
		t0 = tp_now_ms();
		tp_pair_hello(pair, (struct sockaddr *)&run->addrs.addr[a],
			      run->addrs.len[a], wait < 1500 ? wait : 1500,
			      run->have_id ? run->my_id : NULL, true);
		if (pair->cancelled) {
			cancel_stage(run->r, "sideband", t0, &run->cut);
			return -1;
		}
	}
	return 0;
}

/* Adds words after what a stage's detail says already; note is
 * sanitised already, as the detail is. */
static void stage_note(struct tp_report *r, const char *name,
		       const char *note)
{
	struct tp_stage *vs = tp_report_stage(r, name);
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s%s", vs->detail ? vs->detail : "",
		 vs->detail ? "; " : "", note);
	set_clean(&vs->detail, buf);
}

/* verify: whatever chain arrived is checked, even after a failure */
static void stage_verify(struct run *run)
{
	const char *expect_id = run->o->expect_id;
	bool peer_id_unchecked = false;

	/* --expect-id peer: the ID the paired server reports, on the side
	 * channel or inside TLS */
	if (expect_id != NULL && strcmp(expect_id, "peer") == 0) {
		expect_id = run->pair != NULL ? tp_pair_peer_id(run->pair)
					      : NULL;
		if (expect_id == NULL)
			peer_id_unchecked = true;
	}
	verify(run->o, &run->l, &run->obs, run->expect_name, expect_id,
	       run->r);
	if (peer_id_unchecked)
		stage_note(run->r, "verify", "--expect-id peer: no paired "
			   "tlsprobe server reported an ID, so the "
			   "certificate's CN was not checked");
	/* an untrusted chain through a proxy: most often the proxy's own
	 * certificate, made on the fly by a TLS-inspecting proxy */
	if (run->proxy != NULL && tp_report_has(run->r, TP_UNKNOWN_CA) &&
	    run->r->n_certs > 0 && run->r->certs[0].issuer != NULL) {
		char note[768];

		/* the issuer is sanitised in the report already, and the
		 * proxy's name is printable ASCII (tp_proxy_parse) */
		snprintf(note, sizeof(note), "through %s: the certificate "
			 "received was issued by %s; a TLS-inspecting proxy "
			 "presents certificates of its own CA",
			 run->proxy_name, run->r->certs[0].issuer);
		stage_note(run->r, "verify", note);
	}
	progress(run->o, run->r, "verify");
}

/* The end of a run however far it got: the side channel judged, the
 * capture's evidence, the total time; everything let go. */
static void finish(struct run *run)
{
	struct tp_report *r = run->r;

	/* also when TCP failed: the side channel can still say why it is
	 * missing; a cancelled run leaves it unjudged */
	if (run->pair != NULL && run->cut == NULL)
		tp_pair_analyse(run->pair, r, &run->cfg);
	else if (run->pair != NULL && strcmp(run->cut, "sideband") != 0)
		tp_report_stage(r, "sideband");  /* not reached: skipped */
	if (run->pair != NULL && run->proxy != NULL)
		stage_note(r, "sideband", "through the proxy: only the "
			   "exchange inside TLS, the side channel's own "
			   "connections would go around it");
	tp_pair_free(run->pair);
	tp_tls_obs_free(&run->obs);
	if (run->cut != NULL)
		run_cancelled(r, run->cut, tp_now_ms() - run->t_start);
	if (run->lc != NULL) {
		struct tp_flow_evidence ev;

		tp_livecap_stop(run->lc);
		tp_livecap_timeline(run->lc, r);
		/* the connection diagnosed; every flow when there was none */
		tp_livecap_evidence(run->lc, run->connected
				    ? (struct sockaddr *)&run->local_ss : NULL,
				    &ev);
		tp_diag_capture(r, &ev);
		tp_livecap_free(run->lc);
	}
	r->total_ms = tp_now_ms() - run->t_start;
	unload(&run->l);
}

int tp_client_run(const struct tp_client_opts *o, struct tp_report *r,
		  struct tp_error *err)
{
	struct run run = {
		.o = o, .r = r, .fd = -1,
		.capture = o->capture || o->pcap_out != NULL,
		.cap_opts = { .pcap_out = o->pcap_out, .user = o->user },
		.timeout_ms = o->timeout_s * 1000,
		.t_start = tp_now_ms(),
	};

	if (prepare(&run, err) < 0)
		goto err;
	if (stage_dns(&run) < 0)
		goto done;
	if (capture_start(&run, err) < 0)
		goto err;
	if (stage_pair_before(&run) < 0 || stage_tcp(&run) < 0 ||
	    stage_proxy(&run) < 0)
		goto done;
	plan_inside(&run);
	if (stage_starttls(&run) < 0 || stage_tls(&run) < 0 ||
	    stage_claim(&run) < 0)
		goto done;
	stage_verify(&run);
done:
	finish(&run);
	return 0;
err:
	unload(&run.l);
	return -1;
}
