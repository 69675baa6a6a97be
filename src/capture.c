/* Packets: frames decoded down to TCP with every length checked against
 * the bytes captured, and libpcap files and interfaces read (following
 * the connections they carry is flows.c's). */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "capture.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINKTYPE_RAW 101      /* the file format's number for raw IP */
#define LINKTYPE_LOOP 108     /* OpenBSD loopback, whatever DLT_LOOP is */

/* The stdio buffer for reading capture files. */
#define READ_BUFFER (256 * 1024)

/* ---- decoding one frame ---- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* One IP header and what follows it, as far as the capture holds it. */
struct ip_view {
	int family;
	const uint8_t *src, *dst;
	uint8_t proto;         /* the upper-layer protocol after extensions */
	uint8_t ttl;
	size_t ip_len;         /* the packet's length on the wire */
	const uint8_t *l4;
	size_t l4_present;     /* bytes of it in the capture */
	size_t l4_wire;        /* bytes of it on the wire */
	bool later_fragment;   /* a fragment other than the first */
};

/* RFC 791 section 3.1. */
static int ipv4_view(const uint8_t *p, size_t n, struct ip_view *v)
{
	size_t hl, total;

	if (n < 20 || p[0] >> 4 != 4)
		return -1;
	hl = (size_t)(p[0] & 0x0f) * 4;
	total = be16(p + 2);
	/* segmentation offload hands the capture packets with length 0 */
	if (total == 0)
		total = n;
	if (hl < 20 || hl > n || total < hl)
		return -1;
	v->family = 4;
	v->src = p + 12;
	v->dst = p + 16;
	v->proto = p[9];
	v->ttl = p[8];
	v->ip_len = total;
	v->l4 = p + hl;
	v->l4_present = (n < total ? n : total) - hl;
	v->l4_wire = total - hl;
	v->later_fragment = (be16(p + 6) & 0x1fff) != 0;
	return 0;
}

/* RFC 8200 section 4: hop-by-hop (0), routing (43), fragment (44),
 * destination options (60), and AH (51, RFC 4302) are walked; the
 * first other header is the upper layer. */
static int ipv6_view(const uint8_t *p, size_t n, struct ip_view *v)
{
	size_t total, present, off = 40, ext;
	uint8_t next;
	int i;

	if (n < 40 || p[0] >> 4 != 6)
		return -1;
	total = 40 + (size_t)be16(p + 4);
	if (total == 40 && n > 40)
		total = n;  /* jumbogram or offload: trust the capture */
	present = n < total ? n : total;
	next = p[6];
	v->later_fragment = false;
	for (i = 0; i < 8; i++) {
		if (next != 0 && next != 43 && next != 44 && next != 60 &&
		    next != 51)
			break;
		if (off + 8 > present)
			return -1;
		if (next == 44) {
			if ((be16(p + off + 2) >> 3) != 0)
				v->later_fragment = true;
			ext = 8;
		} else if (next == 51) {
			ext = ((size_t)p[off + 1] + 2) * 4;
		} else {
			ext = ((size_t)p[off + 1] + 1) * 8;
		}
		next = p[off];
		if (ext > present - off)
			return -1;
		off += ext;
	}
	if (i == 8)
		return -1;
	v->family = 6;
	v->src = p + 8;
	v->dst = p + 24;
	v->proto = next;
	v->ttl = p[7];
	v->ip_len = total;
	v->l4 = p + off;
	v->l4_present = present - off;
	v->l4_wire = total - off;
	return 0;
}

static int ip_view(const uint8_t *p, size_t n, struct ip_view *v)
{
	if (n < 1)
		return -1;
	if (p[0] >> 4 == 4)
		return ipv4_view(p, n, v);
	if (p[0] >> 4 == 6)
		return ipv6_view(p, n, v);
	return -1;
}

static void pkt_addresses(const struct ip_view *v, struct tp_pkt *out)
{
	size_t alen = v->family == 4 ? 4 : 16;

	out->family = v->family;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	memcpy(out->src, v->src, alen);
	memcpy(out->dst, v->dst, alen);
}

/* RFC 9293 section 3.1: the data offset is checked against both the
 * segment on the wire and the bytes captured. */
