/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The public interface of libtlsprobe: the report model every probe fills
 * and every view renders, the error object, and the probe entry points.
 */
#ifndef TLSPROBE_H
#define TLSPROBE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define TP_VERSION "0.1.0"

#if defined(__GNUC__)
#define TP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TP_PRINTF(f, a)
#endif

/* ---- errors: why a call could not do its job ---- */

/* The kinds map one to one onto the exit codes of the contract. */
enum tp_error_kind {
	TP_ERR_NONE = 0,
	TP_ERR_USAGE = 2,   /* bad usage or unusable input */
	TP_ERR_RUNTIME = 3, /* could not run: bind, allocate, permission */
};

struct tp_error {
	enum tp_error_kind kind;
	char message[512];  /* one line naming the objects involved,
			     * sanitised: for screens */
	char raw[512];      /* the same unsanitised, cut at a whole
			     * character: only to pass on to a report's
			     * setters or tp_error_set, which sanitise it
			     * (the message would be escaped twice) */
	int sys_errno;      /* errno at the failure, 0 if none */
	int lib_status;     /* GnuTLS status at the failure, 0 if none */
	const char *where;  /* source file:line that set it */
	char option[32];    /* the stable key of the option or input at
			     * fault ("cert", "listen"), "" if none */
};

/*
 * A message names the option at fault by its key in braces, "{cert}
 * FILE and {key} FILE are required", or by "{}" for a key given at run
 * time (tp_error_set_for). The words come from the front end: the namer
 * it installed once, before any thread starts ("--cert" on the command
 * line, the field's label in the TUI); without one, the key itself. The
 * first key named is kept in err->option, so that a front end can point
 * at the field without reading words.
 */
typedef void (*tp_error_namer)(const char *key, char *out, size_t size);
void tp_error_set_namer(tp_error_namer namer);
/* The words for key, as the installed namer gives them. */
void tp_error_name(const char *key, char *out, size_t size);
/* Names key as the option at fault of an error set without naming one
 * (its words were built into the message beforehand). */
void tp_error_blame(struct tp_error *err, const char *key);

/* Records a failure; the first one wins, later calls are ignored. */
#define tp_error_set(err, kind, ...) \
	tp_error_set_at((err), (kind), __FILE__ ":" TP_STR(__LINE__), __VA_ARGS__)
#define TP_STR(x) TP_STR2(x)
#define TP_STR2(x) #x
void tp_error_set_at(struct tp_error *err, enum tp_error_kind kind,
		     const char *where, const char *fmt, ...) TP_PRINTF(4, 5);
/* The same, with key the option that "{}" in fmt names. */
#define tp_error_set_for(err, kind, key, ...) \
	tp_error_set_key_at((err), (kind), (key), \
			    __FILE__ ":" TP_STR(__LINE__), __VA_ARGS__)
void tp_error_set_key_at(struct tp_error *err, enum tp_error_kind kind,
			 const char *key, const char *where, const char *fmt,
			 ...) TP_PRINTF(5, 6);
void tp_error_clear(struct tp_error *err);

/* ---- findings ---- */

enum tp_severity { TP_SEV_INFO, TP_SEV_WARNING, TP_SEV_ERROR };
enum tp_side { TP_SIDE_CLIENT, TP_SIDE_SERVER, TP_SIDE_PATH, TP_SIDE_LOCAL };

enum tp_code {
#define TP_FINDING(code, sev, side, stage, when, fix) TP_##code,
#include "findings.def"
#undef TP_FINDING
	TP_CODE_COUNT
};

struct tp_code_info {
	const char *name;  /* "UNKNOWN_CA" */
	enum tp_severity severity;
	enum tp_side side;
	const char *stage;
	const char *when;
	const char *fix;
};

const struct tp_code_info *tp_code_info(enum tp_code code);
/* Looks a code up by its symbolic name; -1 if there is none. */
int tp_code_by_name(const char *name);
const char *tp_severity_name(enum tp_severity sev);
const char *tp_side_name(enum tp_side side);

struct tp_finding {
	enum tp_code code;
	enum tp_severity severity;
	enum tp_side side;
	char *summary;  /* one line: what is wrong, naming the objects */
	char *detail;   /* the evidence: how the probe knows */
	char *fix;      /* what to do */
};

/* ---- the report ---- */

enum tp_stage_status { TP_STAGE_SKIPPED, TP_STAGE_OK, TP_STAGE_FAIL };

struct tp_stage {
	char name[16];
	enum tp_stage_status status;
	double ms;
	char *detail;
	char *local;   /* tcp: our address:port */
	char *remote;  /* tcp: the peer's address:port */
};

/* One handshake message, as our side sent or received it. */
struct tp_message {
	double t_ms;    /* since the start of the tls stage */
	bool incoming;
	char name[40];  /* "ClientHello", "Alert(fatal, unknown_ca)" */
};

struct tp_session {
	bool present;
	char *version;
	char *cipher;   /* IANA name */
	char *group;
	char *signature;
	char *alpn;     /* NULL when none was negotiated */
	bool resumed;
};

struct tp_cert_info {
	int position;     /* 0 = leaf, as sent or as read from the file */
	char *subject;
	char *issuer;
	char sha256[65];
	/* SHA-256 of the SubjectPublicKeyInfo, "" when unknown: the same
	 * key under two certificates (a renewal that kept its key, one key
	 * copied to many hosts) */
	char key_sha256[65];
	char not_before[24];  /* RFC 3339, UTC */
	char not_after[24];
	char **san;           /* "DNS:name", "IP:addr", "email:…", "URI:…" */
	size_t n_san;
	char key[32];         /* "RSA-2048", "EC-SECP256R1", "Ed25519" */
	char *signature;      /* "RSA-SHA256" */
	bool is_ca;
	bool self_signed;
};

struct tp_target {
	char *host;           /* as resolved: a name in its A-label form */
	char *host_unicode;   /* the name in U-labels, when it has any */
	unsigned port;
	char *sni;            /* NULL when none is sent */
	char **addresses;
	size_t n_addresses;
	/* --targets: the target's line in the list, 0 when the target did
	 * not come from one (the single-target document has neither); the
	 * STARTTLS protocol of a listed target, "" none */
	unsigned long line;
	char starttls[12];
};

