/* tlsprobe server: listens, and diagnoses every incoming handshake. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
	"usage: tlsprobe server --cert FILE --key FILE [options]\n"
	"  --listen [ADDR]:PORT  where to listen (default :4433, IPv4 and\n"
	"                        IPv6; port 0 lets the system pick one)\n"
	"  --cert FILE           this server's certificate chain: PEM, DER or\n"
	"                        PKCS#12\n"
	"  --key FILE            its private key: PEM, DER or PKCS#12\n"
	"  --password-file FILE  the password of a PKCS#12 file or an\n"
	"                        encrypted key: FILE's first line\n"
	"  --password-env VAR    the same, from the environment variable VAR\n"
	"                        (without either: asked on a terminal)\n"
	"  --ca FILE             ask clients for a certificate from these CAs\n"
	"  --require-client-cert refuse clients without one (needs --ca)\n"
	"  --expect-id ID|peer   a client certificate's CN must be ID; peer:\n"
	"                        the ID the client's tlsprobe announces\n"
	"  --priority STRING     GnuTLS priority string (default NORMAL)\n"
	"  --keylog FILE         append each session's secrets (NSS key log,\n"
	"                        for Wireshark) to FILE\n"
	"  --timeout SECONDS     bound for each stage of a connection\n"
	"                        (default " TP_STR(TP_DEFAULT_TIMEOUT_S) ")\n"
	"  --once                serve one connection, exit with its verdict\n"
	"  --count N             serve N connections, then exit\n"
	"  --json                one JSON report per connection, one per line\n"
	"  --now TIME            check dates against TIME\n"
	"                        (YYYY-MM-DDTHH:MM:SSZ)\n"
	"  -v, --verbose         the full report of each connection\n"
	"  --no-color            plain text (also NO_COLOR=1)\n"
	"capture (each connection's report gets its own packets):\n"
	CLI_CAPTURE_USAGE;

static const struct option longopts[] = {
	CLI_SERVER_LONGOPTS,
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop_requested;

struct run {
	struct cli_common common;
	bool color;
	bool any_error;
	bool write_failed;
};

static void on_listening(void *arg, const char *addresses)
{
	(void)arg;
	fprintf(stderr, "tlsprobe server: listening on %s\n", addresses);
	fflush(stderr);
}

/* Our own certificate's faults, found at start: one line each on
 * stderr before the listening line (they are in every report too). */
static void on_own_cert(void *arg, const struct tp_report *own)
{
	size_t i;

	(void)arg;
	for (i = 0; i < own->n_findings; i++)
		fprintf(stderr, "tlsprobe server: warning: %s: %s (fix: %s)\n",
			tp_code_info(own->findings[i].code)->name,
			own->findings[i].summary ? own->findings[i].summary
						 : "",
			own->findings[i].fix ? own->findings[i].fix : "");
	fflush(stderr);
}

static const char *paint(const struct run *run, enum tp_verdict v)
{
	if (!run->color)
		return "";
	return v == TP_VERDICT_FAIL ? "\033[31m" : v == TP_VERDICT_WARN
		? "\033[33m" : "\033[32m";
}

/* A few lines per connection: who, the verdict, the session or why it
 * failed, then each finding on a line. */
static void print_short(struct run *run, const struct tp_report *r)
{
	struct tp_conn_line line;
	enum tp_verdict v;
	char when[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (tp_report_to_conn_line(r, &line) < 0) {
		cli_fail("server", 3, "a connection's line could not be "
			 "written (out of memory)");
		run->write_failed = true;
		return;
	}
	v = line.verdict;
	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&now, &tm));
	printf("%s  %s  %s%s%s", when, line.peer, paint(run, v),
	       v == TP_VERDICT_FAIL ? "FAIL" : v == TP_VERDICT_WARN ? "WARN"
								    : "PASS",
	       run->color ? "\033[0m" : "");
	if (line.outcome != NULL)
		printf("  %s", line.outcome);
	tp_conn_line_clear(&line);
	if (r->target.sni != NULL)
		printf("  SNI %s", r->target.sni);
	if (r->n_certs > 0)
		printf("  client cert %s", r->certs[0].subject
		       ? r->certs[0].subject : "?");
	if (r->has_packets)
		printf("  %zu packet%s", r->n_packets,
		       r->n_packets == 1 ? "" : "s");
	putchar('\n');
	for (i = 0; i < r->n_findings; i++)
		printf("          %-7s %s: %s\n",
		       tp_severity_name(r->findings[i].severity),
		       tp_code_info(r->findings[i].code)->name,
		       r->findings[i].summary ? r->findings[i].summary : "");
}

static void on_report(void *arg, const struct tp_report *r)
{
	struct run *run = arg;
	char *out;

	if (tp_report_exit_status(r) != 0)
		run->any_error = true;
	if (run->common.json) {
		out = tp_report_to_json(r, TP_RENDER_COMPACT);
		if (out != NULL) {
			fputs(out, stdout);
			fputc('\n', stdout);
		} else {
			/* a line left out would go unnoticed in JSON Lines */
			cli_fail("server", 3, "a connection's report could not "
				 "be rendered as JSON (out of memory)");
			run->write_failed = true;
		}
	} else if (run->common.verbose) {
		out = tp_report_to_text(r, TP_RENDER_VERBOSE |
					(run->color ? TP_RENDER_COLOR : 0));
		if (out != NULL) {
			fputs(out, stdout);
			fputc('\n', stdout);
		}
	} else {
		out = NULL;
		print_short(run, r);
	}
	free(out);
	/* one connection, one line, at once: a reader acts on each */
	if (fflush(stdout) != 0)
		run->write_failed = true;
}

struct server_args {
	struct tp_server_opts *o;
	struct cli_common *common;
};

static int apply_server(int opt, const char *arg, void *ctx)
{
	struct server_args *a = ctx;
	int rc;

	return cli_server_option("server", opt, arg, a->o, a->common, &rc)
	       ? rc : -1;
}

int cmd_server(int argc, char **argv)
{
	struct tp_server_opts o;
	struct tp_server_summary sum;
	struct tp_error err = {0};
	struct run run;
	int rc;

	tp_server_opts_init(&o);
	o.password = &cli_password_source;
	memset(&run, 0, sizeof(run));
	rc = cli_options("server", argc, argv, ":v", longopts, usage_text,
			 apply_server, &(struct server_args){&o, &run.common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail("server", 2, "unexpected argument '%s' (the "
				"address goes with --listen)", argv[optind]);
	if (run.common.once && run.common.count_given)
		return cli_fail("server", 2, "--once and --count exclude each "
				"other (--once is --count 1)");
	if (run.common.once)
		o.count = 1;
	run.color = !run.common.json && cli_use_color(&run.common);
	o.on_listening = on_listening;
	o.on_own_cert = on_own_cert;
	o.on_report = on_report;
	o.arg = &run;
	o.stop = &stop_requested;

	cli_on_stop(&stop_requested, false);  /* poll() must wake up */

	if (tp_server_run(&o, &sum, &err) < 0)
		return cli_error("server", &err);
	fprintf(stderr, "tlsprobe server: %u connection%s, %u established, "
		"%u failed, %u side-channel\n", sum.connections,
		sum.connections == 1 ? "" : "s", sum.established, sum.failed,
		sum.sideband);
	if (run.write_failed)
		return cli_fail("server", 3, "cannot write the reports: %s",
				strerror(errno));
	/* a server that runs until stopped has no verdict of its own */
	return o.count > 0 && run.any_error ? 1 : 0;
}
