/* placeholder: replaced by tlsprobe cert */
#include "cli.h"
int cmd_cert(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_fail("cert", 3, "not built yet");
}
