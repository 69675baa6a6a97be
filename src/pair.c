/* The client's side of the paired-probe exchange: hello before and after
 * the handshake, and the comparison of what both ends saw. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "alloc.h"
#include "net.h"
#include "pair.h"
#include "registry.h"

struct tp_pair *tp_pair_new(bool forced)
{
	struct tp_pair *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	errno = 0;
	if (tp_sideband_key_new(&p->key) < 0) {
		/* GnuTLS could not make a key: without this the client
		 * would quietly go unpaired (alloc.h) */
		if (errno == ENOMEM)
			tp_alloc_note();
		free(p);
		return NULL;
	}
	tp_sideband_mark_client(p->key.pub, p->client_random);
	p->forced = forced;
	return p;
}

void tp_pair_free(struct tp_pair *p)
{
	if (p == NULL)
		return;
	tp_sideband_key_free(&p->key);
	free(p->inside_line);
	free(p);
}

int tp_pair_words(struct tp_pair *p, int fd, const struct sockaddr *sa,
		  const char *unique_id)
{
	struct tp_sideband_hello words;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(&words, 0, sizeof(words));
	snprintf(words.unique_id, sizeof(words.unique_id), "%s",
		 unique_id ? unique_id : "");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		tp_addr_format((struct sockaddr *)&ss, words.local,
			       sizeof(words.local));
	tp_addr_format(sa, words.dialled, sizeof(words.dialled));
	memcpy(p->tls_local, words.local, sizeof(p->tls_local));
	memcpy(p->tls_dialled, words.dialled, sizeof(p->tls_dialled));
	free(p->inside_line);
	p->inside_line = tp_sideband_inside_line(&words);
	if (p->inside_line == NULL) {
		/* without the line the run would go unpaired unsaid */
		tp_alloc_note();
		return -1;
	}
	return 0;
}

/* Reads until a newline, EOF, TP_SIDEBAND_MAX_LINE bytes, the deadline or a
 * stop. Returns the bytes read; *reset tells a reset from a quiet end. */
