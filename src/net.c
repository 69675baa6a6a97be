/* Sockets: non-blocking name resolution and TCP connect with deadlines;
 * listening on the addresses of a --listen spec. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "alloc.h"
#include "net.h"

const char *tp_net_status_name(enum tp_net_status s)
{
	switch (s) {
	case TP_NETRES_OK: return "ok";
	case TP_NETRES_REFUSED: return "refused";
	case TP_NETRES_TIMEOUT: return "timeout";
	case TP_NETRES_UNREACHABLE: return "unreachable";
	case TP_NETRES_NONAME: return "no-such-name";
	case TP_NETRES_CANCELLED: return "cancelled";
	default: return "error";
	}
}

static bool stopped(volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop != 0;
}

static void result(struct tp_net_result *res, enum tp_net_status status,
		   int sys_errno, const char *fmt, ...) TP_PRINTF(4, 5);
static void result(struct tp_net_result *res, enum tp_net_status status,
		   int sys_errno, const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->sys_errno = sys_errno;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

static void copy_results(const struct addrinfo *ai, struct tp_resolved *out)
{
	for (; ai != NULL && out->n < TP_NET_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memcpy(&out->addr[out->n], ai->ai_addr, ai->ai_addrlen);
		out->len[out->n] = ai->ai_addrlen;
		out->n++;
	}
}

/* A literal needs no resolver: getaddrinfo() with AI_NUMERICHOST. */
static void resolve_literal(const char *host, const char *service,
			    struct addrinfo hints, struct tp_resolved *out,
			    struct tp_net_result *res)
{
	struct addrinfo *ai = NULL;
	int rc;

	hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0) {
		if (rc == EAI_MEMORY)
			tp_alloc_note();
		result(res, TP_NETRES_NONAME, 0, "%s: %s", host,
		       gai_strerror(rc));
		return;
	}
	copy_results(ai, out);
	freeaddrinfo(ai);
	result(res, TP_NETRES_OK, 0, "literal address");
}

/*
 * getaddrinfo() has no deadline of its own; getaddrinfo_a() runs it
 * in glibc's resolver thread so that we can stop waiting. The
 * request must outlive a cancellation that does not take, so it is
 * heap-allocated (with its name, service and hints in the same block)
 * and leaked in that one case. NULL when it cannot be allocated.
 */
static struct gaicb *gai_request_new(const char *host, const char *service,
				     const struct addrinfo *hints)
{
	struct gaicb *req;
	struct addrinfo *h;
	char *p;

	req = calloc(1, sizeof(*req) + sizeof(*hints) + strlen(host) + 1 +
			       strlen(service) + 1);
	if (req == NULL)
		return NULL;
	p = (char *)(req + 1);
	h = (struct addrinfo *)p;
	*h = *hints;
	p += sizeof(*hints);
	strcpy(p, host);
	req->ar_name = p;
	p += strlen(host) + 1;
	strcpy(p, service);
	req->ar_service = p;
	req->ar_request = h;
	return req;
}

/* Waits for the request until timeout_ms has passed or *stop is set,
 * looking at the stop flag every TP_NET_STOP_SLICE_MS. */
static void gai_wait(struct gaicb *req, double timeout_ms,
		     volatile sig_atomic_t *stop)
{
	const struct gaicb *const list[1] = { req };
	double deadline = tp_now_ms() + timeout_ms;
	struct timespec ts;
	int rc;

	for (;;) {
		double left = deadline - tp_now_ms();

		if (left <= 0 || stopped(stop))
			return;
		if (stop != NULL && left > TP_NET_STOP_SLICE_MS)
			left = TP_NET_STOP_SLICE_MS;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)((left - ts.tv_sec * 1000.0) * 1e6);
		rc = gai_suspend(list, 1, &ts);
		if (rc == EAI_INTR)
			continue;
		if (rc == 0 || rc == EAI_ALLDONE)
			return;
		/* EAI_AGAIN: gai_suspend's time-out, the whole
		 * budget's or a slice's */
	}
}

