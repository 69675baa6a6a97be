/*
 * --capture: the packets of one probe's own flows, read by a thread from
 * a live capture that is open before the first SYN, turned into the
 * report's timeline (flags, lengths, TTLs, retransmissions, the TLS
 * messages each segment carries) and into evidence for the findings.
 * Each direction's bytes are put in order by tcpflow.c and their records
 * read by tlsrec.c; what is livecap's own is which way a packet goes,
 * the timeline, TTLs, retransmissions, holes, resets and ICMP errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "capture.h"
#include "livecap.h"
#include "livecap_int.h"
#include "registry.h"
#include "tcpflow.h"
#include "tlsrec.h"
#include "tcpwin.h"
#include "wire.h"

#define MAX_ENDPOINTS 16
#define MAX_FLOWS 4096
#define RING 64          /* segments remembered per direction */
#define MAX_OUT_SEGS 48  /* our data segments followed for their ACKs */
#define SMALL_SEGMENT 576  /* RFC 791: every path carries this much */
#define MAX_RECORD (16384 + 2048)
#define CAP_NET_RAW_BIT 13
#define MAX_STORED 200000  /* per-flow timelines, all flows together */
#define WINDOW 2048      /* bytes remembered per direction for later
			  * copies; 16 MiB at most over MAX_FLOWS */
#define CLOSED_TTL_MS 10000.0  /* a closed flow nobody took */
#define EXPIRE_EVERY_MS 1000.0


struct seg {
	uint32_t seq, len;
	uint8_t syn_fin;
	int idx;              /* its place in the timeline, -1 past the cap */
};

struct out_seg {
	uint32_t seq, len;
	unsigned sent;
};

/* One direction of a flow: its byte stream, read for TLS record and
 * handshake headers only (nothing is buffered but headers), and its
 * segments, for retransmissions. */
struct dir_state {
	bool started;
	struct tp_tcpflow flow;   /* its bytes, in order */
	bool any_data;
	bool off;             /* not TLS: stop reading */
	bool lost;            /* a gap: look for a record header again */
	bool encrypted;       /* after change_cipher_spec */
	struct tp_tlsrec rec; /* its records and handshake headers */
	uint8_t rec_type;
	/* a handshake record after change_cipher_spec: TLS 1.2 encrypts
	 * it, TLS 1.3 sends the CCS for middleboxes only (RFC 8446 appendix
	 * D.4) and the hellos after a HelloRetryRequest stay in the clear;
	 * its first four bytes say which */
	bool peeking, clear_record;
	/* a ServerHello's version and random, read before it is named */
	uint8_t hello_head[34];
	unsigned hello_have;
	bool hello_pending;
	char current[48];     /* the message under way, for continuations */
	struct seg ring[RING];
	unsigned n_ring;
	bool has_ack;
	uint32_t max_ack;     /* the highest ACK sent this way */
	uint64_t gap_bytes, filled_bytes;
	unsigned max_len, data_segments;
	/* the last bytes delivered while its handshake is read, and the
	 * later copies of them that differed (the first copy is read) */
	struct tp_tcpwin win;
	unsigned conflicts;
};

struct flow {
	int family;
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	struct dir_state out, in;
	unsigned syns;
	bool syn_ack;
	int syn_ack_ttl, peer_ttl;
	unsigned resets_in;
	int reset_ttl;
	bool reset_after_hello;
	bool hello;
	uint32_t hello_seq, hello_len;
	unsigned hello_sent;
	double hello_first, hello_last;
	bool hello_answered;
	struct out_seg outs[MAX_OUT_SEGS];
	unsigned n_outs;
	struct tp_livecap_icmp icmp[TP_LIVECAP_MAX_ICMP];
	size_t n_icmp;
	/* a connection to our listening port: local is the server's end,
	 * the ClientHello comes in */
	bool served;
	bool syn_in;               /* the client's SYN */
	int syn_in_ttl;
	/* per-flow timelines (a server's capture) */
	struct tp_packet *tl;
	size_t n_tl, cap_tl;
	unsigned long long more;
	double last_t;             /* capture clock, ms */
	bool fin_in, fin_out, rst;
};

struct endpoint {
	int family;
	uint8_t addr[16];
};

struct tp_livecap {
	struct tp_capture *cap;
	struct endpoint ends[MAX_ENDPOINTS];
	size_t n_ends;
	uint16_t port;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	double stop_at;       /* tp_now_ms() clock; 0 while running */
	struct flow *flows;
	size_t n_flows, cap_flows;
	struct tp_packet tl[TP_LIVECAP_MAX_PACKETS]; /* t_ms: absolute */
	size_t n_tl;
	unsigned long long more;  /* packets past the cap */
	unsigned long long lost_told; /* kernel drops a report has named */
	unsigned long long read_errors;
	/* a server's capture: its listening addresses (any4/any6 for a
	 * wildcard) on svc_port; each flow keeps its own timeline until
	 * taken, or until it is idle or closed for long */
	bool per_flow;
	struct endpoint svc[MAX_ENDPOINTS];
	size_t n_svc;
	bool svc_any4, svc_any6;
	uint16_t svc_port;
	double idle_ms;
	double latest_t, last_expire;  /* capture clock, ms */
	size_t stored;                 /* packets in every flow's timeline */
};

/* ---- permission ---- */

/* Whether the effective capability set holds CAP_NET_RAW. */
static bool have_net_raw(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");
	bool found = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && (caps & (1ULL << CAP_NET_RAW_BIT)) != 0;
}

static void not_permitted(const struct tp_livecap_opts *o,
			  struct tp_error *err)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		snprintf(exe, sizeof(exe), "the tlsprobe binary");
	else
		exe[n] = '\0';
	tp_error_set(err, TP_ERR_RUNTIME, "{capture}: capture on %s not "
		     "permitted: run as root or grant CAP_NET_RAW (setcap "
		     "cap_net_raw+ep %s)", o->iface ? o->iface : "any", exe);
}

int tp_livecap_check(const struct tp_livecap_opts *o, struct tp_error *err)
{
	const char *user = o->user ? o->user : "nobody";

	if (geteuid() != 0) {
		if (!have_net_raw()) {
			not_permitted(o, err);
			return -1;
		}
		return 0;
	}
	errno = 0;
	if (getpwnam(user) == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "{user} %s: no such user to "
			     "run as once the capture is open: name an "
			     "existing unprivileged user", user);
		return -1;
	}
	return 0;
}

/* Started as root: nothing after the capture needs it. */
static int drop_privileges(const char *user, struct tp_error *err)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "{user} %s: no such user to "
			     "run as once the capture is open: name an "
			     "existing unprivileged user", user);
		return -1;
	}
	if (pw->pw_uid == 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "{user} %s: cannot switch to "
			     "uid %u gid %u: %s", user, (unsigned)pw->pw_uid,
			     (unsigned)pw->pw_gid, strerror(errno));
		err->sys_errno = errno;
		return -1;
	}
	/* a drop that could be undone is no drop */
	if (setuid(0) == 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "{user} %s: root could be "
			     "regained after switching users", user);
		return -1;
	}
	return 0;
}

