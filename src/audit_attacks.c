/*
 * The audit's checks of known attacks by raw records: Heartbleed, CCS
 * injection, Ticketbleed, compression, TLS_FALLBACK_SCSV and SSL 2.0.
 *
 * Each sends a ClientHello of its own (wire.c), reads the server's first
 * flight with the record reader and then the one record or message that
 * tells; nothing is ever encrypted. A "vulnerable" is always seen twice,
 * on two connections: one odd answer is not a proof.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "audit.h"
#include "net.h"
#include "registry.h"
#include "wire.h"

/* How long a server's silence is waited for where silence is the
 * answer (a heartbeat or a ChangeCipherSpec dropped): a server that
 * answers does so at once, as it would to any record. */
#define QUIET_MS 3000.0
/* Warning alerts taken before a flight ends: more is a storm. */
#define MAX_WARNINGS 8
#define HEARTBEAT_CLAIM 0x4000
#define HEARTBEAT_PADDING 16   /* RFC 6520 section 4: at least 16 bytes */

/* One connection to the server and what is read from it. */
struct conn {
	int fd;
	struct tp_wire_reader rd;
	uint8_t buf[4096];
	const uint8_t *p;
	size_t left;
};

enum got { GOT_EVENT, GOT_CLOSED, GOT_RESET, GOT_TIMEOUT, GOT_STOPPED };

/* How the server's first flight ended. */
enum flight_end {
	FL_DONE,      /* ServerHello … ServerHelloDone (or the ServerHello
		       * alone when that was all that was asked for) */
	FL_CCS,       /* ServerHello, then ChangeCipherSpec: resumed */
	FL_ALERT,
	FL_CLOSED,
	FL_RESET,
	FL_TIMEOUT,
	FL_STOPPED,
	FL_GARBAGE,   /* not what TLS allows here */
};

struct flight {
	enum flight_end end;
	bool has_sh;
	struct tp_wire_server_hello sh;
	uint8_t alert;
};

/* The evidence a probe leaves for the result. */
struct seen {
	char text[600];
};

static const char *version_name(uint16_t v)
{
	const char *n = tp_wire_version_name(v);

	return n != NULL ? n : "?";
}

static const char *alert_name(uint8_t desc)
{
	const char *n = gnutls_alert_get_name((gnutls_alert_description_t)desc);

	return n != NULL ? n : "unknown alert";
}

/* The newest version the audit found below TLS 1.3, 0 if none. */
static uint16_t best_below13(const struct tp_audit *a)
{
	uint16_t v;

	for (v = 0x0303; v >= 0x0300; v--)
		if (tp_audit_speaks(a, v))
			return v;
	return 0;
}

/* Whether there is a version below TLS 1.3 to probe; when not, the
 * check's result says so, and why that leaves nothing to test. */
static bool below13_or_say(struct tp_audit *a, const char *why_nothing)
{
	if (best_below13(a) != 0)
		return true;
	tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
			"the server speaks only TLS 1.3, %s", why_nothing);
	return false;
}

static int send_all(struct tp_audit *a, int fd, const uint8_t *data,
		    size_t len, double deadline)
{
	ssize_t n;
	int w;

	while (len > 0) {
		w = tp_net_wait_stop(fd, POLLOUT, deadline, a->o->ciphers.stop);
		if (w <= 0)
			return -1;
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Connects and sends bytes; NULL with why when either failed. */
static struct conn *open_conn(struct tp_audit *a, const uint8_t *out,
			      size_t len, char *why, size_t why_len)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	tp_wire_reader_init(&c->rd);
	if (tp_audit_connect(a, &c->fd, why, why_len) < 0) {
		free(c);
		return NULL;
	}
	if (send_all(a, c->fd, out, len, tp_audit_step(a)) < 0) {
		snprintf(why, why_len, "sending the hello to %s failed (a "
			 "reset, a close or %.0f s without room to write)",
			 a->where, a->timeout_ms / 1000);
		tp_audit_close(a, c->fd);
		free(c);
		return NULL;
	}
	return c;
}

static void close_conn(struct tp_audit *a, struct conn *c)
{
	if (c == NULL)
		return;
	/* a reset rather than a FIN: no TIME_WAIT pile-up on either side */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER,
		   &(struct linger){.l_onoff = 1, .l_linger = 0},
		   sizeof(struct linger));
	tp_audit_close(a, c->fd);
	free(c);
}

/* The next record-level event from the server by deadline. */
static enum got next_event(struct tp_audit *a, struct conn *c,
			   double deadline, struct tp_wire_event *ev)
{
	ssize_t n;
	int w;

	for (;;) {
		tp_wire_reader_next(&c->rd, &c->p, &c->left, ev);
		if (ev->kind != TP_WIRE_NEED_MORE)
			return GOT_EVENT;
		w = tp_net_wait_stop(c->fd, POLLIN, deadline,
				     a->o->ciphers.stop);
		if (w == TP_NET_STOPPED || tp_audit_stopped(a))
			return GOT_STOPPED;
		if (w == 0)
			return GOT_TIMEOUT;
		if (w < 0)
			return GOT_RESET;
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0)
			return GOT_CLOSED;
		if (n < 0)
			return GOT_RESET;
		c->p = c->buf;
		c->left = (size_t)n;
	}
}

