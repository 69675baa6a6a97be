/* Shared pieces of the thin mains: output, colour, exit codes. */
#ifndef TP_CLI_H
#define TP_CLI_H

#include <getopt.h>

#include "tlsprobe.h"

/* What ciphers --format asks for. */
enum cli_format { CLI_FORMAT_TEXT, CLI_FORMAT_JSON, CLI_FORMAT_NMAP };

/* Options every probe understands (CONTRACT.md). */
struct cli_common {
	bool json;
	bool no_color;
	bool verbose;
	double timeout_s;
	bool once;         /* server: --once */
	bool count_given;  /* server: --count */
	enum cli_format format;  /* ciphers: --format */
};

/* getopt_long ids for the long-only options, shared by the mains. */
enum {
	OPT_JSON = 256, OPT_TIMEOUT, OPT_CA, OPT_CERT, OPT_KEY, OPT_SNI,
	OPT_NO_SNI, OPT_EXPECT_NAME, OPT_EXPECT_ID, OPT_PRIORITY,
	OPT_STARTTLS, OPT_CAPTURE, OPT_PCAP_OUT, OPT_KEYLOG, OPT_NO_COLOR,
	OPT_ALPN, OPT_PURPOSE, OPT_NOW, OPT_VERBOSE, OPT_HELP, OPT_VERSION,
	OPT_IPV4, OPT_IPV6, OPT_NO_SIDEBAND, OPT_USER, OPT_PASSWORD_FILE,
	OPT_PASSWORD_ENV, OPT_PAIRED, OPT_PROXY, OPT_NO_PROXY,
	/* server and peer */
	OPT_LISTEN = 512, OPT_ONCE, OPT_COUNT, OPT_REQUIRE_CLIENT_CERT,
	/* ciphers */
	OPT_FORMAT, OPT_POLICY, OPT_PROTOCOLS, OPT_CONCURRENCY, OPT_DELAY,
	OPT_BUDGET, OPT_MAX_TIME,
	/* audit */
	OPT_OFFLINE, OPT_CHECKS,
	/* peer */
	OPT_CONNECT, OPT_WAIT,
	/* pcap */
	OPT_LIVE, OPT_SECONDS, OPT_HOST, OPT_PORT, OPT_MAX_FLOWS,
	/* many targets (--targets) */
	OPT_TARGETS = 1024, OPT_ADDRESSES, OPT_RATE, OPT_PER_HOST, OPT_SHARD,
	OPT_OUT, OPT_RESUME,
	/* summary */
	OPT_HTML = 2048, OPT_DAYS, OPT_BASELINE,
};

/* The command line's words for an option the library names by its key
 * (tp_error_set_namer): "--cert" for "cert", "target" for the operand. */
void cli_name_option(const char *key, char *out, size_t size);

/*
 * The option loop of a main: getopt_long over argv with longopts (opterr
 * off). With usage, --help (OPT_HELP) prints it and ends with 0; a
 * missing value or an option apply() does not take ends with 2 and one
 * line naming it. apply() returns 0 when it took the option, -1 when it
 * is none of this command's, else the exit code to end with. Returns -1
 * when every option was taken (optind is then at the operands), else the
 * exit code the main returns.
 */
int cli_options(const char *sub, int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *usage,
		int (*apply)(int opt, const char *arg, void *ctx), void *ctx);

/* A whole number from min to max for flag; 2 with one line when not. */
int cli_parse_number(const char *sub, const char *flag, const char *arg,
		     unsigned long min, unsigned long max, unsigned long *out);

/*
 * The password of a PKCS#12 file or an encrypted key: from a file or
 * the environment, else asked on the terminal when one is needed. Never
 * from the command line, where every user of the machine can read it.
 */
#define CLI_PASSWORD_LONGOPTS \
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE}, \
	{"password-env", required_argument, NULL, OPT_PASSWORD_ENV}

#define CLI_PASSWORD_USAGE \
	"  --password-file FILE\n" \
	"                      the password of a PKCS#12 file or an encrypted\n" \
	"                      key: FILE's first line\n" \
	"  --password-env VAR  the same, from the environment variable VAR\n" \
	"                      (without either: asked on a terminal)\n"

/* The password source the mains hand the library. */
extern const struct tp_password cli_password_source;
/* Takes --password-file or --password-env (0), or ends with 2 and one
 * line naming the file or variable. */
int cli_password_option(const char *sub, int opt, const char *arg);

/* Probes through a proxy: client, ciphers and audit. */
#define CLI_PROXY_LONGOPTS \
	{"proxy", required_argument, NULL, OPT_PROXY}, \
	{"no-proxy", no_argument, NULL, OPT_NO_PROXY}

