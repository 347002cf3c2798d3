using Nkdump.Formats;

namespace Nkdump.Fuzz;

/// <summary>
/// What every target promises for any input: a result, or an <see cref="NkdumpException"/> (which
/// DumpFormatException and ConfigException derive from) that the CLI turns into a message and exit 1.
/// Every other exception is a finding, and so is a run that allocates more than the target allows
/// for an input of that size (a reader sized by a header field rather than by the data present).
/// Hangs are the fuzzer's to catch (afl-fuzz -t, and <c>timeout</c> around a replay).
/// </summary>
internal static class Contract
{
    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/>; returns the expected error, or null when it succeeded.</summary>
    public static string? Run(FuzzTarget target, byte[] input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        string? refused = null;
        try
        {
            target.Run(input);
        }
        catch (NkdumpException e)
        {
            refused = e.Message;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var allowed = target.AllocationBase + (target.AllocationPerInputByte * input.Length);
        if (allocated > allowed)
        {
            throw new AllocationLimitException($"{target.Name}: one run allocated {allocated} bytes for a {input.Length}-byte input (allowed {allowed})");
        }

        return refused;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes of one input.</summary>
    public static byte[] ReadInput(Stream stream, int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 << 10];
        int read;
        while (buffer.Length < limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>A run allocated more than its input justifies: reported as a crash, like any other finding.</summary>
internal sealed class AllocationLimitException(string message) : Exception(message);
