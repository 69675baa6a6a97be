/*
 * The paired probes' side channel. Internal to libtlsprobe.
 *
 * One port carries TLS and the probes' own exchange: a connection whose
 * first bytes are "TLSPROBE/1 " speaks the side channel, anything else is
 * TLS. A message is one line: "TLSPROBE/1 " + a JSON object + "\n", at
 * most TP_SIDEBAND_MAX_LINE bytes in all. Every object has "type".
 *
 * Manners: a plain server must see nothing but a TLS client's bytes. The
 * client therefore marks its ClientHello random, and a tlsprobe server
 * answers the mark in its ServerHello random; only then, or when the user
 * says --paired, does the client say anything else.
 *
 *   key   a fresh Ed25519 key pair per run; the private half never leaves
 *         the client
 *   CR    the ClientHello random: SHA-256(key)[0..16) followed by
 *         HMAC-SHA256("TLSPROBE/1 client mark", those 16 bytes)[0..16)
 *   SR    the ServerHello random that answers it:
 *         HMAC-SHA256("TLSPROBE/1 server mark", CR)[0..16) followed by 16
 *         fresh random bytes
 *
 * Anyone can make a mark: it says "tlsprobe" and nothing more. What
 * guards a handshake's account is the key, which only its CR's maker
 * holds and which it proves by signing a challenge the server chose: a
 * claim seen on the wire cannot be replayed.
 *
 * 1. Inside the TLS session, once it is up and the ServerHello answered
 *    the mark (or --paired), the client sends its own words
 *      {"type":"inside","version":V,"unique_id":ID|null,
 *       "local":"IP:PORT","dialled":"IP:PORT"}
 *    ("local" and "dialled" are its two ends of this very connection) and
 *    a tlsprobe server answers, still inside TLS,
 *      {"type":"inside-reply","version":V,"unique_id":ID,
 *       "seen_from":"IP:PORT","server_local":"IP:PORT",
 *       "chain_sha256":["hex",...],"client_random":"hex",
 *       "account":ACCOUNT|null}
 *    client_random is the ClientHello random the server saw: if it is not
 *    CR, something rewrote the ClientHello. The account is this
 *    session's own, so no claim is needed.
 *
 * 2. On a fresh connection (after a handshake that failed once the
 *    ServerHello answered the mark; before and after the handshake with
 *    --paired) the client sends
 *      {"type":"hello","version":V,"unique_id":ID|null,
 *       "local":"IP:PORT","dialled":"IP:PORT",
 *       "client_random":"hex of CR","key":"hex of the public key"}
 *    and the server answers with one welcome line:
 *      {"type":"welcome","version":V,"unique_id":ID,
 *       "seen_from":"IP:PORT","server_local":"IP:PORT",
 *       "chain_sha256":["hex",...],"trusted_cas":["DN",...],
 *       "require_client_cert":bool,"expect_id":ID|null,
 *       "challenge":"hex of 32 fresh bytes"}
 *    "local"/"seen_from" and "dialled"/"server_local" are of this very
 *    connection. A client that wants the account of the handshake whose
 *    ClientHello random was CR then signs, on the same connection,
 *      {"type":"claim","signature":"hex of the Ed25519 signature of
 *       'TLSPROBE/1 claim' + challenge + CR"}
 *    and the server answers, then closes:
 *      {"type":"account","account":ACCOUNT|null}
 *    null when it saw no such handshake, or the key is not CR's, or the
 *    signature does not verify. ACCOUNT is the server's own view:
 *      {"seen_from":"IP:PORT","outcome":"established"|"alert"|"reset"|
 *       "closed"|"timeout","version":…,"cipher":…,"sni":…|null,
 *       "alert_sent":"unknown_ca"|null,"reason":"…",
 *       "client_cert":{"subject":…,"issuer":…,"sha256":…}|null,
 *       "codes":["CLIENT_CERT_REJECTED",...]}
 *
 * Strings read from a peer are hostile: parsers bound every length and
 * refuse a NUL; the fields hold raw bytes (the sender's escapes turned
 * back), which the report's setters sanitise as they enter a report.
 */
#ifndef TP_SIDEBAND_H
#define TP_SIDEBAND_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsprobe.h"

#define TP_SIDEBAND_MAGIC "TLSPROBE/1 "
#define TP_SIDEBAND_MAGIC_LEN 11
#define TP_SIDEBAND_MAX_LINE 16384
#define TP_SIDEBAND_KEY_LEN 32       /* an Ed25519 public key */
#define TP_SIDEBAND_SIG_LEN 64       /* an Ed25519 signature */
#define TP_SIDEBAND_CHALLENGE_LEN 32
#define TP_SIDEBAND_MAX_LIST 32     /* chain hashes, trusted CAs, codes */

struct tp_sideband_account {
	char seen_from[64];
	char outcome[16];
	char version[16];
	char cipher[96];
	char sni[256];
	char alert_sent[40];
	char reason[512];
	bool has_client_cert;
	char client_subject[256];
	char client_issuer[256];
	char client_sha256[65];
	char codes[TP_SIDEBAND_MAX_LIST][32];
	size_t n_codes;
};

struct tp_sideband_welcome {
	char version[16];
	char unique_id[64];
	char seen_from[64];
	char server_local[64];
	char chain_sha256[TP_SIDEBAND_MAX_LIST][65];
	size_t n_chain;
	char trusted_cas[TP_SIDEBAND_MAX_LIST][256];
	size_t n_trusted;
	bool require_client_cert;
	char expect_id[64];
	unsigned char challenge[TP_SIDEBAND_CHALLENGE_LEN];
};