/* ---- the filter ---- */

static int append(char *buf, size_t size, size_t *used, const char *fmt,
		  ...) TP_PRINTF(4, 5);

static int append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= size)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

static uint32_t word(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int tp_livecap_filter(const struct sockaddr_storage *endpoints, size_t n,
		      unsigned port, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	size_t used = 0, i;

	if (append(buf, size, &used, "(tcp and (") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct sockaddr *sa =
			(const struct sockaddr *)&endpoints[i];
		const void *a = sa->sa_family == AF_INET6
			? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
			: (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

		if (inet_ntop(sa->sa_family, a, host, sizeof(host)) == NULL)
			return -1;
		if (append(buf, size, &used, "%s(src host %s and src port %u)"
			   " or (dst host %s and dst port %u)", i ? " or " : "",
			   host, port, host, port) < 0)
			return -1;
	}
	if (append(buf, size, &used, "))") < 0)
		return -1;
	/* ICMP errors quoting a segment we sent to an endpoint: the quoted
	 * IP header follows the 8-byte ICMP header (RFC 792, RFC 4443) */
	for (i = 0; i < n; i++) {
		const struct sockaddr *sa =
			(const struct sockaddr *)&endpoints[i];

		if (sa->sa_family == AF_INET) {
			const uint8_t *a = (const uint8_t *)
				&((const struct sockaddr_in *)sa)->sin_addr;

			if (append(buf, size, &used, " or (icmp and (icmp[0] "
				   "= 3 or icmp[0] = 11 or icmp[0] = 12) and "
				   "icmp[24:4] = 0x%08x and icmp[30:2] = %u)",
				   word(a), port) < 0)
				return -1;
		} else if (sa->sa_family == AF_INET6) {
			const uint8_t *a = ((const struct sockaddr_in6 *)sa)
				->sin6_addr.s6_addr;

			if (append(buf, size, &used, " or (ip6 and ip6[6] = 58"
				   " and ip6[40] >= 1 and ip6[40] <= 4 and "
				   "ip6[72:4] = 0x%08x and ip6[76:4] = 0x%08x "
				   "and ip6[80:4] = 0x%08x and ip6[84:4] = "
				   "0x%08x and ip6[90:2] = %u)", word(a),
				   word(a + 4), word(a + 8), word(a + 12),
				   port) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- names ---- */

void tp_livecap_icmp_name(bool v6, uint8_t type, uint8_t code, uint16_t mtu,
			  char *buf, size_t size)
{
	static const char *const unreach4[] = {
		"net unreachable", "host unreachable", "protocol unreachable",
		"port unreachable", "fragmentation needed",
		"source route failed", "net unknown", "host unknown",
		"source host isolated", "net prohibited", "host prohibited",
		"net unreachable for TOS", "host unreachable for TOS",
		"communication prohibited", "host precedence violation",
		"precedence cutoff",
	};
	static const char *const unreach6[] = {
		"no route", "administratively prohibited", "beyond scope",
		"address unreachable", "port unreachable",
		"source address failed policy", "reject route",
	};
	const char *what = NULL;

	if (!v6 && type == 3 && code < sizeof(unreach4) / sizeof(*unreach4))
		what = unreach4[code];
	else if (v6 && type == 1 &&
		 code < sizeof(unreach6) / sizeof(*unreach6))
		what = unreach6[code];
	if ((!v6 && type == 3 && code == 4) || (v6 && type == 2)) {
		snprintf(buf, size, "%s (MTU %u)", v6 ? "packet too big"
			 : "fragmentation needed", mtu);
		return;
	}
	if (what != NULL)
		snprintf(buf, size, "%s%s", v6 ? "ICMPv6 " : "ICMP ", what);
	else if ((!v6 && type == 11) || (v6 && type == 3))
		snprintf(buf, size, "%stime exceeded", v6 ? "ICMPv6 " : "ICMP ");
	else if ((!v6 && type == 12) || (v6 && type == 4))
		snprintf(buf, size, "%sparameter problem",
			 v6 ? "ICMPv6 " : "ICMP ");
	else
		snprintf(buf, size, "%s type %u code %u",
			 v6 ? "ICMPv6" : "ICMP", type, code);
}

static void flags_name(uint8_t f, char *buf, size_t size)
{
	size_t n = 0;

	if ((f & TP_TCP_SYN) && n + 1 < size)
		buf[n++] = 'S';
	if ((f & TP_TCP_FIN) && n + 1 < size)
		buf[n++] = 'F';
	if ((f & TP_TCP_RST) && n + 1 < size)
		buf[n++] = 'R';
	if ((f & TP_TCP_PSH) && n + 1 < size)
		buf[n++] = 'P';
	if ((f & TP_TCP_ACK) && n + 1 < size)
		buf[n++] = 'A';
	buf[n] = '\0';
}

/* ---- TLS labels ---- */

/* The names a segment carries, comma-separated, each once in a row. */
struct label {
	char *buf;
	size_t size;
	char last[48];
	bool full;
	bool client_hello;     /* a ClientHello began in the segment */
};

static void label_add(struct label *lb, const char *name)
{
	size_t used = strlen(lb->buf), k = strlen(name);

	if (lb->full || strcmp(lb->last, name) == 0)
		return;
	snprintf(lb->last, sizeof(lb->last), "%s", name);
	if (used + (used ? 2 : 0) + k < lb->size) {
		snprintf(lb->buf + used, lb->size - used, "%s%s",
			 used ? ", " : "", name);
		return;
	}
	/* no room: say that more followed (whole, or not at all: a cut
	 * character would not be UTF-8) */
	lb->full = true;
	if (used + strlen(", …") < lb->size)
		snprintf(lb->buf + used, lb->size - used, ", …");
}

static void reset_records(struct dir_state *d)
{
	tp_tlsrec_reset(&d->rec);
	d->hello_pending = false;
}

static bool record_header_ok(const uint8_t *h)
{
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 &&
	       ((uint32_t)h[3] << 8 | h[4]) <= MAX_RECORD;
}

/* One direction's records being named into one segment's label. */
struct naming {
	struct dir_state *d;
	struct label *lb;
};

static void name_current(struct naming *nm, const char *name)
{
	snprintf(nm->d->current, sizeof(nm->d->current), "%s", name);
	label_add(nm->lb, name);
}

/* A whole record header: the record named, or how its body is read. */
static enum tp_tlsrec_body name_record(void *arg, const uint8_t hdr[5])
{
	struct naming *nm = arg;
	struct dir_state *d = nm->d;
	enum tp_tlsrec_body body = TP_TLSREC_SKIP;

	if (!record_header_ok(hdr)) {
		label_add(nm->lb, "not TLS");
		d->off = true;
		return TP_TLSREC_STOP;
	}
	d->rec_type = hdr[0];
	d->peeking = d->clear_record = false;
	switch (d->rec_type) {
	case 20:
		name_current(nm, "ChangeCipherSpec");
		d->encrypted = true;
		break;
	case 21:
		if (d->encrypted)
			name_current(nm, "Alert(encrypted)");
		else
			body = TP_TLSREC_ALERTS;
		break;
	case 22:
		/* after change_cipher_spec its first four bytes say whether
		 * it is a hello in the clear */
		if (d->encrypted) {
			d->peeking = true;
			tp_tlsrec_reset_messages(&d->rec);
		}
		body = TP_TLSREC_MESSAGES;
		break;
	case 23:
		name_current(nm, "ApplicationData");
		break;
	case 24:
		name_current(nm, "Heartbeat");
		break;
	}
	return body;
}

/* A handshake message begins: named, but a ServerHello, named once its
 * random is read. A ClientHello is told by its type. */
static void name_message(void *arg, uint8_t type, uint32_t len)
{
	struct naming *nm = arg;
	struct dir_state *d = nm->d;
	char buf[40];

	if (d->peeking) {
		d->peeking = false;
		/* a ClientHello or ServerHello filling the record */
		d->clear_record = (type == TP_WIRE_CLIENT_HELLO ||
				   type == TP_WIRE_SERVER_HELLO) &&
				  len + 4 == d->rec.len;
		if (!d->clear_record) {
			name_current(nm, "EncryptedHandshake");
			tp_tlsrec_skip_record(&d->rec);
			return;
		}
	}
	if (type == TP_WIRE_CLIENT_HELLO)
		nm->lb->client_hello = true;
	if (type == TP_WIRE_SERVER_HELLO && len >= sizeof(d->hello_head)) {
		d->hello_have = 0;
		d->hello_pending = true;
		return;
	}
	name_current(nm, tp_registry_handshake_name(type, buf, sizeof(buf)));
}

/* A ServerHello's version and random, read before it is named: the
 * random tells a HelloRetryRequest (RFC 8446 section 4.1.3). */
static void name_message_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct naming *nm = arg;
	struct dir_state *d = nm->d;
	size_t take = sizeof(d->hello_head) - d->hello_have;

	if (!d->hello_pending)
		return;
	if (take > n)
		take = n;
	memcpy(d->hello_head + d->hello_have, p, take);
	d->hello_have += (unsigned)take;
	if (d->hello_have < sizeof(d->hello_head))
		return;
	d->hello_pending = false;
	name_current(nm, tp_wire_is_hrr_random(d->hello_head + 2)
		     ? "HelloRetryRequest" : "ServerHello");
}

static void name_message_end(void *arg)
{
	(void)arg;
}

static void name_alert(void *arg, uint8_t level, uint8_t desc)
{
	struct naming *nm = arg;
	const struct tp_alert_info *a = tp_registry_alert(desc);
	char name[48];

	if (a != NULL)
		snprintf(name, sizeof(name), "Alert(%s, %s)", level == 2
			 ? "fatal" : level == 1 ? "warning" : "?", a->name);
	else
		snprintf(name, sizeof(name), "Alert(%u, %u)", level, desc);
	name_current(nm, name);
}

static bool name_reading(void *arg)
{
	return !((struct naming *)arg)->d->off;
}

/* What the first bytes of a stream that is not TLS are. */
static const char *not_tls_name(const uint8_t *p, size_t n)
{
	if (n >= 10 && memcmp(p, "TLSPROBE/1", 10) == 0)
		return "side channel";
	if (n >= 3 && (p[0] & 0x80) && (p[2] == 1 || p[2] == 4))
		return "SSLv2";
	return "not TLS";
}

/* The first bytes of a direction, and the first after a gap: whether
 * reading goes on. */
static bool stream_resync(struct dir_state *d, const uint8_t *p, size_t n,
			  struct label *lb)
{
	if (n > 0 && !d->any_data) {
		d->any_data = true;
		if (n >= 2 && !(p[0] >= 20 && p[0] <= 24 && p[1] == 3)) {
			label_add(lb, not_tls_name(p, n));
			d->off = true;
			return false;
		}
	}
	if (n > 0 && d->lost) {
		/* after a gap: read on only from a segment that starts a
		 * record */
		if (n < 5 || !record_header_ok(p))
			return false;
		d->lost = false;
		reset_records(d);
	}
	return true;
}

/* Reads the bytes of one direction in order, naming each record and
 * handshake message that starts in them. */
static void stream_feed(struct dir_state *d, const uint8_t *p, size_t n,
			struct label *lb)
{
	struct naming nm = {d, lb};
	const struct tp_tlsrec_ops o = {name_record, name_message,
					name_message_bytes, name_message_end,
					name_alert, name_reading, &nm};

	if (stream_resync(d, p, n, lb) && !d->off)
		tp_tlsrec_feed(&d->rec, &o, p, n);
}

/* ---- flows ---- */

static bool is_endpoint(const struct tp_livecap *lc, int family,
			const uint8_t *addr)
{
	size_t i, k = family == 6 ? 16 : 4;

	for (i = 0; i < lc->n_ends; i++)
		if (lc->ends[i].family == family &&
		    memcmp(lc->ends[i].addr, addr, k) == 0)
			return true;
	return false;
}

static struct flow *flow_find(struct tp_livecap *lc, int family,
			      const uint8_t *local, uint16_t lport,
			      const uint8_t *remote, uint16_t rport)
{
	size_t i, k = family == 6 ? 16 : 4;
	struct flow *f;

	for (i = lc->n_flows; i-- > 0;) {
		f = &lc->flows[i];
		if (f->family == family && f->lport == lport &&
		    f->rport == rport && memcmp(f->local, local, k) == 0 &&
		    memcmp(f->remote, remote, k) == 0)
			return f;
	}
	if (lc->n_flows == MAX_FLOWS)
		return NULL;
	if (lc->n_flows == lc->cap_flows) {
		size_t want = lc->cap_flows ? lc->cap_flows * 2 : 16;
		struct flow *p = realloc(lc->flows, want * sizeof(*p));

		if (p == NULL)
			return NULL;
		lc->flows = p;
		lc->cap_flows = want;
	}
	f = &lc->flows[lc->n_flows++];
	memset(f, 0, sizeof(*f));
	f->family = family;
	memcpy(f->local, local, k);
	memcpy(f->remote, remote, k);
	f->lport = lport;
	f->rport = rport;
	f->syn_ack_ttl = f->peer_ttl = f->reset_ttl = f->syn_in_ttl = -1;
	return f;
}

/* Forgets flow i (per-flow captures); the last one takes its place. */
static void flow_drop(struct tp_livecap *lc, size_t i)
{
	struct flow *f = &lc->flows[i];

	lc->stored -= f->n_tl;
	free(f->tl);
	tp_tcpwin_free(&f->out.win);
	tp_tcpwin_free(&f->in.win);
	if (i != lc->n_flows - 1)
		*f = lc->flows[lc->n_flows - 1];
	lc->n_flows--;
}

/* Where the next packet of f goes in its own timeline, or NULL past the
 * caps (it is counted then). */
static struct tp_packet *flow_slot(struct tp_livecap *lc, struct flow *f,
				   int *idx)
{
	if (f->n_tl >= TP_LIVECAP_MAX_PACKETS || lc->stored >= MAX_STORED) {
		f->more++;
		return NULL;
	}
	if (f->n_tl == f->cap_tl) {
		size_t want = f->cap_tl ? f->cap_tl * 2 : 32;
		struct tp_packet *p;

		if (want > TP_LIVECAP_MAX_PACKETS)
			want = TP_LIVECAP_MAX_PACKETS;
		p = realloc(f->tl, want * sizeof(*p));
		if (p == NULL) {
			f->more++;
			return NULL;
		}
		f->tl = p;
		f->cap_tl = want;
	}
	*idx = (int)f->n_tl;
	lc->stored++;
	return &f->tl[f->n_tl++];
}

static struct tp_packet *timeline_at(struct tp_livecap *lc, struct flow *f,
				     int idx)
{
	return lc->per_flow ? &f->tl[idx] : &lc->tl[idx];
}

/* An address:port the server listens on. */
static bool is_service(const struct tp_livecap *lc, int family,
		       const uint8_t *addr, uint16_t port)
{
	size_t i, k = family == 6 ? 16 : 4;

	if (lc->svc_port == 0 || port != lc->svc_port)
		return false;
	if ((family == 4 && lc->svc_any4) || (family == 6 && lc->svc_any6))
		return true;
	for (i = 0; i < lc->n_svc; i++)
		if (lc->svc[i].family == family &&
		    memcmp(lc->svc[i].addr, addr, k) == 0)
			return true;
	return false;
}

/* The earlier segment this one repeats (same seq, length, SYN/FIN), or
 * NULL. Pure ACKs repeat nothing. */
static struct seg *seen_before(struct dir_state *d, uint32_t seq,
			       uint32_t len, uint8_t syn_fin)
{
	unsigned i, n = d->n_ring < RING ? d->n_ring : RING;

	if (len == 0 && syn_fin == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (d->ring[i].seq == seq && d->ring[i].len == len &&
		    d->ring[i].syn_fin == syn_fin)
			return &d->ring[i];
	return NULL;
}

static void remember(struct dir_state *d, uint32_t seq, uint32_t len,
		     uint8_t syn_fin, int idx)
{
	if (len == 0 && syn_fin == 0)
		return;
	d->ring[d->n_ring % RING] = (struct seg){seq, len, syn_fin, idx};
	d->n_ring++;
}

static void note_out_seg(struct flow *f, uint32_t seq, uint32_t len)
{
	unsigned i;

	for (i = 0; i < f->n_outs; i++)
		if (f->outs[i].seq == seq && f->outs[i].len == len) {
			f->outs[i].sent++;
			return;
		}
	if (f->n_outs < MAX_OUT_SEGS)
		f->outs[f->n_outs++] = (struct out_seg){seq, len, 1};
}

/* Counts n more of error e in the list: with the same kind when the
 * list has it, else as a kind of its own while there is room. */
static void count_icmp(struct tp_livecap_icmp *list, size_t *n_list,
		       const struct tp_livecap_icmp *e)
{
	size_t i;

	for (i = 0; i < *n_list; i++)
		if (list[i].type == e->type && list[i].code == e->code &&
		    list[i].mtu == e->mtu && list[i].v6 == e->v6) {
			list[i].n += e->n;
			return;
		}
	if (*n_list < TP_LIVECAP_MAX_ICMP)
		list[(*n_list)++] = *e;
}

static void note_icmp(struct flow *f, const struct tp_pkt *p)
{
	struct tp_livecap_icmp e = {p->icmp_type, p->icmp_code, p->icmp_mtu,
				    p->family == 6, 1};

	count_icmp(f->icmp, &f->n_icmp, &e);
}

/* Which way a packet goes and whose flow it is. *out: from this host;
 * *ours_src: it (or the segment an ICMP error quotes) came from this
 * host's end of the flow; *served: a connection to our listening port.
 * False when it is about none of ours. */
static bool packet_side(const struct tp_livecap *lc, const struct tp_pkt *p,
			bool *out, bool *ours_src, bool *served)
{
	*ours_src = *served = false;
	if (p->icmp) {
		/* the segment it quotes went to an endpoint, or came from our
		 * listening port: it is about ours; the other way round, our
		 * stack sent it */
		if (is_endpoint(lc, p->family, p->dst) &&
		    p->dport == lc->port)
			*ours_src = true;
		else if (is_service(lc, p->family, p->src, p->sport))
			*ours_src = *served = true;
		else if (is_service(lc, p->family, p->dst, p->dport))
			*served = true;
		else if (lc->per_flow && !(is_endpoint(lc, p->family, p->src) &&
					   p->sport == lc->port))
			return false;
		*out = !*ours_src;
		return true;
	}
	if (is_endpoint(lc, p->family, p->dst) && p->dport == lc->port) {
		*out = *ours_src = true;
	} else if (is_endpoint(lc, p->family, p->src) &&
		   p->sport == lc->port) {
		*out = false;
	} else if (is_service(lc, p->family, p->dst, p->dport)) {
		*out = false;
		*served = true;
	} else if (is_service(lc, p->family, p->src, p->sport)) {
		*out = *ours_src = *served = true;
	} else {
		return false;
	}
	return true;
}

/* The packet's entry in the timeline (NULL past the caps), with what
 * every packet has; *idx its place, -1 for none. */
static struct tp_packet *timeline_add(struct tp_livecap *lc, struct flow *f,
				      const struct tp_pkt *p, bool out,
				      int *idx)
{
	struct tp_packet *tl = NULL;

	*idx = -1;
	if (lc->per_flow) {
		if (f != NULL)
			tl = flow_slot(lc, f, idx);
	} else if (lc->n_tl < TP_LIVECAP_MAX_PACKETS) {
		*idx = (int)lc->n_tl;
		tl = &lc->tl[lc->n_tl++];
	} else {
		lc->more++;
	}
	if (tl != NULL) {
		memset(tl, 0, sizeof(*tl));
		tl->t_ms = p->t * 1000;
		tl->incoming = !out;
		tl->ttl = p->ttl;
	}
	return tl;
}

/* Whether the segment repeats an earlier one (then marked, with the
 * TLS that one carried); one that does not is remembered. */
static bool retransmission(struct tp_livecap *lc, struct flow *f,
			   struct dir_state *d, struct tp_packet *tl,
			   const struct tp_pkt *p, int idx)
{
	uint8_t syn_fin = p->flags & (TP_TCP_SYN | TP_TCP_FIN);
	uint32_t len = (uint32_t)p->wire_payload;
	const struct seg *orig = seen_before(d, p->seq, len, syn_fin);

	if (orig == NULL) {
		remember(d, p->seq, len, syn_fin, idx);
		return false;
	}
	if (tl != NULL) {
		tl->retransmission = true;
		if (orig->idx >= 0)
			memcpy(tl->tls, timeline_at(lc, f, orig->idx)->tls,
			       sizeof(tl->tls));
	}
	return true;
}

/* What a segment from this host shows: SYNs, our data for its ACKs. */
static void note_out(struct flow *f, const struct tp_pkt *p)
{
	if (p->flags & TP_TCP_SYN)
		f->syns++;
	if (p->wire_payload > 0)
		note_out_seg(f, p->seq, (uint32_t)p->wire_payload);
}

/* What a segment from the far end shows: its SYN (or SYN-ACK) and its
 * TTL, resets, the sizes of its data segments. */
static void note_in(struct flow *f, struct dir_state *d,
		    const struct tp_pkt *p)
{
	uint32_t len = (uint32_t)p->wire_payload;

	if ((p->flags & (TP_TCP_SYN | TP_TCP_ACK)) ==
	    (TP_TCP_SYN | TP_TCP_ACK) && !f->syn_ack) {
		f->syn_ack = true;
		f->syn_ack_ttl = p->ttl;
	} else if ((p->flags & TP_TCP_SYN) && !f->syn_in) {
		f->syn_in = true;
		f->syn_in_ttl = p->ttl;
	}
	if (p->flags & TP_TCP_RST) {
		if (f->resets_in++ == 0) {
			f->reset_ttl = p->ttl;
			f->reset_after_hello = f->hello;
		}
	} else if (f->peer_ttl < 0) {
		f->peer_ttl = p->ttl;
	}
	if (len > 0) {
		d->data_segments++;
		if (len > d->max_len)
			d->max_len = len;
	}
}

/* The evidence in a segment's TCP header; the ClientHello goes out from
 * a client, in to a server. */
static void note_tcp(struct flow *f, struct dir_state *d,
		     const struct tp_pkt *p, bool out)
{
	uint32_t len = (uint32_t)p->wire_payload;
	bool hello_dir = out != f->served;

	if (p->flags & TP_TCP_ACK) {
		if (!d->has_ack || tp_seq_le(d->max_ack, p->ack))
			d->max_ack = p->ack;
		d->has_ack = true;
	}
	if (p->flags & TP_TCP_RST)
		f->rst = true;
	if (p->flags & TP_TCP_FIN) {
		if (out)
			f->fin_out = true;
		else
			f->fin_in = true;
	}
	if (hello_dir && f->hello && p->seq == f->hello_seq &&
	    len == f->hello_len) {
		f->hello_sent++;
		f->hello_last = p->t * 1000;
	}
	if (len > 0 && f->hello && !hello_dir)
		f->hello_answered = true;
	if (out)
		note_out(f, p);
	else
		note_in(f, d, p);
}

/* ---- the byte stream, put in order by tcpflow.c ---- */

/* One segment's reading of its direction's stream. */
struct reading {
	struct dir_state *d;
	struct label *lb;
	bool delivered;        /* it carried bytes not seen before */
	bool conflict;         /* and bytes seen before, with other values */
};

static void on_deliver(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct reading *r = arg;
	struct dir_state *d = r->d;

	r->delivered = true;
	stream_feed(d, p, n, r->lb);
	/* kept while the handshake is plaintext */
	if (!d->off && !d->encrypted)
		tp_tcpwin_add(&d->win, seq, p, n, WINDOW);
	else if (d->win.cap > 0)
		tp_tcpwin_free(&d->win);
}

/* Bytes delivered before, sent again: the same ones, or a copy that
 * disagrees with the first (capture.c checks the same). */
static void on_again(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct reading *r = arg;

	if (tp_tcpwin_compare(&r->d->win, seq, p, n, NULL, NULL) > 0)
		r->conflict = true;
}

/* bytes the snaplen cut */
static void on_gap(void *arg)
{
	((struct reading *)arg)->d->lost = true;
}

/* Bytes never seen before the segment at seq: a loss before the capture
 * saw them, or one it missed; reading goes on from it. Bytes it repeats
 * are either known or fill such a hole. */
static void count_hole(struct dir_state *d, const struct tp_tcpflow_ops *o,
		       uint32_t seq, size_t wire)
{
	uint32_t next = d->flow.next, old;

	if (tp_seq_lt(next, seq)) {
		d->gap_bytes += seq - next;
		d->lost = true;
		tp_tcpflow_skip(&d->flow, o, seq);
	} else if (tp_seq_lt(seq, next)) {
		old = next - seq;
		d->filled_bytes += old < wire ? old : wire;
	}
}

/* The segment's bytes to its direction's stream (a repeat only checked
 * against the first copy), the TLS they carry named in lb. */
static void read_stream(struct dir_state *d, const struct tp_pkt *p,
			bool repeat, struct label *lb, struct tp_packet *tl)
{
	uint32_t seq = p->seq + ((p->flags & TP_TCP_SYN) ? 1 : 0);
	struct reading r = {d, lb, false, false};
	/* nothing is held out of order: each segment is named as it
	 * comes, and reading goes on after a hole (count_hole) from a
	 * record's start; the stream is followed even when not TLS */
	const struct tp_tcpflow_ops o = {.deliver = on_deliver,
					 .again = on_again, .gap = on_gap,
					 .arg = &r};

	if (p->flags & TP_TCP_SYN) {
		d->started = true;
		tp_tcpflow_start(&d->flow, seq);
	}
	if (p->wire_payload > 0) {
		if (!d->started) {
			d->started = true;
			tp_tcpflow_start(&d->flow, seq);
		}
		if (!repeat)
			count_hole(d, &o, seq, p->wire_payload);
		tp_tcpflow_segment(&d->flow, &o, seq, p->payload, p->len,
				   p->wire_payload);
	}
	if (r.conflict) {
		d->conflicts++;
		if (tl != NULL)
			tl->conflict = true;
	}
	if (r.delivered && lb->buf[0] == '\0' && !d->off && !d->lost &&
	    d->current[0] != '\0')
		snprintf(lb->buf, lb->size, "%s (cont.)", d->current);
	if (p->flags & TP_TCP_FIN)
		tp_tcpflow_fin(&d->flow, seq + (uint32_t)p->wire_payload);
}

/* Our ClientHello (in to a server: the client's): the segment that
 * began it, followed for its retransmissions and its ACK. Known by its
 * handshake type, whatever else the segment carries. */
static void note_hello(struct flow *f, const struct tp_pkt *p, bool out,
		       const struct label *lb)
{
	if (out == f->served || f->hello || !lb->client_hello)
		return;
	f->hello = true;
	f->hello_seq = p->seq;
	f->hello_len = (uint32_t)p->wire_payload;
	f->hello_sent = 1;
	f->hello_first = f->hello_last = p->t * 1000;
}

static void add_packet(struct tp_livecap *lc, const struct tp_pkt *p)
{
	struct tp_packet *tl;
	struct dir_state *d;
	struct flow *f;
	struct label lb = {0};
	char scratch[48] = "";
	bool out, ours_src, served, repeat;
	int idx;

	if ((p->family != 4 && p->family != 6) ||
	    !packet_side(lc, p, &out, &ours_src, &served))
		return;
	if (ours_src)
		f = flow_find(lc, p->family, p->src, p->sport, p->dst, p->dport);
	else
		f = flow_find(lc, p->family, p->dst, p->dport, p->src, p->sport);
	if (f != NULL) {
		f->served = served;
		f->last_t = p->t * 1000;
	}
	if (p->t * 1000 > lc->latest_t)
		lc->latest_t = p->t * 1000;
	tl = timeline_add(lc, f, p, out, &idx);
	if (p->icmp) {
		if (tl != NULL)
			tp_livecap_icmp_name(p->family == 6, p->icmp_type,
					     p->icmp_code, p->icmp_mtu, tl->icmp,
					     sizeof(tl->icmp));
		if (f != NULL && !out)
			note_icmp(f, p);
		return;
	}
	if (tl != NULL) {
		flags_name(p->flags, tl->flags, sizeof(tl->flags));
		tl->len = (uint32_t)p->wire_payload;
	}
	if (f == NULL)
		return;
	d = out ? &f->out : &f->in;
	lb.buf = tl != NULL ? tl->tls : scratch;
	lb.size = tl != NULL ? sizeof(tl->tls) : sizeof(scratch);
	repeat = retransmission(lc, f, d, tl, p, idx);
	note_tcp(f, d, p, out);
	read_stream(d, p, repeat, &lb, tl);
	if (!repeat && p->wire_payload > 0)
		note_hello(f, p, out, &lb);
}

/* ---- the reader ---- */

/* Per-flow captures run for ever: flows nobody took (a port check, a
 * connection closed before it spoke) go once closed or idle for long. */
static void expire(struct tp_livecap *lc)
{
	size_t i;

	lc->last_expire = lc->latest_t;
	for (i = lc->n_flows; i-- > 0;) {
		const struct flow *f = &lc->flows[i];
		bool closed = f->rst || (f->fin_in && f->fin_out);

		if (lc->latest_t - f->last_t > (closed ? CLOSED_TTL_MS
						: lc->idle_ms))
			flow_drop(lc, i);
	}
}

static void drain(struct tp_livecap *lc)
{
	struct tp_error err = {0};
	struct tp_pkt pkt;
	int rc;

	for (;;) {
		rc = tp_capture_next(lc->cap, &pkt, &err);
		if (rc == 1)
			add_packet(lc, &pkt);
		else if (rc == 2)
			continue;
		else
			break;
	}
	if (rc < 0)
		lc->read_errors++;
	if (lc->per_flow && lc->latest_t - lc->last_expire >= EXPIRE_EVERY_MS)
		expire(lc);
}

static void *reader_main(void *arg)
{
	struct tp_livecap *lc = arg;
	struct pollfd pfd = {.fd = tp_capture_fd(lc->cap), .events = POLLIN};
	double stop_at;

	for (;;) {
		pthread_mutex_lock(&lc->lock);
		stop_at = lc->stop_at;
		pthread_mutex_unlock(&lc->lock);
		if (stop_at > 0 && tp_now_ms() >= stop_at)
			break;
		if (pfd.fd >= 0)
			poll(&pfd, 1, 10);
		else
			usleep(5000);
		pthread_mutex_lock(&lc->lock);
		drain(lc);
		pthread_mutex_unlock(&lc->lock);
	}
	pthread_mutex_lock(&lc->lock);
	drain(lc);
	pthread_mutex_unlock(&lc->lock);
	return NULL;
}

static void set_endpoint(struct endpoint *e, const struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;

	memset(e, 0, sizeof(*e));
	if (sa->sa_family == AF_INET6) {
		e->family = 6;
		memcpy(e->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		       16);
	} else {
		e->family = 4;
		memcpy(e->addr, &((const struct sockaddr_in *)sa)->sin_addr,
		       4);
	}
}

/* Run with sudo: the file belongs to the user who asked for it. */
static void give_to_invoker(const char *path)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	unsigned long uid, gid;

	if (geteuid() != 0 || u == NULL || g == NULL)
		return;
	uid = strtoul(u, &end, 10);
	if (*end != '\0' || end == u)
		return;
	gid = strtoul(g, &end, 10);
	if (*end != '\0' || end == g)
		return;
	if (chown(path, (uid_t)uid, (gid_t)gid) < 0)
		return;  /* best effort: the file is written either way */
}

static struct tp_livecap *livecap_new(const struct sockaddr_storage *endpoints,
				      size_t n, unsigned port,
				      struct tp_error *err)
{
	struct tp_livecap *lc;
	size_t i;

	if (n > MAX_ENDPOINTS)
		n = MAX_ENDPOINTS;
	lc = calloc(1, sizeof(*lc));
	if (lc == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&lc->lock, NULL);
	for (i = 0; i < n; i++)
		set_endpoint(&lc->ends[i], &endpoints[i]);
	lc->n_ends = n;
	lc->port = (uint16_t)port;
	return lc;
}

struct tp_livecap *tp_livecap_offline(const struct sockaddr_storage *endpoints,
				      size_t n, unsigned port)
{
	struct tp_error err = {0};

	return livecap_new(endpoints, n, port, &err);
}

void tp_livecap_feed(struct tp_livecap *lc, const struct tp_pkt *p)
{
	add_packet(lc, p);
}

static struct tp_livecap *livecap_open(struct tp_livecap *lc,
				       const struct tp_livecap_opts *o,
				       const char *filter,
				       struct tp_error *err);

struct tp_livecap *tp_livecap_start(const struct tp_livecap_opts *o,
				    const struct sockaddr_storage *endpoints,
				    size_t n, unsigned port,
				    struct tp_error *err)
{
	struct tp_livecap *lc = livecap_new(endpoints, n, port, err);
	char filter[4096];

	if (lc == NULL)
		return NULL;
	if (tp_livecap_filter(endpoints, lc->n_ends, port, filter,
			      sizeof(filter)) < 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "{capture}: the filter for "
			     "%zu addresses does not fit", n);
		tp_livecap_free(lc);
		return NULL;
	}
	return livecap_open(lc, o, filter, err);
}

/* The filter for the flows to and from the listening addresses on
 * port, and the ICMP errors that quote a segment sent from it. */
static int service_filter(const struct tp_livecap *lc, char *buf,
			  size_t size)
{
	char host[INET6_ADDRSTRLEN];
	size_t used = 0, i;
	unsigned port = lc->svc_port;
	bool first = true;

	if (append(buf, size, &used, "(tcp and (") < 0)
		return -1;
	if (lc->svc_any4) {
		if (append(buf, size, &used, "(ip and port %u)", port) < 0)
			return -1;
		first = false;
	}
	if (lc->svc_any6) {
		if (append(buf, size, &used, "%s(ip6 and port %u)",
			   first ? "" : " or ", port) < 0)
			return -1;
		first = false;
	}
	for (i = 0; i < lc->n_svc; i++) {
		const struct endpoint *e = &lc->svc[i];

		if ((e->family == 4 && lc->svc_any4) ||
		    (e->family == 6 && lc->svc_any6))
			continue;
		if (inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr,
			      host, sizeof(host)) == NULL)
			return -1;
		if (append(buf, size, &used, "%s(src host %s and src port %u)"
			   " or (dst host %s and dst port %u)",
			   first ? "" : " or ", host, port, host, port) < 0)
			return -1;
		first = false;
	}
	/* the quoted TCP header follows the 8-byte ICMP header and the
	 * quoted IP header (RFC 792, RFC 4443): its source port */
	return append(buf, size, &used, ")) or (icmp and (icmp[0] = 3 or "
		      "icmp[0] = 11 or icmp[0] = 12) and icmp[28:2] = %u) or "
		      "(ip6 and ip6[6] = 58 and ip6[40] >= 1 and ip6[40] <= 4 "
		      "and ip6[88:2] = %u)", port, port);
}

static bool is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
		&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

struct tp_livecap *tp_livecap_start_server(const struct tp_livecap_opts *o,
					   const struct sockaddr_storage *listen,
					   size_t n_listen, unsigned port,
					   const struct sockaddr_storage *far,
					   size_t n_far, unsigned far_port,
					   double idle_ms,
					   struct tp_error *err)
{
	struct tp_livecap *lc = livecap_new(far, n_far, far_port, err);
	char filter[8192], part[4096];
	size_t i, used = 0;

	if (lc == NULL)
		return NULL;
	lc->per_flow = true;
	lc->idle_ms = idle_ms;
	lc->svc_port = (uint16_t)port;
	for (i = 0; i < n_listen && lc->n_svc < MAX_ENDPOINTS; i++) {
		if (listen[i].ss_family != AF_INET &&
		    listen[i].ss_family != AF_INET6)
			continue;
		if (is_any(&listen[i])) {
			if (listen[i].ss_family == AF_INET)
				lc->svc_any4 = true;
			else
				lc->svc_any6 = true;
		}
		set_endpoint(&lc->svc[lc->n_svc++], &listen[i]);
	}
	if (service_filter(lc, part, sizeof(part)) < 0 ||
	    append(filter, sizeof(filter), &used, "(%s)", part) < 0 ||
	    (lc->n_ends > 0 &&
	     (tp_livecap_filter(far, lc->n_ends, far_port, part,
				sizeof(part)) < 0 ||
	      append(filter, sizeof(filter), &used, " or (%s)", part) < 0))) {
		tp_error_set(err, TP_ERR_RUNTIME, "{capture}: the filter for "
			     "%zu addresses does not fit", n_listen + n_far);
		tp_livecap_free(lc);
		return NULL;
	}
	return livecap_open(lc, o, filter, err);
}

static struct tp_livecap *livecap_open(struct tp_livecap *lc,
				       const struct tp_livecap_opts *o,
				       const char *filter,
				       struct tp_error *err)
{
	struct tp_error cerr = {0};

	if (tp_capture_open_live(o->iface ? o->iface : "any", filter,
				 &lc->cap, &cerr) < 0) {
		tp_error_set(err, cerr.kind ? cerr.kind : TP_ERR_RUNTIME,
			     "{capture}: %s", cerr.raw);
		goto fail;
	}
	if (o->pcap_out != NULL) {
		if (tp_capture_dump_to(lc->cap, o->pcap_out, &cerr) < 0) {
			tp_error_set(err, cerr.kind ? cerr.kind : TP_ERR_USAGE,
				     "%s%s", strncmp(cerr.raw, "{pcap-out}",
						     10) == 0 ? ""
				     : "{pcap-out}: ", cerr.raw);
			goto fail;
		}
		give_to_invoker(o->pcap_out);
	}
	if (!o->defer_drop &&
	    drop_privileges(o->user ? o->user : "nobody", err) < 0)
		goto fail;
	if (pthread_create(&lc->thread, NULL, reader_main, lc) != 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "{capture}: cannot start "
			     "the reader thread");
		goto fail;
	}
	lc->running = true;
	return lc;
fail:
	tp_livecap_free(lc);
	return NULL;
}

void tp_livecap_stop(struct tp_livecap *lc)
{
	if (lc == NULL || !lc->running)
		return;
	pthread_mutex_lock(&lc->lock);
	lc->stop_at = tp_now_ms() + TP_LIVECAP_GRACE_MS;
	pthread_mutex_unlock(&lc->lock);
	pthread_join(lc->thread, NULL);
	lc->running = false;
}

/* Frames the kernel dropped (its buffer full while the reader was
 * held up) are not in the timeline: a report says how many, so that
 * a missing segment is never read as one the network lost. */
static int tell_lost(struct tp_livecap *lc, struct tp_report *r, double t_ms)
{
	unsigned long long lost = tp_capture_dropped(lc->cap);
	struct tp_packet *p;

	if (lost <= lc->lost_told)
		return 0;
	p = tp_report_add_packet(r);
	if (p == NULL)
		return -1;
	p->t_ms = t_ms;
	snprintf(p->tls, sizeof(p->tls), "(%llu packets lost by the "
		 "capture)", lost - lc->lost_told);
	lc->lost_told = lost;
	return 0;
}

int tp_livecap_timeline(struct tp_livecap *lc, struct tp_report *r)
{
	struct tp_packet *p;
	double t0;
	size_t i;

	r->has_packets = true;
	if (lc == NULL)
		return 0;
	if (lc->n_tl == 0)
		return tell_lost(lc, r, 0);
	t0 = lc->tl[0].t_ms;
	for (i = 0; i < lc->n_tl; i++) {
		p = tp_report_add_packet(r);
		if (p == NULL)
			return -1;
		*p = lc->tl[i];
		/* capture clocks count microseconds */
		p->t_ms = round((lc->tl[i].t_ms - t0) * 1000) / 1000;
	}
	if (lc->more > 0) {
		p = tp_report_add_packet(r);
		if (p == NULL)
			return -1;
		p->t_ms = round((lc->tl[lc->n_tl - 1].t_ms - t0) * 1000) /
			  1000;
		snprintf(p->tls, sizeof(p->tls), "(%llu more packets not "
			 "listed)", lc->more);
	}
	return tell_lost(lc, r, p->t_ms);
}

static bool flow_is(const struct flow *f, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		return f->family == 4 && f->lport == ntohs(s->sin_port) &&
		       memcmp(f->local, &s->sin_addr, 4) == 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		return f->family == 6 && f->lport == ntohs(s->sin6_port) &&
		       memcmp(f->local, &s->sin6_addr, 16) == 0;
	}
	return false;
}

static void add_icmp(struct tp_flow_evidence *ev, const struct flow *f)
{
	size_t i;

	for (i = 0; i < f->n_icmp; i++)
		count_icmp(ev->icmp, &ev->n_icmp, &f->icmp[i]);
}

static void add_flow(struct tp_flow_evidence *ev, const struct flow *f)
{
	const struct dir_state *in = &f->in;
	unsigned i;

	ev->seen = true;
	ev->flows++;
	ev->syns += f->syns;
	if (f->served)
		ev->peer_is_client = true;
	if (f->syn_ack && !ev->syn_ack) {
		ev->syn_ack = true;
		ev->syn_ack_ttl = f->syn_ack_ttl;
	}
	if (f->syn_in && ev->syn_in_ttl < 0)
		ev->syn_in_ttl = f->syn_in_ttl;
	if (ev->peer_ttl < 0)
		ev->peer_ttl = f->peer_ttl;
	if (f->resets_in > 0 && ev->resets_in == 0) {
		ev->reset_ttl = f->reset_ttl;
		ev->reset_after_hello = f->reset_after_hello;
	}
	ev->resets_in += f->resets_in;
	if (f->hello && f->hello_sent > ev->hello_sent) {
		ev->client_hello = true;
		ev->hello_sent = f->hello_sent;
		/* the other end's TCP acknowledges the hello */
		const struct dir_state *acker = f->served ? &f->out : in;

		ev->client_hello = true;
		ev->hello_acked = acker->has_ack &&
			tp_seq_le(f->hello_seq + f->hello_len, acker->max_ack);
		ev->hello_answered = f->hello_answered;
		ev->hello_span_ms = f->hello_last - f->hello_first;
	}
	for (i = 0; i < f->n_outs; i++) {
		const struct out_seg *s = &f->outs[i];
		bool acked = in->has_ack && tp_seq_le(s->seq + s->len, in->max_ack);

		if (s->len > SMALL_SEGMENT && s->sent > 1 && !acked) {
			ev->big_out_retrans++;
			if (s->len > ev->big_out_len)
				ev->big_out_len = s->len;
		} else if (s->len <= SMALL_SEGMENT && acked) {
			ev->small_out_acked++;
		}
	}
	if (in->gap_bytes > in->filled_bytes)
		ev->in_hole += (unsigned)(in->gap_bytes - in->filled_bytes);
	if (in->max_len > ev->in_max_len)
		ev->in_max_len = in->max_len;
	ev->in_segments += in->data_segments;
	ev->tcp_conflicts += f->in.conflicts + f->out.conflicts;
	add_icmp(ev, f);
}

void tp_livecap_evidence(const struct tp_livecap *lc,
			 const struct sockaddr *local,
			 struct tp_flow_evidence *ev)
{
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->syn_ack_ttl = ev->peer_ttl = ev->reset_ttl = ev->syn_in_ttl = -1;
	if (lc == NULL)
		return;
	for (i = 0; i < lc->n_flows; i++)
		if (local == NULL || flow_is(&lc->flows[i], local))
			add_flow(ev, &lc->flows[i]);
}

/* The remote end of f is sa (address and port). */
static bool flow_to(const struct flow *f, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		return f->family == 4 && f->rport == ntohs(s->sin_port) &&
		       memcmp(f->remote, &s->sin_addr, 4) == 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		return f->family == 6 && f->rport == ntohs(s->sin6_port) &&
		       memcmp(f->remote, &s->sin6_addr, 16) == 0;
	}
	return false;
}

