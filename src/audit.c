/*
 * tlsprobe audit: the cipher audit, then the checks of audit.h one
 * after another on the address it probed, each with its connections
 * through the same gate and budget, each bounded by the checks' end.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "ciphers.h"
#include "net.h"

static const struct {
	const char *name;
	void (*run)(struct tp_audit *a);
	bool fetches;          /* needs --offline off */
} checks[] = {
	{"heartbleed", tp_audit_heartbleed, false},
	{"ccs_injection", tp_audit_ccs_injection, false},
	{"ticketbleed", tp_audit_ticketbleed, false},
	{"robot", tp_audit_robot, false},
	{"secure_renegotiation", tp_audit_secure_renegotiation, false},
	{"client_renegotiation", tp_audit_client_renegotiation, false},
	{"compression", tp_audit_compression, false},
	{"fallback_scsv", tp_audit_fallback_scsv, false},
	{"sslv2", tp_audit_sslv2, false},
	{"poodle", tp_audit_poodle, false},
	{"sweet32", tp_audit_sweet32, false},
	{"freak", tp_audit_freak, false},
	{"logjam", tp_audit_logjam, false},
	{"beast", tp_audit_beast, false},
	{"lucky13", tp_audit_lucky13, false},
	{"resumption_id", tp_audit_resumption_id, false},
	{"resumption_ticket", tp_audit_resumption_ticket, false},
	{"early_data", tp_audit_early_data, false},
	{"extended_master_secret", tp_audit_extended_master_secret, false},
	{"encrypt_then_mac", tp_audit_encrypt_then_mac, false},
	{"heartbeat", tp_audit_heartbeat, false},
	{"alpn", tp_audit_alpn, false},
	{"default_certificate", tp_audit_default_certificate, false},
	{"aia", tp_audit_aia, true},
	{"ocsp_stapling", tp_audit_ocsp_stapling, false},
	{"revocation", tp_audit_revocation, true},
	{"sct", tp_audit_sct, false},
};

void tp_audit_opts_init(struct tp_audit_opts *o)
{
	memset(o, 0, sizeof(*o));
	tp_ciphers_opts_init(&o->ciphers);
}

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

const char *tp_audit_check_names(void)
{
	static char names[N_CHECKS * 24];
	size_t i, len = 0;

	if (names[0] != '\0')
		return names;
	for (i = 0; i < N_CHECKS && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len,
					"%s%s", i ? ", " : "", checks[i].name);
	return names;
}

/*
 * Which checks --checks asks for into want[] (all when list is NULL):
 * 0, or -1 with a usage error naming the first word that is no check's
 * name, or a list that names none.
 */
static int wanted(const char *list, bool want[N_CHECKS], struct tp_error *err)
{
	const char *p = list, *end;
	size_t i, len, n = 0;

	for (i = 0; i < N_CHECKS; i++)
		want[i] = list == NULL;
	if (list == NULL)
		return 0;
	while (*p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < N_CHECKS; i++)
			if (len == strlen(checks[i].name) &&
			    strncmp(p, checks[i].name, len) == 0)
				break;
		if (len > 0 && i == N_CHECKS) {
			tp_error_set(err, TP_ERR_USAGE, "{checks}: no check "
				     "'%.*s' (checks: %s)", (int)(len > 40 ? 40
				     : len), p, tp_audit_check_names());
			return -1;
		}
		if (len > 0 && !want[i]) {
			want[i] = true;
			n++;
		}
		p += len + (end != NULL);
	}
	if (n == 0) {
		tp_error_set(err, TP_ERR_USAGE, "{checks} '%s': names no "
			     "check", list);
		return -1;
	}
	return 0;
}

int tp_audit_opts_check(const struct tp_audit_opts *o, struct tp_error *err)
{
	bool want[N_CHECKS];

	if (tp_ciphers_opts_check(&o->ciphers, err) < 0 ||
	    wanted(o->checks, want, err) < 0)
		return -1;
	if (o->ca_file != NULL && access(o->ca_file, R_OK) != 0) {
		tp_error_set(err, TP_ERR_USAGE, "{ca}: cannot read '%s'",
			     o->ca_file);
		return -1;
	}
	return 0;
}

