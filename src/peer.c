/* tlsprobe peer: both roles at once between two nodes. The server runs
 * in a thread of its own; the client's report and the other node's are
 * exchanged on the side channel, whichever direction is open. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "livecap.h"
#include "net.h"
#include "sideband.h"

struct peer {
	const struct tp_peer_opts *o;
	pthread_mutex_t lock;
	char my_id[TP_ID_LEN + 1];
	char listen[64];
	char *mine;               /* our client report, compact JSON */
	char *theirs;             /* the other node's, as it sent it */
	char their_id[64];
	char their_listen[64];
	bool delivered;           /* the other node has ours */
	volatile sig_atomic_t stop_server;
	struct tp_server_summary summary;
	struct tp_error server_err;
	int server_rc;
	bool listening;
	bool capture;             /* --capture: the server thread's covers
				   * both roles */
	const char *capture_host;
	unsigned capture_port;
	struct tp_livecap *lc;    /* the server's, while it runs */
	bool dropped;             /* privileges dropped (--capture as root) */
	struct tp_error drop_err;
	/* the faults the server role found in our chain at start (as a
	 * server: purpose serverAuth); the client role finds its own */
	struct tp_report *own_server;
};

/* --capture started as root: the server's files and the capture are
 * open, and now the client's files are loaded too: run as --user. */
static void on_client_loaded(void *arg)
{
	struct peer *p = arg;

	if (!p->capture || p->dropped)
		return;
	p->dropped = true;
	if (tp_livecap_drop(p->o->client.user, &p->drop_err) < 0)
		p->stop_server = 1;
}

/* Our report as the exchange carries it: compact, without the handshake
 * ladder, so that it fits one side-channel line. */
