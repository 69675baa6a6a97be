/*
 * Proxy tunnels read off the wire: the HTTP CONNECT request and answer,
 * and the SOCKS4, SOCKS4a and SOCKS5 exchanges, that come before the
 * TLS a client runs through a proxy, as a capture shows both directions
 * of them. Internal to libtlsprobe; the prelude reader (prelude.c)
 * hands a connection here when the client's first byte is 'C', 0x04 or
 * 0x05, and it follows the tunnel as it follows a STARTTLS upgrade.
 *
 * The state is fixed and small: the target the client asked for (a
 * host name is at most 255 bytes in every one of these protocols) and
 * a position in each direction's messages. What only a proxy needs
 * (HTTP headers, the SOCKS4 userid, the SOCKS5 username and password)
 * is passed over byte by byte and never kept.
 */
#ifndef TP_TUNNEL_H
#define TP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prelude.h"

enum tp_tunnel_kind {
	TP_TUNNEL_NONE,
	TP_TUNNEL_CONNECT,
	TP_TUNNEL_SOCKS4,
	TP_TUNNEL_SOCKS4A,
	TP_TUNNEL_SOCKS5,
};

/* "[" + a 255-byte name + "]:" + 5 digits, and a NUL */
#define TP_TUNNEL_TARGET_MAX 264

/* One direction's place in its messages. */
struct tp_tunnel_side {
	uint8_t step;          /* what the next byte is (tunnel.c) */
	uint8_t method;        /* SOCKS5 server: the method it chose */
	uint16_t pos;          /* bytes into the line or field */
	uint16_t left;         /* bytes of the field still to come */
	uint8_t line[12];      /* HTTP: a line's first bytes */
};

struct tp_tunnel {
	uint8_t kind;          /* enum tp_tunnel_kind: the protocol the client's
				* first bytes began */
	bool asked;            /* its whole request was read */
	uint8_t atyp;          /* SOCKS5: the request's address type */
	uint8_t addr[16];      /* SOCKS: the target address as sent */
	uint16_t port;
	uint16_t target_len;
	char target[TP_TUNNEL_TARGET_MAX];  /* as the client named it,
				* unsanitised: the report's setters clean it */
	struct tp_tunnel_side side[2];  /* [0] client, [1] server */
};

/* Starts a reader for a connection whose client sent b first; false
 * when no tunnel starts that way. */
bool tp_tunnel_start(struct tp_tunnel *t, uint8_t b);
/* The next byte of one direction, in order (the first one included):
 * MORE; TLS when this direction's tunnelled bytes start after it (the
 * client's whole request, the proxy's whole success answer, which is
 * only looked for after the request); REFUSED when the proxy said no;
 * NOT_OURS when these are not the protocol's bytes. */
enum tp_prelude_step tp_tunnel_byte(struct tp_tunnel *t, bool from_client,
				    uint8_t b);
/* The tunnel's kind once the client's first bytes named it (before
 * its request was read whole, SOCKS4 may still turn out to be 4a). */
enum tp_tunnel_kind tp_tunnel_kind(const struct tp_tunnel *t);
/* "connect", "socks4", "socks4a", "socks5"; "" for none. */
const char *tp_tunnel_name(enum tp_tunnel_kind kind);

#endif
