/* Flows: TCP connections followed far enough to read their TLS
 * handshakes in bounded memory (each direction put in order by
 * tcpflow.c, its records and handshake messages split by tlsrec.c; what
 * they mean, and what is held, is decided here). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "flows.h"
#include "prelude.h"
#include "tcpflow.h"
#include "tlsrec.h"
#include "tcpwin.h"
#include "tunnel.h"

/* ---- outcome ---- */

/* The handshake got as far as both sides encrypting: TLS 1.3 once the
 * client sends an encrypted record that can hold its Finished (an
 * alert-sized one before it is the client giving up), older versions
 * once both sent change_cipher_spec. */
bool tp_flows_conn_established(const struct tp_tls_conn *c)
{
	if (c->has_server_hello && !c->sh.hrr && c->sh.version == 0x0304)
		return c->finished_client;
	return (c->ccs_client && c->ccs_server) ||
	       (c->appdata_client && c->appdata_server);
}

const char *tp_flows_conn_outcome(const struct tp_tls_conn *c)
{
	bool done = tp_flows_conn_established(c);

	/* RFC 8446 section 6: a fatal alert ends it; before the handshake
	 * is over any alert, encrypted or a warning, means it failed; a
	 * TLS 1.3 server's answer to the client's Finished that is only an
	 * alert-sized record and its close is the server refusing what the
	 * client sent (a certificate), as only an alert says */
	if (c->has_alert && (c->alert_level == 2 || c->alert_inferred ||
			     !done))
		return "alert";
	/* a reset or FIN after the handshake is how connections end */
	if (done)
		return "established";
	if (c->rst_client || c->rst_server)
		return "reset";
	if (c->fin_client || c->fin_server)
		return "closed";
	return "incomplete";
}

/* ---- following TCP connections ---- */

enum half_mode {
	HALF_WAIT,     /* no byte of the stream read yet (after a STARTTLS
			* prelude: no byte of its TLS part) */
	HALF_PRELUDE,  /* reading a plaintext prelude (prelude.c) */
	HALF_TLS,      /* reading TLS records */
	HALF_RECORDS,  /* handshake over: record headers in order only,
			* nothing held, until application data shows */
	HALF_COUNT,    /* not read any more: bytes and flags only */
};

/* History letters, one bit each per direction. */
static const char hist_letters[] = "SHADFRTG";
enum { H_SYN, H_SYNACK, H_ACK, H_DATA, H_FIN, H_RST, H_RETRANS, H_GAP };

/* One direction of a connection: its TCP state, kept for every flow. */
struct half {
	uint8_t mode;          /* enum half_mode */
	bool init;             /* next is known */
	bool syn, fin, rst, gap;
	bool ccs, appdata;
	bool enc_data;         /* it sent an encrypted record */
	bool finished_sized;   /* TLS 1.3 client: a record that can hold
				* its Finished */
	uint8_t after_finished;  /* TLS 1.3 server: records it began after
				  * that one (counted to 2) */
	uint8_t last_type;     /* the last record begun: type, length */
	uint16_t last_len;
	uint8_t letters;       /* history bits already given */
	uint32_t isn;
	uint32_t base;         /* relative sequence numbers count from it:
				* the ISN, or the byte before the first seen */
	struct tp_tcpflow tf;  /* the stream in order: the next byte to
				* deliver, the runs held out of order */
	uint32_t high;         /* the end of the highest byte seen */
	uint32_t fin_seq;
	size_t held;           /* bytes held: ooo, message, certificates,
				* hellos, the window */
	uint64_t bytes;
};

/*
 * One direction's record and handshake layers and its last bytes. A
 * flow gets the pair only when it carries data worth reading, and gives
 * it back once neither direction is read: a half-open connection, or
 * one that is not TLS, costs its struct flow and nothing more.
 */
struct reader {
	/* the record and handshake layers (RFC 8446 sections 5.1 and 4),
	 * read by tlsrec.c */
	struct tp_tlsrec rec;
	uint8_t rec_type;      /* the record under way */
	bool alert_seen;       /* its first alert was noted */
	bool encrypted;        /* its CCS (or a TLS 1.3 ServerHello) is past */
	uint8_t hs_type;       /* the message under way */
	uint8_t *msg;          /* a message being kept, or NULL */
	size_t msg_len, msg_size;
	/* the bytes delivered last, for copies that arrive again */
	struct tp_tcpwin win;
};

struct flow_key {
	uint8_t addr[2][16];   /* side 0 is the lower address:port */
	uint16_t port[2];
	uint8_t family;
	uint8_t pad[3];
};

struct flow {
	struct flow *hnext;    /* hash chain */
	struct flow *older, *newer;  /* by last activity */
	uint64_t hash;
	struct flow_key key;
	struct half h[2];
	struct reader *rd;     /* [2] while a direction is read, else NULL */
	int8_t client;         /* side 0 or 1, -1 unknown yet */
	bool client_known;
	int8_t tls;            /* 1 TLS, -1 not TLS, 0 not known yet */
	bool prelude_tried;    /* a prelude was looked for (once a flow) */
	uint8_t n_hist;
	int8_t alert_side;
	enum tp_starttls starttls;  /* the upgrade the server agreed to */
	uint8_t tunnel;        /* enum tp_tunnel_kind: the proxy tunnel it
				* opened */
	char *tunnel_target;   /* its target as the client named it
				* (unsanitised), or NULL */
	struct tp_prelude *pre;  /* while a prelude is read, else NULL:
				  * until the server's go-ahead nothing is
				  * TLS, whatever the client sent */
	double t_first, t_last;
	unsigned retransmissions;
	uint8_t hist[16];      /* letter index | side << 7, in order */
	/* what its TLS showed; the hellos are kept as they came and parsed
	 * when the connection is handed over, as a parsed ClientHello is
	 * ten times the size of a typical one */
	bool has_ch, has_sh, sh_hrr;
	bool has_alert, alert_encrypted;
	uint8_t alert_level, alert_desc;
	uint16_t sh_version, sh_suite;
	int8_t ch_side, sh_side, certs_side;
	uint8_t *ch, *sh;      /* the hellos' bodies */
	uint32_t ch_len, ch_size, sh_len, sh_size;
	uint8_t *certs;        /* the Certificate message kept */
	uint32_t certs_len, certs_size;
	/* copies of bytes that disagreed with the first copy */
	unsigned conflicts;
	int8_t conflict_side;
	uint32_t conflict_seq, conflict_bytes;
};