static char *report_for_wire(const struct tp_report *r)
{
	char *full = tp_report_to_json(r, TP_RENDER_COMPACT), *out = NULL;
	json_t *doc;
	json_error_t jerr;

	if (full == NULL)
		return NULL;
	doc = json_loads(full, 0, &jerr);
	free(full);
	if (doc == NULL)
		return NULL;
	json_object_del(doc, "handshake");
	/* the other node's own capture, if any, is its business: the
	 * exchange carries diagnoses, not packets */
	json_object_del(doc, "packets");
	out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (out != NULL && strlen(out) > TP_SIDEBAND_MAX_LINE / 2) {
		free(out);
		json_object_set_new(doc, "certificates", json_array());
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	json_decref(doc);
	return out;
}

/* "TLSPROBE/1 {type, from, listen, report}\n" */
static char *line(const char *type, const char *from, const char *listen,
		  const char *report)
{
	json_t *doc, *rep = NULL;
	json_error_t jerr;
	char *body, *out = NULL;

	if (report != NULL)
		rep = json_loads(report, 0, &jerr);
	doc = json_pack("{s:s, s:s, s:s, s:o}", "type", type, "from", from,
			"listen", listen, "report", rep ? rep : json_null());
	if (doc == NULL)
		return NULL;
	body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (body != NULL &&
	    asprintf(&out, "%s%s\n", TP_SIDEBAND_MAGIC, body) < 0)
		out = NULL;
	free(body);
	if (out != NULL && strlen(out) > TP_SIDEBAND_MAX_LINE) {
		free(out);
		out = NULL;
	}
	return out;
}

/* A name the other node sent, back to what it stands for and cut to
 * fit at a whole character; sanitised where it enters the report. */
static void take_name(char *out, size_t size, json_t *v)
{
	char *raw;

	if (!json_is_string(v))
		return;
	raw = tp_unsanitize(json_string_value(v), strlen(json_string_value(v)));
	if (raw == NULL)
		return;
	memcpy(out, raw, tp_utf8_prefix(raw, size - 1));
	out[tp_utf8_prefix(raw, size - 1)] = '\0';
	free(raw);
}

/* Takes the other node's report and names from a peer line; the caller
 * holds the lock. */
static void take(struct peer *p, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *doc, *rep;

	if (len <= TP_SIDEBAND_MAGIC_LEN)
		return;
	doc = json_loadb(text + TP_SIDEBAND_MAGIC_LEN,
			 len - TP_SIDEBAND_MAGIC_LEN, JSON_DISABLE_EOF_CHECK,
			 &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	take_name(p->their_id, sizeof(p->their_id),
		  json_object_get(doc, "from"));
	take_name(p->their_listen, sizeof(p->their_listen),
		  json_object_get(doc, "listen"));
	rep = json_object_get(doc, "report");
	if (json_is_object(rep) && p->theirs == NULL)
		p->theirs = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
}

/* The server thread's side: a peer-report line in, a peer-ack line out
 * with our report when we have it. */
static char *on_peer_line(void *arg, const char *text, size_t len)
{
	struct peer *p = arg;
	char *out;

	pthread_mutex_lock(&p->lock);
	take(p, text, len);
	out = line("peer-ack", p->my_id, p->listen, p->mine);
	if (out != NULL && p->mine != NULL)
		p->delivered = true;
	pthread_mutex_unlock(&p->lock);
	return out;
}

static void on_listening(void *arg, const char *addresses)
{
	struct peer *p = arg;

	pthread_mutex_lock(&p->lock);
	p->listening = true;
	pthread_mutex_unlock(&p->lock);
	if (p->o->on_listening != NULL)
		p->o->on_listening(p->o->arg, addresses);
}

static void on_own_cert(void *arg, const struct tp_report *own)
{
	struct peer *p = arg;
	struct tp_report *copy = tp_report_new("server");
	size_t i;

	for (i = 0; copy != NULL && i < own->n_findings; i++)
		tp_report_copy_finding(copy, &own->findings[i], NULL);
	pthread_mutex_lock(&p->lock);
	tp_report_free(p->own_server);
	p->own_server = copy;
	pthread_mutex_unlock(&p->lock);
}

/* The server role's findings about our chain that the client role did
 * not make too (the dates, the key and the order are the same for
 * both; the purpose is not), prefixed "as server". */
static void merge_own_server(struct tp_report *r, const struct tp_report *own,
			     const struct tp_report *mine)
{
	size_t i, j;
	bool seen;

	for (i = 0; own != NULL && i < own->n_findings; i++) {
		seen = false;
		for (j = 0; mine != NULL && j < mine->n_findings && !seen; j++)
			seen = mine->findings[j].code == own->findings[i].code &&
			       mine->findings[j].summary != NULL &&
			       own->findings[i].summary != NULL &&
			       strcmp(mine->findings[j].summary,
				      own->findings[i].summary) == 0;
		if (!seen && tp_report_copy_finding(r, &own->findings[i],
						    "as server") == NULL)
			return;
	}
}

static void on_capture(void *arg, struct tp_livecap *lc)
{
	struct peer *p = arg;

	pthread_mutex_lock(&p->lock);
	p->lc = lc;
	pthread_mutex_unlock(&p->lock);
}

/* "192.0.2.1:443", "[2001:db8::1]:443" back to an address; -1 if not. */
static int parse_end(const char *text, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (text == NULL || (colon = strrchr(text, ':')) == NULL)
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535)
		return -1;
	n = (size_t)(colon - text);
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (n - 2 >= sizeof(host))
			return -1;
		memcpy(host, text + 1, n - 2);
		host[n - 2] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host,
			 &((struct sockaddr_in *)ss)->sin_addr) == 1 ? 0 : -1;
}

/* Our client's report gets its connection's packets from the capture
 * (every flow to the other node when no connection was made). */
