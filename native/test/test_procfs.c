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

    /* field 9 holds the task flags: 4194560 is 0x400100, 4194564 adds PF_EXITING (0x4) */
    ok(proc_stat_ended(odd, 987654) == 0, "a sleeping process of that start time lives");
    ok(proc_stat_ended(odd, 987655) == 1, "another start time is another process: ended");
    const char *exiting = "42 (a) S 1 42 42 0 -1 4194564 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
    ok(proc_stat_ended(exiting, 987654) == 1, "PF_EXITING: ending");
    const char *zombie = "42 (a) Z 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
    ok(proc_stat_ended(zombie, 987654) == 1, "a zombie has ended");
    ok(proc_stat_ended("42 (x) S 1 2", 1) == -EBADMSG, "a short line is EBADMSG");
    ok(proc_start_time(getpid(), &t) == 0 && proc_ended(getpid(), t) == 0, "we live");
    ok(proc_ended(-5, 1) == 1, "a pid with no process has ended");
    return tap_done();
}
