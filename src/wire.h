/*
 * TLS wire formats: bounded, allocation-free parsers of the handshake
 * messages and records, and the builder of the audit's raw ClientHello.
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
#define TP_WIRE_MAX_LIST 64        /* versions, groups, signatures, shares,
				    * point formats */
#define TP_WIRE_MAX_ALPN 8
#define TP_WIRE_MAX_EXTENSIONS 64

/* RFC 8446 section 4: handshake message types the parser knows. */
#define TP_WIRE_CLIENT_HELLO 1

/* RFC 8446 section 4.2: extension types read from a ClientHello. */
#define TP_WIRE_EXT_SERVER_NAME 0
#define TP_WIRE_EXT_SUPPORTED_GROUPS 10
#define TP_WIRE_EXT_EC_POINT_FORMATS 11
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
	/* ec_point_formats (RFC 8422 section 5.1.2) */
	uint8_t ec_point_formats[TP_WIRE_MAX_LIST];
	size_t n_ec_point_formats;
	size_t ec_point_formats_total;
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
/* Whether a ServerHello's 32-byte random marks it a HelloRetryRequest
 * (RFC 8446 section 4.1.3). */
bool tp_wire_is_hrr_random(const uint8_t *random);

/* ---- building a ClientHello (the cipher audit's raw probes) ---- */

#define TP_WIRE_MAX_SHARES 4

struct tp_wire_share {
	uint16_t group;
	const uint8_t *data;     /* the client's key exchange bytes */
	size_t len;
};

struct tp_wire_hello_opts {
	uint16_t version;        /* highest offered: 0x0300 … 0x0304. With
				  * 0x0304 the legacy version is 0x0303 and
				  * supported_versions lists 0x0304 only (or
				  * versions/n_versions when given). */
	const uint16_t *versions; /* optional supported_versions list */
	size_t n_versions;
	const uint16_t *suites;  /* sent as given, at most 0x7FFF entries */
	size_t n_suites;
	const uint16_t *groups;  /* supported_groups; none: not sent */
	size_t n_groups;
	const uint16_t *sig_algs; /* signature_algorithms; none: not sent */
	size_t n_sig_algs;
	const struct tp_wire_share *shares; /* key_share (TLS 1.3): sent,
				  * possibly empty, whenever version is 0x0304 */
	size_t n_shares;
	const char *sni;         /* host_name; NULL: no server_name */
	const uint8_t *random;   /* 32 bytes; NULL: the caller's zeros */
	bool no_extensions;      /* SSL 3.0 style: no extensions block */
	bool ec_point_formats;   /* send ec_point_formats (uncompressed) when
				  * any suite is (EC)DHE/ECDH */
	/* the audit's attack probes (below TLS 1.3) */
	bool heartbeat;          /* heartbeat, peer_allowed_to_send (RFC
				  * 6520 section 2) */
	bool session_ticket;     /* SessionTicket (RFC 5077 section 3.2):
				  * ticket_len bytes of ticket, or empty */
	const uint8_t *ticket;
	size_t ticket_len;
	const uint8_t *session_id; /* 1..32 bytes; NULL: an empty one */
	size_t session_id_len;
	bool deflate;            /* compression methods DEFLATE (RFC 3749)
				  * and null, not null alone */
};

/*
 * Writes one or more TLS plaintext records (content type 22) carrying the
 * ClientHello into out. The record version is 0x0301 (0x0300 for SSL
 * 3.0), as browsers and scanners do. A session id of 32 random-looking
 * bytes is sent for TLS 1.3 (middlebox compatibility). Returns the
 * number of bytes, or 0 when cap is too small or an option is invalid.
 */
size_t tp_wire_build_client_hello(const struct tp_wire_hello_opts *o,
				  uint8_t *out, size_t cap);

/* ---- reading what a server sends before encryption starts ---- */

#define TP_WIRE_MAX_RECORD (16384 + 2048)  /* TLSCiphertext limit */
/* A handshake message may be 2^24-1 bytes long (RFC 8446 section 4,
 * RFC 5246 section 7.4): a Certificate with thousands of names or a long
 * chain passes 64 KiB. The reader keeps whole only the messages that fit
 * TP_WIRE_MAX_KEPT, which holds the largest legal ServerHello (RFC 8446
 * section 4.1.3: version, random, a 32-byte session id, suite,
 * compression, 2^16-1 bytes of extensions); longer ones are handed over
 * in pieces as their records come, so memory stays bounded without
 * refusing what TLS allows. */
#define TP_WIRE_MAX_SERVER_HELLO (2 + 32 + 1 + 32 + 2 + 1 + 2 + 65535)
#define TP_WIRE_MAX_KEPT TP_WIRE_MAX_SERVER_HELLO
/* Not a TLS limit: the largest message a capture copies (capture.c). */
#define TP_WIRE_MAX_MESSAGE 65536

enum tp_wire_event_kind {
	TP_WIRE_NEED_MORE,       /* feed more bytes */
	TP_WIRE_HANDSHAKE,       /* a whole handshake message */
	TP_WIRE_HANDSHAKE_PART,  /* a piece of a message longer than
				  * TP_WIRE_MAX_KEPT: the pieces come in
				  * order, one per record (or less) */
	TP_WIRE_ALERT,           /* level, description */
	TP_WIRE_CCS,             /* change_cipher_spec */
	TP_WIRE_OTHER,           /* application data or another content
				  * type: encryption has started */
	TP_WIRE_SSL2,            /* an SSL 2.0 record header */
	TP_WIRE_NOT_TLS,         /* the first bytes are not a TLS record */
	TP_WIRE_BAD_RECORD,      /* record length over TP_WIRE_MAX_RECORD,
				  * zero-length handshake record, an alert
				  * record shorter than an alert, or a later
				  * record header with a major version other
				  * than 3 */
};