void tp_audit_result(struct tp_audit *a, enum tp_check_status status,
		     enum tp_check_support supported, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	if (a->answered)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	a->answered = true;
	tp_report_check(a->r, a->check, status, supported, "%s", detail);
}

double tp_audit_step(const struct tp_audit *a)
{
	double d = tp_now_ms() + a->timeout_ms;

	return d < a->deadline ? d : a->deadline;
}

bool tp_audit_stopped(const struct tp_audit *a)
{
	const volatile sig_atomic_t *stop = a->o->ciphers.stop;

	return (stop != NULL && *stop) || tp_now_ms() >= a->deadline;
}

bool tp_audit_speaks(const struct tp_audit *a, uint16_t version)
{
	return version >= 0x0300 && version <= 0x0304 &&
	       a->speaks[version - 0x0300];
}

int tp_audit_connect(struct tp_audit *a, int *fd, char *why, size_t why_len)
{
	const struct tp_ciphers_opts *co = &a->o->ciphers;
	const struct sockaddr *sa = (const struct sockaddr *)&a->addr;
	unsigned budget = co->budget ? co->budget : TP_DEFAULT_BUDGET;
	struct tp_starttls_result pre;
	struct tp_net_result nr;

	*fd = -1;
	if (tp_audit_stopped(a)) {
		snprintf(why, why_len, "the audit stopped (a signal, or its "
			 "deadline) before the check could connect");
		return -1;
	}
	if (a->r->scan->connections + a->connections >= budget) {
		snprintf(why, why_len, "the connection budget (%u) is spent",
			 budget);
		return -1;
	}
	if (co->before_connect != NULL &&
	    co->before_connect(co->gate_arg, sa) < 0) {
		snprintf(why, why_len, "stopped before connecting to %s",
			 a->where);
		return -1;
	}
	a->connections++;
	if (tp_proxy_route_connect(&a->route, a->host, a->addr_len ? sa : NULL,
				   a->addr_len, co->port, tp_audit_step(a),
				   co->stop, fd, &nr, NULL) < 0) {
		*fd = -1;
		if (co->after_close != NULL)
			co->after_close(co->gate_arg, sa);
		snprintf(why, why_len, "%s", nr.message);
		return -1;
	}
	if (a->starttls == TP_STARTTLS_NONE)
		return 0;
	if (tp_starttls_run(*fd, a->starttls, a->host, tp_audit_step(a), NULL,
			    &pre) == 0)
		return 0;
	tp_starttls_describe_raw(&pre, a->starttls, why, why_len);
	tp_audit_close(a, *fd);
	*fd = -1;
	return -1;
}

/* A server's greeting before the handshake ends: more is no greeting. */
#define MAX_GREETING 65536
int tp_audit_handshake(const struct tp_audit *a, gnutls_session_t s, int fd,
		       double deadline, unsigned warnings)
{
	size_t read_past = 0;
	unsigned borne = 0;
	char data[4096];
	ssize_t n;
	int rc;

	for (;;) {
		rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED && borne++ < warnings)
			continue;
		if (rc == GNUTLS_E_GOT_APPLICATION_DATA &&
		    read_past < MAX_GREETING) {
			/* GnuTLS's manual: read it, then call the handshake
			 * again */
			n = gnutls_record_recv(s, data, sizeof(data));
			if (n > 0) {
				read_past += (size_t)n;
				continue;
			}
			if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
				return (int)n;
		} else if (rc != GNUTLS_E_AGAIN &&
			   rc != GNUTLS_E_INTERRUPTED) {
			return rc;
		}
		/* a peer that always has more to read never lets the wait
		 * below time out */
		if (tp_now_ms() >= deadline ||
		    tp_net_wait_stop(fd, gnutls_record_get_direction(s)
				     ? POLLOUT : POLLIN, deadline,
				     a->o->ciphers.stop) <= 0)
			return GNUTLS_E_TIMEDOUT;
	}
}

