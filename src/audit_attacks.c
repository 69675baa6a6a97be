/*
 * The audit's checks of known attacks by raw records: Heartbleed, CCS
 * injection, Ticketbleed, compression, TLS_FALLBACK_SCSV and SSL 2.0.
 */
#include "audit.h"

void tp_audit_heartbleed(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_ccs_injection(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_ticketbleed(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_compression(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_fallback_scsv(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_sslv2(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}
