/*
 * Unit tests of capture.c: hand-built frames of every link type (each
 * cut at every length, in buffers of their exact size), TLS 1.2 and 1.3
 * conversations fed to the flow tracker in order, out of order,
 * duplicated, byte by byte and with a hole, TLS after the STARTTLS
 * prelude of each protocol (and refused, never asked, too long), and
 * the real loopback captures of tests/fuzz/corpus/pcap read through
 * libpcap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "flows.h"
#include "ja.h"
#include "prelude.h"
#include "tcpwin.h"
#include "wire.h"

/* ---- frames ---- */

static const uint8_t ip_a[4] = {10, 0, 0, 1}, ip_b[4] = {10, 0, 0, 2};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* A TCP header with opt_len bytes of NOP options, then the payload. */
static size_t tcp_hdr(uint8_t *out, uint16_t sp, uint16_t dp, uint32_t seq,
		      uint32_t ack, uint8_t flags, size_t opt_len,
		      const uint8_t *pl, size_t n)
{
	memset(out, 0, 20);
	put16(out, sp);
	put16(out + 2, dp);
	put32(out + 4, seq);
	put32(out + 8, ack);
	out[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
	out[13] = flags;
	put16(out + 14, 65535);
	memset(out + 20, 1, opt_len);
	if (n > 0)
		memcpy(out + 20 + opt_len, pl, n);
	return 20 + opt_len + n;
}

static size_t ip4(uint8_t *out, const uint8_t *src, const uint8_t *dst,
		  uint8_t proto, const uint8_t *l4, size_t n, uint16_t frag)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	put16(out + 2, (unsigned)(20 + n));
	put16(out + 6, frag);
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, dst, 4);
	memcpy(out + 20, l4, n);
	return 20 + n;
}

/* IPv6 with the extension headers given as (type, length) pairs. */
static size_t ip6(uint8_t *out, const uint8_t *src, const uint8_t *dst,
		  uint8_t proto, const uint8_t *l4, size_t n,
		  const uint8_t *exts, size_t n_exts, uint16_t frag_off)
{
	size_t off = 40, i, len;
	uint8_t *next = out + 6;

	memset(out, 0, 40);
	out[0] = 0x60;
	out[7] = 61;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	for (i = 0; i < n_exts; i++) {
		*next = exts[i];
		len = exts[i] == 44 ? 8 : 16;
		memset(out + off, 0, len);
		if (exts[i] == 44)
			put16(out + off + 2, (unsigned)(frag_off << 3));
		else
			out[off + 1] = (uint8_t)(len / 8 - 1);
		next = out + off;
		off += len;
	}
	*next = proto;
	memcpy(out + off, l4, n);
	put16(out + 4, (unsigned)(off - 40 + n));
	return off + n;
}

static const uint8_t hello[] = "\x16\x03\x01\x00\x05hello";

/* A v4 segment 10.0.0.1:40000 -> 10.0.0.2:443 with 4 option bytes. */
static size_t seg4(uint8_t *out, const uint8_t *pl, size_t n)
{
	uint8_t tcp[256];
	size_t tn = tcp_hdr(tcp, 40000, 443, 1000, 2000, TP_TCP_ACK | TP_TCP_PSH,
			    4, pl, n);

	return ip4(out, ip_a, ip_b, 6, tcp, tn, 0x4000);
}

static size_t seg6(uint8_t *out, const uint8_t *exts, size_t n_exts)
{
	uint8_t tcp[256];
	size_t tn = tcp_hdr(tcp, 40000, 443, 1000, 2000, TP_TCP_ACK, 0, hello,
			    sizeof(hello) - 1);

	return ip6(out, ip6_a, ip6_b, 6, tcp, tn, exts, n_exts, 0);
}

struct frame_case {
	const char *name;
	int linktype;
	uint8_t bytes[512];
	size_t len;
	int family;
};

/* One frame of each link type around the same segment. */
static size_t frame_cases(struct frame_case *fc)
{
	uint8_t ip[256], ip6buf[256];
	static const uint8_t exts[] = {0, 60, 43};
	size_t n = seg4(ip, hello, sizeof(hello) - 1), n6, k = 0;
	struct frame_case *c;

	n6 = seg6(ip6buf, exts, sizeof(exts));
#define ADD(nm, lt, fam) (c = &fc[k++], memset(c, 0, sizeof(*c)), \
			  c->name = (nm), c->linktype = (lt), c->family = (fam))
	ADD("ethernet", DLT_EN10MB, 4);
	memset(c->bytes, 0xaa, 12);
	put16(c->bytes + 12, 0x0800);
	memcpy(c->bytes + 14, ip, n);
	c->len = 14 + n;
	ADD("ethernet 802.1Q", DLT_EN10MB, 4);
	put16(c->bytes + 12, 0x8100);
	put16(c->bytes + 14, 7);
	put16(c->bytes + 16, 0x0800);
	memcpy(c->bytes + 18, ip, n);
	c->len = 18 + n;
	ADD("ethernet QinQ IPv6", DLT_EN10MB, 6);
	put16(c->bytes + 12, 0x88a8);
	put16(c->bytes + 16, 0x8100);
	put16(c->bytes + 20, 0x86dd);
	memcpy(c->bytes + 22, ip6buf, n6);
	c->len = 22 + n6;
	ADD("linux sll", DLT_LINUX_SLL, 4);
	put16(c->bytes + 14, 0x0800);
	memcpy(c->bytes + 16, ip, n);
	c->len = 16 + n;
	ADD("linux sll2 IPv6", DLT_LINUX_SLL2, 6);
	put16(c->bytes, 0x86dd);
	memcpy(c->bytes + 20, ip6buf, n6);
	c->len = 20 + n6;
	ADD("raw", DLT_RAW, 4);
	memcpy(c->bytes, ip, n);
	c->len = n;
	ADD("LINKTYPE_RAW 101 IPv6", 101, 6);
	memcpy(c->bytes, ip6buf, n6);
	c->len = n6;
	ADD("ipv4", DLT_IPV4, 4);
	memcpy(c->bytes, ip, n);
	c->len = n;
	ADD("ipv6", DLT_IPV6, 6);
	memcpy(c->bytes, ip6buf, n6);
	c->len = n6;
	ADD("null, little-endian", DLT_NULL, 4);
	c->bytes[0] = 2;
	memcpy(c->bytes + 4, ip, n);
	c->len = 4 + n;
	ADD("null, big-endian IPv6 (Darwin)", DLT_NULL, 6);
	c->bytes[3] = 30;
	memcpy(c->bytes + 4, ip6buf, n6);
	c->len = 4 + n6;
	ADD("loop", DLT_LOOP, 4);
	c->bytes[3] = 2;
	memcpy(c->bytes + 4, ip, n);
	c->len = 4 + n;
	ADD("loop, little-endian IPv6", DLT_LOOP, 6);
	c->bytes[0] = 24;
	memcpy(c->bytes + 4, ip6buf, n6);
	c->len = 4 + n6;
#undef ADD
	return k;
}

static int decode_exact(int linktype, const uint8_t *bytes, size_t len,
			struct tp_pkt *p)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	rc = tp_capture_decode(linktype, len > 0 ? copy : NULL, len, 1.5, p);
	/* what it points at must lie inside the frame */
	if (rc == 0 && p->len > 0) {
		assert_true(p->payload >= copy);
		assert_true(p->payload + p->len <= copy + len);
	}
	free(copy);
	return rc;
}

static void test_capture_decode_links(void **state)
{
	static struct frame_case fc[16];
	size_t n = frame_cases(fc), i;
	struct tp_pkt p;
	char a[64], b[64];

	(void)state;
	for (i = 0; i < n; i++) {
		print_message("# %s\n", fc[i].name);
		assert_int_equal(decode_exact(fc[i].linktype, fc[i].bytes,
					      fc[i].len, &p), 0);
		assert_int_equal(p.family, fc[i].family);
		assert_int_equal(p.sport, 40000);
		assert_int_equal(p.dport, 443);
		assert_int_equal(p.len, sizeof(hello) - 1);
		assert_int_equal(p.wire_payload, sizeof(hello) - 1);
		assert_false(p.icmp);
		assert_true(p.t == 1.5);
		tp_capture_endpoint(p.family, p.src, p.sport, a, sizeof(a));
		tp_capture_endpoint(p.family, p.dst, p.dport, b, sizeof(b));
		if (fc[i].family == 4) {
			assert_string_equal(a, "10.0.0.1:40000");
			assert_string_equal(b, "10.0.0.2:443");
			assert_int_equal(p.ttl, 64);
		} else {
			assert_string_equal(a, "[2001:db8::1]:40000");
			assert_string_equal(b, "[2001:db8::2]:443");
			assert_int_equal(p.ttl, 61);
		}
	}
	/* an unknown link type and an ARP frame are not TCP */
	assert_int_equal(decode_exact(9999, fc[0].bytes, fc[0].len, &p), -1);
	assert_int_equal(p.family, 0);
	put16(fc[0].bytes + 12, 0x0806);
	assert_int_equal(decode_exact(DLT_EN10MB, fc[0].bytes, fc[0].len, &p),
			 -1);
}

static void test_capture_decode_truncation(void **state)
{
	static struct frame_case fc[16];
	size_t n = frame_cases(fc), i, len;
	struct tp_pkt p;
	int rc;

	(void)state;
	for (i = 0; i < n; i++) {
		for (len = 0; len < fc[i].len; len++) {
			rc = decode_exact(fc[i].linktype, fc[i].bytes, len, &p);
			assert_true(rc == -1 || rc == 0);
			if (rc == 0) {
				/* cut inside the payload: what is there */
				assert_true(p.len < p.wire_payload);
				assert_int_equal(p.wire_payload,
						 sizeof(hello) - 1);
			}
		}
	}
}

static void test_capture_decode_snaplen(void **state)
{
	uint8_t pl[100], frame[256];
	size_t n;
	struct tp_pkt p;

	(void)state;
	memset(pl, 0x17, sizeof(pl));
	n = seg4(frame, pl, sizeof(pl));
	assert_int_equal(decode_exact(DLT_RAW, frame, n - 40, &p), 0);
	assert_int_equal(p.len, 60);
	assert_int_equal(p.wire_payload, 100);
	assert_int_equal(p.ip_len, n);
	/* cut inside the TCP options: no segment */
	assert_int_equal(decode_exact(DLT_RAW, frame, 20 + 22, &p), -1);
	/* Ethernet padding after a short packet is not payload */
	memset(frame + n, 0, 6);
	assert_int_equal(decode_exact(DLT_RAW, frame, n + 6, &p), 0);
	assert_int_equal(p.len, 100);
}

static void test_capture_decode_tcp_header(void **state)
{
	uint8_t frame[256];
	size_t n = seg4(frame, hello, sizeof(hello) - 1);
	struct tp_pkt p;

	(void)state;
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), 0);
	assert_int_equal(p.seq, 1000);
	assert_int_equal(p.ack, 2000);
	assert_int_equal(p.flags, TP_TCP_ACK | TP_TCP_PSH);
	frame[20 + 12] = 4 << 4;  /* data offset under 20 bytes */
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	frame[20 + 12] = 15 << 4;  /* past the segment */
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	frame[20 + 12] = 6 << 4;
	frame[0] = 0x44;  /* IHL under 20 bytes */
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	frame[0] = 0x45;
	put16(frame + 2, 30);  /* total length under the headers */
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
}

