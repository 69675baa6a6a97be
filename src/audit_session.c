/*
 * The audit's checks of session behaviour: resumption, tickets, early
 * data, extensions, ALPN, the certificate without SNI.
 */
#include "audit.h"

void tp_audit_resumption_id(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_resumption_ticket(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_early_data(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_extended_master_secret(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_encrypt_then_mac(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_heartbeat(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_alpn(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_default_certificate(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}
