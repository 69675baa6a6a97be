/*
 * Fuzz target of the STARTTLS reply readers (starttls.c), run as the
 * client runs them: the server's bytes wait on one end of a socket pair
 * (then its end is shut), tp_starttls_run reads them from the other. It
 * must end (the bytes are all there: no wait is ever needed), say why in
 * bounded, terminated fields, read no byte past the server's go-ahead
 * (the TLS stream starts there), and describe itself in one sanitised
 * line.
 *
 * Input: a first byte that picks the protocol (1 + byte % 7), then what
 * the server sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "starttls.h"
#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* More than a prelude may read (64 KiB), less than a socket buffer. */
#define SERVER_MAX 72000

/* What is left unread on fd. */
static size_t drain(int fd)
{
	uint8_t buf[4096];
	size_t left = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		left += (size_t)n;
	return left;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_starttls_result res;
	enum tp_starttls proto;
	char line[512];
	size_t off = 0, used;
	ssize_t n;
	int sv[2], rc;

	if (size < 1 || size - 1 > SERVER_MAX)
		return 0;
	proto = (enum tp_starttls)(TP_STARTTLS_SMTP + data[0] % 7);
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* the server's end never blocks: what does not fit is not sent */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	while (off < size) {
		n = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(sv[1], SHUT_WR);
	rc = tp_starttls_run(sv[0], proto, "node1.test", tp_now_ms() + 10000,
			     NULL, &res);
	if (memchr(res.step, '\0', sizeof(res.step)) == NULL ||
	    memchr(res.reply, '\0', sizeof(res.reply)) == NULL ||
	    (unsigned)res.status > TP_STARTTLS_CANCELLED ||
	    res.status == TP_STARTTLS_TIMEOUT ||
	    res.status == TP_STARTTLS_CANCELLED ||
	    (rc == 0) != (res.status == TP_STARTTLS_OK))
		abort();
	used = off - drain(sv[0]);
	if (rc == 0) {
		/* the go-ahead ends the prelude: a line, a tag, 'S' */
		if (used == 0)
			abort();
		switch (proto) {
		case TP_STARTTLS_XMPP:
			if (data[used - 1] != '>')
				abort();
			break;
		case TP_STARTTLS_POSTGRES:
			if (used != 1 || data[0] != 'S')
				abort();
			break;
		case TP_STARTTLS_LDAP:
			break;
		default:
			if (data[used - 1] != '\n')
				abort();
			break;
		}
	}
	tp_starttls_describe(&res, proto, line, sizeof(line));
	if (strchr(line, '\n') != NULL)
		abort();
	fuzz_check_text(line);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
