/*
 * The server probe: listens, and diagnoses every incoming connection from
 * the server's side.
 *
 * One thread and poll() over the listening sockets and every connection;
 * each connection is a small state machine with a deadline per stage, so
 * that a silent, slow or hostile peer holds only its own connection:
 *
 *   PEEK       the first bytes say what the peer speaks: a TLS record (or
 *              an SSL 2.0 header) goes to HANDSHAKE, "TLSPROBE/1 " to the
 *              side channel, anything else is reported as not TLS
 *   HANDSHAKE  a non-blocking GnuTLS server session; the client's chain
 *              is judged inside the handshake, so that a rejection is a
 *              fatal alert with the exact reason kept for the paired probe
 *   READ_LINE  one line of application data: the paired probe's "inside"
 *              message is answered, anything else ends the connection
 *   SEND, BYE  the answer, then close_notify
 *   SB_READ, SB_SEND  a hello line in, a welcome line out; then at most
 *              one claim in and the account out
 *   LINGER     after our last byte, read what the peer still sends until
 *              it closes (bounded), so that closing does not turn into a
 *              reset that destroys the answer in flight
 *
 * Every TLS connection gives one report, handed to on_report when it
 * ends; every handshake leaves an account, kept by ClientHello random
 * for the side channel to return to the client that proves it made it.
 *
 * This file owns the poll loop, the connections' state machines and
 * their reports, and gathers what each connection showed as facts.
 * Elsewhere: what those facts mean, the findings and the alert a
 * refused client certificate gets (diag_server.c, diag.c); our chain,
 * key, CAs and priority, loaded as the client loads its own (tls.c);
 * the remembered accounts and hellos (accounts.c), the --listen spec
 * (addr.c) and its sockets (net.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accounts.h"
#include "addr.h"
#include "cert.h"
#include "diag.h"
#include "livecap.h"
#include "net.h"
#include "pair.h"
#include "registry.h"
#include "sideband.h"
#include "tls.h"
#include "wire.h"

#define MAX_CONNS 4096          /* open at once; more are closed at once */
#define MAX_LISTEN TP_NET_MAX_LISTEN
#define ACCEPT_BURST 64         /* accepted per wake-up, for fairness */
#define PEEK_MAX 64             /* first bytes read to classify */
#define LINE_START 1024         /* a line buffer grows from this … */
#define POLL_MAX_MS 500         /* … a stop request waits at most this */
#define LINGER_MAX_MS 1000.0
#define DRAIN_MAX_MS 2000.0     /* after the last counted connection */
#define WORDS_MAX_MS 1500.0     /* a failed handshake's report waits this
				 * long for its client's words */

enum state {
	S_PEEK, S_HANDSHAKE, S_READ_LINE, S_SEND, S_BYE,
	S_SB_READ, S_SB_SEND, S_LINGER, S_CLOSED,
};

/* What one step of a connection asks of the loop. */
enum step { STEP_WAIT, STEP_NEXT, STEP_CLOSE };

struct server;

struct conn {
	struct server *srv;
	int fd;
	enum state state;
	short events;               /* what poll() waits for */
	double accepted, deadline, tls_start;
	char peer[64], local[64];   /* "ip:port" */
	struct sockaddr_storage peer_ss, local_ss;
	char peer_host[48];
	unsigned peer_port;
	/* the first bytes, read to classify, then fed to GnuTLS or the line */
	uint8_t peek[PEEK_MAX];
	size_t peek_len, peek_off;
	gnutls_session_t s;
	struct tp_report *r;
	/* transport, as in tls.c */
	size_t bytes_in, bytes_out;
	uint8_t tail[8];            /* the last bytes received */
	size_t tail_len;
	bool eof;
	int recv_errno, send_errno;
	bool timed_out;
	double last_in;
	/* the handshake */
	bool saw_hello;
	bool have_random;
	uint8_t client_random[32];
	struct tp_wire_client_hello *hello;  /* while the handshake runs */
	char sni[256];
	char last_in_msg[40], last_out_msg[40];
	char expect_id[64];         /* resolved --expect-id, "" for none */
	bool expect_peer_unknown;   /* --expect-id peer, and no hello said */
	bool client_sent_cert;
	bool cert_rejected;
	char client_subject[256], client_issuer[256], client_sha256[65];
	char reason[512];
	char cert_error[512];       /* why its certificate did not parse */
	int alert_in, alert_out;
	bool alert_in_plaintext;    /* before the client's handshake keys */
	bool close_notify_in;       /* the client closed with close_notify */
	int status;
	bool handshake_done;
	bool reported;
	bool held;                  /* the report waits: with --capture for
				     * the connection's last packets, */
	bool await_words;           /* and for the words of a tlsprobe
				     * client whose handshake failed */
	/* a line in (inside or hello), an answer out */
	char *line;
	size_t line_len, line_cap;
	char *out;
	size_t out_len, out_off;
	bool out_has_account;
	/* the side channel: the hello's random and key, the challenge our
	 * welcome set; a claim is answered once */
	bool sb_welcomed, sb_claimed;
	bool marked;                /* its ClientHello random was marked */
	bool account_inside;        /* its account went inside TLS */
	uint8_t sb_random[32];
	uint8_t sb_key[TP_SIDEBAND_KEY_LEN];
	uint8_t sb_challenge[TP_SIDEBAND_CHALLENGE_LEN];
};

struct server {
	const struct tp_server_opts *o;
	struct tp_server_summary *sum;
	double timeout_ms;
	struct tp_tls_creds creds;  /* our chain and key, --ca, priority */
	/* faults of our own chain found at start (tp_cert_check_own): a
	 * warning in every report, the diagnosis when a client refuses
	 * the chain for one of them */
	struct tp_report *own;
	char chain_sha256[TP_SIDEBAND_MAX_LIST][65];
	size_t n_chain_hashes;
	char trusted[TP_SIDEBAND_MAX_LIST][256];
	size_t n_trusted;
	char trusted_text[1024];    /* "[CN=a, CN=b]" for reasons */
	char versions_text[128];    /* what our priority accepts */
	char suites_text[512];
	char unique_id[64];
	int listen_fd[MAX_LISTEN];
	size_t n_listen;
	struct conn **conns;
	size_t n_conns, max_conns;
	struct pollfd *pfds;
	struct tp_accounts *accounts;  /* handshakes and hellos remembered */
	unsigned reports;
	struct tp_livecap *lc;      /* --capture */
	FILE *keylog;               /* --keylog */
	unsigned held;              /* reports waiting for their packets */
	bool draining;
	double drain_until;
	int spare_fd;
};

/* ---- small helpers ---- */

static const char *alert_name(int desc)
{
	const struct tp_alert_info *a = tp_registry_alert(desc);

	return a != NULL ? a->name : "unknown";
}

/* Copies a sanitised s into a fixed field, cut to fit at a whole
 * character. */
static void set_clean(char *out, size_t size, const char *s, size_t len)
{
	tp_sanitize_into(out, size, s, len);
}

/*
 * A finding's summary as it was before its setter sanitised it, for
 * the stage and the reason that repeat it: they are raw text that
 * their own setters sanitise, and would escape it twice. Free it.
 */
static char *raw_summary(const struct tp_finding *f)
{
	return f->summary ? tp_unsanitize(f->summary, strlen(f->summary))
			  : NULL;
}

/* Formats into a fixed field; a cut that splits a UTF-8 character
 * drops the part. */
static void set_text(char *out, size_t size, const char *fmt, ...)
	TP_PRINTF(3, 4);
static void set_text(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n, start;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w < size)
		return;
	n = strlen(out);
	start = n;
	while (start > 0 && ((unsigned char)out[start - 1] & 0xc0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)out[start - 1] >= 0xc0) {
		unsigned char lead = (unsigned char)out[start - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

		if (n - (start - 1) < need)
			out[start - 1] = '\0';
	}
}

/* A group's IANA name, or NULL for an id the registry has not. */
static const char *group_name(uint16_t id)
{
	const struct tp_group *g = tp_registry_group(id);

	return g != NULL ? g->name : NULL;
}

static void id_text(uint16_t id, const char *name, char *out, size_t size)
{
	if (name != NULL)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "0x%04X", id);
}

/* ---- loading what the server presents and trusts ---- */

/* Whether the hello offers a version our priority accepts. */
static bool offers_our_version(const struct server *srv,
			       const struct tp_client_hello *ch)
{
	const unsigned *protos;
	int n = gnutls_priority_protocol_list(srv->creds.prio, &protos), i;
	size_t j;

	for (i = 0; i < n; i++)
		for (j = 0; j < ch->n_versions; j++)
			if (strcmp(ch->versions[j],
				   gnutls_protocol_get_name(protos[i])) == 0)
				return true;
	return false;
}

