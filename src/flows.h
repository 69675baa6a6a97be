/*
 * Flows: TCP connections followed far enough to read their TLS
 * handshakes. Internal to libtlsprobe.
 *
 * A connection whose first bytes are not TLS is watched for the
 * plaintext prelude of a STARTTLS protocol (SMTP, IMAP, POP3, FTP, XMPP,
 * PostgreSQL, LDAP, told from the bytes whatever the port); TLS is then
 * read from the byte after the client's upgrade command and after the
 * server's go-ahead; without that go-ahead (refused, never answered)
 * the connection carried no TLS, whatever the client sent. A proxy
 * tunnel (HTTP CONNECT, SOCKS4/4a/5, tunnel.c) is followed the same way:
 * the client's request, then the proxy's success answer.
 *
 * Memory is bounded whatever the input: a cap on flows (the oldest idle
 * ones are evicted, and reported as incomplete), a cap on the bytes held
 * per direction (out-of-order data beyond it is dropped and the stream
 * marked as having a gap), a prelude is given up after 16 KiB in either
 * direction and keeps only a small fixed state, and nothing is kept of a
 * connection once its handshake is over except its summary.
 */
#ifndef TP_FLOWS_H
#define TP_FLOWS_H

#include "capture.h"
#include "tunnel.h"

/* ---- following TCP connections ---- */

#define TP_CONN_MAX_CERTS 8

/* What one TCP connection showed of TLS, handed over when it ends. */
struct tp_tls_conn {
	char client[64], server[64];   /* "ip:port" */
	bool client_known;             /* the SYN (or the ClientHello) said
					* who the client is */
	double t_first, t_last;
	char history[40];              /* Zeek style: capitals from the
					* client: S SYN, H SYN-ACK, A ACK, D
					* data, F FIN, R RST, T retransmit,
					* G gap; each letter at most once per
					* direction as Zeek does */
	bool tls;                      /* a TLS record was seen */
	enum tp_starttls starttls;     /* the plaintext prelude TLS came
					* after, TP_STARTTLS_NONE when it
					* started with the connection */
	enum tp_tunnel_kind tunnel;    /* the proxy tunnel TLS came
					* through, TP_TUNNEL_NONE when none */
	const char *tunnel_target;     /* what the client asked the proxy
					* for, unsanitised; NULL when none
					* (valid until the handler returns) */
	bool has_client_hello;
	struct tp_wire_client_hello ch;
	bool has_server_hello;
	struct tp_wire_server_hello sh;
	const uint8_t *certs[TP_CONN_MAX_CERTS]; /* TLS 1.2 and older: DER,
					* valid until the handler returns */
	size_t cert_len[TP_CONN_MAX_CERTS];
	size_t n_certs;
	bool has_alert;
	uint8_t alert_level, alert_desc;
	bool alert_from_server;
	bool alert_encrypted;          /* an alert record after CCS: only
					* its existence is known */
	bool alert_inferred;           /* TLS 1.3: an encrypted record
					* taken for an alert by its size and
					* place (tp_flows_conn_outcome) */
	bool finished_client;          /* TLS 1.3: the client sent an
					* encrypted record that can hold its
					* Finished */
	bool ccs_client, ccs_server;   /* change_cipher_spec seen */
	bool appdata_client, appdata_server;
	bool fin_client, fin_server, rst_client, rst_server;
	bool gap;                      /* bytes missing from a stream */
	bool evicted;                  /* dropped for the flow cap */
	unsigned retransmissions;
	uint64_t bytes_client, bytes_server;
	/* segments that carried bytes already seen, with other values (the
	 * first copy is the one read); the first of them: its direction,
	 * sequence number, relative sequence number (the first byte after
	 * the SYN is 1) and how many of its bytes differed */
	unsigned tcp_conflicts;
	bool conflict_from_server;
	uint32_t conflict_seq, conflict_offset, conflict_bytes;
};

/* Both sides finished the handshake, as far as the packets show. */
bool tp_flows_conn_established(const struct tp_tls_conn *c);
/* established, alert, reset, closed, incomplete (CONTRACT.md) */
const char *tp_flows_conn_outcome(const struct tp_tls_conn *c);

struct tp_flows_stats {
	uint64_t frames, tcp, other;
	uint64_t flows, tls_flows, evicted, gaps;
	size_t peak_bytes;             /* the most buffered at once */
	uint64_t starttls;             /* upgrades the server agreed to */
	uint64_t starttls_refused;     /* upgrades it refused (no TLS) */
	uint64_t tunnels;              /* proxy tunnels opened */
	uint64_t tunnels_refused;      /* tunnels the proxy refused */
	uint64_t tunnels_without_tls;  /* opened, and no TLS went through */
	size_t preludes;               /* flows watched for a prelude now */
	size_t peak_preludes;          /* the most watched at once */
	uint64_t over_budget;          /* bytes not held (a gap, a message
					* not read) for the whole run's cap */
	uint64_t conflicts;            /* overlapping copies that differed */
	uint64_t conflict_flows;       /* TLS connections with any */
};

struct tp_flows;

typedef void (*tp_conn_done_fn)(void *arg, const struct tp_tls_conn *c);

/*
 * The caps that bound a run whatever the capture: flows followed at once
 * (each costs a struct of some 300 bytes, and two record readers of some
 * 100 bytes each while it carries data to read), bytes held per
 * direction (out-of-order runs, a handshake message, the hellos, the
 * last bytes delivered) and bytes held by all flows together. Past the
 * first the oldest idle flow is evicted; past the others a stream gets
 * a gap or a message is not read. All three are counted.
 */
#define TP_FLOWS_MAX_FLOWS 32768
#define TP_FLOWS_MAX_BUFFER (256 * 1024)
#define TP_FLOWS_MAX_HELD (32 * 1024 * 1024)

/* max_flows: flows followed at once (0: TP_FLOWS_MAX_FLOWS);
 * max_buffer: bytes held per direction (0: TP_FLOWS_MAX_BUFFER). done
 * is called once per TCP connection that carried TLS, when it ends, is
 * evicted, or at flush; the connection is valid until it returns. */
struct tp_flows *tp_flows_new(size_t max_flows, size_t max_buffer,
			      tp_conn_done_fn done, void *arg);
/* A packet with family 0 (a frame that is not TCP) is only counted;
 * tcp counts TCP segments and the ICMP errors about them. */
void tp_flows_add(struct tp_flows *f, const struct tp_pkt *p);
/* Hands over every connection still open (end of the file). */
void tp_flows_flush(struct tp_flows *f);
void tp_flows_stats(const struct tp_flows *f, struct tp_flows_stats *s);
void tp_flows_free(struct tp_flows *f);

#endif
