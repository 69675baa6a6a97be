/* tlsprobe ciphers HOST[:PORT]: what the port accepts, graded; tlsprobe
 * audit HOST[:PORT]: the same and the checks of known attacks, session
 * behaviour and certificate status; either over many targets, one
 * record each (--targets FILE). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "starttls.h"
#include "cli.h"
#include "fleet.h"

/* The lines of the usage that ciphers and audit share. */
#define PROBE_USAGE \
	"  --protocols LIST     versions to test, e.g. TLS1.2,TLS1.3 (default all)\n" \
	"  --starttls PROTO     smtp, imap, pop3, ftp, xmpp, postgres, ldap\n" \
	"  --sni NAME           server name to send (default: HOST if a name)\n" \
	"  --no-sni             send no server name\n" \
	"  --concurrency N      connections at once (default " \
	TP_STR(TP_DEFAULT_CONCURRENCY) "); with --targets:\n" \
	"                       audits in flight (default 32)\n" \
	"  --delay MS           pause between new connections (default 0)\n" \
	"  --budget N           most connections to the host (default " \
	TP_STR(TP_DEFAULT_BUDGET) ")\n" \
	"  --timeout SECONDS    bound for each step of a connection (default " \
	TP_STR(TP_DEFAULT_TIMEOUT_S) ")\n"
#define RUN_USAGE \
	"  -4, -6               IPv4 or IPv6 only\n" \
	CLI_PROXY_USAGE \
	CLI_CAPTURE_USAGE \
	"  --no-color           plain text (also NO_COLOR=1)\n" \
	CLI_FLEET_USAGE_HEAD \
	CLI_FLEET_USAGE_TAIL \
	"  --per-host N        connections open to one address (default 2);\n" \
	"                      each audit makes up to N at once\n" \
	CLI_FLEET_USAGE_RUN
#define POLICY_USAGE \
	"  --policy LIST        compare with a cipher list: OpenSSL syntax,\n" \
	"                       IANA names, or a GnuTLS priority string\n"

static const char usage_text[] =
	"usage: tlsprobe ciphers HOST[:PORT] [options]\n"
	"       tlsprobe ciphers --targets FILE [options]\n"
	"  --json               one JSON report on stdout\n"
	"  --format FORMAT      text (default), json, or nmap (the layout of\n"
	"                       nmap's ssl-enum-ciphers)\n"
	POLICY_USAGE
	PROBE_USAGE
	"  --max-time SECONDS   bound for the whole audit (default: --budget\n"
	"                       connections, --concurrency at a time, a quarter\n"
	"                       of --timeout each; at least 2 x --timeout)\n"
	RUN_USAGE;

static const char audit_usage_text[] =
	"usage: tlsprobe audit HOST[:PORT] [options]\n"
	"       tlsprobe audit --targets FILE [options]\n"
	"  everything tlsprobe ciphers reports, then the checks: known attacks\n"
	"  (Heartbleed, CCS injection, ROBOT, Ticketbleed, renegotiation,\n"
	"  compression, fallback SCSV, SSL 2.0, ...), session behaviour and\n"
	"  certificate status (AIA, OCSP, CRL, SCTs)\n"
	"  --json               one JSON report on stdout\n"
	"  --format FORMAT      text (default) or json\n"
	"  --offline            fetch nothing (AIA, OCSP, CRL): those checks\n"
	"                       say they were skipped\n"
	"  --checks LIST        only these checks, e.g. heartbleed,robot (the\n"
	"                       names as in the report; default: all)\n"
	"  --ca FILE            trusted CAs for the chain and OCSP answers\n"
	"                       (default: the system store)\n"
	POLICY_USAGE
	PROBE_USAGE
	"  --max-time SECONDS   bound for the cipher audit, and again for the\n"
	"                       checks\n"
	RUN_USAGE;

static const struct option longopts[] = {
	CLI_CIPHERS_LONGOPTS,
	{"offline", no_argument, NULL, OPT_OFFLINE},
	{"checks", required_argument, NULL, OPT_CHECKS},
	/* CLI_FLEET_LONGOPTS but --concurrency, which ciphers has already */
	{"targets", required_argument, NULL, OPT_TARGETS},
	{"addresses", required_argument, NULL, OPT_ADDRESSES},
	{"rate", required_argument, NULL, OPT_RATE},
	{"per-host", required_argument, NULL, OPT_PER_HOST},
	{"shard", required_argument, NULL, OPT_SHARD},
	{"out", required_argument, NULL, OPT_OUT},
	{"resume", no_argument, NULL, OPT_RESUME},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop;

static void show_progress(void *arg, unsigned done, unsigned estimate)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kprobing… %u of about %u connections", done,
		estimate);
}