void tp_audit_close(struct tp_audit *a, int fd)
{
	const struct tp_ciphers_opts *co = &a->o->ciphers;

	if (fd < 0)
		return;
	close(fd);
	if (co->after_close != NULL)
		co->after_close(co->gate_arg, (const struct sockaddr *)&a->addr);
}

/* Why no check can run, or NULL when they can. */
static const char *why_not(const struct tp_audit *a,
			   const struct tp_ciphers_reached *where)
{
	if (!where->reached)
		return "the server could not be reached (see the findings)";
	if (a->best == 0)
		return "the server accepted no TLS version (see the findings)";
	return NULL;
}

static void run_one(struct tp_audit *a, size_t i, const char *skip)
{
	double t0 = tp_now_ms();
	struct tp_check *c;

	a->check = checks[i].name;
	a->check_start = a->connections;
	a->answered = false;
	if (skip != NULL)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"not run: %s", skip);
	else if (checks[i].fetches && a->o->offline)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"skipped: --offline (it fetches from the "
				"URLs the certificate names)");
	else if (tp_audit_stopped(a))
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"not run: the audit stopped (a signal, or "
				"its deadline)");
	else
		checks[i].run(a);
	if (!a->answered)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the check gave no result");
	c = a->r->n_checks > 0 ? &a->r->checks[a->r->n_checks - 1] : NULL;
	if (c != NULL && strcmp(c->name, checks[i].name) == 0) {
		c->connections = a->connections - a->check_start;
		c->ms = tp_now_ms() - t0;
	}
}

static void prepare(struct tp_audit *a, const struct tp_audit_opts *o,
		    struct tp_report *r, const struct tp_ciphers_reached *at)
{
	const struct tp_ciphers_opts *co = &o->ciphers;
	double max_s = co->max_time_s > 0 ? co->max_time_s
		       : tp_ciphers_default_max_time(co);
	size_t i;

	memset(a, 0, sizeof(*a));
	a->o = o;
	a->r = r;
	a->addr = at->addr;
	a->addr_len = at->len;
	a->route = at->route;
	snprintf(a->where, sizeof(a->where), "%s", at->where);
	snprintf(a->sni_buf, sizeof(a->sni_buf), "%s", at->sni);
	a->sni = a->sni_buf[0] != '\0' ? a->sni_buf : NULL;
	a->host = co->host;
	a->starttls = (enum tp_starttls)co->starttls;
	a->timeout_ms = (co->timeout_s > 0 ? co->timeout_s
			 : TP_DEFAULT_TIMEOUT_S) * 1000;
	a->deadline = tp_now_ms() + max_s * 1000;
	for (i = 0; i < r->scan->n_protocols; i++) {
		const struct tp_scan_protocol *p = &r->scan->protocols[i];

		if (!p->accepted || p->version < 0x0300 || p->version > 0x0304)
			continue;
		a->speaks[p->version - 0x0300] = true;
		if (p->version > a->best)
			a->best = p->version;
	}
}

int tp_audit_run(const struct tp_audit_opts *o, struct tp_report *r,
		 struct tp_error *err)
{
	struct tp_ciphers_reached at;
	struct tp_audit a;
	double t0 = tp_now_ms();
	bool want[N_CHECKS];
	const char *skip;
	size_t i;

	if (tp_audit_opts_check(o, err) < 0 || wanted(o->checks, want, err) < 0)
		return -1;
	memset(&at, 0, sizeof(at));
	if (tp_ciphers_run_at(&o->ciphers, r, err, &at) < 0)
		return -1;
	prepare(&a, o, r, &at);
	skip = why_not(&a, &at);
	for (i = 0; i < N_CHECKS; i++)
		if (want[i])
			run_one(&a, i, skip);
	r->scan->connections += a.connections;
	r->scan->check_connections = a.connections;
	/* the whole run, checks included (the cipher audit's own time
	 * stays in r->scan->ms) */
	r->total_ms = tp_now_ms() - t0;
	return 0;
}