static size_t read_line(struct tp_pair *p, int fd, char *buf, size_t size,
			double deadline, bool *reset, bool *timed_out)
{
	size_t got = 0;
	ssize_t n;

	*reset = *timed_out = false;
	while (got + 1 < size) {
		int w = tp_net_wait_stop(fd, POLLIN, deadline, p->stop);

		if (w == TP_NET_STOPPED)
			p->cancelled = true;
		if (w <= 0) {
			*timed_out = w == 0;
			break;
		}
		n = recv(fd, buf + got, size - 1 - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			*reset = errno == ECONNRESET;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(buf + got - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	buf[got] = '\0';
	return got;
}

/* Sends a whole line before the deadline; false if it could not. */
static bool send_line(struct tp_pair *p, int fd, const char *line,
		      double deadline)
{
	size_t sent = 0, len = strlen(line);

	while (sent < len) {
		ssize_t n = send(fd, line + sent, len - sent, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int ready = tp_net_wait_stop(fd, POLLOUT, deadline,
						     p->stop);

			if (ready == TP_NET_STOPPED)
				p->cancelled = true;
			if (ready <= 0)
				return false;
			continue;
		}
		if (n < 0)
			return false;
		sent += (size_t)n;
	}
	return true;
}

/* Claims our account with the welcome's challenge, on the same
 * connection; the answer goes to p->account. */
static void claim(struct tp_pair *p, int fd, char *reply, double deadline)
{
	unsigned char sig[TP_SIDEBAND_SIG_LEN];
	struct tp_error err = {0};
	struct tp_sideband_msg *m;
	char *line;
	bool reset, timed_out;
	size_t got;

	errno = 0;
	if (tp_sideband_sign_claim(&p->key, p->welcome.challenge,
				   p->client_random, sig) < 0) {
		/* GnuTLS could not allocate: the account would go missing
		 * as if never claimed (alloc.h) */
		if (errno == ENOMEM)
			tp_alloc_note();
		return;
	}
	line = tp_sideband_claim_line(sig);
	if (line == NULL)
		return;
	if (!send_line(p, fd, line, deadline) || p->cancelled) {
		free(line);
		return;
	}
	free(line);
	p->asked = true;
	got = read_line(p, fd, reply, TP_SIDEBAND_MAX_LINE + 1, deadline,
			&reset, &timed_out);
	m = malloc(sizeof(*m));
	if (m == NULL || p->cancelled || got == 0) {
		free(m);
		return;
	}
	if (tp_sideband_parse(reply, got, m, &err) != NULL &&
	    m->type == TP_SIDEBAND_ACCOUNT) {
		p->claimed = true;
		p->have_account = m->u.account.has_account;
		p->account = m->u.account.account;
	}
	free(m);
}

void tp_pair_hello(struct tp_pair *p, const struct sockaddr *sa,
		   socklen_t len, double wait_ms, const char *unique_id,
		   bool want_claim)
{
	struct tp_sideband_hello hello;
	struct tp_sideband_msg *m = NULL;
	struct tp_net_result res;
	struct tp_error err = {0};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	double t0 = tp_now_ms(), deadline = t0 + wait_ms;
	char *line = NULL, *reply = NULL;
	bool reset, timed_out, first = p->state != TP_PAIR_PAIRED;
	size_t got = 0;
	int fd;

	memset(&hello, 0, sizeof(hello));
	snprintf(hello.version, sizeof(hello.version), "%s", TP_VERSION);
	snprintf(hello.unique_id, sizeof(hello.unique_id), "%s",
		 unique_id ? unique_id : "");
	memcpy(hello.client_random, p->client_random, 32);
	memcpy(hello.key, p->key.pub, sizeof(hello.key));
	tp_net_connect(sa, len, wait_ms, 0, p->stop, &fd, &res);
	if (res.status == TP_NETRES_CANCELLED)
		p->cancelled = true;
	if (fd < 0) {
		p->ms += tp_now_ms() - t0;
		if (first && !p->cancelled) {
			p->state = TP_PAIR_SILENT;
			snprintf(p->why, sizeof(p->why), "side-channel "
				 "connection failed: %.*s",
				 (int)tp_utf8_prefix(res.message, 120),
				 res.message);
		}
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		tp_addr_format((struct sockaddr *)&ss, hello.local,
			       sizeof(hello.local));
	tp_addr_format(sa, hello.dialled, sizeof(hello.dialled));
	line = tp_sideband_hello_line(&hello);
	reply = malloc(TP_SIDEBAND_MAX_LINE + 1);
	m = malloc(sizeof(*m));
	if (line == NULL || reply == NULL || m == NULL)
		goto out;
	if (send_line(p, fd, line, deadline) && !p->cancelled)
		got = read_line(p, fd, reply, TP_SIDEBAND_MAX_LINE + 1,
				deadline, &reset, &timed_out);
	if (p->cancelled)
		goto out;
	if (got >= TP_SIDEBAND_MAGIC_LEN &&
	    memcmp(reply, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN) == 0) {
		if (tp_sideband_parse(reply, got, m, &err) != NULL &&
		    m->type == TP_SIDEBAND_WELCOME) {
			if (first) {
				p->state = TP_PAIR_PAIRED;
				p->welcome = m->u.welcome;
				memcpy(p->local, hello.local, sizeof(p->local));
				memcpy(p->dialled, hello.dialled,
				       sizeof(p->dialled));
				snprintf(p->why, sizeof(p->why), "tlsprobe "
					 "server %s answered",
					 p->welcome.unique_id);
			} else {
				/* the challenge is this connection's */
				memcpy(p->welcome.challenge,
				       m->u.welcome.challenge,
				       sizeof(p->welcome.challenge));
			}
			if (want_claim)
				claim(p, fd, reply, deadline);
		} else if (first) {
			p->state = TP_PAIR_OTHER;
			snprintf(p->why, sizeof(p->why), "malformed side-"
				 "channel answer: %.*s",
				 (int)tp_utf8_prefix(err.raw, 120),
				 err.raw);
		}
	} else if (!first) {
		/* the first welcome stands */
	} else if (got > 0) {
		p->state = TP_PAIR_OTHER;
		snprintf(p->why, sizeof(p->why), "the server answered the "
			 "side-channel hello with %zu bytes that are not a "
			 "tlsprobe reply", got);
	} else if (reset || timed_out) {
		p->state = TP_PAIR_SILENT;
		snprintf(p->why, sizeof(p->why), "the side-channel hello met "
			 "%s", reset ? "a reset" : "silence");
	} else {
		/* a TLS server answers a non-TLS line with an alert; a quiet
		 * close is what a middlebox that passes only TLS does */
		p->state = TP_PAIR_SILENT;
		snprintf(p->why, sizeof(p->why), "the side-channel connection "
			 "was closed without a word");
	}
out:
	free(m);
	free(line);
	free(reply);
	close(fd);
	p->ms += tp_now_ms() - t0;
}

bool tp_pair_try_blind(const struct tp_pair *p)
{
	return p->forced && (p->state == TP_PAIR_PAIRED ||
			     p->state == TP_PAIR_SILENT);
}

bool tp_pair_wants_claim(const struct tp_pair *p)
{
	if (p->claimed || (p->have_inside && p->inside.has_account))
		return false;
	return p->state == TP_PAIR_PAIRED || p->marked;
}

/* "1.2.3.4:5" or "[::1]:5" → host and port; false if malformed. */
static bool split(const char *s, char *host, size_t hsize, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL)
		return false;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= hsize)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	return true;
}

static const char *class_of(const char *host)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};

	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1)
		return tp_addr_class((struct sockaddr *)&s4);
	if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1)
		return tp_addr_class((struct sockaddr *)&s6);
	return "unknown";
}

