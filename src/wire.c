/* TLS wire formats: the ClientHello, read with every length checked. */
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