struct tp_wire_event {
	enum tp_wire_event_kind kind;
	uint8_t hs_type;         /* TP_WIRE_HANDSHAKE and _PART */
	const uint8_t *body;     /* handshake body (or the piece of it),
				  * valid until the next call */
	size_t body_len;
	size_t offset;           /* _PART: where the piece starts in the
				  * body (0 for a whole message) */
	size_t msg_len;          /* the whole body's length, from the
				  * message header */
	uint8_t alert_level, alert_desc; /* TP_WIRE_ALERT */
	uint8_t content_type;    /* TP_WIRE_OTHER: the record's type, and
				  * its payload in body, body_len */
	uint16_t record_version; /* of the record that carried it */
};

/*
 * Reassembles handshake messages across records (several per record,
 * one spread over many). Bounded: holds at most one record and one
 * message of up to TP_WIRE_MAX_KEPT bytes; a longer one is passed on in
 * pieces and never held. Once it reports NOT_TLS, SSL2 or BAD_RECORD it
 * reports that again on every call.
 */
struct tp_wire_reader {
	uint8_t rec[5 + TP_WIRE_MAX_RECORD];
	size_t rec_len;          /* bytes of the current record held */
	size_t rec_pos;          /* bytes of its payload consumed */
	uint8_t msg[4 + TP_WIRE_MAX_KEPT];
	size_t msg_len;
	uint8_t part_type;       /* the message passed on in pieces */
	size_t part_total;       /* its body's length */
	size_t part_left;        /* bytes of it still to come */
	enum tp_wire_event_kind failed; /* sticky error, or NEED_MORE */
	bool seen_record;
};

void tp_wire_reader_init(struct tp_wire_reader *rd);
/*
 * Consumes bytes from *data (advancing *data and *len) until an event is
 * ready; returns it in ev (kind NEED_MORE when everything was consumed).
 */
void tp_wire_reader_next(struct tp_wire_reader *rd, const uint8_t **data,
			 size_t *len, struct tp_wire_event *ev);

#define TP_WIRE_SERVER_HELLO 2
#define TP_WIRE_CERTIFICATE 11
#define TP_WIRE_SERVER_KEY_EXCHANGE 12
#define TP_WIRE_SERVER_HELLO_DONE 14

struct tp_wire_server_hello {
	bool hrr;                /* a HelloRetryRequest (RFC 8446 4.1.3) */
	uint16_t legacy_version;
	uint16_t version;        /* supported_versions when present, else
				  * legacy_version */
	uint8_t random[32];
	size_t session_id_len;
	uint8_t session_id[32];
	uint16_t suite;
	uint8_t compression;
	bool has_key_share;
	uint16_t key_share_group; /* ServerHello: the share's group;
				   * HRR: selected_group */
	bool has_cookie;         /* HRR */
	bool has_versions;
	bool has_alpn;
	bool has_ems;            /* extended_master_secret */
	bool has_reneg_info;     /* renegotiation_info */
	bool downgrade_tls12;    /* RFC 8446 4.1.3 sentinel in the random */
	bool downgrade_tls11;
	uint16_t extensions[TP_WIRE_MAX_EXTENSIONS];
	size_t n_extensions;
	/* has_alpn: the protocol chosen (RFC 7301 section 3.1), raw bytes,
	 * NUL-terminated (a name holding a NUL byte keeps its length in
	 * alpn_len) */
	char alpn[256];
	size_t alpn_len;
};

/* Parses a ServerHello or HRR body. 0, or -1 when malformed. */
int tp_wire_parse_server_hello(const uint8_t *body, size_t len,
			       struct tp_wire_server_hello *out);

/*
 * The first fault of a ServerHello (or HRR) sh as the answer to the
 * ClientHello ch, taken in the order of its fields (RFC 8446 section
 * 4.1.3, RFC 5246 section 7.4.1.3): a version above those offered (or an
 * HRR to a hello without TLS 1.3), the downgrade sentinel in an answer
 * lower than the hello offered, a suite or compression method not
 * offered, an extension the hello never offered or that TLS 1.3 does not
 * allow in that message. 0 when there is none; -1 with a one-line
 * description in why. Lists ch kept only in part are not judged.
 */
int tp_wire_server_hello_fault(const struct tp_wire_server_hello *sh,
			       const struct tp_wire_client_hello *ch,
			       char *why, size_t size);

struct tp_wire_server_kx {
	bool ecdhe;              /* named curve parameters */
	uint16_t group;          /* ecdhe: the named curve */
	bool dhe;                /* explicit DH parameters */
	unsigned dh_bits;        /* dhe: bits of the prime p */
	uint16_t sig_alg;        /* TLS 1.2 signature algorithm, 0 before */
};

/*
 * Parses the start of a TLS 1.0-1.2 ServerKeyExchange for a (EC)DHE
 * suite (dhe: true for DHE/ADH, false for ECDHE/AECDH); with
 * tls12 the signature algorithm after the parameters is read too.
 * 0, or -1 when malformed.
 */
int tp_wire_parse_server_kx(const uint8_t *body, size_t len, bool dhe,
			    bool tls12, struct tp_wire_server_kx *out);

/*
 * Finds the certificates of a TLS 1.0-1.2 Certificate message: the
 * first n (at most max) DER blobs point into body. Returns how many
 * certificates the message holds, or -1 when it is malformed.
 */
int tp_wire_parse_certificate(const uint8_t *body, size_t len,
			      const uint8_t **der, size_t *der_len,
			      size_t max);

#endif