struct tp_flows {
	struct flow **table;
	size_t mask;
	size_t n, max_flows, max_buffer, max_held;
	struct flow *oldest, *newest;
	tp_conn_done_fn done;
	void *arg;
	size_t held;
	struct tp_tls_conn *conn;  /* the one handed over, and a scratch
				    * for checking messages as they come */
	struct tp_flows_stats stats;
};

/* TLS 1.3 after its ServerHello (not a HelloRetryRequest). */
static bool flow_tls13(const struct flow *fl)
{
	return fl->has_sh && !fl->sh_hrr && fl->sh_version == 0x0304;
}

/* RFC 8446 section 5.2: a TLS 1.3 record holds the content, its type
 * byte and the AEAD tag: 16 bytes for every suite but
 * TLS_AES_128_CCM_8_SHA256 (RFC 8446 appendix B.4), 8 for that one. */
static size_t tls13_tag(const struct flow *fl)
{
	return fl->sh_suite == 0x1305 ? 8 : 16;
}

/* The smallest record a Finished fits in (RFC 8446 section 4.4.4: the
 * HMAC of the suite's hash, SHA-384 for TLS_AES_256_GCM_SHA384, else
 * SHA-256 or longer), and the size of an unpadded alert (section 6). */
static size_t tls13_finished_min(const struct flow *fl)
{
	return 4 + (fl->sh_suite == 0x1302 ? 48 : 32) + 1 + tls13_tag(fl);
}

static bool tls13_alert_sized(const struct flow *fl, const struct half *h)
{
	return h->last_type == 23 && h->last_len == 2 + 1 + tls13_tag(fl);
}

/* An encrypted TLS 1.3 record begun: its outer type is
 * application_data, whatever it holds, so only its size and its place
 * tell anything. */
static void tls13_record(struct flow *fl, int side, size_t len)
{
	struct half *h = &fl->h[side];

	if (side == fl->client) {
		if (len >= tls13_finished_min(fl))
			h->finished_sized = true;
	} else if (fl->h[fl->client].finished_sized && h->after_finished < 2) {
		h->after_finished++;
	}
}

/* Whether a direction of a TLS 1.3 connection is still worth its record
 * headers once both sides sent encrypted records: the client's until it
 * sent what can be its Finished (an alert-sized record alone is no
 * Finished), the server's until it sent two records after that (one
 * alert-sized record and a close is a refusal). */
static bool tls13_watch(const struct flow *fl, int side)
{
	if (!flow_tls13(fl) || fl->client < 0)
		return false;
	if (side == fl->client)
		return !fl->h[side].finished_sized;
	return fl->h[side].after_finished < 2;
}

/* TLS 1.3 alerts travel encrypted (RFC 8446 section 5.2); one is known
 * by its size and its place: the client's last record before its
 * close, alert-sized, when it never sent what can be a Finished; the
 * server's only record after the client's Finished, alert-sized, and
 * its close. A plaintext alert seen wins. */
static void tls13_infer_alert(const struct flow *fl, struct tp_tls_conn *c,
			      int cl, int sv)
{
	const struct half *hc = &fl->h[cl], *hs = &fl->h[sv];

	if (c->has_alert || !flow_tls13(fl))
		return;
	if (!hc->finished_sized && hc->appdata && (hc->fin || hc->rst) &&
	    tls13_alert_sized(fl, hc))
		c->alert_from_server = false;
	else if (hc->finished_sized && hs->after_finished == 1 &&
		 (hs->fin || hs->rst) && tls13_alert_sized(fl, hs))
		c->alert_from_server = true;
	else
		return;
	c->has_alert = c->alert_encrypted = c->alert_inferred = true;
}

static void held_add(struct tp_flows *f, struct half *h, size_t n)
{
	h->held += n;
	f->held += n;
	if (f->held > f->stats.peak_bytes)
		f->stats.peak_bytes = f->held;
}

static void held_sub(struct tp_flows *f, struct half *h, size_t n)
{
	h->held -= n;
	f->held -= n;
}

/* Whether n more bytes fit both the direction's cap and the whole
 * run's; a stream refused for the whole run's is counted. */
static bool held_fits(struct tp_flows *f, const struct half *h, size_t n)
{
	if (h->held + n > f->max_buffer)
		return false;
	if (f->held + n > f->max_held) {
		f->stats.over_budget++;
		return false;
	}
	return true;
}

static void ooo_free(struct tp_flows *f, struct flow *fl, int side);

static void msg_free(struct tp_flows *f, struct flow *fl, int side)
{
	struct reader *r;

	if (fl->rd == NULL)
		return;
	r = &fl->rd[side];
	if (r->msg != NULL) {
		held_sub(f, &fl->h[side], r->msg_size);
		free(r->msg);
		r->msg = NULL;
	}
	r->msg_len = r->msg_size = 0;
}

static void window_free(struct tp_flows *f, struct flow *fl, int side)
{
	if (fl->rd != NULL)
		held_sub(f, &fl->h[side], tp_tcpwin_free(&fl->rd[side].win));
}

/* The direction is not read any more: what was held for it goes. */
static void half_stop(struct tp_flows *f, struct flow *fl, int side)
{
	fl->h[side].mode = HALF_COUNT;
	ooo_free(f, fl, side);
	msg_free(f, fl, side);
	window_free(f, fl, side);
}

/* The record layers, for a flow with data to read; NULL when memory
 * ran out. */
static struct reader *reader_get(struct flow *fl)
{
	if (fl->rd == NULL)
		fl->rd = calloc(2, sizeof(*fl->rd));
	return fl->rd;
}

/* Neither direction is read any more: the record layers go. */
static void reader_release(struct tp_flows *f, struct flow *fl)
{
	if (fl->rd == NULL || fl->h[0].mode != HALF_COUNT ||
	    fl->h[1].mode != HALF_COUNT)
		return;
	half_stop(f, fl, 0);
	half_stop(f, fl, 1);
	free(fl->rd);
	fl->rd = NULL;
}

