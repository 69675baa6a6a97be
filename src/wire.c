/* TLS wire formats: the ClientHello, read with every length checked and
 * built byte by byte; what a server sends back, read the same way. */
#include <stdio.h>
#include <string.h>

#include "wire.h"

/* A window on the input: every read checks what is left of it. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static int u8(struct reader *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

static int u16(struct reader *r, uint16_t *v)
{
	if (r->left < 2)
		return -1;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static int bytes(struct reader *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -1;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

/* A vector with a 1- or 2-byte length prefix becomes a reader of its own
 * (RFC 8446 section 3.4). */
static int vector(struct reader *r, int prefix, struct reader *sub)
{
	uint8_t n8;
	uint16_t n16;
	size_t n;

	if (prefix == 1) {
		if (u8(r, &n8) < 0)
			return -1;
		n = n8;
	} else {
		if (u16(r, &n16) < 0)
			return -1;
		n = n16;
	}
	sub->left = n;
	return bytes(r, n, &sub->p);
}

/* A list of 16-bit values filling the whole reader: the first max are
 * kept, *total counts them all. An odd length is malformed. */
static int u16_list(struct reader *r, uint16_t *out, size_t max, size_t *n,
		    size_t *total)
{
	uint16_t v;

	if (r->left % 2 != 0)
		return -1;
	*n = 0;
	if (total != NULL)
		*total = 0;
	while (r->left > 0) {
		if (u16(r, &v) < 0)
			return -1;
		if (*n < max)
			out[(*n)++] = v;
		if (total != NULL)
			(*total)++;
	}
	return 0;
}

/* RFC 6066 section 3: ServerNameList; the first host_name is kept. */
static int server_name(struct reader *ext, struct tp_wire_client_hello *ch)
{
	struct reader list, name;
	uint8_t type;

	if (vector(ext, 2, &list) < 0 || ext->left != 0 || list.left == 0)
		return -1;
	while (list.left > 0) {
		if (u8(&list, &type) < 0 || vector(&list, 2, &name) < 0)
			return -1;
		if (type != 0 || ch->has_sni)
			continue;
		if (name.left == 0 || name.left >= sizeof(ch->sni))
			return -1;  /* a DNS name is at most 255 bytes */
		memcpy(ch->sni, name.p, name.left);
		ch->sni[name.left] = '\0';
		ch->sni_len = name.left;
		ch->has_sni = true;
	}
	return 0;
}

/* RFC 8446 section 4.2.1: in a ClientHello, a 1-byte-length list. */
static int supported_versions(struct reader *ext,
			      struct tp_wire_client_hello *ch)
{
	struct reader list;

	if (vector(ext, 1, &list) < 0 || ext->left != 0 || list.left == 0)
		return -1;
	ch->has_versions = true;
	return u16_list(&list, ch->versions, TP_WIRE_MAX_LIST, &ch->n_versions,
			NULL);
}

static int u16_vector(struct reader *ext, uint16_t *out, size_t max,
		      size_t *n, size_t *total)
{
	struct reader list;

	if (vector(ext, 2, &list) < 0 || ext->left != 0)
		return -1;
	return u16_list(&list, out, max, n, total);
}

/* RFC 7301 section 3.1: ProtocolNameList, names of 1..255 bytes. */
static int alpn(struct reader *ext, struct tp_wire_client_hello *ch)
{
	struct reader list, name;

	if (vector(ext, 2, &list) < 0 || ext->left != 0 || list.left == 0)
		return -1;
	ch->n_alpn = ch->alpn_total = 0;
	while (list.left > 0) {
		if (vector(&list, 1, &name) < 0 || name.left == 0)
			return -1;
		if (ch->n_alpn < TP_WIRE_MAX_ALPN) {
			memcpy(ch->alpn[ch->n_alpn], name.p, name.left);
			ch->alpn[ch->n_alpn][name.left] = '\0';
			ch->alpn_len[ch->n_alpn] = (uint8_t)name.left;
			ch->n_alpn++;
		}
		ch->alpn_total++;
	}
	return 0;
}

/* RFC 8422 section 5.1.2: ECPointFormatList, one byte each, <1..2^8-1>. */
static int ec_point_formats(struct reader *ext,
			    struct tp_wire_client_hello *ch)
{
	struct reader list;
	uint8_t format;

	if (vector(ext, 1, &list) < 0 || ext->left != 0 || list.left == 0)
		return -1;
	ch->n_ec_point_formats = 0;
	ch->ec_point_formats_total = list.left;
	while (u8(&list, &format) == 0)
		if (ch->n_ec_point_formats < TP_WIRE_MAX_LIST)
			ch->ec_point_formats[ch->n_ec_point_formats++] = format;
	return 0;
}

/* RFC 8446 section 4.2.8: KeyShareClientHello, entries of group and
 * key_exchange<1..2^16-1>. */
static int key_share(struct reader *ext, struct tp_wire_client_hello *ch)
{
	struct reader list, key;
	uint16_t group;

	if (vector(ext, 2, &list) < 0 || ext->left != 0)
		return -1;
	ch->has_key_share = true;
	ch->n_key_shares = 0;
	while (list.left > 0) {
		if (u16(&list, &group) < 0 || vector(&list, 2, &key) < 0 ||
		    key.left == 0)
			return -1;
		if (ch->n_key_shares < TP_WIRE_MAX_LIST)
			ch->key_shares[ch->n_key_shares++] = group;
	}
	return 0;
}