/* The option combinations a server cannot run with. */
int tp_server_opts_check(const struct tp_server_opts *o,
			 struct tp_error *err)
{
	char host[TP_ADDR_NAME_SIZE];
	unsigned port;

	if (o->cert_file == NULL || o->key_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{cert} and {key} are "
			     "required: the chain and key this server "
			     "presents");
		return -1;
	}
	if (o->require_client_cert && o->ca_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{require-client-cert} needs "
			     "{ca}: the CAs client certificates must come "
			     "from");
		return -1;
	}
	if (o->expect_id != NULL && o->ca_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{expect-id} needs {ca}: "
			     "without it no client certificate is asked for");
		return -1;
	}
	return tp_addr_parse_listen(o->listen, TP_SERVER_PORT, host,
				    sizeof(host), &port, err) < 0 ||
	       tp_tls_check_priority(o->priority, err) < 0 ||
	       tp_opts_check_seconds("timeout", o->timeout_s, err) < 0 ? -1 : 0;
}

/* The rest of what tlsprobe cert --purpose server would say of our
 * chain: it does not stop the server (clients may accept it), but each
 * report carries it, and the caller hears of it once. */
static int judge_own_chain(struct server *srv, struct tp_error *err)
{
	const struct tp_server_opts *o = srv->o;

	srv->own = tp_report_new("server");
	if (srv->own == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory loading the "
			     "server's certificate");
		return -1;
	}
	tp_cert_check_own(srv->own, o->cert_file, o->key_file,
			  srv->creds.chain, srv->creds.n_chain, srv->creds.key,
			  TP_PURPOSE_SERVER, o->now);
	if (srv->own->n_findings > 0 && o->on_own_cert != NULL)
		o->on_own_cert(o->arg, srv->own);
	return 0;
}

/* What the side channel says about us: the SHA-256 of each certificate
 * we present, the CAs we trust, our unique ID. */
static void describe_us(struct server *srv)
{
	const struct tp_trust *trust = srv->creds.trust;
	char id[TP_ID_LEN + 1];
	struct tp_error quiet = {0};
	unsigned i;

	for (i = 0; i < srv->creds.n_chain && i < TP_SIDEBAND_MAX_LIST; i++) {
		uint8_t fp[32];
		size_t fp_size = sizeof(fp);

		if (gnutls_x509_crt_get_fingerprint(srv->creds.chain[i],
						    GNUTLS_DIG_SHA256, fp,
						    &fp_size) < 0 ||
		    fp_size != 32)
			break;
		tp_hex(fp, 32, srv->chain_sha256[i]);
	}
	srv->n_chain_hashes = i;
	if (trust != NULL) {
		for (i = 0; i < trust->n_cas && i < TP_SIDEBAND_MAX_LIST; i++) {
			char dn[512];

			tp_cert_dn(trust->cas[i], false, dn, sizeof(dn));
			set_clean(srv->trusted[i], sizeof(srv->trusted[i]), dn,
				  strlen(dn));
		}
		srv->n_trusted = i;
		snprintf(srv->trusted_text, sizeof(srv->trusted_text), "[");
		tp_cert_trust_describe(trust, srv->trusted_text,
				       sizeof(srv->trusted_text) - 1);
		strcat(srv->trusted_text, "]");
	}
	/* without a machine id the server still runs; the side channel
	 * then says "" */
	if (tp_id_read(id, &quiet) == 0)
		snprintf(srv->unique_id, sizeof(srv->unique_id), "%s", id);
}

/* Everything the server reads before it binds: the options checked,
 * our credentials, our own chain judged, the key log opened, what our
 * priority accepts and what the side channel will say. */
static int load_inputs(struct server *srv, struct tp_error *err)
{
	const struct tp_server_opts *o = srv->o;
	struct tp_tls_creds_opts co = {
		.role = TP_TLS_SERVER, .cert_file = o->cert_file,
		.key_file = o->key_file, .password = o->password,
		.ca_file = o->ca_file, .priority = o->priority,
	};

	if (tp_server_opts_check(o, err) < 0 ||
	    tp_tls_creds_load(&co, &srv->creds, err) < 0 ||
	    judge_own_chain(srv, err) < 0)
		return -1;
	/* opened before privileges are dropped, like the capture */
	if (o->keylog_file != NULL) {
		srv->keylog = tp_tls_keylog_open(o->keylog_file, err);
		if (srv->keylog == NULL)
			return -1;
	}
	tp_tls_describe_priority(srv->creds.prio, srv->versions_text,
				 sizeof(srv->versions_text), srv->suites_text,
				 sizeof(srv->suites_text));
	describe_us(srv);
	return 0;
}

/* ---- listening ---- */

static void close_listeners(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->n_listen; i++)
		close(srv->listen_fd[i]);
	srv->n_listen = 0;
}

/* Says where the server listens, once it does (and captures). */
static void announce(struct server *srv)
{
	char text[MAX_LISTEN * 64 + 8];
	size_t i, used = 0;

	text[0] = '\0';
	for (i = 0; i < srv->n_listen; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char one[80];

		if (getsockname(srv->listen_fd[i], (struct sockaddr *)&ss,
				&sl) < 0)
			continue;
		tp_addr_format((struct sockaddr *)&ss, one, sizeof(one));
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%s%s", used ? " " : "", one);
	}
	if (srv->o->on_listening != NULL)
		srv->o->on_listening(srv->o->arg, text);
}

/*
 * --capture: opened once every socket listens, before the first accept;
 * the flows of every listening address, and tlsprobe peer's client's.
 * Privileges go here, after the files were loaded and the ports bound.
 */
static int start_capture(struct server *srv, const struct tp_livecap_opts *co,
			 struct tp_error *err)
{
	const struct tp_server_opts *o = srv->o;
	struct sockaddr_storage listen[MAX_LISTEN];
	struct tp_resolved far = {0};
	struct tp_net_result res;
	socklen_t sl;
	size_t i, n = 0;
	unsigned port = 0;

	for (i = 0; i < srv->n_listen; i++) {
		sl = sizeof(listen[n]);
		if (getsockname(srv->listen_fd[i], (struct sockaddr *)&listen[n],
				&sl) == 0) {
			port = tp_addr_port(&listen[n]);
			n++;
		}
	}
	if (o->capture_host != NULL) {
		tp_net_resolve(o->capture_host, o->capture_port, 0,
			       srv->timeout_ms, NULL, &far, &res);
		if (res.status != TP_NETRES_OK)
			far.n = 0;  /* the client's report says why */
	}
	/* a connection is reported at most about three timeouts after its
	 * last packet; one idle longer than that is not ours to report */
	srv->lc = tp_livecap_start_server(co, listen, n, port, far.addr, far.n,
					  o->capture_port,
					  3 * srv->timeout_ms + 10000, err);
	if (srv->lc == NULL)
		return -1;
	if (o->on_capture != NULL)
		o->on_capture(o->arg, srv->lc);
	return 0;
}

/* ---- the report of one connection ---- */

static struct tp_report *new_report(struct conn *c)
{
	struct tp_report *r = tp_report_new("server");
	struct tp_stage *stage;
	size_t i;

	if (r == NULL)
		return NULL;
	tp_report_set_target(r, c->peer_host, c->peer_port, NULL);
	tp_report_add_address(r, c->peer_host);
	stage = tp_report_stage(r, "accept");
	tp_stage_set(stage, TP_STAGE_OK, 0, "connection from %s", c->peer);
	tp_stage_set_ends(stage, c->local, c->peer);
	tp_report_add_standard_stages(r);
	stage = tp_report_stage(r, "tcp");
	tp_stage_set(stage, TP_STAGE_OK, 0, "accepted on %s", c->local);
	tp_stage_set_ends(stage, c->local, c->peer);
	for (i = 0; c->srv->own != NULL && i < c->srv->own->n_findings; i++)
		tp_report_copy_finding(r, &c->srv->own->findings[i], NULL);
	return r;
}

static void note_alert(struct conn *c, bool incoming, bool fatal, int desc)
{
	char name[64];

	snprintf(name, sizeof(name), "Alert(%s, %s)", fatal ? "fatal"
		 : "warning", alert_name(desc));
	if (c->r != NULL)
		tp_report_add_message(c->r, tp_now_ms() - c->tls_start,
				      incoming, name);
}

