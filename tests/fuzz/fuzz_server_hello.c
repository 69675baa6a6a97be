/*
 * Fuzz target of what a server sends back: any bytes go through the
 * record reader twice, whole and in small pieces, which must report the
 * same events; every handshake message is then parsed as a ServerHello,
 * as a ServerKeyExchange (ECDHE and DHE, before and from TLS 1.2) and as
 * a Certificate, and the input as a bare body too. What is reported must
 * stay inside the input and agree with it. A parsed ServerHello gets
 * its JA3S as a capture's would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ja.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEN 512

struct seen {
	enum tp_wire_event_kind kind;
	uint8_t hs_type;
	size_t body_len, offset;
	uint32_t body_sum;
	uint8_t level, desc;
	uint16_t record_version;
};

/* Two readers: static, they are large. */
static struct tp_wire_reader whole_rd, piece_rd;
static struct seen whole[MAX_SEEN], pieces[MAX_SEEN];

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static uint32_t checksum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void check_server_hello(const uint8_t *body, size_t len)
{
	struct tp_wire_server_hello sh;
	char ja3s[TP_JA3_LEN + 1], full[1024];

	if (tp_wire_parse_server_hello(body, len, &sh) < 0)
		return;
	tp_ja3s(&sh, ja3s, full, sizeof(full));
	if (strlen(ja3s) != TP_JA3_LEN ||
	    strspn(ja3s, "0123456789abcdef") != TP_JA3_LEN ||
	    memchr(full, '\0', sizeof(full)) == NULL)
		abort();
	if (len < 2 + 32 + 1 + 2 + 1 || sh.session_id_len > 32 ||
	    sh.n_extensions > TP_WIRE_MAX_EXTENSIONS ||
	    (sh.downgrade_tls12 && sh.downgrade_tls11) ||
	    memcmp(sh.random, body + 2, 32) != 0 ||
	    sh.hrr != (memcmp(sh.random, hrr_random, 32) == 0) ||
	    sh.legacy_version != (uint16_t)(body[0] << 8 | body[1]) ||
	    (!sh.has_versions && sh.version != sh.legacy_version) ||
	    (sh.n_extensions == 0 &&
	     (sh.has_versions || sh.has_key_share || sh.has_cookie ||
	      sh.has_alpn || sh.has_ems || sh.has_reneg_info)))
		abort();
	/* the chosen protocol: a name of 1..255 bytes inside the body */
	if (sh.has_alpn != (sh.alpn_len > 0) ||
	    sh.alpn_len >= sizeof(sh.alpn) || sh.alpn_len > len ||
	    sh.alpn[sh.alpn_len] != '\0' ||
	    (sh.has_alpn && memmem(body, len, sh.alpn, sh.alpn_len) == NULL))
		abort();
}

static void check_server_kx(const uint8_t *body, size_t len, bool dhe,
			    bool tls12)
{
	struct tp_wire_server_kx kx;

	if (tp_wire_parse_server_kx(body, len, dhe, tls12, &kx) < 0)
		return;
	if (kx.dhe != dhe || kx.ecdhe == dhe ||
	    (dhe && (kx.dh_bits == 0 || kx.dh_bits > 8 * len)) ||
	    (!dhe && kx.dh_bits != 0) || (!tls12 && kx.sig_alg != 0))
		abort();
}

static void check_certificate(const uint8_t *body, size_t len)
{
	const uint8_t *der[8];
	size_t der_len[8], i, used = 3;
	int n;

	n = tp_wire_parse_certificate(body, len, der, der_len, 8);
	if (n < 0)
		return;
	if ((size_t)n > len / 4)
		abort();
	for (i = 0; i < (size_t)n && i < 8; i++) {
		if (der_len[i] == 0 || der[i] != body + used + 3 ||
		    der[i] + der_len[i] > body + len)
			abort();
		used = (size_t)(der[i] - body) + der_len[i];
	}
	if (n <= 8 && used != len)
		abort();  /* the list fills the message exactly */
}