static void test_capture_decode_fragments(void **state)
{
	uint8_t tcp[256], frame[512];
	static const uint8_t frag[] = {0, 44};
	size_t tn = tcp_hdr(tcp, 40000, 443, 1, 2, TP_TCP_ACK, 0, hello,
			    sizeof(hello) - 1), n;
	struct tp_pkt p;

	(void)state;
	/* IPv4: the first fragment (more fragments set) holds the header */
	n = ip4(frame, ip_a, ip_b, 6, tcp, tn, 0x2000);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), 0);
	assert_int_equal(p.sport, 40000);
	n = ip4(frame, ip_a, ip_b, 6, tcp, tn, 0x2000 | 3);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	n = ip4(frame, ip_a, ip_b, 6, tcp, tn, 5);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	/* IPv6: a fragment header after hop-by-hop */
	n = ip6(frame, ip6_a, ip6_b, 6, tcp, tn, frag, 2, 0);
	assert_int_equal(decode_exact(DLT_IPV6, frame, n, &p), 0);
	assert_int_equal(p.len, sizeof(hello) - 1);
	n = ip6(frame, ip6_a, ip6_b, 6, tcp, tn, frag, 2, 185);
	assert_int_equal(decode_exact(DLT_IPV6, frame, n, &p), -1);
	/* UDP is not TCP */
	n = ip4(frame, ip_a, ip_b, 17, tcp, tn, 0);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
}

static void test_capture_decode_icmp(void **state)
{
	uint8_t tcp[256], quoted[256], icmp[512], frame[1024];
	size_t tn, qn, n, cut;
	struct tp_pkt p;
	char a[64];

	(void)state;
	/* the router 10.0.0.254 tells 10.0.0.1: fragmentation needed, MTU
	 * 1400, about a segment 10.0.0.1:40000 -> 10.0.0.2:443 */
	tn = tcp_hdr(tcp, 40000, 443, 77, 88, TP_TCP_ACK, 0, NULL, 0);
	qn = ip4(quoted, ip_a, ip_b, 6, tcp, tn, 0x4000);
	put16(quoted + 2, 1500);
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 4;
	put16(icmp + 6, 1400);
	/* RFC 792 quotes the IP header and 8 bytes */
	memcpy(icmp + 8, quoted, 28);
	n = ip4(frame, (const uint8_t[]){10, 0, 0, 254}, ip_a, 1, icmp, 36, 0);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), 0);
	assert_true(p.icmp);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 4);
	assert_int_equal(p.icmp_mtu, 1400);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.seq, 77);
	tp_capture_endpoint(p.family, p.src, p.sport, a, sizeof(a));
	assert_string_equal(a, "10.0.0.1:40000");
	assert_int_equal(p.dport, 443);
	for (cut = 0; cut < n; cut++) {
		int rc = decode_exact(DLT_RAW, frame, cut, &p);

		assert_true(rc == -1 || (rc == 0 && p.icmp));
	}
	/* time exceeded quoting the whole segment */
	icmp[0] = 11;
	icmp[1] = 0;
	memcpy(icmp + 8, quoted, qn);
	n = ip4(frame, (const uint8_t[]){10, 0, 0, 254}, ip_a, 1, icmp, 8 + qn,
		0);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), 0);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.icmp_mtu, 0);
	assert_int_equal(p.ack, 88);
	/* an echo request is not an error */
	frame[20] = 8;
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);
	/* an error about UDP is not about TCP */
	icmp[0] = 3;
	quoted[9] = 17;
	memcpy(icmp + 8, quoted, qn);
	n = ip4(frame, (const uint8_t[]){10, 0, 0, 254}, ip_a, 1, icmp, 8 + qn,
		0);
	assert_int_equal(decode_exact(DLT_RAW, frame, n, &p), -1);

	/* ICMPv6 packet too big, MTU 1280, quoting through an extension */
	qn = ip6(quoted, ip6_a, ip6_b, 6, tcp, tn, (const uint8_t[]){60}, 1, 0);
	memset(icmp, 0, 8);
	icmp[0] = 2;
	put32(icmp + 4, 1280);
	memcpy(icmp + 8, quoted, qn);
	n = ip6(frame, ip6_b, ip6_a, 58, icmp, 8 + qn, NULL, 0, 0);
	assert_int_equal(decode_exact(DLT_IPV6, frame, n, &p), 0);
	assert_true(p.icmp);
	assert_int_equal(p.icmp_type, 2);
	assert_int_equal(p.icmp_mtu, 1280);
	tp_capture_endpoint(p.family, p.src, p.sport, a, sizeof(a));
	assert_string_equal(a, "[2001:db8::1]:40000");
	for (cut = 0; cut < n; cut++) {
		int rc = decode_exact(DLT_IPV6, frame, cut, &p);

		assert_true(rc == -1 || (rc == 0 && p.icmp));
	}
}