static int extension(uint16_t type, struct reader *ext,
		     struct tp_wire_client_hello *ch)
{
	switch (type) {
	case TP_WIRE_EXT_SERVER_NAME:
		/* an empty extension is what a server echoes, not a client */
		return server_name(ext, ch);
	case TP_WIRE_EXT_SUPPORTED_VERSIONS:
		return supported_versions(ext, ch);
	case TP_WIRE_EXT_SUPPORTED_GROUPS:
		return u16_vector(ext, ch->groups, TP_WIRE_MAX_LIST,
				  &ch->n_groups, &ch->groups_total);
	case TP_WIRE_EXT_EC_POINT_FORMATS:
		return ec_point_formats(ext, ch);
	case TP_WIRE_EXT_SIGNATURE_ALGORITHMS:
		return u16_vector(ext, ch->sig_algs, TP_WIRE_MAX_LIST,
				  &ch->n_sig_algs, &ch->sig_algs_total);
	case TP_WIRE_EXT_ALPN:
		return alpn(ext, ch);
	case TP_WIRE_EXT_KEY_SHARE:
		return key_share(ext, ch);
	default:
		return 0;  /* the others are counted, not read */
	}
}

int tp_wire_parse_client_hello(const uint8_t *body, size_t len,
			       struct tp_wire_client_hello *ch)
{
	struct reader r = {body, len}, v, exts, ext;
	const uint8_t *p;
	uint16_t type;
	size_t i;

	memset(ch, 0, sizeof(*ch));
	if (body == NULL)
		return -1;
	/* legacy_version, random[32] */
	if (u16(&r, &ch->legacy_version) < 0 || bytes(&r, 32, &p) < 0)
		return -1;
	memcpy(ch->random, p, 32);
	/* legacy_session_id<0..32> */
	if (vector(&r, 1, &v) < 0 || v.left > 32)
		return -1;
	memcpy(ch->session_id, v.p, v.left);
	ch->session_id_len = v.left;
	/* cipher_suites<2..2^16-2> */
	if (vector(&r, 2, &v) < 0 || v.left == 0 ||
	    u16_list(&v, ch->suites, TP_WIRE_MAX_SUITES, &ch->n_suites,
		     &ch->suites_total) < 0)
		return -1;
	/* legacy_compression_methods<1..2^8-1> */
	if (vector(&r, 1, &v) < 0 || v.left == 0)
		return -1;
	ch->n_compression = v.left;
	for (i = 0; i < v.left; i++)
		if (v.p[i] == 0)
			ch->null_compression = true;
	/* RFC 5246 section 7.4.1.2: a hello may end here, without the
	 * extensions block */
	if (r.left == 0)
		return 0;
	if (vector(&r, 2, &exts) < 0 || r.left != 0)
		return -1;
	while (exts.left > 0) {
		if (u16(&exts, &type) < 0 || vector(&exts, 2, &ext) < 0)
			return -1;
		if (ch->n_extensions < TP_WIRE_MAX_EXTENSIONS)
			ch->extensions[ch->n_extensions++] = type;
		ch->extensions_total++;
		if (extension(type, &ext, ch) < 0)
			return -1;
	}
	return 0;
}

int tp_wire_handshake(const uint8_t *msg, size_t len, uint8_t *type,
		      const uint8_t **body, size_t *body_len)
{
	size_t n;

	if (msg == NULL || len < 4)
		return -1;
	n = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
	if (len - 4 < n)
		return -1;
	*type = msg[0];
	*body = msg + 4;
	*body_len = n;
	return 0;
}

int tp_wire_record(const uint8_t *rec, size_t len, const uint8_t **msg,
		   size_t *msg_len)
{
	size_t n;

	/* RFC 8446 section 5.1: a record is at most 2^14 bytes of payload */
	if (rec == NULL || len < 5 || rec[0] != 22 || rec[1] != 3)
		return -1;
	n = (size_t)rec[3] << 8 | rec[4];
	if (n == 0 || n > 16384 || len - 5 < n)
		return -1;
	*msg = rec + 5;
	*msg_len = n;
	return 0;
}

const char *tp_wire_version_name(uint16_t version)
{
	switch (version) {
	case 0x0304: return "TLS1.3";
	case 0x0303: return "TLS1.2";
	case 0x0302: return "TLS1.1";
	case 0x0301: return "TLS1.0";
	case 0x0300: return "SSL3.0";
	case 0x0002: return "SSL2.0";
	default: return NULL;
	}
}