/* What a paired tlsprobe server reported through the side channel. */
struct tp_peer_report {
	char *unique_id;
	char *seen_from;       /* the address it saw us come from */
	char *server_local;    /* its own address and port */
	char **sent_sha256;    /* the chain it presents, leaf first */
	size_t n_sent;
	char **trusted_cas;
	size_t n_trusted;
	bool require_client_cert;
	bool has_account;      /* it saw our handshake */
	char *outcome;         /* its account: "established", "alert", … */
	char *alert_sent;
	char *reason;
	char **codes;
	size_t n_codes;
};

/*
 * The ClientHello a server probe received, as facts for the views. Fixed
 * sizes, so that a report never allocates for what a stranger offered;
 * strings are sanitised, lists keep their first entries.
 */
#define TP_CH_MAX_VERSIONS 8
#define TP_CH_MAX_SUITES 16
#define TP_CH_MAX_ALPN 8
#define TP_CH_MAX_GROUPS 16

struct tp_client_hello {
	bool present;
	char versions[TP_CH_MAX_VERSIONS][16];  /* "TLS1.3", or "0x7f1c" */
	size_t n_versions;
	unsigned n_suites;                  /* how many suites it offered */
	char suite_ids[TP_CH_MAX_SUITES][8];  /* the first ones: "0x1301" */
	size_t n_suite_ids;
	bool has_sni;
	char sni[256];
	char alpn[TP_CH_MAX_ALPN][64];
	size_t n_alpn;
	char groups[TP_CH_MAX_GROUPS][24];  /* "x25519", or "0x11ec" */
	size_t n_groups;
	char key_shares[TP_CH_MAX_GROUPS][24];
	size_t n_key_shares;
};


/*
 * The cipher audit's results (ciphers). Lists of registry ids; the views
 * look names up in the registry.
 */
struct tp_scan_suite {
	uint16_t id;
	char grade;            /* 'A' … 'F' */
	char kx[32];           /* what the handshake showed: "x25519",
				* "DH 2048", "" when not seen */
	unsigned dh_bits;      /* the DH prime seen, 0 if none */
	uint16_t group;        /* the ECDHE group seen, 0 if none */
};

enum tp_preference {
	TP_PREF_INDETERMINATE,  /* fewer than two suites, or inconsistent */
	TP_PREF_SERVER,
	TP_PREF_CLIENT,
};

struct tp_scan_protocol {
	uint16_t version;      /* 0x0303 */
	bool tested;           /* false: left out by --protocols */
	bool accepted;
	bool incomplete;       /* some probes got no answer */
	enum tp_preference preference;
	struct tp_scan_suite *suites;  /* server order when it has one */
	size_t n_suites;
	uint16_t *groups;      /* server order when it has one */
	size_t n_groups;
	enum tp_preference group_preference;  /* indeterminate: fewer than
					       * two groups, or no answer */
	uint16_t *sig_algs;    /* accepted signature algorithms */
	size_t n_sig_algs;
	char grade;            /* worst suite; 0 when none accepted */
};

struct tp_scan {
	struct tp_scan_protocol protocols[5];  /* SSL3.0 … TLS1.3 */
	size_t n_protocols;
	char grade;            /* overall, '\0' when nothing was accepted */
	char **grade_reasons;  /* "capped at B: TLS 1.0 accepted", … */
	size_t n_grade_reasons;
	char cert_key[32];     /* leaf key as the server sent it: "RSA-2048" */
	unsigned min_dh_bits;  /* smallest DH prime seen, 0 if none */
	unsigned connections;  /* all, the first contact included */
	unsigned suite_connections;  /* of them: versions and suites */
	unsigned group_connections;  /* groups */
	unsigned sigalg_connections; /* signature algorithms */
	unsigned check_connections;  /* audit: its checks' */
	double ms;
	char *starttls;        /* "smtp", NULL when none */
	char *policy_syntax;   /* NULL without --policy */
	uint16_t *policy_extra; /* accepted, not in the policy */
	size_t n_policy_extra;
	uint16_t *policy_missing; /* in the policy, refused */
	size_t n_policy_missing;
	uint16_t *policy_left_out; /* refused, but the server could not
				    * have negotiated them anyway */
	size_t n_policy_left_out;
	char *policy_left_why;  /* why, once; NULL when none */
};

/*
 * One check of an audit (audit): a known attack, a piece of session
 * behaviour or the certificate's status, with the evidence in words.
 */
enum tp_check_status {
	TP_CHECK_UNKNOWN,          /* could not decide: detail says why */
	TP_CHECK_NOT_VULNERABLE,
	TP_CHECK_VULNERABLE,
	TP_CHECK_NOT_APPLICABLE,   /* nothing to test: no such version,
				    * suite or extension */
};

/* What a check saw of a feature, beside its status. */
enum tp_check_support {
	TP_SUPPORT_NONE,       /* a check of an attack: no such question */
	TP_SUPPORT_YES,
	TP_SUPPORT_NO,
};

struct tp_check {
	char name[32];         /* "heartbleed", "resumption_ticket", … */
	enum tp_check_status status;
	enum tp_check_support supported;
	char *detail;          /* the evidence, or why it is unknown */
	unsigned connections;  /* the check's own */
	double ms;
};

/* One packet of a probe's own flows, as --capture saw it. */
struct tp_packet {
	double t_ms;           /* since the first packet of the capture */
	bool incoming;
	char flags[8];         /* TCP flags: "S", "SA", "PA", "FA", "R" */
	unsigned len;          /* TCP payload bytes */
	unsigned ttl;          /* TTL or hop limit */
	bool retransmission;
	bool conflict;         /* it carried bytes seen before, with other
				* values (the first copy is the one read) */
	char tls[48];          /* the TLS message(s) it carries: "ClientHello" */
	char icmp[48];         /* an ICMP error about the flow, or "" */
};