/* The ClientHello facts for the report, from the parsed hello. */
static void client_hello_facts(struct conn *c,
			       const struct tp_wire_client_hello *h)
{
	struct tp_client_hello *ch = &c->r->client_hello;
	const char *v;
	size_t i;

	memset(ch, 0, sizeof(*ch));
	ch->present = true;
	if (h->has_versions) {
		for (i = 0; i < h->n_versions && i < TP_CH_MAX_VERSIONS; i++)
			id_text(h->versions[i],
				tp_wire_version_name(h->versions[i]),
				ch->versions[ch->n_versions++],
				sizeof(ch->versions[0]));
	} else {
		v = tp_wire_version_name(h->legacy_version);
		id_text(h->legacy_version, v, ch->versions[0],
			sizeof(ch->versions[0]));
		ch->n_versions = 1;
	}
	ch->n_suites = (unsigned)h->suites_total;
	for (i = 0; i < h->n_suites && i < TP_CH_MAX_SUITES; i++)
		snprintf(ch->suite_ids[ch->n_suite_ids++],
			 sizeof(ch->suite_ids[0]), "0x%04X", h->suites[i]);
	if (h->has_sni) {
		ch->has_sni = true;
		set_clean(ch->sni, sizeof(ch->sni), h->sni, h->sni_len);
	}
	for (i = 0; i < h->n_alpn && i < TP_CH_MAX_ALPN; i++)
		set_clean(ch->alpn[ch->n_alpn++], sizeof(ch->alpn[0]),
			  h->alpn[i], h->alpn_len[i]);
	for (i = 0; i < h->n_groups && i < TP_CH_MAX_GROUPS; i++)
		id_text(h->groups[i], group_name(h->groups[i]),
			ch->groups[ch->n_groups++], sizeof(ch->groups[0]));
	for (i = 0; i < h->n_key_shares && i < TP_CH_MAX_GROUPS; i++)
		id_text(h->key_shares[i], group_name(h->key_shares[i]),
			ch->key_shares[ch->n_key_shares++],
			sizeof(ch->key_shares[0]));
}

/* What this connection showed, as facts for the diagnosis. */
static void observed(const struct conn *c, struct tp_diag_server_obs *o)
{
	const struct server *srv = c->srv;

	memset(o, 0, sizeof(*o));
	o->peer = c->peer;
	o->tls = c->s != NULL;
	o->first_in = c->peek;
	o->first_in_len = c->peek_len;
	o->status = c->status;
	o->alert_in = c->alert_in;
	o->alert_out = c->alert_out;
	o->alert_in_plaintext = c->alert_in_plaintext;
	o->close_notify_in = c->close_notify_in;
	o->timed_out = c->timed_out;
	o->eof = c->eof;
	o->recv_errno = c->recv_errno;
	o->send_errno = c->send_errno;
	o->bytes_in = c->bytes_in;
	o->bytes_out = c->bytes_out;
	o->last_in = c->last_in_msg;
	o->last_out = c->last_out_msg;
	o->hello = &c->r->client_hello;
	o->hello_offers_ours = o->hello->present &&
			       offers_our_version(srv, o->hello);
	o->cert_rejected = c->cert_rejected;
	o->cert_error = c->cert_error[0] ? c->cert_error : NULL;
	o->trusted = srv->trusted_text;
	o->versions = srv->versions_text;
	o->suites = srv->suites_text;
	o->priority = srv->o->priority;
	o->timeout_ms = srv->timeout_ms;
}

/* Why the connection brought no handshake (diag_server.c): the finding
 * added, or NULL. */
static const struct tp_finding *diagnose(struct conn *c)
{
	struct tp_diag_server_obs o;

	observed(c, &o);
	return tp_diag_server_failure(c->r, &o, c->reason, sizeof(c->reason));
}

/* The server's own view of the handshake, for the side channel. */
static void make_account(struct conn *c, struct tp_sideband_account *a)
{
	const struct tp_report *r = c->r;
	size_t i, j;

	memset(a, 0, sizeof(*a));
	snprintf(a->seen_from, sizeof(a->seen_from), "%s", c->peer);
	if (c->handshake_done && c->alert_out < 0 && c->alert_in < 0)
		snprintf(a->outcome, sizeof(a->outcome), "established");
	else if (c->alert_out >= 0 || c->alert_in >= 0)
		snprintf(a->outcome, sizeof(a->outcome), "alert");
	else if (c->timed_out)
		snprintf(a->outcome, sizeof(a->outcome), "timeout");
	else if (c->recv_errno == ECONNRESET || c->send_errno != 0)
		snprintf(a->outcome, sizeof(a->outcome), "reset");
	else
		snprintf(a->outcome, sizeof(a->outcome), "closed");
	if (r->session.present) {
		snprintf(a->version, sizeof(a->version), "%s",
			 r->session.version ? r->session.version : "");
		snprintf(a->cipher, sizeof(a->cipher), "%s",
			 r->session.cipher ? r->session.cipher : "");
	}
	if (r->client_hello.has_sni)
		snprintf(a->sni, sizeof(a->sni), "%s", r->client_hello.sni);
	if (c->alert_out >= 0)
		snprintf(a->alert_sent, sizeof(a->alert_sent), "%s",
			 alert_name(c->alert_out));
	if (c->reason[0] != '\0')
		set_text(a->reason, sizeof(a->reason), "%s", c->reason);
	else
		for (i = 0; i < r->n_findings; i++)
			if (r->findings[i].severity == TP_SEV_ERROR) {
				char *why = raw_summary(&r->findings[i]);

				set_text(a->reason, sizeof(a->reason), "%s",
					 why ? why : "refused");
				free(why);
				break;
			}
	if (c->client_sent_cert) {
		a->has_client_cert = true;
		snprintf(a->client_subject, sizeof(a->client_subject), "%s",
			 c->client_subject);
		snprintf(a->client_issuer, sizeof(a->client_issuer), "%s",
			 c->client_issuer);
		snprintf(a->client_sha256, sizeof(a->client_sha256), "%s",
			 c->client_sha256);
	}
	/* what the client should call it first, then our own findings */
	if (c->cert_rejected)
		snprintf(a->codes[a->n_codes++], sizeof(a->codes[0]),
			 "CLIENT_CERT_REJECTED");
	for (i = 0; i < r->n_findings && a->n_codes < TP_SIDEBAND_MAX_LIST;
	     i++) {
		const char *name = tp_code_info(r->findings[i].code)->name;

		for (j = 0; j < a->n_codes; j++)
			if (strcmp(a->codes[j], name) == 0)
				break;
		if (j == a->n_codes)
			snprintf(a->codes[a->n_codes++], sizeof(a->codes[0]),
				 "%s", name);
	}
}

/*
 * The last counted connection has ended. Its client may still claim the
 * account on the side channel: only a tlsprobe client (its random was
 * marked) that did not get it inside TLS will, and it is waited for.
 */
static void stop_counting(struct server *srv, const struct conn *last)
{
	bool claim_to_come = last->marked && !last->account_inside;

	srv->draining = true;
	srv->drain_until = tp_now_ms();
	if (claim_to_come)
		srv->drain_until += srv->timeout_ms < DRAIN_MAX_MS
				    ? srv->timeout_ms : DRAIN_MAX_MS;
}

/* Ends the report: stages, diagnosis, account; hands it over. */
static void finish_report(struct conn *c)
{
	struct server *srv = c->srv;
	struct tp_report *r = c->r;
	const struct tp_accounts_hello *hello;
	struct tp_sideband_account a;
	struct tp_stage *stage;

	if (r == NULL || c->reported)
		return;
	c->reported = true;
	stage = tp_report_stage(r, "tls");
	if (c->handshake_done) {
		tp_stage_set(stage, TP_STAGE_OK, stage->ms, "%s %s",
			     r->session.version ? r->session.version : "?",
			     r->session.cipher ? r->session.cipher : "?");
	} else if (c->s != NULL) {
		double ms = tp_now_ms() - c->tls_start;
		const struct tp_finding *f = diagnose(c);

		if (c->cert_rejected)
			tp_stage_set(stage, TP_STAGE_FAIL, ms, "we refused the "
				     "client certificate: %s", c->reason);
		else
			tp_stage_set_finding(stage, TP_STAGE_FAIL, ms, f,
					     "failed");
	}
	r->total_ms = tp_now_ms() - c->accepted;
	if (c->have_random) {
		/* the client's tlsprobe said hello: its view of the path
		 * against ours, as its own report has it */
		hello = tp_accounts_find_hello(srv->accounts, c->client_random);
		if (hello != NULL)
			tp_pair_nat_seen(r, hello->local, hello->seen_from,
					 hello->dialled, hello->server_local);
		make_account(c, &a);
		tp_accounts_put_account(srv->accounts, c->client_random, &a);
	}
	/* past --count, connections still in flight end unreported */
	if (srv->o->count > 0 && srv->reports >= srv->o->count) {
		tp_report_free(r);
		c->r = NULL;
		return;
	}
	srv->sum->connections++;
	if (c->handshake_done)
		srv->sum->established++;
	else
		srv->sum->failed++;
	/*
	 * A tlsprobe client whose handshake failed says which addresses it
	 * is and dialled when it claims its account, a moment from now:
	 * the report waits for those words (bounded), so that it can
	 * compare them as it does after a hello or inside TLS.
	 */
	c->await_words = c->marked && !c->handshake_done &&
			 tp_accounts_find_hello(srv->accounts,
						c->client_random) == NULL;
	if (srv->lc != NULL || c->await_words) {
		/* handed over once the connection is closed and its last
		 * segments (FIN, RST) are in the capture */
		c->held = true;
		srv->held++;
	} else {
		if (srv->o->on_report != NULL)
			srv->o->on_report(srv->o->arg, r);
		tp_report_free(r);
		c->r = NULL;
	}
	srv->reports++;
	if (srv->o->count > 0 && srv->reports >= srv->o->count &&
	    !srv->draining)
		stop_counting(srv, c);
}