static void test_capture_endpoint(void **state)
{
	char buf[64];

	(void)state;
	tp_capture_endpoint(4, (const uint8_t[]){192, 0, 2, 1}, 443, buf,
			    sizeof(buf));
	assert_string_equal(buf, "192.0.2.1:443");
	tp_capture_endpoint(6, ip6_a, 8443, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:8443");
	tp_capture_endpoint(4, ip_a, 1, buf, 6);
	assert_string_equal(buf, "10.0.");
}

/* ---- TLS conversations ---- */

static size_t record(uint8_t *out, uint8_t type, const uint8_t *body,
		     size_t n)
{
	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	put16(out + 3, (unsigned)n);
	if (n > 0)
		memcpy(out + 5, body, n);
	return 5 + n;
}

static size_t message(uint8_t *out, uint8_t type, const uint8_t *body,
		      size_t n)
{
	out[0] = type;
	out[1] = (uint8_t)(n >> 16);
	put16(out + 2, (unsigned)(n & 0xffff));
	if (n > 0)
		memcpy(out + 4, body, n);
	return 4 + n;
}

/* RFC 8446 section 4.1.3; TLS 1.2 with renegotiation_info and EMS. */
static size_t server_hello(uint8_t *out, bool tls13, uint16_t suite,
			   bool hrr)
{
	static const uint8_t hrr_random[32] = {
		0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D,
		0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16,
		0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
		0x33, 0x9C};
	uint8_t b[256];
	size_t n = 0, ext;

	put16(b, 0x0303);
	n = 2;
	if (hrr)
		memcpy(b + n, hrr_random, 32);
	else
		memset(b + n, 0x5a, 32);
	n += 32;
	b[n++] = 32;
	memset(b + n, 0x33, 32);
	n += 32;
	put16(b + n, suite);
	n += 2;
	b[n++] = 0;
	ext = n;
	n += 2;
	if (tls13) {
		put16(b + n, 43);
		put16(b + n + 2, 2);
		put16(b + n + 4, 0x0304);
		n += 6;
		put16(b + n, 51);
		if (hrr) {
			put16(b + n + 2, 2);
			put16(b + n + 4, 0x0017);
			n += 6;
		} else {
			put16(b + n + 2, 36);
			put16(b + n + 4, 0x001d);
			put16(b + n + 6, 32);
			memset(b + n + 8, 0x44, 32);
			n += 40;
		}
	} else {
		put16(b + n, 0xff01);
		put16(b + n + 2, 1);
		b[n + 4] = 0;
		put16(b + n + 5, 23);
		put16(b + n + 7, 0);
		n += 9;
	}
	put16(b + ext, (unsigned)(n - ext - 2));
	return message(out, 2, b, n);
}

static size_t client_hello(uint8_t *out, size_t cap, bool tls13,
			   const char *sni)
{
	static const uint16_t suites[] = {0x1301, 0x1302, 0xc02f, 0xc030};
	static const uint16_t groups[] = {0x001d, 0x0017};
	static const uint16_t sigs[] = {0x0403, 0x0804};
	static const uint8_t key[32] = {1};
	struct tp_wire_share share = {0x001d, key, 32};
	struct tp_wire_hello_opts o = {
		.version = tls13 ? 0x0304 : 0x0303,
		.suites = suites, .n_suites = 4,
		.groups = groups, .n_groups = 2,
		.sig_algs = sigs, .n_sig_algs = 2,
		.shares = &share, .n_shares = 1,
		.sni = sni,
	};
	size_t n = tp_wire_build_client_hello(&o, out, cap);

	assert_true(n > 0);
	return n;
}

static const uint8_t cert_one[] = "first certificate, DER in real life";
static const uint8_t cert_two[] = "the CA";

/* The packets of one conversation, as a script to replay in any order. */
#define SCRIPT_MAX 8192
struct script {
	struct tp_pkt p[SCRIPT_MAX];
	size_t n;
	uint32_t next[2];          /* 0 client, 1 server */
	double t;
	uint8_t data[98304];       /* the payloads */
	size_t used;
	uint16_t cport, sport;
};

static void script_init(struct script *s, uint32_t cisn, uint32_t sisn)
{
	s->n = 0;
	s->next[0] = cisn;
	s->next[1] = sisn;
	s->t = 1000;
	s->used = 0;
	if (s->cport == 0)
		s->cport = 40000;
	if (s->sport == 0)
		s->sport = 443;
}

static void send_seg(struct script *s, int side, uint8_t flags,
		     const uint8_t *data, size_t len)
{
	struct tp_pkt *p = &s->p[s->n++];

	assert_true(s->n <= SCRIPT_MAX);
	memset(p, 0, sizeof(*p));
	p->t = (s->t += 0.001);
	p->family = 4;
	memcpy(p->src, side == 0 ? ip_a : ip_b, 4);
	memcpy(p->dst, side == 0 ? ip_b : ip_a, 4);
	p->sport = side == 0 ? s->cport : s->sport;
	p->dport = side == 0 ? s->sport : s->cport;
	p->seq = s->next[side];
	if (!(flags & TP_TCP_SYN) || side == 1)
		flags |= TP_TCP_ACK;
	p->ack = flags & TP_TCP_ACK ? s->next[!side] : 0;
	p->flags = flags;
	p->ttl = 64;
	if (len > 0) {
		assert_true(s->used + len <= sizeof(s->data));
		memcpy(s->data + s->used, data, len);
		p->payload = s->data + s->used;
		s->used += len;
	}
	p->len = p->wire_payload = len;
	s->next[side] += (uint32_t)len;
	if (flags & (TP_TCP_SYN | TP_TCP_FIN))
		s->next[side]++;
}

static void tcp_open(struct script *s)
{
	send_seg(s, 0, TP_TCP_SYN, NULL, 0);
	send_seg(s, 1, TP_TCP_SYN, NULL, 0);
	send_seg(s, 0, 0, NULL, 0);
}

static void tcp_close(struct script *s)
{
	send_seg(s, 0, TP_TCP_FIN, NULL, 0);
	send_seg(s, 1, TP_TCP_FIN, NULL, 0);
	send_seg(s, 0, 0, NULL, 0);
}

static void send_client_hello(struct script *s, bool tls13, const char *sni)
{
	uint8_t ch[2048];

	send_seg(s, 0, TP_TCP_PSH, ch, client_hello(ch, sizeof(ch), tls13, sni));
}

/* Sends bytes split in segments of at most mss. */
static void send_split(struct script *s, int side, const uint8_t *b,
		       size_t n, size_t mss)
{
	size_t off, take;

	for (off = 0; off < n; off += take) {
		take = n - off < mss ? n - off : mss;
		send_seg(s, side, TP_TCP_PSH, b + off, take);
	}
}

/* A TLS 1.2 handshake with application data: the server's flight has
 * three records (several per segment; with mss, records span them). */
static void tls12_session(struct script *s, size_t mss)
{
	uint8_t b[4096], m[2048], certs[256], enc[40];
	size_t n = 0, mn, cn = 0;

	tcp_open(s);
	send_client_hello(s, false, "example.test");
	mn = server_hello(m, false, 0xc02f, false);
	n += record(b + n, 22, m, mn);
	put16(certs + 1, 0);
	cn = 3;
	certs[cn] = 0;
	put16(certs + cn + 1, sizeof(cert_one));
	memcpy(certs + cn + 3, cert_one, sizeof(cert_one));
	cn += 3 + sizeof(cert_one);
	certs[cn] = 0;
	put16(certs + cn + 1, sizeof(cert_two));
	memcpy(certs + cn + 3, cert_two, sizeof(cert_two));
	cn += 3 + sizeof(cert_two);
	certs[0] = 0;
	put16(certs + 1, (unsigned)(cn - 3));
	mn = message(m, 11, certs, cn);
	mn += message(m + mn, 14, NULL, 0);
	n += record(b + n, 22, m, mn);
	send_split(s, 1, b, n, mss);
	/* client: ClientKeyExchange, CCS, Finished */
	memset(enc, 0x99, sizeof(enc));
	mn = message(m, 16, enc, 33);
	n = record(b, 22, m, mn);
	n += record(b + n, 20, (const uint8_t *)"\x01", 1);
	n += record(b + n, 22, enc, sizeof(enc));
	send_split(s, 0, b, n, mss);
	n = record(b, 20, (const uint8_t *)"\x01", 1);
	n += record(b + n, 22, enc, sizeof(enc));
	send_split(s, 1, b, n, mss);
	n = record(b, 23, enc, sizeof(enc));
	send_split(s, 0, b, n, mss);
	send_split(s, 1, b, n, mss);
	tcp_close(s);
}

/* A TLS 1.3 handshake, with a HelloRetryRequest when hrr. */
static void tls13_session(struct script *s, size_t mss, bool hrr)
{
	uint8_t b[4096], m[512], enc[300];
	size_t n;

	tcp_open(s);
	send_client_hello(s, true, "one.example");
	memset(enc, 0x77, sizeof(enc));
	if (hrr) {
		n = record(b, 22, m, server_hello(m, true, 0x1301, true));
		n += record(b + n, 20, (const uint8_t *)"\x01", 1);
		send_split(s, 1, b, n, mss);
		n = record(b, 20, (const uint8_t *)"\x01", 1);
		n += client_hello(b + n, sizeof(b) - n, true, "two.example");
		send_split(s, 0, b, n, mss);
	}
	n = record(b, 22, m, server_hello(m, true, 0x1301, false));
	if (!hrr)
		n += record(b + n, 20, (const uint8_t *)"\x01", 1);
	n += record(b + n, 23, enc, sizeof(enc));
	send_split(s, 1, b, n, mss);
	n = hrr ? 0 : record(b, 20, (const uint8_t *)"\x01", 1);
	n += record(b + n, 23, enc, 53);
	send_split(s, 0, b, n, mss);
	send_split(s, 1, b, record(b, 23, enc, 100), mss);
	tcp_close(s);
}

#define GOT_MAX 8
struct got {
	size_t n;
	struct tp_tls_conn c[GOT_MAX];
	bool cert_ok[GOT_MAX];
};

static void on_done(void *arg, const struct tp_tls_conn *c)
{
	struct got *g = arg;

	if (g->n < GOT_MAX) {
		g->c[g->n] = *c;
		/* the certificates are valid now, not after */
		g->cert_ok[g->n] = c->n_certs == 2 &&
				   c->cert_len[0] == sizeof(cert_one) &&
				   memcmp(c->certs[0], cert_one,
					  sizeof(cert_one)) == 0 &&
				   c->cert_len[1] == sizeof(cert_two) &&
				   memcmp(c->certs[1], cert_two,
					  sizeof(cert_two)) == 0;
	}
	g->n++;
}

enum order { IN_ORDER, REVERSED, DUPLICATED, BYTEWISE };

/* Feeds a script: flights of data segments reversed (each flight is a
 * run of data segments of one side), every segment twice, or every data
 * segment cut into 1-byte segments. */
static void replay(struct tp_flows *f, const struct script *s,
		   enum order order)
{
	size_t i, j, k;
	struct tp_pkt one;

	for (i = 0; i < s->n; i = j) {
		const struct tp_pkt *p = &s->p[i];

		j = i + 1;
		if (order == REVERSED && p->len > 0) {
			while (j < s->n && s->p[j].len > 0 &&
			       s->p[j].sport == p->sport)
				j++;
			for (k = j; k > i; k--)
				tp_flows_add(f, &s->p[k - 1]);
			continue;
		}
		if (order == BYTEWISE && p->len > 1) {
			for (k = 0; k < p->len; k++) {
				one = *p;
				one.seq = p->seq + (uint32_t)k;
				one.payload = p->payload + k;
				one.len = one.wire_payload = 1;
				if (k + 1 < p->len)
					one.flags &= (uint8_t)~TP_TCP_FIN;
				tp_flows_add(f, &one);
			}
			continue;
		}
		tp_flows_add(f, p);
		if (order == DUPLICATED)
			tp_flows_add(f, p);
	}
}

static struct script *script_new(void)
{
	struct script *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static void run(struct script *s, enum order order, struct got *g,
		struct tp_flows_stats *st)
{
	struct tp_flows *f = tp_flows_new(16, 0, on_done, g);

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	replay(f, s, order);
	tp_flows_flush(f);
	tp_flows_stats(f, st);
	tp_flows_free(f);
}

static const char *order_name[] = {"in order", "reversed", "duplicated",
				   "byte by byte"};

static void test_capture_tls12(void **state)
{
	struct script *s = script_new();
	static const size_t mss[] = {1460, 100, 7};
	struct tp_flows_stats st;
	struct got g;
	int o;
	size_t m;

	(void)state;
	for (m = 0; m < 3; m++) {
		for (o = IN_ORDER; o <= BYTEWISE; o++) {
			print_message("# TLS 1.2, mss %zu, %s\n", mss[m],
				      order_name[o]);
			script_init(s, 1000, 0x7fff0000);
			tls12_session(s, mss[m]);
			run(s, (enum order)o, &g, &st);
			assert_int_equal(g.n, 1);
			assert_true(g.c[0].tls);
			assert_string_equal(g.c[0].client, "10.0.0.1:40000");
			assert_string_equal(g.c[0].server, "10.0.0.2:443");
			assert_true(g.c[0].client_known);
			assert_true(g.c[0].has_client_hello);
			assert_string_equal(g.c[0].ch.sni, "example.test");
			assert_true(g.c[0].has_server_hello);
			assert_int_equal(g.c[0].sh.version, 0x0303);
			assert_int_equal(g.c[0].sh.suite, 0xc02f);
			assert_true(g.cert_ok[0]);
			assert_false(g.c[0].has_alert);
			assert_true(g.c[0].ccs_client && g.c[0].ccs_server);
			/* after the handshake nothing is held: application
			 * data out of order goes unseen */
			if (o != REVERSED)
				assert_true(g.c[0].appdata_client &&
					    g.c[0].appdata_server);
			assert_false(g.c[0].gap);
			assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
					    "established");
			if (o == DUPLICATED) {
				assert_true(g.c[0].retransmissions > 0);
				assert_string_equal(g.c[0].history,
						    "ShADTdtFf");
			} else if (o != REVERSED || mss[m] > 100) {
				/* (late segments after the handshake, when
				 * nothing is held, look like retransmissions) */
				assert_int_equal(g.c[0].retransmissions, 0);
				assert_string_equal(g.c[0].history, "ShADdFf");
			}
			assert_int_equal(st.tls_flows, 1);
			assert_int_equal(st.flows, 1);
			assert_int_equal(st.gaps, 0);
			assert_int_equal(st.frames, st.tcp);
		}
	}
	free(s);
}

static void test_capture_tls13(void **state)
{
	struct script *s = script_new();
	struct tp_flows_stats st;
	struct got g;
	int o, hrr;

	(void)state;
	for (hrr = 0; hrr < 2; hrr++) {
		for (o = IN_ORDER; o <= BYTEWISE; o++) {
			print_message("# TLS 1.3%s, %s\n",
				      hrr ? " with HRR" : "", order_name[o]);
			script_init(s, 0xfffffff0, 5);  /* wraps around */
			tls13_session(s, 90, hrr);
			run(s, (enum order)o, &g, &st);
			assert_int_equal(g.n, 1);
			/* the first ClientHello is the one kept */
			assert_string_equal(g.c[0].ch.sni, "one.example");
			assert_int_equal(g.c[0].sh.version, 0x0304);
			assert_false(g.c[0].sh.hrr);
			assert_int_equal(g.c[0].sh.suite, 0x1301);
			assert_int_equal(g.c[0].n_certs, 0);
			assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
					    "established");
			assert_false(g.c[0].gap);
			assert_int_equal(st.peak_bytes > 0, 1);
		}
	}
	free(s);
}

/* A server segment never captured, which the client's ACK shows it
 * received: a gap in the server's stream. */
static void test_capture_gap(void **state)
{
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	size_t i, dropped = 0;

	(void)state;
	script_init(s, 1000, 2000);
	tls12_session(s, 100);
	f = tp_flows_new(16, 0, on_done, &g);
	for (i = 0; i < s->n; i++) {
		/* the server's second data segment goes missing */
		if (s->p[i].sport == 443 && s->p[i].len > 0 && ++dropped == 2)
			continue;
		tp_flows_add(f, &s->p[i]);
	}
	tp_flows_flush(f);
	tp_flows_stats(f, &st);
	tp_flows_free(f);
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].gap);
	assert_int_equal(st.gaps, 1);
	assert_non_null(strchr(g.c[0].history, 'g'));
	assert_true(g.c[0].has_server_hello);
	/* the server's CCS was in what is missing: never established */
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "closed");
	free(s);
}

/* A snaplen of 60 bytes of payload: the handshake cannot be read. */
static void test_capture_snaplen_gap(void **state)
{
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	struct tp_pkt p;
	size_t i;

	(void)state;
	script_init(s, 1000, 2000);
	tls12_session(s, 1460);
	f = tp_flows_new(16, 0, on_done, &g);
	for (i = 0; i < s->n; i++) {
		p = s->p[i];
		if (p.len > 60)
			p.len = 60;
		tp_flows_add(f, &p);
	}
	tp_flows_flush(f);
	tp_flows_stats(f, &st);
	tp_flows_free(f);
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].gap);
	assert_false(g.c[0].has_client_hello);
	assert_int_equal(g.c[0].bytes_client, s->next[0] - 1000 - 2);
	assert_true(st.gaps >= 1);
	free(s);
}

/* Three connections at max_flows 2: the oldest is evicted. */
static void test_capture_eviction(void **state)
{
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	int i;

	(void)state;
	f = tp_flows_new(2, 0, on_done, &g);
	for (i = 0; i < 3; i++) {
		s->cport = (uint16_t)(50000 + i);
		script_init(s, 1000, 2000);
		tcp_open(s);
		send_client_hello(s, true, "evict.example");
		replay(f, s, IN_ORDER);
	}
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].evicted);
	assert_string_equal(g.c[0].client, "10.0.0.1:50000");
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "incomplete");
	tp_flows_flush(f);
	tp_flows_stats(f, &st);
	assert_int_equal(g.n, 3);
	assert_false(g.c[1].evicted);
	assert_string_equal(g.c[2].client, "10.0.0.1:50002");
	assert_int_equal(st.flows, 3);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.tls_flows, 3);
	tp_flows_free(f);
	s->cport = 0;
	free(s);
}

