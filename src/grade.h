/*
 * The cipher audit's judgement (grade.c), in three steps: the facts a
 * scan shows, the grade those facts cap, and the findings that explain
 * them. Every view that judges a suite reads the same facts. Internal
 * to libtlsprobe.
 */
#ifndef TP_GRADE_H
#define TP_GRADE_H

#include "policy.h"
#include "registry.h"
#include "tlsprobe.h"

/* What the grading rules look at in a suite's attributes, a bit each. */
enum tp_grade_trait {
	TP_TRAIT_NO_ENCRYPTION = 1u << 0,   /* NULL cipher */
	TP_TRAIT_ANONYMOUS = 1u << 1,       /* no authentication */
	TP_TRAIT_EXPORT = 1u << 2,
	TP_TRAIT_RC4 = 1u << 3,
	TP_TRAIT_SINGLE_DES = 1u << 4,      /* single DES or RC2 */
	TP_TRAIT_SHORT_KEY = 1u << 5,       /* effective key under 112 bits */
	TP_TRAIT_SWEET32 = 1u << 6,         /* 3DES or IDEA: 64-bit blocks */
	TP_TRAIT_MD5 = 1u << 7,             /* HMAC-MD5 */
	TP_TRAIT_FORWARD_SECRET = 1u << 8,  /* an ephemeral key exchange */
	TP_TRAIT_AEAD = 1u << 9,            /* GCM, CCM, Poly1305, … */
};

/* The traits of a suite: the one test of forward secrecy, RC4, … for
 * the grades, the findings and every view. */
unsigned tp_grade_traits(const struct tp_suite *s);

/* The grade of one suite from its attributes alone ('A' … 'F'), and the
 * reason for it in one short phrase ("RC4", "no forward secrecy"). */
char tp_grade_suite(const struct tp_suite *s, const char **why);

/* The grade of one accepted suite with what its handshake showed: a DH
 * prime of dh_bits (0: none seen) or an ECDHE group (0: none seen). */
char tp_grade_accepted(const struct tp_suite *s, unsigned dh_bits,
		       uint16_t group, const char **why);

/* One accepted suite in one accepted version, as the grade sees it. */
struct tp_grade_suite_facts {
	const struct tp_suite *suite;  /* NULL: not in the registry */
	uint16_t id;
	uint16_t version;
	bool top;                      /* first in its version's list */
	enum tp_preference preference; /* its version's */
	char grade;                    /* the scan's, 'F' when it has none */
	const char *why;               /* tp_grade_accepted's, NULL for A */
	unsigned traits;               /* 0 when not in the registry */
};

/* One version of the scan. */
struct tp_grade_version_facts {
	uint16_t version;
	bool accepted;
	bool weak;        /* one WEAK_PROTOCOL names */
	size_t n_suites;  /* accepted in it */
	char worst;       /* of its suites' grades, '\0' when none */
	unsigned traits;  /* of any of its suites in the registry */
};

/* What a scan shows, before any judgement of the whole. */
struct tp_grade_facts {
	struct tp_grade_version_facts versions[5];  /* as the scan's */
	size_t n_versions;
	struct tp_grade_suite_facts *suites;  /* those of accepted versions,
					       * in the scan's order */
	size_t n_suites;
	/* over the suites in the registry */
	char best;               /* the best grade, '\0' when none */
	const char *best_why;    /* the first suite with it */
	bool any_f;
	const char *c_why;       /* the first suite graded C, NULL if none */
	bool any_forward_secret;
	bool any_aead;
	/* false when a client can get a suite without forward secrecy:
	 * one is on top of a server's order, or the client decides */
	bool top_forward_secret;
	unsigned min_dh_bits;    /* the smallest DH prime seen, 0 if none */
	unsigned cert_bits;      /* the leaf key, 0 when it was not seen */
	int cert_pk;
	int cert_severity;       /* tp_cert_key_severity's, -1 when fine */
	const char *cert_key;    /* "RSA-1024", borrowed from the scan */
};

/* The facts of one version alone: what a view judges a version by. */
void tp_grade_version_facts(const struct tp_scan_protocol *p,
			    struct tp_grade_version_facts *out);

/* The facts of a filled scan and of the leaf key it saw (cert_bits 0:
 * none); they borrow from sc. NULL when memory ran out. */
struct tp_grade_facts *tp_grade_facts_new(const struct tp_scan *sc,
					  unsigned cert_bits, int cert_pk);
void tp_grade_facts_free(struct tp_grade_facts *f);

#define TP_GRADE_MAX_REASONS 12

/* The grades the facts allow: overall, with why, and per version. */
struct tp_grade_caps {
	char grade;         /* '\0' when nothing was accepted */
	char versions[5];   /* as facts->versions, '\0' when not accepted */
	char reasons[TP_GRADE_MAX_REASONS][256];
	size_t n_reasons;
};

/* The caps of docs/grading.md, sections 3 and 4, applied in order. */
void tp_grade_caps(const struct tp_grade_facts *f, struct tp_grade_caps *out);

/*
 * Judges a filled scan: per-protocol and overall grades with their
 * reasons, and the findings WEAK_PROTOCOL, WEAK_CIPHER,
 * NO_FORWARD_SECRECY, WEAK_KEY (DH primes, the certificate key) and,
 * with a policy, POLICY_EXTRA and POLICY_MISSING. cert_bits/cert_pk
 * describe the leaf key (0 when it was not seen).
 */
int tp_grade_scan(struct tp_report *r, const struct tp_policy *policy,
		  unsigned cert_bits, int cert_pk);

#endif