/* Whether two ends' words for one address differ; their hosts then in
 * h1 and h2. False when either is not "host:port". */
static bool differs(const char *a, const char *b, char h1[64], char h2[64])
{
	unsigned p1, p2;

	if (!split(a, h1, 64, &p1) || !split(b, h2, 64, &p2))
		return false;
	return strcmp(h1, h2) != 0 || p1 != p2;
}

/* Compares two ends' words for one address; adds code when they differ. */
static void compare(struct tp_report *r, enum tp_code code,
		    const char *ours, const char *theirs)
{
	char h1[64], h2[64];
	struct tp_finding *f;

	if (!differs(ours, theirs, h1, h2))
		return;
	if (code == TP_NAT_SOURCE) {
		f = tp_report_finding(r, code, "the server saw us come from "
				      "%s (%s), while we are %s (%s)", theirs,
				      class_of(h2), ours, class_of(h1));
		tp_finding_detail(f, "%s; our socket's own address is %s, the "
				  "paired tlsprobe server reports the "
				  "connection's source as %s",
				  strcmp(h1, h2) == 0 ? "only the port was "
				  "translated" : "a source NAT is on the path",
				  ours, theirs);
	} else {
		f = tp_report_finding(r, code, "we dialled %s (%s), the "
				      "server listens on %s (%s)", ours,
				      class_of(h1), theirs, class_of(h2));
		tp_finding_detail(f, "%s; the paired tlsprobe server reports "
				  "its own end of the connection as %s",
				  strcmp(h1, h2) == 0 ? "a port forward "
				  "changes the port" : "a destination NAT or "
				  "port forward is on the path", theirs);
	}
}

void tp_pair_nat_seen(struct tp_report *r, const char *client_local,
		      const char *seen_from, const char *client_dialled,
		      const char *server_local)
{
	char h1[64], h2[64];
	struct tp_finding *f;

	if (differs(client_local, seen_from, h1, h2)) {
		f = tp_report_finding(r, TP_NAT_SOURCE, "the client is %s (%s), "
				      "its connection came from %s (%s)",
				      client_local, class_of(h1), seen_from,
				      class_of(h2));
		tp_finding_detail(f, "%s; the client's tlsprobe gave its "
				  "socket's own address on the side channel, "
				  "this server saw the connection come from %s",
				  strcmp(h1, h2) == 0 ? "only the port was "
				  "translated" : "a source NAT is on the path",
				  seen_from);
	}
	if (differs(client_dialled, server_local, h1, h2)) {
		f = tp_report_finding(r, TP_NAT_DESTINATION, "the client "
				      "dialled %s (%s), this server listens "
				      "on %s (%s)", client_dialled,
				      class_of(h1), server_local,
				      class_of(h2));
		tp_finding_detail(f, "%s; the client's tlsprobe gave the "
				  "address it dialled on the side channel",
				  strcmp(h1, h2) == 0 ? "a port forward "
				  "changes the port" : "a destination NAT or "
				  "port forward is on the path");
	}
}

static bool listed(char list[][256], size_t n, const char *dn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], dn) == 0)
			return true;
	return false;
}

/* Adds the server's own words to a finding's evidence. */
static void add_reason(struct tp_finding *f,
		       const struct tp_sideband_account *a)
{

	if (f == NULL || a->reason[0] == '\0')
		return;
	tp_finding_append_detail(f, "; ", "the paired tlsprobe server says: "
				 "%s", a->reason);
}