/* Out-of-order data past the cap: dropped, a gap, memory bounded. */
static void test_capture_buffer_cap(void **state)
{
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	uint8_t junk[400];
	size_t i, first;

	(void)state;
	memset(junk, 0x16, sizeof(junk));
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "cap.example");
	first = s->n;
	for (i = 0; i < 20; i++)
		send_seg(s, 1, TP_TCP_PSH, junk, sizeof(junk));
	f = tp_flows_new(4, 1024, on_done, &g);
	for (i = 0; i < first; i++)
		tp_flows_add(f, &s->p[i]);
	/* the server's first segment never arrives, and no ACK shows it */
	for (i = first + 1; i < s->n; i++) {
		struct tp_pkt p = s->p[i];

		p.flags = TP_TCP_PSH;
		tp_flows_add(f, &p);
	}
	tp_flows_stats(f, &st);
	assert_true(st.peak_bytes <= 2 * 1024);
	assert_int_equal(st.gaps, 1);
	tp_flows_flush(f);
	tp_flows_free(f);
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].gap);
	assert_true(g.c[0].has_client_hello);
	free(s);
}

/* ---- overlapping segments that disagree ---- */

/* Appends a copy of packet i from byte off of its payload on, with
 * n_flip bytes changed from byte flip of the copy. */
static void resend(struct script *s, size_t i, size_t off, size_t flip,
		   size_t n_flip)
{
	const struct tp_pkt *o = &s->p[i];
	struct tp_pkt *p = &s->p[s->n++];
	uint8_t *d = s->data + s->used;
	size_t k;

	assert_true(s->n <= SCRIPT_MAX && off < o->len &&
		    flip + n_flip <= o->len - off);
	*p = *o;
	memcpy(d, o->payload + off, o->len - off);
	for (k = 0; k < n_flip; k++)
		d[flip + k] ^= 0x5a;
	p->payload = d;
	p->seq = o->seq + (uint32_t)off;
	p->len = p->wire_payload = o->len - off;
	p->t = (s->t += 0.001);
	s->used += p->len;
}

/* Runs the script's packets in the order of idx (SIZE_MAX ends it). */
static void run_order(struct script *s, const size_t *idx, size_t max_buffer,
		      struct got *g)
{
	struct tp_flows *f = tp_flows_new(16, max_buffer, on_done, g);
	size_t i;

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	for (i = 0; idx[i] != SIZE_MAX; i++)
		tp_flows_add(f, &s->p[idx[i]]);
	tp_flows_flush(f);
	tp_flows_free(f);
}

/* The window of delivered bytes: compared only where it still holds
 * them, across the wrap of sequence numbers too. */
static void test_capture_window(void **state)
{
	struct tp_tcpwin w = {0};
	uint8_t a[300], b[300];
	uint32_t first = 0, seq = 0xffffff00u;
	size_t checked, i;

	(void)state;
	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)i;
	/* 300 bytes through a window of at most 128: it keeps the last */
	assert_int_equal(tp_tcpwin_add(&w, seq, a, 100, 128), 128);
	assert_int_equal(tp_tcpwin_add(&w, seq + 100, a + 100, 200, 128), 0);
	assert_int_equal(w.len, 128);
	assert_true(w.end == seq + 300);
	/* identical bytes: nothing differs, all of the held part checked */
	assert_int_equal(tp_tcpwin_compare(&w, seq + 150, b + 150, 150,
					   &checked, &first), 0);
	assert_int_equal(checked, 128);
	/* a difference before the window's edge is not seen */
	b[100] ^= 1;
	assert_int_equal(tp_tcpwin_compare(&w, seq + 50, b + 50, 150,
					   &checked, &first), 0);
	assert_int_equal(checked, 28);
	/* across the edge: only the part inside counts, from its first */
	b[180] ^= 1;
	b[181] ^= 1;
	assert_int_equal(tp_tcpwin_compare(&w, seq + 50, b + 50, 150,
					   &checked, &first), 2);
	assert_true(first == seq + 180);
	/* a jump in the stream replaces what was held */
	assert_int_equal(tp_tcpwin_add(&w, seq + 400, a, 10, 128), 0);
	assert_int_equal(w.len, 10);
	assert_int_equal(tp_tcpwin_compare(&w, seq + 280, b + 280, 20,
					   &checked, NULL), 0);
	assert_int_equal(checked, 0);
	assert_int_equal(tp_tcpwin_free(&w), 128);
	assert_null(w.buf);
}

/* The TCP handshake and a ClientHello in three segments: 60 bytes,
 * 60 bytes and the rest. */
static size_t overlap_session(struct script *s, uint8_t *ch, size_t cap)
{
	size_t n;

	script_init(s, 1000, 5000);
	tcp_open(s);
	n = client_hello(ch, cap, true, "overlap.example");
	print_message("# a ClientHello of %zu bytes\n", n);
	assert_true(n > 120);
	send_seg(s, 0, TP_TCP_PSH, ch, 60);
	send_seg(s, 0, TP_TCP_PSH, ch + 60, 60);
	send_seg(s, 0, TP_TCP_PSH, ch + 120, n - 120);
	return n;
}

static void test_capture_overlap(void **state)
{
	/* packets: 0-2 the TCP handshake, 3-5 the ClientHello's segments
	 * (60, 60, the rest), 6 the ServerHello, 7 the copy */
	static const struct {
		const char *name;
		size_t copy_of, off, flip, n_flip;
		size_t order[10];
		unsigned conflicts;
		uint32_t differ;        /* bytes in the first conflict */
		uint32_t at;            /* its relative seq */
		bool random_flipped;    /* the copy's bytes were read */
	} cases[] = {
		{"identical retransmission", 3, 0, 0, 0,
		 {0, 1, 2, 3, 4, 7, 5, 6, SIZE_MAX}, 0, 0, 0, false},
		{"identical partial overlap", 4, 10, 0, 0,
		 {0, 1, 2, 3, 4, 5, 7, 6, SIZE_MAX}, 0, 0, 0, false},
		{"retransmission that differs, first copy read", 3, 0, 20, 3,
		 {0, 1, 2, 3, 4, 7, 5, 6, SIZE_MAX}, 1, 3, 21, false},
		{"partial overlap that differs", 3, 15, 10, 2,
		 {0, 1, 2, 3, 7, 4, 5, 6, SIZE_MAX}, 1, 2, 26, false},
		{"the copy came first: it is read, the original differs", 3,
		 0, 20, 3, {0, 1, 2, 7, 3, 4, 5, 6, SIZE_MAX}, 1, 3, 21, true},
		{"out of order: a held copy and its twin differ", 4, 0, 5, 4,
		 {0, 1, 2, 7, 4, 3, 5, 6, SIZE_MAX}, 1, 4, 66, false},
	};
	struct script *s = script_new();
	struct got g;
	uint8_t ch[2048], m[256], sh[300];
	size_t i, mn, shn;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# %s\n", cases[i].name);
		overlap_session(s, ch, sizeof(ch));
		assert_int_equal(s->n, 6);
		mn = server_hello(m, false, 0xc02f, false);
		shn = record(sh, 22, m, mn);
		send_seg(s, 1, TP_TCP_PSH, sh, shn);
		resend(s, cases[i].copy_of, cases[i].off, cases[i].flip,
		       cases[i].n_flip);
		run_order(s, cases[i].order, 0, &g);
		assert_int_equal(g.n, 1);
		assert_true(g.c[0].has_client_hello);
		assert_string_equal(g.c[0].ch.sni, "overlap.example");
		assert_true(g.c[0].has_server_hello);
		assert_int_equal(g.c[0].tcp_conflicts, cases[i].conflicts);
		assert_false(g.c[0].gap);
		if (cases[i].conflicts > 0) {
			assert_false(g.c[0].conflict_from_server);
			assert_int_equal(g.c[0].conflict_bytes,
					 cases[i].differ);
			assert_int_equal(g.c[0].conflict_offset, cases[i].at);
			assert_int_equal(g.c[0].conflict_seq,
					 1000 + cases[i].at);
		}
		/* the random is bytes 11 to 42 of the stream: the flipped
		 * ones of the copy, 20 to 22, are read only when it came
		 * first */
		if (cases[i].n_flip > 0 && cases[i].copy_of == 3 &&
		    cases[i].off == 0)
			assert_int_equal(g.c[0].ch.random[9] != ch[20],
					 cases[i].random_flipped);
	}
	free(s);
}

/* With max_buffer 1280 the window keeps the last 160 bytes: a copy
 * that differs before its edge goes unseen, inside it is caught, and
 * across it only the bytes inside count. */
static void test_capture_overlap_window_edge(void **state)
{
	struct script *s = script_new();
	static const size_t order[] = {0, 1, 2, 3, 4, 5, 7, 6, SIZE_MAX};
	struct got g;
	uint8_t ch[2048], m[256], sh[300];
	size_t n, edge, c;

	(void)state;
	for (c = 0; c < 3; c++) {
		n = overlap_session(s, ch, sizeof(ch));
		edge = n - 160;  /* the first byte the window holds */
		assert_true(edge > 8 && edge + 4 < 60);
		send_seg(s, 1, TP_TCP_PSH, sh,
			 record(sh, 22, m, server_hello(m, false, 0xc02f,
							false)));
		/* a copy of the first segment: bytes before the edge, at
		 * it, or both changed */
		if (c == 0)
			resend(s, 3, 0, 2, 3);
		else if (c == 1)
			resend(s, 3, 0, edge + 1, 2);
		else
			resend(s, 3, 0, edge - 2, 4);
		run_order(s, order, 1280, &g);
		assert_int_equal(g.n, 1);
		assert_true(g.c[0].has_client_hello);
		assert_int_equal(g.c[0].tcp_conflicts, c == 0 ? 0 : 1);
		if (c == 1) {
			assert_int_equal(g.c[0].conflict_bytes, 2);
			assert_int_equal(g.c[0].conflict_offset, edge + 2);
		} else if (c == 2) {
			assert_int_equal(g.c[0].conflict_bytes, 2);
			assert_int_equal(g.c[0].conflict_offset, edge + 1);
		}
	}
	free(s);
}

static void test_capture_not_tls(void **state)
{
	struct script *s = script_new();
	static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct tp_flows_stats st;
	struct got g;

	(void)state;
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_seg(s, 0, TP_TCP_PSH, (const uint8_t *)get, sizeof(get) - 1);
	send_seg(s, 1, TP_TCP_PSH, (const uint8_t *)ok, sizeof(ok) - 1);
	/* a TLS-looking record later changes nothing */
	send_seg(s, 0, TP_TCP_PSH, hello, sizeof(hello) - 1);
	tcp_close(s);
	run(s, IN_ORDER, &g, &st);
	assert_int_equal(g.n, 0);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.tls_flows, 0);
	assert_int_equal(st.peak_bytes, 0);
	free(s);
}