/* The wording of a resolver's failure (rc from gai_error). */
static void gai_failure(const char *host, int rc, struct tp_net_result *res)
{
	if (rc == EAI_MEMORY)
		tp_alloc_note();  /* no DNS_FAILURE for want of memory */
	switch (rc) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		result(res, TP_NETRES_NONAME, 0, "%s: no such name (%s)", host,
		       gai_strerror(rc));
		break;
	case EAI_AGAIN:
		result(res, TP_NETRES_TIMEOUT, 0, "%s: the resolver did not "
		       "answer (%s)", host, gai_strerror(rc));
		break;
	case EAI_ADDRFAMILY:
		result(res, TP_NETRES_NONAME, 0, "%s has no address of the "
		       "requested family", host);
		break;
	default:
		result(res, TP_NETRES_ERROR, 0, "%s: %s", host, gai_strerror(rc));
		break;
	}
}

/* What a finished (or abandoned) request came to; frees it unless the
 * resolver thread still holds it. */
static void gai_outcome(struct gaicb *req, const char *host,
			double timeout_ms, volatile sig_atomic_t *stop,
			struct tp_resolved *out, struct tp_net_result *res)
{
	int rc = gai_error(req);

	if (rc == EAI_INPROGRESS) {
		bool freed = gai_cancel(req) == EAI_CANCELED;

		if (stopped(stop))
			result(res, TP_NETRES_CANCELLED, 0, "cancelled while "
			       "resolving %s", host);
		else
			result(res, TP_NETRES_TIMEOUT, 0, "no answer from the "
			       "resolver for %s within %.1f s", host,
			       timeout_ms / 1000);
		/* not cancelled: the resolver thread still holds it (leaked) */
		if (freed)
			free(req);
		return;
	}
	if (rc == 0) {
		copy_results(req->ar_result, out);
		freeaddrinfo(req->ar_result);
		free(req);
		if (out->n == 0) {
			result(res, TP_NETRES_NONAME, 0, "%s has no IPv4 or IPv6 "
			       "address", host);
			return;
		}
		result(res, TP_NETRES_OK, 0, "resolved");
		return;
	}
	free(req);
	gai_failure(host, rc, res);
}

void tp_net_resolve(const char *host, unsigned port, int family,
		    double timeout_ms, volatile sig_atomic_t *stop,
		    struct tp_resolved *out, struct tp_net_result *res)
{
	struct addrinfo hints = {0};
	struct gaicb *req;
	struct gaicb *list[1];
	char service[8];
	int rc;

	memset(out, 0, sizeof(*out));
	/* as a connect does: a resolver that answers fast must not turn a
	 * stop already given into a result */
	if (stopped(stop)) {
		result(res, TP_NETRES_CANCELLED, 0, "cancelled before "
		       "resolving %s", host);
		return;
	}
	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6
							      : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%u", port);

	if (tp_addr_is_literal(host)) {
		resolve_literal(host, service, hints, out, res);
		return;
	}
	req = gai_request_new(host, service, &hints);
	if (req == NULL) {
		result(res, TP_NETRES_ERROR, ENOMEM, "out of memory");
		return;
	}
	list[0] = req;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0) {
		/* with one well-formed request, getaddrinfo_a fails only
		 * when glibc cannot allocate it or its thread (EAI_AGAIN,
		 * EAI_MEMORY, EAI_SYSTEM): no sign of a slow resolver */
		tp_alloc_note();
		result(res, TP_NETRES_ERROR, 0, "cannot start the resolver: %s",
		       gai_strerror(rc));
		free(req);
		return;
	}
	gai_wait(req, timeout_ms, stop);
	gai_outcome(req, host, timeout_ms, stop, out, res);
}

int tp_net_wait(int fd, short events, double deadline_ms)
{
	return tp_net_wait_stop(fd, events, deadline_ms, NULL);
}

int tp_net_send_all(int fd, const void *buf, size_t n, double deadline_ms)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (tp_net_wait(fd, POLLOUT, deadline_ms) <= 0)
			return -1;
	}
	return 0;
}

