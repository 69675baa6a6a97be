/*
 * The cipher audit's raw answers: one server's answer to one raw
 * ClientHello read record by record (alerts, the ServerHello or
 * HelloRetryRequest, the pieces of a long Certificate, the
 * ServerKeyExchange), against one deadline, and judged: accepted,
 * refused, a violation, silence. Split from ciphers.c, which owns the
 * probes, the jobs and the report.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"
#include "registry.h"
#include "ciphers_answer.h"

/* The largest leaf kept from a Certificate: far beyond any real one (a
 * leaf with 10,000 names is 120 KB), small enough to hold per worker. */
#define MAX_LEAF (1024 * 1024)
/* After its ServerHello a server's first flight is its certificates
 * (2^24-1 bytes at most), perhaps a status and a request, and a few
 * small messages: more than this is a flood, not a flight. */
#define MAX_FLIGHT ((size_t)1 << 25)
/* Warning alerts read before an answer. OpenSSL gives up after five in
 * a row (the "SSL Death Alert", CVE-2016-8610); the audit reads on, to
 * name the alert a storm ends in, but no further than this: at most
 * 112 KiB of alerts, and all of them within the probe's one deadline. */
#define MAX_WARNINGS 16384u

/*
 * The leaf of a Certificate too long to be kept whole, gathered from its
 * pieces: the list's 3-byte length, the leaf's, then the leaf (RFC 5246
 * section 7.4.2); the rest of the chain is not needed.
 */
struct leaf_pieces {
	uint8_t head[6];
	size_t head_len;
	uint8_t *der;
	size_t len, have;
	bool done;              /* handed over, or given up */
};

static void leaf_piece(struct leaf_pieces *lp, const uint8_t *p, size_t n,
		       struct answer *a)
{
	size_t take, list;

	while (n > 0 && !lp->done) {
		if (lp->head_len < 6) {
			take = 6 - lp->head_len < n ? 6 - lp->head_len : n;
			memcpy(lp->head + lp->head_len, p, take);
			lp->head_len += take;
			p += take;
			n -= take;
			if (lp->head_len < 6)
				return;
			list = (size_t)lp->head[0] << 16 |
			       (size_t)lp->head[1] << 8 | lp->head[2];
			lp->len = (size_t)lp->head[3] << 16 |
				  (size_t)lp->head[4] << 8 | lp->head[5];
			if (lp->len == 0 || lp->len > MAX_LEAF ||
			    lp->len + 3 > list) {
				lp->done = true;
				return;
			}
			lp->der = malloc(lp->len);
			lp->done = lp->der == NULL;
			continue;
		}
		take = lp->len - lp->have < n ? lp->len - lp->have : n;
		memcpy(lp->der + lp->have, p, take);
		lp->have += take;
		p += take;
		n -= take;
		if (lp->have == lp->len) {
			a->leaf = lp->der;
			a->leaf_len = lp->len;
			lp->der = NULL;
			lp->done = true;
		}
	}
}

void tp_ciphers_suite_kx(uint16_t suite, bool *dhe, bool *kx)
{
	const struct tp_suite *s = tp_registry_suite(suite);

	*dhe = s != NULL && (s->kx == TP_KX_DHE || s->kx == TP_KX_DHE_PSK ||
			     (s->kx == TP_KX_DH && s->auth == TP_AUTH_NULL));
	*kx = s != NULL && (*dhe || s->kx == TP_KX_ECDHE ||
			    s->kx == TP_KX_ECDHE_PSK ||
			    (s->kx == TP_KX_ECDH && s->auth == TP_AUTH_NULL));
}

/* Checks the ServerHello against the hello that was sent; false with a
 * filled when the answer is a violation or a lower version. */
static bool hello_fits(const struct hello *h,
		       const struct tp_wire_client_hello *sent,
		       struct answer *a)
{
	if (tp_wire_server_hello_fault(&a->sh, sent, a->detail,
				       sizeof(a->detail)) < 0) {
		a->kind = ANS_VIOLATION;
		return false;
	}
	if (a->sh.version < h->version) {
		a->kind = ANS_LOWER;
		return false;
	}
	a->kind = ANS_ACCEPT;
	return true;
}

