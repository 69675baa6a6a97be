/*
 * The server's memory of handshakes and side-channel hellos, kept by
 * ClientHello random so that the side channel can hand a handshake's
 * account to the client that proves it made it. Internal to libtlsprobe.
 */
#ifndef TP_ACCOUNTS_H
#define TP_ACCOUNTS_H

#include <stdint.h>

#include "sideband.h"

#define TP_ACCOUNTS_MAX 1024        /* handshakes remembered */
#define TP_ACCOUNTS_HELLOS_MAX 1024 /* side-channel hellos remembered */
#define TP_ACCOUNTS_TTL_MS (5 * 60 * 1000.0)

/* One remembered hello: the client's words about its connection, then
 * what we saw of that same connection. */
struct tp_accounts_hello {
	uint8_t random[32];         /* the handshake's ClientHello random */
	char unique_id[64];
	char local[64], dialled[64];
	char seen_from[64], server_local[64];
};

struct tp_accounts;

/* now_ms: the clock entries are stamped and aged by; NULL for
 * tp_now_ms(). NULL when out of memory. */
struct tp_accounts *tp_accounts_new(double (*now_ms)(void));
void tp_accounts_free(struct tp_accounts *acc);

/* Keeps a's copy for random, in place of an older one for the same
 * random; when full, the oldest entry makes room. */
void tp_accounts_put_account(struct tp_accounts *acc,
			     const uint8_t random[32],
			     const struct tp_sideband_account *a);
/* The account for random, or NULL (none, or older than the TTL).
 * Borrowed: valid until the next put. */
const struct tp_sideband_account *
tp_accounts_get_account(struct tp_accounts *acc, const uint8_t random[32]);

/* Keeps a hello's words (unique_id, local, dialled) and the two ends of
 * its connection as we saw them; when full, the oldest makes room. */
void tp_accounts_put_hello(struct tp_accounts *acc, const uint8_t random[32],
			   const struct tp_sideband_hello *words,
			   const char *seen_from, const char *server_local);
/* The newest hello with this random younger than the TTL, or NULL.
 * Borrowed: valid until the next put. */
const struct tp_accounts_hello *tp_accounts_find_hello(
	struct tp_accounts *acc, const uint8_t random[32]);

#endif
