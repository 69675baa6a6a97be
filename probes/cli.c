/* Shared pieces of the thin mains. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "starttls.h"

int cli_fail(const char *sub, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlsprobe %s: ", sub);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_error(const char *sub, const struct tp_error *err)
{
	int code = err->kind == TP_ERR_USAGE ? 2 : 3;

	return cli_fail(sub, code, "%s", err->message[0] ? err->message
							  : "unknown failure");
}

int cli_parse_timeout(const char *sub, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) ||
	    v <= 0 || v > 86400)
		return cli_fail(sub, 2, "--timeout '%s': expected seconds "
				"between 0 and 86400 (decimal allowed)", arg);
	*out = v;
	return 0;
}

int cli_parse_now(const char *sub, const char *arg, time_t *out)
{
	struct tm tm;
	char *end;
	long long v;

	memset(&tm, 0, sizeof(tm));
	end = strptime(arg, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end != NULL && *end == '\0') {
		*out = timegm(&tm);
		return 0;
	}
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno == 0 && end != arg && *end == '\0' && v > 0) {
		*out = (time_t)v;
		return 0;
	}
	return cli_fail(sub, 2, "--now '%s': expected YYYY-MM-DDTHH:MM:SSZ "
			"or seconds since 1970", arg);
}

bool cli_use_color(const struct cli_common *c)
{
	const char *nc = getenv("NO_COLOR");

	if (c->no_color || (nc != NULL && nc[0] != '\0'))
		return false;
	return isatty(STDOUT_FILENO) == 1;
}

int cli_emit(const struct tp_report *r, const struct cli_common *c)
{
	char *out;
	int flags = 0;

	if (c->json) {
		out = tp_report_to_json(r, 0);
	} else {
		if (cli_use_color(c))
			flags |= TP_RENDER_COLOR;
		if (c->verbose)
			flags |= TP_RENDER_VERBOSE;
		out = tp_report_to_text(r, flags);
	}
	if (out == NULL)
		return cli_fail(r->command, 3, "out of memory rendering the report");
	fputs(out, stdout);
	if (c->json)
		fputc('\n', stdout);
	free(out);
	if (fflush(stdout) != 0)
		return cli_fail(r->command, 3, "cannot write the report: %s",
				strerror(errno));
	return tp_report_exit_status(r);
}

/* Parses a --starttls value: smtp, imap, pop3, ftp, xmpp, postgres, ldap. */
static int parse_starttls(const char *sub, const char *arg, int *out)
{
	enum tp_starttls proto;

	if (tp_starttls_parse(arg, &proto) < 0)
		return cli_fail(sub, 2, "--starttls '%s': unknown protocol; "
				"expected smtp, imap, pop3, ftp, xmpp, postgres "
				"or ldap", arg);
	*out = (int)proto;
	return 0;
}

bool cli_client_option(const char *sub, int opt, const char *arg,
		       struct tp_client_opts *o, struct cli_common *c,
		       int *rc)
{
	*rc = 0;
	switch (opt) {
	case OPT_JSON: c->json = true; break;
	case OPT_TIMEOUT: *rc = cli_parse_timeout(sub, arg, &o->timeout_s); break;
	case OPT_CA: o->ca_file = arg; break;
	case OPT_CERT: o->cert_file = arg; break;
	case OPT_KEY: o->key_file = arg; break;
	case OPT_SNI: o->sni = arg; break;
	case OPT_NO_SNI: o->no_sni = true; break;
	case OPT_EXPECT_NAME: o->expect_name = arg; break;
	case OPT_EXPECT_ID: o->expect_id = arg; break;
	case OPT_PRIORITY: o->priority = arg; break;
	case OPT_ALPN: o->alpn = arg; break;
	case OPT_KEYLOG: o->keylog_file = arg; break;
	case OPT_NO_SIDEBAND: o->no_sideband = true; break;
	case OPT_CAPTURE: o->capture = true; break;
	case OPT_PCAP_OUT: o->pcap_out = arg; o->capture = true; break;
	case OPT_USER: o->user = arg; break;
	case OPT_STARTTLS: *rc = parse_starttls(sub, arg, &o->starttls); break;
	case OPT_NOW: *rc = cli_parse_now(sub, arg, &o->now); break;
	case '4': o->family = 4; break;
	case '6': o->family = 6; break;
	case 'v': c->verbose = true; break;
	case OPT_NO_COLOR: c->no_color = true; break;
	default: return false;
	}
	return true;
}
