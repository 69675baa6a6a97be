/* GnuTLS client sessions that record what they see, and the credentials
 * both ends present. Internal. */
#ifndef TP_TLS_H
#define TP_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tlsprobe.h"

#define TP_TLS_MAX_REQ_CAS 16
#define TP_TLS_FIRST_BYTES 64

struct tp_trust;

/* Which end credentials are for: how the chain is presented, and what a
 * key that is not the certificate's means. */
enum tp_tls_role { TP_TLS_CLIENT, TP_TLS_SERVER };

/* The files and the priority string one side's credentials come from. */
struct tp_tls_creds_opts {
	enum tp_tls_role role;
	const char *cert_file;     /* chain, leaf first (PEM, DER or
				    * PKCS#12); NULL: no certificate (a
				    * client without one) */
	const char *key_file;      /* with cert_file, and only with it */
	const struct tp_password *password; /* NULL: files need none */
	const char *ca_file;       /* NULL: no trust loaded here (a client
				    * reads the system store only when a
				    * chain arrives to be checked) */
	const char *priority;      /* NULL: "NORMAL" */
};

/* One side's chain, key, trust and priority, loaded before any network
 * step so that bad input fails fast; free with tp_tls_creds_free. */
struct tp_tls_creds {
	gnutls_x509_crt_t *chain;  /* NULL when no certificate was given */
	unsigned n_chain;
	gnutls_x509_privkey_t key;
	gnutls_pcert_st *pcerts;   /* client: the chain as the retrieve
				    * function presents it, with privkey */
	unsigned n_pcerts;
	gnutls_privkey_t privkey;
	struct tp_trust *trust;    /* ca_file's CAs, or NULL */
	/* server: the chain, key and trusted CAs (which its
	 * CertificateRequest names); client: a retrieve function that
	 * presents tp_tls_client_cfg's pcerts and notes what the server
	 * asked for. Sessions on several threads may share them. */
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
};

/*
 * Loads the priority, chain and key (the chain small enough to send),
 * trust and GnuTLS credentials, in that order; each failure is a usage
 * error naming the option and the file (TP_ERR_RUNTIME when memory ran
 * out). A server's key must be its certificate's: every handshake would
 * fail otherwise. A client's is not checked here: its run goes on and
 * reports KEY_MISMATCH (tp_cert_check_own), the reason a server refuses
 * the certificate. On failure what was loaded stays in c for
 * tp_tls_creds_free.
 */
int tp_tls_creds_load(const struct tp_tls_creds_opts *o,
		      struct tp_tls_creds *c, struct tp_error *err);
/* Releases what tp_tls_creds_load loaded and clears c; a cleared or
 * zeroed c is a no-op. */
void tp_tls_creds_free(struct tp_tls_creds *c);

/* What this side will present and how it will speak; loaded before any
 * network step so that bad input fails fast. */
struct tp_tls_client_cfg {
	const char *sni;           /* NULL: no server_name extension */
	const char *priority;      /* NULL: "NORMAL" */
	const char *alpn;          /* comma-separated, or NULL */
	FILE *keylog;              /* NSS key log, or NULL */
	gnutls_certificate_credentials_t cred; /* tp_tls_creds_load's, client
				    * role; NULL: the handshake allocates
				    * its own */
	gnutls_pcert_st *pcerts;   /* our chain, or NULL */
	unsigned n_pcerts;
	gnutls_privkey_t key;
	char our_issuer[256];      /* our leaf's issuer DN, for messages */
	const unsigned char *client_random; /* 32 bytes for the ClientHello,
					     * or NULL for a random one */
	const char *inside_line;   /* side-channel request sent inside the
				    * session once it is up, when the
				    * ServerHello answered client_random's
				    * mark (sideband.h), or NULL */
	double inside_wait_ms;     /* how long to wait for its answer */
	double inside_blind_ms;    /* > 0: send it without the mark too
				    * (--paired), waiting this long */
	double silent_until;       /* tp_now_ms() clock: a server that has
				    * sent nothing for quiet_ms by then has
				    * stalled (the handshake ends, timed
				    * out); 0: no such check */
	double quiet_ms;
	char our_subject[256];
	volatile sig_atomic_t *stop; /* set: every wait ends at once, and
				      * obs->cancelled says so; NULL: never */
};