static enum flight_end flight_end_of(enum got g)
{
	switch (g) {
	case GOT_CLOSED:
		return FL_CLOSED;
	case GOT_RESET:
		return FL_RESET;
	case GOT_TIMEOUT:
		return FL_TIMEOUT;
	default:
		return FL_STOPPED;
	}
}

/* Reads the server's answer to a hello: up to its ServerHelloDone (or
 * its ServerHello alone with hello_only), a resumption's
 * ChangeCipherSpec, an alert or the end. */
static void read_flight(struct tp_audit *a, struct conn *c, bool hello_only,
			struct flight *f)
{
	double deadline = tp_audit_step(a);
	struct tp_wire_event ev;
	unsigned warnings = 0;
	enum got g;

	memset(f, 0, sizeof(*f));
	for (;;) {
		g = next_event(a, c, deadline, &ev);
		if (g != GOT_EVENT) {
			f->end = flight_end_of(g);
			return;
		}
		switch (ev.kind) {
		case TP_WIRE_HANDSHAKE:
			if (ev.hs_type == TP_WIRE_SERVER_HELLO && !f->has_sh) {
				if (tp_wire_parse_server_hello(ev.body,
						ev.body_len, &f->sh) < 0 ||
				    f->sh.hrr) {
					f->end = FL_GARBAGE;
					return;
				}
				f->has_sh = true;
				if (hello_only) {
					f->end = FL_DONE;
					return;
				}
			} else if (ev.hs_type == TP_WIRE_SERVER_HELLO_DONE) {
				f->end = f->has_sh ? FL_DONE : FL_GARBAGE;
				return;
			} else if (!f->has_sh) {
				f->end = FL_GARBAGE;
				return;
			}
			break;
		case TP_WIRE_HANDSHAKE_PART:
			break;
		case TP_WIRE_ALERT:
			/* RFC 5246 section 7.2: warnings do not end it */
			if (ev.alert_level == 1 && ev.alert_desc != 0 &&
			    ++warnings <= MAX_WARNINGS)
				break;
			f->end = FL_ALERT;
			f->alert = ev.alert_desc;
			return;
		case TP_WIRE_CCS:
			f->end = f->has_sh ? FL_CCS : FL_GARBAGE;
			return;
		default:
			f->end = FL_GARBAGE;
			return;
		}
	}
}

/* Why a flight that did not come whole is not an answer, in words. */
static void flight_words(const struct tp_audit *a, const struct flight *f,
			 char *out, size_t len)
{
	switch (f->end) {
	case FL_ALERT:
		snprintf(out, len, "the server answered with the alert %s (%u)",
			 alert_name(f->alert), f->alert);
		break;
	case FL_CLOSED:
		snprintf(out, len, "the server closed the connection");
		break;
	case FL_RESET:
		snprintf(out, len, "the connection was reset");
		break;
	case FL_TIMEOUT:
		snprintf(out, len, "no whole answer within %.0f s",
			 a->timeout_ms / 1000);
		break;
	case FL_STOPPED:
		snprintf(out, len, "the audit stopped (a signal, or its "
			 "deadline)");
		break;
	case FL_GARBAGE:
		snprintf(out, len, "the server's answer is not a TLS first "
			 "flight");
		break;
	default:
		snprintf(out, len, "the server answered");
		break;
	}
}

/* A ClientHello and what it is built from. */
struct offer {
	struct tp_wire_hello_opts ho;
	uint16_t suites[TP_WIRE_MAX_SUITES + 1];
	uint8_t random[32];
	uint8_t out[2048];
	size_t len;
};

static const uint16_t default_suites[] = {
	0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC013, 0xC014, 0xC009, 0xC00A,
	0x009C, 0x009D, 0x002F, 0x0035, 0x000A, 0x0033, 0x0039,
};
static const uint16_t default_groups[] = {0x001D, 0x0017, 0x0018, 0x0019};
static const uint16_t default_sigs[] = {
	0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0603, 0x0401, 0x0501,
	0x0601, 0x0201, 0x0203,
};

/* A hello for version with the suites the cipher audit found accepted
 * for it (so that the server answers), plus the SCSV when asked for. */