/* ---- GnuTLS transport and callbacks ---- */

/* Keeps the last bytes received, to recognise a final plaintext alert. */
static void keep_tail(struct conn *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t keep = sizeof(c->tail);

	if (n >= keep) {
		memcpy(c->tail, p + n - keep, keep);
		c->tail_len = keep;
		return;
	}
	if (c->tail_len + n > keep) {
		size_t drop = c->tail_len + n - keep;

		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, p, n);
	c->tail_len += n;
}

/*
 * A TLS 1.3 client that refuses our certificate may send its alert in
 * plaintext, before it has switched to its handshake keys (OpenSSL
 * does); GnuTLS, expecting an encrypted record, reports a decryption
 * failure. The alert is the last record that came (RFC 8446 section
 * 5.1: type 21, version 3.x, length 2, level, description): its
 * description, or -1.
 */
static int plaintext_alert(const struct conn *c, bool *fatal)
{
	const uint8_t *t = c->tail + c->tail_len - 7;

	if (c->tail_len < 7 || t[0] != 21 || t[1] != 3 || t[3] != 0 ||
	    t[4] != 2 || (t[5] != 1 && t[5] != 2))
		return -1;
	*fatal = t[5] == 2;
	return t[6];
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct conn *c = p;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		/* as in tls.c: what the peer said before it left (an
		 * alert) may still wait to be read; keep going to read it */
		if (c->send_errno == 0)
			c->send_errno = errno;
		return (ssize_t)len;
	}
	if (n < 0) {
		gnutls_transport_set_errno(c->s, errno);
		return -1;
	}
	c->bytes_out += (size_t)n;
	return n;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct conn *c = p;
	ssize_t n;

	/* the bytes read to classify the connection come first */
	if (c->peek_off < c->peek_len) {
		size_t k = c->peek_len - c->peek_off;

		if (k > len)
			k = len;
		memcpy(data, c->peek + c->peek_off, k);
		c->peek_off += k;
		keep_tail(c, data, k);
		return (ssize_t)k;
	}
	n = recv(c->fd, data, len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR && c->recv_errno == 0)
			c->recv_errno = errno;
		gnutls_transport_set_errno(c->s, errno);
		return -1;
	}
	if (n == 0)
		c->eof = true;
	c->bytes_in += (size_t)n;
	c->last_in = tp_now_ms();
	keep_tail(c, data, (size_t)n);
	return n;
}

/* Never waits: the loop does the waiting. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct conn *c = p;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	(void)ms;
	if (c->peek_off < c->peek_len)
		return 1;
	return poll(&pfd, 1, 0);
}

/* --expect-id peer: the ID this client announced in its hello. */
static void resolve_peer_id(struct conn *c)
{
	struct server *srv = c->srv;
	const struct tp_accounts_hello *slot;
	const char *id;

	if (srv->o->expect_id == NULL || strcmp(srv->o->expect_id, "peer") != 0)
		return;
	slot = tp_accounts_find_hello(srv->accounts, c->client_random);
	id = slot != NULL ? slot->unique_id : NULL;
	if (id != NULL && id[0] != '\0')
		snprintf(c->expect_id, sizeof(c->expect_id), "%s", id);
	else
		c->expect_peer_unknown = true;
}

/*
 * RFC 8446 section 4.1.3: a server that speaks TLS 1.3 and will settle
 * for less says so in the last 8 bytes of its random. GnuTLS writes
 * them into the randoms it makes; a marked random is ours, so we do.
 */
static void downgrade_sentinel(const struct server *srv,
			       const struct tp_wire_client_hello *h,
			       uint8_t sr[32])
{
	const unsigned *protos;
	int n = gnutls_priority_protocol_list(srv->creds.prio, &protos), i;
	uint16_t top = h->legacy_version;
	bool tls13 = false;
	size_t j;

	for (i = 0; i < n; i++)
		tls13 |= protos[i] == GNUTLS_TLS1_3;
	if (h->has_versions) {
		top = 0;
		for (j = 0; j < h->n_versions; j++)
			/* GREASE values (0x?A?A) are no version */
			if ((h->versions[j] & 0x0f0f) != 0x0a0a &&
			    h->versions[j] <= 0x0304 && h->versions[j] > top)
				top = h->versions[j];
	}
	if (!tls13 || top >= 0x0304)
		return;
	memcpy(sr + 24, "DOWNGRD", 7);
	sr[31] = top == 0x0303 ? 1 : 0;
}

/*
 * Read before GnuTLS processes it, so that what the client offered is
 * known even when the negotiation then fails on it.
 */
static void on_client_hello(struct conn *c, const gnutls_datum_t *msg)
{
	struct tp_wire_client_hello *h = c->hello;

	if (h == NULL || msg == NULL ||
	    tp_wire_parse_client_hello(msg->data, msg->size, h) < 0)
		return;
	client_hello_facts(c, h);
	if (h->has_sni) {
		snprintf(c->sni, sizeof(c->sni), "%s", c->r->client_hello.sni);
		/* from the raw name: client_hello.sni is sanitised already,
		 * and sanitising it again would show \\x1b for \x1b */
		tp_report_set_target(c->r, c->peer_host, c->peer_port, NULL);
		tp_report_set_sni(c->r, (const char *)h->sni, h->sni_len);
	}
	memcpy(c->client_random, h->random, 32);
	c->have_random = true;
	/* a tlsprobe client marked its random: our ServerHello answers the
	 * mark, so that it knows it may ask us what we saw */
	c->marked = tp_sideband_client_marked(h->random);
	if (c->marked) {
		uint8_t sr[32];
		gnutls_datum_t d = {sr, sizeof(sr)};

		if (tp_sideband_mark_server(h->random, sr) == 0) {
			downgrade_sentinel(c->srv, h, sr);
			(void)gnutls_handshake_set_random(c->s, &d);
		}
	}
	resolve_peer_id(c);
}

static int hook(gnutls_session_t s, unsigned int htype, unsigned when,
		unsigned int incoming, const gnutls_datum_t *msg)
{
	struct conn *c = gnutls_session_get_ptr(s);
	bool client_hello = incoming && htype == GNUTLS_HANDSHAKE_CLIENT_HELLO;
	gnutls_datum_t cr = {NULL, 0}, sr = {NULL, 0};
	char buf[40];
	const char *name;

	/* the ClientHello is noted before it is processed, the rest after */
	if (when == GNUTLS_HOOK_PRE && !client_hello)
		return 0;
	if (when == GNUTLS_HOOK_POST && client_hello) {
		/* a hello the parser could not read (SSL 2.0 format) still
		 * has its random */
		if (!c->have_random) {
			gnutls_session_get_random(s, &cr, &sr);
			if (cr.size == 32) {
				memcpy(c->client_random, cr.data, 32);
				c->have_random = true;
				resolve_peer_id(c);
			}
		}
		return 0;
	}
	if (client_hello && c->saw_hello)
		return 0;  /* the second hello after a HelloRetryRequest */
	name = tp_registry_gnutls_handshake_name(htype, buf, sizeof(buf));
	tp_report_add_message(c->r, tp_now_ms() - c->tls_start, incoming != 0,
			      name);
	if (incoming)
		snprintf(c->last_in_msg, sizeof(c->last_in_msg), "%s", name);
	else
		snprintf(c->last_out_msg, sizeof(c->last_out_msg), "%s", name);
	if (client_hello) {
		c->saw_hello = true;
		on_client_hello(c, msg);
	}
	return 0;
}

