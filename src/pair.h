/* The client's side of the paired-probe exchange. Internal. */
#ifndef TP_PAIR_H
#define TP_PAIR_H

#include <sys/socket.h>

#include "sideband.h"
#include "tls.h"

enum tp_pair_state {
	TP_PAIR_UNTRIED,
	TP_PAIR_PAIRED,   /* a tlsprobe server answered */
	TP_PAIR_OTHER,    /* something else answered: no paired probe */
	TP_PAIR_SILENT,   /* reset or silence: unknown (a middlebox?) */
};

struct tp_pair {
	struct tp_sideband_key key;             /* this run's: its public half
					   * makes the marked random */
	unsigned char client_random[32];
	bool forced;                      /* --paired: ask whatever the
					   * mark says */
	enum tp_pair_state state;         /* of the side channel */
	char why[160];                    /* how the state was found */
	double ms;                        /* time the exchanges took */
	char local[64];                   /* our end of the hello connection */
	char dialled[64];                 /* its far end as we dialled it */
	struct tp_sideband_welcome welcome;
	bool asked;                       /* a claim was sent */
	bool claimed;                     /* and answered */
	bool have_account;                /* the server saw our handshake */
	struct tp_sideband_account account;
	/* the TLS connection: our ends, the words sent inside it */
	char tls_local[64], tls_dialled[64];
	char *inside_line;
	bool marked;                      /* the ServerHello answered the
					   * mark */
	bool have_inside;                 /* a reply came inside TLS */
	struct tp_sideband_inside_reply inside;
	volatile sig_atomic_t *stop;      /* the caller's; NULL: none */
	bool cancelled;                   /* a hello was cut short by it */
};

/* A fresh key and its marked ClientHello random; NULL on failure.
 * forced: --paired. */
struct tp_pair *tp_pair_new(bool forced);
void tp_pair_free(struct tp_pair *p);

/*
 * Says hello on a fresh connection to sa within wait_ms. The first
 * welcome sets p->state, p->welcome and the hello connection's ends;
 * with claim set, the account of our handshake is then claimed on the
 * same connection. A hello that p->stop cuts short sets p->cancelled
 * instead: its silence says nothing of the path.
 */
void tp_pair_hello(struct tp_pair *p, const struct sockaddr *sa,
		   socklen_t len, double wait_ms, const char *unique_id,
		   bool claim);

/*
 * The words sent inside the TLS connection fd (dialled at sa): our two
 * ends of it and, when given, our unique ID. -1 on no memory.
 */
int tp_pair_words(struct tp_pair *p, int fd, const struct sockaddr *sa,
		  const char *unique_id);

/* Whether the inside-TLS exchange is worth its wait without the mark:
 * --paired, and a tlsprobe server answered or the hello met a reset or
 * silence (a middlebox that passes only TLS may hide one). */
bool tp_pair_try_blind(const struct tp_pair *p);

/* Takes what the handshake showed: the mark's answer, the reply inside
 * TLS and the account it carries. */
void tp_pair_after_tls(struct tp_pair *p, const struct tp_tls_obs *obs);

/* Whether the account must still be claimed on the side channel: the far
 * end is a tlsprobe server and no account came inside TLS. */
bool tp_pair_wants_claim(const struct tp_pair *p);

/* The unique ID the paired server reports (on the side channel or
 * inside TLS), or NULL when none answered. */
const char *tp_pair_peer_id(const struct tp_pair *p);

/*
 * Compares both ends' views and adds the findings: NAT_SOURCE,
 * NAT_DESTINATION, TLS_INTERCEPTED, CA_MISMATCH, the server's own reason
 * for a refusal, PEER_ID_MISMATCH as the server judged it; fills
 * r->peer and the "sideband" stage. Not for a cancelled hello.
 */
void tp_pair_analyse(struct tp_pair *p, struct tp_report *r,
		     const struct tp_tls_client_cfg *cfg);

/*
 * The server's side of the NAT comparison: the client's tlsprobe said on
 * the side channel which address it is (client_local) and which it
 * dialled; the server saw the connection come from seen_from and arrive
 * on server_local. Adds NAT_SOURCE and NAT_DESTINATION when they differ.
 */
void tp_pair_nat_seen(struct tp_report *r, const char *client_local,
		      const char *seen_from, const char *client_dialled,
		      const char *server_local);

#endif