struct tp_sideband_inside_reply {
	char version[16];
	char unique_id[64];
	char seen_from[64];
	char server_local[64];
	char chain_sha256[TP_SIDEBAND_MAX_LIST][65];
	size_t n_chain;
	char client_random[65];
	bool has_account;
	struct tp_sideband_account account;
};

/* A hello, or (without client_random and key) the words of "inside". */
struct tp_sideband_hello {
	char version[16];
	char unique_id[64];
	char local[64];
	char dialled[64];
	unsigned char client_random[32];
	unsigned char key[TP_SIDEBAND_KEY_LEN];
};

enum tp_sideband_type {
	TP_SIDEBAND_HELLO,
	TP_SIDEBAND_INSIDE,
	TP_SIDEBAND_WELCOME,
	TP_SIDEBAND_INSIDE_REPLY,
	TP_SIDEBAND_CLAIM, TP_SIDEBAND_ACCOUNT,
};

/* One parsed message; type says which member holds it. */
struct tp_sideband_msg {
	enum tp_sideband_type type;
	union {
		struct tp_sideband_hello hello;          /* hello, inside */
		struct tp_sideband_welcome welcome;
		struct tp_sideband_inside_reply inside_reply;
		unsigned char signature[TP_SIDEBAND_SIG_LEN];  /* claim */
		struct {
			bool has_account;
			struct tp_sideband_account account;
		} account;
	} u;
};

/* ---- marks and keys ---- */

/* This run's key pair: the public half goes on the wire, the private
 * half signs claims. */
struct tp_sideband_key {
	void *priv;                   /* gnutls_privkey_t */
	unsigned char pub[TP_SIDEBAND_KEY_LEN];
};

/* A fresh key pair; -1 when GnuTLS could not make one (errno ENOMEM when
 * memory ran out). */
int tp_sideband_key_new(struct tp_sideband_key *k);
void tp_sideband_key_free(struct tp_sideband_key *k);

/* The marked ClientHello random that goes with a public key. */
void tp_sideband_mark_client(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			     unsigned char cr[32]);
/* Whether a ClientHello random carries the mark. */
bool tp_sideband_client_marked(const unsigned char cr[32]);
/* Whether pub is the key a marked random was made from. */
bool tp_sideband_key_fits(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			  const unsigned char cr[32]);
/* The ServerHello random that answers a marked one; -1 on failure. */
int tp_sideband_mark_server(const unsigned char cr[32], unsigned char sr[32]);
/* Whether a ServerHello random answers the mark of cr. */
bool tp_sideband_server_marked(const unsigned char cr[32],
			       const unsigned char sr[32]);

/* 32 fresh random bytes for a welcome's challenge; -1 on failure. */
int tp_sideband_challenge_new(unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN]);
/* Signs a claim to the account of cr; -1 on failure. */
int tp_sideband_sign_claim(const struct tp_sideband_key *k,
			   const unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN],
			   const unsigned char cr[32],
			   unsigned char sig[TP_SIDEBAND_SIG_LEN]);
/* Whether sig is pub's signature of the claim to cr's account. */
bool tp_sideband_claim_valid(const unsigned char pub[TP_SIDEBAND_KEY_LEN],
			     const unsigned char ch[TP_SIDEBAND_CHALLENGE_LEN],
			     const unsigned char cr[32],
			     const unsigned char sig[TP_SIDEBAND_SIG_LEN]);

/* ---- lines ---- */

/* Each builder returns a malloc'd line ending in "\n", NULL on no memory. */
char *tp_sideband_inside_line(const struct tp_sideband_hello *words);
char *tp_sideband_hello_line(const struct tp_sideband_hello *h);
char *tp_sideband_inside_reply_line(const struct tp_sideband_inside_reply *r);
char *tp_sideband_welcome_line(const struct tp_sideband_welcome *w);
char *tp_sideband_claim_line(const unsigned char sig[TP_SIDEBAND_SIG_LEN]);
/* a: the account, or NULL for none */
char *tp_sideband_account_line(const struct tp_sideband_account *a);

/*
 * Parses one line (with or without its "\n") into m. Returns the message
 * type's name ("hello", "inside", "welcome", "inside-reply", "claim",
 * "account"), or NULL with err set (usage kind) when the line is not a
 * well-formed side-channel message: wrong magic, too long, not JSON, a
 * field of the wrong type or too long. String fields hold raw bytes.
 */
const char *tp_sideband_parse(const char *line, size_t len,
			      struct tp_sideband_msg *m, struct tp_error *err);

/*
 * tlsprobe peer adds one exchange, on a fresh connection, between two
 * nodes that each serve and connect:
 *   {"type":"peer-report","from":ID,"listen":"ADDR:PORT","report":R}
 *   {"type":"peer-ack","from":ID,"listen":"ADDR:PORT","report":R|null}
 * R is the sender's client report (tlsprobe client --json, compact,
 * without its handshake ladder); each node hands the other its own report
 * in the answer, so that one open direction carries both.
 *
 * The type of a side-channel line, copied into type; NULL when the line
 * is not "TLSPROBE/1 " and a JSON object with a string "type".
 */
const char *tp_sideband_peek_type(const char *line, size_t len, char *type,
				  size_t size);

#endif
