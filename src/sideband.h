/*
 * The paired probes' side channel. Internal to libtlsprobe.
 *
 * One port carries TLS and the probes' own exchange: a connection whose
 * first bytes are "TLSPROBE/1 " speaks the side channel, anything else is
 * TLS. A message is one line: "TLSPROBE/1 " + a JSON object + "\n", at
 * most TP_SB_MAX_LINE bytes in all. Every object has "type".
 *
 * The client makes its TLS handshake with a ClientHello random equal to
 * SHA-256(token), token being 32 fresh random bytes only it knows. Then:
 *
 * 1. Inside the TLS session, once it is up (this works through middleboxes
 *    that pass only TLS), the client sends
 *      {"type":"inside","version":V}
 *    and a tlsprobe server answers, still inside TLS,
 *      {"type":"inside-reply","version":V,"unique_id":ID,
 *       "seen_from":"IP:PORT","server_local":"IP:PORT",
 *       "chain_sha256":["hex",...],"client_random":"hex"}
 *    client_random is the ClientHello random the server saw: if it is not
 *    SHA-256(token), something rewrote the ClientHello.
 *
 * 2. On a fresh connection, whatever the handshake's outcome, the client
 *    sends
 *      {"type":"hello","version":V,"unique_id":ID|null,
 *       "local":"IP:PORT","dialled":"IP:PORT","token":"hex of token"}
 *    and the server answers with one welcome line, then closes:
 *      {"type":"welcome","version":V,"unique_id":ID,
 *       "seen_from":"IP:PORT","server_local":"IP:PORT",
 *       "chain_sha256":["hex",...],"trusted_cas":["DN",...],
 *       "require_client_cert":bool,"expect_id":ID|null,
 *       "account":ACCOUNT|null}
 *    "local"/"seen_from" and "dialled"/"server_local" are of this very
 *    connection. ACCOUNT is the server's own view of the handshake whose
 *    ClientHello random was SHA-256(token) (null if it saw none): only the
 *    holder of the token can ask for it, and the random on the wire does
 *    not give the token away.
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

#define TP_SB_MAGIC "TLSPROBE/1 "
#define TP_SB_MAGIC_LEN 11
#define TP_SB_MAX_LINE 16384
#define TP_SB_TOKEN_LEN 32
#define TP_SB_MAX_LIST 32     /* chain hashes, trusted CAs, codes */

struct tp_sb_account {
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
	char codes[TP_SB_MAX_LIST][32];
	size_t n_codes;
};

struct tp_sb_welcome {
	char version[16];
	char unique_id[64];
	char seen_from[64];
	char server_local[64];
	char chain_sha256[TP_SB_MAX_LIST][65];
	size_t n_chain;
	char trusted_cas[TP_SB_MAX_LIST][256];
	size_t n_trusted;
	bool require_client_cert;
	char expect_id[64];
	bool has_account;
	struct tp_sb_account account;
};

struct tp_sb_inside_reply {
	char version[16];
	char unique_id[64];
	char seen_from[64];
	char server_local[64];
	char chain_sha256[TP_SB_MAX_LIST][65];
	size_t n_chain;
	char client_random[65];
};

struct tp_sb_hello {
	char version[16];
	char unique_id[64];
	char local[64];
	char dialled[64];
	unsigned char token[TP_SB_TOKEN_LEN];
};

/* 32 fresh random bytes (gnutls_rnd, GNUTLS_RND_NONCE). */
int tp_sb_token_new(unsigned char token[TP_SB_TOKEN_LEN]);
/* The ClientHello random that goes with token: SHA-256(token). */
void tp_sb_client_random(const unsigned char token[TP_SB_TOKEN_LEN],
			 unsigned char random[32]);

/* Each builder returns a malloc'd line ending in "\n", NULL on no memory. */
char *tp_sb_inside_line(void);
char *tp_sb_hello_line(const struct tp_sb_hello *h);
char *tp_sb_inside_reply_line(const struct tp_sb_inside_reply *r);
char *tp_sb_welcome_line(const struct tp_sb_welcome *w);

/*
 * Parses one line (with or without its "\n"). Returns the message type
 * ("hello", "inside", "welcome", "inside-reply") and fills the matching
 * struct, or NULL with err set (usage kind) when the line is not a
 * well-formed side-channel message: wrong magic, too long, not JSON, a
 * field of the wrong type or too long. Strings are sanitised. Pass NULL
 * for the structs a caller does not expect.
 */
const char *tp_sb_parse(const char *line, size_t len, struct tp_sb_hello *hello,
			struct tp_sb_welcome *welcome,
			struct tp_sb_inside_reply *inside_reply,
			struct tp_error *err);

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
const char *tp_sb_peek_type(const char *line, size_t len, char *type,
			    size_t size);

#endif
