/*
 * The audit's checks of RSA key exchange and renegotiation: ROBOT,
 * secure renegotiation (RFC 5746), client-initiated renegotiation.
 */
#include "audit.h"

void tp_audit_robot(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_secure_renegotiation(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_client_renegotiation(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}
