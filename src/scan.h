/*
 * The cipher audit's internals shared between the engine (scan.c) and
 * the judgement (grade.c). Internal to libtlsprobe.
 */
#ifndef TP_SCAN_H
#define TP_SCAN_H

#include "policy.h"
#include "registry.h"
#include "tlsprobe.h"

/* An ephemeral key exchange: the one test of forward secrecy for the
 * grades, the findings and every view. */
bool tp_grade_forward_secret(const struct tp_suite *s);

/* The grade of one suite from its attributes alone ('A' … 'F'), and the
 * reason for it in one short phrase ("RC4", "no forward secrecy"). */
char tp_grade_suite(const struct tp_suite *s, const char **why);

/* The grade of one accepted suite with what its handshake showed: a DH
 * prime of dh_bits (0: none seen) or an ECDHE group (0: none seen). */
char tp_grade_accepted(const struct tp_suite *s, unsigned dh_bits,
		       uint16_t group, const char **why);

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