/* The far side's view in the report: its words from the welcome or,
 * without one, from inside TLS; the account when it gave one. */
static void fill_peer(struct tp_report *r, const struct tp_pair *p,
		      const struct tp_sideband_account *a)
{
	struct tp_peer_report *q = &r->peer;
	const struct tp_sideband_welcome *w = p->state == TP_PAIR_PAIRED
					? &p->welcome : NULL;
	const struct tp_sideband_inside_reply *in = &p->inside;
	size_t i;

	r->has_peer_report = true;
	q->unique_id = tp_report_strdup(w ? w->unique_id : in->unique_id);
	q->seen_from = tp_report_strdup(w ? w->seen_from : in->seen_from);
	q->server_local = tp_report_strdup(w ? w->server_local
					     : in->server_local);
	for (i = 0; i < (w ? w->n_chain : in->n_chain); i++)
		tp_strv_add(&q->sent_sha256, &q->n_sent,
			    w ? w->chain_sha256[i] : in->chain_sha256[i]);
	for (i = 0; w != NULL && i < w->n_trusted; i++)
		tp_strv_add(&q->trusted_cas, &q->n_trusted, w->trusted_cas[i]);
	q->require_client_cert = w != NULL && w->require_client_cert;
	q->has_account = a != NULL;
	if (a != NULL) {
		q->outcome = tp_report_strdup(a->outcome);
		q->alert_sent = a->alert_sent[0]
			? tp_report_strdup(a->alert_sent) : NULL;
		q->reason = a->reason[0] ? tp_report_strdup(a->reason) : NULL;
		for (i = 0; i < a->n_codes; i++)
			tp_strv_add(&q->codes, &q->n_codes, a->codes[i]);
	}
}

void tp_pair_after_tls(struct tp_pair *p, const struct tp_tls_obs *obs)
{
	struct tp_error err = {0};
	struct tp_sideband_msg *m;

	if (obs == NULL)
		return;
	p->marked = obs->server_marked;
	p->ms += obs->inside_ms;
	if (obs->inside_reply == NULL || (m = malloc(sizeof(*m))) == NULL)
		return;
	if (tp_sideband_parse(obs->inside_reply, strlen(obs->inside_reply), m,
			      &err) != NULL &&
	    m->type == TP_SIDEBAND_INSIDE_REPLY) {
		p->have_inside = true;
		p->inside = m->u.inside_reply;
	}
	free(m);
}

const char *tp_pair_peer_id(const struct tp_pair *p)
{
	if (p->state == TP_PAIR_PAIRED)
		return p->welcome.unique_id;
	if (p->have_inside && p->inside.unique_id[0] != '\0')
		return p->inside.unique_id;
	return NULL;
}

/* A report's string back to its raw bytes, for a finding that quotes
 * it: the finding's setter sanitises it again, to the same text. */
static char *raw_of(const char *clean)
{
	return clean != NULL ? tp_unsanitize(clean, strlen(clean)) : NULL;
}

/* The chain received vs the chain the server says it sent; whether
 * something on the path terminates TLS. */
static bool interception(struct tp_pair *p, struct tp_report *r)
{
	const struct tp_sideband_inside_reply *in = &p->inside;
	const char *sent_leaf = NULL, *how = NULL;
	char random_hex[65];
	struct tp_finding *f;
	bool inside = p->have_inside;

	if (inside && in->n_chain > 0) {
		sent_leaf = in->chain_sha256[0];
		how = "inside the TLS session";
	} else if (p->state == TP_PAIR_PAIRED && p->welcome.n_chain > 0) {
		sent_leaf = p->welcome.chain_sha256[0];
		how = "on the side channel";
	}
	if (sent_leaf != NULL && r->n_certs > 0 &&
	    strcmp(sent_leaf, r->certs[0].sha256) != 0) {
		char *subject = raw_of(r->certs[0].subject);
		char *issuer = raw_of(r->certs[0].issuer);

		f = tp_report_finding(r, TP_TLS_INTERCEPTED, "the certificate "
				      "received (%s, issued by %s) is not the "
				      "one the tlsprobe server sent",
				      subject ? subject : "?",
				      issuer ? issuer : "?");
		free(subject);
		free(issuer);
		tp_finding_detail(f, "received leaf SHA-256 %s; the paired "
				  "server reports %s %s: something on the path "
				  "terminates TLS and presents its own "
				  "certificate", r->certs[0].sha256, how,
				  sent_leaf);
		return true;
	}
	tp_hex(p->client_random, 32, random_hex);
	if (inside && in->client_random[0] != '\0' &&
	    strcmp(in->client_random, random_hex) != 0) {
		f = tp_report_finding(r, TP_TLS_INTERCEPTED, "the tlsprobe "
				      "server saw another ClientHello than "
				      "the one we sent");
		tp_finding_detail(f, "our ClientHello random %s, the server "
				  "saw %s: something on the path terminates "
				  "TLS and makes its own handshake",
				  random_hex, in->client_random);
		return true;
	}
	return false;
}