static void history(struct flow *fl, int side, int letter)
{
	if (fl->h[side].letters & (1u << letter))
		return;
	fl->h[side].letters |= (uint8_t)(1u << letter);
	if (fl->n_hist < sizeof(fl->hist))
		fl->hist[fl->n_hist++] = (uint8_t)(letter | side << 7);
}

static void prelude_give_up(struct tp_flows *f, struct flow *fl);

static void half_gap(struct tp_flows *f, struct flow *fl, int side)
{
	struct half *h = &fl->h[side];

	if (!h->gap) {
		h->gap = true;
		f->stats.gaps++;
	}
	history(fl, side, H_GAP);
	half_stop(f, fl, side);
	/* a prelude with a hole cannot be followed to its end */
	if (fl->pre != NULL)
		prelude_give_up(f, fl);
}

/* A later copy of bytes of the stream disagreed with the first one,
 * which stays: noted, the first with where and how many bytes. */
static void note_conflict(struct tp_flows *f, struct flow *fl, int side,
			  uint32_t seq, size_t differ)
{
	f->stats.conflicts++;
	if (fl->conflicts++ > 0)
		return;
	fl->conflict_side = (int8_t)side;
	fl->conflict_seq = seq;
	fl->conflict_bytes = differ > UINT32_MAX ? UINT32_MAX
						 : (uint32_t)differ;
}

/* Both sides encrypt: the handshake is over, nothing more is held;
 * record headers are followed until both sides sent application data
 * (in TLS 1.3, until its end is known: tls13_watch). */
static void check_handshake_over(struct tp_flows *f, struct flow *fl)
{
	bool both = fl->h[0].appdata && fl->h[1].appdata;
	int i;

	if (!fl->h[0].enc_data || !fl->h[1].enc_data)
		return;
	for (i = 0; i < 2; i++) {
		if (both && !tls13_watch(fl, i)) {
			half_stop(f, fl, i);
		} else if (fl->h[i].mode == HALF_TLS) {
			ooo_free(f, fl, i);
			msg_free(f, fl, i);
			window_free(f, fl, i);
			fl->h[i].mode = HALF_RECORDS;
			/* the rest of a handshake record under way is not
			 * split any more */
			if (fl->rd != NULL &&
			    fl->rd[i].rec.body == TP_TLSREC_MESSAGES)
				tp_tlsrec_skip_record(&fl->rd[i].rec);
		}
	}
}

static void note_alert(struct flow *fl, int side, bool encrypted,
		       uint8_t level, uint8_t desc)
{
	/* the first alert is kept, unless a fatal one follows a warning */
	if (fl->has_alert && (fl->alert_level == 2 || level != 2))
		return;
	fl->has_alert = true;
	fl->alert_encrypted = encrypted;
	fl->alert_level = level;
	fl->alert_desc = desc;
	fl->alert_side = (int8_t)side;
}

/* Whether a handshake message is worth its bytes: the ClientHello, the
 * ServerHello, and the server's Certificate before TLS 1.3. */
static bool want_message(const struct flow *fl, int side, uint8_t type)
{
	switch (type) {
	case TP_WIRE_CLIENT_HELLO:
		return fl->client < 0 || fl->client == side;
	case TP_WIRE_SERVER_HELLO:
		return fl->client < 0 || fl->client != side;
	case TP_WIRE_CERTIFICATE:
		return fl->client >= 0 && fl->client != side &&
		       fl->has_sh && !fl->sh_hrr && fl->sh_version < 0x0304 &&
		       fl->certs == NULL;
	default:
		return false;
	}
}

/* The message just read becomes the flow's: *keep (freed first, if
 * any) takes it over, still counted as held by its direction. */
static void keep_message(struct tp_flows *f, struct flow *fl, int side,
			 uint8_t **keep, uint32_t *len, uint32_t *size,
			 int8_t *keep_side)
{
	struct reader *r = &fl->rd[side];

	if (*keep != NULL) {
		held_sub(f, &fl->h[*keep_side], *size);
		free(*keep);
	}
	/* (a message is at most TP_WIRE_MAX_MESSAGE bytes) */
	*keep = r->msg;
	*len = (uint32_t)r->msg_len;
	*size = (uint32_t)r->msg_size;
	*keep_side = (int8_t)side;
	r->msg = NULL;
	r->msg_len = r->msg_size = 0;
}

/* A message is whole: parsed to check it (into the scratch), and the
 * ones worth it kept as they are. */
static void message_done(struct tp_flows *f, struct flow *fl, int side)
{
	struct reader *r = &fl->rd[side];
	struct tp_tls_conn *c = f->conn;
	int n;

	switch (r->hs_type) {
	case TP_WIRE_CLIENT_HELLO:
		/* after a HelloRetryRequest one is read but the first one
		 * stays, as fingerprints take the first */
		if (tp_wire_parse_client_hello(r->msg, r->msg_len, &c->ch) < 0 ||
		    fl->has_ch)
			break;
		keep_message(f, fl, side, &fl->ch, &fl->ch_len, &fl->ch_size,
			     &fl->ch_side);
		fl->has_ch = true;
		if (fl->client < 0) {
			fl->client = (int8_t)side;
			fl->client_known = true;
		}
		return;
	case TP_WIRE_SERVER_HELLO:
		if (tp_wire_parse_server_hello(r->msg, r->msg_len, &c->sh) < 0)
			break;
		/* a HelloRetryRequest gives way to the ServerHello after it */
		keep_message(f, fl, side, &fl->sh, &fl->sh_len, &fl->sh_size,
			     &fl->sh_side);
		fl->has_sh = true;
		fl->sh_hrr = c->sh.hrr;
		fl->sh_version = c->sh.version;
		fl->sh_suite = c->sh.suite;
		if (fl->client < 0) {
			fl->client = (int8_t)!side;
			fl->client_known = true;
		}
		/* RFC 8446 section 2: everything after it is encrypted */
		if (!c->sh.hrr && c->sh.version == 0x0304)
			r->encrypted = true;
		return;
	case TP_WIRE_CERTIFICATE:
		n = tp_wire_parse_certificate(r->msg, r->msg_len, c->certs,
					      c->cert_len, TP_CONN_MAX_CERTS);
		if (n < 0)
			break;
		/* the message itself holds the certificates until the end */
		keep_message(f, fl, side, &fl->certs, &fl->certs_len,
			     &fl->certs_size, &fl->certs_side);
		return;
	default:
		break;
	}
	msg_free(f, fl, side);
}

