/* X.509 analysis over GnuTLS: internal interface of cert.c. */
#ifndef TP_CERT_H
#define TP_CERT_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tlsprobe.h"

/* At most this many certificates of a chain are read or examined. */
#define TP_CHAIN_MAX 16
/* At most this many subjectAltName entries are listed per certificate. */
#define TP_SAN_MAX 64

/* Trusted CA certificates: a --ca file, or the system store. */
struct tp_trust {
	gnutls_x509_crt_t *cas;
	unsigned n_cas;
	char *source;      /* the file they came from, "system store" */
	gnutls_x509_trust_list_t list; /* the same CAs, for verification */
};

/* Loads ca_file (PEM), or the system store when ca_file is NULL. A file
 * that cannot be read or holds no certificate is a usage error naming
 * the file. */
struct tp_trust *tp_cert_trust_load(const char *ca_file, struct tp_error *err);
void tp_cert_trust_free(struct tp_trust *t);
/* Appends "CN=a, CN=b, … (N more)" naming the trusted CAs to buf. */
void tp_cert_trust_describe(const struct tp_trust *t, char *buf, size_t size);

/*
 * Loads a --cert file, its form told by content: PEM (one or more
 * certificates, in file order), DER (one), or PKCS#12 (the chain from
 * its leaf, with the password pw gives when one is needed). With
 * bundled_key, the key a PKCS#12 file holds comes back there (NULL for
 * the other forms, or when it holds none).
 */
int tp_cert_load_chain(const char *path, const struct tp_password *pw,
		       gnutls_x509_crt_t **chain, unsigned *n,
		       gnutls_x509_privkey_t *bundled_key,
		       struct tp_error *err);
/* Imports DER certificates as a peer sent them: the first TP_CHAIN_MAX
 * (the rest are ignored, *count says how many); a certificate that does
 * not parse is a TP_ERR_RUNTIME error naming its position. */
int tp_cert_import_der(const gnutls_datum_t *der, unsigned n,
		       gnutls_x509_crt_t **chain, unsigned *count,
		       struct tp_error *err);
void tp_cert_free_chain(gnutls_x509_crt_t *chain, unsigned n);

/*
 * What a chain's Certificate message weighs and what can carry it. The
 * wire allows 2^24-1 bytes of handshake message; GnuTLS stops at
 * TP_CERT_HANDSHAKE_MAX bytes for the whole handshake so far (its
 * gnutls_handshake_set_max_packet_length default, 128 KiB, on the side
 * that sends as on the side that receives), and the hellos before the
 * Certificate take TP_CERT_HELLOS_MIN of it at the very least.
 */
#define TP_CERT_HANDSHAKE_MAX (128u * 1024)
#define TP_CERT_HELLOS_MIN 128u
/* The Certificate message for the chain, its 4-byte header included, in
 * the larger of its forms (TLS 1.3, RFC 8446 section 4.4.2: a context
 * byte and empty extensions per certificate); 0 when a certificate
 * cannot be encoded. */
size_t tp_cert_chain_message_size(gnutls_x509_crt_t *chain, unsigned n);
/* 0 when a Certificate message for the chain can be sent; otherwise -1,
 * and err (TP_ERR_USAGE) names the option keyed key ("cert"), the file
 * and the sizes. */
int tp_cert_check_sendable(const char *key, const char *path,
			   gnutls_x509_crt_t *chain, unsigned n,
			   struct tp_error *err);

/* Loads a private key, its form told by content: PEM or DER (PKCS#8,
 * PKCS#1, SEC 1; encrypted ones with the password pw gives), or the key
 * of a PKCS#12 file; usage error naming the file if it is none. */
int tp_cert_load_key(const char *path, const struct tp_password *pw,
		     gnutls_x509_privkey_t *key,
		     struct tp_error *err);

/* The subject or issuer DN as text (RFC 4514), into buf. */
void tp_cert_dn(gnutls_x509_crt_t crt, bool issuer, char *buf, size_t size);

