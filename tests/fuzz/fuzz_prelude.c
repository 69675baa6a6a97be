/*
 * Fuzz target of the STARTTLS prelude reader (prelude.c) and of the
 * proxy tunnels it follows (tunnel.c), both directions fed as a capture
 * would: its promises are checked. It takes every byte it is given
 * unless TLS starts, and then at least the byte that ended the command
 * or the go-ahead; the server's go-ahead only after the client's
 * command, and with a protocol or a tunnel named (a tunnel's target
 * within its bound); never more than TP_PRELUDE_MAX bytes of a
 * direction without an end.
 *
 * Input: chunks, each a header byte (low bit: 1 from the client; the
 * rest: the chunk's length, 0 to 127) and its bytes; the first chunk's
 * first byte makes the reader. A direction whose TLS started is fed no
 * more, and nothing is fed after a refusal or a give-up. Past the
 * input, the client repeats NOOPs to reach the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prelude.h"
#include "tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	struct tp_prelude *pre;
	bool tls[2];       /* [0] client, [1] server */
	bool over;         /* refused or given up */
	size_t fed[2];     /* bytes taken while still the prelude */
};

/* A STARTTLS protocol or a tunnel was named, and a tunnel's target
 * holds within its bound. */
static bool named(const struct tp_prelude *pre)
{
	const struct tp_tunnel *t = tp_prelude_tunnel(pre);

	if (t == NULL)
		return tp_prelude_protocol(pre) != TP_STARTTLS_NONE;
	if (tp_tunnel_kind(t) == TP_TUNNEL_NONE ||
	    tp_tunnel_kind(t) > TP_TUNNEL_SOCKS5 ||
	    t->target_len >= TP_TUNNEL_TARGET_MAX ||
	    memchr(t->target, 0, TP_TUNNEL_TARGET_MAX) == NULL)
		abort();
	return true;
}

/* Feeds one chunk of one direction; false once the run is over. */
static bool feed(struct run *r, bool client, const uint8_t *p, size_t n)
{
	enum tp_prelude_step step;
	int side = client ? 0 : 1;
	size_t took;

	if (r->over || r->tls[side] || n == 0)
		return !r->over;
	took = tp_prelude_read(r->pre, client, p, n, &step);
	if (took > n)
		abort();
	switch (step) {
	case TP_PRELUDE_MORE:
		if (took != n)
			abort();
		break;
	case TP_PRELUDE_TLS:
		if (took == 0 || !named(r->pre) || (!client && !r->tls[0]))
			abort();
		r->tls[side] = true;
		break;
	case TP_PRELUDE_REFUSED:
		/* (a SOCKS5 proxy may refuse every method before the
		 * client's request) */
		if (client || !named(r->pre))
			abort();
		r->over = true;
		break;
	case TP_PRELUDE_NOT_OURS:
		r->over = true;
		break;
	default:
		abort();
	}
	/* (a give-up at the bound says it took the whole chunk) */
	r->fed[side] += took;
	if (r->fed[side] > TP_PRELUDE_MAX && !r->over)
		abort();
	if (tp_prelude_protocol(r->pre) > TP_STARTTLS_LDAP)
		abort();
	return !r->over;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t noop[] = "NOOP\r\n";
	struct run r = {NULL, {false, false}, false, {0, 0}};
	size_t off, n, i;
	uint8_t *copy;
	bool client;

	if (size < 2 || data[0] >> 1 == 0)
		return 0;
	r.pre = tp_prelude_new(data[0] & 1, data[1]);
	if (r.pre == NULL)
		return 0;
	for (off = 0; off < size; off += n) {
		client = data[off] & 1;
		n = data[off] >> 1;
		off++;
		if (n > size - off)
			n = size - off;
		/* an exact-size copy: a read past it is a sanitizer error */
		copy = malloc(n > 0 ? n : 1);
		if (copy == NULL)
			break;
		memcpy(copy, data + off, n);
		if (!feed(&r, client, copy, n)) {
			free(copy);
			break;
		}
		free(copy);
	}
	/* the bound holds whatever came before */
	for (i = 0; i <= TP_PRELUDE_MAX / (sizeof(noop) - 1) + 1; i++)
		if (!feed(&r, true, noop, sizeof(noop) - 1) || r.tls[0])
			break;
	if (!r.over && !r.tls[0])
		abort();
	tp_prelude_free(r.pre);
	return 0;
}
