/* Shared pieces of the thin mains. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "starttls.h"

/*
 * Messages name files, hosts and options as the user gave them, and
 * quote what a server or a file said: the one line is sanitised as a
 * whole, so that a file name holding an escape sequence cannot write to
 * the terminal.
 */
int cli_fail(const char *sub, int code, const char *fmt, ...)
{
	char *raw = NULL, *clean = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n >= 0)
		clean = tp_sanitize(raw, (size_t)n);
	fprintf(stderr, "tlsprobe %s: %s\n", sub,
		clean != NULL ? clean : "out of memory writing an error");
	free(raw);
	free(clean);
	return code;
}

int cli_error(const char *sub, const struct tp_error *err)
{
	int code = err->kind == TP_ERR_USAGE ? 2 : 3;

	/* whatever went wrong after an allocation failed may be no more
	 * than its consequence: say what is known for certain */
	if (cli_out_of_memory()) {
		if (strstr(err->message, "memory") == NULL)
			return cli_fail(sub, 3, "out of memory");
		code = 3;
	}
	/* the library sanitised its message already: printed as it is */
	fprintf(stderr, "tlsprobe %s: %s\n", sub,
		err->message[0] ? err->message : "unknown failure");
	return code;
}

void cli_name_option(const char *key, char *out, size_t size)
{
	/* the operands the library names: words, not flags */
	static const char *const operands[] = {"target", "file"};
	size_t i;

	for (i = 0; i < sizeof(operands) / sizeof(operands[0]); i++)
		if (strcmp(key, operands[i]) == 0) {
			snprintf(out, size, "%s", key);
			return;
		}
	snprintf(out, size, "--%s", key);
}

bool cli_out_of_memory(void)
{
	return tp_alloc_failures() != 0;
}

int cli_parse_seconds(const char *sub, const char *flag, const char *arg,
		      double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) ||
	    v <= 0 || v > TP_MAX_TIMEOUT_S)
		return cli_fail(sub, 2, "%s '%s': expected seconds between 0 "
				"and %d (decimal allowed)", flag, arg,
				TP_MAX_TIMEOUT_S);
	*out = v;
	return 0;
}