static void offer_init(const struct tp_audit *a, uint16_t version,
		       bool fallback_scsv, struct offer *of)
{
	const struct tp_scan_protocol *p = NULL;
	size_t i, n = 0;

	memset(of, 0, sizeof(*of));
	for (i = 0; i < a->r->scan->n_protocols; i++)
		if (a->r->scan->protocols[i].version == version)
			p = &a->r->scan->protocols[i];
	for (i = 0; p != NULL && i < p->n_suites && n < TP_WIRE_MAX_SUITES;
	     i++)
		of->suites[n++] = p->suites[i].id;
	for (i = 0; n == 0 && i < sizeof(default_suites) / 2; i++)
		of->suites[i] = default_suites[i];
	if (n == 0)
		n = sizeof(default_suites) / 2;
	if (fallback_scsv)
		of->suites[n++] = TP_SUITE_FALLBACK_SCSV;
	of->ho.version = version;
	of->ho.suites = of->suites;
	of->ho.n_suites = n;
	if (p != NULL && p->n_groups > 0) {
		of->ho.groups = p->groups;
		of->ho.n_groups = p->n_groups;
	} else {
		of->ho.groups = default_groups;
		of->ho.n_groups = sizeof(default_groups) / 2;
	}
	if (p != NULL && p->n_sig_algs > 0) {
		of->ho.sig_algs = p->sig_algs;
		of->ho.n_sig_algs = p->n_sig_algs;
	} else {
		of->ho.sig_algs = default_sigs;
		of->ho.n_sig_algs = sizeof(default_sigs) / 2;
	}
	of->ho.ec_point_formats = true;
	of->ho.sni = a->sni;
	gnutls_rnd(GNUTLS_RND_NONCE, of->random, sizeof(of->random));
	of->ho.random = of->random;
}

/* Builds the hello, connects, sends it and reads the first flight;
 * NULL when no connection could be made. why says what went wrong,
 * that or a flight that did not come whole. */
static struct conn *hello_exchange(struct tp_audit *a, struct offer *of,
				   bool hello_only, struct flight *f,
				   char *why, size_t why_len)
{
	struct conn *c;

	of->len = tp_wire_build_client_hello(&of->ho, of->out,
					     sizeof(of->out));
	if (of->len == 0) {
		snprintf(why, why_len, "internal: the hello could not be "
			 "built");
		return NULL;
	}
	c = open_conn(a, of->out, of->len, why, why_len);
	if (c == NULL)
		return NULL;
	read_flight(a, c, hello_only, f);
	if (f->end != FL_DONE)
		flight_words(a, f, why, why_len);
	return c;
}

/*
 * Runs probe (one connection, or two: its status, the evidence in
 * its seen), once more when it could not decide (an answer may be
 * transient), and once more again when it says vulnerable: the proof
 * must hold twice. Gives the check's result and returns its status;
 * first holds the evidence.
 */
static enum tp_check_status decide(struct tp_audit *a,
		   enum tp_check_status (*probe)(struct tp_audit *a,
						 const void *arg,
						 struct seen *s),
		   const void *arg, struct seen *first)
{
	struct seen again;
	enum tp_check_status s;

	memset(first, 0, sizeof(*first));
	memset(&again, 0, sizeof(again));
	s = probe(a, arg, first);
	if (s == TP_CHECK_UNKNOWN && !tp_audit_stopped(a))
		s = probe(a, arg, first);
	if (s == TP_CHECK_VULNERABLE && tp_audit_stopped(a)) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"not confirmed (the audit stopped): %s",
				first->text);
		return TP_CHECK_UNKNOWN;
	}
	if (s == TP_CHECK_VULNERABLE &&
	    probe(a, arg, &again) != TP_CHECK_VULNERABLE) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"unstable: first %s; then %s", first->text,
				again.text);
		return TP_CHECK_UNKNOWN;
	}
	tp_audit_result(a, s, TP_SUPPORT_NONE, "%s", first->text);
	return s;
}

/* decide(), and when proven the finding code, its summary after the
 * server's address and the evidence as its detail. */
static void decide_finding(struct tp_audit *a,
			   enum tp_check_status (*probe)(struct tp_audit *a,
							 const void *arg,
							 struct seen *s),
			   const void *arg, enum tp_code code,
			   const char *summary)
{
	struct seen seen;

	if (decide(a, probe, arg, &seen) == TP_CHECK_VULNERABLE)
		tp_finding_detail(tp_report_finding(a->r, code, "%s %s",
						    a->where, summary),
				  "%s", seen.text);
}

/* ---- heartbleed ---- */

/* After the heartbeat request: what came back, as a status. */
static enum tp_check_status heartbeat_answer(struct tp_audit *a,
					     struct conn *c, struct seen *s)
{
	double deadline = tp_now_ms() + QUIET_MS;
	struct tp_wire_event ev;
	enum got g;

