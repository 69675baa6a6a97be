/* Sockets: non-blocking name resolution and TCP connect with deadlines;
 * the listening sockets of a --listen spec. */
#ifndef TP_NET_H
#define TP_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "tlsprobe.h"

#define TP_NET_MAX_ADDRS 16

struct tp_resolved {
	struct sockaddr_storage addr[TP_NET_MAX_ADDRS];
	socklen_t len[TP_NET_MAX_ADDRS];
	size_t n;
};

enum tp_net_status {
	TP_NETRES_OK,
	TP_NETRES_REFUSED,     /* RST to our SYN */
	TP_NETRES_TIMEOUT,     /* no answer before the deadline */
	TP_NETRES_UNREACHABLE, /* no route, or ICMP unreachable */
	TP_NETRES_NONAME,      /* the name does not exist */
	TP_NETRES_ERROR,       /* anything else: see sys_errno / message */
	TP_NETRES_CANCELLED,   /* *stop was set while it waited */
};

struct tp_net_result {
	enum tp_net_status status;
	int sys_errno;
	char message[256];
};

/*
 * The waits below that take a stop flag look at it at least every
 * TP_NET_STOP_SLICE_MS and give up as soon as it is set (NULL: never).
 */
#define TP_NET_STOP_SLICE_MS 100

/*
 * Resolves host (a literal needs no resolver) for port within timeout_ms.
 * family: 0, 4 or 6. The result keeps IPv6 and IPv4 interleaved as the
 * resolver ordered them.
 */
void tp_net_resolve(const char *host, unsigned port, int family,
		    double timeout_ms, volatile sig_atomic_t *stop,
		    struct tp_resolved *out, struct tp_net_result *res);

/* Starts a non-blocking connect and waits for it within timeout_ms. On
 * success *fd is the connected, non-blocking socket. */
void tp_net_connect(const struct sockaddr *sa, socklen_t len,
		    double timeout_ms, int mss, volatile sig_atomic_t *stop,
		    int *fd, struct tp_net_result *res);
/* The same by an absolute deadline (tp_now_ms() clock), so that a stage
 * that connects more than once spends one budget, not one each time. */
void tp_net_connect_by(const struct sockaddr *sa, socklen_t len,
		       double deadline, int mss, volatile sig_atomic_t *stop,
		       int *fd, struct tp_net_result *res);

/* Waits until fd is readable (events POLLIN) or writable (POLLOUT) or the
 * deadline (absolute, tp_now_ms() clock) passes. 1 ready, 0 timeout, -1
 * error. */
int tp_net_wait(int fd, short events, double deadline_ms);

/* Sends all n bytes on the non-blocking fd by the deadline (absolute,
 * tp_now_ms() clock), never raising SIGPIPE. 0, or -1 on an error or
 * when the deadline passed first. */
int tp_net_send_all(int fd, const void *buf, size_t n, double deadline_ms);

/* The same, and TP_NET_STOPPED once *stop is set (stop may be NULL). */
#define TP_NET_STOPPED (-2)
int tp_net_wait_stop(int fd, short events, double deadline_ms,
		     volatile sig_atomic_t *stop);

const char *tp_net_status_name(enum tp_net_status s);

/* Addresses one --listen spec may bind at the most. */
#define TP_NET_MAX_LISTEN 8

/*
 * Listens on every address of a --listen spec (tp_addr_parse_listen();
 * NULL: every address, default_port), each socket non-blocking. Port 0
 * lets the kernel pick one, the same on every address. fds gets the
 * sockets, *n_fds how many; on error none is left open.
 */
int tp_net_listen(const char *spec, unsigned default_port,
		  int fds[TP_NET_MAX_LISTEN], size_t *n_fds,
		  struct tp_error *err);

#endif