int tp_net_wait_stop(int fd, short events, double deadline_ms,
		     volatile sig_atomic_t *stop)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	double left;
	int rc;

	for (;;) {
		if (stopped(stop))
			return TP_NET_STOPPED;
		left = deadline_ms - tp_now_ms();
		if (left <= 0)
			return 0;
		/* a stop flag is a plain variable, not a file: look at it
		 * between short polls */
		if (stop != NULL && left > TP_NET_STOP_SLICE_MS)
			left = TP_NET_STOP_SLICE_MS;
		rc = poll(&pfd, 1, left > 1e9 ? 1000000000 : (int)(left + 0.999));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 1;
	}
}

static enum tp_net_status classify_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return TP_NETRES_REFUSED;
	case ETIMEDOUT:
		return TP_NETRES_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
		return TP_NETRES_UNREACHABLE;
	default:
		return TP_NETRES_ERROR;
	}
}

void tp_net_connect(const struct sockaddr *sa, socklen_t len,
		    double timeout_ms, int mss, volatile sig_atomic_t *stop,
		    int *fd_out, struct tp_net_result *res)
{
	tp_net_connect_by(sa, len, tp_now_ms() + timeout_ms, mss, stop,
			  fd_out, res);
}

void tp_net_connect_by(const struct sockaddr *sa, socklen_t len,
		       double deadline, int mss, volatile sig_atomic_t *stop,
		       int *fd_out, struct tp_net_result *res)
{
	char where[INET6_ADDRSTRLEN + 8];
	double timeout_ms = deadline - tp_now_ms();
	socklen_t elen = sizeof(int);
	int fd, e = 0, rc;

	*fd_out = -1;
	tp_addr_format(sa, where, sizeof(where));
	if (stopped(stop)) {
		result(res, TP_NETRES_CANCELLED, 0, "cancelled before "
		       "connecting to %s", where);
		return;
	}
	if (timeout_ms <= 0) {
		result(res, TP_NETRES_TIMEOUT, ETIMEDOUT, "no time left to "
		       "connect to %s", where);
		return;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_TCP);
	if (fd < 0) {
		result(res, TP_NETRES_ERROR, errno, "socket: %s", strerror(errno));
		return;
	}
	if (mss > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	/* handshake flights are small writes: Nagle plus delayed ACKs would
	 * add 40 ms to every round trip and blur the timings we report */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	rc = connect(fd, sa, len);
	if (rc < 0 && errno != EINPROGRESS) {
		e = errno;
		goto fail;
	}
	if (rc < 0) {
		rc = tp_net_wait_stop(fd, POLLOUT, deadline, stop);
		if (rc == TP_NET_STOPPED) {
			close(fd);
			result(res, TP_NETRES_CANCELLED, 0, "cancelled while "
			       "connecting to %s", where);
			return;
		}
		if (rc == 0) {
			close(fd);
			result(res, TP_NETRES_TIMEOUT, ETIMEDOUT, "no answer to "
			       "the SYN from %s within %.1f s", where,
			       timeout_ms / 1000);
			return;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e != 0)
			goto fail;
	}
	*fd_out = fd;
	result(res, TP_NETRES_OK, 0, "connected to %s", where);
	return;
fail:
	close(fd);
	switch (classify_errno(e)) {
	case TP_NETRES_REFUSED:
		result(res, TP_NETRES_REFUSED, e, "%s answered the SYN with a "
		       "reset (%s)", where, strerror(e));
		break;
	case TP_NETRES_UNREACHABLE:
		result(res, TP_NETRES_UNREACHABLE, e, "%s is unreachable: %s",
		       where, strerror(e));
		break;
	case TP_NETRES_TIMEOUT:
		result(res, TP_NETRES_TIMEOUT, e, "no answer to the SYN from %s "
		       "(%s)", where, strerror(e));
		break;
	default:
		result(res, TP_NETRES_ERROR, e, "connect to %s: %s", where,
		       strerror(e));
		break;
	}
}

/* ---- listening ---- */

/* Binds and listens on one address; -1 with errno set. */
static int listen_one(const struct sockaddr *sa, socklen_t len)
{
	int fd, one = 1, e;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_TCP);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* ":PORT" binds IPv4 and IPv6 apart, so that each says its own */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, 1024) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void close_all(int *fds, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		close(fds[i]);
	*n = 0;
}