	if (deadline > tp_audit_step(a))
		deadline = tp_audit_step(a);
	g = next_event(a, c, deadline, &ev);
	if (g == GOT_STOPPED) {
		snprintf(s->text, sizeof(s->text), "the audit stopped while "
			 "waiting for the heartbeat answer");
		return TP_CHECK_UNKNOWN;
	}
	if (g == GOT_EVENT && ev.kind == TP_WIRE_OTHER &&
	    ev.content_type == 24) {
		/* RFC 6520 section 4: a heartbeat_response (2) echoes the
		 * payload and adds padding; beyond the 3 bytes sent and the
		 * padding, every byte is memory we never sent */
		if (ev.body_len < 3 || ev.body[0] != 2) {
			snprintf(s->text, sizeof(s->text), "the server "
				 "answered with a heartbeat record that is not "
				 "a heartbeat_response (%zu bytes)",
				 ev.body_len);
			return TP_CHECK_UNKNOWN;
		}
		if (ev.body_len > 3 + HEARTBEAT_PADDING) {
			snprintf(s->text, sizeof(s->text), "a heartbeat "
				 "request claiming %u bytes (3 sent) got a "
				 "heartbeat_response of %zu bytes: %zu bytes "
				 "of memory the server was never sent",
				 HEARTBEAT_CLAIM, ev.body_len,
				 ev.body_len - 3 - HEARTBEAT_PADDING);
			return TP_CHECK_VULNERABLE;
		}
		snprintf(s->text, sizeof(s->text), "the heartbeat_response "
			 "holds %zu bytes, no more than the 3 sent and "
			 "padding", ev.body_len);
		return TP_CHECK_NOT_VULNERABLE;
	}
	if (g == GOT_EVENT && ev.kind == TP_WIRE_ALERT)
		snprintf(s->text, sizeof(s->text), "a heartbeat request "
			 "claiming %u bytes was answered with the alert %s "
			 "(%u)", HEARTBEAT_CLAIM, alert_name(ev.alert_desc),
			 ev.alert_desc);
	else
		snprintf(s->text, sizeof(s->text), "a heartbeat request "
			 "claiming %u bytes (3 sent) got %s", HEARTBEAT_CLAIM,
			 g == GOT_TIMEOUT ? "no answer"
			 : g == GOT_EVENT ? "an answer of another type"
			 : "the connection closed");
	return TP_CHECK_NOT_VULNERABLE;
}

static enum tp_check_status heartbleed_probe(struct tp_audit *a,
					     const void *arg, struct seen *s)
{
	uint16_t v = best_below13(a);
	enum tp_check_status st;
	struct seen answer;
	struct offer of;
	struct flight f;
	struct conn *c;
	char why[256];
	size_t i;
	uint8_t req[8] = {24, (uint8_t)(v >> 8), (uint8_t)v, 0, 3,
			  1, HEARTBEAT_CLAIM >> 8, HEARTBEAT_CLAIM & 0xff};

	(void)arg;
	offer_init(a, v, false, &of);
	of.ho.heartbeat = true;
	c = hello_exchange(a, &of, false, &f, why, sizeof(why));
	if (c == NULL) {
		snprintf(s->text, sizeof(s->text), "%s", why);
		return TP_CHECK_UNKNOWN;
	}
	if (f.end != FL_DONE) {
		snprintf(s->text, sizeof(s->text), "%s hello offering the "
			 "heartbeat extension: %s", version_name(v), why);
		close_conn(a, c);
		return TP_CHECK_UNKNOWN;
	}
	for (i = 0; i < f.sh.n_extensions; i++)
		if (f.sh.extensions[i] == 15)
			break;
	if (i == f.sh.n_extensions) {
		snprintf(s->text, sizeof(s->text), "no heartbeat extension "
			 "in the %s ServerHello", version_name(v));
		close_conn(a, c);
		return TP_CHECK_NOT_VULNERABLE;
	}
	if (send_all(a, c->fd, req, sizeof(req), tp_audit_step(a)) < 0) {
		snprintf(s->text, sizeof(s->text), "the heartbeat extension is "
			 "on (%s), but the connection ended before the "
			 "heartbeat request went out", version_name(v));
		close_conn(a, c);
		return TP_CHECK_NOT_VULNERABLE;
	}
	st = heartbeat_answer(a, c, s);
	close_conn(a, c);
	if (st == TP_CHECK_NOT_VULNERABLE) {
		memcpy(&answer, s, sizeof(answer));
		snprintf(s->text, sizeof(s->text), "the heartbeat extension is "
			 "on (%s); %.500s", version_name(v), answer.text);
	}
	return st;
}

void tp_audit_heartbleed(struct tp_audit *a)
{
	if (!below13_or_say(a, "which has no heartbeat"))
		return;
	decide_finding(a, heartbleed_probe, NULL, TP_HEARTBLEED,
		       "leaks memory in heartbeat answers (Heartbleed)");
}

/* ---- CCS injection ---- */

/* What the server does with a ChangeCipherSpec record sent now:
 * 1 silence, 0 an answer (described in s), -1 the audit stopped. */
