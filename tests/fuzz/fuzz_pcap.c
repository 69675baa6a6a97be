/*
 * Fuzz target of the capture core: any bytes are read as frames, which
 * are decoded and followed as TCP flows with small caps, and the flow
 * tracker's promises are checked: memory held within its caps, counts
 * that add up (STARTTLS preludes and proxy tunnels watched included:
 * at most one a flow followed, none left after the flush; overlapping
 * copies that differed), handshakes handed over with sane contents.
 *
 * Input: a classic pcap file (its own link type and records, read here
 * with every length checked), or else a first byte that picks a link
 * type, then frames each preceded by a 2-byte big-endian length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FLOWS 4
#define MAX_BUFFER 4096

static const int linktypes[] = {1, 113, 276, 12, 101, 228, 229, 0, 108};

struct seen {
	unsigned long long handed;
	unsigned long long conflicts;   /* in the connections handed over */
};

static void on_done(void *arg, const struct tp_tls_conn *c)
{
	struct seen *s = arg;
	const char *o = tp_flows_conn_outcome(c);
	size_t i;

	s->handed++;
	if (!c->tls || c->n_certs > TP_CONN_MAX_CERTS ||
	    memchr(c->client, '\0', sizeof(c->client)) == NULL ||
	    memchr(c->server, '\0', sizeof(c->server)) == NULL ||
	    memchr(c->history, '\0', sizeof(c->history)) == NULL ||
	    strlen(c->history) > 16 || c->ch.sni_len >= sizeof(c->ch.sni) ||
	    c->ch.n_suites > TP_WIRE_MAX_SUITES ||
	    c->starttls > TP_STARTTLS_LDAP || c->tunnel > TP_TUNNEL_SOCKS5 ||
	    (c->tunnel == TP_TUNNEL_NONE && c->tunnel_target != NULL) ||
	    (c->tunnel_target != NULL &&
	     strlen(c->tunnel_target) >= TP_TUNNEL_TARGET_MAX))
		abort();
	/* a conflict has differing bytes, at most a segment's worth */
	if ((c->tcp_conflicts > 0) != (c->conflict_bytes > 0) ||
	    c->conflict_bytes > 65535)
		abort();
	s->conflicts += c->tcp_conflicts;
	if (strcmp(o, "established") != 0 && strcmp(o, "alert") != 0 &&
	    strcmp(o, "reset") != 0 && strcmp(o, "closed") != 0 &&
	    strcmp(o, "incomplete") != 0)
		abort();
	/* the certificates are readable now, each inside what was held */
	for (i = 0; i < c->n_certs; i++) {
		volatile uint8_t sum = 0;
		size_t j;

		if (c->cert_len[i] == 0 || c->cert_len[i] > TP_WIRE_MAX_MESSAGE)
			abort();
		for (j = 0; j < c->cert_len[i]; j++)
			sum = (uint8_t)(sum + c->certs[i][j]);
		(void)sum;
	}
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	return swap ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
			      (uint32_t)p[1] << 8 | p[0]
		    : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			      (uint32_t)p[2] << 8 | p[3];
}

static void check(const struct tp_flows *f, const struct seen *s)
{
	struct tp_flows_stats st;

	tp_flows_stats(f, &st);
	if (st.peak_bytes > 2 * MAX_FLOWS * (size_t)MAX_BUFFER ||
	    st.frames != st.tcp + st.other || st.tls_flows > st.flows ||
	    st.evicted > st.flows || st.tls_flows != s->handed ||
	    st.gaps > 2 * st.flows || st.preludes > st.peak_preludes ||
	    st.peak_preludes > MAX_FLOWS ||
	    st.starttls + st.starttls_refused + st.tunnels +
	    st.tunnels_refused > st.flows ||
	    st.tunnels_without_tls > st.tunnels ||
	    st.conflict_flows > st.tls_flows || s->conflicts > st.conflicts)
		abort();
}

static void frame(struct tp_flows *f, const struct seen *s, int linktype,
		  const uint8_t *p, size_t n, double t)
{
	struct tp_pkt pkt;
	uint8_t *copy = malloc(n > 0 ? n : 1);

	/* an exact-size copy: a read past the frame is a sanitizer error */
	if (copy == NULL)
		return;
	memcpy(copy, p, n);
	if (tp_capture_decode(linktype, copy, n, t, &pkt) == 0) {
		if (pkt.len > pkt.wire_payload ||
		    (pkt.len > 0 && (pkt.payload < copy ||
				     pkt.payload + pkt.len > copy + n)) ||
		    (pkt.family != 4 && pkt.family != 6))
			abort();
	}
	tp_flows_add(f, &pkt);
	free(copy);
	check(f, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	struct tp_flows *f = tp_flows_new(MAX_FLOWS, MAX_BUFFER, on_done, &s);
	struct tp_flows_stats st;
	size_t off, n;
	bool swap;
	double t = 0;
	int linktype;

	if (f == NULL)
		return 0;
	if (size >= 24 && (rd32(data, false) == 0xa1b2c3d4 ||
			   rd32(data, true) == 0xa1b2c3d4)) {
		/* a classic pcap file: 24-byte header, 16-byte records */
		swap = rd32(data, true) == 0xa1b2c3d4;
		linktype = (int)(rd32(data + 20, swap) & 0xffff);
		for (off = 24; size - off >= 16; off += n) {
			n = rd32(data + off + 8, swap);
			off += 16;
			if (n > size - off)
				break;
			frame(f, &s, linktype, data + off, n, t++);
		}
	} else if (size > 0) {
		linktype = linktypes[data[0] % (sizeof(linktypes) /
						sizeof(linktypes[0]))];
		for (off = 1; size - off >= 2; off += n) {
			n = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (n > size - off)
				n = size - off;
			frame(f, &s, linktype, data + off, n, t++);
		}
	}
	tp_flows_flush(f);
	check(f, &s);
	tp_flows_stats(f, &st);
	if (st.preludes != 0)
		abort();
	tp_flows_free(f);
	return 0;
}