void tp_ciphers_alert_name(uint8_t desc, char *out, size_t size)
{
	const struct tp_alert_info *ai = tp_registry_alert(desc);

	if (ai != NULL)
		snprintf(out, size, "%s (%u)", ai->name, desc);
	else
		snprintf(out, size, "alert %u", desc);
}

/*
 * The alerts that answer a hello with "no": nothing in common (RFC 8446
 * section 4.1.1, RFC 5246 section 7.4.1.3: handshake_failure or
 * insufficient_security) or no version in common (RFC 8446 appendix D,
 * RFC 5246 appendix E.1: protocol_version). close_notify before any
 * answer is a close, which says no the same way. Any other alert says
 * the server failed, not that it refused what was offered.
 */
static bool refusal_alert(uint8_t desc)
{
	return desc == 0 || desc == 40 || desc == 70 || desc == 71;
}

/*
 * An alert before the ServerHello. Warnings (RFC 5246 section 7.2: the
 * connection may go on; RFC 6066 section 3: unrecognized_name is sent
 * so) are counted and read past, up to MAX_WARNINGS; true when the
 * answer is complete, with a filled.
 */
static bool early_alert(const struct tp_wire_event *ev, unsigned *warnings,
			uint8_t *last_warning, struct answer *a)
{
	char name[48], last[48];

	tp_ciphers_alert_name(ev->alert_desc, name, sizeof(name));
	tp_ciphers_alert_name(*last_warning, last, sizeof(last));
	if (ev->alert_level == 1 && !refusal_alert(ev->alert_desc)) {
		*last_warning = ev->alert_desc;
		if (++*warnings <= MAX_WARNINGS)
			return false;
		a->kind = ANS_ALERT;
		snprintf(a->detail, sizeof(a->detail), "a storm of warning "
			 "alerts instead of an answer: more than %u, the last "
			 "%s", MAX_WARNINGS, name);
		return true;
	}
	a->has_alert = true;
	a->alert = ev->alert_desc;
	a->kind = refusal_alert(ev->alert_desc) ? ANS_REFUSE : ANS_ALERT;
	if (*warnings == 0)
		snprintf(a->detail, sizeof(a->detail), "%s alert %s",
			 ev->alert_level == 1 ? "warning" : "fatal", name);
	else
		snprintf(a->detail, sizeof(a->detail), "%s alert %s after "
			 "%u warning alert%s (the last %s)",
			 ev->alert_level == 1 ? "warning" : "fatal", name,
			 *warnings, *warnings == 1 ? "" : "s", last);
	return true;
}

/* One answer being read: what read_answer's steps share. */
struct reading {
	const struct answer_reading *how;
	const struct hello *h;
	const struct tp_wire_client_hello *sent;
	bool hello_only;
	struct answer *a;
	size_t flight;          /* bytes after the ServerHello */
	bool have_sh, dhe, kx;
	bool need_leaf, need_kx;
	struct leaf_pieces lp;
	unsigned warnings;      /* warning alerts before the ServerHello */
	uint8_t last_warning;
};

/* Nothing more came by the deadline (rc 0) or the wait failed: what the
 * answer is then. */
static void no_more(struct reading *rg, int rc)
{
	struct answer *a = rg->a;
	double timeout_ms = rg->how->timeout_ms;

	if (rc == 0 && rg->how->out_of_time(rg->how->arg)) {
		/* the audit's end, not the server's doing */
		if (!rg->have_sh) {
			a->kind = ANS_STOPPED;
			snprintf(a->detail, sizeof(a->detail),
				 "cut by --max-time");
		}
	} else if (!rg->have_sh && rg->warnings > 0) {
		char last[48];

		tp_ciphers_alert_name(rg->last_warning, last, sizeof(last));
		a->kind = ANS_ALERT;
		snprintf(a->detail, sizeof(a->detail), "%u warning alert%s "
			 "(the last %s) and no answer within %.1f s",
			 rg->warnings, rg->warnings == 1 ? "" : "s", last,
			 timeout_ms / 1000);
	} else if (!rg->have_sh) {
		a->kind = ANS_TIMEOUT;
		snprintf(a->detail, sizeof(a->detail), "no answer to the "
			 "ClientHello within %.1f s", timeout_ms / 1000);
	} else {
		a->stalled = true;
	}
}