/* Everything the TLS stage observed, for diagnosis. */
struct tp_tls_obs {
	/* transport */
	size_t bytes_in, bytes_out;
	unsigned char first_in[TP_TLS_FIRST_BYTES];
	size_t first_in_len;
	bool eof;              /* the peer sent FIN */
	int recv_errno;        /* ECONNRESET, …: 0 if none */
	int send_errno;        /* EPIPE, ECONNRESET on a write: 0 if none */
	bool timed_out;
	bool cancelled;        /* cfg->stop cut a wait short: what follows
				* in obs is partial */
	double stalled_ms;     /* time since the last byte received */
	/* handshake */
	bool saw_server_hello;
	bool server_marked;    /* its random answered our ClientHello's
				* mark: a tlsprobe server */
	bool saw_server_cert;
	bool cert_requested;
	bool sent_cert;        /* a non-empty Certificate was sent */
	char last_in[40];      /* last handshake message received */
	char last_out[40];
	char hello_version[16];  /* what the ServerHello chose */
	char hello_cipher[80];
	char req_cas[TP_TLS_MAX_REQ_CAS][160];
	unsigned n_req_cas;
	/* outcome */
	int status;            /* GnuTLS status of the handshake, 0 = ok */
	int alert_in;          /* fatal alert received, -1 none */
	unsigned warnings_in;  /* warning alerts received before the end */
	int warning_in;        /* the last of them, -1 none */
	bool alert_after_handshake; /* it came after our Finished */
	bool handshake_done;
	double ms;
	char *inside_reply;    /* the line answered to inside_line, or NULL */
	double inside_ms;      /* the time that exchange took */
	/* peer chain, DER, as sent (owned by the session until freed) */
	gnutls_datum_t *peer_der;
	unsigned n_peer;
};

/* Validates a priority string; usage error naming the failing part. */
int tp_tls_check_priority(const char *priority, struct tp_error *err);
/* Validates an ALPN list ("h2,http/1.1"): one name at least, at most 8,
 * none over 255 bytes; usage error naming the list otherwise. */
int tp_tls_check_alpn(const char *alpn, struct tp_error *err);

/*
 * Runs a client handshake on the connected non-blocking fd until the
 * absolute deadline (tp_now_ms() clock), adding each handshake message
 * to r, then confirms (briefly, and never past the deadline) that a
 * requested client certificate was accepted. The peer
 * chain is copied into obs (free with tp_tls_obs_free). On success the
 * session facts are set in r->session. Returns 0 when the handshake
 * completed, -1 when it did not (obs says why).
 */
int tp_tls_client_handshake(const struct tp_tls_client_cfg *cfg, int fd,
			    double deadline, struct tp_report *r,
			    struct tp_tls_obs *obs);
void tp_tls_obs_free(struct tp_tls_obs *obs);

/* The facts of an established session: version, IANA suite name, group,
 * signature scheme, ALPN, resumption. Shared by client and server. */
void tp_tls_record_session(gnutls_session_t s, struct tp_session *out);

/* "TLS1.3, TLS1.2" and "A, B, C, … (N suites in all)" that a priority
 * accepts, for the evidence of a negotiation failure. */
void tp_tls_describe_priority(gnutls_priority_t p, char *versions,
			      size_t vsize, char *suites, size_t ssize);

/* NSS key log: the file opened for appending (created 0600), or NULL
 * with err set (TP_ERR_USAGE, naming the file); one line per secret,
 * flushed at once. */
FILE *tp_tls_keylog_open(const char *path, struct tp_error *err);
void tp_tls_keylog_write(FILE *f, gnutls_session_t s, const char *label,
			 const gnutls_datum_t *secret);

#endif
