/* placeholder */
#include "cli.h"
int cmd_client(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_fail("client", 3, "not built yet");
}
