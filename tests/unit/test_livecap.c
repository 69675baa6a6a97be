/*
 * Unit tests of livecap.c's packet → timeline path: decoded packets of a
 * probe's own flow, built by hand with fixed times, fed to a capture
 * that opens nothing (livecap_int.h); each row of the table says what
 * the report's timeline and the flow's evidence must then hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "livecap_int.h"
#include "tlsprobe.h"

#define PORT 4433
#define OURS 40000

/* What a packet carries. */
enum body {
	NONE,
	CH,          /* a ClientHello record, 60 bytes of body */
	CH_HEAD,     /* its first 20 bytes */
	CH_TAIL,     /* the rest */
	SH,          /* a ServerHello record */
	HRR,         /* a HelloRetryRequest */
	ALERT,       /* a fatal handshake_failure alert */
	CCS_CH,      /* a ChangeCipherSpec record, then a ClientHello */
	APPDATA,     /* an application_data record */
	HTTP,        /* not TLS */
	SIDE,        /* the probes' side channel */
	CH_OTHER,    /* CH with other bytes in its body */
};

struct pkt_in {
	double t;              /* seconds */
	bool out;
	const char *flags;     /* "S", "SA", "A", "PA", "FA", "R" */
	uint32_t seq;          /* from the direction's ISN */
	enum body body;
	uint8_t ttl;
	size_t cut;            /* captured bytes when the snaplen cut it */
};

struct pkt_want {
	const char *flags;
	unsigned len;
	bool incoming, retransmission, conflict;
	const char *tls;
};

#define MAX_PKTS 10

struct row {
	const char *name;
	uint32_t isn_out, isn_in;
	struct pkt_in in[MAX_PKTS];
	struct pkt_want want[MAX_PKTS];
	bool client_hello;
	unsigned hello_sent, resets_in;
	bool reset_after_hello, hello_answered;
	unsigned in_hole, conflicts;
	int syn_ack_ttl, reset_ttl;
};

static uint8_t *put_record(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = 3;
	p[2] = 3;
	p[3] = (uint8_t)(len >> 8);
	p[4] = (uint8_t)len;
	return p + 5;
}

static uint8_t *put_hs(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = 0;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return p + 4;
}

/* RFC 8446 section 4.1.3 */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
	0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
	0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static size_t client_hello(uint8_t *buf, uint8_t fill)
{
	uint8_t *p = put_hs(put_record(buf, 22, 64), 1, 60);

	memset(p, fill, 60);
	p[0] = 3;
	p[1] = 3;
	return 69;
}

static size_t make_body(enum body b, uint8_t *buf)
{
	uint8_t *p;

	switch (b) {
	case NONE:
		return 0;
	case CH:
		return client_hello(buf, 0xaa);
	case CH_OTHER:
		return client_hello(buf, 0xbb);
	case CH_HEAD:
		client_hello(buf, 0xaa);
		return 20;
	case CH_TAIL:
		client_hello(buf, 0xaa);
		memmove(buf, buf + 20, 49);
		return 49;
	case SH:
	case HRR:
		p = put_hs(put_record(buf, 22, 4 + 40), 2, 40);
		memset(p, 0x11, 40);
		p[0] = 3;
		p[1] = 3;
		if (b == HRR)
			memcpy(p + 2, hrr_random, 32);
		return 49;
	case ALERT:
		p = put_record(buf, 21, 2);
		p[0] = 2;
		p[1] = 40;
		return 7;
	case CCS_CH:
		p = put_record(buf, 20, 1);
		p[0] = 1;
		return 6 + client_hello(p + 1, 0xaa);
	case APPDATA:
		p = put_record(buf, 23, 16);
		memset(p, 0x42, 16);
		return 21;
	case HTTP:
		memcpy(buf, "GET / HTTP/1.1\r\n\r\n", 18);
		return 18;
	case SIDE:
		memcpy(buf, "TLSPROBE/1 HELLO\n", 17);
		return 17;
	}
	return 0;
}

static uint8_t flag_bits(const char *f)
{
	uint8_t b = 0;

	for (; *f != '\0'; f++)
		switch (*f) {
		case 'S': b |= TP_TCP_SYN; break;
		case 'A': b |= TP_TCP_ACK; break;
		case 'P': b |= TP_TCP_PSH; break;
		case 'F': b |= TP_TCP_FIN; break;
		case 'R': b |= TP_TCP_RST; break;
		}
	return b;
}

static const uint8_t local_ip[4] = {127, 0, 0, 1};
static const uint8_t far_ip[4] = {127, 0, 0, 2};