/*
 * The client's Certificate has arrived: judge it now, inside the
 * handshake, so that a rejection is our fatal alert (in TLS 1.2 before
 * our Finished, in TLS 1.3 in answer to the client's Finished).
 */
static int verify_client(gnutls_session_t s)
{
	struct conn *c = gnutls_session_get_ptr(s);
	struct server *srv = c->srv;
	struct tp_chain_check check = {
		.role = "client certificate",
		.purpose = TP_PURPOSE_CLIENT,
		.now = srv->o->now,
		.side = TP_SIDE_CLIENT,
		.sent_by_peer = true,
	};
	const gnutls_datum_t *der;
	gnutls_x509_crt_t *chain = NULL;
	struct tp_error err = {0};
	struct tp_stage *stage = tp_report_stage(c->r, "verify");
	size_t first = c->r->n_findings, which;
	unsigned n = 0, count = 0;
	uint8_t fp[32];
	size_t fp_size = sizeof(fp);
	double t0 = tp_now_ms();
	int errors, alert;

	der = gnutls_certificate_get_peers(s, &n);
	if (der == NULL || n == 0)
		return 0;  /* none sent: GnuTLS enforces "required" itself */
	c->client_sent_cert = true;
	if (tp_cert_import_der(der, n, &chain, &count, &err) < 0) {
		/* the diagnosis says so when the report ends */
		snprintf(c->cert_error, sizeof(c->cert_error), "%s", err.raw);
		tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0, "%s",
			     err.raw);
		set_text(c->reason, sizeof(c->reason), "the client "
			 "certificate does not parse: %s", err.raw);
		c->cert_rejected = true;
		c->alert_out = 42;
		return -1;
	}
	tp_cert_dn(chain[0], false, c->client_subject,
		   sizeof(c->client_subject));
	tp_cert_dn(chain[0], true, c->client_issuer, sizeof(c->client_issuer));
	if (gnutls_x509_crt_get_fingerprint(chain[0], GNUTLS_DIG_SHA256, fp,
					    &fp_size) == 0 && fp_size == 32)
		tp_hex(fp, 32, c->client_sha256);
	if (srv->o->expect_id != NULL)
		check.expect_id = strcmp(srv->o->expect_id, "peer") == 0
				  ? (c->expect_id[0] ? c->expect_id : NULL)
				  : srv->o->expect_id;
	errors = tp_cert_check_chain(c->r, chain, count, srv->creds.trust,
				     &check);
	tp_cert_free_chain(chain, count);
	if (errors == 0) {
		tp_stage_set(stage, TP_STAGE_OK, tp_now_ms() - t0, "client "
			     "certificate %s trusted via %s%s",
			     c->client_subject, srv->creds.trust->source,
			     c->expect_peer_unknown
			     ? "; its unique ID was not checked: no side-"
			       "channel hello announced this client's ID" : "");
		return 0;
	}
	alert = tp_diag_rejection_alert(c->r, first, &which);
	c->cert_rejected = true;
	c->alert_out = alert;
	if (alert == 48)
		set_text(c->reason, sizeof(c->reason), "client certificate "
			 "issuer %s is not among the trusted CAs %s",
			 c->client_issuer, srv->trusted_text);
	else {
		char *why = which < c->r->n_findings
			    ? raw_summary(&c->r->findings[which]) : NULL;

		if (why != NULL && strncmp(why, "certificate ", 12) == 0)
			set_text(c->reason, sizeof(c->reason), "client %s",
				 why);
		else
			set_text(c->reason, sizeof(c->reason),
				 "client certificate: %s", why ? why
				 : "refused");
		free(why);
	}
	tp_stage_set(stage, TP_STAGE_FAIL, tp_now_ms() - t0,
		     "%d problem%s with "
		     "the client certificate %s",
		     errors, errors == 1 ? "" : "s", c->client_subject);
	return -1;
}

/* ---- connections ---- */

static void send_alert(struct conn *c, int desc)
{
	int rc, tries;

	for (tries = 0; tries < 3; tries++) {
		rc = gnutls_alert_send(c->s, GNUTLS_AL_FATAL,
				       (gnutls_alert_description_t)desc);
		if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
			break;
		/* an alert is a few bytes: the socket takes them at once
		 * unless the peer stopped reading, so wait only briefly */
		{
			struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

			poll(&pfd, 1, 10);
		}
	}
	c->alert_out = desc;
	note_alert(c, false, true, desc);
}

/* Whether a failed handshake deserves an alert from us. */
static bool wants_alert(int status)
{
	switch (status) {
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_TIMEDOUT:
	case GNUTLS_E_AGAIN:
	case GNUTLS_E_INTERRUPTED:
		return false;
	default:
		return true;
	}
}

static int line_room(struct conn *c)
{
	size_t cap;
	char *grown;

	if (c->line_len + 1 < c->line_cap)
		return 0;
	if (c->line_cap >= TP_SIDEBAND_MAX_LINE + 1)
		return -1;
	cap = c->line_cap ? c->line_cap * 2 : LINE_START;
	if (cap > TP_SIDEBAND_MAX_LINE + 1)
		cap = TP_SIDEBAND_MAX_LINE + 1;
	grown = realloc(c->line, cap);
	if (grown == NULL)
		return -1;
	c->line = grown;
	c->line_cap = cap;
	return 0;
}

static void to_linger(struct conn *c)
{
	double now = tp_now_ms(), wait = c->srv->timeout_ms;

	shutdown(c->fd, SHUT_WR);
	if (wait > LINGER_MAX_MS)
		wait = LINGER_MAX_MS;
	c->deadline = now + wait;
	c->state = S_LINGER;
}

/* --keylog: each secret as GnuTLS derives it. */
static int keylog(gnutls_session_t s, const char *label,
		  const gnutls_datum_t *secret)
{
	struct conn *c = gnutls_session_get_ptr(s);

	tp_tls_keylog_write(c->srv->keylog, s, label, secret);
	return 0;
}

static enum step start_tls(struct conn *c)
{
	struct server *srv = c->srv;
	int rc;

	c->r = new_report(c);
	c->hello = malloc(sizeof(*c->hello));
	if (c->r == NULL || c->hello == NULL)
		return STEP_CLOSE;
	c->tls_start = tp_now_ms();
	/* the first bytes were the handshake's: it keeps the deadline the
	 * connection got when it was accepted, so that a client slow to
	 * start and then slow to go on holds it for one --timeout, not two */
	c->deadline = c->accepted + srv->timeout_ms;
	rc = gnutls_init(&c->s, GNUTLS_SERVER | GNUTLS_NONBLOCK |
			 GNUTLS_NO_TICKETS);
	if (rc < 0)
		return STEP_CLOSE;
	if (gnutls_priority_set(c->s, srv->creds.prio) < 0 ||
	    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
				   srv->creds.cred) < 0)
		return STEP_CLOSE;
	gnutls_certificate_server_set_request(c->s, srv->creds.trust == NULL
		? GNUTLS_CERT_IGNORE : srv->o->require_client_cert
		? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
	gnutls_handshake_set_timeout(c->s, 0);
	gnutls_session_set_ptr(c->s, c);
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_push_function(c->s, push);
	gnutls_transport_set_pull_function(c->s, pull);
	gnutls_transport_set_pull_timeout_function(c->s, pull_timeout);
	gnutls_handshake_set_hook_function(c->s, GNUTLS_HANDSHAKE_ANY,
					   GNUTLS_HOOK_BOTH, hook);
	if (srv->keylog != NULL)
		gnutls_session_set_keylog_function(c->s, keylog);
	c->state = S_HANDSHAKE;
	return STEP_NEXT;
}

/* A report for a connection that never spoke TLS. */
static void report_not_tls(struct conn *c)
{
	const struct tp_finding *f;

	c->r = new_report(c);
	if (c->r == NULL)
		return;
	c->tls_start = tp_now_ms();
	f = diagnose(c);
	tp_stage_set_finding(tp_report_stage(c->r, "tls"), TP_STAGE_FAIL, 0,
			     f, "not TLS");
	finish_report(c);
}

static void report_silent(struct conn *c)
{
	const struct tp_finding *f;

	c->r = new_report(c);
	if (c->r == NULL)
		return;
	c->tls_start = c->accepted;
	c->timed_out = true;
	f = diagnose(c);
	tp_stage_set_finding(tp_report_stage(c->r, "tls"), TP_STAGE_FAIL,
			     c->srv->timeout_ms, f, "silent client");
	finish_report(c);
}

/* RFC 8446 section 5.1: content types 20..24; 0x80 marks an SSL 2.0
 * record header whose message type 1 is a ClientHello. */