/* One TCP connection that carried TLS, as a capture showed it (pcap). */
struct tp_handshake {
	char *client;          /* "ip:port" */
	char *server;
	char *sni;             /* NULL when none */
	char *alpn;            /* the protocol the server chose, as its
				* ServerHello says; NULL when it chose none
				* or (TLS 1.3) said it encrypted */
	char **alpn_offered;   /* the client's offer, in its order (the
				* first TP_CH_MAX_ALPN) */
	size_t n_alpn_offered;
	char *version;         /* "TLS1.3"; NULL before a ServerHello */
	char *cipher;          /* IANA name (or "0x1301") */
	char ja3[33], ja3s[33], ja4[37];  /* "" when not seen */
	struct tp_cert_info *certs;  /* TLS 1.2 and older */
	size_t n_certs;
	bool has_alert;
	char alert_level[8];   /* "fatal", "warning" */
	char alert_description[40];  /* "unknown_ca", or "encrypted" */
	bool alert_from_server;
	bool alert_inferred;   /* TLS 1.3: an encrypted record taken for an
				* alert by its size and place */
	char outcome[12];      /* established, alert, reset, closed,
				* incomplete */
	char history[40];      /* Zeek style */
	char starttls[12];     /* "smtp", the plaintext prelude TLS came
				* after; "" when it started at once */
	char tunnel[8];        /* "connect", "socks4", "socks4a", "socks5":
				* the proxy tunnel TLS went through; ""
				* when none */
	char *tunnel_target;   /* "host:port" the client asked the proxy
				* for (sanitised); NULL when none */
	double t_start;        /* capture time, seconds since the epoch */
	double duration_ms;
	int keylog_secrets;    /* --keylog: secrets found for its client
				* random; -1 without --keylog */
	unsigned tcp_conflicts;  /* TCP segments that carried bytes seen
				  * before with other values */
};

/* A count by name, for the pcap summary. */
struct tp_count {
	char *name;
	unsigned n;
};

struct tp_pcap_summary {
	char *source;          /* the file, or "live:IFACE" */
	unsigned long long frames, tcp_frames, flows, tls_flows, evicted;
	size_t peak_buffer;    /* most bytes held at once */
	unsigned long long handshakes;  /* listed (also when streamed) */
	double t_first;        /* the first listed one's start, 0 if none */
	bool truncated;        /* the file ended inside a frame */
	struct tp_count *by_version, *by_cipher, *by_outcome, *by_starttls;
	size_t n_by_version, n_by_cipher, n_by_outcome, n_by_starttls;
	unsigned long long starttls_refused;  /* upgrades the server refused
					       * (connections not listed) */
	struct tp_count *by_tunnel;  /* listed handshakes by tunnel kind */
	size_t n_by_tunnel;
	unsigned long long tunnels_refused;  /* proxy tunnels refused (not
					      * listed) */
	unsigned long long tunnels_without_tls;  /* opened, and no TLS
						  * went through (not
						  * listed) */
	unsigned long long over_budget;  /* streams cut short, or messages
					  * not read, for the cap on bytes
					  * held by all flows together */
	double ms;
};

enum tp_verdict { TP_VERDICT_PASS, TP_VERDICT_WARN, TP_VERDICT_FAIL };

struct tp_report {
	char command[16];     /* "client", "cert", "id", ... */
	struct tp_target target;
	/* the proxy the probe went through (tp_proxy_url: no credentials)
	 * and its kind (tp_proxy_kind_name); "" when none */
	char proxy_url[320];
	char proxy_kind[12];
	struct tp_stage *stages;
	size_t n_stages;
	struct tp_session session;
	struct tp_cert_info *certs;  /* as sent (or as in the file) */
	size_t n_certs;
	/* The trust anchor the chain verified against when it came from the
	 * trust store and was not sent: never one of certs, so that a
	 * position stays a place in what was sent (position -1). */
	bool has_anchor;
	struct tp_cert_info anchor;
	char *anchor_store;   /* where it came from: a file, "system store" */
	struct tp_message *messages;
	size_t n_messages;
	struct tp_finding *findings;
	size_t n_findings;
	char *unique_id;      /* `id`: this node's unique ID */
	bool has_peer_report; /* false: "peer_report": null */
	struct tp_peer_report peer;
	bool has_packets;     /* --capture: "packets" present */
	double total_ms;
	struct tp_client_hello client_hello; /* server: what the client offered */
	/* peer: the two directions, "A->B" and "B->A"; NULL when a node's
	 * report never arrived */
	struct tp_report *directions[2];
	char a_id[64], b_id[64];  /* peer: the two nodes' unique IDs */
	double wait_s;            /* peer: how long it waited for the other */
	struct tp_scan *scan;     /* ciphers: the audit; NULL otherwise */
	struct tp_packet *packets;   /* --capture: the probe's packets */
	size_t n_packets;
	struct tp_handshake *handshakes; /* pcap: one per TLS connection */
	size_t n_handshakes;
	struct tp_pcap_summary *pcap;    /* pcap: NULL otherwise */
	struct tp_check *checks;         /* audit: one per check run */
	size_t n_checks;
};

struct tp_report *tp_report_new(const char *command);
void tp_report_free(struct tp_report *r);
void tp_scan_free(struct tp_scan *s);

/*
 * Every string setter below sanitises what it stores, so no view can
 * print a control character or an escape sequence that came from the
 * network or a certificate. All return 0, or -1 when memory ran out
 * (the report then stays consistent, the item is only missing).
 */
int tp_report_set_target(struct tp_report *r, const char *host,
			 unsigned port, const char *sni);
int tp_report_add_address(struct tp_report *r, const char *address);
/* The SNI alone, from the len bytes a ClientHello carried. */
int tp_report_set_sni(struct tp_report *r, const char *sni, size_t len);
/* peer: the two nodes' IDs, cut to fit at a whole character. */
void tp_report_set_nodes(struct tp_report *r, const char *a_id,
			 const char *b_id);

/* Appends a stage, or returns the existing one of that name. */
struct tp_stage *tp_report_stage(struct tp_report *r, const char *name);
void tp_stage_set(struct tp_stage *st, enum tp_stage_status status,
		  double ms, const char *detail_fmt, ...) TP_PRINTF(4, 5);
void tp_stage_set_ends(struct tp_stage *st, const char *local,
		       const char *remote);
/* Sets the stage as tp_stage_set, its detail the summary of f, which is
 * in the report already and so copied as it is (a setter would escape
 * it twice); otherwise (raw, sanitised) when f is NULL. */
void tp_stage_set_finding(struct tp_stage *st, enum tp_stage_status status,
			  double ms, const struct tp_finding *f,
			  const char *otherwise);