/* The direction a callback of the readers underneath is about. */
struct side_ref {
	struct tp_flows *f;
	struct flow *fl;
	int side;
};

/* A handshake message of a plaintext record begins: only those worth
 * reading are copied. */
static void rec_message(void *arg, uint8_t type, uint32_t len)
{
	struct side_ref *s = arg;
	struct half *h = &s->fl->h[s->side];
	struct reader *r = &s->fl->rd[s->side];

	r->hs_type = type;
	/* a Certificate may be far over 64 KiB (a leaf with thousands of
	 * names, a long chain): only the caps on what is held bound it, as
	 * for the stream */
	if (want_message(s->fl, s->side, type) &&
	    (len <= TP_WIRE_MAX_MESSAGE || type == TP_WIRE_CERTIFICATE) &&
	    held_fits(s->f, h, (size_t)len + 1)) {
		r->msg_size = len > 0 ? len : 1;
		r->msg = malloc(r->msg_size);
		if (r->msg != NULL)
			held_add(s->f, h, r->msg_size);
		else
			r->msg_size = 0;
		r->msg_len = 0;
	}
}

static void rec_message_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct side_ref *s = arg;
	struct reader *r = &s->fl->rd[s->side];

	if (r->msg != NULL) {
		memcpy(r->msg + r->msg_len, p, n);
		r->msg_len += n;
	}
}

static void rec_message_end(void *arg)
{
	struct side_ref *s = arg;
	struct reader *r = &s->fl->rd[s->side];

	if (r->msg != NULL)
		message_done(s->f, s->fl, s->side);
	/* a TLS 1.3 ServerHello: what follows it is not read */
	if (r->encrypted)
		tp_tlsrec_skip_record(&r->rec);
}

/* The first alert of a record that is read. */
static void rec_alert(void *arg, uint8_t level, uint8_t desc)
{
	struct side_ref *s = arg;
	struct reader *r = &s->fl->rd[s->side];

	if (r->alert_seen)
		return;
	r->alert_seen = true;
	note_alert(s->fl, s->side, false, level, desc);
}

static bool rec_reading(void *arg)
{
	struct side_ref *s = arg;

	return s->fl->h[s->side].mode != HALF_COUNT;
}

/* The hellos and the certificates kept go, and the alert with them. */
static void conn_clear(struct tp_flows *f, struct flow *fl)
{
	if (fl->ch != NULL) {
		held_sub(f, &fl->h[fl->ch_side], fl->ch_size);
		free(fl->ch);
	}
	if (fl->sh != NULL) {
		held_sub(f, &fl->h[fl->sh_side], fl->sh_size);
		free(fl->sh);
	}
	if (fl->certs != NULL) {
		held_sub(f, &fl->h[fl->certs_side], fl->certs_size);
		free(fl->certs);
	}
	fl->ch = fl->sh = fl->certs = NULL;
	fl->has_ch = fl->has_sh = fl->has_alert = false;
}

/* The first bytes of the first stream decide whether the connection
 * is TLS at all (or, after a STARTTLS prelude, the first bytes after
 * the upgrade command). */
static void not_tls(struct tp_flows *f, struct flow *fl, int side)
{
	if (fl->pre != NULL) {
		prelude_give_up(f, fl);
	} else if (fl->tls == 0) {
		fl->tls = -1;
		half_stop(f, fl, 0);
		half_stop(f, fl, 1);
	} else {
		half_stop(f, fl, side);
	}
}

/* ---- STARTTLS: the plaintext before TLS (prelude.c) ---- */

/* The prelude is over: a direction still in it is not read any more. */
static void prelude_free(struct tp_flows *f, struct flow *fl)
{
	int i;

	if (fl->pre == NULL)
		return;
	for (i = 0; i < 2; i++)
		if (fl->h[i].mode == HALF_PRELUDE)
			half_stop(f, fl, i);
	tp_prelude_free(fl->pre);
	fl->pre = NULL;
	f->stats.preludes--;
}

/* Not a prelude followed here, one past its bound or with a hole, or
 * an upgrade refused: no TLS on this connection, whatever its client
 * sent after asking (the server took none of it for TLS). */
static void prelude_give_up(struct tp_flows *f, struct flow *fl)
{
	fl->tls = -1;
	half_stop(f, fl, 0);
	half_stop(f, fl, 1);
	prelude_free(f, fl);
	conn_clear(f, fl);
}

/*
 * A stream whose first byte b cannot start a TLS record may be a
 * STARTTLS prelude: then both directions are read as one. Once per
 * connection, before any TLS, with the client known (the flow began
 * with its SYN) and the other direction not read yet.
 */
static bool prelude_start(struct tp_flows *f, struct flow *fl, int side,
			  uint8_t b)
{
	struct half *o = &fl->h[!side];

	if (fl->prelude_tried || fl->tls != 0 || fl->client < 0 ||
	    o->mode != HALF_WAIT || !tp_tlsrec_at_record(&fl->rd[!side].rec))
		return false;
	fl->prelude_tried = true;
	fl->pre = tp_prelude_new(side == fl->client, b);
	if (fl->pre == NULL)
		return false;
	fl->h[0].mode = fl->h[1].mode = HALF_PRELUDE;
	if (++f->stats.preludes > f->stats.peak_preludes)
		f->stats.peak_preludes = f->stats.preludes;
	return true;
}

/* The proxy opened the tunnel: what the client asked for is kept for
 * the handshake's record (a name at most 255 bytes long). */
static void tunnel_open(struct tp_flows *f, struct flow *fl,
			const struct tp_tunnel *t)
{
	fl->tunnel = (uint8_t)tp_tunnel_kind(t);
	free(fl->tunnel_target);
	fl->tunnel_target = strndup(t->target, t->target_len);
	f->stats.tunnels++;
}

