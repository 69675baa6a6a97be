/*
 * Diagnosis: observations to findings, for both sides of a handshake.
 * Internal. diag.c: the client's (tp_diag_tls_failure), the capture's
 * evidence, and the one table of certificate faults and alerts;
 * diag_server.c: a tlsprobe server's (tp_diag_server_failure).
 */
#ifndef TP_DIAG_H
#define TP_DIAG_H

#include "livecap.h"
#include "ciphers.h"
#include "tls.h"

/* What the diagnosis needs to know of the attempt, for its wording. */
struct tp_diag_ctx {
	const char *remote;           /* "127.0.0.1:4433" */
	const char *sni;
	const char *priority;
	const char *offered_versions; /* "TLS1.3, TLS1.2" */
	const char *offered_suites;   /* "17 cipher suites (…)" */
	const char *our_subject;      /* our certificate, or "(none)" */
	const char *our_issuer;
	double timeout_ms;
	/* a second handshake offering everything GnuTLS speaks, run after a
	 * refusal before any ServerHello; NULL when none was run */
	const struct tp_tls_obs *broad;
	/* after a reset or a stall: the same handshake without SNI, and on a
	 * socket with a small MSS; NULL when not run */
	const struct tp_tls_obs *sni_retry;
	const struct tp_tls_obs *mss_retry;
	int first_mss;   /* the MSS of the first connection */
	int retry_mss;
	const char *starttls;  /* the prelude that ran before TLS, or NULL */
	/* the proxy whose tunnel the handshake ran in ("the HTTP proxy
	 * 127.0.0.1:3128"), or NULL: a close is then the tunnel's */
	const char *proxy;
	/* after a refusal of our versions: one raw ClientHello per version,
	 * [i] for 0x0300 + i (tp_ciphers_versions); NULL when none was sent */
	const enum tp_version_answer *spoken;
};

/* Whether WEAK_PROTOCOL names this version: SSL 3.0 (RFC 7568), TLS 1.0
 * and TLS 1.1 (RFC 8996). */
bool tp_diag_version_weak(uint16_t version);

/*
 * WEAK_PROTOCOL for the weak ones among the n versions a server accepted
 * (the cipher audit) or negotiated (a client): the one judgement both
 * use, an error when SSL 3.0 is among them. The summary reads "the
 * server HOW VERSIONS". NULL when none is weak (or memory ran out).
 */
struct tp_finding *tp_diag_weak_protocol(struct tp_report *r,
					 const uint16_t *versions, size_t n,
					 const char *how);

/* "48 54 54 50 …  |HTTP/1.1 400|": the first 24 bytes of b, in hex and
 * as text, for the evidence of bytes that are not TLS. */
void tp_diag_hexdump(const unsigned char *b, size_t n, char *out,
		     size_t size);

/* What the first bytes of a non-TLS answer look like, or NULL;
 * *starttls: the --starttls protocol that speaks it, or NULL. */
const char *tp_diag_guess_protocol(const unsigned char *b, size_t n,
				   const char **starttls);

/* Adds the finding that explains a failed handshake and returns it;
 * when a fault of our own certificate found before the handshake
 * explains it, that finding, made an error and moved to the end of the
 * findings. NULL when memory ran out. */
const struct tp_finding *tp_diag_tls_failure(struct tp_report *r,
					     const struct tp_tls_obs *o,
					     const struct tp_diag_ctx *ctx);

/*
 * TLS_HANDSHAKE_FAILED, both sides' fallback when no more specific code
 * fits: "the TLS handshake with PEER failed: " GnuTLS's words for
 * status, its name and number in the detail, then messages (the last
 * handshake messages each way, as the side words them). NULL when
 * memory ran out.
 */
struct tp_finding *tp_diag_handshake_failed(struct tp_report *r,
					    const char *peer, int status,
					    const char *messages);