int cli_parse_timeout(const char *sub, const char *arg, double *out)
{
	return cli_parse_seconds(sub, "--timeout", arg, out);
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

/* The flag of the one run a main makes, set before any signal can
 * arrive and never changed after. */
static volatile sig_atomic_t *stop_flag;

static void on_stop_signal(int sig)
{
	(void)sig;
	*stop_flag = 1;
}

void cli_on_stop(volatile sig_atomic_t *stop, bool restart)
{
	struct sigaction sa;

	stop_flag = stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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
	if (cli_out_of_memory()) {
		free(out);
		return cli_fail(r->command, 3, "out of memory");
	}
	fputs(out, stdout);
	if (c->json)
		fputc('\n', stdout);
	free(out);
	if (fflush(stdout) != 0)
		return cli_fail(r->command, 3, "cannot write the report: %s",
				strerror(errno));
	return tp_report_exit_status(r);
}

/*
 * A name given by an option (--sni, --expect-name) is checked before
 * anything runs, as the target is: what goes on is its A-label form, in
 * a buffer of that option's own that lives, as argv does, until the
 * main returns.
 */
static int host_option(const char *sub, const char *key, const char *arg,
		       char ascii[TP_ADDR_NAME_SIZE], const char **out)
{
	struct tp_error err = {0};

	if (tp_addr_check_name(key, arg, ascii, &err) < 0)
		return cli_error(sub, &err);
	*out = ascii;
	return 0;
}

static char sni_ascii[TP_ADDR_NAME_SIZE];
static char expect_name_ascii[TP_ADDR_NAME_SIZE];

/* ---- passwords ---- */

static struct {
	char value[TP_PASSWORD_MAX];
	bool known;     /* from --password-file, --password-env or typed */
	bool given;     /* by an option: never asked for */
} password;

/* The first line of text, without its end, into password.value. */
static int password_take(const char *sub, const char *what, const char *text,
			 size_t len)
{
	size_t end = strcspn(text, "\r\n");

	if (end > len)
		end = len;
	if (end >= sizeof(password.value))
		return cli_fail(sub, 2, "%s: the password is longer than %zu "
				"bytes", what, sizeof(password.value) - 1);
	memcpy(password.value, text, end);
	password.value[end] = '\0';
	password.known = password.given = true;
	return 0;
}

int cli_password_option(const char *sub, int opt, const char *arg)
{
	char buf[TP_PASSWORD_MAX + 2], what[64];
	const char *env;
	size_t len;
	FILE *f;
	int rc;

	if (opt == OPT_PASSWORD_ENV) {
		env = getenv(arg);
		snprintf(what, sizeof(what), "--password-env %.40s", arg);
		if (env == NULL)
			return cli_fail(sub, 2, "%s: no such variable in the "
					"environment", what);
		return password_take(sub, what, env, strlen(env));
	}
	f = fopen(arg, "rb");
	if (f == NULL)
		return cli_fail(sub, 2, "--password-file %s: cannot read: %s",
				arg, strerror(errno));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		fclose(f);
		return cli_fail(sub, 2, "--password-file %s: cannot read: %s",
				arg, strerror(errno));
	}
	fclose(f);
	buf[len] = '\0';
	snprintf(what, sizeof(what), "--password-file %.40s", arg);
	rc = password_take(sub, what, buf, len);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* Reads a line from the terminal with echo off; -1 when there is none. */
static int password_prompt(const char *path, char *buf, size_t size)
{
	struct termios old, quiet;
	char *clean;
	int fd, echo_off;
	ssize_t n;
	size_t len = 0;

	/* a prompt only for a person at a terminal: never for a script,
	 * whose stdin is a file or a pipe, and which would hang */
	if (isatty(STDIN_FILENO) != 1)
		return -1;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	clean = tp_sanitize(path, strlen(path));
	dprintf(fd, "Password for %s: ", clean != NULL ? clean : "the file");
	free(clean);
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	while (len + 1 < size) {
		n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	return 0;
}

static int password_get(void *arg, const char *path, char *buf, size_t size)
{
	(void)arg;
	/* asked once a run: a PKCS#12 file given as both --cert and --key
	 * is opened twice */
	if (!password.known) {
		if (password_prompt(path, password.value,
				    sizeof(password.value)) < 0)
			return -1;
		password.known = true;
	}
	snprintf(buf, size, "%s", password.value);
	return 0;
}

const struct tp_password cli_password_source = {password_get, NULL};

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

/* --proxy and --no-proxy, as given */
static struct tp_proxy proxy_given;
static bool proxy_set, proxy_env_off;

int cli_proxy_option(const char *sub, int opt, const char *arg)
{
	struct tp_error err = {0};

	if (opt == OPT_NO_PROXY) {
		proxy_env_off = true;
		return 0;
	}
	if (opt != OPT_PROXY)
		return -1;
	if (tp_proxy_parse(arg, &proxy_given, &err) < 0)
		return cli_error(sub, &err);
	proxy_set = true;
	return 0;
}

int cli_proxy_setup(const char *sub, const struct tp_proxy **proxy,
		    const char **no_proxy)
{
	static struct tp_proxy from_env;
	struct tp_error err = {0};
	int found;

	*proxy = proxy_set ? &proxy_given : NULL;
	*no_proxy = NULL;
	if (proxy_env_off)
		return 0;
	/* curl applies no_proxy to a proxy from either place */
	*no_proxy = tp_proxy_env_no_proxy();
	if (proxy_set)
		return 0;
	found = tp_proxy_from_env(&from_env, &err);
	if (found < 0)
		return cli_error(sub, &err);
	if (found > 0)
		*proxy = &from_env;
	return 0;
}

bool cli_client_option(const char *sub, int opt, const char *arg,
		       struct tp_client_opts *o, struct cli_common *c,
		       int *rc)
{
	*rc = 0;
	switch (opt) {
	case OPT_PROXY:
	case OPT_NO_PROXY:
		*rc = cli_proxy_option(sub, opt, arg);
		break;
	case OPT_JSON: c->json = true; break;
	case OPT_TIMEOUT: *rc = cli_parse_timeout(sub, arg, &o->timeout_s); break;
	case OPT_CA: o->ca_file = arg; break;
	case OPT_CERT: o->cert_file = arg; break;
	case OPT_KEY: o->key_file = arg; break;
	case OPT_SNI:
		*rc = host_option(sub, "sni", arg, sni_ascii, &o->sni);
		break;
	case OPT_NO_SNI: o->no_sni = true; break;
	case OPT_EXPECT_NAME:
		*rc = host_option(sub, "expect-name", arg, expect_name_ascii,
				  &o->expect_name);
		break;
	case OPT_EXPECT_ID: o->expect_id = arg; break;
	case OPT_PRIORITY: o->priority = arg; break;
	case OPT_ALPN: o->alpn = arg; break;
	case OPT_KEYLOG: o->keylog_file = arg; break;
	case OPT_NO_SIDEBAND: o->no_sideband = true; break;
	case OPT_PAIRED: o->paired = true; break;
	case OPT_CAPTURE: o->capture = true; break;
	case OPT_PCAP_OUT: o->pcap_out = arg; o->capture = true; break;
	case OPT_USER: o->user = arg; break;
	case OPT_STARTTLS: *rc = parse_starttls(sub, arg, &o->starttls); break;
	case OPT_NOW: *rc = cli_parse_now(sub, arg, &o->now); break;
	case OPT_OFFLINE: o->offline = true; break;
	case OPT_PASSWORD_FILE:
	case OPT_PASSWORD_ENV:
		*rc = cli_password_option(sub, opt, arg);
		o->password = &cli_password_source;
		break;
	case '4': o->family = 4; break;
	case '6': o->family = 6; break;
	case 'v': c->verbose = true; break;
	case OPT_NO_COLOR: c->no_color = true; break;
	default: return false;
	}
	return true;
}

int cli_parse_number(const char *sub, const char *flag, const char *arg,
		     unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] < '0' ||
	    arg[0] > '9' || v < min || v > max)
		return cli_fail(sub, 2, "%s: '%s' is not a whole number "
				"from %lu to %lu", flag, arg, min, max);
	*out = v;
	return 0;
}

