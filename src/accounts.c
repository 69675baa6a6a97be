/*
 * The server's remembered handshakes and side-channel hellos: two rings
 * searched by ClientHello random, each entry good for a TTL.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"

struct account_slot {
	bool used;
	double t;
	uint8_t random[32];
	struct tp_sideband_account a;
};

struct hello_slot {
	bool used;
	double t;
	struct tp_accounts_hello h;
};

struct tp_accounts {
	double (*now_ms)(void);
	struct account_slot *accounts;
	size_t next_account;
	struct hello_slot *hellos;
	size_t next_hello;
};

struct tp_accounts *tp_accounts_new(double (*now_ms)(void))
{
	struct tp_accounts *acc = calloc(1, sizeof(*acc));

	if (acc == NULL)
		return NULL;
	acc->now_ms = now_ms != NULL ? now_ms : tp_now_ms;
	acc->accounts = calloc(TP_ACCOUNTS_MAX, sizeof(*acc->accounts));
	acc->hellos = calloc(TP_ACCOUNTS_HELLOS_MAX, sizeof(*acc->hellos));
	if (acc->accounts == NULL || acc->hellos == NULL) {
		tp_accounts_free(acc);
		return NULL;
	}
	return acc;
}

void tp_accounts_free(struct tp_accounts *acc)
{
	if (acc == NULL)
		return;
	free(acc->accounts);
	free(acc->hellos);
	free(acc);
}

void tp_accounts_put_account(struct tp_accounts *acc,
			     const uint8_t random[32],
			     const struct tp_sideband_account *a)
{
	struct account_slot *slot = NULL;
	size_t i;

	for (i = 0; i < TP_ACCOUNTS_MAX; i++)
		if (acc->accounts[i].used &&
		    memcmp(acc->accounts[i].random, random, 32) == 0) {
			slot = &acc->accounts[i];
			break;
		}
	if (slot == NULL) {
		/* a ring: the oldest account makes room */
		slot = &acc->accounts[acc->next_account];
		acc->next_account = (acc->next_account + 1) % TP_ACCOUNTS_MAX;
	}
	slot->used = true;
	slot->t = acc->now_ms();
	memcpy(slot->random, random, 32);
	slot->a = *a;
}

const struct tp_sideband_account *
tp_accounts_get_account(struct tp_accounts *acc, const uint8_t random[32])
{
	double now = acc->now_ms();
	size_t i;

	for (i = 0; i < TP_ACCOUNTS_MAX; i++) {
		struct account_slot *slot = &acc->accounts[i];

		if (slot->used && now - slot->t <= TP_ACCOUNTS_TTL_MS &&
		    memcmp(slot->random, random, 32) == 0)
			return &slot->a;
	}
	return NULL;
}

void tp_accounts_put_hello(struct tp_accounts *acc, const uint8_t random[32],
			   const struct tp_sideband_hello *words,
			   const char *seen_from, const char *server_local)
{
	struct hello_slot *slot = &acc->hellos[acc->next_hello];
	struct tp_accounts_hello *h = &slot->h;

	acc->next_hello = (acc->next_hello + 1) % TP_ACCOUNTS_HELLOS_MAX;
	slot->used = true;
	slot->t = acc->now_ms();
	memcpy(h->random, random, 32);
	snprintf(h->unique_id, sizeof(h->unique_id), "%s", words->unique_id);
	snprintf(h->local, sizeof(h->local), "%s", words->local);
	snprintf(h->dialled, sizeof(h->dialled), "%s", words->dialled);
	snprintf(h->seen_from, sizeof(h->seen_from), "%s", seen_from);
	snprintf(h->server_local, sizeof(h->server_local), "%s",
		 server_local);
}

const struct tp_accounts_hello *tp_accounts_find_hello(
	struct tp_accounts *acc, const uint8_t random[32])
{
	const struct tp_accounts_hello *found = NULL;
	double now = acc->now_ms(), best = -1;
	size_t i;

	for (i = 0; i < TP_ACCOUNTS_HELLOS_MAX; i++) {
		struct hello_slot *slot = &acc->hellos[i];

		if (slot->used && now - slot->t <= TP_ACCOUNTS_TTL_MS &&
		    slot->t > best && memcmp(slot->h.random, random, 32) == 0) {
			best = slot->t;
			found = &slot->h;
		}
	}
	return found;
}
