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

struct tp_pair *tp_pair_new(void)
{
	struct tp_pair *p = calloc(1, sizeof(*p));
	char *line;

	if (p == NULL)
		return NULL;
	errno = 0;
	if (tp_sb_token_new(p->token) < 0) {
		/* gnutls_rnd could not set up its generator: without this
		 * the client would quietly go unpaired (alloc.h) */
		if (errno == ENOMEM)
			tp_alloc_note();
		free(p);
		return NULL;
	}
	tp_sb_client_random(p->token, p->client_random);
	line = tp_sb_inside_line();
	if (line == NULL) {
		free(p);
		return NULL;
	}
	snprintf(p->inside_line, sizeof(p->inside_line), "%s", line);
	free(line);
	return p;
}

void tp_pair_free(struct tp_pair *p)
{
	free(p);
}

/* Reads until a newline, EOF, TP_SB_MAX_LINE bytes, the deadline or a
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

void tp_pair_hello(struct tp_pair *p, const struct sockaddr *sa,
		   socklen_t len, double wait_ms, const char *unique_id,
		   bool after)
{
	struct tp_sb_welcome *w = after ? &p->after : &p->welcome;
	struct tp_sb_hello hello;
	struct tp_net_result res;
	struct tp_error err = {0};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	double t0 = tp_now_ms(), deadline = t0 + wait_ms;
	char *line = NULL, *reply = NULL;
	bool reset, timed_out;
	size_t got = 0, sent = 0;
	int fd;

	memset(&hello, 0, sizeof(hello));
	snprintf(hello.version, sizeof(hello.version), "%s", TP_VERSION);
	snprintf(hello.unique_id, sizeof(hello.unique_id), "%s",
		 unique_id ? unique_id : "");
	memcpy(hello.token, p->token, sizeof(hello.token));
	tp_net_connect(sa, len, wait_ms, 0, p->stop, &fd, &res);
	if (res.status == TP_NETRES_CANCELLED)
		p->cancelled = true;
	if (fd < 0) {
		p->ms += tp_now_ms() - t0;
		if (!after && !p->cancelled) {
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
	if (!after) {
		memcpy(p->local, hello.local, sizeof(p->local));
		memcpy(p->dialled, hello.dialled, sizeof(p->dialled));
	}
	line = tp_sb_hello_line(&hello);
	reply = malloc(TP_SB_MAX_LINE + 1);
	if (line == NULL || reply == NULL)
		goto out;
	while (sent < strlen(line)) {
		ssize_t n = send(fd, line + sent, strlen(line) - sent,
				 MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int ready = tp_net_wait_stop(fd, POLLOUT, deadline,
						     p->stop);

			if (ready == TP_NET_STOPPED)
				p->cancelled = true;
			if (ready <= 0)
				break;
			continue;
		}
		if (n < 0)
			break;
		sent += (size_t)n;
	}
	if (!p->cancelled)
		got = read_line(p, fd, reply, TP_SB_MAX_LINE + 1, deadline,
				&reset, &timed_out);
	if (p->cancelled)
		goto out;
	if (after) {
		const char *type = got > 0 ? tp_sb_parse(reply, got, NULL, w,
							 NULL, &err) : NULL;

		p->have_account_reply = type != NULL &&
					strcmp(type, "welcome") == 0;
		goto out;
	}
	if (got >= TP_SB_MAGIC_LEN &&
	    memcmp(reply, TP_SB_MAGIC, TP_SB_MAGIC_LEN) == 0) {
		const char *type = tp_sb_parse(reply, got, NULL, w, NULL, &err);

		if (type != NULL && strcmp(type, "welcome") == 0) {
			p->state = TP_PAIR_PAIRED;
			snprintf(p->why, sizeof(p->why), "tlsprobe server "
				 "%s answered", w->unique_id);
		} else {
			p->state = TP_PAIR_OTHER;
			snprintf(p->why, sizeof(p->why), "malformed side-"
				 "channel answer: %.*s",
				 (int)tp_utf8_prefix(err.raw, 120),
				 err.raw);
		}
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
	free(line);
	free(reply);
	close(fd);
	p->ms += tp_now_ms() - t0;
}

bool tp_pair_try_inside(const struct tp_pair *p)
{
	return p->state == TP_PAIR_PAIRED || p->state == TP_PAIR_SILENT;
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

static struct tp_finding *find(struct tp_report *r, enum tp_code code)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].code == code)
			return &r->findings[i];
	return NULL;
}

/* Adds the server's own words to a finding's evidence. */
static void add_reason(struct tp_finding *f, const struct tp_sb_account *a)
{

	if (f == NULL || a->reason[0] == '\0')
		return;
	tp_finding_append_detail(f, "; ", "the paired tlsprobe server says: "
				 "%s", a->reason);
}