/* The same, but a new stage goes right after the one named after (at the
 * end when there is none); stage pointers taken before are then stale. */
struct tp_stage *tp_report_stage_after(struct tp_report *r, const char *name,
				       const char *after);
/* Adds dns, tcp, tls, verify as skipped, so the contract's four exist. */
int tp_report_add_standard_stages(struct tp_report *r);

int tp_report_add_message(struct tp_report *r, double t_ms, bool incoming,
			  const char *name);
/* Appends a zeroed packet / handshake the caller fills (strings of a
 * handshake through tp_report_strdup); NULL when memory ran out. */
struct tp_packet *tp_report_add_packet(struct tp_report *r);
struct tp_handshake *tp_report_add_handshake(struct tp_report *r);
/* Frees what a handshake holds (not the struct itself). */
void tp_handshake_clear(struct tp_handshake *h);
/* A deep copy of a certificate entry; -1 when memory ran out (dst is
 * then empty). */
int tp_cert_info_copy(struct tp_cert_info *dst, const struct tp_cert_info *src);
/* Frees what a certificate entry holds and zeroes it. */
void tp_cert_info_clear(struct tp_cert_info *c);

/*
 * Adds a finding with the table's severity, side and fix; the summary is
 * formatted. Returns the finding so the caller can add detail or override
 * side, severity or fix; NULL when memory ran out.
 */
struct tp_finding *tp_report_finding(struct tp_report *r, enum tp_code code,
				     const char *summary_fmt, ...)
	TP_PRINTF(3, 4);
void tp_finding_detail(struct tp_finding *f, const char *fmt, ...)
	TP_PRINTF(2, 3);
void tp_finding_fix(struct tp_finding *f, const char *fmt, ...)
	TP_PRINTF(2, 3);
/* Appends the formatted words to a finding's detail after sep ("; "),
 * sanitising only the new words. */
void tp_finding_append_detail(struct tp_finding *f, const char *sep,
			      const char *fmt, ...) TP_PRINTF(3, 4);
/* Copies a finding of another report, its summary after "prefix: "
 * (prefix NULL: none); its strings are clean already and kept as they
 * are. NULL when memory ran out. */
struct tp_finding *tp_report_copy_finding(struct tp_report *r,
					  const struct tp_finding *src,
					  const char *prefix);
bool tp_report_has(const struct tp_report *r, enum tp_code code);

/* Appends the result of an audit's check (the name cut to fit); the
 * detail formatted and sanitised. NULL when memory ran out. */
struct tp_check *tp_report_check(struct tp_report *r, const char *name,
				 enum tp_check_status status,
				 enum tp_check_support supported,
				 const char *detail_fmt, ...) TP_PRINTF(5, 6);
const char *tp_check_status_name(enum tp_check_status s);
/* The check of that name; NULL when the report has none. */
const struct tp_check *tp_report_find_check(const struct tp_report *r,
					    const char *name);
/* The first finding of that code, for the probe that fills the report
 * to add to; NULL when it has none. */
struct tp_finding *tp_report_finding_of(struct tp_report *r,
					enum tp_code code);
/* Read-only lookups, for views and front ends: the stage of that name,
 * the first finding of that code; NULL when the report has none. */
const struct tp_stage *tp_report_find_stage(const struct tp_report *r,
					    const char *name);
const struct tp_finding *tp_report_find_finding(const struct tp_report *r,
						enum tp_code code);

/* Appends an empty certificate entry the caller fills (strings via
 * tp_report_strdup, which sanitises). */
struct tp_cert_info *tp_report_add_cert(struct tp_report *r);
char *tp_report_strdup(const char *s);

/* Appends a sanitised copy of s to a string list; -1 on no memory. */
int tp_strv_add(char ***v, size_t *n, const char *s);

int tp_session_set(struct tp_session *s, const char *version,
		   const char *cipher, const char *group,
		   const char *signature, const char *alpn, bool resumed);

enum tp_verdict tp_report_verdict(const struct tp_report *r);
const char *tp_verdict_name(enum tp_verdict v);
/* The exit status the contract gives this report: 0 or 1. */
int tp_report_exit_status(const struct tp_report *r);

/* ---- views ---- */

enum tp_render_flags {
	TP_RENDER_COLOR = 1 << 0,    /* ANSI colours (terminal only) */
	TP_RENDER_COMPACT = 1 << 1,  /* JSON on one line (JSON Lines) */
	TP_RENDER_VERBOSE = 1 << 2,  /* text: every handshake message */
};

/*
 * pcap, streamed: the document head, then each handshake (joined by
 * ","), then the tail after the run make the document tp_report_to_json
 * would give (handshakes in the order streamed). The text view likewise
 * gives one handshake's line; the report's own text then omits them.
 */
char *tp_report_to_json_head(const struct tp_report *r);
/* cache: NULL, or kept across the handshakes of one run, where it
 * spares rendering the same certificate again (tp_json_cache_new). */
struct tp_json_cache;
struct tp_json_cache *tp_json_cache_new(void);
void tp_json_cache_free(struct tp_json_cache *cache);
char *tp_handshake_to_json(const struct tp_handshake *h,
			   struct tp_json_cache *cache);
char *tp_report_to_json_tail(const struct tp_report *r, int flags);
char *tp_handshake_to_text(const struct tp_handshake *h, int flags);

/*
 * One connection a line, as the monitors of a server list them
 * (tlsprobe server, the TUI's): the parts both lay out, each in its own
 * way. peer: "[2001:db8::1]:50312", "192.0.2.7:50312", "?:PORT" when the
 * report names no host. outcome: "TLS1.3 TLS_AES_128_GCM_SHA256" once a
 * session is up, else the tls stage's detail (why there is none), else
 * NULL. The strings are malloc'd; tp_conn_line_clear frees them.
 */
struct tp_conn_line {
	char *peer;
	enum tp_verdict verdict;
	char *outcome;
};

/* Fills line from r; -1 (line then empty) when memory ran out. */
int tp_report_to_conn_line(const struct tp_report *r,
			   struct tp_conn_line *line);
void tp_conn_line_clear(struct tp_conn_line *line);

/* ciphers --format nmap: the layout of nmap's ssl-enum-ciphers script. */
char *tp_report_to_nmap(const struct tp_report *r);