/*
 * The far end (who: "the server", "the client") refused our own
 * certificate with alert (its number). When a fault that
 * tp_cert_check_own found before the handshake (a local warning in r)
 * is what this alert points to (certificate_expired to the dates,
 * decrypt_error to the key, unsupported_certificate to the purpose,
 * unknown_ca to the chain's links, a generic refusal to any of them),
 * that fault is the diagnosis: it becomes an error, its summary and
 * detail say the far end refused the certificate, and it moves to the
 * end of the findings. Returns it (valid until r changes), or NULL when
 * no fault of ours explains the alert. The alerts and the faults they
 * can mean are the certificate-alert table of diag.c.
 */
struct tp_finding *tp_diag_own_cert_refused(struct tp_report *r, int alert,
					    const char *who);

/*
 * Whether alert, sent by sender (TP_SIDE_SERVER or TP_SIDE_CLIENT) after
 * the other end's Certificate, says that it refused that certificate:
 * the refusal alerts of diag.c's table, which say where the two sides
 * read an alert differently.
 */
bool tp_diag_refusal_alert(int alert, enum tp_side sender);

/*
 * A tlsprobe server refuses a client's certificate for the error
 * findings of r from first on: the alert it sends (the first fault
 * found in the table's order names it, access_denied for any other),
 * and in *which the finding that named it (first when none did).
 */
int tp_diag_rejection_alert(const struct tp_report *r, size_t first,
			    size_t *which);

/*
 * What a tlsprobe server saw of one connection that brought no
 * handshake to an end: facts only, filled by server.c. Text is ours or
 * sanitised already.
 */
struct tp_diag_server_obs {
	const char *peer;              /* "192.0.2.7:50312" */
	/* the first bytes were a TLS record and a handshake began; when
	 * false, first_in holds what came instead (nothing: silence) */
	bool tls;
	const unsigned char *first_in;
	size_t first_in_len;
	int status;                    /* the handshake's GnuTLS status */
	int alert_in, alert_out;       /* fatal alerts, -1 for none */
	bool alert_in_plaintext;       /* before the client's handshake keys */
	bool close_notify_in;          /* the client closed with close_notify */
	bool timed_out, eof;
	int recv_errno, send_errno;
	size_t bytes_in, bytes_out;
	const char *last_in, *last_out; /* handshake messages, "" for none */
	const struct tp_client_hello *hello;
	bool hello_offers_ours;        /* a version we accept is among them */
	/* our check of the client's chain refused it and said why; or its
	 * certificate did not parse: GnuTLS's words, raw (NULL: it did) */
	bool cert_rejected;
	const char *cert_error;
	/* what this server accepts, for the wording */
	const char *trusted;           /* "[CN=a, CN=b]" */
	const char *versions;          /* "TLS1.3, TLS1.2" */
	const char *suites;
	const char *priority;          /* --priority, NULL for the default */
	double timeout_ms;
};

/*
 * Adds the finding that says why a connection to a tlsprobe server
 * brought no handshake (bytes that are not TLS, silence, a failed
 * handshake, a client certificate that does not parse) and returns it;
 * NULL when it added none: our chain check said why already
 * (cert_rejected), a fault of our own certificate
 * became the diagnosis (tp_diag_own_cert_refused), a peer that left
 * without a word, or no memory. reason (size bytes) gets the one-line
 * reason for the client's account when the diagnosis has one of its
 * own, and is left alone otherwise.
 */
const struct tp_finding *tp_diag_server_failure(
	struct tp_report *r, const struct tp_diag_server_obs *o,
	char *reason, size_t size);

/*
 * Adds what a capture of the probe's own packets proves to the findings
 * already made: who sent a reset (its TTL against the SYN-ACK's, or on a
 * server against the client's SYN), a ClientHello sent again and again
 * with no answer, large segments lost while small ones pass, ICMP errors.
 */
void tp_diag_capture(struct tp_report *r, const struct tp_flow_evidence *ev);

/*
 * TCP_OVERLAP_CONFLICT over n TLS connections, for tlsprobe pcap and a
 * probe's own capture alike; the caller adds the detail, starting with
 * tp_diag_overlap_why. NULL on no memory.
 */
struct tp_finding *tp_diag_overlap_conflict(struct tp_report *r, unsigned n);
extern const char tp_diag_overlap_why[];

#endif