/* Bytes of a prelude, in order. Returns how many it read: when this
 * direction's TLS starts, the rest is TLS. */
static size_t prelude_bytes(struct tp_flows *f, struct flow *fl, int side,
			    const uint8_t *p, size_t n)
{
	enum tp_prelude_step step;
	size_t took = tp_prelude_read(fl->pre, side == fl->client, p, n,
				      &step);

	switch (step) {
	case TP_PRELUDE_MORE:
		break;
	case TP_PRELUDE_TLS:
		fl->h[side].mode = HALF_WAIT;
		if (side != fl->client) {
			/* the go-ahead, which comes only after the command */
			if (tp_prelude_tunnel(fl->pre) != NULL)
				tunnel_open(f, fl, tp_prelude_tunnel(fl->pre));
			else
				f->stats.starttls++;
			fl->starttls = tp_prelude_protocol(fl->pre);
			prelude_free(f, fl);
		}
		break;
	case TP_PRELUDE_REFUSED:
		if (tp_prelude_tunnel(fl->pre) != NULL)
			f->stats.tunnels_refused++;
		else
			f->stats.starttls_refused++;
		prelude_give_up(f, fl);
		break;
	case TP_PRELUDE_NOT_OURS:
		prelude_give_up(f, fl);
		break;
	}
	return took;
}

/* A whole record header was read: RFC 8446 section 5.1 (and RFC 5246
 * section 6.2.1): types 20-23, major version 3, a bounded length. */
static void record_start(struct tp_flows *f, struct flow *fl, int side,
			 const uint8_t *hdr)
{
	struct half *h = &fl->h[side];
	struct reader *r = &fl->rd[side];
	uint8_t type = hdr[0];
	size_t len = (size_t)hdr[3] << 8 | hdr[4];

	if (type < 20 || type > 23 || hdr[1] != 3 ||
	    len > TP_WIRE_MAX_RECORD || (len == 0 && type == 22) ||
	    (len < 2 && type == 21 && !r->encrypted)) {
		if (h->mode == HALF_WAIT)
			not_tls(f, fl, side);
		else
			half_stop(f, fl, side);
		return;
	}
	if (h->mode == HALF_WAIT) {
		if (fl->tls < 0) {
			half_stop(f, fl, side);
			return;
		}
		fl->tls = 1;
		h->mode = HALF_TLS;
	}
	r->rec_type = type;
	r->alert_seen = false;
	h->last_type = type;
	h->last_len = (uint16_t)len;
	if (type == 23 && flow_tls13(fl) && fl->client >= 0)
		tls13_record(fl, side, len);
	if (h->mode == HALF_RECORDS) {
		/* alerts now are encrypted and close_notify as often as
		 * not: not read, but for TLS 1.3's plaintext ones */
		if (type == 23) {
			h->appdata = true;
			check_handshake_over(f, fl);
		}
		return;
	}
	switch (type) {
	case 20:
		h->ccs = true;
		/* TLS 1.3 sends it only for middleboxes (RFC 8446 appendix
		 * D.4): after a HelloRetryRequest the hellos stay plaintext */
		if (!(fl->has_sh && (fl->sh_hrr || fl->sh_version == 0x0304)))
			r->encrypted = true;
		break;
	case 21:
		/* TLS 1.3 encrypts an alert in an application_data record
		 * (RFC 8446 section 5.2): one of type 21 is plaintext */
		if (r->encrypted && !flow_tls13(fl)) {
			note_alert(fl, side, true, 0, 0);
			h->enc_data = true;
		}
		break;
	case 22:
		if (r->encrypted)
			h->enc_data = true;
		break;
	case 23:
		h->appdata = true;
		h->enc_data = true;
		break;
	}
	check_handshake_over(f, fl);
}

/* How the body of the record just begun is read: the handshake while
 * it is plaintext, alerts while they are (TLS 1.3 sends its plaintext
 * ones in type 21 records), nothing else. */
static enum tp_tlsrec_body rec_record(void *arg, const uint8_t hdr[5])
{
	struct side_ref *s = arg;
	const struct reader *r = &s->fl->rd[s->side];
	enum half_mode mode;

	record_start(s->f, s->fl, s->side, hdr);
	mode = (enum half_mode)s->fl->h[s->side].mode;
	if (mode == HALF_COUNT)
		return TP_TLSREC_STOP;
	if (r->rec_type == 22 && mode == HALF_TLS && !r->encrypted)
		return TP_TLSREC_MESSAGES;
	if (r->rec_type == 21 && (!r->encrypted || flow_tls13(s->fl)))
		return TP_TLSREC_ALERTS;
	return TP_TLSREC_SKIP;
}

/* Bytes of the stream in order, to the record layer. */
static void stream_bytes(struct tp_flows *f, struct flow *fl, int side,
			 const uint8_t *p, size_t n)
{
	struct half *h = &fl->h[side];
	struct reader *r = &fl->rd[side];
	struct side_ref ref = {f, fl, side};
	const struct tp_tlsrec_ops o = {rec_record, rec_message,
					rec_message_bytes, rec_message_end,
					rec_alert, rec_reading, &ref};
	size_t take;

	while (n > 0 && h->mode != HALF_COUNT) {
		if (h->mode == HALF_PRELUDE) {
			take = prelude_bytes(f, fl, side, p, n);
		} else if (tp_tlsrec_at_record(&r->rec) &&
			   h->mode == HALF_WAIT && (p[0] < 20 || p[0] > 23)) {
			/* refuse a stream at its first byte that cannot
			 * start a record (HTTP, SSH, a banner), unless it
			 * may be a STARTTLS prelude */
			if (!prelude_start(f, fl, side, p[0]))
				not_tls(f, fl, side);
			continue;
		} else {
			take = tp_tlsrec_feed(&r->rec, &o, p, n);
		}
		p += take;
		n -= take;
	}
}

/* Bytes [seq, seq+n) in order: to the record layer, and remembered
 * while the stream is read before its handshake is over (the bytes a
 * later copy is checked against). */
