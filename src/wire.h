/*
 * TLS wire formats: a bounded, allocation-free parser of the ClientHello.
 * Internal to libtlsprobe.
 *
 * Every length on the wire is checked against the bytes that hold it;
 * malformed input is refused as a whole and nothing past the buffer is
 * ever read. Lists are kept up to a fixed number of entries, with the
 * count of all the entries the peer sent alongside.
 */
#ifndef TP_WIRE_H
#define TP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_WIRE_MAX_SUITES 128
#define TP_WIRE_MAX_LIST 32        /* versions, groups, signatures, shares */
#define TP_WIRE_MAX_ALPN 8
#define TP_WIRE_MAX_EXTENSIONS 64

/* RFC 8446 section 4: handshake message types the parser knows. */
#define TP_WIRE_CLIENT_HELLO 1

/* RFC 8446 section 4.2: extension types read from a ClientHello. */
#define TP_WIRE_EXT_SERVER_NAME 0
#define TP_WIRE_EXT_SUPPORTED_GROUPS 10
#define TP_WIRE_EXT_SIGNATURE_ALGORITHMS 13
#define TP_WIRE_EXT_ALPN 16
#define TP_WIRE_EXT_SUPPORTED_VERSIONS 43
#define TP_WIRE_EXT_KEY_SHARE 51

struct tp_wire_client_hello {
	uint16_t legacy_version;
	uint8_t random[32];
	uint8_t session_id[32];
	size_t session_id_len;
	/* cipher suites: the first TP_WIRE_MAX_SUITES, and how many */
	uint16_t suites[TP_WIRE_MAX_SUITES];
	size_t n_suites;
	size_t suites_total;
	size_t n_compression;
	bool null_compression;         /* method 0 offered */
	/* extension types in the order sent (the first ones), and how many */
	uint16_t extensions[TP_WIRE_MAX_EXTENSIONS];
	size_t n_extensions;
	size_t extensions_total;
	/* server_name: the first host_name entry, raw bytes, NUL-terminated
	 * (a name holding a NUL byte keeps its length in sni_len) */
	bool has_sni;
	char sni[256];
	size_t sni_len;
	/* supported_versions (RFC 8446 section 4.2.1) */
	bool has_versions;
	uint16_t versions[TP_WIRE_MAX_LIST];
	size_t n_versions;
	/* supported_groups (RFC 8446 section 4.2.7) */
	uint16_t groups[TP_WIRE_MAX_LIST];
	size_t n_groups;
	size_t groups_total;
	/* signature_algorithms (RFC 8446 section 4.2.3) */
	uint16_t sig_algs[TP_WIRE_MAX_LIST];
	size_t n_sig_algs;
	size_t sig_algs_total;
	/* application_layer_protocol_negotiation (RFC 7301): first names */
	char alpn[TP_WIRE_MAX_ALPN][256];
	uint8_t alpn_len[TP_WIRE_MAX_ALPN];
	size_t n_alpn;
	size_t alpn_total;
	/* key_share (RFC 8446 section 4.2.8): the groups of the shares */
	bool has_key_share;
	uint16_t key_shares[TP_WIRE_MAX_LIST];
	size_t n_key_shares;
};

/*
 * Parses a ClientHello handshake body (after the 4-byte handshake
 * header; RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2). Returns 0,
 * or -1 when the body is malformed (out then holds nothing reliable).
 */
int tp_wire_parse_client_hello(const uint8_t *body, size_t len,
			       struct tp_wire_client_hello *out);

/*
 * Splits a handshake message: 1-byte type, 3-byte length, body (RFC 8446
 * section 4). Returns 0 when the whole body is in the buffer, -1 if not.
 */
int tp_wire_handshake(const uint8_t *msg, size_t len, uint8_t *type,
		      const uint8_t **body, size_t *body_len);

/*
 * Finds the handshake message in one TLS plaintext record (RFC 8446
 * section 5.1: type 22, version, 2-byte length). Returns 0 with the
 * message's bytes, -1 when the record is not a whole handshake record.
 */
int tp_wire_record(const uint8_t *rec, size_t len, const uint8_t **msg,
		   size_t *msg_len);

/* "TLS1.3", "TLS1.2", … for a protocol version number; NULL if none. */
const char *tp_wire_version_name(uint16_t version);
/* True for the reserved GREASE values of RFC 8701 (0x0a0a, 0x1a1a, …). */
bool tp_wire_is_grease(uint16_t value);

#endif