bool tp_wire_is_grease(uint16_t value)
{
	/* RFC 8701 section 2: 0x0A0A, 0x1A1A, … 0xFAFA */
	return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

/* ---- building a ClientHello ---- */

/* RFC 8446 section 5.1: at most 2^14 bytes of plaintext per record. */
#define RECORD_PAYLOAD 16384

#define EXT_HEARTBEAT 15
#define EXT_PADDING 21
#define EXT_SESSION_TICKET 35
#define EXT_EXTENDED_MASTER_SECRET 23
#define EXT_RENEGOTIATION_INFO 0xff01

/* The builder's output: once a write does not fit, or a length does not
 * fit its field, nothing more is written and the hello is refused. */
struct writer {
	uint8_t *p;
	size_t cap;
	size_t n;
	bool failed;
};

static void put8(struct writer *w, unsigned v)
{
	if (w->failed || w->n >= w->cap) {
		w->failed = true;
		return;
	}
	w->p[w->n++] = (uint8_t)v;
}

static void put16(struct writer *w, unsigned v)
{
	put8(w, (v >> 8) & 0xff);
	put8(w, v & 0xff);
}

static void put_bytes(struct writer *w, const uint8_t *v, size_t n)
{
	if (w->failed || w->cap - w->n < n) {
		w->failed = true;
		return;
	}
	memcpy(w->p + w->n, v, n);
	w->n += n;
}

static void put_zeros(struct writer *w, size_t n)
{
	if (w->failed || w->cap - w->n < n) {
		w->failed = true;
		return;
	}
	memset(w->p + w->n, 0, n);
	w->n += n;
}

/* Reserves a length field of size bytes; len_close fills it in. */
static size_t len_open(struct writer *w, int size)
{
	size_t at = w->n;

	put_zeros(w, (size_t)size);
	return at;
}

static void len_close(struct writer *w, size_t at, int size)
{
	size_t n;
	int i;

	if (w->failed)
		return;
	n = w->n - at - (size_t)size;
	if (n >> (8 * size) != 0) {
		w->failed = true;
		return;
	}
	for (i = size - 1; i >= 0; i--, n >>= 8)
		w->p[at + (size_t)i] = (uint8_t)(n & 0xff);
}

static size_t ext_open(struct writer *w, unsigned type)
{
	put16(w, type);
	return len_open(w, 2);
}

static void put16_vector(struct writer *w, int prefix, const uint16_t *v,
			 size_t n)
{
	size_t at = len_open(w, prefix), i;

	for (i = 0; i < n; i++)
		put16(w, v[i]);
	len_close(w, at, prefix);
}

/* ECDH and ECDHE suites, which need ec_point_formats (RFC 8422 section
 * 5.1): the IANA ranges, from RFC 4492 to RFC 8442. */
static bool ecc_suite(uint16_t s)
{
	return (s >= 0xc001 && s <= 0xc019) || (s >= 0xc023 && s <= 0xc03b) ||
	       (s >= 0xc048 && s <= 0xc04f) || (s >= 0xc05c && s <= 0xc063) ||
	       (s >= 0xc070 && s <= 0xc079) || (s >= 0xc086 && s <= 0xc08d) ||
	       (s >= 0xc09a && s <= 0xc09b) || (s >= 0xc0ac && s <= 0xc0af) ||
	       s == 0xcca8 || s == 0xcca9 || s == 0xccac ||
	       (s >= 0xd001 && s <= 0xd005);
}

static bool hello_opts_valid(const struct tp_wire_hello_opts *o)
{
	size_t i, n;

	if (o->version < 0x0300 || o->version > 0x0304)
		return false;
	/* cipher_suites<2..2^16-2> */
	if (o->suites == NULL || o->n_suites == 0 || o->n_suites > 0x7fff)
		return false;
	if ((o->n_groups > 0 && o->groups == NULL) ||
	    (o->n_sig_algs > 0 && o->sig_algs == NULL))
		return false;
	if ((o->session_ticket && o->ticket_len > 0 && o->ticket == NULL) ||
	    o->ticket_len > 0xffff || o->session_id_len > 32 ||
	    (o->session_id_len > 0 && o->session_id == NULL))
		return false;
	if (o->sni != NULL) {
		/* a DNS name of 1..255 bytes */
		n = strnlen(o->sni, 256);
		if (n == 0 || n > 255)
			return false;
	}
	if (o->version != 0x0304)
		return true;
	/* TLS 1.3 lives in extensions (RFC 8446 section 4.2.1) */
	if (o->no_extensions)
		return false;
	/* supported_versions<2..254> */
	if (o->n_versions > 127 || (o->n_versions > 0 && o->versions == NULL))
		return false;
	if (o->n_shares > TP_WIRE_MAX_SHARES ||
	    (o->n_shares > 0 && o->shares == NULL))
		return false;
	for (i = 0; i < o->n_shares; i++)
		if (o->shares[i].data == NULL || o->shares[i].len == 0 ||
		    o->shares[i].len > 0xffff)
			return false;
	return true;
}

/*
 * The extensions, in a fixed order: server_name, supported_groups,
 * ec_point_formats, signature_algorithms, heartbeat and SessionTicket
 * when asked for, extended_master_secret, renegotiation_info, then for TLS 1.3 supported_versions and key_share.
 * The last one is never empty: some servers refuse a hello whose last
 * extension is (the reason OpenSSL and BoringSSL avoid it too).
 */
static void hello_extensions(struct writer *w,
			     const struct tp_wire_hello_opts *o)
{
	size_t ext, list, i;

	if (o->sni != NULL) {
		/* RFC 6066 section 3: one host_name */
		ext = ext_open(w, TP_WIRE_EXT_SERVER_NAME);
		list = len_open(w, 2);
		put8(w, 0);
		put16(w, (unsigned)strlen(o->sni));
		put_bytes(w, (const uint8_t *)o->sni, strlen(o->sni));
		len_close(w, list, 2);
		len_close(w, ext, 2);
	}
	if (o->n_groups > 0) {
		ext = ext_open(w, TP_WIRE_EXT_SUPPORTED_GROUPS);
		put16_vector(w, 2, o->groups, o->n_groups);
		len_close(w, ext, 2);
	}
	if (o->ec_point_formats) {
		for (i = 0; i < o->n_suites; i++)
			if (ecc_suite(o->suites[i]))
				break;
		if (i < o->n_suites) {
			/* RFC 8422 section 5.1.2: uncompressed only */
			ext = ext_open(w, TP_WIRE_EXT_EC_POINT_FORMATS);
			put8(w, 1);
			put8(w, 0);
			len_close(w, ext, 2);
		}
	}
	/* RFC 5246 section 7.4.1.4.1: new in TLS 1.2 */
	if (o->n_sig_algs > 0 && o->version >= 0x0303) {
		ext = ext_open(w, TP_WIRE_EXT_SIGNATURE_ALGORITHMS);
		put16_vector(w, 2, o->sig_algs, o->n_sig_algs);
		len_close(w, ext, 2);
	}
	if (o->heartbeat) {
		put16(w, EXT_HEARTBEAT);
		put16(w, 1);
		put8(w, 1);
	}
	if (o->session_ticket) {
		ext = ext_open(w, EXT_SESSION_TICKET);
		if (o->ticket_len > 0)
			put_bytes(w, o->ticket, o->ticket_len);
		len_close(w, ext, 2);
	}
	/* RFC 7627 is defined for TLS only, not SSL 3.0 */
	if (o->version >= 0x0301) {
		put16(w, EXT_EXTENDED_MASTER_SECRET);
		put16(w, 0);
	}
	/* RFC 5746 section 3.4: an empty renegotiated_connection */
	put16(w, EXT_RENEGOTIATION_INFO);
	put16(w, 1);
	put8(w, 0);
	if (o->version != 0x0304)
		return;
	ext = ext_open(w, TP_WIRE_EXT_SUPPORTED_VERSIONS);
	if (o->n_versions > 0) {
		put16_vector(w, 1, o->versions, o->n_versions);
	} else {
		put8(w, 2);
		put16(w, 0x0304);
	}
	len_close(w, ext, 2);
	/* RFC 8446 section 4.2.8: an empty list asks for a
	 * HelloRetryRequest naming the server's group */
	ext = ext_open(w, TP_WIRE_EXT_KEY_SHARE);
	list = len_open(w, 2);
	for (i = 0; i < o->n_shares; i++) {
		put16(w, o->shares[i].group);
		put16(w, (unsigned)o->shares[i].len);
		put_bytes(w, o->shares[i].data, o->shares[i].len);
	}
	len_close(w, list, 2);
	len_close(w, ext, 2);
}

/*
 * RFC 7685: some servers (F5 terminators, old OpenSSL) hang on a
 * ClientHello message of 256 to 511 bytes; padding brings it to 512.
 * hello_len counts the whole message, its 4-byte header included. Less
 * than 5 bytes short, the padding cannot be both non-empty and exact:
 * one byte of it makes the hello a little over 512 instead.
 */
static void hello_padding(struct writer *w, size_t hello_len)
{
	size_t pad;

	if (hello_len < 256 || hello_len >= 512)
		return;
	pad = 512 - hello_len;
	pad = pad >= 5 ? pad - 4 : 1;
	put16(w, EXT_PADDING);
	put16(w, (unsigned)pad);
	put_zeros(w, pad);
}

/*
 * Cuts the handshake message at out + 5 into records of at most
 * RECORD_PAYLOAD bytes, moving the fragments after the first one forward
 * to make room for their headers, the last one first.
 */
static size_t hello_records(uint8_t *out, size_t cap, size_t msg_len,
			    uint16_t version)
{
	size_t n_rec = (msg_len + RECORD_PAYLOAD - 1) / RECORD_PAYLOAD;
	size_t i, frag, at;

	if (cap < msg_len + 5 * n_rec)
		return 0;
	for (i = n_rec; i-- > 0;) {
		frag = msg_len - i * RECORD_PAYLOAD;
		if (frag > RECORD_PAYLOAD)
			frag = RECORD_PAYLOAD;
		at = i * (5 + RECORD_PAYLOAD);
		memmove(out + at + 5, out + 5 + i * RECORD_PAYLOAD, frag);
		out[at] = 22;
		out[at + 1] = (uint8_t)(version >> 8);
		out[at + 2] = (uint8_t)version;
		out[at + 3] = (uint8_t)(frag >> 8);
		out[at + 4] = (uint8_t)frag;
	}
	return msg_len + 5 * n_rec;
}

/*
 * Below TLS 1.3 the versions and shares are not read: supported_versions
 * and key_share are sent only in a TLS 1.3 hello. Its session id is the
 * random with every byte XORed with 0x5c: as fresh as the random, and
 * not a copy of it.
 */
size_t tp_wire_build_client_hello(const struct tp_wire_hello_opts *o,
				  uint8_t *out, size_t cap)
{
	/* the first record's header is written last */
	struct writer w = {out, cap, 5, false};
	bool tls13;
	size_t msg, suites, exts, i;

	if (o == NULL || out == NULL || cap < 5 || !hello_opts_valid(o))
		return 0;
	tls13 = o->version == 0x0304;
	/* RFC 8446 section 4.1.2: legacy_version at most TLS 1.2 */
	put8(&w, TP_WIRE_CLIENT_HELLO);
	msg = len_open(&w, 3);
	put16(&w, tls13 ? 0x0303 : o->version);
	if (o->random != NULL)
		put_bytes(&w, o->random, 32);
	else
		put_zeros(&w, 32);
	if (tls13) {
		/* RFC 8446 appendix D.4: middlebox compatibility mode */
		put8(&w, 32);
		for (i = 0; i < 32; i++)
			put8(&w, (o->random != NULL ? o->random[i] : 0) ^ 0x5c);
	} else if (o->session_id_len > 0) {
		put8(&w, (unsigned)o->session_id_len);
		put_bytes(&w, o->session_id, o->session_id_len);
	} else {
		put8(&w, 0);
	}
	suites = len_open(&w, 2);
	for (i = 0; i < o->n_suites; i++)
		put16(&w, o->suites[i]);
	len_close(&w, suites, 2);
	/* null compression only, or DEFLATE first (RFC 3749 section 2) */
	if (o->deflate) {
		put8(&w, 2);
		put8(&w, 1);
	} else {
		put8(&w, 1);
	}
	put8(&w, 0);
	if (!o->no_extensions) {
		exts = len_open(&w, 2);
		hello_extensions(&w, o);
		if (o->version >= 0x0301)
			hello_padding(&w, w.n - 5);
		len_close(&w, exts, 2);
	}
	len_close(&w, msg, 3);
	if (w.failed)
		return 0;
	return hello_records(out, cap, w.n - 5,
			     o->version == 0x0300 ? 0x0300 : 0x0301);
}

/* ---- reading what a server sends ---- */

static size_t record_payload_len(const struct tp_wire_reader *rd)
{
	return (size_t)rd->rec[3] << 8 | rd->rec[4];
}

static size_t message_body_len(const struct tp_wire_reader *rd)
{
	return (size_t)rd->msg[1] << 16 | (size_t)rd->msg[2] << 8 | rd->msg[3];
}

void tp_wire_reader_init(struct tp_wire_reader *rd)
{
	rd->rec_len = 0;
	rd->rec_pos = 0;
	rd->msg_len = 0;
	rd->part_type = 0;
	rd->part_total = rd->part_left = 0;
	rd->failed = TP_WIRE_NEED_MORE;
	rd->seen_record = false;
}

/*
 * The verdict on the first n bytes of the stream: NOT_TLS, SSL2, or
 * NEED_MORE while they still look like a TLS record (content type 20-23,
 * major version 3). An SSL 2.0 server answers with a 2-byte record header
 * whose high bit is set, then SERVER-HELLO, message type 4 (SSL 2.0
 * draft, "Record Header" and "Server Only Protocol Messages").
 */
static enum tp_wire_event_kind first_bytes(const uint8_t *h, size_t n)
{
	if (n == 0)
		return TP_WIRE_NEED_MORE;
	if (h[0] & 0x80) {
		if (n < 3)
			return TP_WIRE_NEED_MORE;
		return h[2] == 4 ? TP_WIRE_SSL2 : TP_WIRE_NOT_TLS;
	}
	if (h[0] < 20 || h[0] > 23)
		return TP_WIRE_NOT_TLS;
	if (n >= 2 && h[1] != 3)
		return TP_WIRE_NOT_TLS;
	return TP_WIRE_NEED_MORE;
}

/* Takes input into the record buffer; returns an error kind, or
 * NEED_MORE when all is well so far. */
static enum tp_wire_event_kind take_record(struct tp_wire_reader *rd,
					   const uint8_t **data, size_t *len)
{
	size_t want, n;
	enum tp_wire_event_kind verdict;

	if (rd->rec_len < 5)
		want = 5 - rd->rec_len;
	else
		want = 5 + record_payload_len(rd) - rd->rec_len;
	n = *len < want ? *len : want;
	memcpy(rd->rec + rd->rec_len, *data, n);
	*data += n;
	*len -= n;
	if (rd->rec_len >= 5) {
		rd->rec_len += n;
		return TP_WIRE_NEED_MORE;
	}
	rd->rec_len += n;
	if (!rd->seen_record) {
		verdict = first_bytes(rd->rec, rd->rec_len);
		if (verdict != TP_WIRE_NEED_MORE)
			return verdict;
	}
	if (rd->rec_len < 5)
		return TP_WIRE_NEED_MORE;
	/* past the first record the stream is TLS: a header that is not
	 * means it lost its framing */
	if (rd->rec[1] != 3 || record_payload_len(rd) > TP_WIRE_MAX_RECORD)
		return TP_WIRE_BAD_RECORD;
	rd->seen_record = true;
	return TP_WIRE_NEED_MORE;
}

/*
 * The next event of a whole record: true with ev filled, false when its
 * payload is used up. A handshake message grows in msg across records;
 * alerts and the rest are reported as their record comes, even in the
 * middle of a message (RFC 5246 section 6.2.1 lets records of other
 * types come between the fragments).
 */
static bool record_event(struct tp_wire_reader *rd, struct tp_wire_event *ev)
{
	const uint8_t *payload = rd->rec + 5;
	size_t plen = rd->rec_len - 5, want, n, body_len;

	switch (rd->rec[0]) {
	case 22:
		/* RFC 8446 section 5.1: no zero-length handshake fragment */
		if (plen == 0) {
			ev->kind = TP_WIRE_BAD_RECORD;
			return true;
		}
		while (rd->rec_pos < plen) {
			if (rd->part_left > 0) {
				/* a long message: what this record holds of
				 * it, straight from the record */
				n = plen - rd->rec_pos;
				if (n > rd->part_left)
					n = rd->part_left;
				ev->kind = TP_WIRE_HANDSHAKE_PART;
				ev->hs_type = rd->part_type;
				ev->body = payload + rd->rec_pos;
				ev->body_len = n;
				ev->offset = rd->part_total - rd->part_left;
				ev->msg_len = rd->part_total;
				rd->rec_pos += n;
				rd->part_left -= n;
				return true;
			}
			if (rd->msg_len < 4)
				want = 4 - rd->msg_len;
			else
				want = 4 + message_body_len(rd) - rd->msg_len;
			n = plen - rd->rec_pos;
			if (n > want)
				n = want;
			memcpy(rd->msg + rd->msg_len, payload + rd->rec_pos, n);
			rd->msg_len += n;
			rd->rec_pos += n;
			if (rd->msg_len < 4)
				continue;
			/* too long to keep: known by its header, its body
			 * goes by in pieces */
			body_len = message_body_len(rd);
			if (body_len > TP_WIRE_MAX_KEPT) {
				rd->part_type = rd->msg[0];
				rd->part_total = rd->part_left = body_len;
				rd->msg_len = 0;
				continue;
			}
			if (rd->msg_len == 4 + body_len) {
				ev->kind = TP_WIRE_HANDSHAKE;
				ev->hs_type = rd->msg[0];
				ev->body = rd->msg + 4;
				ev->body_len = body_len;
				ev->msg_len = body_len;
				return true;
			}
		}
		return false;
	case 21:
		/* one or more 2-byte alerts; a lone byte left over is
		 * dropped, a record without a whole alert is refused */
		if (plen < 2) {
			ev->kind = TP_WIRE_BAD_RECORD;
			return true;
		}
		if (plen - rd->rec_pos < 2)
			return false;
		ev->kind = TP_WIRE_ALERT;
		ev->alert_level = payload[rd->rec_pos];
		ev->alert_desc = payload[rd->rec_pos + 1];
		rd->rec_pos += 2;
		if (plen - rd->rec_pos < 2)
			rd->rec_pos = plen;
		return true;
	case 20:
		rd->rec_pos = plen;
		ev->kind = TP_WIRE_CCS;
		return true;
	default:
		/* application data, or a type this reader does not know */
		rd->rec_pos = plen;
		ev->kind = TP_WIRE_OTHER;
		ev->content_type = rd->rec[0];
		ev->body = payload;
		ev->body_len = plen;
		return true;
	}
}

void tp_wire_reader_next(struct tp_wire_reader *rd, const uint8_t **data,
			 size_t *len, struct tp_wire_event *ev)
{
	enum tp_wire_event_kind verdict;

	memset(ev, 0, sizeof(*ev));
	ev->kind = rd->failed;
	if (rd->failed != TP_WIRE_NEED_MORE)
		return;
	/* the message reported last time is done with */
	if (rd->msg_len >= 4 && rd->msg_len == 4 + message_body_len(rd))
		rd->msg_len = 0;
	for (;;) {
		if (rd->rec_len >= 5 &&
		    rd->rec_len == 5 + record_payload_len(rd)) {
			if (record_event(rd, ev)) {
				ev->record_version =
					(uint16_t)(rd->rec[1] << 8 | rd->rec[2]);
				/* a record with nothing left is let go now,
				 * so that an empty one is reported once */
				if (rd->rec_pos >= rd->rec_len - 5)
					rd->rec_len = rd->rec_pos = 0;
				if (ev->kind == TP_WIRE_BAD_RECORD)
					rd->failed = ev->kind;
				return;
			}
			rd->rec_len = rd->rec_pos = 0;
		}
		if (*data == NULL || *len == 0) {
			ev->kind = TP_WIRE_NEED_MORE;
			return;
		}
		verdict = take_record(rd, data, len);
		if (verdict != TP_WIRE_NEED_MORE) {
			rd->failed = verdict;
			ev->kind = verdict;
			return;
		}
	}
}

/* ---- parsing what a server sends ---- */

#define EXT_COOKIE 44

/* RFC 8446 section 4.1.3: SHA-256("HelloRetryRequest") as the random */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

bool tp_wire_is_hrr_random(const uint8_t *random)
{
	return memcmp(random, hrr_random, sizeof(hrr_random)) == 0;
}

/* RFC 8446 section 4.1.3: a TLS 1.3 server negotiating less says so in
 * the last 8 bytes of its random */
static const uint8_t downgrade_sentinel[7] = {
	'D', 'O', 'W', 'N', 'G', 'R', 'D',
};

static int server_extension(uint16_t type, struct reader *ext,
			    struct tp_wire_server_hello *sh)
{
	struct reader v, name;
	uint16_t group;

	switch (type) {
	case TP_WIRE_EXT_SUPPORTED_VERSIONS:
		/* RFC 8446 section 4.2.1: one selected_version */
		sh->has_versions = true;
		if (u16(ext, &sh->version) < 0)
			return -1;
		break;
	case TP_WIRE_EXT_KEY_SHARE:
		/* RFC 8446 section 4.2.8: HRR names a group, a ServerHello
		 * carries one KeyShareEntry */
		sh->has_key_share = true;
		if (u16(ext, &group) < 0)
			return -1;
		sh->key_share_group = group;
		if (!sh->hrr && (vector(ext, 2, &v) < 0 || v.left == 0))
			return -1;
		break;
	case EXT_COOKIE:
		/* RFC 8446 section 4.2.2: cookie<1..2^16-1> */
		sh->has_cookie = true;
		if (vector(ext, 2, &v) < 0 || v.left == 0)
			return -1;
		break;
	case TP_WIRE_EXT_ALPN:
		/* RFC 7301 section 3.1: exactly one protocol name */
		sh->has_alpn = true;
		if (vector(ext, 2, &v) < 0 || vector(&v, 1, &name) < 0 ||
		    name.left == 0 || v.left != 0)
			return -1;
		memcpy(sh->alpn, name.p, name.left);
		sh->alpn[name.left] = '\0';
		sh->alpn_len = name.left;
		break;
	case EXT_EXTENDED_MASTER_SECRET:
		sh->has_ems = true;
		break;
	case EXT_RENEGOTIATION_INFO:
		/* RFC 5746 section 3.2: renegotiated_connection<0..255> */
		sh->has_reneg_info = true;
		if (vector(ext, 1, &v) < 0)
			return -1;
		break;
	default:
		return 0;  /* counted, not read */
	}
	/* each one read fills its extension exactly */
	return ext->left == 0 ? 0 : -1;
}

int tp_wire_parse_server_hello(const uint8_t *body, size_t len,
			       struct tp_wire_server_hello *sh)
{
	struct reader r = {body, len}, v, exts, ext;
	const uint8_t *p;
	uint16_t type;
	size_t i;

	memset(sh, 0, sizeof(*sh));
	if (body == NULL)
		return -1;
	/* RFC 8446 section 4.1.3, RFC 5246 section 7.4.1.3 */
	if (u16(&r, &sh->legacy_version) < 0 || bytes(&r, 32, &p) < 0)
		return -1;
	memcpy(sh->random, p, 32);
	sh->hrr = memcmp(p, hrr_random, 32) == 0;
	if (memcmp(p + 24, downgrade_sentinel, 7) == 0) {
		sh->downgrade_tls12 = p[31] == 1;
		sh->downgrade_tls11 = p[31] == 0;
	}
	if (vector(&r, 1, &v) < 0 || v.left > 32)
		return -1;
	sh->session_id_len = v.left;
	memcpy(sh->session_id, v.p, v.left);
	if (u16(&r, &sh->suite) < 0 || u8(&r, &sh->compression) < 0)
		return -1;
	sh->version = sh->legacy_version;
	/* SSL 3.0 and TLS 1.0 servers may end the hello here */
	if (r.left == 0)
		return 0;
	if (vector(&r, 2, &exts) < 0 || r.left != 0)
		return -1;
	while (exts.left > 0) {
		if (u16(&exts, &type) < 0 || vector(&exts, 2, &ext) < 0)
			return -1;
		/* RFC 8446 section 4.2: no extension type twice */
		for (i = 0; i < sh->n_extensions; i++)
			if (sh->extensions[i] == type)
				return -1;
		if (sh->n_extensions < TP_WIRE_MAX_EXTENSIONS)
			sh->extensions[sh->n_extensions++] = type;
		if (server_extension(type, &ext, sh) < 0)
			return -1;
	}
	return 0;
}

#define EXT_PRE_SHARED_KEY 41
#define SCSV_RENEGOTIATION 0x00ff

static bool listed16(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* The highest version the hello offers: supported_versions when it
 * carries one (RFC 8446 section 4.2.1), else legacy_version. */
static uint16_t highest_offered(const struct tp_wire_client_hello *ch)
{
	uint16_t top = 0;
	size_t i;

	if (!ch->has_versions)
		return ch->legacy_version;
	for (i = 0; i < ch->n_versions; i++)
		if (!tp_wire_is_grease(ch->versions[i]) && ch->versions[i] > top)
			top = ch->versions[i];
	return top;
}

/* Whether extension type may come back in sh: offered (RFC 5246 section
 * 7.4.1.4, RFC 8446 section 4.2), save the HRR's cookie and the
 * renegotiation_info that answers the SCSV (RFC 5746 section 3.6); in
 * TLS 1.3 only those of the message's column in RFC 8446 section 4.2. */
static bool extension_allowed(const struct tp_wire_server_hello *sh,
			      const struct tp_wire_client_hello *ch,
			      uint16_t type)
{
	bool offered = listed16(ch->extensions, ch->n_extensions, type) ||
		       ch->n_extensions < ch->extensions_total;

	if (sh->hrr && type == EXT_COOKIE)
		return true;
	if (type == EXT_RENEGOTIATION_INFO &&
	    listed16(ch->suites, ch->n_suites, SCSV_RENEGOTIATION))
		offered = true;
	if (!offered)
		return false;
	if (sh->version < 0x0304)
		return true;
	return type == TP_WIRE_EXT_SUPPORTED_VERSIONS ||
	       type == TP_WIRE_EXT_KEY_SHARE ||
	       (sh->hrr ? type == EXT_COOKIE : type == EXT_PRE_SHARED_KEY);
}

int tp_wire_server_hello_fault(const struct tp_wire_server_hello *sh,
			       const struct tp_wire_client_hello *ch,
			       char *why, size_t size)
{
	uint16_t top = highest_offered(ch);
	bool compression_offered;
	size_t i;

	if (sh->version > top || (sh->hrr && top < 0x0304)) {
		snprintf(why, size, "the server answered with version 0x%04X "
			 "to a hello offering at most 0x%04X", sh->version,
			 top);
		return -1;
	}
	/* RFC 8446 section 4.1.3: a TLS 1.3 server that negotiates less
	 * says so in the last 8 bytes of its random, and a client offering
	 * more must abort: a downgrade by the path or a broken server */
	if (sh->version < top &&
	    ((top >= 0x0304 && (sh->downgrade_tls12 || sh->downgrade_tls11)) ||
	     (top == 0x0303 && sh->version <= 0x0302 && sh->downgrade_tls11))) {
		snprintf(why, size, "a %s ServerHello whose random ends in the "
			 "TLS 1.3 downgrade sentinel (DOWNGRD and 0x%02X, RFC "
			 "8446 section 4.1.3) answered a hello offering %s: "
			 "the handshake was downgraded",
			 tp_wire_version_name(sh->version) != NULL
			 ? tp_wire_version_name(sh->version) : "lower",
			 sh->downgrade_tls12 ? 1 : 0,
			 tp_wire_version_name(top) != NULL
			 ? tp_wire_version_name(top) : "more");
		return -1;
	}
	if (ch->n_suites == ch->suites_total &&
	    !listed16(ch->suites, ch->n_suites, sh->suite)) {
		snprintf(why, size, "the server chose suite 0x%04X, which was "
			 "not offered", sh->suite);
		return -1;
	}
	compression_offered = sh->compression == 0
			      ? ch->null_compression
			      : ch->n_compression > (ch->null_compression ? 1u
						     : 0u);
	if (!compression_offered) {
		snprintf(why, size, "the server chose compression method %u, "
			 "which was not offered", sh->compression);
		return -1;
	}
	for (i = 0; i < sh->n_extensions; i++) {
		uint16_t type = sh->extensions[i];

		if (extension_allowed(sh, ch, type))
			continue;
		snprintf(why, size, "the server's %s carries extension 0x%04X, "
			 "which %s (RFC 8446 section 4.2, RFC 5246 section "
			 "7.4.1.4)", sh->hrr ? "HelloRetryRequest" : "ServerHello",
			 type, listed16(ch->extensions, ch->n_extensions, type)
			 ? "TLS 1.3 does not allow there"
			 : "the hello never offered");
		return -1;
	}
	return 0;
}

/* The bits of a big-endian unsigned number, leading zero bytes aside. */
static unsigned bit_length(const uint8_t *p, size_t n)
{
	unsigned bits;
	uint8_t top;

	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	bits = (unsigned)(n - 1) * 8;
	for (top = p[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

int tp_wire_parse_server_kx(const uint8_t *body, size_t len, bool dhe,
			    bool tls12, struct tp_wire_server_kx *kx)
{
	struct reader r = {body, len}, v;
	uint8_t curve_type;

	memset(kx, 0, sizeof(*kx));
	if (body == NULL)
		return -1;
	if (dhe) {
		/* RFC 5246 section 7.4.3: ServerDHParams, each <1..2^16-1> */
		if (vector(&r, 2, &v) < 0)
			return -1;
		kx->dh_bits = bit_length(v.p, v.left);
		if (kx->dh_bits == 0)
			return -1;  /* p = 0 is no prime */
		if (vector(&r, 2, &v) < 0 || v.left == 0 ||
		    vector(&r, 2, &v) < 0 || v.left == 0)
			return -1;
		kx->dhe = true;
	} else {
		/* RFC 8422 section 5.4: named_curve (3), then the point */
		if (u8(&r, &curve_type) < 0 || curve_type != 3 ||
		    u16(&r, &kx->group) < 0 || vector(&r, 1, &v) < 0 ||
		    v.left == 0)
			return -1;
		kx->ecdhe = true;
	}
	/* anonymous suites end with the parameters */
	if (r.left == 0)
		return 0;
	/* RFC 5246 section 4.7: digitally-signed, with the algorithm
	 * first from TLS 1.2 on; the signature fills the rest */
	if (tls12 && u16(&r, &kx->sig_alg) < 0)
		return -1;
	if (vector(&r, 2, &v) < 0 || r.left != 0)
		return -1;
	return 0;
}

int tp_wire_parse_certificate(const uint8_t *body, size_t len,
			      const uint8_t **der, size_t *der_len,
			      size_t max)
{
	struct reader r = {body, len}, list;
	const uint8_t *p;
	size_t n, count = 0;

	if (body == NULL || len < 3)
		return -1;
	/* RFC 5246 section 7.4.2: certificate_list<0..2^24-1>, each
	 * ASN.1Cert<1..2^24-1> */
	n = (size_t)body[0] << 16 | (size_t)body[1] << 8 | body[2];
	r.p += 3;
	r.left -= 3;
	if (n != r.left)
		return -1;
	list = r;
	while (list.left > 0) {
		if (bytes(&list, 3, &p) < 0)
			return -1;
		n = (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
		if (n == 0 || bytes(&list, n, &p) < 0)
			return -1;
		if (count < max && der != NULL && der_len != NULL) {
			der[count] = p;
			der_len[count] = n;
		}
		count++;
	}
	/* a list of at most 2^24 bytes: the count fits an int */
	return (int)count;
}