/* --format nmap prints no ssl-enum-ciphers table for a port that
 * accepted no version, as nmap prints none: one line on stderr says why,
 * from the report's first error (NOT_TLS, TCP_REFUSED, …), so that an
 * empty diff is never mistaken for agreement. */
static void say_why_no_table(const struct tp_report *r)
{
	const struct tp_finding *why = NULL;
	size_t i;

	if (r->scan != NULL)
		for (i = 0; i < r->scan->n_protocols; i++)
			if (r->scan->protocols[i].accepted)
				return;
	for (i = 0; i < r->n_findings && why == NULL; i++)
		if (r->findings[i].severity == TP_SEV_ERROR)
			why = &r->findings[i];
	/* the summary was sanitised where it entered the report */
	if (why != NULL)
		fprintf(stderr, "tlsprobe ciphers: no ssl-enum-ciphers table "
			"for port %u: %s (%s)\n", r->target.port, why->summary,
			tp_code_info(why->code)->name);
	else
		fprintf(stderr, "tlsprobe ciphers: no ssl-enum-ciphers table "
			"for port %u: no TLS version accepted\n",
			r->target.port);
}

struct ciphers_args {
	const char *sub;          /* "ciphers" or "audit" */
	struct tp_audit_opts *audit;  /* audit: its options; NULL: ciphers */
	struct tp_ciphers_opts *o;
	struct cli_common *common;
	struct cli_fleet *fleet;
	const char *concurrency;  /* read once --targets is known */
};

static int apply_ciphers(int opt, const char *arg, void *ctx)
{
	struct ciphers_args *a = ctx;
	int rc;

	/* one audit's connections at once, or the audits in flight with
	 * --targets (as client's): which is not known before the end */
	if (opt == OPT_CONCURRENCY) {
		a->concurrency = arg;
		return 0;
	}
	if (a->audit != NULL && opt == OPT_OFFLINE) {
		a->audit->offline = true;
		return 0;
	}
	if (a->audit != NULL && opt == OPT_CHECKS) {
		a->audit->checks = arg;
		return 0;
	}
	if (a->audit == NULL && opt == OPT_CHECKS)
		return cli_fail(a->sub, 2, "--checks applies to tlsprobe "
				"audit: tlsprobe ciphers runs no checks");
	if (a->audit != NULL && opt == OPT_CA) {
		a->audit->ca_file = arg;
		return 0;
	}
	if (a->audit == NULL && opt == OPT_OFFLINE)
		return cli_fail(a->sub, 2, "--offline applies to tlsprobe "
				"audit, which fetches; tlsprobe ciphers never "
				"does");
	if (a->audit != NULL && opt == OPT_FORMAT &&
	    strcmp(arg, "nmap") == 0)
		return cli_fail(a->sub, 2, "--format nmap is the layout of "
				"tlsprobe ciphers: text or json here");
	rc = cli_ciphers_option(a->sub, opt, arg, a->o, a->common);
	return rc >= 0 ? rc : cli_fleet_option(a->sub, opt, arg, a->fleet);
}

/*
 * --targets: the run over the list. --concurrency is then the audits in
 * flight, as client's; each audit makes as many connections at once as
 * one address may have open (--per-host), since more would only wait
 * at the gate.
 */
static int run_targets(struct ciphers_args *a)
{
	struct tp_ciphers_opts *o = a->o;
	struct cli_common c = *a->common;
	int rc;

	if (a->concurrency != NULL &&
	    (rc = cli_fleet_option(a->sub, OPT_CONCURRENCY, a->concurrency,
				   a->fleet)) != 0)
		return rc;
	if (c.format == CLI_FORMAT_NMAP)
		return cli_fail(a->sub, 2, "--format nmap prints one port's "
				"table: not with --targets (--json gives one "
				"record a line)");
	if (o->sni != NULL && o->no_sni)
		return cli_fail(a->sub, 2, "--sni and --no-sni exclude each "
				"other");
	c.json = c.format == CLI_FORMAT_JSON;
	o->concurrency = a->fleet->per_host ? a->fleet->per_host
			 : TP_FLEET_DEFAULT_PER_HOST;
	if (o->concurrency > 32)
		o->concurrency = 32;
	if (a->audit != NULL)
		return cli_fleet_audit(a->sub, a->fleet, a->audit, &c);
	return cli_fleet_ciphers(a->sub, a->fleet, o, &c);
}