/* The same ClientHello, then each way a connection can end. */
static void test_capture_outcomes(void **state)
{
	struct script *s = script_new();
	struct tp_flows_stats st;
	struct got g;
	uint8_t b[512], m[256];
	size_t n;

	(void)state;
	/* the server refuses with a fatal handshake_failure */
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "alert.example");
	n = record(b, 21, (const uint8_t *)"\x02\x28", 2);
	send_seg(s, 1, TP_TCP_PSH, b, n);
	tcp_close(s);
	run(s, IN_ORDER, &g, &st);
	assert_int_equal(g.n, 1);
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "alert");
	assert_true(g.c[0].has_alert);
	assert_false(g.c[0].alert_encrypted);
	assert_int_equal(g.c[0].alert_level, 2);
	assert_int_equal(g.c[0].alert_desc, 40);
	assert_true(g.c[0].alert_from_server);
	assert_string_equal(g.c[0].history, "ShADdFf");

	/* reset after the ClientHello */
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "reset.example");
	send_seg(s, 1, TP_TCP_RST, NULL, 0);
	run(s, IN_ORDER, &g, &st);
	assert_int_equal(g.n, 1);
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "reset");
	assert_true(g.c[0].rst_server);
	assert_string_equal(g.c[0].history, "ShADr");

	/* closed without a word */
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "closed.example");
	tcp_close(s);
	run(s, IN_ORDER, &g, &st);
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "closed");
	assert_string_equal(g.c[0].history, "ShADFf");

	/* the capture ends after the ServerHello */
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "open.example");
	n = record(b, 22, m, server_hello(m, false, 0x009c, false));
	send_seg(s, 1, TP_TCP_PSH, b, n);
	run(s, IN_ORDER, &g, &st);
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "incomplete");
	assert_int_equal(g.c[0].sh.suite, 0x009c);

	/* an encrypted alert after the client's CCS (TLS 1.2): level
	 * unknown, but before the handshake ended */
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_client_hello(s, false, "enc.example");
	n = record(b, 22, m, server_hello(m, false, 0xc02f, false));
	send_seg(s, 1, TP_TCP_PSH, b, n);
	n = record(b, 20, (const uint8_t *)"\x01", 1);
	n += record(b + n, 21, m, 26);
	send_seg(s, 0, TP_TCP_PSH, b, n);
	tcp_close(s);
	run(s, IN_ORDER, &g, &st);
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "alert");
	assert_true(g.c[0].alert_encrypted);
	assert_false(g.c[0].alert_from_server);
	free(s);
}

/* How a TLS 1.3 handshake ended, from the sizes of its encrypted
 * records: the client's flight after the server's, then the server's
 * answer, then the close (RFC 8446 sections 4.4.4, 5.2 and 6). */
static const struct {
	const char *name;
	uint16_t suite;
	size_t client[2];   /* the client's encrypted records (0: none) */
	size_t server[2];   /* the server's after them */
	int plain_alert;    /* a plaintext alert from the server after
			     * them, its description, or -1 */
	const char *outcome;
	int alert_from_server;  /* -1 no alert */
	bool inferred;
} tls13_ends[] = {
	{"tickets, then the close", 0x1301, {53, 0}, {250, 250}, -1,
	 "established", -1, false},
	{"one ticket, then the close", 0x1301, {53, 0}, {250, 0}, -1,
	 "established", -1, false},
	{"nothing from the server", 0x1301, {90, 53}, {0, 0}, -1,
	 "established", -1, false},
	{"the server refuses the certificate", 0x1301, {25, 53}, {19, 0}, -1,
	 "alert", 1, true},
	{"refused, SHA-384", 0x1302, {69, 0}, {19, 0}, -1, "alert", 1, true},
	{"refused, CCM_8", 0x1305, {45, 0}, {11, 0}, -1, "alert", 1, true},
	{"an alert's size, but a second record", 0x1301, {53, 0}, {19, 40},
	 -1, "established", -1, false},
	{"not an alert's size", 0x1301, {53, 0}, {20, 0}, -1, "established",
	 -1, false},
	{"too short for a Finished with SHA-384", 0x1302, {53, 0}, {0, 0},
	 -1, "closed", -1, false},
	{"the client gives up", 0x1301, {19, 0}, {0, 0}, -1, "alert", 0,
	 true},
	{"a plaintext alert after the handshake", 0x1301, {53, 0}, {0, 0},
	 46, "alert", 1, false},
};

static void test_capture_tls13_end(void **state)
{
	struct script *s = script_new();
	struct tp_flows_stats st;
	struct got g;
	uint8_t b[2048], m[512], enc[300];
	size_t i, k, n;

	(void)state;
	memset(enc, 0x77, sizeof(enc));
	for (i = 0; i < sizeof(tls13_ends) / sizeof(tls13_ends[0]); i++) {
		print_message("# %s\n", tls13_ends[i].name);
		script_init(s, 1000, 2000);
		tcp_open(s);
		send_client_hello(s, true, "end.example");
		n = record(b, 22, m, server_hello(m, true, tls13_ends[i].suite,
						    false));
		n += record(b + n, 20, (const uint8_t *)"\x01", 1);
		n += record(b + n, 23, enc, sizeof(enc));
		send_seg(s, 1, TP_TCP_PSH, b, n);
		n = record(b, 20, (const uint8_t *)"\x01", 1);
		for (k = 0; k < 2 && tls13_ends[i].client[k] > 0; k++)
			n += record(b + n, 23, enc, tls13_ends[i].client[k]);
		send_seg(s, 0, TP_TCP_PSH, b, n);
		for (k = 0; k < 2 && tls13_ends[i].server[k] > 0; k++)
			send_seg(s, 1, TP_TCP_PSH, b,
				 record(b, 23, enc, tls13_ends[i].server[k]));
		if (tls13_ends[i].plain_alert >= 0) {
			m[0] = 2;
			m[1] = (uint8_t)tls13_ends[i].plain_alert;
			send_seg(s, 1, TP_TCP_PSH, b, record(b, 21, m, 2));
		}
		tcp_close(s);
		run(s, IN_ORDER, &g, &st);
		assert_int_equal(g.n, 1);
		assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
				    tls13_ends[i].outcome);
		assert_int_equal(g.c[0].has_alert,
				 tls13_ends[i].alert_from_server >= 0);
		if (!g.c[0].has_alert)
			continue;
		assert_int_equal(g.c[0].alert_from_server,
				 tls13_ends[i].alert_from_server);
		assert_int_equal(g.c[0].alert_inferred,
				 tls13_ends[i].inferred);
		assert_int_equal(g.c[0].alert_encrypted,
				 tls13_ends[i].inferred);
		if (tls13_ends[i].plain_alert >= 0) {
			assert_int_equal(g.c[0].alert_level, 2);
			assert_int_equal(g.c[0].alert_desc,
					 tls13_ends[i].plain_alert);
		}
	}
	free(s);
}

/* No SYN in the capture: the ClientHello tells the client, even from
 * the lower port. */
static void test_capture_mid_stream(void **state)
{
	struct script *s = script_new();
	struct tp_flows_stats st;
	struct got g;
	size_t i;

	(void)state;
	s->cport = 80;  /* lower than 443 */
	script_init(s, 1000, 2000);
	tls12_session(s, 1460);
	/* drop the three packets of the TCP handshake */
	memmove(s->p, s->p + 3, (s->n - 3) * sizeof(s->p[0]));
	s->n -= 3;
	run(s, IN_ORDER, &g, &st);
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].client_known);
	assert_string_equal(g.c[0].client, "10.0.0.1:80");
	assert_string_equal(tp_flows_conn_outcome(&g.c[0]), "established");
	assert_string_equal(g.c[0].history, "DdFf");
	/* nothing but data the server sent: the lower port serves */
	script_init(s, 1000, 2000);
	s->cport = 40000;
	for (i = 0; i < 1; i++)
		send_seg(s, 1, TP_TCP_PSH, hello, sizeof(hello) - 1);
	run(s, IN_ORDER, &g, &st);
	assert_int_equal(g.n, 1);
	assert_false(g.c[0].client_known);
	assert_string_equal(g.c[0].server, "10.0.0.2:443");
	s->cport = 0;
	free(s);
}

/* ---- STARTTLS ---- */

/* Bytes one side sends: 0 the client, 1 the server. */
struct turn {
	int side;
	const char *bytes;
	size_t len;
};

#define CL(lit) {0, lit, sizeof(lit) - 1}
#define SV(lit) {1, lit, sizeof(lit) - 1}
#define LDAP_OID "1.3.6.1.4.1.1466.20037"
#define XMPP_TLS "urn:ietf:params:xml:ns:xmpp-tls"

/* A protocol's prelude up to the upgrade command, the command, the
 * server's go-ahead, a refusal and what the client says after it. Each
 * on the port of another protocol: the bytes tell, not the port. */
struct prelude_case {
	const char *name;
	enum tp_starttls proto;
	uint16_t port;
	struct turn talk[3];
	size_t n_talk;
	struct turn command, go, no, after_no;
};

