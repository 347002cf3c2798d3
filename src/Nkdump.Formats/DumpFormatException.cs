namespace Nkdump.Formats;

/// <summary>
/// A dump file is malformed. Carries the file and the byte offset where the problem was found,
/// so that the message alone tells a person where to look.
/// </summary>
public sealed class DumpFormatException : NkdumpException
{
    public DumpFormatException(string path, long offset, string problem)
        : base($"{path}: at byte offset {offset} (0x{offset:x}): {problem}")
    {
        FilePath = path;
        Offset = offset;
        Problem = problem;
    }

    public string FilePath { get; }

    public long Offset { get; }

    public string Problem { get; }
}
