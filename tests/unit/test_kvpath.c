/* Unit tests of kv_path_check (devices/kv_path.c): the paths every kv
 * implementation may rely on never seeing. */
#include <errno.h>
#include <string.h>

#include "devices/kv.h"
#include "tests/unit/check.h"

#define OK(s) CHECK_EQ_INT(kv_path_check(s, strlen(s)), 0)
#define BAD(s) CHECK_EQ_INT(kv_path_check(s, strlen(s)), -EINVAL)

int main(void)
{
	OK("");
	OK("index.html");
	OK("css/site.css");
	OK("a/b/c/d.txt");
	OK(".hidden");
	OK("a/.b");
	OK("..a");
	OK("a..");
	OK("a/...");
	OK("x/..y/z");
	OK("with space/and-dash_ok");
	BAD("/");
	BAD("/etc/passwd");
	BAD("a/");
	BAD("a//b");
	BAD("//etc/passwd");
	BAD(".");
	BAD("..");
	BAD("./a");
	BAD("../a");
	BAD("a/.");
	BAD("a/..");
	BAD("a/./b");
	BAD("a/../b");
	BAD("a/b/..");
	/* an embedded NUL, and length rather than NUL termination decides */
	CHECK_EQ_INT(kv_path_check("a\0b", 3), -EINVAL);
	CHECK_EQ_INT(kv_path_check("ab\0", 3), -EINVAL);
	CHECK_EQ_INT(kv_path_check("index.html/..", 10), 0);
	CHECK_EQ_INT(kv_path_check(NULL, 0), 0);
	/* the length limit */
	static char longp[KV_PATH_MAX + 2];
	memset(longp, 'a', sizeof longp);
	CHECK_EQ_INT(kv_path_check(longp, KV_PATH_MAX), 0);
	CHECK_EQ_INT(kv_path_check(longp, KV_PATH_MAX + 1), -EINVAL);
	return check_report();
}
