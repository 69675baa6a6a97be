/* Proxies: the tunnel through an HTTP CONNECT or SOCKS proxy, and what
 * its failure means. Internal to libtlsprobe. */
#ifndef TP_PROXY_H
#define TP_PROXY_H

#include <sys/socket.h>

#include "net.h"
#include "tlsprobe.h"

enum tp_proxy_status {
	TP_PROXYRES_OK,          /* the tunnel is up */
	TP_PROXYRES_AUTH,        /* it wants (other) credentials */
	TP_PROXYRES_FORBIDDEN,   /* its rules refuse this target */
	TP_PROXYRES_UNREACHABLE, /* it could not resolve or reach the target */
	TP_PROXYRES_BAD_ANSWER,  /* not an answer of this kind of proxy */
	TP_PROXYRES_CLOSED,      /* it closed (or reset) without answering */
	TP_PROXYRES_TIMEOUT,     /* no (whole) answer before the deadline */
	TP_PROXYRES_CANCELLED,   /* *stop was set */
};

/* What the proxy answered. The texts hold the proxy's words raw (the
 * report's setters sanitise them) and never our credentials. */
struct tp_proxy_result {
	enum tp_proxy_status status;
	char answer[256];  /* "HTTP/1.1 407 Proxy Authentication Required",
			    * "SOCKS5 reply 5 (connection refused)" */
	char why[256];     /* the words that prove the class: "offers
			    * Basic", "looks like a TLS record", … */
	double ms;
};

/*
 * Opens a tunnel to host:port through p on fd, a connected socket to
 * the proxy, by the deadline (tp_now_ms() clock). target is the
 * target's address when we resolved it (socks4 and socks5 need one; the
 * others send host, and take target only when host is NULL). On success
 * the socket holds nothing of the proxy's answer: whatever the target
 * sent already stays unread, for the TLS handshake. Returns 0 or -1.
 */
int tp_proxy_open(int fd, const struct tp_proxy *p, const char *host,
		  const struct sockaddr *target, unsigned port,
		  double deadline, volatile sig_atomic_t *stop,
		  struct tp_proxy_result *res);

/* Whether p resolves the target's name itself (http, socks4a, socks5h):
 * then the target needs no local resolution. */
bool tp_proxy_resolves(const struct tp_proxy *p);

/* "the HTTP proxy 127.0.0.1:3128" or "the socks5h proxy [::1]:1080" */
void tp_proxy_name(const struct tp_proxy *p, char *buf, size_t size);

/* The finding that explains a failed tunnel to target ("host:port"),
 * decided here: PROXY_AUTH_REQUIRED, PROXY_FORBIDDEN,
 * PROXY_TARGET_UNREACHABLE or PROXY_BAD_ANSWER. */
struct tp_finding *tp_proxy_diagnose(struct tp_report *r,
				     const struct tp_proxy *p,
				     const char *target,
				     const struct tp_proxy_result *res);
/* PROXY_REFUSED: the TCP connection to the proxy failed as nr says;
 * attempts lists every address tried. */
struct tp_finding *tp_proxy_refused(struct tp_report *r,
				    const struct tp_proxy *p,
				    const struct tp_net_result *nr,
				    const char *attempts);

/* One tunnel, start to end: a connection to the proxy at pa, then
 * tp_proxy_open. -1 with *nr saying why the connection failed (its
 * status TP_NETRES_OK when the tunnel failed, then res says why). */
int tp_proxy_dial(const struct tp_proxy *p, const struct sockaddr *pa,
		  socklen_t pl, const char *host,
		  const struct sockaddr *target, unsigned port,
		  double deadline, volatile sig_atomic_t *stop, int *fd,
		  struct tp_net_result *nr, struct tp_proxy_result *res);

/*
 * The way every connection of a run goes: directly (proxy NULL), or
 * through a tunnel of its own from the proxy's address, for the probes
 * that open many (ciphers, audit).
 */
struct tp_proxy_route {
	const struct tp_proxy *proxy;
	struct sockaddr_storage addr;  /* the proxy's */
	socklen_t len;
	char name[320];                /* tp_proxy_name */
};

/*
 * Sets rt up for o's proxy unless no_proxy exempts host (rt->proxy NULL:
 * direct, and 0): the proxy's name resolved within timeout_ms. -1 with
 * *nr saying why it did not resolve.
 */
int tp_proxy_route_init(struct tp_proxy_route *rt, const struct tp_proxy *p,
			const char *no_proxy, const char *host, int family,
			double timeout_ms, volatile sig_atomic_t *stop,
			struct tp_net_result *nr);

/*
 * One connection to host:port the route's way, by the deadline: target
 * is the address to dial directly, or to ask the proxy for when it takes
 * addresses (NULL when the proxy resolves host). 0 and *fd; -1 when the
 * TCP connection failed (*nr says why); -2 when the tunnel did not open
 * (*nr says so in words, status TP_NETRES_ERROR or CANCELLED; *pres, if
 * not NULL, holds the proxy's answer).
 */
int tp_proxy_route_connect(const struct tp_proxy_route *rt, const char *host,
			   const struct sockaddr *target, socklen_t tlen,
			   unsigned port, double deadline,
			   volatile sig_atomic_t *stop, int *fd,
			   struct tp_net_result *nr,
			   struct tp_proxy_result *pres);

#endif
