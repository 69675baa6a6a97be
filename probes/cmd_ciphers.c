/* tlsprobe ciphers HOST[:PORT]: what the port accepts, graded. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "starttls.h"
#include "cli.h"

static const char usage_text[] =
	"usage: tlsprobe ciphers HOST[:PORT] [options]\n"
	"  --json               one JSON report on stdout\n"
	"  --format FORMAT      text (default), json, or nmap (the layout of\n"
	"                       nmap's ssl-enum-ciphers)\n"
	"  --policy LIST        compare with a cipher list: OpenSSL syntax,\n"
	"                       IANA names, or a GnuTLS priority string\n"
	"  --protocols LIST     versions to test, e.g. TLS1.2,TLS1.3 (default all)\n"
	"  --starttls PROTO     smtp, imap, pop3, ftp, xmpp, postgres, ldap\n"
	"  --sni NAME           server name to send (default: HOST if a name)\n"
	"  --no-sni             send no server name\n"
	"  --concurrency N      connections at once (default 4)\n"
	"  --delay MS           pause between new connections (default 0)\n"
	"  --budget N           most connections to the host (default 1000)\n"
	"  --timeout SECONDS    bound for each step of a connection (default 10)\n"
	"  -4, -6               IPv4 or IPv6 only\n"
	CLI_CAPTURE_USAGE
	"  --no-color           plain text (also NO_COLOR=1)\n";

enum {
	OPT_FORMAT = 512, OPT_POLICY, OPT_PROTOCOLS, OPT_CONCURRENCY,
	OPT_DELAY, OPT_BUDGET,
};

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"protocols", required_argument, NULL, OPT_PROTOCOLS},
	{"starttls", required_argument, NULL, OPT_STARTTLS},
	{"sni", required_argument, NULL, OPT_SNI},
	{"no-sni", no_argument, NULL, OPT_NO_SNI},
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	{"delay", required_argument, NULL, OPT_DELAY},
	{"budget", required_argument, NULL, OPT_BUDGET},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"ca", required_argument, NULL, OPT_CA},
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME},
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID},
	{"priority", required_argument, NULL, OPT_PRIORITY},
	{"keylog", required_argument, NULL, OPT_KEYLOG},
	{"capture", no_argument, NULL, OPT_CAPTURE},
	{"pcap-out", required_argument, NULL, OPT_PCAP_OUT},
	{"user", required_argument, NULL, OPT_USER},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void show_progress(void *arg, unsigned done, unsigned estimate)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kprobing… %u of about %u connections", done,
		estimate);
}

static int parse_count(const char *flag, const char *arg, unsigned min,
		       unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
	    v < min || v > max)
		return cli_fail("ciphers", 2, "%s: '%s' is not a whole number "
				"from %u to %u", flag, arg, min, max);
	*out = (unsigned)v;
	return 0;
}

static int option(int c, const char *arg, struct tp_ciphers_opts *o,
		  struct cli_common *common, int *format)
{
	enum tp_starttls st;
	unsigned n;

	switch (c) {
	case OPT_JSON: common->json = true; *format = 1; return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			*format = 0;
		else if (strcmp(arg, "json") == 0)
			*format = 1;
		else if (strcmp(arg, "nmap") == 0)
			*format = 2;
		else
			return cli_fail("ciphers", 2, "--format: unknown format "
					"'%s' (text, json or nmap)", arg);
		common->json = *format == 1;
		return 0;
	case OPT_POLICY: o->policy = arg; return 0;
	case OPT_PROTOCOLS: o->protocols = arg; return 0;
	case OPT_STARTTLS:
		if (tp_starttls_parse(arg, &st) < 0)
			return cli_fail("ciphers", 2, "--starttls: unknown "
					"protocol '%s' (smtp, imap, pop3, ftp, "
					"xmpp, postgres or ldap)", arg);
		o->starttls = (int)st;
		return 0;
	case OPT_SNI: o->sni = arg; return 0;
	case OPT_NO_SNI: o->no_sni = true; return 0;
	case OPT_CONCURRENCY:
		return parse_count("--concurrency", arg, 1, 32, &o->concurrency);
	case OPT_DELAY:
		if (parse_count("--delay", arg, 0, 600000, &n) != 0)
			return 2;
		o->delay_ms = n;
		return 0;
	case OPT_BUDGET:
		return parse_count("--budget", arg, 1, 100000, &o->budget);
	case OPT_TIMEOUT: return cli_parse_timeout("ciphers", arg,
						   &o->timeout_s);
	case OPT_NO_COLOR: common->no_color = true; return 0;
	case '4': o->family = 4; return 0;
	case '6': o->family = 6; return 0;
	case OPT_CA:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_EXPECT_NAME:
	case OPT_EXPECT_ID:
	case OPT_PRIORITY:
	case OPT_KEYLOG:
		return cli_fail("ciphers", 2, "this option does not apply to "
				"tlsprobe ciphers, which lists what the port "
				"accepts without completing a handshake: use "
				"tlsprobe client to check certificates and "
				"priorities");
	case OPT_CAPTURE: o->capture = true; return 0;
	case OPT_PCAP_OUT: o->pcap_out = arg; o->capture = true; return 0;
	case OPT_USER: o->user = arg; return 0;
	default:
		return -1;
	}
}

int cmd_ciphers(int argc, char **argv)
{
	struct tp_ciphers_opts o = {.timeout_s = 10};
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	char *host = NULL, *out;
	int c, rc, format = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46", longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == ':')
			return cli_fail("ciphers", 2, "option '%s' needs a value",
					argv[optind - 1]);
		rc = option(c, optarg, &o, &common, &format);
		if (rc > 0)
			return rc;
		if (rc < 0)
			return cli_fail("ciphers", 2, "unknown option '%s' (see "
					"tlsprobe ciphers --help)",
					argv[optind - 1]);
	}
	if (optind >= argc)
		return cli_fail("ciphers", 2, "no target: expected HOST[:PORT]");
	if (optind + 1 < argc)
		return cli_fail("ciphers", 2, "one target only: unexpected '%s'",
				argv[optind + 1]);
	if (o.sni != NULL && o.no_sni)
		return cli_fail("ciphers", 2, "--sni and --no-sni exclude each "
				"other");
	if (tp_addr_parse(argv[optind], o.starttls
			  ? tp_starttls_default_port(o.starttls) : 443, &host,
			  &o.port, &err) < 0)
		return cli_error("ciphers", &err);
	o.host = host;
	o.stop = &stop;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (format != 1 && isatty(STDERR_FILENO))
		o.progress = show_progress;
	r = tp_report_new("ciphers");
	if (r == NULL) {
		free(host);
		return cli_fail("ciphers", 3, "out of memory");
	}
	rc = tp_ciphers_run(&o, r, &err);
	if (o.progress != NULL)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		tp_report_free(r);
		free(host);
		return cli_error("ciphers", &err);
	}
	if (format == 2) {
		out = tp_report_to_nmap(r);
		if (out == NULL) {
			rc = cli_fail("ciphers", 3, "out of memory");
		} else {
			fputs(out, stdout);
			free(out);
			rc = fflush(stdout) != 0
			     ? cli_fail("ciphers", 3, "cannot write the report: "
					"%s", strerror(errno))
			     : tp_report_exit_status(r);
		}
	} else {
		rc = cli_emit(r, &common);
	}
	tp_report_free(r);
	free(host);
	return rc;
}
