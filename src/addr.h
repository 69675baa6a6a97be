/* Addresses: parsing, formatting, classes. Internal to libtlsprobe. */
#ifndef TP_ADDR_H
#define TP_ADDR_H

#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "tlsprobe.h"

/* Parses a port of min..65535 (digits only); a usage error starting with
 * label ("'host:99999'", "--listen ':x'") otherwise. */
int tp_addr_parse_port(const char *label, const char *s, unsigned min,
		       unsigned *port, struct tp_error *err);

/*
 * A --listen spec: "[ADDR]:PORT", "ADDR:PORT", ":PORT", "PORT", "ADDR" or
 * a bare IPv6 literal; port 0 lets the kernel pick. host "" means every
 * address (IPv4 and IPv6); spec NULL: every address, default_port. The
 * host is not checked here: the resolver says what it makes of it.
 */
int tp_addr_parse_listen(const char *spec, unsigned default_port,
			 char *host, size_t hsize, unsigned *port,
			 struct tp_error *err);

/*
 * An address block as nmap takes it ("198.51.100.0/28"): the network
 * address with its host bits cleared (nmap scans the whole block that
 * "198.51.100.5/28" lies in) and the prefix length.
 */
struct tp_addr_block {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char base[16];  /* network order; 4 bytes for IPv4 */
	unsigned prefix;         /* 0..32 or 0..128 */
};

/*
 * Parses "ADDR/LEN", "ADDR/LEN:PORT", "V6/LEN", "V6/LEN:PORT" (the port
 * comes after the length, so an IPv6 block needs no brackets) or
 * "[V6/LEN]:PORT"; port is default_port when none is given. A usage
 * error starting with label otherwise (the value quoted, cut).
 */
int tp_addr_parse_block(const char *label, const char *spec,
			unsigned default_port, struct tp_addr_block *block,
			unsigned *port, struct tp_error *err);
/* How many bits of the block's addresses vary (32 or 128 minus the
 * prefix): it holds 2^bits addresses. */
unsigned tp_addr_block_bits(const struct tp_addr_block *block);
/* The block's address number index (0 = the network address) into ss,
 * with port; index must be below 2^bits and 2^32. */
void tp_addr_block_nth(const struct tp_addr_block *block, uint32_t index,
		       unsigned port, struct sockaddr_storage *ss);

/* True when host is an IPv4 or IPv6 literal, an IPv6 one perhaps with a
 * zone ("fe80::1%eth0"): then no SNI is sent. */
bool tp_addr_is_literal(const char *host);
/* "loopback", "private (RFC 1918)", "shared (CGNAT, RFC 6598)",
 * "link-local", "unique local (ULA)", "documentation (RFC 5737)", "public" */
const char *tp_addr_class(const struct sockaddr *sa);
/* "1.2.3.4:443" or "[::1]:443" */
void tp_addr_format(const struct sockaddr *sa, char *buf, size_t size);
/* "1.2.3.4" or "::1" */
void tp_addr_format_host(const struct sockaddr *sa, char *buf, size_t size);
/* An IPv4 or IPv6 address's port, host order. */
void tp_addr_set_port(struct sockaddr_storage *ss, unsigned port);
unsigned tp_addr_port(const struct sockaddr_storage *ss);

#endif