static int ccs_send(struct tp_audit *a, struct conn *c, uint16_t v,
		    double wait_ms, struct tp_wire_event *ev, enum got *g)
{
	uint8_t ccs[6] = {20, (uint8_t)(v >> 8), (uint8_t)v, 0, 1, 1};
	double deadline = tp_now_ms() + wait_ms;

	if (deadline > tp_audit_step(a))
		deadline = tp_audit_step(a);
	if (send_all(a, c->fd, ccs, sizeof(ccs), tp_audit_step(a)) < 0) {
		*g = GOT_CLOSED;
		return 0;
	}
	*g = next_event(a, c, deadline, ev);
	if (*g == GOT_STOPPED)
		return -1;
	return *g == GOT_TIMEOUT ? 1 : 0;
}

static void ccs_words(const struct tp_wire_event *ev, enum got g,
		      char *out, size_t len)
{
	if (g == GOT_EVENT && ev->kind == TP_WIRE_ALERT)
		snprintf(out, len, "the alert %s (%u)",
			 alert_name(ev->alert_desc), ev->alert_desc);
	else if (g == GOT_EVENT)
		snprintf(out, len, "a record that is not an alert");
	else
		snprintf(out, len, "%s", g == GOT_RESET ? "a reset"
			 : g == GOT_TIMEOUT ? "no answer" : "a close");
}

static enum tp_check_status ccs_probe(struct tp_audit *a,
				      const void *arg, struct seen *s)
{
	uint16_t v = best_below13(a);
	struct tp_wire_event ev;
	struct offer of;
	struct flight f;
	struct conn *c;
	char why[256];
	enum got g;
	int r;

	(void)arg;
	offer_init(a, v, false, &of);
	c = hello_exchange(a, &of, false, &f, why, sizeof(why));
	if (c == NULL || f.end != FL_DONE) {
		snprintf(s->text, sizeof(s->text), "%s hello: %s",
			 version_name(v), why);
		close_conn(a, c);
		return TP_CHECK_UNKNOWN;
	}
	r = ccs_send(a, c, v, QUIET_MS, &ev, &g);
	if (r == 0) {
		ccs_words(&ev, g, why, sizeof(why));
		snprintf(s->text, sizeof(s->text), "a ChangeCipherSpec sent "
			 "before any key exchange (%s) was refused: %s",
			 version_name(v), why);
		close_conn(a, c);
		return TP_CHECK_NOT_VULNERABLE;
	}
	/* silence: taken, or ignored. A second one tells: a server that
	 * took the first now decrypts with keys from an empty master
	 * secret and fails (bad_record_mac, decryption_failed) */
	if (r == 1)
		r = ccs_send(a, c, v, a->timeout_ms, &ev, &g);
	close_conn(a, c);
	if (r < 0) {
		snprintf(s->text, sizeof(s->text), "the audit stopped "
			 "while waiting for the answer to a ChangeCipherSpec");
		return TP_CHECK_UNKNOWN;
	}
	ccs_words(&ev, g, why, sizeof(why));
	if (g == GOT_EVENT && ev.kind == TP_WIRE_ALERT &&
	    (ev.alert_desc == 20 || ev.alert_desc == 21)) {
		snprintf(s->text, sizeof(s->text), "a ChangeCipherSpec sent "
			 "before any key exchange (%s) was taken in silence; "
			 "a second one was answered with %s: the server "
			 "had switched to keys of its own making",
			 version_name(v), why);
		return TP_CHECK_VULNERABLE;
	}
	snprintf(s->text, sizeof(s->text), "an early ChangeCipherSpec (%s) "
		 "got no answer, a second one %s", version_name(v), why);
	return g == GOT_TIMEOUT ? TP_CHECK_UNKNOWN : TP_CHECK_NOT_VULNERABLE;
}

void tp_audit_ccs_injection(struct tp_audit *a)
{
	if (!below13_or_say(a, "where an early "
			   "ChangeCipherSpec is ignored by design"))
		return;
	decide_finding(a, ccs_probe, NULL, TP_CCS_INJECTION,
		       "accepts a ChangeCipherSpec before the key exchange");
}

/* ---- Ticketbleed ---- */

struct ticket {
	uint8_t data[4096];
	size_t len;
};

/* RFC 5077 section 3.3: NewSessionTicket is a lifetime hint and the
 * ticket<0..2^16-1>; the hook sees the message's body. */
static int ticket_hook(gnutls_session_t session, unsigned int htype,
		       unsigned when, unsigned int incoming,
		       const gnutls_datum_t *msg)
{
	struct ticket *t = gnutls_session_get_ptr(session);
	size_t len;

	(void)when;
	if (htype != GNUTLS_HANDSHAKE_NEW_SESSION_TICKET || !incoming ||
	    msg == NULL || msg->size < 6)
		return 0;
	len = (size_t)msg->data[4] << 8 | msg->data[5];
	if (len > 0 && len <= sizeof(t->data) && 6 + len <= msg->size) {
		memcpy(t->data, msg->data + 6, len);
		t->len = len;
	}
	return 0;
}