static enum step do_peek(struct conn *c)
{
	const uint8_t *b = c->peek;
	ssize_t n;

	n = recv(c->fd, c->peek + c->peek_len, PEEK_MAX - c->peek_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		c->events = POLLIN;
		return STEP_WAIT;
	}
	if (n <= 0) {
		/* gone before saying anything: a port check, not a client */
		if (c->peek_len == 0)
			return STEP_CLOSE;
		report_not_tls(c);
		return STEP_CLOSE;
	}
	c->peek_len += (size_t)n;
	c->bytes_in += (size_t)n;
	if (b[0] >= 20 && b[0] <= 24) {
		if (c->srv->draining)
			return STEP_CLOSE;  /* serving the side channel only */
		return start_tls(c);
	}
	if ((b[0] & 0x80) != 0 && (c->peek_len < 3 || b[2] == 1)) {
		if (c->peek_len < 3) {
			c->events = POLLIN;
			return STEP_WAIT;
		}
		if (c->srv->draining)
			return STEP_CLOSE;
		return start_tls(c);
	}
	if (memcmp(b, TP_SIDEBAND_MAGIC, c->peek_len < TP_SIDEBAND_MAGIC_LEN
		   ? c->peek_len : TP_SIDEBAND_MAGIC_LEN) == 0) {
		if (c->peek_len < TP_SIDEBAND_MAGIC_LEN) {
			c->events = POLLIN;
			return STEP_WAIT;
		}
		c->srv->sum->sideband++;
		if (line_room(c) < 0)
			return STEP_CLOSE;
		memcpy(c->line, c->peek, c->peek_len);
		c->line_len = c->peek_len;
		/* the hello line keeps the deadline of the accept, whose
		 * first bytes it began with */
		c->state = S_SB_READ;
		return STEP_NEXT;
	}
	if (c->srv->draining)
		return STEP_CLOSE;
	report_not_tls(c);
	return STEP_CLOSE;
}

static enum step handshake_done(struct conn *c)
{
	struct tp_sideband_account a;

	c->handshake_done = true;
	c->status = 0;
	tp_tls_record_session(c->s, &c->r->session);
	tp_report_stage(c->r, "tls")->ms = tp_now_ms() - c->tls_start;
	/* the account is there as soon as the handshake is, for a client
	 * that asks before this connection ends */
	if (c->have_random) {
		make_account(c, &a);
		tp_accounts_put_account(c->srv->accounts, c->client_random,
					&a);
	}
	free(c->hello);
	c->hello = NULL;
	c->line_len = 0;
	c->deadline = tp_now_ms() + c->srv->timeout_ms;
	c->state = S_READ_LINE;
	return STEP_NEXT;
}

static enum step do_handshake(struct conn *c)
{
	int rc = gnutls_handshake(c->s);
	bool fatal = true;

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		c->events = gnutls_record_get_direction(c->s) ? POLLOUT
							      : POLLIN;
		return STEP_WAIT;
	}
	if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
		note_alert(c, true, false, (int)gnutls_alert_get(c->s));
		return STEP_NEXT;
	}
	if (rc == 0)
		return handshake_done(c);
	if (!gnutls_error_is_fatal(rc))
		return STEP_NEXT;
	c->status = rc;
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		c->alert_in = (int)gnutls_alert_get(c->s);
		note_alert(c, true, true, c->alert_in);
	} else if ((c->alert_in = plaintext_alert(c, &fatal)) >= 0) {
		c->alert_in_plaintext = true;
		note_alert(c, true, fatal, c->alert_in);
		/* RFC 8446 section 6.1: close_notify is a closure alert,
		 * the client closing, whatever level it was sent at */
		if (c->alert_in == 0) {
			c->alert_in = -1;
			c->close_notify_in = true;
		}
	} else if (rc == GNUTLS_E_SESSION_EOF) {
		c->close_notify_in = true;
	} else if (c->cert_rejected) {
		send_alert(c, c->alert_out);
	} else if (wants_alert(rc) && !c->eof && c->recv_errno == 0) {
		int level;
		int desc = gnutls_error_to_alert(rc, &level);

		if (desc >= 0)
			send_alert(c, desc);
	}
	finish_report(c);
	to_linger(c);
	return STEP_NEXT;
}

/*
 * Answers the paired probe's "inside" message, inside the session: the
 * client's words about its ends of this connection go where a hello's
 * would (this connection's report compares them), and the account is
 * this session's own.
 */
static enum step answer_inside(struct conn *c,
			       const struct tp_sideband_hello *words)
{
	struct server *srv = c->srv;
	struct tp_sideband_inside_reply *reply = calloc(1, sizeof(*reply));
	gnutls_datum_t cr = {NULL, 0}, sr = {NULL, 0};
	size_t i;

	if (reply == NULL)
		return STEP_CLOSE;
	if (c->have_random) {
		tp_accounts_put_hello(srv->accounts, c->client_random, words,
				      c->peer, c->local);
		make_account(c, &reply->account);
		reply->has_account = true;
		c->account_inside = true;
	}
	snprintf(reply->unique_id, sizeof(reply->unique_id), "%s",
		 srv->unique_id);
	snprintf(reply->seen_from, sizeof(reply->seen_from), "%s", c->peer);
	snprintf(reply->server_local, sizeof(reply->server_local), "%s",
		 c->local);
	for (i = 0; i < srv->n_chain_hashes; i++)
		memcpy(reply->chain_sha256[i], srv->chain_sha256[i], 65);
	reply->n_chain = srv->n_chain_hashes;
	gnutls_session_get_random(c->s, &cr, &sr);
	if (cr.size == 32)
		tp_hex(cr.data, 32, reply->client_random);
	c->out = tp_sideband_inside_reply_line(reply);
	free(reply);
	if (c->out == NULL)
		return STEP_CLOSE;
	c->out_len = strlen(c->out);
	c->out_off = 0;
	c->state = S_SEND;
	return STEP_NEXT;
}

static enum step do_read_line(struct conn *c)
{
	struct tp_error err = {0};
	struct tp_sideband_msg *m;
	enum step next = STEP_NEXT;
	char *nl;
	ssize_t n;

	for (;;) {
		if (line_room(c) < 0) {
			c->state = S_BYE;  /* not a line we answer */
			return STEP_NEXT;
		}
		n = gnutls_record_recv(c->s, c->line + c->line_len,
				       c->line_cap - 1 - c->line_len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			c->events = gnutls_record_get_direction(c->s) ? POLLOUT
								      : POLLIN;
			return STEP_WAIT;
		}
		if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			c->alert_in = (int)gnutls_alert_get(c->s);
			note_alert(c, true, true, c->alert_in);
		}
		if (n == GNUTLS_E_WARNING_ALERT_RECEIVED ||
		    n == GNUTLS_E_REHANDSHAKE)
			continue;
		if (n <= 0) {
			/* close_notify, FIN, reset or an alert: done */
			finish_report(c);
			return STEP_CLOSE;
		}
		c->line_len += (size_t)n;
		nl = memchr(c->line, '\n', c->line_len);
		if (nl != NULL)
			break;
	}
	m = malloc(sizeof(*m));
	if (m == NULL)
		return STEP_CLOSE;
	c->state = S_BYE;
	if (tp_sideband_parse(c->line, (size_t)(nl - c->line) + 1, m, &err) !=
	    NULL && m->type == TP_SIDEBAND_INSIDE)
		next = answer_inside(c, &m->u.hello);
	free(m);
	return next;
}

static enum step do_send(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = gnutls_record_send(c->s, c->out + c->out_off,
				       c->out_len - c->out_off);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			c->events = POLLOUT;
			return STEP_WAIT;
		}
		if (n < 0) {
			finish_report(c);
			return STEP_CLOSE;
		}
		c->out_off += (size_t)n;
	}
	c->state = S_BYE;
	return STEP_NEXT;
}

static enum step do_bye(struct conn *c)
{
	int rc = gnutls_bye(c->s, GNUTLS_SHUT_WR);

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		c->events = gnutls_record_get_direction(c->s) ? POLLOUT
							      : POLLIN;
		return STEP_WAIT;
	}
	finish_report(c);
	to_linger(c);
	return STEP_NEXT;
}

/* Sends out (a line, or NULL for no memory) on the side channel. */
static enum step sb_answer(struct conn *c, char *out)
{
	c->out = out;
	if (c->out == NULL)
		return STEP_CLOSE;
	c->out_len = strlen(c->out);
	c->out_off = 0;
	c->deadline = tp_now_ms() + c->srv->timeout_ms;
	c->state = S_SB_SEND;
	return STEP_NEXT;
}

