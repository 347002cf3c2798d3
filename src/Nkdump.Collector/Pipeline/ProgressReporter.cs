using System.Diagnostics;
using System.Globalization;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// makedumpfile-style progress on stderr: "Copying data   : [ 45.2 %] /  eta: 3s", redrawn in
/// place with '\r' at most once a second, and a final 100 % line. Shown only when the message
/// level has makedumpfile's progress bit (1); --message-level 0 is silent.
/// </summary>
internal sealed class ProgressReporter(TextWriter output, int messageLevel, Func<TimeSpan>? clock = null)
{
    public const int ProgressBit = 1;

    private static readonly char[] Spinner = ['/', '|', '\\', '-'];

    private readonly Func<TimeSpan> _clock = clock ?? StartClock();
    private readonly bool _enabled = (messageLevel & ProgressBit) != 0;
    private TimeSpan _start = TimeSpan.MinValue;
    private TimeSpan _last = TimeSpan.MinValue;
    private int _lapse;

    public void Report(string step, ulong current, ulong end)
    {
        if (!_enabled)
        {
            return;
        }

        var now = _clock();
        if (_start == TimeSpan.MinValue)
        {
            _start = now;
        }

        var done = current >= end;
        if (!done && _last != TimeSpan.MinValue && now - _last < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _last = now;
        var permille = done || end == 0 ? 1000UL : current * 1000 / end;
        var eta = "";
        if (!done && permille > 0)
        {
            var elapsed = now - _start;
            var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(1000 - permille) / permille));
            eta = "eta: " + Human(remaining);
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"\r{step,-35}: [{permille / 10,3}.{permille % 10} %] {Spinner[_lapse++ % 4]}  {eta,16}");
        output.Write(line);
        if (done)
        {
            output.Write('\n');
            _start = TimeSpan.MinValue;
            _last = TimeSpan.MinValue;
        }

        output.Flush();
    }

    private static Func<TimeSpan> StartClock()
    {
        var watch = Stopwatch.StartNew();
        return () => watch.Elapsed;
    }

    private static string Human(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes}m"
        : span.TotalMinutes >= 1 ? $"{span.Minutes}m{span.Seconds}s"
        : $"{Math.Max(0, (int)Math.Ceiling(span.TotalSeconds))}s";
}