/* A full handshake at version v through GnuTLS, for the ticket the
 * server issues: 0 (t->len 0 when none came), -1 with why. */
static int get_ticket(struct tp_audit *a, uint16_t v, struct ticket *t,
		      char *why, size_t why_len)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	char prio[80];
	int fd = -1, ret;

	t->len = 0;
	snprintf(prio, sizeof(prio), "NORMAL:-VERS-ALL:+VERS-%s",
		 v == 0x0303 ? "TLS1.2" : v == 0x0302 ? "TLS1.1" : "TLS1.0");
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_priority_set_direct(s, prio, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
		snprintf(why, why_len, "GnuTLS could not be set up for %s",
			 version_name(v));
		ret = -1;
		goto out;
	}
	if (a->sni != NULL)
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, a->sni,
				       strlen(a->sni));
	gnutls_session_set_ptr(s, t);
	gnutls_handshake_set_hook_function(s,
					   GNUTLS_HANDSHAKE_NEW_SESSION_TICKET,
					   GNUTLS_HOOK_POST, ticket_hook);
	if (tp_audit_connect(a, &fd, why, why_len) < 0) {
		ret = -1;
		goto out;
	}
	gnutls_transport_set_int(s, fd);
	ret = tp_audit_handshake(a, s, fd, tp_audit_step(a),
				 TP_AUDIT_WARNINGS);
	if (ret < 0) {
		snprintf(why, why_len, "a full %s handshake for a ticket "
			 "failed: %s", version_name(v),
			 ret == GNUTLS_E_TIMEDOUT ? "no answer in time"
			 : gnutls_strerror(ret));
		ret = -1;
	}
out:
	if (fd >= 0)
		tp_audit_close(a, fd);
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	return ret < 0 ? -1 : 0;
}

static enum tp_check_status ticketbleed_probe(struct tp_audit *a,
					      const void *arg, struct seen *s)
{
	const struct ticket *t = arg;
	uint16_t v = best_below13(a);
	struct offer of;
	struct flight f;
	struct conn *c;
	char why[256];
	uint8_t id;

	offer_init(a, v, false, &of);
	/* a 1-byte session ID, from the random so each try differs */
	id = of.random[0] | 1;
	of.ho.session_id = &id;
	of.ho.session_id_len = 1;
	of.ho.session_ticket = true;
	of.ho.ticket = t->data;
	of.ho.ticket_len = t->len;
	c = hello_exchange(a, &of, false, &f, why, sizeof(why));
	close_conn(a, c);
	if (c == NULL || (f.end != FL_DONE && f.end != FL_CCS)) {
		snprintf(s->text, sizeof(s->text), "resuming with the ticket: "
			 "%s", why);
		return TP_CHECK_UNKNOWN;
	}
	if (f.end == FL_DONE) {
		snprintf(s->text, sizeof(s->text), "the server does not resume "
			 "with its own ticket (%s, a full handshake followed)",
			 version_name(v));
		return TP_CHECK_NOT_VULNERABLE;
	}
	if (f.sh.session_id_len > 1 && f.sh.session_id[0] == id) {
		snprintf(s->text, sizeof(s->text), "resuming with a ticket and "
			 "a 1-byte session ID, the server echoed a %zu-byte "
			 "one beginning with it: %zu bytes of its memory",
			 f.sh.session_id_len, f.sh.session_id_len - 1);
		return TP_CHECK_VULNERABLE;
	}
	snprintf(s->text, sizeof(s->text), "resumed with the ticket (%s); the "
		 "session ID in its ServerHello is %zu byte%s long (1 sent)",
		 version_name(v), f.sh.session_id_len,
		 f.sh.session_id_len == 1 ? "" : "s");
	return TP_CHECK_NOT_VULNERABLE;
}


void tp_audit_ticketbleed(struct tp_audit *a)
{
	uint16_t v = best_below13(a);
	struct ticket *t;
	char why[256];

	if (v < 0x0301) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"no TLS version below 1.3 (session tickets "
				"are a TLS 1.0-1.2 extension)");
		return;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"out of memory");
		return;
	}
	if (get_ticket(a, v, t, why, sizeof(why)) < 0)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s",
				why);
	else if (t->len == 0)
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"no session ticket issued in a full %s "
				"handshake", version_name(v));
	else
		decide_finding(a, ticketbleed_probe, t, TP_TICKETBLEED,
			       "echoes a longer session ID than it was sent "
			       "(Ticketbleed)");
	free(t);
}

/* ---- compression ---- */

