namespace Nkdump.Kernel.Tasks;

/// <summary>
/// The one-letter task state, computed the way the kernel's __task_state_index() and
/// task_index_to_char() do (kernel/sched, include/linux/sched.h; values stable since 4.14).
/// </summary>
internal static class TaskState
{
    // TASK_INTERRUPTIBLE 0x1, TASK_UNINTERRUPTIBLE 0x2, __TASK_STOPPED 0x4, __TASK_TRACED 0x8,
    // EXIT_DEAD 0x10, EXIT_ZOMBIE 0x20, TASK_PARKED 0x40 → TASK_REPORT 0x7f; TASK_REPORT_IDLE = 0x80.
    private const uint TaskReport = 0x7f;
    private const uint TaskReportIdle = TaskReport + 1;

    // TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD (0x400).
    private const uint TaskIdle = 0x2 | 0x400;

    // TASK_RTLOCK_WAIT (5.15+) reports as TASK_UNINTERRUPTIBLE.
    private const uint TaskRtlockWait = 0x1000;

    private const string Letters = "RSDTtXZPI";

    public static char Letter(uint state, uint exitState)
    {
        var report = (state | exitState) & TaskReport;
        if (state == TaskIdle)
        {
            report = TaskReportIdle;
        }
        else if (state == TaskRtlockWait)
        {
            report = 0x2;
        }

        // fls(): index of the highest set bit, 1-based; 0 for running.
        var index = report == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount(report);
        return Letters[index];
    }
}