static void feed(struct tp_livecap *lc, const struct row *r,
		 const struct pkt_in *in)
{
	uint8_t body[256];
	struct tp_pkt p;
	size_t n = make_body(in->body, body);

	memset(&p, 0, sizeof(p));
	p.t = 1000 + in->t;
	p.family = 4;
	memcpy(in->out ? p.src : p.dst, local_ip, 4);
	memcpy(in->out ? p.dst : p.src, far_ip, 4);
	p.sport = in->out ? OURS : PORT;
	p.dport = in->out ? PORT : OURS;
	p.seq = (in->out ? r->isn_out : r->isn_in) + in->seq;
	p.flags = flag_bits(in->flags);
	p.ttl = in->ttl;
	p.payload = body;
	p.wire_payload = n;
	p.len = in->cut ? in->cut : n;
	p.ip_len = 40 + n;
	tp_livecap_feed(lc, &p);
}

#define HS_OUT(isn_in) {0, true, "S", 0, NONE, 64, 0}, \
	{0.001, false, "SA", 0, NONE, 63, 0}, {0.002, true, "A", 1, NONE, 64, 0}
#define HS_WANT {"S", 0, false, false, false, ""}, \
	{"SA", 0, true, false, false, ""}, {"A", 0, false, false, false, ""}

static const struct row rows[] = {
	{"a handshake refused, then a reset", 1000, 5000,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH, 64, 0},
	  {0.004, false, "PA", 1, SH, 63, 0},
	  {0.005, false, "PA", 50, ALERT, 63, 0},
	  {0.006, false, "R", 57, NONE, 61, 0}},
	 {HS_WANT, {"PA", 69, false, false, false, "ClientHello"},
	  {"PA", 49, true, false, false, "ServerHello"},
	  {"PA", 7, true, false, false, "Alert(fatal, handshake_failure)"},
	  {"R", 0, true, false, false, ""}},
	 true, 1, 1, true, true, 0, 0, 63, 61},
	{"a ClientHello sent again", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH, 64, 0},
	  {0.3, true, "PA", 1, CH, 64, 0}},
	 {HS_WANT, {"PA", 69, false, false, false, "ClientHello"},
	  {"PA", 69, false, true, false, "ClientHello"}},
	 true, 2, 0, false, false, 0, 0, 63, -1},
	{"a ClientHello in two segments", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH_HEAD, 64, 0},
	  {0.004, true, "PA", 21, CH_TAIL, 64, 0}},
	 {HS_WANT, {"PA", 20, false, false, false, "ClientHello"},
	  {"PA", 49, false, false, false, "ClientHello (cont.)"}},
	 true, 1, 0, false, false, 0, 0, 63, -1},
	{"across 2^32", 0xffffffeeu, 0xfffffff0u,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH_HEAD, 64, 0},
	  {0.004, true, "PA", 21, CH_TAIL, 64, 0},
	  {0.005, false, "PA", 1, HRR, 63, 0}},
	 {HS_WANT, {"PA", 20, false, false, false, "ClientHello"},
	  {"PA", 49, false, false, false, "ClientHello (cont.)"},
	  {"PA", 49, true, false, false, "HelloRetryRequest"}},
	 true, 1, 0, false, true, 0, 0, 63, -1},
	{"a hole in what came in", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH, 64, 0},
	  {0.004, false, "PA", 1, SH, 63, 0},
	  {0.005, false, "PA", 150, APPDATA, 63, 0},
	  {0.006, false, "PA", 50, ALERT, 63, 0}},
	 {HS_WANT, {"PA", 69, false, false, false, "ClientHello"},
	  {"PA", 49, true, false, false, "ServerHello"},
	  {"PA", 21, true, false, false, "ApplicationData"},
	  {"PA", 7, true, false, false, ""}},
	 true, 1, 0, false, true, 93, 0, 63, -1},
	{"the same bytes sent again, other values", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH, 64, 0},
	  {0.004, true, "PA", 1, CH_OTHER, 64, 0}},
	 {HS_WANT, {"PA", 69, false, false, false, "ClientHello"},
	  {"PA", 69, false, true, true, "ClientHello"}},
	 true, 2, 0, false, false, 0, 1, 63, -1},
	{"a ClientHello after another record", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CCS_CH, 64, 0}},
	 {HS_WANT, {"PA", 75, false, false, false,
		    "ChangeCipherSpec, ClientHello"}},
	 true, 1, 0, false, false, 0, 0, 63, -1},
	{"not TLS, and the side channel", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, HTTP, 64, 0},
	  {0.004, false, "PA", 1, SIDE, 63, 0},
	  {0.005, true, "FA", 19, NONE, 64, 0},
	  {0.006, false, "FA", 18, NONE, 63, 0}},
	 {HS_WANT, {"PA", 18, false, false, false, "not TLS"},
	  {"PA", 17, true, false, false, "side channel"},
	  {"FA", 0, false, false, false, ""},
	  {"FA", 0, true, false, false, ""}},
	 false, 0, 0, false, false, 0, 0, 63, -1},
	{"cut by the snaplen", 7, 9,
	 {HS_OUT(0), {0.003, true, "PA", 1, CH, 64, 12},
	  {0.004, true, "PA", 70, APPDATA, 64, 0}},
	 {HS_WANT, {"PA", 69, false, false, false, "ClientHello"},
	  {"PA", 21, false, false, false, "ApplicationData"}},
	 true, 1, 0, false, false, 0, 0, 63, -1},
};