/* cli_parse_number into an unsigned. */
static int parse_count(const char *sub, const char *flag, const char *arg,
		       unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;

	if (cli_parse_number(sub, flag, arg, min, max, &v) != 0)
		return 2;
	*out = (unsigned)v;
	return 0;
}

/* Whether a value is nothing but spaces (or nothing at all). */
static bool blank(const char *value)
{
	for (; *value != '\0'; value++)
		if (!isspace((unsigned char)*value))
			return false;
	return true;
}

int cli_options(const char *sub, int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *usage,
		int (*apply)(int opt, const char *arg, void *ctx), void *ctx)
{
	int c, rc, at;

	opterr = 0;
	while ((at = -1, c = getopt_long(argc, argv, shortopts, longopts,
					 &at)) != -1) {
		/* -h is help in every command, whatever its short options */
		if ((c == OPT_HELP || (c == '?' && optopt == 'h')) &&
		    usage != NULL) {
			fputs(usage, stdout);
			return 0;
		}
		if (c == ':')
			return cli_fail(sub, 2, "option '%s' needs a value",
					argv[optind - 1]);
		/*
		 * An empty value is never "none" or "the default": a CI job
		 * fed an empty variable would test nothing and pass. Every
		 * option with a value says what to use in words of its own.
		 */
		if (optarg != NULL && blank(optarg))
			return cli_fail(sub, 2, "%s%s '%s': empty value; give "
					"one or leave the option out (see "
					"tlsprobe %s --help)",
					at >= 0 ? "--" : "-",
					at >= 0 ? longopts[at].name
					: (char[2]){(char)c, '\0'},
					optarg, sub);
		rc = apply(c, optarg, ctx);
		if (rc < 0)
			return cli_fail(sub, 2, "unknown option '%s' (see "
					"tlsprobe %s --help)",
					argv[optind - 1], sub);
		if (rc > 0)
			return rc;
	}
	return -1;
}

int cli_ciphers_option(const char *sub, int opt, const char *arg,
		       struct tp_ciphers_opts *o, struct cli_common *c)
{
	enum tp_starttls proto;
	unsigned n;