/* Both return a malloc'd NUL-terminated string, or NULL on no memory. */
char *tp_report_to_json(const struct tp_report *r, int flags);
/* Reads back a client report another node sent as JSON (stages, session,
 * certificates, peer report, findings); every string is sanitised. NULL
 * when it is not a report. */
struct tp_report *tp_report_from_json(const char *json, size_t len);
char *tp_report_to_text(const struct tp_report *r, int flags);

/* ---- sanitising ---- */

/*
 * Returns a malloc'd copy of the first len bytes of s in which control
 * characters, DEL, C1 controls, escape sequences and invalid UTF-8 are
 * written as \xNN; bidi controls and other invisible format characters
 * (zero-width, soft hyphen, line separators, tags) as \u202e or
 * \U000e0041; backslash is written as \\. NULL s gives NULL.
 *
 * Done once, where a string enters a report or an error: the report's
 * setters and tp_error_set do it, so views print the report as it is.
 * Sanitising a sanitised string again doubles its backslashes.
 */
char *tp_sanitize(const char *s, size_t len);
/*
 * The same into a fixed field of size bytes (NUL included), cut to fit
 * at a whole character or escape, never inside one. Returns the input
 * bytes it used (len when all fitted). NULL s gives "".
 */
size_t tp_sanitize_into(char *dst, size_t size, const char *s, size_t len);
/*
 * The reverse, for text that another tlsprobe sanitised before sending
 * it (a side-channel value, a peer's report): its escapes back to the
 * bytes they stand for (\x00 excepted), so that sanitising it as it
 * enters our report gives what the other node showed, not its escapes
 * escaped again. The result is raw: it must go through the sanitiser.
 */
char *tp_unsanitize(const char *s, size_t len);
/* Whether the sanitiser escapes this code point (control, C1, bidi,
 * invisible): for a screen that decodes text itself (the TUI). */
bool tp_sanitize_hides(uint32_t cp);
/* The length of the longest prefix of s, at most max bytes, that does
 * not end inside a UTF-8 character: for cutting a sanitised string. */
size_t tp_utf8_prefix(const char *s, size_t max);

/* Writes n bytes as 2n lower-case hex digits and a NUL into out. */
void tp_hex(const unsigned char *p, size_t n, char *out);

/* ---- time ---- */

/* Monotonic milliseconds. */
double tp_now_ms(void);

/* ---- targets ---- */

/*
 * Parses HOST, HOST:PORT, [V6]:PORT or a bare IPv6 literal into a malloc'd
 * host and a port (default_port when none is given). Usage error on a
 * malformed spec or a port out of 1..65535.
 */
int tp_addr_parse(const char *spec, unsigned default_port, char **host,
		  unsigned *port, struct tp_error *err);
/*
 * The same, for a spec given as the option whose key is option
 * ("connect"): errors name it in the front end's words (tp_error_name).
 * The host is checked as tp_addr_check_name() does and comes back in
 * the form to resolve and send (the A-label form of a name).
 */
int tp_addr_parse_option(const char *option, const char *spec,
			 unsigned default_port, char **host, unsigned *port,
			 struct tp_error *err);

/* A name's longest A-label form (RFC 1035 section 2.3.4, without the
 * root's dot), and the size of a buffer for it with a final dot. */
#define TP_ADDR_NAME_MAX 253
#define TP_ADDR_NAME_SIZE (TP_ADDR_NAME_MAX + 2)

/*
 * Checks a host that the option keyed option ("sni", "target") gave,
 * before any query: an IP literal is kept as it is; a name must be UTF-8
 * without control characters or spaces, at most 253 bytes in labels of
 * 1 to 63, and a name with non-ASCII characters must pass IDNA2008
 * (libidn2). On success ascii holds the form to resolve and send: the
 * literal, or the name in A-labels. On failure, a usage error of one
 * line naming the option, a cut of the value and why.
 */
int tp_addr_check_name(const char *option, const char *name,
		       char ascii[TP_ADDR_NAME_SIZE], struct tp_error *err);
/* The U-label form of an A-label name (malloc'd), or NULL when it has
 * no A-label, does not decode, or memory ran out. */
char *tp_addr_unicode(const char *ascii);
/*
 * The form of a host name for SNI: without the trailing dot of an
 * absolute name (RFC 6066 section 3), copied into buf when it had one;
 * NULL stays NULL.
 */
const char *tp_addr_sni_form(const char *name, char buf[TP_ADDR_NAME_SIZE]);

/* ---- this node's unique ID (id.c) ---- */

#define TP_ID_LEN 32
/* Reads /etc/machine-id, else /var/lib/dbus/machine-id, into id. */
int tp_id_read(char id[TP_ID_LEN + 1], struct tp_error *err);
/* The same over an explicit list of candidate files (NULL-terminated). */
int tp_id_read_from(const char *const *paths, char id[TP_ID_LEN + 1],
		    struct tp_error *err);
int tp_id_run(struct tp_report *r, struct tp_error *err);

/* ---- passwords of PKCS#12 files and encrypted keys ---- */

/* The longest password taken, its NUL included. */
#define TP_PASSWORD_MAX 1024

/*
 * How the library gets a password when a file needs one: the front end
 * fills buf (NUL-terminated, at most size bytes) for the file at path
 * and returns 0, or returns -1 when it has none to give. The library
 * never reads a terminal: prompting is the front end's.
 */
struct tp_password {
	int (*get)(void *arg, const char *path, char *buf, size_t size);
	void *arg;
};

/* ---- the probes' defaults (opts.c) ---- */

/* Named once: the mains' --help, the TUI's form, the opts_init functions
 * below and the library's fallback for a zero all mean these. */
#define TP_DEFAULT_TIMEOUT_S 10   /* --timeout: each network stage */
#define TP_MAX_TIMEOUT_S 86400    /* the longest --timeout or --wait */

/* A duration an option keyed key gives: 0 (the default) up to
 * TP_MAX_TIMEOUT_S; otherwise a usage error naming the option. */
int tp_opts_check_seconds(const char *key, double seconds,
			  struct tp_error *err);
#define TP_DEFAULT_WAIT_S 30      /* peer --wait: for the other node */
#define TP_DEFAULT_CONCURRENCY 4  /* ciphers --concurrency */
#define TP_DEFAULT_BUDGET 1000    /* ciphers --budget */

