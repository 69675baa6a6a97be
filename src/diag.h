/* Diagnosis: observations to findings. Internal. */
#ifndef TP_DIAG_H
#define TP_DIAG_H

#include "livecap.h"
#include "scan.h"
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
	/* after a refusal of our versions: one raw ClientHello per version,
	 * [i] for 0x0300 + i (tp_scan_versions); NULL when none was sent */
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
 * The far end (who: "the server", "the client") refused our own
 * certificate with alert (its number). When a fault that
 * tp_cert_check_own found before the handshake (a local warning in r)
 * is what this alert points to (certificate_expired to the dates,
 * decrypt_error to the key, unsupported_certificate to the purpose,
 * unknown_ca to the chain's links, a generic refusal to any of them),
 * that fault is the diagnosis: it becomes an error, its summary and
 * detail say the far end refused the certificate, and it moves to the
 * end of the findings. Returns it (valid until r changes), or NULL when
 * no fault of ours explains the alert.
 */
struct tp_finding *tp_diag_own_cert_refused(struct tp_report *r, int alert,
					    const char *who);

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