static void deliver(struct tp_flows *f, struct flow *fl, int side,
		    uint32_t seq, const uint8_t *p, size_t n)
{
	struct half *h = &fl->h[side];
	struct tp_tcpwin *w = &fl->rd[side].win;
	size_t limit = f->max_buffer / 8, room, grown;

	if (n == 0)
		return;
	stream_bytes(f, fl, side, p, n);
	/* (a prelude's plaintext is not kept: it is read as it comes) */
	if (h->mode == HALF_TLS) {
		/* the window takes what the caps leave, never more */
		room = f->max_buffer > h->held ? f->max_buffer - h->held : 0;
		if (f->max_held - f->held < room)
			room = f->max_held > f->held ? f->max_held - f->held
						     : 0;
		if (limit > (size_t)w->cap + room)
			limit = (size_t)w->cap + room;
		grown = tp_tcpwin_add(w, seq, p, n, limit);
		if (grown > 0)
			held_add(f, h, grown);
	}
}

/* ---- one direction's stream, put in order by tcpflow.c ---- */

static void on_deliver(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct side_ref *s = arg;

	deliver(s->f, s->fl, s->side, seq, p, n);
}

/* A copy of bytes [seq, seq+n) already delivered: checked against the
 * window's first copy, as far as it still holds them. */
static void on_again(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct side_ref *s = arg;
	uint32_t first = 0;
	size_t differ;

	if (s->fl->rd == NULL || n == 0)
		return;
	differ = tp_tcpwin_compare(&s->fl->rd[s->side].win, seq, p, n, NULL,
				   &first);
	if (differ > 0)
		note_conflict(s->f, s->fl, s->side, first, differ);
}

static void on_conflict(void *arg, uint32_t first, size_t differ)
{
	struct side_ref *s = arg;

	note_conflict(s->f, s->fl, s->side, first, differ);
}

static bool on_hold(void *arg, size_t cost)
{
	struct side_ref *s = arg;
	struct half *h = &s->fl->h[s->side];

	if (!held_fits(s->f, h, cost))
		return false;
	held_add(s->f, h, cost);
	return true;
}

static void on_release(void *arg, size_t cost)
{
	struct side_ref *s = arg;

	held_sub(s->f, &s->fl->h[s->side], cost);
}

static void on_gap(void *arg)
{
	struct side_ref *s = arg;

	half_gap(s->f, s->fl, s->side);
}

static void on_stop(void *arg)
{
	struct side_ref *s = arg;

	half_stop(s->f, s->fl, s->side);
}

/* A direction still held (HALF_RECORDS) is not worth holding anything
 * for any more once its bytes come out of order. */
static enum tp_tcpflow_want on_want(void *arg)
{
	struct side_ref *s = arg;

	switch (s->fl->h[s->side].mode) {
	case HALF_COUNT:
		return TP_TCPFLOW_OFF;
	case HALF_RECORDS:
		return TP_TCPFLOW_IN_ORDER;
	default:
		return TP_TCPFLOW_READ;
	}
}

static void side_ops(struct side_ref *ref, struct tp_tcpflow_ops *o)
{
	*o = (struct tp_tcpflow_ops){
		.deliver = on_deliver, .again = on_again,
		.conflict = on_conflict, .hold = on_hold,
		.release = on_release, .gap = on_gap, .stop = on_stop,
		.want = on_want, .arg = ref,
	};
}

static void ooo_free(struct tp_flows *f, struct flow *fl, int side)
{
	struct side_ref ref = {f, fl, side};
	struct tp_tcpflow_ops o;

	side_ops(&ref, &o);
	tp_tcpflow_free(&fl->h[side].tf, &o);
}

/* A segment's payload: present bytes len of wire bytes on the wire. */
static void segment_data(struct tp_flows *f, struct flow *fl, int side,
			 uint32_t seq, const uint8_t *p, size_t len,
			 size_t wire)
{
	struct side_ref ref = {f, fl, side};
	struct tp_tcpflow_ops o;

	if (reader_get(fl) == NULL) {
		half_gap(f, fl, side);
		return;
	}
	side_ops(&ref, &o);
	tp_tcpflow_segment(&fl->h[side].tf, &o, seq, p, len, wire);
}

/* ---- the table of flows ---- */

static uint64_t key_hash(const struct flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ull, w;
	size_t i;

	for (i = 0; i < sizeof(*k); i += 8) {
		memcpy(&w, b + i, 8);
		h ^= w;
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

/* The flow's key with the lower end first, and the packet's side. */
static int make_key(const struct tp_pkt *p, struct flow_key *k)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int c = memcmp(p->src, p->dst, alen);
	int side = c > 0 || (c == 0 && p->sport > p->dport);

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)p->family;
	memcpy(k->addr[side], p->src, alen);
	memcpy(k->addr[!side], p->dst, alen);
	k->port[side] = p->sport;
	k->port[!side] = p->dport;
	return side;
}

static struct flow *lookup(struct tp_flows *f, const struct flow_key *k,
			   uint64_t hash)
{
	struct flow *fl;

	for (fl = f->table[hash & f->mask]; fl != NULL; fl = fl->hnext)
		if (fl->hash == hash && memcmp(&fl->key, k, sizeof(*k)) == 0)
			return fl;
	return NULL;
}

static void lru_unlink(struct tp_flows *f, struct flow *fl)
{
	if (fl->older != NULL)
		fl->older->newer = fl->newer;
	else
		f->oldest = fl->newer;
	if (fl->newer != NULL)
		fl->newer->older = fl->older;
	else
		f->newest = fl->older;
	fl->older = fl->newer = NULL;
}

static void lru_push(struct tp_flows *f, struct flow *fl)
{
	fl->older = f->newest;
	fl->newer = NULL;
	if (f->newest != NULL)
		f->newest->newer = fl;
	else
		f->oldest = fl;
	f->newest = fl;
}

static void render_history(const struct flow *fl, char *out, size_t size)
{
	size_t i, n = 0;
	int letter, side;
	char ch;

	for (i = 0; i < fl->n_hist && n + 1 < size; i++) {
		letter = fl->hist[i] & 0x7f;
		side = fl->hist[i] >> 7;
		ch = hist_letters[letter];
		/* capitals for the client, lower case for the server */
		out[n++] = side == fl->client ? ch : (char)(ch - 'A' + 'a');
	}
	out[n] = '\0';
}

