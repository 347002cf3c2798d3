using System.Diagnostics;
using System.Globalization;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;

namespace Nkdump.Collector.Budget;

/// <summary>
/// A capture budget: how large the dump file may grow and how long the collection may take (kdump.conf's
/// dump_size_limit and dump_time_limit, collect's --size-limit and --time-limit). The pipeline's writer
/// asks before each chunk how many of its pages still fit; once one does not, the collection stops,
/// the file keeps what was written and stays marked incomplete. Pages go in most important first
/// (<see cref="WriteOrder"/>), so what a budget cuts off is what matters least.
/// </summary>
internal sealed class CaptureBudget
{
    private readonly ulong? _sizeLimit;
    private readonly TimeSpan? _timeLimit;
    private readonly Stopwatch _clock;

    /// <param name="sizeLimitBytes">The largest the dump file may become, or null.</param>
    /// <param name="timeLimit">The longest the collection may take, or null.</param>
    /// <param name="clock">Started when the collection started.</param>
    public CaptureBudget(ulong? sizeLimitBytes, TimeSpan? timeLimit, Stopwatch clock)
    {
        _sizeLimit = sizeLimitBytes;
        _timeLimit = timeLimit;
        _clock = clock;
    }

    /// <summary>Why the budget stopped the collection, once it did (read after the pipeline stopped).</summary>
    public string? ExhaustedBy { get; private set; }

    /// <summary>
    /// How many of the first <paramref name="count"/> pages of <paramref name="chunk"/> may still be
    /// written to a file now <paramref name="fileBytes"/> long; fewer than all records why.
    /// </summary>
    public int PagesThatFit(PageChunk chunk, int count, long fileBytes)
    {
        if (_timeLimit is { } time && _clock.Elapsed >= time)
        {
            ExhaustedBy = string.Create(CultureInfo.InvariantCulture, $"the time limit of {time.TotalSeconds:0} s was reached");
            return 0;
        }

        if (_sizeLimit is not { } limit)
        {
            return count;
        }

        var room = (long)Math.Min(limit, long.MaxValue) - fileBytes;
        var fit = 0;
        while (fit < count && chunk.Offsets[fit] + (long)chunk.Lengths[fit] <= room)
        {
            fit++;
        }

        if (fit < count)
        {
            ExhaustedBy = string.Create(CultureInfo.InvariantCulture, $"the size limit of {limit} bytes was reached");
        }

        return fit;
    }

    /// <summary>The exception that stops the pipeline when a chunk no longer fits (<see cref="ExhaustedBy"/> says why).</summary>
    public CaptureBudgetExhaustedException Exhausted() => new(ExhaustedBy ?? "the capture budget ran out");
}

/// <summary>Thrown on the pipeline's writer thread to stop a collection whose budget ran out; not a failure: the file is kept, marked incomplete.</summary>
public sealed class CaptureBudgetExhaustedException(string message) : NkdumpException(message);