/* The words of a client whose failed handshake's report waits for them:
 * compared now, and the report goes (with --capture, after the grace the
 * capture needs for the last segments). */
static void words_arrived(struct server *srv, const struct tp_sideband_hello *h)
{
	const struct tp_accounts_hello *slot =
		tp_accounts_find_hello(srv->accounts, h->client_random);
	size_t i;

	for (i = 0; slot != NULL && i < srv->n_conns; i++) {
		struct conn *w = srv->conns[i];

		if (!w->held || !w->await_words || w->r == NULL ||
		    memcmp(w->client_random, h->client_random, 32) != 0)
			continue;
		tp_pair_nat_seen(w->r, slot->local, slot->seen_from,
				 slot->dialled, slot->server_local);
		w->await_words = false;
		if (w->fd < 0)
			w->deadline = tp_now_ms() + (srv->lc != NULL
				? TP_LIVECAP_GRACE_MS : 0);
	}
}

/*
 * The welcome for one hello: who we are, what we saw, and a challenge.
 * The client's words count only when its key is the one its random was
 * made from: anyone can copy a random off the wire.
 */
static enum step answer_hello(struct conn *c, const struct tp_sideband_hello *h)
{
	struct server *srv = c->srv;
	struct tp_sideband_welcome *w = calloc(1, sizeof(*w));
	char *line;
	size_t i;

	if (w == NULL)
		return STEP_CLOSE;
	if (tp_sideband_challenge_new(c->sb_challenge) < 0) {
		free(w);
		return STEP_CLOSE;
	}
	memcpy(w->challenge, c->sb_challenge, sizeof(w->challenge));
	memcpy(c->sb_random, h->client_random, sizeof(c->sb_random));
	memcpy(c->sb_key, h->key, sizeof(c->sb_key));
	c->sb_welcomed = true;
	if (tp_sideband_key_fits(h->key, h->client_random)) {
		tp_accounts_put_hello(srv->accounts, h->client_random, h,
				      c->peer, c->local);
		words_arrived(srv, h);
	}
	snprintf(w->unique_id, sizeof(w->unique_id), "%s", srv->unique_id);
	snprintf(w->seen_from, sizeof(w->seen_from), "%s", c->peer);
	snprintf(w->server_local, sizeof(w->server_local), "%s", c->local);
	for (i = 0; i < srv->n_chain_hashes; i++)
		memcpy(w->chain_sha256[i], srv->chain_sha256[i], 65);
	w->n_chain = srv->n_chain_hashes;
	for (i = 0; i < srv->n_trusted; i++)
		memcpy(w->trusted_cas[i], srv->trusted[i],
		       sizeof(srv->trusted[i]));
	w->n_trusted = srv->n_trusted;
	w->require_client_cert = srv->o->require_client_cert;
	if (srv->o->expect_id != NULL)
		snprintf(w->expect_id, sizeof(w->expect_id), "%s",
			 strcmp(srv->o->expect_id, "peer") == 0
			 ? h->unique_id : srv->o->expect_id);
	line = tp_sideband_welcome_line(w);
	free(w);
	return sb_answer(c, line);
}

/* The account for a claim that proves the hello's key; null otherwise
 * (no such handshake, or a claim that does not verify). Once. */
static enum step answer_claim(struct conn *c,
			      const unsigned char sig[TP_SIDEBAND_SIG_LEN])
{
	const struct tp_sideband_account *a = NULL;

	c->sb_claimed = true;
	if (tp_sideband_claim_valid(c->sb_key, c->sb_challenge, c->sb_random,
				    sig))
		a = tp_accounts_get_account(c->srv->accounts, c->sb_random);
	c->out_has_account = a != NULL;
	return sb_answer(c, tp_sideband_account_line(a));
}

static enum step do_sb_read(struct conn *c)
{
	struct tp_sideband_msg *m;
	char type[32];
	struct tp_error err = {0};
	enum step next = STEP_CLOSE;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(c->line, '\n', c->line_len);
		if (nl != NULL)
			break;
		if (line_room(c) < 0)
			return STEP_CLOSE;  /* longer than any message */
		n = recv(c->fd, c->line + c->line_len,
			 c->line_cap - 1 - c->line_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			c->events = POLLIN;
			return STEP_WAIT;
		}
		if (n <= 0)
			return STEP_CLOSE;
		c->line_len += (size_t)n;
	}
	if (c->srv->o->on_peer_line != NULL && !c->sb_welcomed &&
	    tp_sideband_peek_type(c->line, (size_t)(nl - c->line) + 1, type,
				  sizeof(type)) != NULL &&
	    strcmp(type, "peer-report") == 0) {
		/* tlsprobe peer's exchange: the peer probe answers it */
		return sb_answer(c, c->srv->o->on_peer_line(c->srv->o->arg,
				 c->line, (size_t)(nl - c->line) + 1));
	}
	m = malloc(sizeof(*m));
	if (m == NULL)
		return STEP_CLOSE;
	if (tp_sideband_parse(c->line, (size_t)(nl - c->line) + 1, m, &err) !=
	    NULL) {
		/* a hello first, then at most one claim on its challenge */
		if (m->type == TP_SIDEBAND_HELLO && !c->sb_welcomed)
			next = answer_hello(c, &m->u.hello);
		else if (m->type == TP_SIDEBAND_CLAIM && c->sb_welcomed &&
			 !c->sb_claimed)
			next = answer_claim(c, m->u.signature);
	}
	free(m);
	/* what came after this line waits for the next read */
	c->line_len -= (size_t)(nl + 1 - c->line);
	memmove(c->line, nl + 1, c->line_len);
	return next;
}

static enum step do_sb_send(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			c->events = POLLOUT;
			return STEP_WAIT;
		}
		if (n <= 0)
			return STEP_CLOSE;
		c->out_off += (size_t)n;
	}
	/* the paired client has what it came for: a draining server need
	 * not wait any longer */
	if (c->out_has_account && c->srv->draining)
		c->srv->drain_until = tp_now_ms();
	free(c->out);
	c->out = NULL;
	/* after a welcome, the claim may follow on this connection */
	if (c->sb_welcomed && !c->sb_claimed) {
		c->deadline = tp_now_ms() + c->srv->timeout_ms;
		c->state = S_SB_READ;
		return STEP_NEXT;
	}
	to_linger(c);
	return STEP_NEXT;
}

static enum step do_linger(struct conn *c)
{
	char sink[4096];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, sink, sizeof(sink), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			c->events = POLLIN;
			return STEP_WAIT;
		}
		if (n <= 0)
			return STEP_CLOSE;
	}
}

/* The stage's deadline passed. */
static enum step on_timeout(struct conn *c)
{
	switch (c->state) {
	case S_PEEK:
		if (c->peek_len == 0) {
			if (!c->srv->draining)
				report_silent(c);
		} else if (memcmp(c->peek, TP_SIDEBAND_MAGIC,
				  c->peek_len) != 0 && !c->srv->draining) {
			report_not_tls(c);
		}
		return STEP_CLOSE;
	case S_HANDSHAKE:
		c->timed_out = true;
		c->status = GNUTLS_E_TIMEDOUT;
		finish_report(c);
		return STEP_CLOSE;
	case S_READ_LINE:
	case S_SEND:
		/* an idle client after a good handshake is not a failure */
		c->state = S_BYE;
		c->deadline = tp_now_ms() + LINGER_MAX_MS;
		return STEP_NEXT;
	case S_BYE:
		finish_report(c);
		return STEP_CLOSE;
	default:
		return STEP_CLOSE;
	}
}

static void conn_free(struct conn *c)
{
	if (c->s != NULL)
		gnutls_deinit(c->s);
	if (c->fd >= 0)
		close(c->fd);
	tp_report_free(c->r);
	free(c->hello);
	free(c->line);
	free(c->out);
	free(c);
}

/* Runs a connection until it must wait or is done. */
static void step(struct conn *c)
{
	enum step rc;
	int guard;

	for (guard = 0; guard < 64; guard++) {
		if (tp_now_ms() >= c->deadline) {
			rc = on_timeout(c);
			if (rc == STEP_CLOSE) {
				c->state = S_CLOSED;
				return;
			}
			if (rc == STEP_NEXT)
				continue;
		}
		switch (c->state) {
		case S_PEEK: rc = do_peek(c); break;
		case S_HANDSHAKE: rc = do_handshake(c); break;
		case S_READ_LINE: rc = do_read_line(c); break;
		case S_SEND: rc = do_send(c); break;
		case S_BYE: rc = do_bye(c); break;
		case S_SB_READ: rc = do_sb_read(c); break;
		case S_SB_SEND: rc = do_sb_send(c); break;
		case S_LINGER: rc = do_linger(c); break;
		default: rc = STEP_CLOSE; break;
		}
		if (rc == STEP_WAIT)
			return;
		if (rc == STEP_CLOSE) {
			c->state = S_CLOSED;
			return;
		}
	}
}