static const struct prelude_case prelude_cases[] = {
	{"SMTP", TP_STARTTLS_SMTP, 443,
	 {SV("220 mail.test ESMTP ready\r\n"), CL("EHLO client.test\r\n"),
	  SV("250-mail.test greets client.test\r\n250-PIPELINING\r\n"
	     "250-STARTTLS\r\n250 8BITMIME\r\n")}, 3,
	 CL("STARTTLS\r\n"), SV("220 2.0.0 Ready to start TLS\r\n"),
	 SV("454 4.7.0 TLS not available due to temporary reason\r\n"),
	 CL("QUIT\r\n")},
	{"SMTP, a multi-line go-ahead", TP_STARTTLS_SMTP, 587,
	 {SV("220-mail.test ESMTP\r\n220 ready\r\n"), CL("HELO client.test\r\n"),
	  SV("250 mail.test\r\n")}, 3,
	 CL("starttls  \r\n"), SV("220-2.0.0 go\r\n220 ahead\r\n"),
	 SV("554-5.7.1 not\r\n554 5.7.1 here\r\n"), CL("QUIT\r\n")},
	{"IMAP", TP_STARTTLS_IMAP, 25,
	 {SV("* OK [CAPABILITY IMAP4rev1 STARTTLS] imap.test ready\r\n"),
	  CL("a001 CAPABILITY\r\n"),
	  SV("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n"
	     "a001 OK CAPABILITY completed\r\n")}, 3,
	 CL("a002 STARTTLS\r\n"),
	 SV("* CAPABILITY IMAP4rev1 STARTTLS\r\na002 OK Begin TLS now\r\n"),
	 SV("a002 BAD STARTTLS not now\r\n"), CL("a003 LOGOUT\r\n")},
	{"POP3", TP_STARTTLS_POP3, 5222,
	 {SV("+OK pop.test POP3 ready\r\n"), CL("CAPA\r\n"),
	  SV("+OK Capability list follows\r\nUSER\r\nSTLS\r\n.\r\n")}, 3,
	 CL("STLS\r\n"), SV("+OK Begin TLS negotiation\r\n"),
	 SV("-ERR TLS is not available\r\n"), CL("QUIT\r\n")},
	{"FTP", TP_STARTTLS_FTP, 110,
	 {SV("220-ftp.test welcome\r\n220-a second line\r\n"
	     "  and a line that is not a reply line\r\n220 ready\r\n")}, 1,
	 CL("AUTH TLS\r\n"), SV("234 AUTH TLS successful\r\n"),
	 SV("534 Request denied for policy reasons\r\n"), CL("QUIT\r\n")},
	{"XMPP", TP_STARTTLS_XMPP, 21,
	 {CL("<?xml version='1.0'?><stream:stream to='chat.test' "
	     "xmlns='jabber:client' "
	     "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
	  SV("<?xml version='1.0'?>\n<stream:stream from='chat.test' "
	     "id='a>b' version='1.0' xmlns='jabber:client' "
	     "xmlns:stream='http://etherx.jabber.org/streams'>"
	     "<stream:features><starttls xmlns='" XMPP_TLS "'><required/>"
	     "</starttls><mechanisms "
	     "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
	     "</mechanism></mechanisms></stream:features>")}, 2,
	 CL("<starttls xmlns='" XMPP_TLS "'/>"),
	 /* a quoted '>' ends no tag */
	 SV("<proceed note='/>' xmlns=\"" XMPP_TLS "\"/>"),
	 SV("<failure xmlns='" XMPP_TLS "'/></stream:stream>"),
	 CL("</stream:stream>")},
	{"XMPP, start and end tags", TP_STARTTLS_XMPP, 5223,
	 {CL("<stream:stream to='chat.test' xmlns='jabber:client' "
	     "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
	  SV("<stream:stream from='chat.test' id='x' version='1.0' "
	     "xmlns='jabber:client' "
	     "xmlns:stream='http://etherx.jabber.org/streams'>"
	     "<stream:features><starttls xmlns='" XMPP_TLS "'/>"
	     "</stream:features>")}, 2,
	 CL("<starttls xmlns='" XMPP_TLS "'>\n</starttls>"),
	 SV("<proceed xmlns='" XMPP_TLS "'></proceed>"),
	 SV("<stream:error><policy-violation "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
	 CL("</stream:stream>")},
	{"PostgreSQL", TP_STARTTLS_POSTGRES, 389, {{0, NULL, 0}}, 0,
	 CL("\x00\x00\x00\x08\x04\xd2\x16\x2f"), SV("S"), SV("N"),
	 CL("\x00\x00\x00\x09\x00\x03\x00\x00\x00")},
	{"PostgreSQL after a GSSENCRequest", TP_STARTTLS_POSTGRES, 443,
	 {CL("\x00\x00\x00\x08\x04\xd2\x16\x30"), SV("N")}, 2,
	 CL("\x00\x00\x00\x08\x04\xd2\x16\x2f"), SV("S"),
	 SV("E\x00\x00\x00\x05\x00"), CL("\x00\x00\x00\x09\x00\x03\x00\x00\x00")},
	{"LDAP", TP_STARTTLS_LDAP, 5432, {{0, NULL, 0}}, 0,
	 CL("\x30\x1d\x02\x01\x01\x77\x18\x80\x16" LDAP_OID),
	 SV("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00"),
	 SV("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x02\x04\x00\x04\x00"),
	 CL("\x30\x05\x02\x01\x02\x42\x00")},
	{"LDAP, a search first, long-form lengths", TP_STARTTLS_LDAP, 636,
	 {CL("\x30\x25\x02\x01\x06\x63\x20\x04\x00\x0a\x01\x00\x0a\x01\x00"
	     "\x02\x01\x00\x02\x01\x00\x01\x01\x00\x87\x0b" "objectClass"
	     "\x30\x00"),
	  SV("\x30\x0c\x02\x01\x06\x65\x07\x0a\x01\x00\x04\x00\x04\x00")}, 2,
	 CL("\x30\x81\x1e\x02\x01\x07\x77\x81\x18\x80\x16" LDAP_OID),
	 SV("\x30\x81\x0c\x02\x01\x07\x78\x07\x0a\x01\x00\x04\x00\x04\x00"),
	 /* a Notice of Disconnection: messageID 0, unavailable */
	 SV("\x30\x0c\x02\x01\x00\x78\x07\x0a\x01\x34\x04\x00\x04\x00"),
	 CL("\x30\x05\x02\x01\x08\x42\x00")},
};

#define N_PRELUDE_CASES (sizeof(prelude_cases) / sizeof(prelude_cases[0]))

static void send_turn(struct script *s, const struct turn *t, size_t mss)
{
	send_split(s, t->side, (const uint8_t *)t->bytes, t->len, mss);
}

/* The prelude up to the command, on the case's server port. */
static void prelude_talk(struct script *s, const struct prelude_case *pc,
			 size_t mss)
{
	size_t i;

	s->sport = pc->port;
	script_init(s, 1000, 0x7ffffff0);
	tcp_open(s);
	for (i = 0; i < pc->n_talk; i++)
		send_turn(s, &pc->talk[i], mss);
}

/*
 * A prelude, then TLS 1.3. In order, the go-ahead comes alone before
 * the ClientHello; pipelined, the ClientHello follows the command in
 * the same bytes and the server's flight its go-ahead, so that with a
 * small mss the end of the plaintext and the first TLS bytes share
 * segments. ch: the ClientHello record sent.
 */
static void starttls_session(struct script *s, const struct prelude_case *pc,
			     size_t mss, bool pipelined, uint8_t *ch,
			     size_t *ch_len)
{
	uint8_t cb[4096], sb[4096], m[512], enc[300];
	size_t cn, sn;

	prelude_talk(s, pc, mss);
	*ch_len = client_hello(ch, 2048, true, "starttls.example");
	memcpy(cb, pc->command.bytes, pc->command.len);
	cn = pc->command.len;
	memcpy(sb, pc->go.bytes, pc->go.len);
	sn = pc->go.len;
	memset(enc, 0x77, sizeof(enc));
	sn += record(sb + sn, 22, m, server_hello(m, true, 0x1301, false));
	sn += record(sb + sn, 20, (const uint8_t *)"\x01", 1);
	sn += record(sb + sn, 23, enc, sizeof(enc));
	if (pipelined) {
		memcpy(cb + cn, ch, *ch_len);
		send_split(s, 0, cb, cn + *ch_len, mss);
		send_split(s, 1, sb, sn, mss);
	} else {
		send_split(s, 0, cb, cn, mss);
		send_split(s, 1, sb, pc->go.len, mss);
		send_split(s, 0, ch, *ch_len, mss);
		send_split(s, 1, sb + pc->go.len, sn - pc->go.len, mss);
	}
	cn = record(cb, 20, (const uint8_t *)"\x01", 1);
	cn += record(cb + cn, 23, enc, 53);
	send_split(s, 0, cb, cn, mss);
	send_split(s, 1, sb, record(sb, 23, enc, 100), mss);
	tcp_close(s);
}

/* The JA3 of a ClientHello record, parsed on its own. */
static void direct_ja3(const uint8_t *ch, size_t len, char out[33])
{
	struct tp_wire_client_hello parsed;

	assert_int_equal(tp_wire_parse_client_hello(ch + 9, len - 9, &parsed),
			 0);
	tp_ja3(&parsed, out, NULL, 0);
}

/* Every protocol, with every mss and replay order, in order and
 * pipelined: one TLS connection, its protocol named, its hellos read
 * from the byte after the command and after the go-ahead. */
static void test_capture_starttls(void **state)
{
	static const size_t mss[] = {1460, 7, 2};
	struct script *s = script_new();
	struct tp_flows_stats st;
	char want_ja3[33], ja3[33], server[32];
	uint8_t ch[2048];
	size_t c, m, ch_len;
	int o, pipelined;
	struct got g;

	(void)state;
	for (c = 0; c < N_PRELUDE_CASES; c++) {
		const struct prelude_case *pc = &prelude_cases[c];

		for (m = 0; m < 3; m++)
		for (pipelined = 0; pipelined < 2; pipelined++)
		for (o = IN_ORDER; o <= BYTEWISE; o++) {
			print_message("# %s, mss %zu, %s%s\n", pc->name,
				      mss[m], order_name[o],
				      pipelined ? ", pipelined" : "");
			starttls_session(s, pc, mss[m], pipelined, ch, &ch_len);
			direct_ja3(ch, ch_len, want_ja3);
			run(s, (enum order)o, &g, &st);
			assert_int_equal(g.n, 1);
			assert_int_equal(g.c[0].starttls, pc->proto);
			assert_string_equal(g.c[0].client, "10.0.0.1:40000");
			snprintf(server, sizeof(server), "10.0.0.2:%u",
				 pc->port);
			assert_string_equal(g.c[0].server, server);
			assert_true(g.c[0].has_client_hello);
			assert_string_equal(g.c[0].ch.sni, "starttls.example");
			tp_ja3(&g.c[0].ch, ja3, NULL, 0);
			assert_string_equal(ja3, want_ja3);
			assert_true(g.c[0].has_server_hello);
			assert_int_equal(g.c[0].sh.version, 0x0304);
			assert_int_equal(g.c[0].sh.suite, 0x1301);
			assert_false(g.c[0].has_alert);
			assert_false(g.c[0].gap);
			assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
					    "established");
			assert_int_equal(st.tls_flows, 1);
			assert_int_equal(st.starttls, 1);
			assert_int_equal(st.starttls_refused, 0);
			assert_int_equal(st.peak_preludes, 1);
			assert_int_equal(st.preludes, 0);
		}
	}
	s->sport = 0;
	free(s);
}

/* More refusals than the cases' own: each ends the connection's TLS. */
static const struct {
	size_t c;               /* the case whose prelude comes first */
	struct turn no;
} more_refusals[] = {
	{0, SV("502 5.5.1 STARTTLS not implemented\r\n")},
	{2, SV("a002 NO [UNAVAILABLE] try later\r\n")},
	{2, SV("* CAPABILITY IMAP4rev1\r\n* BYE shutting down\r\n")},
	{4, SV("502 Command not implemented\r\n")},
	{5, SV("</stream:stream>")},
	{9, SV("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x35\x04\x00\x04\x00")},
};

/* A refused upgrade (or one never answered, no NULL): not a TLS
 * connection, even when the client sent its ClientHello before the
 * answer came. */
static void refused_once(struct script *s, const struct prelude_case *pc,
			 const struct turn *no, bool pipelined,
			 enum order order)
{
	struct tp_flows_stats st;
	uint8_t ch[2048];
	struct got g;

	prelude_talk(s, pc, 5);
	send_turn(s, &pc->command, 5);
	if (pipelined)
		send_split(s, 0, ch, client_hello(ch, sizeof(ch), true,
						  "refused.example"), 100);
	if (no != NULL) {
		send_turn(s, no, 5);
		send_turn(s, &pc->after_no, 5);
	}
	tcp_close(s);
	run(s, order, &g, &st);
	assert_int_equal(g.n, 0);
	assert_int_equal(st.tls_flows, 0);
	assert_int_equal(st.starttls, 0);
	assert_int_equal(st.starttls_refused, no != NULL);
	assert_int_equal(st.peak_preludes, 1);
	assert_int_equal(st.preludes, 0);
}

static void test_capture_starttls_refused(void **state)
{
	struct script *s = script_new();
	size_t c;
	int pipelined, o;

	(void)state;
	for (pipelined = 0; pipelined < 2; pipelined++) {
		for (o = IN_ORDER; o <= BYTEWISE; o += BYTEWISE) {
			for (c = 0; c < N_PRELUDE_CASES; c++) {
				print_message("# %s refused, %s%s\n",
					      prelude_cases[c].name,
					      order_name[o],
					      pipelined ? ", pipelined" : "");
				refused_once(s, &prelude_cases[c],
					     &prelude_cases[c].no, pipelined,
					     (enum order)o);
				/* the server closes without an answer */
				refused_once(s, &prelude_cases[c], NULL,
					     pipelined, (enum order)o);
			}
			for (c = 0; c < sizeof(more_refusals) /
					sizeof(more_refusals[0]); c++) {
				print_message("# %s refused, refusal %zu\n",
					      prelude_cases[more_refusals[c].c]
					      .name, c);
				refused_once(s, &prelude_cases[more_refusals[c].c],
					     &more_refusals[c].no, pipelined,
					     (enum order)o);
			}
		}
	}
	s->sport = 0;
	free(s);
}

/* An SMTP session that never asks for TLS: watched while it lasts
 * (a fixed state, no bytes held), never listed; with more such
 * connections than flows followed, no more preludes than flows. */
static void test_capture_starttls_never(void **state)
{
	static const struct turn mail[] = {
		SV("220 mail.test ESMTP ready\r\n"), CL("EHLO client.test\r\n"),
		SV("250-mail.test\r\n250 SIZE 1000000\r\n"),
		CL("MAIL FROM:<a@client.test>\r\n"), SV("250 2.1.0 Ok\r\n"),
		CL("RCPT TO:<b@mail.test>\r\n"), SV("250 2.1.5 Ok\r\n"),
		CL("DATA\r\n"), SV("354 End data with <CR><LF>.<CR><LF>\r\n"),
		CL("Subject: STARTTLS\r\n\r\nSTARTTLS\r\n.\r\n"),
		SV("250 2.0.0 Ok: queued\r\n"),
		CL("MAIL FROM:<a@client.test>\r\n"), SV("250 2.1.0 Ok\r\n"),
		CL("RCPT TO:<b@mail.test>\r\n"), SV("250 2.1.5 Ok\r\n"),
		CL("BDAT 10 LAST\r\nSTARTTLS\r\n"),
		SV("250 2.0.0 Ok: queued\r\n"),
	};
	/* IMAP: a literal holds what looks like the command */
	static const struct turn imap[] = {
		SV("* OK imap.test ready\r\n"), CL("a1 LOGIN {13}\r\n"),
		SV("+ Ready for literal data\r\n"),
		CL("a2 STARTTLS\r\n secret\r\n"),
		SV("a1 NO [PRIVACYREQUIRED] LOGIN only after STARTTLS\r\n"),
	};
	const struct prelude_case *pc = &prelude_cases[0];
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	size_t i, k;

	(void)state;
	script_init(s, 1000, 2000);
	tcp_open(s);
	for (i = 0; i < sizeof(mail) / sizeof(mail[0]); i++)
		send_turn(s, &mail[i], 1460);
	f = tp_flows_new(16, 0, on_done, &g);
	assert_non_null(f);
	replay(f, s, IN_ORDER);
	tp_flows_stats(f, &st);
	assert_int_equal(st.preludes, 1);
	assert_int_equal(st.peak_bytes, 0);
	/* and after all that, STARTTLS is still the command */
	script_init(s, s->next[0], s->next[1]);
	send_turn(s, &pc->command, 1460);
	send_turn(s, &pc->go, 1460);
	send_client_hello(s, true, "late.example");
	tcp_close(s);
	replay(f, s, IN_ORDER);
	tp_flows_free(f);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.c[0].starttls, TP_STARTTLS_SMTP);
	assert_string_equal(g.c[0].ch.sni, "late.example");
	memset(&g, 0, sizeof(g));
	script_init(s, 1000, 2000);
	tcp_open(s);
	for (i = 0; i < sizeof(imap) / sizeof(imap[0]); i++)
		send_turn(s, &imap[i], 7);
	f = tp_flows_new(16, 0, on_done, &g);
	replay(f, s, IN_ORDER);
	tp_flows_stats(f, &st);
	assert_int_equal(st.preludes, 1);
	tp_flows_free(f);
	assert_int_equal(g.n, 0);

	/* the same session, closed: the prelude goes with the flow */
	memset(&g, 0, sizeof(g));
	script_init(s, 1000, 2000);
	tcp_open(s);
	for (i = 0; i < sizeof(mail) / sizeof(mail[0]); i++)
		send_turn(s, &mail[i], 1460);
	tcp_close(s);
	f = tp_flows_new(16, 0, on_done, &g);
	replay(f, s, BYTEWISE);
	tp_flows_stats(f, &st);
	assert_int_equal(st.preludes, 0);
	assert_int_equal(st.peak_preludes, 1);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.tls_flows, 0);
	assert_int_equal(st.starttls + st.starttls_refused, 0);
	tp_flows_free(f);
	assert_int_equal(g.n, 0);

	/* 1000 of them, none closed, 64 followed at once */
	memset(&g, 0, sizeof(g));
	f = tp_flows_new(64, 0, on_done, &g);
	for (k = 0; k < 1000; k++) {
		s->cport = (uint16_t)(20000 + k);
		script_init(s, 1000, 2000);
		tcp_open(s);
		for (i = 0; i < 3; i++)
			send_turn(s, &mail[i], 1460);
		replay(f, s, IN_ORDER);
	}
	tp_flows_stats(f, &st);
	assert_int_equal(st.flows, 1000);
	assert_int_equal(st.evicted, 1000 - 64);
	assert_int_equal(st.preludes, 64);
	assert_int_equal(st.peak_preludes, 64);
	assert_int_equal(st.peak_bytes, 0);
	tp_flows_flush(f);
	tp_flows_stats(f, &st);
	assert_int_equal(st.preludes, 0);
	assert_int_equal(st.tls_flows, 0);
	tp_flows_free(f);
	assert_int_equal(g.n, 0);
	s->cport = 0;
	free(s);
}