static int tcp_segment(const struct ip_view *v, struct tp_pkt *out)
{
	const uint8_t *t = v->l4;
	size_t hl;

	if (v->later_fragment || v->l4_present < 20 || v->l4_wire < 20)
		return -1;
	hl = (size_t)(t[12] >> 4) * 4;
	if (hl < 20 || hl > v->l4_wire || hl > v->l4_present)
		return -1;
	pkt_addresses(v, out);
	out->sport = be16(t);
	out->dport = be16(t + 2);
	out->seq = be32(t + 4);
	out->ack = be32(t + 8);
	out->flags = t[13] & 0x1f;
	out->ttl = v->ttl;
	out->ip_len = v->ip_len;
	out->payload = t + hl;
	out->len = v->l4_present - hl;
	out->wire_payload = v->l4_wire - hl;
	return 0;
}

/* RFC 792 / RFC 4443 section 2.1: an error quotes the offending packet
 * after its 8-byte header; a TCP one needs its ports and sequence. */
static int icmp_error(const struct ip_view *v, struct tp_pkt *out)
{
	const uint8_t *m = v->l4;
	struct ip_view q;
	uint8_t type, code;
	uint32_t mtu = 0;

	if (v->later_fragment || v->l4_present < 8)
		return -1;
	type = m[0];
	code = m[1];
	if (v->family == 4) {
		if (type != 3 && type != 11)
			return -1;
		if (type == 3 && code == 4)
			mtu = be16(m + 6);
	} else {
		if (type != 1 && type != 2 && type != 3)
			return -1;
		if (type == 2)
			mtu = be32(m + 4);
	}
	if (ip_view(m + 8, v->l4_present - 8, &q) < 0 ||
	    q.family != v->family || q.proto != 6 || q.later_fragment ||
	    q.l4_present < 8)
		return -1;
	pkt_addresses(&q, out);
	out->sport = be16(q.l4);
	out->dport = be16(q.l4 + 2);
	out->seq = be32(q.l4 + 4);
	out->ack = q.l4_present >= 12 ? be32(q.l4 + 8) : 0;
	out->flags = 0;
	out->ttl = v->ttl;
	out->ip_len = v->ip_len;
	out->payload = NULL;
	out->len = 0;
	out->wire_payload = 0;
	out->icmp = true;
	out->icmp_type = type;
	out->icmp_code = code;
	out->icmp_mtu = mtu > 0xffff ? 0xffff : (uint16_t)mtu;
	return 0;
}

static int network(const uint8_t *p, size_t n, int family,
		   struct tp_pkt *out)
{
	struct ip_view v;

	if (ip_view(p, n, &v) < 0 || (family != 0 && v.family != family))
		return -1;
	if (v.proto == 6)
		return tcp_segment(&v, out);
	if ((v.family == 4 && v.proto == 1) || (v.family == 6 && v.proto == 58))
		return icmp_error(&v, out);
	return -1;
}

static int ethertype_family(uint16_t type)
{
	if (type == 0x0800)
		return 4;
	if (type == 0x86dd)
		return 6;
	return -1;
}

/* The address family word of BSD loopback headers, written in the
 * byte order of the capturing host (DLT_NULL) or in network order
 * (DLT_LOOP); both orders are accepted for both. */
static int bsd_family(const uint8_t *p)
{
	uint32_t le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[1] << 8 | p[0];
	uint32_t be = be32(p), v;
	int i;

	for (i = 0; i < 2; i++) {
		v = i == 0 ? be : le;
		if (v == 2)
			return 4;
		/* AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, Darwin */
		if (v == 10 || v == 24 || v == 28 || v == 30)
			return 6;
	}
	return -1;
}

static int link_layer(int linktype, const uint8_t *f, size_t n,
		      struct tp_pkt *out)
{
	size_t off;
	uint16_t type;
	int family, tags;

	switch (linktype) {
	case DLT_EN10MB:
		if (n < 14)
			return -1;
		off = 12;
		type = be16(f + off);
		/* IEEE 802.1Q and 802.1ad (QinQ) tags, a few deep */
		for (tags = 0; (type == 0x8100 || type == 0x88a8 ||
				type == 0x9100) && tags < 4; tags++) {
			off += 4;
			if (off + 2 > n)
				return -1;
			type = be16(f + off);
		}
		off += 2;
		family = ethertype_family(type);
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			return -1;
		family = ethertype_family(be16(f + 14));
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (n < 20)
			return -1;
		family = ethertype_family(be16(f));
		off = 20;
		break;
	case DLT_RAW:
	case LINKTYPE_RAW:
		family = 0;
		off = 0;
		break;
	case DLT_IPV4:
		family = 4;
		off = 0;
		break;
	case DLT_IPV6:
		family = 6;
		off = 0;
		break;
	case DLT_NULL:
	case DLT_LOOP:
#if DLT_LOOP != LINKTYPE_LOOP
	case LINKTYPE_LOOP:
#endif
		if (n < 4)
			return -1;
		family = bsd_family(f);
		off = 4;
		break;
	default:
		return -1;
	}
	if (family < 0 || off > n)
		return -1;
	return network(f + off, n - off, family, out);
}

