/*
 * The audit's checks of the chain as sent: AIA chasing of a missing
 * issuer, Certificate Transparency.
 */
#include "audit.h"

void tp_audit_aia(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_sct(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}