/* The connection ended (recv gave n <= 0) before any ServerHello. */
static void ended(struct answer *a, ssize_t n, int error)
{
	if (n < 0 && error == ECONNRESET) {
		a->kind = ANS_RESET;
		snprintf(a->detail, sizeof(a->detail), "the connection was "
			 "reset after the ClientHello");
	} else {
		a->kind = ANS_REFUSE;
		snprintf(a->detail, sizeof(a->detail), "the server closed the "
			 "connection without an answer");
	}
}

/* A record that is no handshake message: true when the answer is
 * complete, false when reading goes on (a warning alert read past). */
static bool other_record(struct reading *rg, const struct tp_wire_event *ev)
{
	struct answer *a = rg->a;

	switch (ev->kind) {
	case TP_WIRE_ALERT:
		return rg->have_sh || early_alert(ev, &rg->warnings,
						  &rg->last_warning, a);
	case TP_WIRE_NOT_TLS:
	case TP_WIRE_SSL2:
		if (rg->have_sh)
			return true;
		a->kind = ANS_NOT_TLS;
		snprintf(a->detail, sizeof(a->detail), "%s",
			 ev->kind == TP_WIRE_SSL2
			 ? "the answer is an SSL 2.0 record"
			 : "the answer is not a TLS record");
		return true;
	case TP_WIRE_BAD_RECORD:
		a->kind = ANS_VIOLATION;
		snprintf(a->detail, sizeof(a->detail), "the server sent a "
			 "record over the limits of TLS");
		return true;
	default:  /* CCS, encrypted records: the flight is over */
		if (!rg->have_sh) {
			a->kind = ANS_VIOLATION;
			snprintf(a->detail, sizeof(a->detail), "the server sent "
				 "content type %s before its ServerHello",
				 ev->kind == TP_WIRE_CCS ? "change_cipher_spec"
				 : "application data");
		}
		return true;
	}
}

/* The first handshake message, which must be the ServerHello (or HRR):
 * true when the answer is complete with it. */
static bool first_message(struct reading *rg, const struct tp_wire_event *ev)
{
	struct answer *a = rg->a;

	/* a ServerHello always fits the reader: one in pieces is over the
	 * largest legal one */
	if (ev->kind != TP_WIRE_HANDSHAKE ||
	    ev->hs_type != TP_WIRE_SERVER_HELLO ||
	    tp_wire_parse_server_hello(ev->body, ev->body_len, &a->sh) < 0) {
		a->kind = ANS_VIOLATION;
		snprintf(a->detail, sizeof(a->detail), "the server's first "
			 "message is not a valid ServerHello (handshake type "
			 "%u, %zu bytes)", ev->hs_type, ev->msg_len);
		return true;
	}
	rg->have_sh = true;
	if (!hello_fits(rg->h, rg->sent, a))
		return true;
	if (a->sh.version >= 0x0304 && rg->warnings > 0) {
		char last[48];

		/* RFC 8446 section 6.2: every error alert is sent fatal */
		tp_ciphers_alert_name(rg->last_warning, last, sizeof(last));
		a->kind = ANS_VIOLATION;
		snprintf(a->detail, sizeof(a->detail), "the server sent "
			 "warning alerts (the last %s) before a TLS 1.3 "
			 "ServerHello; in TLS 1.3 an error alert is always "
			 "fatal", last);
	}
	if (a->sh.version >= 0x0304)
		return true;
	tp_ciphers_suite_kx(a->sh.suite, &rg->dhe, &rg->kx);
	rg->need_leaf = rg->h->want_leaf && !rg->hello_only;
	rg->need_kx = rg->kx && !rg->hello_only;
	return false;
}

/* A piece of a message too long for the reader: a long Certificate goes
 * by in pieces and only its leaf is kept. */
