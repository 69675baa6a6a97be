/* tlsprobe client HOST[:PORT]: one TLS connection, diagnosed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
	"usage: tlsprobe client HOST[:PORT] [options]\n"
	"  --json              one JSON report on stdout\n"
	"  --timeout SECONDS   bound for each network stage (default 10)\n"
	"  --ca FILE           trusted CAs, PEM (default: the system store)\n"
	"  --cert FILE         our certificate chain, PEM\n"
	"  --key FILE          our private key, PEM\n"
	"  --sni NAME          server name to send (default: HOST if a name)\n"
	"  --no-sni            send no server name\n"
	"  --expect-name NAME  name the certificate must match (default: SNI, HOST)\n"
	"  --expect-id ID      the certificate's CN must be this unique ID;\n"
	"                      'peer': the ID the paired tlsprobe server reports\n"
	"  --no-sideband       do not look for a paired tlsprobe server\n"
	"  --priority STRING   GnuTLS priority string (default NORMAL)\n"
	"  --alpn LIST         ALPN protocols to offer, comma-separated\n"
	"  --keylog FILE       append NSS key log lines (for Wireshark)\n"
	"  -4, -6              IPv4 or IPv6 only\n"
	"  --now TIME          check dates against TIME (YYYY-MM-DDTHH:MM:SSZ)\n"
	"  -v, --verbose       list every handshake message\n"
	"  --no-color          plain text (also NO_COLOR=1)\n";

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"ca", required_argument, NULL, OPT_CA},
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"sni", required_argument, NULL, OPT_SNI},
	{"no-sni", no_argument, NULL, OPT_NO_SNI},
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME},
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID},
	{"priority", required_argument, NULL, OPT_PRIORITY},
	{"alpn", required_argument, NULL, OPT_ALPN},
	{"keylog", required_argument, NULL, OPT_KEYLOG},
	{"no-sideband", no_argument, NULL, OPT_NO_SIDEBAND},
	{"now", required_argument, NULL, OPT_NOW},
	{"verbose", no_argument, NULL, 'v'},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"starttls", required_argument, NULL, OPT_STARTTLS},
	{"capture", no_argument, NULL, OPT_CAPTURE},
	{"pcap-out", required_argument, NULL, OPT_PCAP_OUT},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* A progress line on a terminal while stages run (stderr, erased after). */
static void show_progress(void *arg, const struct tp_report *r,
			  const char *stage)
{
	(void)arg;
	(void)r;
	fprintf(stderr, "\r\033[K%s done…", stage);
	if (strcmp(stage, "verify") == 0)
		fputs("\r\033[K", stderr);
}

int cmd_client(int argc, char **argv)
{
	struct tp_client_opts o = {.timeout_s = 10};
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	char *host = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: common.json = true; break;
		case OPT_TIMEOUT:
			if ((rc = cli_parse_timeout("client", optarg,
						    &o.timeout_s)) != 0)
				return rc;
			break;
		case OPT_CA: o.ca_file = optarg; break;
		case OPT_CERT: o.cert_file = optarg; break;
		case OPT_KEY: o.key_file = optarg; break;
		case OPT_SNI: o.sni = optarg; break;
		case OPT_NO_SNI: o.no_sni = true; break;
		case OPT_EXPECT_NAME: o.expect_name = optarg; break;
		case OPT_EXPECT_ID: o.expect_id = optarg; break;
		case OPT_PRIORITY: o.priority = optarg; break;
		case OPT_ALPN: o.alpn = optarg; break;
		case OPT_KEYLOG: o.keylog_file = optarg; break;
		case OPT_NO_SIDEBAND: o.no_sideband = true; break;
		case OPT_NOW:
			if ((rc = cli_parse_now("client", optarg, &o.now)) != 0)
				return rc;
			break;
		case '4': o.family = 4; break;
		case '6': o.family = 6; break;
		case 'v': common.verbose = true; break;
		case OPT_NO_COLOR: common.no_color = true; break;
		case OPT_HELP: fputs(usage_text, stdout); return 0;
		case OPT_STARTTLS:
		case OPT_CAPTURE:
		case OPT_PCAP_OUT:
			return cli_fail("client", 2, "--%s is not available in "
					"this version of tlsprobe yet",
					c == OPT_STARTTLS ? "starttls"
					: c == OPT_CAPTURE ? "capture"
							   : "pcap-out");
		case ':':
			return cli_fail("client", 2, "option '%s' needs a value",
					argv[optind - 1]);
		default:
			return cli_fail("client", 2, "unknown option '%s' (see "
					"tlsprobe client --help)",
					argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_fail("client", 2, "no target: expected HOST[:PORT]");
	if (optind + 1 < argc)
		return cli_fail("client", 2, "one target only: unexpected '%s'",
				argv[optind + 1]);
	if (o.sni != NULL && o.no_sni)
		return cli_fail("client", 2, "--sni and --no-sni exclude each "
				"other");
	if (tp_addr_parse(argv[optind], 443, &host, &o.port, &err) < 0)
		return cli_error("client", &err);
	o.host = host;
	if (!common.json && isatty(STDERR_FILENO))
		o.progress = show_progress;
	r = tp_report_new("client");
	if (r == NULL) {
		free(host);
		return cli_fail("client", 3, "out of memory");
	}
	if (tp_client_run(&o, r, &err) < 0) {
		tp_report_free(r);
		free(host);
		return cli_error("client", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	free(host);
	return rc;
}
