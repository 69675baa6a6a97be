/*
 * TLS fingerprints of a ClientHello and a ServerHello: JA3 and JA3S
 * (MD5 of the decimal fields, GREASE left out) and JA4 (the FoxIO
 * layout: a readable prefix and truncated SHA-256 hashes). JA4S and the
 * rest of JA4+ are under the FoxIO License, which forbids what GPL-3.0
 * allows, so they are not computed here.
 * Internal to libtlsprobe.
 */
#ifndef TP_JA_H
#define TP_JA_H

#include <stddef.h>

#include "wire.h"

#define TP_JA3_LEN 32   /* hex MD5 */
#define TP_JA4_LEN 36   /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* full (optional, NULL to skip): the string hashed, as tshark's
 * tls.handshake.ja3_full shows it. */
void tp_ja3(const struct tp_wire_client_hello *ch, char out[TP_JA3_LEN + 1],
	    char *full, size_t full_size);
void tp_ja3s(const struct tp_wire_server_hello *sh,
	     char out[TP_JA3_LEN + 1], char *full, size_t full_size);
/* quic: 'q' instead of 't' (tlsprobe only sees TCP: false) */
void tp_ja4(const struct tp_wire_client_hello *ch, bool quic,
	    char out[TP_JA4_LEN + 1]);

#endif