/* The one target of the command line into o; an exit code, 0: fine. */
static int one_target(struct ciphers_args *a, int argc, char **argv,
		      char **host)
{
	struct tp_ciphers_opts *o = a->o;
	struct tp_error err = {0};
	int rc;

	if (a->fleet->given != NULL)
		return cli_fail(a->sub, 2, "%s needs --targets FILE",
				a->fleet->given);
	if (a->concurrency != NULL &&
	    (rc = cli_ciphers_option(a->sub, OPT_CONCURRENCY, a->concurrency,
				     o, a->common)) != 0)
		return rc;
	if (optind >= argc)
		return cli_fail(a->sub, 2, "no target: expected HOST[:PORT]");
	if (optind + 1 < argc)
		return cli_fail(a->sub, 2, "one target only: unexpected '%s'",
				argv[optind + 1]);
	if (o->sni != NULL && o->no_sni)
		return cli_fail(a->sub, 2, "--sni and --no-sni exclude each "
				"other");
	if (tp_addr_parse(argv[optind], o->starttls
			  ? tp_starttls_default_port(o->starttls) : 443, host,
			  &o->port, &err) < 0)
		return cli_error(a->sub, &err);
	o->host = *host;
	return 0;
}

/* The report in the format asked for; the exit code. */
static int emit(struct ciphers_args *a, struct tp_report *r)
{
	char *out;
	int rc;

	if (a->common->format != CLI_FORMAT_NMAP)
		return cli_emit(r, a->common);
	out = tp_report_to_nmap(r);
	if (out == NULL)
		return cli_fail(a->sub, 3, "out of memory");
	say_why_no_table(r);
	fputs(out, stdout);
	free(out);
	rc = fflush(stdout) != 0
	     ? cli_fail(a->sub, 3, "cannot write the report: %s",
			strerror(errno))
	     : tp_report_exit_status(r);
	return rc;
}

static int run(struct ciphers_args *a, const char *usage, int argc,
	       char **argv)
{
	struct tp_ciphers_opts *o = a->o;
	struct tp_error err = {0};
	struct tp_report *r;
	char *host = NULL;
	int rc;

	rc = cli_options(a->sub, argc, argv, ":46", longopts, usage,
			 apply_ciphers, a);
	if (rc >= 0)
		return rc;
	if (cli_proxy_setup(a->sub, &o->proxy, &o->no_proxy) != 0)
		return 2;
	if (a->fleet->targets != NULL && optind < argc)
		return cli_fail(a->sub, 2, "--targets and a target '%s' "
				"exclude each other: give one or the other",
				argv[optind]);
	if (a->fleet->targets != NULL)
		return run_targets(a);
	if ((rc = one_target(a, argc, argv, &host)) != 0) {
		free(host);
		return rc;
	}
	o->stop = &stop;
	/* restarted, as signal() had it: a second ^C must not fail the
	 * write of the report the first one asked for */
	cli_on_stop(&stop, true);
	if (a->common->format != CLI_FORMAT_JSON && isatty(STDERR_FILENO))
		o->progress = show_progress;
	r = tp_report_new(a->sub);
	if (r == NULL) {
		free(host);
		return cli_fail(a->sub, 3, "out of memory");
	}
	rc = a->audit != NULL ? tp_audit_run(a->audit, r, &err)
			      : tp_ciphers_run(o, r, &err);
	if (o->progress != NULL)
		fputs("\r\033[K", stderr);
	rc = rc < 0 ? cli_error(a->sub, &err) : emit(a, r);
	tp_report_free(r);
	free(host);
	return rc;
}

int cmd_ciphers(int argc, char **argv)
{
	struct tp_ciphers_opts o;
	struct cli_common common = {0};
	struct cli_fleet fleet = {0};
	struct ciphers_args args = {"ciphers", NULL, &o, &common, &fleet,
				    NULL};

	tp_ciphers_opts_init(&o);
	return run(&args, usage_text, argc, argv);
}

int cmd_audit(int argc, char **argv)
{
	struct tp_audit_opts audit;
	struct cli_common common = {0};
	struct cli_fleet fleet = {0};
	struct ciphers_args args = {"audit", &audit, &audit.ciphers, &common,
				    &fleet, NULL};

	tp_audit_opts_init(&audit);
	return run(&args, audit_usage_text, argc, argv);
}