#define CLI_PROXY_USAGE \
	"  --proxy URL         through a proxy: http://[USER:PASS@]HOST[:PORT]\n" \
	"                      (CONNECT), socks4://, socks4a://, socks5://,\n" \
	"                      socks5h:// (default port 1080); default: the\n" \
	"                      environment's https_proxy or all_proxy, except\n" \
	"                      for the hosts of no_proxy, as curl reads them\n" \
	"  --no-proxy          ignore the proxy variables of the environment\n"

/* Takes --proxy (parsed now: a bad URL ends with 2 and one line naming
 * --proxy) or --no-proxy: 0, else the exit code; -1 when opt is neither. */
int cli_proxy_option(const char *sub, int opt, const char *arg);
/*
 * Once the options are read: the proxy (--proxy's, else the
 * environment's unless --no-proxy) and the no_proxy list into *proxy
 * and *no_proxy. 0, or 2 with one line when the environment's URL is
 * unusable.
 */
int cli_proxy_setup(const char *sub, const struct tp_proxy **proxy,
		    const char **no_proxy);

/* The long options of the client role, shared by client and peer. */
#define CLI_CLIENT_LONGOPTS \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"timeout", required_argument, NULL, OPT_TIMEOUT}, \
	{"ca", required_argument, NULL, OPT_CA}, \
	{"cert", required_argument, NULL, OPT_CERT}, \
	{"key", required_argument, NULL, OPT_KEY}, \
	{"sni", required_argument, NULL, OPT_SNI}, \
	{"no-sni", no_argument, NULL, OPT_NO_SNI}, \
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME}, \
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID}, \
	{"priority", required_argument, NULL, OPT_PRIORITY}, \
	{"alpn", required_argument, NULL, OPT_ALPN}, \
	{"keylog", required_argument, NULL, OPT_KEYLOG}, \
	{"no-sideband", no_argument, NULL, OPT_NO_SIDEBAND}, \
	{"paired", no_argument, NULL, OPT_PAIRED}, \
	{"capture", no_argument, NULL, OPT_CAPTURE}, \
	{"pcap-out", required_argument, NULL, OPT_PCAP_OUT}, \
	{"user", required_argument, NULL, OPT_USER}, \
	{"now", required_argument, NULL, OPT_NOW}, \
	{"offline", no_argument, NULL, OPT_OFFLINE}, \
	{"verbose", no_argument, NULL, 'v'}, \
	{"no-color", no_argument, NULL, OPT_NO_COLOR}, \
	CLI_PROXY_LONGOPTS, \
	CLI_PASSWORD_LONGOPTS

/*
 * Applies one of CLI_CLIENT_LONGOPTS (or -4, -6, -v) to o and c. Returns
 * false when opt is none of them; otherwise true, with *rc the exit code
 * of a bad value (0 when it was fine).
 */
bool cli_client_option(const char *sub, int opt, const char *arg,
		       struct tp_client_opts *o, struct cli_common *c,
		       int *rc);

/* The long options of the server role (tlsprobe server). */
#define CLI_SERVER_LONGOPTS \
	{"listen", required_argument, NULL, OPT_LISTEN}, \
	{"cert", required_argument, NULL, OPT_CERT}, \
	{"key", required_argument, NULL, OPT_KEY}, \
	{"ca", required_argument, NULL, OPT_CA}, \
	{"require-client-cert", no_argument, NULL, OPT_REQUIRE_CLIENT_CERT}, \
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID}, \
	{"priority", required_argument, NULL, OPT_PRIORITY}, \
	{"keylog", required_argument, NULL, OPT_KEYLOG}, \
	{"timeout", required_argument, NULL, OPT_TIMEOUT}, \
	{"once", no_argument, NULL, OPT_ONCE}, \
	{"count", required_argument, NULL, OPT_COUNT}, \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"now", required_argument, NULL, OPT_NOW}, \
	{"capture", no_argument, NULL, OPT_CAPTURE}, \
	{"pcap-out", required_argument, NULL, OPT_PCAP_OUT}, \
	{"user", required_argument, NULL, OPT_USER}, \
	{"verbose", no_argument, NULL, 'v'}, \
	{"no-color", no_argument, NULL, OPT_NO_COLOR}, \
	{"sni", required_argument, NULL, OPT_SNI}, \
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME}, \
	{"starttls", required_argument, NULL, OPT_STARTTLS}, \
	CLI_PASSWORD_LONGOPTS

/* As cli_client_option, for CLI_SERVER_LONGOPTS (and -v). */
bool cli_server_option(const char *sub, int opt, const char *arg,
		       struct tp_server_opts *o, struct cli_common *c,
		       int *rc);

