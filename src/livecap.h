/*
 * A probe's own packets, captured while it runs (--capture): a BPF
 * filter for exactly its flows, a reader thread started before the first
 * SYN, a timeline for the report and the evidence the findings use.
 * Internal to libtlsprobe.
 */
#ifndef TP_LIVECAP_H
#define TP_LIVECAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tlsprobe.h"

#define TP_LIVECAP_MAX_PACKETS 2000  /* listed in the report, then a marker */
#define TP_LIVECAP_GRACE_MS 50       /* read on after the probe ends, so
				      * that its last FIN or RST is seen */
#define TP_LIVECAP_MAX_ICMP 4

struct tp_livecap;

struct tp_livecap_opts {
	const char *iface;     /* NULL: "any" (every interface, loopback too) */
	const char *pcap_out;  /* also write the frames here, or NULL */
	const char *user;      /* started as root: run as this user once the
				* capture is open; NULL: "nobody" */
	const char *command;   /* "client", for the one-line errors */
	bool defer_drop;       /* the caller drops privileges itself, later
				* (tp_livecap_drop): tlsprobe peer, whose
				* client role still has files to read */
};

/* Started as root: run as user (NULL: "nobody") from now on. */
int tp_livecap_drop(const char *user, struct tp_error *err);

/*
 * Before any network step: is capturing permitted (root or CAP_NET_RAW),
 * and does the user to drop to exist when running as root. TP_ERR_RUNTIME
 * saying how to grant the permission otherwise.
 */
int tp_livecap_check(const struct tp_livecap_opts *o, struct tp_error *err);

/*
 * The BPF filter for the flows between this host and the endpoints (all
 * on one port), both directions, IPv4 and IPv6, and the ICMP errors that
 * quote a segment sent to them. -1 when it does not fit in size.
 */
int tp_livecap_filter(const struct sockaddr_storage *endpoints, size_t n,
		      unsigned port, char *buf, size_t size);

/*
 * Opens the capture, starts --pcap-out, drops privileges when started
 * as root, and starts reading. The endpoints say which side of a packet
 * is the far one (dir "in" / "out"). NULL with err set when it cannot.
 */
struct tp_livecap *tp_livecap_start(const struct tp_livecap_opts *o,
				    const struct sockaddr_storage *endpoints,
				    size_t n, unsigned port,
				    struct tp_error *err);

/*
 * A server's capture (tlsprobe server, peer): the flows to and from the
 * listening addresses on port (a wildcard address covers every address
 * of its family), both directions, and the ICMP errors about segments
 * sent from that port; with n_far > 0 also the flows to far on far_port
 * as tp_livecap_start has them (peer's client). Each flow keeps its own
 * timeline (at most TP_LIVECAP_MAX_PACKETS) until tp_livecap_take;
 * flows nobody takes are forgotten once closed, or idle for idle_ms.
 * Opens the capture, starts --pcap-out and drops privileges as
 * tp_livecap_start does. NULL with err set when it cannot.
 */
struct tp_livecap *tp_livecap_start_server(const struct tp_livecap_opts *o,
					   const struct sockaddr_storage *listen,
					   size_t n_listen, unsigned port,
					   const struct sockaddr_storage *far,
					   size_t n_far, unsigned far_port,
					   double idle_ms,
					   struct tp_error *err);

/* Reads on for TP_LIVECAP_GRACE_MS, then stops. Safe to call twice. */
void tp_livecap_stop(struct tp_livecap *lc);

/* Adds the timeline to r->packets and sets r->has_packets. */
int tp_livecap_timeline(struct tp_livecap *lc, struct tp_report *r);

/* What one connection (or, with no connection, every flow) showed. */
/* One kind of ICMP error about a flow (type, code, the MTU a "needs
 * fragmentation" names) and how many times it came. */
struct tp_livecap_icmp {
	uint8_t type, code;
	uint16_t mtu;
	bool v6;
	unsigned n;
};

struct tp_flow_evidence {
	bool seen;                 /* the capture saw packets of it */
	unsigned flows;            /* connections it sums up */
	unsigned syns;             /* SYNs sent, retransmissions included */
	bool syn_ack;              /* a SYN-ACK arrived */
	int syn_ack_ttl;           /* its TTL / hop limit, -1 when none */
	int peer_ttl;              /* the TTL of the peer's other segments
				    * (not resets), -1 when none */
	unsigned resets_in;        /* RST received */
	int reset_ttl;             /* the first one's TTL, -1 when none */
	bool reset_after_hello;    /* it came after our ClientHello */
	bool client_hello;         /* our ClientHello was seen */
	unsigned hello_sent;       /* times sent (1 + retransmissions) */
	bool hello_acked;          /* the peer's TCP acknowledged it */
	bool hello_answered;       /* the peer sent data after it */
	double hello_span_ms;      /* first to last transmission */
	unsigned big_out_retrans;  /* our segments over 576 bytes sent again
				    * and never acknowledged */
	unsigned big_out_len;      /* the largest of them */
	unsigned small_out_acked;  /* our data segments of at most 576
				    * bytes the peer acknowledged */
	unsigned in_hole;          /* bytes of the peer's stream that never
				    * arrived while later ones did */
	unsigned in_max_len;       /* the largest segment received */
	unsigned in_segments;      /* data segments received */
	struct tp_livecap_icmp icmp[TP_LIVECAP_MAX_ICMP];
	size_t n_icmp;
	/* a server's view: the far end is the client; the TTL of its SYN */
	bool peer_is_client;
	int syn_in_ttl;            /* -1 when none */
	unsigned tcp_conflicts;    /* segments, either way, that carried
				    * bytes seen before with other values
				    * (checked while the handshake is
				    * plaintext; the first copy is read) */
};

/* The evidence of the connection from local (the probe's own socket
 * address), or summed over every flow when local is NULL. */
void tp_livecap_evidence(const struct tp_livecap *lc,
			 const struct sockaddr *local,
			 struct tp_flow_evidence *ev);

/*
 * A server's capture, while it runs: moves the packets of the connection
 * between local and remote into r->packets (t_ms from its first packet,
 * dir "in" from remote; sets r->has_packets), fills ev and forgets the
 * flow. With local NULL: every client flow to remote, by time. -1 when
 * memory ran out (the report then holds fewer packets).
 */
int tp_livecap_take(struct tp_livecap *lc, const struct sockaddr *local,
		    const struct sockaddr *remote, struct tp_report *r,
		    struct tp_flow_evidence *ev);

/* "port unreachable", "fragmentation needed (MTU 1400)", … into buf. */
void tp_livecap_icmp_name(bool v6, uint8_t type, uint8_t code, uint16_t mtu,
			  char *buf, size_t size);

void tp_livecap_free(struct tp_livecap *lc);

#endif