/* What a chain is checked for, and how the findings are worded. */
struct tp_chain_check {
	const char *role;          /* "server certificate", "--cert file" */
	enum tp_purpose purpose;   /* key usage / EKU expected */
	const char *expect_name;   /* NULL: no name check */
	const char *expect_id;     /* NULL: no unique-ID check */
	time_t now;                /* 0: the current time */
	enum tp_side side;         /* whose certificate it is */
	bool sent_by_peer;         /* chain as received on the wire */
	/* Who refuses MD5/SHA-1 signatures here ("GnuTLS with priority
	 * 'NORMAL'"), named in WEAK_SIGNATURE's detail; the severity is
	 * tp_cert_signature_severity's alone. */
	const char *weak_hash_refusal;
	/* Our own chain, judged before we present it: the far end's trust
	 * is unknown here, so no trust verdict (only that the certificates
	 * given link up), nothing added to r->certs (they list the peer's
	 * chain), and every finding a warning until the far end refuses
	 * the certificate (tp_diag_own_cert_refused). */
	bool own;
	/* Online: asked for the issuer of the chain's last certificate when
	 * it was neither sent nor trusted (AIA chasing, aia.c): a
	 * certificate owned by chase_arg, and the URL it came from, or
	 * NULL. With one that issued it and that a trusted CA issued, the
	 * chain is INCOMPLETE_CHAIN naming it. NULL: nothing is fetched. */
	gnutls_x509_crt_t (*chase_issuer)(void *arg, gnutls_x509_crt_t crt,
					  const char **url);
	void *chase_arg;
};

/*
 * Adds each certificate of chain to r->certs (position = index) and a
 * finding for every problem found, not just the first: trust (UNKNOWN_CA,
 * SELF_SIGNED, INCOMPLETE_CHAIN), CHAIN_ORDER, dates, NAME_MISMATCH,
 * PEER_ID_MISMATCH, WEAK_KEY, WEAK_SIGNATURE, BAD_KEY_USAGE.
 * Returns the number of error-severity findings it added.
 */
int tp_cert_check_chain(struct tp_report *r, gnutls_x509_crt_t *chain,
			unsigned n, const struct tp_trust *trust,
			const struct tp_chain_check *c);

/* Adds KEY_MISMATCH (naming both files) unless key belongs to chain[0];
 * returns whether it does. */
bool tp_cert_check_key(struct tp_report *r, const char *cert_file,
		       const char *key_file, gnutls_x509_crt_t *chain,
		       unsigned n, gnutls_x509_privkey_t key);

/*
 * Our own certificate and key, judged before they are presented with
 * the checks of tlsprobe cert (tp_cert_check_key, tp_cert_check_chain
 * with own set): purpose, key usage, a CA certificate as the leaf,
 * dates, key match, order and links of the chain, key size. Each
 * finding is side local and a warning. Returns how many it added.
 */
int tp_cert_check_own(struct tp_report *r, const char *cert_file,
		      const char *key_file, gnutls_x509_crt_t *chain,
		      unsigned n, gnutls_x509_privkey_t key,
		      enum tp_purpose purpose, time_t now);

/*
 * The one judgement of a certificate's key and signature, for every
 * probe that reports them (cert, client, server, peer, ciphers): the
 * severity of WEAK_KEY / WEAK_SIGNATURE, or -1 when there is nothing to
 * report. pk is a gnutls_pk_algorithm_t.
 */
int tp_cert_key_severity(int pk, unsigned bits);
int tp_cert_signature_severity(gnutls_digest_algorithm_t hash,
			       bool self_signed);

/* Whether issuer's name is crt's issuer name and its key signed crt. */
bool tp_cert_issued(gnutls_x509_crt_t issuer, gnutls_x509_crt_t crt);

/* Fills one report entry from a certificate. */
int tp_cert_describe(gnutls_x509_crt_t crt, struct tp_cert_info *info);

#endif