static void message_part(struct reading *rg, const struct tp_wire_event *ev)
{
	bool last = ev->offset + ev->body_len == ev->msg_len;

	if (ev->hs_type == TP_WIRE_CERTIFICATE && rg->need_leaf) {
		leaf_piece(&rg->lp, ev->body, ev->body_len, rg->a);
		rg->need_leaf = !last && !rg->lp.done;
	}
	/* a ServerKeyExchange this long says nothing the audit can use,
	 * but it is over */
	if (ev->hs_type == TP_WIRE_SERVER_KEY_EXCHANGE && last)
		rg->need_kx = false;
}

/* A whole message of the flight after the ServerHello: true at its end
 * (ServerHelloDone). */
static bool flight_message(struct reading *rg, const struct tp_wire_event *ev)
{
	struct answer *a = rg->a;
	const uint8_t *der;
	size_t len;

	switch (ev->hs_type) {
	case TP_WIRE_CERTIFICATE:
		if (rg->need_leaf &&
		    tp_wire_parse_certificate(ev->body, ev->body_len, &der,
					      &len, 1) > 0) {
			a->leaf = malloc(len);
			if (a->leaf != NULL) {
				memcpy(a->leaf, der, len);
				a->leaf_len = len;
			}
		}
		rg->need_leaf = false;
		return false;
	case TP_WIRE_SERVER_KEY_EXCHANGE:
		if (rg->kx && tp_wire_parse_server_kx(ev->body, ev->body_len,
						      rg->dhe,
						      a->sh.version >= 0x0303,
						      &a->kx) == 0)
			a->has_kx = true;
		rg->need_kx = false;
		return false;
	case TP_WIRE_SERVER_HELLO_DONE:
		return true;
	default:
		return false;
	}
}

/* The records in n bytes just read: true when the answer is complete. */
static bool take_bytes(struct reading *rg, struct tp_wire_reader *rd,
		       const uint8_t *p, size_t left)
{
	struct tp_wire_event ev;

	if (rg->have_sh) {
		/* a flood never brings what the probe waits for: the same
		 * as a server that stops sending */
		rg->flight += left;
		if (rg->flight > MAX_FLIGHT) {
			rg->a->stalled = true;
			return true;
		}
	}
	for (;;) {
		tp_wire_reader_next(rd, &p, &left, &ev);
		if (ev.kind == TP_WIRE_NEED_MORE)
			return false;
		if (ev.kind != TP_WIRE_HANDSHAKE &&
		    ev.kind != TP_WIRE_HANDSHAKE_PART) {
			if (other_record(rg, &ev))
				return true;
		} else if (!rg->have_sh) {
			if (first_message(rg, &ev))
				return true;
		} else if (ev.kind == TP_WIRE_HANDSHAKE_PART) {
			message_part(rg, &ev);
		} else if (flight_message(rg, &ev)) {
			return true;
		}
	}
}

/*
 * Reads the server's answer to h until the probe has what it needs, and
 * no longer: the ServerHello (or HRR) is the answer; before TLS 1.3 the
 * leaf (when asked for) and the ServerKeyExchange of an (EC)DHE suite
 * come with it, unless hello_only. Everything shares one deadline, so a
 * server that trickles bytes gains nothing by it; a long Certificate
 * goes by in pieces and only its leaf is kept.
 */
void tp_ciphers_read_answer(const struct answer_reading *how, int fd,
			    struct tp_wire_reader *rd, struct answer *a)
{
	uint8_t buf[16384];
	struct reading rg = {
		.how = how, .h = how->h, .sent = how->sent,
		.hello_only = how->hello_only, .a = a,
	};

	tp_wire_reader_init(rd);
	while (!rg.have_sh || rg.need_leaf || rg.need_kx) {
		ssize_t n;
		int rc = tp_net_wait(fd, POLLIN, how->deadline);

		if (rc <= 0) {
			no_more(&rg, rc);
			break;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			if (!rg.have_sh)
				ended(a, n, errno);
			break;
		}
		if (take_bytes(&rg, rd, buf, (size_t)n))
			break;
	}
	free(rg.lp.der);
}
