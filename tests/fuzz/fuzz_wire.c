/*
 * Fuzz target of the ClientHello parser: any bytes, read as a record, as
 * a handshake message and as a bare ClientHello body, are parsed or
 * refused without reading past them, and what is kept stays in bounds.
 * A parsed ClientHello gets its JA3 and JA4 as a capture's would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ja.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fingerprints: hex digits and the JA4 layout, whatever was sent. */
static void fingerprints(const struct tp_wire_client_hello *ch)
{
	char ja3[TP_JA3_LEN + 1], ja4[TP_JA4_LEN + 1], full[4096];

	tp_ja3(ch, ja3, full, sizeof(full));
	if (strlen(ja3) != TP_JA3_LEN ||
	    strspn(ja3, "0123456789abcdef") != TP_JA3_LEN ||
	    memchr(full, '\0', sizeof(full)) == NULL)
		abort();
	tp_ja4(ch, false, ja4);
	if (strlen(ja4) != TP_JA4_LEN || ja4[0] != 't' || ja4[10] != '_' ||
	    ja4[23] != '_')
		abort();
}

static void check(const uint8_t *body, size_t len)
{
	struct tp_wire_client_hello ch;
	size_t i;

	if (tp_wire_parse_client_hello(body, len, &ch) < 0)
		return;
	if (ch.session_id_len > 32 || ch.n_suites > TP_WIRE_MAX_SUITES ||
	    ch.n_suites > ch.suites_total || ch.suites_total == 0 ||
	    ch.n_versions > TP_WIRE_MAX_LIST ||
	    ch.n_groups > TP_WIRE_MAX_LIST ||
	    ch.n_sig_algs > TP_WIRE_MAX_LIST ||
	    ch.n_key_shares > TP_WIRE_MAX_LIST ||
	    ch.n_alpn > TP_WIRE_MAX_ALPN ||
	    ch.n_extensions > TP_WIRE_MAX_EXTENSIONS ||
	    ch.sni_len >= sizeof(ch.sni) || ch.suites_total * 2 > len)
		abort();
	/* ec_point_formats: one byte each, none but in a list of one or
	 * more */
	if (ch.n_ec_point_formats > TP_WIRE_MAX_LIST ||
	    ch.n_ec_point_formats > ch.ec_point_formats_total ||
	    ch.ec_point_formats_total > len ||
	    (ch.n_ec_point_formats == 0) != (ch.ec_point_formats_total == 0))
		abort();
	for (i = 0; i < ch.n_alpn; i++)
		if (ch.alpn_len[i] == 0 || ch.alpn[i][ch.alpn_len[i]] != '\0')
			abort();
	fingerprints(&ch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg, *body;
	size_t msg_len, body_len;
	uint8_t type;

	check(data, size);
	if (tp_wire_handshake(data, size, &type, &body, &body_len) == 0)
		check(body, body_len);
	if (tp_wire_record(data, size, &msg, &msg_len) == 0 &&
	    tp_wire_handshake(msg, msg_len, &type, &body, &body_len) == 0)
		check(body, body_len);
	return 0;
}
