namespace Nkdump.Capture;

/// <summary>
/// Runs a part of the capture the vmcore does not depend on (the crashed kernel's log, the capture
/// kernel's log, the free-space check, hooks, the incidents file): whatever it throws is logged as
/// an error (and so recorded beside the dump) and the capture goes on. Only the vmcore itself may
/// fail a capture.
/// </summary>
internal static class OptionalPart
{
    /// <summary>Runs <paramref name="action"/>; false (after logging) when it threw.</summary>
    public static bool Run(CaptureLog log, string part, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e)
        {
            log.Error($"{part} failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }
}