/* The connection as the caller sees it, in the scratch: the hellos and
 * certificates kept are parsed now (they parsed when they came). */
static struct tp_tls_conn *conn_fill(struct tp_flows *f, struct flow *fl,
				     bool evicted)
{
	struct tp_tls_conn *c = f->conn;
	int cl, sv, n;

	if (fl->client < 0)
		/* the lower port is the server's */
		fl->client = fl->key.port[0] < fl->key.port[1] ? 1 : 0;
	cl = fl->client;
	sv = !cl;
	memset(c, 0, sizeof(*c));
	c->tls = true;
	if (fl->has_ch)
		c->has_client_hello =
			tp_wire_parse_client_hello(fl->ch, fl->ch_len,
						   &c->ch) == 0;
	if (!c->has_client_hello)
		memset(&c->ch, 0, sizeof(c->ch));
	if (fl->has_sh)
		c->has_server_hello =
			tp_wire_parse_server_hello(fl->sh, fl->sh_len,
						   &c->sh) == 0;
	if (!c->has_server_hello)
		memset(&c->sh, 0, sizeof(c->sh));
	if (fl->certs != NULL) {
		n = tp_wire_parse_certificate(fl->certs, fl->certs_len,
					      c->certs, c->cert_len,
					      TP_CONN_MAX_CERTS);
		c->n_certs = n < 0 ? 0 : n < TP_CONN_MAX_CERTS ? (size_t)n
							      : TP_CONN_MAX_CERTS;
	}
	c->client_known = fl->client_known;
	tp_capture_endpoint(fl->key.family, fl->key.addr[cl], fl->key.port[cl],
			    c->client, sizeof(c->client));
	tp_capture_endpoint(fl->key.family, fl->key.addr[sv], fl->key.port[sv],
			    c->server, sizeof(c->server));
	c->t_first = fl->t_first;
	c->t_last = fl->t_last;
	render_history(fl, c->history, sizeof(c->history));
	c->has_alert = fl->has_alert;
	c->alert_level = fl->alert_level;
	c->alert_desc = fl->alert_desc;
	c->alert_encrypted = fl->alert_encrypted;
	c->alert_from_server = c->has_alert && fl->alert_side == sv;
	tls13_infer_alert(fl, c, cl, sv);
	c->finished_client = fl->h[cl].finished_sized;
	c->ccs_client = fl->h[cl].ccs;
	c->ccs_server = fl->h[sv].ccs;
	c->appdata_client = fl->h[cl].appdata;
	c->appdata_server = fl->h[sv].appdata;
	c->fin_client = fl->h[cl].fin;
	c->fin_server = fl->h[sv].fin;
	c->rst_client = fl->h[cl].rst;
	c->rst_server = fl->h[sv].rst;
	c->gap = fl->h[0].gap || fl->h[1].gap;
	c->evicted = evicted;
	c->retransmissions = fl->retransmissions;
	c->bytes_client = fl->h[cl].bytes;
	c->bytes_server = fl->h[sv].bytes;
	c->starttls = fl->starttls;
	c->tunnel = (enum tp_tunnel_kind)fl->tunnel;
	c->tunnel_target = fl->tunnel_target;
	c->tcp_conflicts = fl->conflicts;
	if (fl->conflicts > 0) {
		c->conflict_from_server = fl->conflict_side == sv;
		c->conflict_seq = fl->conflict_seq;
		c->conflict_offset = fl->conflict_seq -
				     fl->h[fl->conflict_side].base;
		c->conflict_bytes = fl->conflict_bytes;
	}
	return c;
}

/* Hands a connection over (when it carried TLS) and forgets it. */
static void flow_end(struct tp_flows *f, struct flow *fl, bool evicted)
{
	struct flow **link;

	/* (a client's TLS records the server never agreed to are none) */
	if (fl->tls > 0 && fl->pre == NULL) {
		f->stats.tls_flows++;
		if (fl->conflicts > 0)
			f->stats.conflict_flows++;
		if (f->done != NULL)
			f->done(f->arg, conn_fill(f, fl, evicted));
	} else if (fl->tunnel != TP_TUNNEL_NONE) {
		f->stats.tunnels_without_tls++;
	}
	for (link = &f->table[fl->hash & f->mask]; *link != fl;
	     link = &(*link)->hnext)
		;
	*link = fl->hnext;
	lru_unlink(f, fl);
	f->n--;
	prelude_free(f, fl);
	half_stop(f, fl, 0);
	half_stop(f, fl, 1);
	free(fl->rd);
	conn_clear(f, fl);
	free(fl->tunnel_target);
	free(fl);
}

static struct flow *flow_new(struct tp_flows *f, const struct flow_key *k,
			     uint64_t hash, double t)
{
	struct flow *fl;

	if (f->n >= f->max_flows && f->oldest != NULL) {
		f->stats.evicted++;
		flow_end(f, f->oldest, true);
	}
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		return NULL;
	fl->key = *k;
	fl->hash = hash;
	fl->client = -1;
	fl->alert_side = -1;
	fl->t_first = fl->t_last = t;
	fl->hnext = f->table[hash & f->mask];
	f->table[hash & f->mask] = fl;
	lru_push(f, fl);
	f->n++;
	f->stats.flows++;
	return fl;
}

struct tp_flows *tp_flows_new(size_t max_flows, size_t max_buffer,
			      tp_conn_done_fn done, void *arg)
{
	struct tp_flows *f = calloc(1, sizeof(*f));
	size_t buckets = 16;

	if (f == NULL)
		return NULL;
	f->max_flows = max_flows > 0 ? max_flows : TP_FLOWS_MAX_FLOWS;
	f->max_buffer = max_buffer > 0 ? max_buffer : TP_FLOWS_MAX_BUFFER;
	f->max_held = TP_FLOWS_MAX_HELD;
	while (buckets < f->max_flows * 2 && buckets < ((size_t)1 << 24))
		buckets *= 2;
	f->table = calloc(buckets, sizeof(*f->table));
	f->conn = malloc(sizeof(*f->conn));
	if (f->table == NULL || f->conn == NULL) {
		free(f->table);
		free(f->conn);
		free(f);
		return NULL;
	}
	f->mask = buckets - 1;
	f->done = done;
	f->arg = arg;
	return f;
}

