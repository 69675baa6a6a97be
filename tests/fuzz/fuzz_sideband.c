/*
 * Fuzz target of the side-channel parser: any bytes are either refused
 * with a usage error whose message is sanitised, or parsed into bounded
 * fields (raw: the report sanitises them), and what was parsed builds
 * back into a line a peer would accept by size, whose hex members come
 * back the same. The server's first look at a line (tp_sideband_peek_type)
 * keeps its type within the room given. A hello's key and random, and a
 * claim's signature, go where the server puts them: the mark checks and
 * the signature verifier, which must take hostile bytes and never grant
 * a claim to a key the input does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sideband.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A field must be NUL-terminated inside its array. */
#define BOUNDED(f) \
	do { if (memchr((f), '\0', sizeof(f)) == NULL) abort(); } while (0)

/* The message a built line parses back into, or NULL when memory ran
 * out building it or a field grew too long (see below). */
static const struct tp_sideband_msg *check_line(char *line,
						enum tp_sideband_type type)
{
	static struct tp_sideband_msg back;
	struct tp_error err = {0};

	if (line == NULL)
		return NULL;  /* no memory: allowed */
	if (strlen(line) > TP_SIDEBAND_MAX_LINE ||
	    memcmp(line, TP_SIDEBAND_MAGIC, TP_SIDEBAND_MAGIC_LEN) != 0 ||
	    line[strlen(line) - 1] != '\n')
		abort();
	/*
	 * What we build, we read, but for one thing: a field whose raw
	 * bytes are not UTF-8 goes out sanitised as a whole, which can make
	 * it longer than its field.
	 */
	if (tp_sideband_parse(line, strlen(line), &back, &err) == NULL) {
		if (strstr(err.message, " bytes long, at most ") == NULL)
			abort();
		free(line);
		return NULL;
	}
	if (back.type != type)
		abort();
	free(line);
	return &back;
}

static void check_account(const struct tp_sideband_account *a)
{
	size_t i;

	if (a->n_codes > TP_SIDEBAND_MAX_LIST)
		abort();
	for (i = 0; i < a->n_codes; i++)
		BOUNDED(a->codes[i]);
	BOUNDED(a->seen_from);
	BOUNDED(a->outcome);
	BOUNDED(a->reason);
	BOUNDED(a->client_subject);
	BOUNDED(a->client_sha256);
}

/* A key of this run's own, the random it marks, and a challenge: what a
 * server holds when a claim arrives. */
static struct tp_sideband_key own;
static unsigned char own_cr[32], challenge[TP_SIDEBAND_CHALLENGE_LEN];
static int have_own = -1;

static void check_hello(const struct tp_sideband_hello *h)
{
	static const unsigned char zero[TP_SIDEBAND_SIG_LEN];
	const struct tp_sideband_msg *back;

	BOUNDED(h->version);
	BOUNDED(h->unique_id);
	BOUNDED(h->local);
	BOUNDED(h->dialled);
	/* a key that fits is a marked random's: the server then verifies
	 * with it, whatever point the bytes are */
	if (tp_sideband_key_fits(h->key, h->client_random)) {
		if (!tp_sideband_client_marked(h->client_random))
			abort();
		(void)tp_sideband_claim_valid(h->key, challenge,
					      h->client_random, zero);
	}
	back = check_line(tp_sideband_hello_line(h), TP_SIDEBAND_HELLO);
	if (back != NULL &&
	    (memcmp(back->u.hello.client_random, h->client_random, 32) != 0 ||
	     memcmp(back->u.hello.key, h->key, TP_SIDEBAND_KEY_LEN) != 0))
		abort();
}

