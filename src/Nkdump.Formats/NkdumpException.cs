namespace Nkdump.Formats;

/// <summary>
/// A failure a person can act on (a missing file, a wrong setting, a dump that lacks what a
/// command needs). The CLI prints its message and exits 1; no stack trace.
/// </summary>
public class NkdumpException : Exception
{
    public NkdumpException(string message)
        : base(message)
    {
    }

    public NkdumpException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