static void check_message(const uint8_t *body, size_t len)
{
	check_server_hello(body, len);
	check_server_kx(body, len, false, false);
	check_server_kx(body, len, false, true);
	check_server_kx(body, len, true, false);
	check_server_kx(body, len, true, true);
	check_certificate(body, len);
}

static bool is_error(enum tp_wire_event_kind k)
{
	return k == TP_WIRE_SSL2 || k == TP_WIRE_NOT_TLS ||
	       k == TP_WIRE_BAD_RECORD;
}

static void note(struct seen *s, const struct tp_wire_event *ev)
{
	memset(s, 0, sizeof(*s));
	s->kind = ev->kind;
	s->record_version = ev->record_version;
	s->hs_type = ev->hs_type;
	s->body_len = ev->body_len;
	s->offset = ev->offset;
	if (ev->kind == TP_WIRE_HANDSHAKE || ev->kind == TP_WIRE_HANDSHAKE_PART)
		s->body_sum = checksum(ev->body, ev->body_len);
	s->level = ev->alert_level;
	s->desc = ev->alert_desc;
}

/*
 * Feeds data in pieces of the given sizes, cycling (0: all that is
 * left), notes the events and checks each one. Returns how many.
 */
static size_t run(struct tp_wire_reader *rd, const uint8_t *data, size_t size,
		  const size_t *sizes, size_t n_sizes, struct seen *out,
		  bool parse)
{
	struct tp_wire_event ev;
	enum tp_wire_event_kind failed;
	const uint8_t *p;
	size_t at = 0, piece, len, n = 0, k = 0;

	tp_wire_reader_init(rd);
	do {
		piece = sizes[k++ % n_sizes];
		if (piece == 0 || piece > size - at)
			piece = size - at;
		p = data + at;
		len = piece;
		at += piece;
		for (;;) {
			tp_wire_reader_next(rd, &p, &len, &ev);
			if (len > piece || p != data + at - len)
				abort();
			if (ev.kind == TP_WIRE_NEED_MORE) {
				if (len != 0)
					abort();
				break;
			}
			/* an event takes two bytes or more, but an error */
			if (++n > size / 2 + 1)
				abort();
			if (n <= MAX_SEEN)
				note(&out[n - 1], &ev);
			if (ev.kind == TP_WIRE_HANDSHAKE) {
				if (ev.body_len > TP_WIRE_MAX_KEPT ||
				    ev.body != rd->msg + 4)
					abort();
				if (parse)
					check_message(ev.body, ev.body_len);
			}
			/* a piece of a long message: inside the record held,
			 * and inside the message */
			if (ev.kind == TP_WIRE_HANDSHAKE_PART &&
			    (ev.msg_len <= TP_WIRE_MAX_KEPT || ev.body_len == 0 ||
			     ev.offset + ev.body_len > ev.msg_len ||
			     ev.body < rd->rec + 5 ||
			     ev.body + ev.body_len > rd->rec + sizeof(rd->rec)))
				abort();
			if (!is_error(ev.kind))
				continue;
			/* sticky: the same again, and nothing taken */
			failed = ev.kind;
			piece = len;
			tp_wire_reader_next(rd, &p, &len, &ev);
			if (ev.kind != failed || len != piece)
				abort();
			return n;
		}
	} while (at < size);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t all[] = {0};
	static const size_t small[] = {1, 2, 3, 5, 8, 13, 4, 7};
	size_t n_whole, n_pieces;

	check_message(data, size);
	n_whole = run(&whole_rd, data, size, all, 1, whole, true);
	n_pieces = run(&piece_rd, data, size, small, 8, pieces, false);
	if (n_whole != n_pieces)
		abort();
	if (n_whole > MAX_SEEN)
		n_whole = MAX_SEEN;
	if (memcmp(whole, pieces, n_whole * sizeof(whole[0])) != 0)
		abort();
	return 0;
}