/* The long options of the cipher audit (tlsprobe ciphers). */
#define CLI_CIPHERS_LONGOPTS \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"format", required_argument, NULL, OPT_FORMAT}, \
	{"policy", required_argument, NULL, OPT_POLICY}, \
	{"protocols", required_argument, NULL, OPT_PROTOCOLS}, \
	{"starttls", required_argument, NULL, OPT_STARTTLS}, \
	{"sni", required_argument, NULL, OPT_SNI}, \
	{"no-sni", no_argument, NULL, OPT_NO_SNI}, \
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY}, \
	{"delay", required_argument, NULL, OPT_DELAY}, \
	{"budget", required_argument, NULL, OPT_BUDGET}, \
	{"max-time", required_argument, NULL, OPT_MAX_TIME}, \
	{"timeout", required_argument, NULL, OPT_TIMEOUT}, \
	{"no-color", no_argument, NULL, OPT_NO_COLOR}, \
	{"ca", required_argument, NULL, OPT_CA}, \
	{"cert", required_argument, NULL, OPT_CERT}, \
	{"key", required_argument, NULL, OPT_KEY}, \
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME}, \
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID}, \
	{"priority", required_argument, NULL, OPT_PRIORITY}, \
	{"keylog", required_argument, NULL, OPT_KEYLOG}, \
	{"capture", no_argument, NULL, OPT_CAPTURE}, \
	{"pcap-out", required_argument, NULL, OPT_PCAP_OUT}, \
	{"user", required_argument, NULL, OPT_USER}, \
	CLI_PROXY_LONGOPTS

/*
 * Applies one of CLI_CIPHERS_LONGOPTS (or -4, -6) to o and c. Returns -1
 * when opt is none of them, else the exit code of a bad value (0: fine).
 */
int cli_ciphers_option(const char *sub, int opt, const char *arg,
		       struct tp_ciphers_opts *o, struct cli_common *c);

/* Many targets in one run (--targets FILE, cli_fleet.c). */
struct cli_fleet {
	const char *targets;     /* --targets: NULL for one HOST */
	const char *given;       /* the first option of these given, for
				  * "needs --targets" */
	bool first_address;      /* --addresses first */
	unsigned concurrency;    /* 0: the default */
	double rate;             /* 0: no limit */
	unsigned per_host;       /* 0: the default */
	const char *shard;       /* "K/N" */
	const char *out;         /* --out FILE */
	bool resume;
};

#define CLI_FLEET_LONGOPTS \
	{"targets", required_argument, NULL, OPT_TARGETS}, \
	{"addresses", required_argument, NULL, OPT_ADDRESSES}, \
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY}, \
	{"rate", required_argument, NULL, OPT_RATE}, \
	{"per-host", required_argument, NULL, OPT_PER_HOST}, \
	{"shard", required_argument, NULL, OPT_SHARD}, \
	{"out", required_argument, NULL, OPT_OUT}, \
	{"resume", no_argument, NULL, OPT_RESUME}

#define CLI_FLEET_USAGE_HEAD \
	"many targets (instead of HOST; see \"Many targets\" in the manual):\n" \
	"  --targets FILE      one target a line (- for stdin), or nmap -oG/-oX\n" \
	"  --addresses all|first  every address of a name (default) or the first\n"
#define CLI_FLEET_USAGE_TAIL \
	"  --rate N            new connections a second over the run (default:\n" \
	"                      no limit)\n"
#define CLI_FLEET_USAGE_RUN \
	"  --shard K/N         only the targets of shard K of N\n" \
	"  --out FILE          append the records to FILE as JSON Lines\n" \
	"  --resume            skip what --out FILE holds already\n"
#define CLI_FLEET_USAGE \
	CLI_FLEET_USAGE_HEAD \
	"  --concurrency N     targets in flight at once (default 32)\n" \
	CLI_FLEET_USAGE_TAIL \
	"  --per-host N        probes in flight to one address (default 2)\n" \
	CLI_FLEET_USAGE_RUN

/* One of CLI_FLEET_LONGOPTS; returns as cli_ciphers_option does. */
int cli_fleet_option(const char *sub, int opt, const char *arg,
		     struct cli_fleet *fl);
/* The whole many-target run of client over fl->targets, o the options
 * every probe shares; returns the exit code. */
int cli_fleet_client(const char *sub, const struct cli_fleet *fl,
		     const struct tp_client_opts *o,
		     const struct cli_common *c);
/* The same with a cipher audit of each: o->concurrency is each audit's
 * connections at once (the caller's choice), fl->concurrency the
 * audits in flight. */
int cli_fleet_ciphers(const char *sub, const struct cli_fleet *fl,
		      const struct tp_ciphers_opts *o,
		      const struct cli_common *c);