	switch (opt) {
	case OPT_PROXY:
	case OPT_NO_PROXY:
		return cli_proxy_option(sub, opt, arg);
	case OPT_JSON: c->json = true; c->format = CLI_FORMAT_JSON; return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			c->format = CLI_FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			c->format = CLI_FORMAT_JSON;
		else if (strcmp(arg, "nmap") == 0)
			c->format = CLI_FORMAT_NMAP;
		else
			return cli_fail(sub, 2, "--format: unknown format "
					"'%s' (text, json or nmap)", arg);
		c->json = c->format == CLI_FORMAT_JSON;
		return 0;
	case OPT_POLICY: o->policy = arg; return 0;
	case OPT_PROTOCOLS: o->protocols = arg; return 0;
	case OPT_STARTTLS:
		if (tp_starttls_parse(arg, &proto) < 0)
			return cli_fail(sub, 2, "--starttls: unknown "
					"protocol '%s' (smtp, imap, pop3, ftp, "
					"xmpp, postgres or ldap)", arg);
		o->starttls = (int)proto;
		return 0;
	case OPT_SNI:
		return host_option(sub, "sni", arg, sni_ascii, &o->sni);
	case OPT_NO_SNI: o->no_sni = true; return 0;
	case OPT_CONCURRENCY:
		return parse_count(sub, "--concurrency", arg, 1, 32,
				   &o->concurrency);
	case OPT_DELAY:
		if (parse_count(sub, "--delay", arg, 0, 600000, &n) != 0)
			return 2;
		o->delay_ms = n;
		return 0;
	case OPT_BUDGET:
		return parse_count(sub, "--budget", arg, 1, 100000,
				   &o->budget);
	case OPT_TIMEOUT: return cli_parse_timeout(sub, arg,
						   &o->timeout_s);
	case OPT_MAX_TIME:
		return cli_parse_seconds(sub, "--max-time", arg,
					 &o->max_time_s);
	case OPT_NO_COLOR: c->no_color = true; return 0;
	case '4': o->family = 4; return 0;
	case '6': o->family = 6; return 0;
	case OPT_CA:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_EXPECT_NAME:
	case OPT_EXPECT_ID:
	case OPT_PRIORITY:
	case OPT_KEYLOG:
		return cli_fail(sub, 2, "this option does not apply to "
				"tlsprobe %s, which lists what the port "
				"accepts without completing a handshake: use "
				"tlsprobe client to check certificates and "
				"priorities", sub);
	case OPT_CAPTURE: o->capture = true; return 0;
	case OPT_PCAP_OUT: o->pcap_out = arg; o->capture = true; return 0;
	case OPT_USER: o->user = arg; return 0;
	default:
		return -1;
	}
}

/* Parses a --count value: connections, 1 or more. */
static int parse_server_count(const char *sub, const char *arg,
			      unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || v < 1 ||
	    v > 1000000000UL)
		return cli_fail(sub, 2, "--count '%s': expected a number "
				"of connections, 1 or more", arg);
	*out = (unsigned)v;
	return 0;
}

bool cli_server_option(const char *sub, int opt, const char *arg,
		       struct tp_server_opts *o, struct cli_common *c,
		       int *rc)
{
	*rc = 0;
	switch (opt) {
	case OPT_LISTEN: o->listen = arg; break;
	case OPT_CERT: o->cert_file = arg; break;
	case OPT_KEY: o->key_file = arg; break;
	case OPT_CA: o->ca_file = arg; break;
	case OPT_REQUIRE_CLIENT_CERT: o->require_client_cert = true; break;
	case OPT_EXPECT_ID: o->expect_id = arg; break;
	case OPT_PRIORITY: o->priority = arg; break;
	case OPT_KEYLOG: o->keylog_file = arg; break;
	case OPT_TIMEOUT: *rc = cli_parse_timeout(sub, arg, &o->timeout_s); break;
	case OPT_ONCE: c->once = true; break;
	case OPT_COUNT:
		*rc = parse_server_count(sub, arg, &o->count);
		c->count_given = true;
		break;
	case OPT_JSON: c->json = true; break;
	case OPT_NOW: *rc = cli_parse_now(sub, arg, &o->now); break;
	case OPT_CAPTURE: o->capture = true; break;
	case OPT_PCAP_OUT: o->pcap_out = arg; o->capture = true; break;
	case OPT_USER: o->user = arg; break;
	case 'v': c->verbose = true; break;
	case OPT_NO_COLOR: c->no_color = true; break;
	case OPT_PASSWORD_FILE:
	case OPT_PASSWORD_ENV:
		*rc = cli_password_option(sub, opt, arg);
		o->password = &cli_password_source;
		break;
	/* the contract's common options that only a client can act on */
	case OPT_SNI:
		*rc = cli_fail(sub, 2, "--sni is the name a client sends; the "
			       "server reports the name each client sent");
		break;
	case OPT_EXPECT_NAME:
		*rc = cli_fail(sub, 2, "--expect-name checks a server's name; "
			       "a client certificate is checked by its CN: "
			       "use --expect-id");
		break;
	case OPT_STARTTLS:
		*rc = cli_fail(sub, 2, "--starttls: the server speaks TLS "
			       "from the first byte; test a STARTTLS server "
			       "with tlsprobe client --starttls");
		break;
	default: return false;
	}
	return true;
}