static enum tp_check_status compression_probe(struct tp_audit *a,
					      const void *arg, struct seen *s)
{
	uint16_t v = best_below13(a);
	struct offer of;
	struct flight f;
	struct conn *c;
	char why[256];

	(void)arg;
	offer_init(a, v, false, &of);
	of.ho.deflate = true;
	c = hello_exchange(a, &of, true, &f, why, sizeof(why));
	close_conn(a, c);
	if (c == NULL || f.end != FL_DONE) {
		snprintf(s->text, sizeof(s->text), "%s hello offering DEFLATE "
			 "and null compression: %s", version_name(v), why);
		return TP_CHECK_UNKNOWN;
	}
	if (f.sh.compression == 1) {
		snprintf(s->text, sizeof(s->text), "offered DEFLATE and null "
			 "(%s), the server chose DEFLATE", version_name(v));
		return TP_CHECK_VULNERABLE;
	}
	if (f.sh.compression != 0) {
		snprintf(s->text, sizeof(s->text), "offered DEFLATE and null "
			 "(%s), the server chose method %u, never offered",
			 version_name(v), f.sh.compression);
		return TP_CHECK_UNKNOWN;
	}
	snprintf(s->text, sizeof(s->text), "offered DEFLATE and null (%s), "
		 "the server chose null", version_name(v));
	return TP_CHECK_NOT_VULNERABLE;
}

void tp_audit_compression(struct tp_audit *a)
{
	if (!below13_or_say(a, "which has no compression"))
		return;
	decide_finding(a, compression_probe, NULL, TP_TLS_COMPRESSION,
		       "chooses DEFLATE compression (CRIME)");
}

/* ---- TLS_FALLBACK_SCSV ---- */

/* The version a fallback goes to: the newest spoken below the best. */
static uint16_t fallback_version(const struct tp_audit *a)
{
	uint16_t v;

	for (v = a->best - 1; v >= 0x0300; v--)
		if (tp_audit_speaks(a, v))
			return v;
	return 0;
}

static enum tp_check_status fallback_probe(struct tp_audit *a,
					   const void *arg, struct seen *s)
{
	uint16_t v = fallback_version(a);
	struct offer of;
	struct flight f;
	struct conn *c;
	char why[256];

	(void)arg;
	offer_init(a, v, true, &of);
	c = hello_exchange(a, &of, true, &f, why, sizeof(why));
	close_conn(a, c);
	if (c != NULL && f.end == FL_ALERT && f.alert == 86) {
		snprintf(s->text, sizeof(s->text), "a %s hello with "
			 "TLS_FALLBACK_SCSV (the server's best: %s) was "
			 "refused with inappropriate_fallback",
			 version_name(v), version_name(a->best));
		return TP_CHECK_NOT_VULNERABLE;
	}
	if (c == NULL || f.end != FL_DONE) {
		snprintf(s->text, sizeof(s->text), "a %s hello with "
			 "TLS_FALLBACK_SCSV: %s", version_name(v), why);
		return TP_CHECK_UNKNOWN;
	}
	if (f.sh.version != v) {
		snprintf(s->text, sizeof(s->text), "a %s hello with "
			 "TLS_FALLBACK_SCSV got a %s ServerHello",
			 version_name(v), version_name(f.sh.version));
		return TP_CHECK_UNKNOWN;
	}
	/* RFC 8446 section 4.1.3: a TLS 1.3 client sees the downgrade in
	 * the random, whatever the server did with the SCSV */
	if (a->best == 0x0304 &&
	    (f.sh.downgrade_tls12 || f.sh.downgrade_tls11)) {
		snprintf(s->text, sizeof(s->text), "a %s hello with "
			 "TLS_FALLBACK_SCSV was answered at %s, but its random "
			 "carries the TLS 1.3 downgrade sentinel (RFC 8446 "
			 "4.1.3): TLS 1.3 clients refuse the fallback",
			 version_name(v), version_name(v));
		return TP_CHECK_NOT_VULNERABLE;
	}
	snprintf(s->text, sizeof(s->text), "a %s hello with TLS_FALLBACK_SCSV "
		 "was answered with a %s ServerHello although the server "
		 "speaks %s", version_name(v), version_name(v),
		 version_name(a->best));
	return TP_CHECK_VULNERABLE;
}

void tp_audit_fallback_scsv(struct tp_audit *a)
{
	if (fallback_version(a) == 0) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the server speaks one version only (%s): "
				"there is nothing to fall back to",
				version_name(a->best));
		return;
	}
	decide_finding(a, fallback_probe, NULL, TP_NO_FALLBACK_SCSV,
		       "ignores TLS_FALLBACK_SCSV");
}

/* ---- SSL 2.0 ---- */

/* SSL 2.0 draft, "Client Only Protocol Messages": CLIENT-HELLO with
 * the seven cipher kinds, no session ID and a 16-byte challenge, in a
 * record with the 2-byte header. */