/* ---- offline certificate checks (cert.c) ---- */

enum tp_purpose { TP_PURPOSE_SERVER, TP_PURPOSE_CLIENT };

struct tp_cert_opts {
	const char *cert_file;    /* required: chain, leaf first (PEM, DER or
				   * PKCS#12) */
	const char *key_file;     /* optional: checked against the leaf */
	const char *ca_file;      /* NULL: the system store */
	const char *expect_name;
	const char *expect_id;
	const struct tp_password *password; /* NULL: files need none */
	enum tp_purpose purpose;
	time_t now;               /* 0: the current time */
};

int tp_cert_run(const struct tp_cert_opts *o, struct tp_report *r,
		struct tp_error *err);
/* Every field zero but purpose, TP_PURPOSE_SERVER. */
void tp_cert_opts_init(struct tp_cert_opts *o);
/* The checks of o that need no file: the certificate file given, the
 * purpose, the name to expect. A usage error naming the option when one
 * fails; tp_cert_run makes them first. */
int tp_cert_opts_check(const struct tp_cert_opts *o, struct tp_error *err);

/* ---- proxies (proxy.c) ---- */

/* The kinds of proxy a probe can go through, as curl's URL schemes name
 * them: http:// (CONNECT), socks4://, socks4a://, socks5://, socks5h://
 * (the "a" and "h" kinds let the proxy resolve the target's name). */
enum tp_proxy_kind {
	TP_PROXY_NONE,
	TP_PROXY_HTTP,
	TP_PROXY_SOCKS4,
	TP_PROXY_SOCKS4A,
	TP_PROXY_SOCKS5,
	TP_PROXY_SOCKS5H,
};

#define TP_PROXY_PORT 1080  /* curl's default for every kind here */

/* A parsed proxy URL. The credentials are kept for the tunnel's request
 * only: nothing that renders a proxy (tp_proxy_url) shows them. */
struct tp_proxy {
	enum tp_proxy_kind kind;
	char host[256];  /* name or literal, IPv6 without brackets */
	unsigned port;
	bool has_auth;
	char user[256];  /* percent-decoded */
	char pass[256];
};

/*
 * Parses "[SCHEME://][USER[:PASS]@]HOST[:PORT]" (no scheme: http, as
 * curl; no port: 1080). A usage error naming {proxy} that quotes the URL
 * without its credentials when it cannot be used.
 */
int tp_proxy_parse(const char *url, struct tp_proxy *p, struct tp_error *err);

/*
 * The proxy that curl would use for an https:// URL, from the
 * environment: https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY, the first
 * set and not empty. Returns 1 with *p filled, 0 when none is set, -1
 * with a usage error naming the variable when its URL is unusable.
 */
int tp_proxy_from_env(struct tp_proxy *p, struct tp_error *err);
/* no_proxy, else NO_PROXY, else NULL. */
const char *tp_proxy_env_no_proxy(void);

/*
 * Whether host is to be reached directly under a no_proxy list, by
 * curl's rules: entries separated by commas (or blanks), "*" alone
 * matches everything, a name matches itself and every name under it
 * (a leading dot ignored), an IP address or an IP/LEN block matches the
 * literal addresses it holds; no case, no port. NULL or "": no bypass.
 */
bool tp_proxy_bypass(const char *no_proxy, const char *host);

/* "connect", "socks4", "socks4a", "socks5", "socks5h" */
const char *tp_proxy_kind_name(enum tp_proxy_kind kind);
/* The proxy as a URL without credentials: "http://proxy.test:3128" */
void tp_proxy_url(const struct tp_proxy *p, char *buf, size_t size);

/* ---- the client probe (client.c) ---- */

struct sockaddr;
struct sockaddr_storage;

struct tp_client_opts {
	const char *host;
	unsigned port;
	/* NULL: resolve host. Set (--targets resolved it already): the one
	 * address to connect to, its port ignored; host still drives SNI
	 * and the name checked, and the dns stage says it was given. */
	const struct sockaddr_storage *address;
	const char *sni;          /* NULL: host when it is a name */
	bool no_sni;
	const char *expect_name;  /* NULL: sni, else host */
	const char *expect_id;
	const char *ca_file;      /* NULL: the system store */
	const char *cert_file;
	const char *key_file;
	const struct tp_password *password; /* NULL: files need none */
	const char *priority;     /* NULL: "NORMAL" */
	const char *alpn;         /* comma-separated protocol names */
	const char *keylog_file;
	bool no_sideband;         /* do not look for a paired server probe */
	bool paired;              /* --paired: ask it on the side channel
				   * even when no mark answered ours */
	int starttls; /* enum tp_starttls, 0: none */
	bool no_name_check;       /* identity is the unique ID, not a name */
	bool offline;             /* --offline: fetch nothing: no AIA
				   * chasing of an issuer the server left
				   * out, no OCSP or CRL after a trusted
				   * chain */
	double timeout_s;         /* per network stage */
	int family;               /* 0 any, 4 or 6 */
	/* The proxy to go through (--proxy, or the environment's), NULL:
	 * none; no_proxy the hosts it does not apply to (tp_proxy_bypass). */
	const struct tp_proxy *proxy;
	const char *no_proxy;
	time_t now;               /* 0: the current time (tests fix it) */
	bool capture;             /* --capture: this run's packets into
				   * r->packets (needs root or CAP_NET_RAW) */
	const char *pcap_out;     /* --pcap-out: also written here (implies
				   * capture) */
	const char *user;         /* started as root: run as this user once
				   * the capture is open; NULL: "nobody" */
	/* Called once the files are loaded, before any network step. */
	void (*on_loaded)(void *arg);
	void *on_loaded_arg;
	/* Called as each stage ends, for progress on a terminal or the TUI. */
	void (*progress)(void *arg, const struct tp_report *r,
			 const char *stage);
	void *progress_arg;
	volatile sig_atomic_t *stop;  /* set (by a signal handler, another
				       * thread): every wait ends within
				       * 100 ms and the run returns */
};

/* Every field zero (none given) but timeout_s, TP_DEFAULT_TIMEOUT_S. */
void tp_client_opts_init(struct tp_client_opts *o);