int cli_peer_option(const char *sub, int opt, const char *arg,
		    struct tp_peer_opts *o, struct cli_common *c)
{
	unsigned long n;
	int rc;

	if (opt == OPT_STARTTLS)
		return cli_fail(sub, 2, "--starttls: both nodes' tlsprobe speak "
				"TLS from the first byte; test a STARTTLS "
				"server with tlsprobe client --starttls");
	if (opt == OPT_PROXY || opt == OPT_NO_PROXY)
		return cli_fail(sub, 2, "--proxy: the two nodes of peer dial "
				"each other directly; test a proxy with "
				"tlsprobe client --proxy");
	if (cli_client_option(sub, opt, arg, &o->client, c, &rc))
		return rc;
	switch (opt) {
	case OPT_LISTEN: o->listen = arg; return 0;
	case OPT_CONNECT: o->connect = arg; return 0;
	case OPT_WAIT: return cli_parse_seconds(sub, "--wait", arg, &o->wait_s);
	case OPT_REQUIRE_CLIENT_CERT: o->require_client_cert = true; return 0;
	/* one exchange with one node: --once and --count are implied */
	case OPT_ONCE: return 0;
	case OPT_COUNT:
		return cli_parse_number(sub, "--count", arg, 1, 1000000000UL,
					&n);
	default: return -1;
	}
}

int cli_cert_option(const char *sub, int opt, const char *arg,
		    struct tp_cert_opts *o, struct cli_common *c)
{
	switch (opt) {
	case OPT_CERT: o->cert_file = arg; return 0;
	case OPT_KEY: o->key_file = arg; return 0;
	case OPT_CA: o->ca_file = arg; return 0;
	case OPT_EXPECT_NAME:
		return host_option(sub, "expect-name", arg,
				   expect_name_ascii, &o->expect_name);
	case OPT_EXPECT_ID: o->expect_id = arg; return 0;
	case OPT_JSON: c->json = true; return 0;
	case OPT_NO_COLOR: c->no_color = true; return 0;
	case OPT_PURPOSE:
		if (strcmp(arg, "server") == 0)
			o->purpose = TP_PURPOSE_SERVER;
		else if (strcmp(arg, "client") == 0)
			o->purpose = TP_PURPOSE_CLIENT;
		else
			return cli_fail(sub, 2, "--purpose '%s': expected "
					"server or client", arg);
		return 0;
	case OPT_NOW: return cli_parse_now(sub, arg, &o->now);
	case OPT_PASSWORD_FILE:
	case OPT_PASSWORD_ENV:
		o->password = &cli_password_source;
		return cli_password_option(sub, opt, arg);
	default: return -1;
	}
}

int cli_pcap_option(const char *sub, int opt, const char *arg,
		    struct tp_pcap_opts *o, struct cli_common *c)
{
	unsigned long n;
	char *end;

	switch (opt) {
	case OPT_JSON: c->json = true; return 0;
	case OPT_NO_COLOR: c->no_color = true; return 0;
	case OPT_LIVE: o->live = arg; return 0;
	case OPT_SECONDS:
		errno = 0;
		o->live_seconds = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' ||
		    !isfinite(o->live_seconds) || o->live_seconds <= 0 ||
		    o->live_seconds > 86400)
			return cli_fail(sub, 2, "--seconds '%s': expected "
					"seconds between 0 and 86400 (decimal "
					"allowed)", arg);
		return 0;
	case OPT_HOST: o->host = arg; return 0;
	case OPT_PORT:
		if (cli_parse_number(sub, "--port", arg, 1, 65535, &n) != 0)
			return 2;
		o->port = (unsigned)n;
		return 0;
	case OPT_SNI: {
		struct tp_error err = {0};

		/* an international name matches the A-label a ClientHello
		 * carries; a name that cannot be one (a hostile client's)
		 * is still matched byte for byte */
		o->sni = tp_addr_check_name("sni", arg, sni_ascii, &err) == 0
			 ? sni_ascii : arg;
		return 0;
	}
	case OPT_KEYLOG: o->keylog_file = arg; return 0;
	case OPT_MAX_FLOWS:
		if (cli_parse_number(sub, "--max-flows", arg, 1, 1UL << 24,
				     &n) != 0)
			return 2;
		o->max_flows = n;
		return 0;
	default:
		return -1;
	}
}