static void fill_peer(struct tp_report *r, const struct tp_sb_welcome *w,
		      bool has_account)
{
	struct tp_peer_report *q = &r->peer;
	size_t i;

	r->has_peer_report = true;
	q->unique_id = tp_report_strdup(w->unique_id);
	q->seen_from = tp_report_strdup(w->seen_from);
	q->server_local = tp_report_strdup(w->server_local);
	for (i = 0; i < w->n_chain; i++)
		tp_strv_add(&q->sent_sha256, &q->n_sent, w->chain_sha256[i]);
	for (i = 0; i < w->n_trusted; i++)
		tp_strv_add(&q->trusted_cas, &q->n_trusted, w->trusted_cas[i]);
	q->require_client_cert = w->require_client_cert;
	q->has_account = has_account;
	if (has_account) {
		const struct tp_sb_account *a = &w->account;

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
	const char *type;

	if (obs == NULL || obs->inside_reply == NULL)
		return;
	type = tp_sb_parse(obs->inside_reply, strlen(obs->inside_reply), NULL,
			   NULL, &p->inside, &err);
	p->have_inside = type != NULL && strcmp(type, "inside-reply") == 0;
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

/* The chain received vs the chain the server says it sent. */
static void interception(struct tp_pair *p, struct tp_report *r)
{
	const struct tp_sb_inside_reply *in = &p->inside;
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
		return;
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
	}
}

void tp_pair_analyse(struct tp_pair *p, struct tp_report *r,
		     const struct tp_tls_client_cfg *cfg)
{
	struct tp_stage *st = tp_report_stage(r, "sideband");
	const struct tp_sb_welcome *w;
	const struct tp_sb_account *a = NULL;
	struct tp_finding *f;
	size_t i;

	if (p->state != TP_PAIR_PAIRED && p->have_inside) {
		/* a middlebox let only TLS through, but a tlsprobe server
		 * answered inside the session: a partial far-side view */
		struct tp_peer_report *q = &r->peer;

		r->has_peer_report = true;
		q->unique_id = tp_report_strdup(p->inside.unique_id);
		q->seen_from = tp_report_strdup(p->inside.seen_from);
		q->server_local = tp_report_strdup(p->inside.server_local);
		for (i = 0; i < p->inside.n_chain; i++)
			tp_strv_add(&q->sent_sha256, &q->n_sent,
				    p->inside.chain_sha256[i]);
		tp_stage_set(st, TP_STAGE_OK, p->ms, "tlsprobe server %s "
			     "answered inside TLS only (%s)",
			     p->inside.unique_id, p->why);
		interception(p, r);
		return;
	}
	if (p->state != TP_PAIR_PAIRED) {
		tp_stage_set(st, TP_STAGE_SKIPPED, p->ms, "no tlsprobe server "
			     "answered (%s): the far side's view is missing",
			     p->why[0] ? p->why : "not tried");
		return;
	}
	w = p->have_account_reply ? &p->after : &p->welcome;
	if (p->have_account_reply && p->after.has_account)
		a = &p->after.account;
	fill_peer(r, w, a != NULL);
	tp_stage_set(st, TP_STAGE_OK, p->ms, "tlsprobe server %s: %s",
		     p->welcome.unique_id, a != NULL ? "it saw our handshake"
		     : "it saw no handshake with our ClientHello");

	compare(r, TP_NAT_SOURCE, p->local, p->welcome.seen_from);
	compare(r, TP_NAT_DESTINATION, p->dialled, p->welcome.server_local);
	interception(p, r);

	/* both ends' certificates from CAs the other does not trust */
	if (cfg->n_pcerts > 0 && p->welcome.n_trusted > 0 &&
	    !listed(p->welcome.trusted_cas, p->welcome.n_trusted,
		    cfg->our_issuer) && tp_report_has(r, TP_UNKNOWN_CA) &&
	    r->n_certs > 0) {
		char cas[512] = "", *issuer;
		size_t used = 0;

		for (i = 0; i < p->welcome.n_trusted && used < sizeof(cas);
		     i++)
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
	if (a == NULL) {
		/* the server never saw our ClientHello: cut on the path */
		static const enum tp_code cut[] = {
			TP_RESET_DURING_HANDSHAKE, TP_HANDSHAKE_TIMEOUT,
			TP_PEER_CLOSED,
		};

		for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
			f = find(r, cut[i]);
			if (f != NULL) {
				f->side = TP_SIDE_PATH;
				tp_finding_append_detail(f, "; ", "the paired "
					"tlsprobe server saw no handshake with "
					"our ClientHello, so it was not the "
					"server");
			}
		}
		return;
	}
	f = find(r, TP_CLIENT_CERT_REJECTED);
	if (f != NULL && a->reason[0] != '\0') {
		/* the server's own words beat what an alert can carry */
		char *summary = NULL;
		struct tp_stage *tls;

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
	}
	add_reason(f, a);
	add_reason(find(r, TP_CLIENT_CERT_REQUIRED), a);
	add_reason(find(r, TP_RESET_DURING_HANDSHAKE), a);
	add_reason(find(r, TP_PEER_CLOSED), a);
	add_reason(find(r, TP_ALERT_RECEIVED), a);
	for (i = 0; i < a->n_codes; i++) {
		if (strcmp(a->codes[i], "PEER_ID_MISMATCH") == 0 &&
		    find(r, TP_PEER_ID_MISMATCH) == NULL) {
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
