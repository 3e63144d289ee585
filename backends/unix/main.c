/* The process entry of every UNIX-target binary: set up the platform, then
 * hand the command line to the runtime, which connects the generated
 * device table and runs the app. Only main() lives here, so unit tests can
 * link the backend library with their own main(). */
#include "backends/unix/unix_io.h"
#include "lib/runtime.h"

int main(int argc, char **argv)
{
	unix_platform_init();
	return runtime_main(&runtime_app, argc, argv);
}
