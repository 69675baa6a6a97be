/*
 * STARTTLS preludes read off the wire: the plaintext a client and a
 * server exchange before they upgrade a connection to TLS in band, as a
 * capture shows both directions of it. Internal to libtlsprobe.
 *
 * The protocol is told from the bytes, whatever the port: the server's
 * greeting (SMTP and FTP "220", IMAP "* OK", POP3 "+OK") or the client's
 * first bytes (XMPP '<', PostgreSQL's SSLRequest, LDAP's BER SEQUENCE).
 * Each direction is read as that protocol's units (lines, XML tags, BER
 * messages, single bytes) of which only the first bytes are kept, so
 * the state is small and fixed whatever is fed; at most TP_PRELUDE_MAX
 * bytes of each direction are read before the reader gives up.
 *
 * A proxy tunnel is read the same way (tunnel.c): the client's first
 * bytes "CONNECT ", or a SOCKS4 or SOCKS5 version byte; its whole
 * request is the upgrade command, the proxy's success answer the
 * go-ahead, and a refusal refuses.
 */
#ifndef TP_PRELUDE_H
#define TP_PRELUDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "starttls.h"

/* Plaintext bytes read per direction before giving up. */
#define TP_PRELUDE_MAX 16384

enum tp_prelude_step {
	TP_PRELUDE_MORE,      /* still the prelude */
	TP_PRELUDE_TLS,       /* this direction's TLS starts at the next
			       * byte: after the client's upgrade command,
			       * after the server's go-ahead */
	TP_PRELUDE_REFUSED,   /* the server answered the upgrade command
			       * with a refusal: no TLS follows */
	TP_PRELUDE_NOT_OURS,  /* not a prelude followed here, or longer
			       * than TP_PRELUDE_MAX */
};

struct tp_prelude;

/* A reader for a connection whose first byte is b, sent by the client
 * when from_client; NULL when no protocol followed here starts that way
 * (or memory ran out). */
struct tp_prelude *tp_prelude_new(bool from_client, uint8_t b);
/*
 * Reads the next bytes of one direction, in order. Returns how many it
 * took: all n unless *step is TP_PRELUDE_TLS, when the bytes after
 * those are the start of that direction's TLS. After TLS, REFUSED or
 * NOT_OURS nothing more of that direction (any direction, for the last
 * two) may be fed. The server's go-ahead is only looked for after the
 * client's upgrade command was read.
 */
size_t tp_prelude_read(struct tp_prelude *pre, bool from_client,
		       const uint8_t *p, size_t n, enum tp_prelude_step *step);
/* The protocol whose upgrade the client asked for; TP_STARTTLS_NONE
 * before its command was read. */
enum tp_starttls tp_prelude_protocol(const struct tp_prelude *pre);
/* A proxy tunnel's reader (tunnel.h), which names its kind and target;
 * NULL for a STARTTLS prelude. */
struct tp_tunnel;
const struct tp_tunnel *tp_prelude_tunnel(const struct tp_prelude *pre);
void tp_prelude_free(struct tp_prelude *pre);

#endif