#define MAX_TAKEN 64

int tp_livecap_take(struct tp_livecap *lc, const struct sockaddr *local,
		    const struct sockaddr *remote, struct tp_report *r,
		    struct tp_flow_evidence *ev)
{
	size_t which[MAX_TAKEN], pos[MAX_TAKEN], n = 0, i, best;
	unsigned long long more = 0;
	struct tp_packet *p;
	double t0 = 0, t_last = 0;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	ev->syn_ack_ttl = ev->peer_ttl = ev->reset_ttl = ev->syn_in_ttl = -1;
	r->has_packets = true;
	if (lc == NULL)
		return 0;
	pthread_mutex_lock(&lc->lock);
	/* what the kernel holds already belongs to the connection too */
	drain(lc);
	for (i = 0; i < lc->n_flows && n < MAX_TAKEN; i++) {
		const struct flow *f = &lc->flows[i];

		if (local != NULL ? flow_is(f, local) && flow_to(f, remote)
		    : !f->served && flow_to(f, remote))
			which[n++] = i;
	}
	for (i = 0; i < n; i++) {
		const struct flow *f = &lc->flows[which[i]];

		pos[i] = 0;
		more += f->more;
		if (f->n_tl > 0 && (t0 == 0 || f->tl[0].t_ms < t0))
			t0 = f->tl[0].t_ms;
		add_flow(ev, f);
	}
	/* several flows (a client whose connection is unknown): by time */
	for (;;) {
		const struct flow *f;

		best = n;
		for (i = 0; i < n; i++) {
			f = &lc->flows[which[i]];
			if (pos[i] < f->n_tl &&
			    (best == n || f->tl[pos[i]].t_ms <
			     lc->flows[which[best]].tl[pos[best]].t_ms))
				best = i;
		}
		if (best == n)
			break;
		f = &lc->flows[which[best]];
		p = tp_report_add_packet(r);
		if (p == NULL) {
			rc = -1;
			break;
		}
		*p = f->tl[pos[best]++];
		t_last = p->t_ms;
		/* capture clocks count microseconds */
		p->t_ms = round((p->t_ms - t0) * 1000) / 1000;
	}
	if (rc == 0 && more > 0 && (p = tp_report_add_packet(r)) != NULL) {
		p->t_ms = round((t_last - t0) * 1000) / 1000;
		snprintf(p->tls, sizeof(p->tls), "(%llu more packets not "
			 "listed)", more);
	}
	if (rc == 0)
		rc = tell_lost(lc, r, round((t_last - t0) * 1000) / 1000);
	/* highest index first: a drop moves the last flow into its place */
	while (n-- > 0)
		flow_drop(lc, which[n]);
	pthread_mutex_unlock(&lc->lock);
	return rc;
}

void tp_livecap_free(struct tp_livecap *lc)
{
	size_t i;

	if (lc == NULL)
		return;
	tp_livecap_stop(lc);
	tp_capture_close(lc->cap);
	for (i = 0; i < lc->n_flows; i++) {
		free(lc->flows[i].tl);
		tp_tcpwin_free(&lc->flows[i].out.win);
		tp_tcpwin_free(&lc->flows[i].in.win);
	}
	free(lc->flows);
	pthread_mutex_destroy(&lc->lock);
	free(lc);
}

int tp_livecap_drop(const char *user, struct tp_error *err)
{
	return drop_privileges(user ? user : "nobody", err);
}
