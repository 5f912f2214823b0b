#include <errno.h>
#include <unistd.h>

#include "monitor/procfs.h"
#include "tap.h"

int main(void)
{
    unsigned long long t = 0;
    const char *odd = "42 (a) b (c) d) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
    ok(proc_stat_start_time(odd, &t) == 0 && t == 987654, "a name with spaces and ')' is skipped (%llu)", t);
    ok(proc_stat_start_time("42 (x", &t) == -EBADMSG, "no ')' is EBADMSG");
    ok(proc_stat_start_time("42 (x) S 1 2", &t) == -EBADMSG, "too few fields is EBADMSG");
    ok(proc_start_time(getpid(), &t) == 0 && t > 0, "our own start time reads");
    ok(proc_start_time(-5, &t) == -ENOENT, "a pid that is no process is ENOENT");
    return tap_done();
}