/* Takes connections off a listening socket; beyond the limit, or when
 * memory or descriptors run out, they are closed at once. */
static void accept_some(struct server *srv, int lfd)
{
	struct sockaddr_storage peer, local;
	socklen_t pl, ll;
	struct conn *c;
	int fd, i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		pl = sizeof(peer);
		fd = accept4(lfd, (struct sockaddr *)&peer, &pl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) &&
			    srv->spare_fd >= 0) {
				/* out of descriptors: free the spare to
				 * take the connection off the queue and
				 * close it, or the listener would stay
				 * readable for ever */
				close(srv->spare_fd);
				fd = accept(lfd, NULL, NULL);
				if (fd >= 0)
					close(fd);
				srv->spare_fd = open("/dev/null",
						     O_RDONLY | O_CLOEXEC);
				continue;
			}
			return;
		}
		if (srv->n_conns >= srv->max_conns) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
			   sizeof(int));
		c->srv = srv;
		c->fd = fd;
		c->state = S_PEEK;
		c->events = POLLIN;
		c->alert_in = c->alert_out = -1;
		c->accepted = c->last_in = tp_now_ms();
		c->deadline = c->accepted + srv->timeout_ms;
		c->peer_ss = peer;
		tp_addr_format((struct sockaddr *)&peer, c->peer,
			       sizeof(c->peer));
		tp_addr_format_host((struct sockaddr *)&peer, c->peer_host,
				    sizeof(c->peer_host));
		c->peer_port = tp_addr_port(&peer);
		ll = sizeof(local);
		if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0) {
			c->local_ss = local;
			tp_addr_format((struct sockaddr *)&local, c->local,
				       sizeof(c->local));
		}
		srv->conns[srv->n_conns++] = c;
		step(c);  /* the ClientHello is often there already */
	}
}

/* Raises the descriptor limit toward what MAX_CONNS needs. */
static size_t conn_limit(void)
{
	struct rlimit rl;
	rlim_t want = MAX_CONNS + MAX_LISTEN + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 256;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur <= 64 + MAX_LISTEN)
		return 16;
	return rl.rlim_cur - 64 - MAX_LISTEN < MAX_CONNS
	       ? (size_t)(rl.rlim_cur - 64 - MAX_LISTEN) : MAX_CONNS;
}

/* A held report gets its connection's packets and the evidence they
 * give, and is handed over. */
static void emit_held(struct server *srv, struct conn *c)
{
	struct tp_flow_evidence ev;

	if (!c->held || c->r == NULL)
		return;
	c->held = false;
	srv->held--;
	if (srv->lc != NULL) {
		tp_livecap_take(srv->lc, (struct sockaddr *)&c->local_ss,
				(struct sockaddr *)&c->peer_ss, c->r, &ev);
		tp_diag_capture(c->r, &ev);
	}
	if (srv->o->on_report != NULL)
		srv->o->on_report(srv->o->arg, c->r);
	tp_report_free(c->r);
	c->r = NULL;
}

static void sweep(struct server *srv)
{
	size_t i, kept = 0;
	struct conn *c;

	for (i = 0; i < srv->n_conns; i++) {
		c = srv->conns[i];
		if (c->state == S_CLOSED && c->held) {
			/* closed now; its report a moment later, when the
			 * capture has read the last segments */
			if (c->fd >= 0) {
				close(c->fd);
				c->fd = -1;
				c->events = 0;
				c->deadline = tp_now_ms() + (c->await_words
					? (srv->timeout_ms < WORDS_MAX_MS
					   ? srv->timeout_ms : WORDS_MAX_MS)
					: TP_LIVECAP_GRACE_MS);
			}
			if (tp_now_ms() < c->deadline) {
				srv->conns[kept++] = c;
				continue;
			}
			emit_held(srv, c);
		}
		if (c->state == S_CLOSED)
			conn_free(c);
		else
			srv->conns[kept++] = c;
	}
	srv->n_conns = kept;
}

/* Leaving: every held report goes out with the packets captured so far. */
static void flush_held(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->n_conns; i++)
		emit_held(srv, srv->conns[i]);
}

static int serve(struct server *srv, struct tp_error *err)
{
	const struct tp_server_opts *o = srv->o;
	size_t i, n;
	double now, next;
	int rc, wait_ms;

	for (;;) {
		if (o->stop != NULL && *o->stop)
			return 0;
		now = tp_now_ms();
		if (srv->draining && now >= srv->drain_until &&
		    srv->held == 0)
			return 0;
		n = 0;
		next = now + POLL_MAX_MS;
		if (srv->draining && srv->drain_until < next)
			next = srv->drain_until;
		for (i = 0; i < srv->n_listen; i++) {
			srv->pfds[n].fd = srv->listen_fd[i];
			srv->pfds[n].events = POLLIN;
			srv->pfds[n].revents = 0;
			n++;
		}
		for (i = 0; i < srv->n_conns; i++) {
			struct conn *c = srv->conns[i];

			srv->pfds[n].fd = c->fd;
			srv->pfds[n].events = c->events;
			srv->pfds[n].revents = 0;
			n++;
			if (c->deadline < next)
				next = c->deadline;
		}
		wait_ms = next <= now ? 0 : (int)(next - now + 0.999);
		rc = poll(srv->pfds, n, wait_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			tp_error_set(err, TP_ERR_RUNTIME, "poll: %s",
				     strerror(errno));
			return -1;
		}
		now = tp_now_ms();
		/* connections first (the array grows as we accept) */
		for (i = 0; i < srv->n_conns; i++) {
			struct conn *c = srv->conns[i];

			if (srv->pfds[srv->n_listen + i].revents != 0 ||
			    now >= c->deadline)
				step(c);
		}
		sweep(srv);
		for (i = 0; i < srv->n_listen; i++)
			if (srv->pfds[i].revents & POLLIN)
				accept_some(srv, srv->listen_fd[i]);
		sweep(srv);
	}
}

static void server_free(struct server *srv)
{
	size_t i;

	for (i = 0; srv->conns != NULL && i < srv->n_conns; i++)
		conn_free(srv->conns[i]);
	/* after the connections: nothing takes packets any more */
	tp_livecap_free(srv->lc);
	if (srv->keylog != NULL)
		fclose(srv->keylog);
	free(srv->conns);
	free(srv->pfds);
	close_listeners(srv);
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	tp_accounts_free(srv->accounts);
	tp_tls_creds_free(&srv->creds);
	tp_report_free(srv->own);
}

int tp_server_run(const struct tp_server_opts *o,
		  struct tp_server_summary *s, struct tp_error *err)
{
	struct server srv;
	bool capture = o->capture || o->pcap_out != NULL;
	struct tp_livecap_opts cap_opts = {
		.pcap_out = o->pcap_out, .user = o->user,
		/* tlsprobe peer drops them once its client role has
		 * loaded its files too */
		.defer_drop = o->capture_host != NULL,
	};
	int rc = -1;

	memset(&srv, 0, sizeof(srv));
	memset(s, 0, sizeof(*s));
	srv.o = o;
	srv.sum = s;
	srv.spare_fd = -1;
	srv.timeout_ms = (o->timeout_s > 0 ? o->timeout_s
			  : TP_DEFAULT_TIMEOUT_S) * 1000;
	if (load_inputs(&srv, err) < 0)
		goto out;
	/* a capture that cannot be had fails before anything is bound */
	if (capture && tp_livecap_check(&cap_opts, err) < 0)
		goto out;
	if (srv.creds.trust != NULL)
		gnutls_certificate_set_verify_function(srv.creds.cred,
						       verify_client);
	srv.max_conns = conn_limit();
	srv.conns = calloc(srv.max_conns, sizeof(*srv.conns));
	srv.pfds = calloc(srv.max_conns + MAX_LISTEN, sizeof(*srv.pfds));
	srv.accounts = tp_accounts_new(NULL);
	srv.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (srv.conns == NULL || srv.pfds == NULL || srv.accounts == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		goto out;
	}
	if (tp_net_listen(o->listen, TP_SERVER_PORT, srv.listen_fd,
			  &srv.n_listen, err) < 0)
		goto out;
	if (capture && start_capture(&srv, &cap_opts, err) < 0)
		goto out;
	announce(&srv);
	rc = serve(&srv, err);
	flush_held(&srv);
out:
	server_free(&srv);
	return rc;
}