static void check_claim(const unsigned char sig[TP_SIDEBAND_SIG_LEN])
{
	const struct tp_sideband_msg *back;

	/* no input signs for a key it does not hold */
	if (have_own == 0 && tp_sideband_claim_valid(own.pub, challenge, own_cr,
						     sig))
		abort();
	back = check_line(tp_sideband_claim_line(sig), TP_SIDEBAND_CLAIM);
	if (back != NULL &&
	    memcmp(back->u.signature, sig, TP_SIDEBAND_SIG_LEN) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_sideband_msg m;
	struct tp_error err = {0};
	const struct tp_sideband_msg *back;
	char peeked[16];
	const char *type;
	size_t i;

	if (have_own < 0) {
		have_own = tp_sideband_key_new(&own);
		if (have_own == 0)
			tp_sideband_mark_client(own.pub, own_cr);
		if (tp_sideband_challenge_new(challenge) < 0)
			memset(challenge, 0x5a, sizeof(challenge));
	}
	memset(peeked, 'x', sizeof(peeked));
	if (tp_sideband_peek_type((const char *)data, size, peeked,
				  sizeof(peeked)) != NULL &&
	    memchr(peeked, '\0', sizeof(peeked)) == NULL)
		abort();
	type = tp_sideband_parse((const char *)data, size, &m, &err);
	if (type == NULL) {
		if (err.kind == TP_ERR_NONE)
			abort();  /* refused without saying why */
		/* the message quotes the line: nothing in it acts on a
		 * terminal */
		for (i = 0; err.message[i] != '\0'; i++)
			if ((unsigned char)err.message[i] < 0x20 ||
			    err.message[i] == 0x7f)
				abort();
		return 0;
	}
	switch (m.type) {
	case TP_SIDEBAND_HELLO:
		if (strcmp(type, "hello") != 0)
			abort();
		check_hello(&m.u.hello);
		break;
	case TP_SIDEBAND_INSIDE:
		if (strcmp(type, "inside") != 0)
			abort();
		BOUNDED(m.u.hello.version);
		BOUNDED(m.u.hello.unique_id);
		BOUNDED(m.u.hello.local);
		BOUNDED(m.u.hello.dialled);
		check_line(tp_sideband_inside_line(&m.u.hello),
			   TP_SIDEBAND_INSIDE);
		break;
	case TP_SIDEBAND_WELCOME:
		if (strcmp(type, "welcome") != 0 ||
		    m.u.welcome.n_chain > TP_SIDEBAND_MAX_LIST ||
		    m.u.welcome.n_trusted > TP_SIDEBAND_MAX_LIST)
			abort();
		for (i = 0; i < m.u.welcome.n_trusted; i++)
			BOUNDED(m.u.welcome.trusted_cas[i]);
		BOUNDED(m.u.welcome.expect_id);
		back = check_line(tp_sideband_welcome_line(&m.u.welcome),
				  TP_SIDEBAND_WELCOME);
		if (back != NULL &&
		    memcmp(back->u.welcome.challenge, m.u.welcome.challenge,
			   TP_SIDEBAND_CHALLENGE_LEN) != 0)
			abort();
		break;
	case TP_SIDEBAND_INSIDE_REPLY:
		if (strcmp(type, "inside-reply") != 0 ||
		    m.u.inside_reply.n_chain > TP_SIDEBAND_MAX_LIST)
			abort();
		BOUNDED(m.u.inside_reply.client_random);
		if (m.u.inside_reply.has_account)
			check_account(&m.u.inside_reply.account);
		check_line(tp_sideband_inside_reply_line(&m.u.inside_reply),
			   TP_SIDEBAND_INSIDE_REPLY);
		break;
	case TP_SIDEBAND_CLAIM:
		if (strcmp(type, "claim") != 0)
			abort();
		check_claim(m.u.signature);
		break;
	case TP_SIDEBAND_ACCOUNT:
		if (strcmp(type, "account") != 0)
			abort();
		if (m.u.account.has_account)
			check_account(&m.u.account.account);
		back = check_line(
			tp_sideband_account_line(m.u.account.has_account
							 ? &m.u.account.account
							 : NULL),
			TP_SIDEBAND_ACCOUNT);
		if (back != NULL &&
		    back->u.account.has_account != m.u.account.has_account)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
