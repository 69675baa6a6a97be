/*
 * livecap.c's packet → timeline path without a capture: a tp_livecap
 * that opens nothing, fed decoded packets by hand, for tests (the
 * packets' own times are the clock). Internal to libtlsprobe, and not
 * for the probes: they open a real capture with tp_livecap_start.
 */
#ifndef TP_LIVECAP_INT_H
#define TP_LIVECAP_INT_H

#include "capture.h"
#include "livecap.h"

/* The state tp_livecap_start keeps for endpoints on port, with no
 * capture and no reader thread. NULL when out of memory. */
struct tp_livecap *tp_livecap_offline(const struct sockaddr_storage *endpoints,
				      size_t n, unsigned port);

/* One packet, as the reader thread would hand it over. */
void tp_livecap_feed(struct tp_livecap *lc, const struct tp_pkt *p);

#endif