/* Streams no prelude of ours starts like, or that turn out not to be
 * one: given up at once, the connection counted and not listed. */
static void test_capture_starttls_not_ours(void **state)
{
	static const struct {
		const char *name;
		struct turn first, second;
		size_t peak;    /* preludes watched */
	} cases[] = {
		{"SSH", SV("SSH-2.0-OpenSSH_9.2\r\n"),
		 CL("SSH-2.0-client\r\n"), 0},
		{"NNTP", SV("200 news.test ready\r\n"), CL("CAPABILITIES\r\n"),
		 1},
		{"binary after a greeting", SV("220 mail.test\r\n"),
		 CL("\x01\x02\x03\x04"), 1},
		{"not a reply line", SV("220 ftp.test\r\n"),
		 SV("hello\r\n"), 1},
		{"an XML stream of something else", CL("<html>"),
		 SV("<stream:stream>"), 1},
		{"a PostgreSQL StartupMessage",
		 CL("\x00\x00\x00\x09\x00\x03\x00\x00\x00"), SV("R"), 1},
		{"the server speaks first in binary", SV("\x00\x01"),
		 CL("x"), 0},
		{"BER that is not LDAP", CL("\x30\x80\x02\x01\x01"),
		 SV("\x30\x03\x02\x01\x01"), 1},
	};
	struct script *s = script_new();
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# %s\n", cases[i].name);
		script_init(s, 1000, 2000);
		tcp_open(s);
		send_turn(s, &cases[i].first, 1460);
		send_turn(s, &cases[i].second, 1460);
		memset(&g, 0, sizeof(g));
		f = tp_flows_new(16, 0, on_done, &g);
		replay(f, s, IN_ORDER);
		tp_flows_stats(f, &st);
		/* given up before the connection ends */
		assert_int_equal(st.preludes, 0);
		assert_int_equal(st.peak_preludes, cases[i].peak);
		/* a ClientHello now changes nothing */
		script_init(s, s->next[0], s->next[1]);
		send_client_hello(s, true, "late.example");
		tcp_close(s);
		replay(f, s, IN_ORDER);
		tp_flows_flush(f);
		tp_flows_stats(f, &st);
		assert_int_equal(st.tls_flows, 0);
		assert_int_equal(st.starttls_refused, 0);
		tp_flows_free(f);
		assert_int_equal(g.n, 0);
	}
	free(s);
}

/* Lines "PREFIX xxx…\r\n" of at most 100 bytes, len in all (at least
 * strlen(prefix) + 8). */
static size_t filler(char *out, size_t len, const char *prefix)
{
	size_t at = 0, k, p = strlen(prefix);

	while (at < len) {
		k = len - at > 100 ? 100 : len - at;
		if (len - at - k > 0 && len - at - k < p + 8)
			k = len - at - (p + 8);
		memcpy(out + at, prefix, p);
		memset(out + at + p, 'x', k - p - 2);
		memcpy(out + at + k - 2, "\r\n", 2);
		at += k;
	}
	return at;
}

/* An SMTP prelude of total bytes in one direction (side 0: the client,
 * with NOOPs before its STARTTLS; 1: the server, with a long EHLO
 * reply), then TLS: listed up to TP_PRELUDE_MAX, given up past it. */
static void cap_once(struct script *s, int side, size_t total, bool listed)
{
	static char lines[TP_PRELUDE_MAX + 256];
	const struct prelude_case *pc = &prelude_cases[0];
	const struct turn *greeting = &pc->talk[0], *ehlo = &pc->talk[1];
	static const char last[] = "250 8BITMIME\r\n";
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	uint8_t ch[2048];
	size_t n;

	print_message("# %s: %zu bytes\n", side ? "server" : "client", total);
	s->sport = 25;
	script_init(s, 1000, 2000);
	tcp_open(s);
	send_turn(s, greeting, 1460);
	if (side == 0) {
		memcpy(lines, ehlo->bytes, ehlo->len);
		n = ehlo->len;
		n += filler(lines + n, total - n - pc->command.len, "NOOP ");
		memcpy(lines + n, pc->command.bytes, pc->command.len);
		n += pc->command.len;
		send_split(s, 0, (const uint8_t *)lines, n, 1460);
	} else {
		send_turn(s, ehlo, 1460);
		n = greeting->len;
		n += filler(lines, total - n - (sizeof(last) - 1) -
			    pc->go.len, "250-");
		memcpy(lines + n - greeting->len, last, sizeof(last) - 1);
		n += sizeof(last) - 1;
		send_split(s, 1, (const uint8_t *)lines, n - greeting->len,
			   1460);
		send_turn(s, &pc->command, 1460);
		n += pc->go.len;
	}
	assert_int_equal(n, total);
	send_turn(s, &pc->go, 1460);
	f = tp_flows_new(16, 0, on_done, &g);
	assert_non_null(f);
	replay(f, s, IN_ORDER);
	tp_flows_stats(f, &st);
	assert_int_equal(st.preludes, 0);
	assert_int_equal(st.starttls, listed);
	script_init(s, s->next[0], s->next[1]);
	send_client_hello(s, true, "cap.example");
	send_seg(s, 1, TP_TCP_PSH, ch, record(ch, 22, ch + 1024,
		 server_hello(ch + 1024, true, 0x1301, false)));
	tcp_close(s);
	replay(f, s, IN_ORDER);
	tp_flows_flush(f);
	tp_flows_free(f);
	assert_int_equal(g.n, listed);
	if (listed)
		assert_int_equal(g.c[0].starttls, TP_STARTTLS_SMTP);
}

static void test_capture_starttls_cap(void **state)
{
	static char body[20000];
	struct script *s = script_new();
	const struct prelude_case *pc = &prelude_cases[0];
	struct tp_flows *f;
	struct tp_flows_stats st;
	struct got g = {0};
	size_t i;

	(void)state;
	cap_once(s, 0, TP_PRELUDE_MAX, true);
	cap_once(s, 0, TP_PRELUDE_MAX + 1, false);
	cap_once(s, 1, TP_PRELUDE_MAX, true);
	cap_once(s, 1, TP_PRELUDE_MAX + 1, false);
	/* a long mail in plaintext, the connection still open: nothing of
	 * the prelude is kept once its bound is passed */
	script_init(s, 1000, 2000);
	tcp_open(s);
	for (i = 0; i < pc->n_talk; i++)
		send_turn(s, &pc->talk[i], 1460);
	send_split(s, 0, (const uint8_t *)body,
		   filler(body, sizeof(body), "X-Line: "), 1460);
	f = tp_flows_new(16, 0, on_done, &g);
	replay(f, s, IN_ORDER);
	tp_flows_stats(f, &st);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.peak_preludes, 1);
	assert_int_equal(st.preludes, 0);
	assert_int_equal(st.peak_bytes, 0);
	tp_flows_free(f);
	assert_int_equal(g.n, 0);
	s->sport = 0;
	free(s);
}