static void add_packets(struct peer *p, struct tp_report *r,
			const struct tp_resolved *addrs, bool resolved)
{
	struct sockaddr_storage local, remote;
	struct tp_flow_evidence ev;
	const struct tp_stage *tcp;
	struct tp_livecap *lc;
	bool connected;

	pthread_mutex_lock(&p->lock);
	lc = p->lc;
	pthread_mutex_unlock(&p->lock);
	tcp = tp_report_find_stage(r, "tcp");
	connected = tcp != NULL && tcp->status == TP_STAGE_OK &&
		    parse_end(tcp->local, &local) == 0 &&
		    parse_end(tcp->remote, &remote) == 0;
	if (!connected) {
		if (!resolved || addrs->n == 0) {
			r->has_packets = true;
			return;
		}
		remote = addrs->addr[0];
	}
	tp_livecap_take(lc, connected ? (struct sockaddr *)&local : NULL,
			(struct sockaddr *)&remote, r, &ev);
	tp_diag_capture(r, &ev);
}

static void *server_main(void *arg)
{
	struct peer *p = arg;
	const struct tp_peer_opts *o = p->o;
	struct tp_server_opts so = {
		.listen = o->listen,
		.cert_file = o->client.cert_file,
		.key_file = o->client.key_file,
		.password = o->client.password,
		.ca_file = o->client.ca_file,
		.require_client_cert = o->require_client_cert,
		.expect_id = o->server_expect_id ? o->server_expect_id
						 : o->client.expect_id,
		.priority = o->client.priority,
		.keylog_file = o->client.keylog_file,
		.timeout_s = o->client.timeout_s,
		.now = o->client.now,
		.capture = p->capture,
		.pcap_out = o->client.pcap_out,
		.user = o->client.user,
		.capture_host = p->capture_host,
		.capture_port = p->capture_port,
		.on_capture = on_capture,
		.on_listening = on_listening,
		.on_own_cert = on_own_cert,
		.on_peer_line = on_peer_line,
		.arg = p,
		.stop = &p->stop_server,
	};

	int rc = tp_server_run(&so, &p->summary, &p->server_err);

	pthread_mutex_lock(&p->lock);
	p->server_rc = rc;
	p->listening = false;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* One peer-report exchange with the other node's server; true when it
 * answered (its ack may carry its own report). */
static bool exchange(struct peer *p, const struct tp_resolved *addrs,
		     double timeout_ms)
{
	char *out, *reply = NULL;
	struct tp_net_result res;
	double deadline = tp_now_ms() + timeout_ms;
	size_t got = 0, sent = 0;
	bool ok = false;
	ssize_t n;
	int fd;

	pthread_mutex_lock(&p->lock);
	out = line("peer-report", p->my_id, p->listen, p->mine);
	pthread_mutex_unlock(&p->lock);
	if (out == NULL)
		return false;
	tp_net_connect((const struct sockaddr *)&addrs->addr[0], addrs->len[0],
		       timeout_ms, 0, NULL, &fd, &res);
	if (fd < 0)
		goto out;
	reply = malloc(TP_SIDEBAND_MAX_LINE + 1);
	if (reply == NULL)
		goto out;
	while (sent < strlen(out)) {
		n = send(fd, out + sent, strlen(out) - sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (tp_net_wait(fd, POLLOUT, deadline) <= 0)
				goto out;
			continue;
		}
		if (n <= 0)
			goto out;
		sent += (size_t)n;
	}
	while (got < TP_SIDEBAND_MAX_LINE) {
		if (tp_net_wait(fd, POLLIN, deadline) <= 0)
			break;
		n = recv(fd, reply + got, TP_SIDEBAND_MAX_LINE - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(reply + got - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	reply[got] = '\0';
	{
		char type[32];

		if (tp_sideband_peek_type(reply, got, type,
					  sizeof(type)) != NULL &&
		    strcmp(type, "peer-ack") == 0) {
			pthread_mutex_lock(&p->lock);
			take(p, reply, got);
			p->delivered = true;
			pthread_mutex_unlock(&p->lock);
			ok = true;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(out);
	free(reply);
	return ok;
}

/* Each direction's findings again at the top, their summary prefixed. */
static void merge(struct tp_report *r, const struct tp_report *d,
		  const char *name)
{
	size_t i;

	for (i = 0; d != NULL && i < d->n_findings; i++)
		if (tp_report_copy_finding(r, &d->findings[i], name) == NULL)
			return;
}

static bool stopped(const struct tp_peer_opts *o)
{
	return o->stop != NULL && *o->stop;
}

/*
 * One run of the peer: what its stages share. Each stage reads what the
 * ones before it did, fills r or p, and returns -1 when the run goes no
 * further (err set); the stop flag ends the waits, and the run then
 * reports what it has.
 */
struct run {
	const struct tp_peer_opts *o;
	struct tp_report *r;
	struct tp_client_opts co;  /* the client role's options */
	char *host;                /* --connect's host */
	struct peer *p;
	pthread_t server;
	bool server_running;       /* the thread is to be joined */
	struct tp_resolved addrs;  /* the other node's */
	bool reachable;            /* they resolved */
	struct tp_report *mine;    /* our client role's report */
	double wait_ms, deadline;  /* --wait, and its end */
};

/* The options, and the client role's derived from them, before anything
 * is bound. */
int tp_peer_opts_check(const struct tp_peer_opts *o, struct tp_error *err)
{
	char host[TP_ADDR_NAME_SIZE];
	char *connect_host = NULL;
	unsigned port;

	if (o->connect == NULL || o->client.cert_file == NULL ||
	    o->client.key_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "peer needs {connect} "
			     "HOST:PORT, {cert} and {key} (it serves too)");
		return -1;
	}
	/* the client role's lists, before anything is bound */
	if (tp_tls_check_alpn(o->client.alpn, err) < 0 ||
	    tp_tls_check_priority(o->client.priority, err) < 0 ||
	    tp_addr_parse_option("connect", o->connect, 4433, &connect_host,
				 &port, err) < 0 ||
	    tp_addr_parse_listen(o->listen, TP_SERVER_PORT, host,
				 sizeof(host), &port, err) < 0 ||
	    tp_opts_check_seconds("timeout", o->client.timeout_s, err) < 0 ||
	    tp_opts_check_seconds("wait", o->wait_s, err) < 0) {
		free(connect_host);
		return -1;
	}
	free(connect_host);
	return 0;
}

static int check_opts(struct run *run, struct tp_error *err)
{
	const struct tp_peer_opts *o = run->o;
	struct tp_client_opts *co = &run->co;

	if (tp_peer_opts_check(o, err) < 0 ||
	    tp_addr_parse_option("connect", o->connect, 4433, &run->host,
				 &co->port, err) < 0)
		return -1;
	co->host = run->host;
	/* a stop also ends the client role's waits, not only the peer's */
	co->stop = o->stop;
	/* the other node is a tlsprobe probe: ask it whatever the mark */
	co->paired = true;
	/* one capture, the server thread's, covers both roles: the client
	 * role does not open its own */
	co->capture = false;
	co->pcap_out = NULL;
	if (o->client.capture || o->client.pcap_out != NULL) {
		struct tp_livecap_opts cap_opts = {
			.pcap_out = o->client.pcap_out, .user = o->client.user,
		};

		/* before anything is bound */
		if (tp_livecap_check(&cap_opts, err) < 0)
			return -1;
	}
	/* between FLoM-style nodes the identity is the unique ID in the CN
	 * (--expect-id); the address dialled is no name to check */
	if (co->expect_id != NULL && co->expect_name == NULL)
		co->no_name_check = true;
	return 0;
}

/* The state the server thread shares with us, and our unique ID. */
static int prepare(struct run *run, struct tp_error *err)
{
	const struct tp_peer_opts *o = run->o;
	struct peer *p;

	run->p = p = calloc(1, sizeof(*p));
	if (p == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	p->o = o;
	p->capture = o->client.capture || o->client.pcap_out != NULL;
	p->capture_host = run->co.host;
	p->capture_port = run->co.port;
	pthread_mutex_init(&p->lock, NULL);
	if (tp_id_read(p->my_id, err) < 0)
		return -1;
	snprintf(p->listen, sizeof(p->listen), "%s",
		 o->listen ? o->listen : ":4433");
	return 0;
}

/* The server role, in its thread: it binds first, so that a bad file or
 * a busy port ends the run here. */
static int stage_listen(struct run *run, struct tp_error *err)
{
	struct peer *p = run->p;
	int rc;

	if (pthread_create(&run->server, NULL, server_main, p) != 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "cannot start the server "
			     "thread: %s", strerror(errno));
		return -1;
	}
	run->server_running = true;
	run->deadline = tp_now_ms() + run->wait_ms;
	for (;;) {
		bool up, failed;

		pthread_mutex_lock(&p->lock);
		up = p->listening;
		failed = p->server_rc < 0;
		pthread_mutex_unlock(&p->lock);
		if (failed || tp_now_ms() > run->deadline || up)
			break;
		usleep(10000);
	}
	pthread_mutex_lock(&p->lock);
	rc = p->listening ? 0 : -1;
	pthread_mutex_unlock(&p->lock);
	if (rc == 0)
		return 0;
	p->stop_server = 1;
	pthread_join(run->server, NULL);
	run->server_running = false;
	if (p->server_err.kind != TP_ERR_NONE)
		*err = p->server_err;
	else
		tp_error_set(err, TP_ERR_RUNTIME, "the server did not "
			     "start listening on %s", p->listen);
	return -1;
}

/* The other node may start later: while its port refuses, wait; silence
 * (a filter) or an answer ends the wait, and the client run that follows
 * says which. */
static void stage_await_other(struct run *run)
{
	struct tp_net_result res;

	tp_net_resolve(run->co.host, run->co.port, run->co.family,
		       run->co.timeout_s * 1000, NULL, &run->addrs, &res);
	run->reachable = res.status == TP_NETRES_OK;
	while (run->reachable && !stopped(run->o) &&
	       tp_now_ms() < run->deadline) {
		int fd;

		tp_net_connect_by((const struct sockaddr *)&run->addrs.addr[0],
				  run->addrs.len[0],
				  tp_now_ms() + 1000 < run->deadline
				  ? tp_now_ms() + 1000 : run->deadline, 0,
				  NULL, &fd, &res);
		if (fd >= 0)
			close(fd);
		if (res.status != TP_NETRES_REFUSED)
			break;
		usleep(200000);
	}
}

/* The client role's run, our report of it ready for the exchange. */
static int stage_client(struct run *run, struct tp_error *err)
{
	struct peer *p = run->p;

	run->mine = tp_report_new("client");
	run->co.on_loaded = on_client_loaded;
	run->co.on_loaded_arg = p;
	if (run->mine == NULL || tp_client_run(&run->co, run->mine, err) < 0)
		return -1;
	if (p->drop_err.kind != TP_ERR_NONE) {
		*err = p->drop_err;
		return -1;
	}
	if (p->capture)
		add_packets(p, run->mine, &run->addrs, run->reachable);
	pthread_mutex_lock(&p->lock);
	p->mine = report_for_wire(run->mine);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Ours handed over and theirs fetched, over whichever way is open, until
 * both are done, --wait ends or the stop flag is set. */
static void stage_exchange(struct run *run)
{
	struct peer *p = run->p;
	unsigned attempts = 0;

	while (!stopped(run->o) && tp_now_ms() < run->deadline) {
		bool done;

		pthread_mutex_lock(&p->lock);
		done = p->delivered && p->theirs != NULL;
		pthread_mutex_unlock(&p->lock);
		if (done)
			break;
		if (run->reachable) {
			/* one exchange ends by --wait's deadline too */
			double ex = run->co.timeout_s * 1000 < 2000
				    ? run->co.timeout_s * 1000 : 2000;

			if (ex > run->deadline - tp_now_ms())
				ex = run->deadline - tp_now_ms();
			if (ex > 0)
				exchange(p, &run->addrs, ex);
		}
		/* back off: the other node may still be running its client,
		 * or be a plain server that will never answer */
		attempts++;
		usleep(attempts < 10 ? 100000 * attempts : 1000000);
	}
	/* a last moment for the other node's final ack to go out */
	usleep(200000);
}

static void stop_server(struct run *run)
{
	if (!run->server_running)
		return;
	run->p->stop_server = 1;
	pthread_join(run->server, NULL);
	run->server_running = false;
}

/* The two directions under names both nodes agree on, and the findings
 * over both. */
static void stage_report(struct run *run)
{
	struct peer *p = run->p;
	struct tp_report *r = run->r, *theirs = NULL;
	bool a_is_me, theirs_missing;

	if (p->theirs != NULL)
		theirs = tp_report_from_json(p->theirs, strlen(p->theirs));
	theirs_missing = theirs == NULL;
	/* A is the node with the lower unique ID, then listen address, so
	 * that both nodes print the directions under the same names */
	a_is_me = p->their_id[0] == '\0' ||
		  strcmp(p->my_id, p->their_id) < 0 ||
		  (strcmp(p->my_id, p->their_id) == 0 &&
		   strcmp(p->listen, p->their_listen) <= 0);
	tp_report_set_nodes(r, a_is_me ? p->my_id : p->their_id, a_is_me
			    ? (p->their_id[0] ? p->their_id : "(no report)")
			    : p->my_id);
	r->directions[a_is_me ? 0 : 1] = run->mine;
	r->directions[a_is_me ? 1 : 0] = theirs;
	run->mine = NULL;
	r->wait_s = run->wait_ms / 1000;
	merge(r, r->directions[0], "A->B");
	merge(r, r->directions[1], "B->A");
	merge_own_server(r, p->own_server, r->directions[a_is_me ? 0 : 1]);
	if (theirs_missing) {
		struct tp_finding *f = tp_report_finding(r,
			TP_PEER_REPORT_MISSING, "%s: no report from the node "
			"that connects to us arrived within %.0f s",
			a_is_me ? "B->A" : "A->B", run->wait_ms / 1000);

		tp_finding_detail(f, "%s; our own report %s", run->reachable
				  ? "its tlsprobe peer answered none of our "
				  "peer-report exchanges with a report"
				  : "the other node could not be resolved",
				  p->delivered ? "reached it" : "did not reach it");
	}
	tp_report_set_target(r, run->host, run->co.port, NULL);
}

/* Everything let go, however far the run got. */
static void finish(struct run *run)
{
	struct peer *p = run->p;

	stop_server(run);
	tp_report_free(run->mine);
	if (p != NULL) {
		tp_report_free(p->own_server);
		pthread_mutex_destroy(&p->lock);
		free(p->mine);
		free(p->theirs);
		free(p);
	}
	free(run->host);
}

int tp_peer_run(const struct tp_peer_opts *o, struct tp_report *r,
		struct tp_error *err)
{
	struct run run = {
		.o = o, .r = r, .co = o->client,
		.wait_ms = (o->wait_s > 0 ? o->wait_s : TP_DEFAULT_WAIT_S)
			   * 1000,
	};
	int rc = -1;

	if (check_opts(&run, err) < 0 || prepare(&run, err) < 0 ||
	    stage_listen(&run, err) < 0)
		goto out;
	stage_await_other(&run);
	if (stage_client(&run, err) < 0)
		goto out;
	stage_exchange(&run);
	stop_server(&run);
	stage_report(&run);
	rc = 0;
out:
	finish(&run);
	return rc;
}