/* Whether bytes of [seq, end) were seen before: delivered, or held out
 * of order (a segment that merely arrives late is no retransmission). */
static bool seen_before(const struct half *h, uint32_t seq, uint32_t end)
{
	if (!tp_seq_lt(seq, h->high))
		return false;
	if (h->mode == HALF_COUNT || h->mode == HALF_RECORDS ||
	    tp_seq_lt(seq, h->tf.next))
		return true;
	return tp_tcpflow_holds(&h->tf, seq, end);
}

/* Counts a payload's bytes once, and tells a retransmission. */
static void count_payload(struct flow *fl, int side, uint32_t seq,
			  size_t wire)
{
	struct half *h = &fl->h[side];
	uint32_t end = seq + (uint32_t)wire;

	if (!h->init) {
		h->init = true;
		tp_tcpflow_start(&h->tf, seq);
		h->high = seq;
		h->base = seq - 1;
	}
	if (seen_before(h, seq, end)) {
		fl->retransmissions++;
		history(fl, side, H_RETRANS);
	}
	if (tp_seq_lt(h->high, end)) {
		h->bytes += end - (tp_seq_lt(seq, h->high) ? h->high : seq);
		h->high = end;
	}
}

/* The flow a segment belongs to (*side its direction), begun by it
 * when it can begin one, or NULL. */
static struct flow *packet_flow(struct tp_flows *f, const struct tp_pkt *p,
				int *side)
{
	struct flow_key k;
	struct flow *fl;
	uint64_t hash;
	bool syn = (p->flags & TP_TCP_SYN) != 0;
	bool ack = (p->flags & TP_TCP_ACK) != 0;

	*side = make_key(p, &k);
	hash = key_hash(&k);
	fl = lookup(f, &k, hash);
	/* a new SYN on a port pair in use: the old connection is over */
	if (fl != NULL && syn && !ack &&
	    ((fl->h[*side].syn && fl->h[*side].isn != p->seq) ||
	     (!fl->h[*side].syn && fl->h[*side].init))) {
		flow_end(f, fl, false);
		fl = NULL;
	}
	if (fl == NULL) {
		/* a bare ACK, FIN or RST of an unknown flow says nothing;
		 * nor does data that is not a handshake record: the tail of
		 * a connection that ended (segments after its reset), or the
		 * middle of one the capture joined late */
		if (!syn && (p->wire_payload == 0 || p->len < 2 ||
			     p->payload[0] != 22 || p->payload[1] != 3))
			return NULL;
		return flow_new(f, &k, hash, p->t);
	}
	if (fl != f->newest) {
		lru_unlink(f, fl);
		lru_push(f, fl);
	}
	return fl;
}

void tp_flows_add(struct tp_flows *f, const struct tp_pkt *p)
{
	struct flow *fl;
	struct half *h, *o;
	uint32_t expected, seq;
	bool syn = (p->flags & TP_TCP_SYN) != 0;
	bool ack = (p->flags & TP_TCP_ACK) != 0;
	int side;

	f->stats.frames++;
	if (p->family != 4 && p->family != 6) {
		f->stats.other++;
		return;
	}
	f->stats.tcp++;
	if (p->icmp)
		return;
	fl = packet_flow(f, p, &side);
	if (fl == NULL)
		return;
	fl->t_last = p->t;
	h = &fl->h[side];
	o = &fl->h[!side];

	if (syn && !ack) {
		history(fl, side, H_SYN);
		fl->client = side;
		fl->client_known = true;
	} else if (syn) {
		history(fl, side, H_SYNACK);
		if (!o->syn || fl->client < 0) {
			fl->client = !side;
			fl->client_known = true;
		}
	}
	if (p->flags & TP_TCP_RST)
		history(fl, side, H_RST);
	if (p->flags & TP_TCP_FIN)
		history(fl, side, H_FIN);
	if (p->wire_payload > 0)
		history(fl, side, H_DATA);
	else if (ack && !(p->flags & (TP_TCP_SYN | TP_TCP_FIN | TP_TCP_RST)))
		history(fl, side, H_ACK);

	seq = p->seq;
	if (syn) {
		if (!h->syn && !h->init) {
			h->isn = seq;
			h->init = true;
			tp_tcpflow_start(&h->tf, seq + 1);
			h->high = seq + 1;
			h->base = seq;
		}
		h->syn = true;
		seq++;
	}
	/* the other side acknowledged bytes this capture never showed */
	if (ack && o->init && o->mode != HALF_COUNT) {
		expected = o->tf.next;
		if (o->fin && o->fin_seq == expected)
			expected++;
		if (tp_seq_lt(expected, p->ack)) {
			o->tf.next = p->ack;
			if (o->mode == HALF_RECORDS)
				half_stop(f, fl, !side);
			else
				half_gap(f, fl, !side);
		}
	}
	if (p->wire_payload > 0) {
		count_payload(fl, side, seq, p->wire_payload);
		if (h->mode != HALF_COUNT)
			segment_data(f, fl, side, seq, p->payload, p->len,
				     p->wire_payload);
	}
	if (p->flags & TP_TCP_FIN) {
		if (!h->init) {
			h->init = true;
			tp_tcpflow_start(&h->tf, seq);
		h->high = seq;
			h->base = seq - 1;
		}
		h->fin = true;
		h->fin_seq = seq + (uint32_t)p->wire_payload;
	}
	if (p->flags & TP_TCP_RST) {
		h->rst = true;
		flow_end(f, fl, false);
		return;
	}
	if (h->fin && o->fin)
		flow_end(f, fl, false);
	else
		reader_release(f, fl);
}

void tp_flows_flush(struct tp_flows *f)
{
	while (f->oldest != NULL)
		flow_end(f, f->oldest, false);
}

void tp_flows_stats(const struct tp_flows *f, struct tp_flows_stats *s)
{
	*s = f->stats;
}

void tp_flows_free(struct tp_flows *f)
{
	struct flow *fl;

	if (f == NULL)
		return;
	/* without handing anything over: the caller is done listening */
	f->done = NULL;
	while ((fl = f->oldest) != NULL)
		flow_end(f, fl, false);
	free(f->table);
	free(f->conn);
	free(f);
}