/*
 * The checks of o that need no file and no network: the names, the
 * priority string, the ALPN list, the STARTTLS protocol, the timeout
 * (0 is the default) and a certificate given without its key. A usage
 * error naming the option (err->option) when one fails; tp_client_run
 * makes them first, and a front end may make them before it starts one.
 */
int tp_client_opts_check(const struct tp_client_opts *o,
			 struct tp_error *err);

/*
 * Runs one diagnosed TLS connection and fills r. Returns 0 when it ran
 * (whatever it found), -1 with err set when it could not: unusable input
 * (TP_ERR_USAGE) is detected before any network step. A run that *stop
 * cut short has the stage it stopped in failed with detail "cancelled",
 * the stages after it skipped, and a RUN_CANCELLED finding.
 */
int tp_client_run(const struct tp_client_opts *o, struct tp_report *r,
		  struct tp_error *err);

/* ---- the server probe (server.c) ---- */

#define TP_SERVER_PORT 4433

struct tp_livecap;  /* a running capture, internal */

struct tp_server_opts {
	const char *listen;        /* "[ADDR]:PORT", ":PORT", "PORT"; NULL:
				    * ":4433", IPv4 and IPv6; port 0 picks one */
	const char *cert_file;     /* required: chain, leaf first (PEM, DER
				    * or PKCS#12) */
	const char *key_file;      /* required */
	const struct tp_password *password; /* NULL: files need none */
	const char *ca_file;       /* client certificates are requested and
				    * checked against it; NULL: none asked */
	bool require_client_cert;  /* needs ca_file */
	const char *expect_id;     /* client certificate CN; "peer": the ID
				    * the client's side-channel hello gave */
	const char *priority;      /* NULL: "NORMAL" */
	const char *keylog_file;   /* NSS key log of every session */
	double timeout_s;          /* per connection stage; 0: 10 */
	unsigned count;            /* reports before returning; 0: no end */
	time_t now;                /* 0: the current time (tests fix it) */
	bool capture;              /* --capture: each report gets the packets
				    * of its connection (root or CAP_NET_RAW) */
	const char *pcap_out;      /* --pcap-out: every frame also written
				    * here (implies capture) */
	const char *user;          /* started as root: run as this user once
				    * the capture is open; NULL: "nobody" */
	/* tlsprobe peer: the capture also covers the flows to this host and
	 * port (its client's), and is handed to on_capture (borrowed until
	 * tp_server_run returns) before on_listening; privileges are then
	 * not dropped here but by the peer (its client has files to load) */
	const char *capture_host;
	unsigned capture_port;
	void (*on_capture)(void *arg, struct tp_livecap *lc);
	/* "0.0.0.0:4433 [::]:4433", once every socket listens (and the
	 * capture is open) */
	void (*on_listening)(void *arg, const char *addresses);
	/* our own chain and key judged at start, as tlsprobe cert
	 * --purpose server would (warnings, side local, also copied into
	 * every report): called once, before listening, when there is a
	 * finding; the report holds only those findings and is borrowed
	 * for the call */
	void (*on_own_cert)(void *arg, const struct tp_report *own);
	/* one per connection that spoke TLS (or tried to), as it ends; the
	 * report is freed when the call returns */
	void (*on_report)(void *arg, const struct tp_report *r);
	/* tlsprobe peer: a "peer-report" side-channel line arrived; returns
	 * the malloc'd answer line, or NULL to close. NULL: not served. */
	char *(*on_peer_line)(void *arg, const char *line, size_t len);
	void *arg;
	volatile sig_atomic_t *stop;  /* set by a signal handler: return */
};

/* Every field zero (none given) but timeout_s, TP_DEFAULT_TIMEOUT_S. */
void tp_server_opts_init(struct tp_server_opts *o);

struct tp_server_summary {
	unsigned connections;  /* reports made */
	unsigned established;  /* handshakes completed */
	unsigned failed;       /* connections that did not complete one */
	unsigned sideband;     /* side-channel connections */
};

/*
 * The checks of o that need no file and no network: a chain and key
 * given, what --require-client-cert and --expect-id need, the listen
 * spec, the priority string and the timeout. A usage error naming the
 * option when one fails; tp_server_run makes them first.
 */
int tp_server_opts_check(const struct tp_server_opts *o,
			 struct tp_error *err);

/*
 * Listens and diagnoses every incoming connection until count reports
 * are made or *stop is set. Returns 0 when it ran, -1 with err set when
 * it could not: unusable input (TP_ERR_USAGE) before binding, a socket
 * that cannot listen (TP_ERR_RUNTIME, naming the address and why).
 */
int tp_server_run(const struct tp_server_opts *o,
		  struct tp_server_summary *s, struct tp_error *err);

/* ---- the peer probe (peer.c) ---- */

struct tp_peer_opts {
	const char *listen;        /* as tp_server_opts; NULL: ":4433" */
	const char *connect;       /* the other node, HOST[:PORT] */
	struct tp_client_opts client; /* how this node connects; host/port
				       * are set from connect */
	bool require_client_cert;
	const char *server_expect_id; /* NULL: the client's expect_id */
	double wait_s;             /* how long to wait for the other node */
	void (*on_listening)(void *arg, const char *addresses);
	void *arg;
	volatile sig_atomic_t *stop;
};

/* Every field zero but the client role's, as tp_client_opts_init sets
 * them, and wait_s, TP_DEFAULT_WAIT_S. */
void tp_peer_opts_init(struct tp_peer_opts *o);
/*
 * The checks of o that need no file and no network: --connect, the
 * chain and key the node serves, its listen spec, the client role's
 * priority and ALPN, the durations. A usage error naming the option
 * when one fails; tp_peer_run makes them first.
 */
int tp_peer_opts_check(const struct tp_peer_opts *o, struct tp_error *err);

/*
 * Serves and connects at once: this node's client report and the other
 * node's, exchanged on the side channel, fill r->directions ("A->B",
 * "B->A", A being the node with the lower unique ID, then listen
 * address) and r->findings (each direction's, prefixed). Returns -1 with
 * err set when it could not run (bad input, cannot bind).
 */
int tp_peer_run(const struct tp_peer_opts *o, struct tp_report *r,
		struct tp_error *err);

/* ---- the cipher audit (ciphers.c) ---- */