static void check_row(const struct row *r)
{
	struct sockaddr_storage far;
	struct sockaddr_in *sin = (struct sockaddr_in *)&far;
	struct tp_livecap *lc;
	struct tp_report *rep;
	struct tp_flow_evidence ev;
	size_t i, n = 0;

	memset(&far, 0, sizeof(far));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(PORT);
	memcpy(&sin->sin_addr, far_ip, 4);
	lc = tp_livecap_offline(&far, 1, PORT);
	assert_non_null(lc);
	for (i = 0; i < MAX_PKTS && r->in[i].flags != NULL; i++)
		feed(lc, r, &r->in[i]);
	rep = tp_report_new("client");
	assert_non_null(rep);
	assert_int_equal(tp_livecap_timeline(lc, rep), 0);
	while (n < MAX_PKTS && r->want[n].flags != NULL)
		n++;
	assert_int_equal(rep->n_packets, n);
	for (i = 0; i < n; i++) {
		const struct tp_packet *p = &rep->packets[i];
		const struct pkt_want *w = &r->want[i];

		print_message("#   %s %u %s\n", p->flags, p->len, p->tls);
		assert_string_equal(p->flags, w->flags);
		assert_int_equal(p->len, w->len);
		assert_int_equal(p->incoming, w->incoming);
		assert_int_equal(p->retransmission, w->retransmission);
		assert_int_equal(p->conflict, w->conflict);
		assert_string_equal(p->tls, w->tls);
		assert_int_equal(p->ttl, r->in[i].ttl);
		assert_true(p->t_ms >= 0);
	}
	tp_livecap_evidence(lc, NULL, &ev);
	assert_true(ev.seen);
	assert_int_equal(ev.client_hello, r->client_hello);
	assert_int_equal(ev.hello_sent, r->hello_sent);
	assert_int_equal(ev.resets_in, r->resets_in);
	assert_int_equal(ev.reset_after_hello, r->reset_after_hello);
	assert_int_equal(ev.hello_answered, r->hello_answered);
	assert_int_equal(ev.in_hole, r->in_hole);
	assert_int_equal(ev.tcp_conflicts, r->conflicts);
	assert_int_equal(ev.syn_ack_ttl, r->syn_ack_ttl);
	assert_int_equal(ev.reset_ttl, r->reset_ttl);
	tp_report_free(rep);
	tp_livecap_free(lc);
}

static void test_rows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		print_message("# %s\n", rows[i].name);
		check_row(&rows[i]);
	}
}

/* Times count from the first packet, whatever the capture clock. */
static void test_clock(void **state)
{
	static const struct row r = {"clock", 1, 1,
		{{0, true, "S", 0, NONE, 64, 0},
		 {0.0125, false, "SA", 0, NONE, 64, 0}}, {{NULL, 0, 0, 0, 0,
		 NULL}}, false, 0, 0, false, false, 0, 0, 64, -1};
	struct sockaddr_storage far;
	struct sockaddr_in *sin = (struct sockaddr_in *)&far;
	struct tp_livecap *lc;
	struct tp_report *rep;

	(void)state;
	memset(&far, 0, sizeof(far));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(PORT);
	memcpy(&sin->sin_addr, far_ip, 4);
	lc = tp_livecap_offline(&far, 1, PORT);
	assert_non_null(lc);
	feed(lc, &r, &r.in[0]);
	feed(lc, &r, &r.in[1]);
	rep = tp_report_new("client");
	assert_non_null(rep);
	assert_int_equal(tp_livecap_timeline(lc, rep), 0);
	assert_int_equal(rep->n_packets, 2);
	assert_true(rep->packets[0].t_ms == 0);
	assert_true(rep->packets[1].t_ms == 12.5);
	tp_report_free(rep);
	tp_livecap_free(lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
