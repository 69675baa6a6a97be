/*
 * Packets: capture files and live interfaces read through libpcap, and
 * decoded down to TCP segments (and the ICMP errors about them). What
 * the connections carry is flows.h's. Internal to libtlsprobe.
 */
#ifndef TP_CAPTURE_H
#define TP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "starttls.h"
#include "tlsprobe.h"
#include "wire.h"

/* ---- decoding one frame ---- */

#define TP_TCP_FIN 0x01
#define TP_TCP_SYN 0x02
#define TP_TCP_RST 0x04
#define TP_TCP_PSH 0x08
#define TP_TCP_ACK 0x10

struct tp_pkt {
	double t;              /* seconds since the epoch (capture time) */
	int family;            /* 4 or 6 */
	uint8_t src[16], dst[16];  /* addresses (IPv4 in the first 4 bytes) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;         /* TP_TCP_* */
	uint8_t ttl;           /* TTL or hop limit */
	size_t ip_len;         /* the IP packet's length on the wire */
	const uint8_t *payload;  /* TCP payload inside the frame */
	size_t len;            /* payload bytes present in the capture */
	size_t wire_payload;   /* payload bytes on the wire (more when the
				* snaplen cut the frame) */
	bool icmp;             /* an ICMP/ICMPv6 error about a TCP segment:
				* src/dst/ports are those of the segment it
				* quotes, flags 0 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_mtu;     /* fragmentation needed / packet too big */
};

/*
 * Decodes one frame of a libpcap link type (DLT_EN10MB with 802.1Q/QinQ
 * tags, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
 * DLT_NULL, DLT_LOOP) down to TCP. Returns 0 for a TCP segment or an ICMP
 * error about one, -1 for anything else or a malformed frame. Never reads
 * past caplen.
 */
int tp_capture_decode(int linktype, const uint8_t *frame, size_t caplen,
		      double t, struct tp_pkt *out);

/* "192.0.2.1:443", "[2001:db8::1]:443" */
void tp_capture_endpoint(int family, const uint8_t *addr, uint16_t port,
			 char *buf, size_t size);

/* ---- reading files and interfaces ---- */

struct tp_capture;

/* A pcap or pcapng file; TP_ERR_USAGE naming the file when it cannot be
 * read as either. */
int tp_capture_open_file(const char *path, struct tp_capture **cap,
			 struct tp_error *err);
/* A live interface ("any", "lo", "eth0") with a BPF filter (NULL: all);
 * TP_ERR_RUNTIME saying how to grant the permission when it is
 * missing (CAP_NET_RAW). Non-blocking: tp_capture_next returns 0 when
 * nothing is waiting. */
int tp_capture_open_live(const char *iface, const char *filter,
			 struct tp_capture **cap, struct tp_error *err);
/* The descriptor to poll for a live capture, -1 for a file. */
int tp_capture_fd(const struct tp_capture *cap);
/* Frames the kernel dropped since the capture opened, because its
 * buffer was full when they came (0 for a file, or when it cannot
 * tell). */
unsigned long long tp_capture_dropped(const struct tp_capture *cap);
/* Writes every frame read from now on to a pcap file too (--pcap-out). */
int tp_capture_dump_to(struct tp_capture *cap, const char *path,
		       struct tp_error *err);
/*
 * The next frame, decoded. Returns 1 with *pkt, 2 for a frame that is
 * not TCP (skip it, or count it: *pkt then has family 0 and the time),
 * 0 at the end of a file (or nothing waiting, live), -1 with err set
 * when the file is truncated or unreadable (what was read so far stays
 * valid).
 */
int tp_capture_next(struct tp_capture *cap, struct tp_pkt *pkt,
		    struct tp_error *err);
void tp_capture_close(struct tp_capture *cap);

#endif