int tp_capture_decode(int linktype, const uint8_t *frame, size_t caplen,
		      double t, struct tp_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->t = t;
	if (frame == NULL || link_layer(linktype, frame, caplen, out) < 0) {
		memset(out, 0, sizeof(*out));
		out->t = t;
		return -1;
	}
	return 0;
}

void tp_capture_endpoint(int family, const uint8_t *addr, uint16_t port,
			 char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (size == 0)
		return;
	if (family == 4 && inet_ntop(AF_INET, addr, ip, sizeof(ip)) != NULL)
		snprintf(buf, size, "%s:%u", ip, (unsigned)port);
	else if (family == 6 &&
		 inet_ntop(AF_INET6, addr, ip, sizeof(ip)) != NULL)
		snprintf(buf, size, "[%s]:%u", ip, (unsigned)port);
	else
		snprintf(buf, size, "?:%u", (unsigned)port);
}

/* ---- reading files and interfaces ---- */

struct tp_capture {
	pcap_t *pcap;
	pcap_dumper_t *dump;
	int linktype;
	bool live;
	char name[256];        /* the file, or the interface */
	unsigned long long frames;
	char *readbuf;         /* the file's stdio buffer, freed after it */
};

static struct tp_capture *capture_new(pcap_t *p, const char *name, bool live)
{
	struct tp_capture *cap = calloc(1, sizeof(*cap));

	if (cap == NULL)
		return NULL;
	cap->pcap = p;
	cap->live = live;
	cap->linktype = pcap_datalink(p);
	snprintf(cap->name, sizeof(cap->name), "%s", name);
	return cap;
}

int tp_capture_open_file(const char *path, struct tp_capture **cap,
			 struct tp_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char *buf = NULL;
	FILE *f;
	pcap_t *p;

	*cap = NULL;
	/* pcap_fopen_offline reads both pcap and pcapng. libpcap reads
	 * each frame with two freads: a buffer of our own (glibc ignores a
	 * size without one) turns them into few system calls. */
	if (strcmp(path, "-") == 0) {
		p = pcap_open_offline(path, errbuf);
	} else {
		f = fopen(path, "rb");
		if (f == NULL) {
			tp_error_set(err, errno == ENOMEM ? TP_ERR_RUNTIME
				     : TP_ERR_USAGE,
				     "cannot read capture %s: %s", path,
				     strerror(errno));
			return -1;
		}
		buf = malloc(READ_BUFFER);
		if (buf != NULL)
			setvbuf(f, buf, _IOFBF, READ_BUFFER);
		p = pcap_fopen_offline(f, errbuf);
		if (p == NULL)
			fclose(f);
	}
	if (p == NULL) {
		free(buf);
		/* libpcap says "malloc: Cannot allocate memory" or "out of
		 * memory ...": the file may be fine, we could not run */
		tp_error_set(err, strstr(errbuf, "memory") != NULL
			     ? TP_ERR_RUNTIME : TP_ERR_USAGE,
			     "cannot read capture %s as pcap or pcapng: %s",
			     path, errbuf);
		return -1;
	}
	*cap = capture_new(p, path, false);
	if (*cap == NULL) {
		pcap_close(p);
		free(buf);
		tp_error_set(err, TP_ERR_RUNTIME,
			     "out of memory opening capture %s", path);
		return -1;
	}
	(*cap)->readbuf = buf;
	return 0;
}

static bool permission_problem(int rc, const char *msg)
{
	return rc == PCAP_ERROR_PERM_DENIED ||
	       rc == PCAP_ERROR_PROMISC_PERM_DENIED ||
	       strstr(msg, "ermission") != NULL ||
	       strstr(msg, "not permitted") != NULL;
}