/* No tlsprobe server answered, on the side channel or inside TLS: the
 * sideband stage is skipped, saying why. */
static void not_answered(struct tp_pair *p, struct tp_stage *stage)
{
	if (p->why[0] == '\0')
		snprintf(p->why, sizeof(p->why), "%s", p->forced
			 ? "not tried" : "no mark answered in the "
			 "ServerHello; --paired asks all the same");
	tp_stage_set(stage, TP_STAGE_SKIPPED, p->ms, "no tlsprobe server "
		     "answered (%s): the far side's view is missing",
		     p->why);
}

/* The server's account of our handshake: the one given inside TLS, else
 * the one given on the side channel to our claim; NULL when none. */
static const struct tp_sideband_account *account_of(const struct tp_pair *p)
{
	if (p->have_inside && p->inside.has_account)
		return &p->inside.account;
	if (p->claimed && p->have_account)
		return &p->account;
	return NULL;
}

/* Answered inside TLS only: the addresses it saw, unless a middlebox
 * terminates TLS (then the connection it saw is the middlebox's). */
static void inside_only(struct tp_pair *p, struct tp_report *r,
			struct tp_stage *stage,
			const struct tp_sideband_account *a)
{
	tp_stage_set(stage, TP_STAGE_OK, p->ms, "tlsprobe server %s "
		     "answered inside TLS%s%s%s", p->inside.unique_id,
		     p->why[0] ? " only (" : "", p->why,
		     p->why[0] ? ")" : "");
	if (!interception(p, r) && a != NULL) {
		compare(r, TP_NAT_SOURCE, p->tls_local,
			p->inside.seen_from);
		compare(r, TP_NAT_DESTINATION, p->tls_dialled,
			p->inside.server_local);
	}
}

/* Paired on the side channel: what it saw of our handshake, the
 * addresses on both ends, and the certificate it sent. */
static void side_channel(struct tp_pair *p, struct tp_report *r,
			 struct tp_stage *stage,
			 const struct tp_sideband_account *a)
{
	tp_stage_set(stage, TP_STAGE_OK, p->ms, "tlsprobe server %s: %s",
		     p->welcome.unique_id, a != NULL
		     ? "it saw our handshake" : p->claimed
		     ? "it saw no handshake with our ClientHello"
		     : p->asked ? "its answer to our claim was not "
		     "an account" : "our handshake was not asked "
		     "about");
	compare(r, TP_NAT_SOURCE, p->local, p->welcome.seen_from);
	compare(r, TP_NAT_DESTINATION, p->dialled,
		p->welcome.server_local);
	interception(p, r);
}

/* Both ends' certificates from CAs the other does not trust. */
static void ca_mismatch(struct tp_pair *p, struct tp_report *r,
			const struct tp_tls_client_cfg *cfg)
{
	char cas[512] = "", *issuer;
	struct tp_finding *f;
	size_t i, used = 0;

	if (cfg->n_pcerts == 0 || p->welcome.n_trusted == 0 ||
	    listed(p->welcome.trusted_cas, p->welcome.n_trusted,
		   cfg->our_issuer) || !tp_report_has(r, TP_UNKNOWN_CA) ||
	    r->n_certs == 0)
		return;
	for (i = 0; i < p->welcome.n_trusted && used < sizeof(cas); i++)
		used += (size_t)snprintf(cas + used, sizeof(cas) - used,
			"%s%s", i ? "; " : "", p->welcome.trusted_cas[i]);
	f = tp_report_finding(r, TP_CA_MISMATCH, "each end's "
			      "certificate comes from a CA the other "
			      "does not trust");
	issuer = raw_of(r->certs[0].issuer);
	tp_finding_detail(f, "ours is issued by %s, the server trusts "
			  "[%s]; the server's is issued by %s, which "
			  "our CA file does not hold", cfg->our_issuer,
			  cas, issuer ? issuer : "?");
	free(issuer);
	tp_finding_fix(f, "use one CA for both nodes, or add each "
		       "node's CA to the other's CA file");
}