static size_t sslv2_hello(uint8_t *out)
{
	static const uint8_t kinds[] = {
		0x01, 0x00, 0x80, 0x02, 0x00, 0x80, 0x03, 0x00, 0x80,
		0x04, 0x00, 0x80, 0x05, 0x00, 0x80, 0x06, 0x00, 0x40,
		0x07, 0x00, 0xc0,
	};
	size_t len = 9 + sizeof(kinds) + 16;

	out[0] = (uint8_t)(0x80 | len >> 8);
	out[1] = (uint8_t)len;
	out[2] = 1;                      /* CLIENT-HELLO */
	out[3] = 0x00;
	out[4] = 0x02;                   /* SSL 2.0 */
	out[5] = 0;
	out[6] = sizeof(kinds);
	out[7] = out[8] = 0;             /* no session ID */
	out[9] = 0;
	out[10] = 16;                    /* challenge */
	memcpy(out + 11, kinds, sizeof(kinds));
	gnutls_rnd(GNUTLS_RND_NONCE, out + 11 + sizeof(kinds), 16);
	return 2 + len;
}

/* Reads the start of the answer to the SSL 2.0 hello: how many bytes
 * (up to want) came, and how the reading ended. */
static enum got sslv2_read(struct tp_audit *a, int fd, uint8_t *buf,
			   size_t want, size_t *got)
{
	double deadline = tp_audit_step(a);
	ssize_t n;
	int w;

	*got = 0;
	while (*got < want) {
		w = tp_net_wait_stop(fd, POLLIN, deadline, a->o->ciphers.stop);
		if (w == TP_NET_STOPPED)
			return GOT_STOPPED;
		if (w == 0)
			return GOT_TIMEOUT;
		if (w < 0)
			return GOT_RESET;
		n = recv(fd, buf + *got, want - *got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0)
			return GOT_CLOSED;
		if (n < 0)
			return GOT_RESET;
		*got += (size_t)n;
		/* a TLS record, or a 2-byte header not of a SERVER-HELLO:
		 * what follows does not matter */
		if ((*got >= 2 && !(buf[0] & 0x80)) ||
		    (*got >= 3 && buf[2] != 4))
			break;
	}
	return GOT_EVENT;
}

static enum tp_check_status sslv2_answer(const uint8_t *b, size_t n,
					 enum got g, struct seen *s)
{
	/* SERVER-HELLO: type 4, session-id-hit, certificate type, version,
	 * certificate length, cipher specs length, connection ID length */
	if (n >= 13 && (b[0] & 0x80) && b[2] == 4) {
		snprintf(s->text, sizeof(s->text), "an SSL 2.0 CLIENT-HELLO "
			 "was answered with a SERVER-HELLO (version "
			 "0x%02x%02x, "
			 "%u cipher kinds): SSL 2.0 is spoken (DROWN's "
			 "precondition)", b[5], b[6],
			 (unsigned)(b[9] << 8 | b[10]) / 3);
		return TP_CHECK_VULNERABLE;
	}
	if (n >= 2 && b[0] >= 20 && b[0] <= 23 && b[1] == 3) {
		snprintf(s->text, sizeof(s->text), "an SSL 2.0 CLIENT-HELLO "
			 "was answered with a TLS %s record",
			 b[0] == 21 ? "alert" : b[0] == 22 ? "handshake"
			 : b[0] == 20 ? "change_cipher_spec"
			 : "application_data");
		return TP_CHECK_NOT_VULNERABLE;
	}
	if (n == 0 && g != GOT_STOPPED) {
		snprintf(s->text, sizeof(s->text), "an SSL 2.0 CLIENT-HELLO "
			 "got %s", g == GOT_CLOSED ? "a close"
			 : g == GOT_RESET ? "a reset" : "no answer");
		return TP_CHECK_NOT_VULNERABLE;
	}
	snprintf(s->text, sizeof(s->text), "an SSL 2.0 CLIENT-HELLO got %s",
		 g == GOT_STOPPED ? "no answer before the audit stopped"
		 : "an answer that is neither SSL 2.0 nor TLS");
	return TP_CHECK_UNKNOWN;
}

static enum tp_check_status sslv2_probe(struct tp_audit *a,
					const void *arg, struct seen *s)
{
	uint8_t hello[64], answer[13];
	struct conn *c;
	char why[256];
	size_t n;
	enum got g;

	(void)arg;
	c = open_conn(a, hello, sslv2_hello(hello), why, sizeof(why));
	if (c == NULL) {
		snprintf(s->text, sizeof(s->text), "%s", why);
		return TP_CHECK_UNKNOWN;
	}
	g = sslv2_read(a, c->fd, answer, sizeof(answer), &n);
	close_conn(a, c);
	return sslv2_answer(answer, n, g, s);
}

void tp_audit_sslv2(struct tp_audit *a)
{
	decide_finding(a, sslv2_probe, NULL, TP_SSLV2, "speaks SSL 2.0");
}