/* ---- real captures ---- */

static const char *top(void)
{
	const char *t = getenv("TLSPROBE_TOP");

	return t != NULL && *t != '\0' ? t : ".";
}

static int read_capture(const char *path, struct got *g,
			struct tp_flows_stats *st, struct tp_error *err)
{
	struct tp_capture *cap;
	struct tp_flows *f;
	struct tp_pkt p;
	int rc;

	memset(g, 0, sizeof(*g));
	if (tp_capture_open_file(path, &cap, err) < 0)
		return -1;
	assert_int_equal(tp_capture_fd(cap), -1);
	f = tp_flows_new(0, 0, on_done, g);
	assert_non_null(f);
	while ((rc = tp_capture_next(cap, &p, err)) > 0)
		tp_flows_add(f, &p);
	tp_flows_flush(f);
	tp_flows_stats(f, st);
	tp_flows_free(f);
	tp_capture_close(cap);
	return rc;
}

/* Reads tests/fuzz/corpus/pcap/NAME into g and st; fails the test when
 * it cannot be read. */
static void read_corpus(const char *name, struct got *g,
			struct tp_flows_stats *st)
{
	struct tp_error err;
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/pcap/%s", top(),
		 name);
	print_message("# %s\n", path);
	tp_error_clear(&err);
	assert_int_equal(read_capture(path, g, st, &err), 0);
}

struct real_case {
	const char *file;
	const char *sni;
	uint16_t version, suite;
	size_t n_certs;
	const char *outcome;
};

static void test_capture_real_files(void **state)
{
	static const struct real_case cases[] = {
		{"openssl-tls12.pcap", "localhost", 0x0303, 0xc030, 1,
		 "established"},
		{"openssl-tls13.pcap", "localhost", 0x0304, 0x1302, 0,
		 "established"},
		{"gnutls-tls12.pcap", "localhost", 0x0303, 0xc030, 1,
		 "established"},
		{"gnutls-tls13.pcap", "localhost", 0x0304, 0x1302, 0,
		 "established"},
		{"gnutls-tls13.pcapng", "localhost", 0x0304, 0x1302, 0,
		 "established"},
		{"openssl-tls13-hrr.pcap", "hrr.test", 0x0304, 0x1302, 0,
		 "established"},
		{"openssl-tls12-unknown-ca.pcap", "localhost", 0x0303, 0xc030,
		 1, "alert"},
	};
	struct tp_flows_stats st;
	struct got g;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		read_corpus(cases[i].file, &g, &st);
		assert_int_equal(g.n, 1);
		assert_true(g.c[0].client_known);
		assert_string_equal(g.c[0].ch.sni, cases[i].sni);
		assert_int_equal(g.c[0].sh.version, cases[i].version);
		assert_int_equal(g.c[0].sh.suite, cases[i].suite);
		assert_int_equal(g.c[0].n_certs, cases[i].n_certs);
		assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
				    cases[i].outcome);
		assert_string_equal(g.c[0].history,
				    i == 2 || i == 3 || i == 4 ? "ShADadfF"
							       : "ShADadFf");
		assert_false(g.c[0].gap);
		assert_int_equal(g.c[0].retransmissions, 0);
		assert_true(strncmp(g.c[0].client, "127.0.0.1:", 10) == 0);
		assert_int_equal(st.frames, st.tcp);
		assert_int_equal(st.tls_flows, 1);
		if (strcmp(cases[i].outcome, "alert") == 0) {
			/* unknown_ca, from the client */
			assert_int_equal(g.c[0].alert_level, 2);
			assert_int_equal(g.c[0].alert_desc, 48);
			assert_false(g.c[0].alert_from_server);
		}
	}
}

/* openssl s_client -starttls against starttls_server.py, on lo: one
 * TLS 1.3 connection each, or a refusal (IMAP NO, SMTP 454). */
static void test_capture_real_starttls(void **state)
{
	static const struct {
		const char *file;
		enum tp_starttls proto;
		const char *history;
	} cases[] = {
		{"smtp", TP_STARTTLS_SMTP, "ShAdDaFf"},
		{"imap", TP_STARTTLS_IMAP, "ShAdDafF"},
		{"pop3", TP_STARTTLS_POP3, "ShAdDaFf"},
		{"ftp", TP_STARTTLS_FTP, "ShAdDafF"},
		{"xmpp", TP_STARTTLS_XMPP, "ShADadfF"},
		{"postgres", TP_STARTTLS_POSTGRES, "ShADadfF"},
		{"ldap", TP_STARTTLS_LDAP, "ShADadFf"},
		{"imap-refused", TP_STARTTLS_NONE, NULL},
		{"smtp-refused", TP_STARTTLS_NONE, NULL},
	};
	struct tp_flows_stats st;
	struct got g;
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "openssl-starttls-%s.pcap",
			 cases[i].file);
		read_corpus(name, &g, &st);
		assert_int_equal(st.flows, 1);
		assert_int_equal(st.peak_preludes, 1);
		assert_int_equal(st.preludes, 0);
		if (cases[i].history == NULL) {
			assert_int_equal(g.n, 0);
			assert_int_equal(st.starttls_refused, 1);
			continue;
		}
		assert_int_equal(g.n, 1);
		assert_int_equal(st.starttls, 1);
		assert_int_equal(g.c[0].starttls, cases[i].proto);
		assert_true(g.c[0].client_known);
		assert_string_equal(g.c[0].ch.sni, "stls.test");
		assert_int_equal(g.c[0].sh.version, 0x0304);
		assert_int_equal(g.c[0].sh.suite, 0x1302);
		assert_string_equal(tp_flows_conn_outcome(&g.c[0]),
				    "established");
		assert_string_equal(g.c[0].history, cases[i].history);
		assert_false(g.c[0].gap);
		assert_int_equal(g.c[0].retransmissions, 0);
	}
}

/* A file cut in the middle of a frame: an error, and what came before
 * it still counts. */
static void test_capture_truncated_file(void **state)
{
	char src[4096], dst[] = "/tmp/tlsprobe-capture-XXXXXX";
	struct tp_flows_stats st;
	struct tp_error err;
	struct got g;
	uint8_t buf[8192];
	size_t n;
	FILE *in, *out;
	int fd;

	(void)state;
	snprintf(src, sizeof(src), "%s/tests/fuzz/corpus/pcap/%s", top(),
		 "openssl-tls12.pcap");
	in = fopen(src, "rb");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	fd = mkstemp(dst);
	assert_true(fd >= 0);
	out = fdopen(fd, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, n - 30, out), n - 30);
	fclose(out);
	tp_error_clear(&err);
	assert_int_equal(read_capture(dst, &g, &st, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, dst));
	assert_true(st.frames > 5);
	assert_int_equal(g.n, 1);
	assert_true(g.c[0].has_server_hello);

	/* not a capture at all */
	out = fopen(dst, "wb");
	assert_non_null(out);
	fputs("hello, not a capture\n", out);
	fclose(out);
	tp_error_clear(&err);
	assert_int_equal(read_capture(dst, &g, &st, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, dst));
	unlink(dst);
	tp_error_clear(&err);
	assert_int_equal(read_capture("/nonexistent/x.pcap", &g, &st, &err),
			 -1);
	assert_non_null(strstr(err.message, "/nonexistent/x.pcap"));
}

/* Writing what is read to a file gives the same frames back. */
static void test_capture_dump(void **state)
{
	char src[4096], dst[] = "/tmp/tlsprobe-dump-XXXXXX";
	struct tp_capture *cap;
	struct tp_flows_stats st, st2;
	struct tp_error err = {0};
	struct tp_pkt p;
	struct got g;
	int fd;

	(void)state;
	snprintf(src, sizeof(src), "%s/tests/fuzz/corpus/pcap/%s", top(),
		 "gnutls-tls13.pcap");
	fd = mkstemp(dst);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tp_capture_open_file(src, &cap, &err), 0);
	assert_int_equal(tp_capture_dump_to(cap, dst, &err), 0);
	while (tp_capture_next(cap, &p, &err) > 0)
		;
	tp_capture_close(cap);
	assert_int_equal(read_capture(src, &g, &st, &err), 0);
	assert_int_equal(read_capture(dst, &g, &st2, &err), 0);
	assert_int_equal(st.frames, st2.frames);
	assert_int_equal(g.n, 1);
	unlink(dst);
	/* an unwritable place */
	assert_int_equal(tp_capture_open_file(src, &cap, &err), 0);
	assert_int_equal(tp_capture_dump_to(cap, "/nonexistent/d.pcap", &err),
			 -1);
	assert_non_null(strstr(err.message, "/nonexistent/d.pcap"));
	tp_capture_close(cap);
}

/* A live capture: a bad interface or filter is named (root only can
 * open one at all; without it, the permission message). */
static void test_capture_live_errors(void **state)
{
	struct tp_capture *cap = NULL;
	struct tp_error err = {0};

	(void)state;
	assert_int_equal(tp_capture_open_live("no-such-if0", NULL, &cap, &err),
			 -1);
	assert_non_null(strstr(err.message, "no-such-if0"));
	tp_error_clear(&err);
	if (tp_capture_open_live("lo", "tcp port 1 and and", &cap, &err) < 0) {
		if (strstr(err.message, "not permitted") != NULL) {
			assert_int_equal(err.kind, TP_ERR_RUNTIME);
			assert_non_null(strstr(err.message, "CAP_NET_RAW"));
			return;
		}
		assert_non_null(strstr(err.message, "tcp port 1 and and"));
		assert_int_equal(err.kind, TP_ERR_USAGE);
	}
	tp_error_clear(&err);
	assert_int_equal(tp_capture_open_live("lo", "tcp port 1", &cap, &err),
			 0);
	assert_true(tp_capture_fd(cap) >= 0);
	tp_capture_close(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_decode_links),
		cmocka_unit_test(test_capture_decode_truncation),
		cmocka_unit_test(test_capture_decode_snaplen),
		cmocka_unit_test(test_capture_decode_tcp_header),
		cmocka_unit_test(test_capture_decode_fragments),
		cmocka_unit_test(test_capture_decode_icmp),
		cmocka_unit_test(test_capture_endpoint),
		cmocka_unit_test(test_capture_tls12),
		cmocka_unit_test(test_capture_tls13),
		cmocka_unit_test(test_capture_gap),
		cmocka_unit_test(test_capture_snaplen_gap),
		cmocka_unit_test(test_capture_eviction),
		cmocka_unit_test(test_capture_buffer_cap),
		cmocka_unit_test(test_capture_window),
		cmocka_unit_test(test_capture_overlap),
		cmocka_unit_test(test_capture_overlap_window_edge),
		cmocka_unit_test(test_capture_not_tls),
		cmocka_unit_test(test_capture_outcomes),
		cmocka_unit_test(test_capture_tls13_end),
		cmocka_unit_test(test_capture_mid_stream),
		cmocka_unit_test(test_capture_starttls),
		cmocka_unit_test(test_capture_starttls_refused),
		cmocka_unit_test(test_capture_starttls_never),
		cmocka_unit_test(test_capture_starttls_not_ours),
		cmocka_unit_test(test_capture_starttls_cap),
		cmocka_unit_test(test_capture_real_files),
		cmocka_unit_test(test_capture_real_starttls),
		cmocka_unit_test(test_capture_truncated_file),
		cmocka_unit_test(test_capture_dump),
		cmocka_unit_test(test_capture_live_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