/* The server never saw our ClientHello: the reset, stall or close was
 * cut on the path, not made by the server. */
static void cut_on_path(struct tp_report *r)
{
	static const enum tp_code cut[] = {
		TP_RESET_DURING_HANDSHAKE, TP_HANDSHAKE_TIMEOUT,
		TP_PEER_CLOSED,
	};
	struct tp_finding *f;
	size_t i;

	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		f = tp_report_finding_of(r, cut[i]);
		if (f != NULL) {
			f->side = TP_SIDE_PATH;
			tp_finding_append_detail(f, "; ", "the paired "
				"tlsprobe server saw no handshake with "
				"our ClientHello, so it was not the "
				"server");
		}
	}
}

/* CLIENT_CERT_REJECTED in the server's own words, which beat what an
 * alert can carry; returns the finding (NULL when there is none). */
static struct tp_finding *
refused_in_its_words(struct tp_report *r, const struct tp_sideband_account *a)
{
	struct tp_finding *f = tp_report_finding_of(r,
						    TP_CLIENT_CERT_REJECTED);
	char *summary = NULL;
	struct tp_stage *tls;
	size_t i;

	if (f == NULL || a->reason[0] == '\0')
		return f;
	if (asprintf(&summary, "the server refused our certificate: "
		     "%s", a->reason) >= 0) {
		free(f->summary);
		f->summary = tp_report_strdup(summary);
		free(summary);
		/* the tls stage quoted the old words (from the
		 * raw reason: the summary is sanitised already) */
		tls = tp_report_stage(r, "tls");
		tp_stage_set(tls, tls->status, tls->ms, "the server "
			     "refused our certificate: %s", a->reason);
	}
	for (i = 0; i < a->n_codes; i++)
		if (strcmp(a->codes[i], "PEER_ID_MISMATCH") == 0)
			tp_finding_fix(f, "issue this node's "
				       "certificate with CN equal to its "
				       "unique ID (tlsprobe id), or "
				       "give the server the right "
				       "--expect-id");
	return f;
}

/* The server's account of our handshake added to what we found: its
 * reason on each finding it explains, and a PEER_ID_MISMATCH that only
 * it could see. */
static void server_account(struct tp_report *r,
			   const struct tp_sideband_account *a)
{
	struct tp_finding *f;
	size_t i;

	add_reason(refused_in_its_words(r, a), a);
	add_reason(tp_report_finding_of(r, TP_CLIENT_CERT_REQUIRED), a);
	add_reason(tp_report_finding_of(r, TP_RESET_DURING_HANDSHAKE), a);
	add_reason(tp_report_finding_of(r, TP_PEER_CLOSED), a);
	add_reason(tp_report_finding_of(r, TP_ALERT_RECEIVED), a);
	for (i = 0; i < a->n_codes; i++) {
		if (strcmp(a->codes[i], "PEER_ID_MISMATCH") == 0 &&
		    tp_report_finding_of(r, TP_PEER_ID_MISMATCH) == NULL) {
			f = tp_report_finding(r, TP_PEER_ID_MISMATCH, "the "
					      "server expects another unique "
					      "ID in our certificate's CN");
			f->side = TP_SIDE_CLIENT;
			tp_finding_detail(f, "the paired tlsprobe server says: "
					  "%s", a->reason[0] ? a->reason : "?");
			tp_finding_fix(f, "issue this node's certificate with "
				       "CN equal to its unique ID (tlsprobe "
				       "id)");
		}
	}
}

void tp_pair_analyse(struct tp_pair *p, struct tp_report *r,
		     const struct tp_tls_client_cfg *cfg)
{
	struct tp_stage *stage = tp_report_stage(r, "sideband");
	const struct tp_sideband_account *a;
	bool paired = p->state == TP_PAIR_PAIRED;

	if (!paired && !p->have_inside) {
		not_answered(p, stage);
		return;
	}
	a = account_of(p);
	fill_peer(r, p, a);
	if (!paired) {
		inside_only(p, r, stage, a);
		if (a == NULL)
			return;
	} else {
		side_channel(p, r, stage, a);
		ca_mismatch(p, r, cfg);
	}
	if (a == NULL) {
		if (p->claimed)
			cut_on_path(r);
		return;
	}
	server_account(r, a);
}