int tp_capture_open_live(const char *iface, const char *filter,
			 struct tp_capture **cap, struct tp_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	const char *why;
	pcap_t *p;
	int rc;

	*cap = NULL;
	p = pcap_create(iface, errbuf);
	if (p == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME,
			     "cannot capture on %s: %s", iface, errbuf);
		return -1;
	}
	/* the handshakes are what matters: whole frames, delivered at once,
	 * with room for a burst while the caller is busy */
	pcap_set_snaplen(p, 65535);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 32 << 20);
	rc = pcap_activate(p);
	if (rc < 0) {
		why = pcap_geterr(p);
		if (permission_problem(rc, why))
			tp_error_set(err, TP_ERR_RUNTIME,
				     "capture on %s not permitted: run as "
				     "root or grant CAP_NET_RAW (setcap "
				     "cap_net_raw,cap_net_admin+eip "
				     "bin/tlsprobe)", iface);
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			tp_error_set(err, TP_ERR_USAGE,
				     "cannot capture on %s: no such interface "
				     "(%s)", iface, why);
		else
			tp_error_set(err, TP_ERR_RUNTIME,
				     "cannot capture on %s: %s (%s)", iface,
				     pcap_statustostr(rc), why);
		pcap_close(p);
		return -1;
	}
	if (filter != NULL) {
		if (pcap_compile(p, &prog, filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0) {
			tp_error_set(err, TP_ERR_USAGE,
				     "capture filter '%s' is not valid: %s",
				     filter, pcap_geterr(p));
			pcap_close(p);
			return -1;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			tp_error_set(err, TP_ERR_RUNTIME,
				     "cannot set capture filter '%s' on %s: %s",
				     filter, iface, pcap_geterr(p));
			pcap_close(p);
			return -1;
		}
	}
	if (pcap_setnonblock(p, 1, errbuf) < 0) {
		tp_error_set(err, TP_ERR_RUNTIME,
			     "cannot make the capture on %s non-blocking: %s",
			     iface, errbuf);
		pcap_close(p);
		return -1;
	}
	*cap = capture_new(p, iface, true);
	if (*cap == NULL) {
		pcap_close(p);
		tp_error_set(err, TP_ERR_RUNTIME,
			     "out of memory opening capture on %s", iface);
		return -1;
	}
	return 0;
}

int tp_capture_fd(const struct tp_capture *cap)
{
	if (cap == NULL || !cap->live)
		return -1;
	return pcap_get_selectable_fd(cap->pcap);
}

unsigned long long tp_capture_dropped(const struct tp_capture *cap)
{
	struct pcap_stat st;

	if (cap == NULL || !cap->live || pcap_stats(cap->pcap, &st) < 0)
		return 0;
	return st.ps_drop;
}

int tp_capture_dump_to(struct tp_capture *cap, const char *path,
		       struct tp_error *err)
{
	pcap_dumper_t *d;

	d = pcap_dump_open(cap->pcap, path);
	if (d == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "cannot write capture to %s: %s",
			     path, pcap_geterr(cap->pcap));
		return -1;
	}
	if (cap->dump != NULL)
		pcap_dump_close(cap->dump);
	cap->dump = d;
	return 0;
}

int tp_capture_next(struct tp_capture *cap, struct tp_pkt *pkt,
		    struct tp_error *err)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	double t;
	int rc;

	rc = pcap_next_ex(cap->pcap, &hdr, &data);
	if (rc == 0 || rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc < 0) {
		/* libpcap's "out of memory" is no sign of a damaged file */
		if (strstr(pcap_geterr(cap->pcap), "memory") != NULL)
			tp_alloc_note();
		if (cap->live)
			tp_error_set(err, TP_ERR_RUNTIME,
				     "capture on %s failed after %llu frames: "
				     "%s", cap->name, cap->frames,
				     pcap_geterr(cap->pcap));
		else
			tp_error_set(err, TP_ERR_USAGE,
				     "capture %s is truncated or damaged after "
				     "%llu frames: %s", cap->name, cap->frames,
				     pcap_geterr(cap->pcap));
		return -1;
	}
	cap->frames++;
	if (cap->dump != NULL)
		pcap_dump((u_char *)cap->dump, hdr, data);
	t = (double)hdr->ts.tv_sec + (double)hdr->ts.tv_usec / 1e6;
	/* caplen never exceeds len in a sane file; trust the smaller */
	return tp_capture_decode(cap->linktype, data,
				 hdr->caplen < hdr->len ? hdr->caplen : hdr->len,
				 t, pkt) == 0 ? 1 : 2;
}

void tp_capture_close(struct tp_capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->dump != NULL) {
		pcap_dump_flush(cap->dump);
		pcap_dump_close(cap->dump);
	}
	pcap_close(cap->pcap);
	free(cap->readbuf);
	free(cap);
}