struct tp_ciphers_opts {
	const char *host;
	unsigned port;
	const char *sni;          /* NULL: host when it is a name */
	bool no_sni;
	const char *protocols;    /* "TLS1.2,TLS1.3"; NULL: all */
	const char *policy;       /* --policy, any of the three syntaxes */
	int starttls;             /* enum tp_starttls; 0: none */
	unsigned concurrency;     /* connections at once; 0: 4 */
	double delay_ms;          /* pause before each new connection */
	unsigned budget;          /* most connections to the host; 0: 1000 */
	double timeout_s;         /* per connection step; 0: 10 */
	double max_time_s;        /* the whole audit; 0: from the budget,
				   * tp_ciphers_default_max_time */
	int family;               /* 0 any, 4 or 6 */
	/* as tp_client_opts: every connection of the audit is a tunnel of
	 * its own through this proxy */
	const struct tp_proxy *proxy;
	const char *no_proxy;
	bool capture;             /* --capture, as tp_client_opts */
	const char *pcap_out;
	const char *user;
	/* Called after each probe: done so far, and an estimate of all. */
	void (*progress)(void *arg, unsigned done, unsigned estimate);
	void *progress_arg;
	volatile sig_atomic_t *stop;  /* set by a signal handler: stop early */
	/* NULL: resolve host. Set (--targets resolved it already): the one
	 * address every probe goes to, its port ignored, as
	 * tp_client_opts.address. */
	const struct sockaddr_storage *address;
	/*
	 * The gate of a run over many targets (fleet.c); NULL: none.
	 * before_connect is called before every connection the audit opens
	 * (the first contact included) and blocks until the run's rate and
	 * per-address caps allow one more to sa, or returns -1 when the run
	 * is stopping: that connection is then not made. after_close is
	 * called once for each connection let through, when it is closed
	 * (or failed to open). The audit never holds a connection while it
	 * waits at the gate, so a gate that makes it wait cannot deadlock
	 * it, whatever its concurrency.
	 */
	int (*before_connect)(void *arg, const struct sockaddr *sa);
	void (*after_close)(void *arg, const struct sockaddr *sa);
	void *gate_arg;
};

/* Every field zero (its default) but timeout_s, TP_DEFAULT_TIMEOUT_S. */
void tp_ciphers_opts_init(struct tp_ciphers_opts *o);

/*
 * Enumerates versions, suites (server order), groups and signature
 * algorithms with raw ClientHellos, grades them and compares them with
 * the policy. Returns 0 when it ran, -1 with err set when it could not
 * (bad input before any network step).
 */
int tp_ciphers_run(const struct tp_ciphers_opts *o, struct tp_report *r,
		   struct tp_error *err);

/*
 * The audit's deadline when --max-time is not given, in seconds: the
 * budget's connections, --concurrency at a time, each allowed a quarter
 * of --timeout, and never less than two --timeout periods.
 */
double tp_ciphers_default_max_time(const struct tp_ciphers_opts *o);
/*
 * The checks of o that need no file and no network: the names, the
 * --protocols list, the --policy string, the STARTTLS protocol and the
 * durations. A usage error naming the option when one fails;
 * tp_ciphers_run makes them first.
 */
int tp_ciphers_opts_check(const struct tp_ciphers_opts *o,
			  struct tp_error *err);

/* ---- audit (audit.c) ---- */

struct tp_audit_opts {
	/* The cipher audit the checks follow: its target, timeout, gate,
	 * stop and budget serve every check too. */
	struct tp_ciphers_opts ciphers;
	bool offline;             /* --offline: fetch nothing (AIA, OCSP,
				   * CRL); the checks that need it say so */
	const char *ca_file;      /* --ca: trust for the chain, OCSP
				   * responses and fetched issuers; NULL:
				   * the system store */
	const char *checks;       /* --checks: the checks to run, names
				   * separated by commas; NULL: all */
};

/* tp_ciphers_opts_init, and every check on. */
void tp_audit_opts_init(struct tp_audit_opts *o);
/* Every check's name, in the order they run, for usage and errors. */
const char *tp_audit_check_names(void);
/* tp_ciphers_opts_check and the audit's own options. */
int tp_audit_opts_check(const struct tp_audit_opts *o, struct tp_error *err);

/*
 * Everything the cipher audit reports, then the checks (known attacks,
 * session behaviour, certificate status), each a tp_check in the report
 * and a finding when it proves a fault. Returns as tp_ciphers_run.
 */
int tp_audit_run(const struct tp_audit_opts *o, struct tp_report *r,
		 struct tp_error *err);

/* ---- captures (pcap.c) ---- */

struct tp_pcap_opts {
	const char *file;         /* a pcap or pcapng file, or */
	const char *live;         /* an interface to capture on */
	double live_seconds;      /* live: stop after this long (0: until
				   * *stop) */
	const char *host;         /* filters: an address either end has */
	unsigned port;            /* a port either end has (0: any) */
	const char *sni;          /* the server name sent */
	const char *keylog_file;  /* NSS key log: secrets matched by the
				   * client random */
	size_t max_flows;         /* 0: 32768 (TP_FLOWS_MAX_FLOWS) */
	/* When set, each handshake is handed here as its connection ends
	 * (the order they end in) and not kept in the report, so that
	 * memory stays bounded whatever the capture holds. */
	void (*on_handshake)(void *arg, const struct tp_handshake *h);
	void *handshake_arg;
	void (*progress)(void *arg, unsigned long long frames,
			 unsigned handshakes);
	void *progress_arg;
	volatile sig_atomic_t *stop;
};

/* Every field zero: a file or an interface is for the caller to give. */
void tp_pcap_opts_init(struct tp_pcap_opts *o);
/* The checks of o that need no file and no network: a file or an
 * interface, the --host address and the --port. A usage error naming the
 * option when one fails; the pcap run makes them first. */
int tp_pcap_opts_check(const struct tp_pcap_opts *o, struct tp_error *err);

/*
 * Lists and diagnoses the TLS connections of a capture: r->handshakes in
 * the order they started, r->pcap the summary, findings for what went
 * wrong (alerts, resets, truncation). Returns -1 with err set when the
 * file cannot be read at all or the interface not opened.
 */
int tp_pcap_run(const struct tp_pcap_opts *o, struct tp_report *r,
		struct tp_error *err);

#endif