/* The same with a whole audit of each (o->ciphers as above). */
int cli_fleet_audit(const char *sub, const struct cli_fleet *fl,
		    const struct tp_audit_opts *o, const struct cli_common *c);

/* Usage lines of --capture, --pcap-out and --user, for the mains. */
#define CLI_CAPTURE_USAGE \
	"  --capture           capture this run's packets (root or CAP_NET_RAW)\n" \
	"                      and add them to the report\n" \
	"  --pcap-out FILE     also write them to FILE (pcap; implies --capture)\n" \
	"  --user NAME         started as root: run as NAME once the capture\n" \
	"                      is open (default nobody)\n"

/* tlsprobe peer's own options; the client role's follow them. */
#define CLI_PEER_LONGOPTS \
	{"listen", required_argument, NULL, OPT_LISTEN}, \
	{"connect", required_argument, NULL, OPT_CONNECT}, \
	{"wait", required_argument, NULL, OPT_WAIT}, \
	{"require-client-cert", no_argument, NULL, OPT_REQUIRE_CLIENT_CERT}, \
	{"once", no_argument, NULL, OPT_ONCE}, \
	{"count", required_argument, NULL, OPT_COUNT}, \
	{"starttls", required_argument, NULL, OPT_STARTTLS}, \
	CLI_CLIENT_LONGOPTS

/* One of CLI_PEER_LONGOPTS; returns as cli_ciphers_option does. */
int cli_peer_option(const char *sub, int opt, const char *arg,
		    struct tp_peer_opts *o, struct cli_common *c);

/* The options of tlsprobe cert. */
#define CLI_CERT_LONGOPTS \
	{"cert", required_argument, NULL, OPT_CERT}, \
	{"key", required_argument, NULL, OPT_KEY}, \
	{"ca", required_argument, NULL, OPT_CA}, \
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME}, \
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID}, \
	{"purpose", required_argument, NULL, OPT_PURPOSE}, \
	{"now", required_argument, NULL, OPT_NOW}, \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"no-color", no_argument, NULL, OPT_NO_COLOR}, \
	CLI_PASSWORD_LONGOPTS

int cli_cert_option(const char *sub, int opt, const char *arg,
		    struct tp_cert_opts *o, struct cli_common *c);

/* The options of tlsprobe pcap. */
#define CLI_PCAP_LONGOPTS \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"live", required_argument, NULL, OPT_LIVE}, \
	{"seconds", required_argument, NULL, OPT_SECONDS}, \
	{"host", required_argument, NULL, OPT_HOST}, \
	{"port", required_argument, NULL, OPT_PORT}, \
	{"sni", required_argument, NULL, OPT_SNI}, \
	{"keylog", required_argument, NULL, OPT_KEYLOG}, \
	{"max-flows", required_argument, NULL, OPT_MAX_FLOWS}, \
	{"no-color", no_argument, NULL, OPT_NO_COLOR}

int cli_pcap_option(const char *sub, int opt, const char *arg,
		    struct tp_pcap_opts *o, struct cli_common *c);

/*
 * SIGINT and SIGTERM set *stop, which the library's runs watch, so that
 * a run ends with its report rather than dies without one. restart:
 * whether a system call the signal interrupts starts again (SA_RESTART)
 * or fails with EINTR at once, for a main whose waits must wake up.
 */
void cli_on_stop(volatile sig_atomic_t *stop, bool restart);

/* Prints "tlsprobe SUB: message" on stderr; returns the exit code. */
int cli_fail(const char *sub, int code, const char *fmt, ...) TP_PRINTF(3, 4);
/* Reports an error object as one line on stderr; returns its exit code. */
int cli_error(const char *sub, const struct tp_error *err);
/* Parses a value in seconds (decimal, > 0) for flag; 2 with one line
 * naming flag when it is not one. */
int cli_parse_seconds(const char *sub, const char *flag, const char *arg,
		      double *out);
/*
 * True once any allocation has failed in this process (src/alloc.h): a
 * report made since then may lack what could not be allocated, so the
 * main ends with exit 3 and "out of memory" instead of printing it.
 */
bool cli_out_of_memory(void);
/* Parses a --timeout value (seconds, decimal, > 0). */
int cli_parse_timeout(const char *sub, const char *arg, double *out);
/* Parses a --now value (RFC 3339 or seconds since the epoch), for tests. */
int cli_parse_now(const char *sub, const char *arg, time_t *out);
/* Renders the report as JSON or text on stdout; returns the exit code. */
int cli_emit(const struct tp_report *r, const struct cli_common *c);
/* True when text output should be coloured. */
bool cli_use_color(const struct cli_common *c);

int cmd_client(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_id(int argc, char **argv);
int cmd_codes(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_ciphers(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_pcap(int argc, char **argv);
int cmd_summary(int argc, char **argv);

#endif