/* Binds every address once; port 0 takes the first socket's port for
 * the others. 1 when another socket took that port first (try again). */
static int bind_all(struct sockaddr_storage *addrs, socklen_t *lens,
		    size_t n, bool any, unsigned port, int *fds,
		    size_t *n_fds, struct tp_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned asked = port;
	char where[80];
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		tp_addr_set_port(&addrs[i], port);
		fd = listen_one((struct sockaddr *)&addrs[i], lens[i]);
		if (fd < 0) {
			int e = errno;

			/* no IPv6 on this host: ":PORT" means IPv4 then */
			if (any && addrs[i].ss_family == AF_INET6 &&
			    (e == EAFNOSUPPORT || e == EADDRNOTAVAIL))
				continue;
			if (e == EADDRINUSE && i > 0 && port != 0 &&
			    asked == 0)
				return 1;
			tp_addr_format((struct sockaddr *)&addrs[i], where,
				       sizeof(where));
			close_all(fds, n_fds);
			errno = e;
			tp_error_set(err, TP_ERR_RUNTIME, "cannot listen on "
				     "%s: %s", where, strerror(e));
			err->sys_errno = e;
			return -1;
		}
		fds[(*n_fds)++] = fd;
		if (port == 0) {
			sl = sizeof(ss);
			if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
				port = tp_addr_port(&ss);
		}
	}
	return 0;
}

/* The addresses of a parsed --listen spec: host "" is the IPv4 and the
 * IPv6 wildcard. 0 addresses with err set when there are none. */
static size_t listen_addrs(const char *spec, const char *host,
			   unsigned port,
			   struct sockaddr_storage addrs[TP_NET_MAX_LISTEN],
			   socklen_t lens[TP_NET_MAX_LISTEN],
			   struct tp_error *err)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char service[8];
	size_t n = 0;
	int rc;

	memset(addrs, 0, TP_NET_MAX_LISTEN * sizeof(*addrs));
	if (host[0] == '\0') {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&addrs[0];
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&addrs[1];

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		lens[0] = sizeof(*s4);
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		lens[1] = sizeof(*s6);
		return 2;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		tp_error_set(err, TP_ERR_USAGE, "{listen} '%s': cannot "
			     "resolve '%s': %s", spec, host, gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai != NULL && n < TP_NET_MAX_LISTEN; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memcpy(&addrs[n], ai->ai_addr, ai->ai_addrlen);
		lens[n++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (n == 0)
		tp_error_set(err, TP_ERR_USAGE, "{listen} '%s': '%s' has no "
			     "IPv4 or IPv6 address", spec, host);
	return n;
}

int tp_net_listen(const char *spec, unsigned default_port,
		  int fds[TP_NET_MAX_LISTEN], size_t *n_fds,
		  struct tp_error *err)
{
	struct sockaddr_storage addrs[TP_NET_MAX_LISTEN];
	socklen_t lens[TP_NET_MAX_LISTEN];
	char host[256];
	unsigned port;
	size_t n;
	int rc = 1, attempt;

	*n_fds = 0;
	if (tp_addr_parse_listen(spec, default_port, host, sizeof(host), &port,
				 err) < 0)
		return -1;
	n = listen_addrs(spec, host, port, addrs, lens, err);
	if (n == 0)
		return -1;
	/* port 0: another program may take the first socket's port on
	 * the second address before we do; then start over */
	for (attempt = 0; attempt < 5; attempt++) {
		rc = bind_all(addrs, lens, n, host[0] == '\0', port, fds,
			      n_fds, err);
		if (rc <= 0)
			break;
		close_all(fds, n_fds);
	}
	if (rc != 0) {
		if (rc > 0)
			tp_error_set(err, TP_ERR_RUNTIME, "cannot find one "
				     "free port on every address of '%s'",
				     spec);
		return -1;
	}
	if (*n_fds == 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "cannot listen: no usable "
			     "address");
		return -1;
	}
	return 0;
}
