namespace Nkdump.Config.Crashkernel;

/// <summary>
/// Parses crashkernel= values with the grammar of the kernel's kernel/crash_reserve.c
/// (parse_crashkernel_simple, parse_crashkernel_mem, parse_crashkernel_suffix). Stricter than the
/// kernel in one way: every range is checked, not only those before the one that matches, so a
/// typo is found before the reboot rather than on a machine with more memory.
/// </summary>
public static class CrashkernelParser
{
    private const string Prefix = "crashkernel=";

    /// <summary>
    /// Parses one or more parameters separated by spaces, each with or without "crashkernel=",
    /// e.g. "2G-64G:256M,64G-:512M" or "crashkernel=512M,high crashkernel=128M,low".
    /// </summary>
    public static IReadOnlyList<CrashkernelParameter> ParseAll(string expression)
    {
        var result = new List<CrashkernelParameter>();
        var pos = 0;
        while (pos < expression.Length)
        {
            if (expression[pos] == ' ')
            {
                pos++;
                continue;
            }

            var end = expression.IndexOf(' ', pos);
            end = end < 0 ? expression.Length : end;
            var start = string.CompareOrdinal(expression, pos, Prefix, 0, Prefix.Length) == 0 ? pos + Prefix.Length : pos;
            result.Add(ParseOne(expression, start, end));
            pos = end;
        }

        if (result.Count == 0)
        {
            throw new CrashkernelSyntaxException(expression, 0, "empty expression");
        }

        return result;
    }

    /// <summary>Parses one value (without "crashkernel=").</summary>
    public static CrashkernelParameter Parse(string value) => ParseOne(value, 0, value.Length);

    private static CrashkernelParameter ParseOne(string text, int start, int end)
    {
        var value = text[start..end];
        Exception Error(int at, string message) => new CrashkernelSyntaxException(text, at, message);
        if (value.Length == 0)
        {
            throw Error(start, "a size is expected after 'crashkernel='");
        }

        if (value == "auto")
        {
            return new CrashkernelParameter(CrashkernelForm.Auto, 0, null, [], value);
        }

        var pos = start;
        ulong Size(string what)
        {
            try
            {
                return MemorySize.TryRead(text[..end], ref pos, Error)
                    ?? throw Error(pos, $"{what} expected (a number like 256M), found {Describe(text, pos, end)}");
            }
            catch (OverflowException)
            {
                throw Error(pos, "the number is too large");
            }
        }

        // A ':' means the extended syntax, as in __parse_crashkernel.
        if (value.Contains(':'))
        {
            var ranges = new List<CrashkernelRange>();
            while (true)
            {
                var rangeStart = Size("range start");
                if (pos >= end || text[pos] != '-')
                {
                    throw Error(pos, $"'-' expected after the range start, found {Describe(text, pos, end)}");
                }

                pos++;
                ulong? rangeEnd = null;
                if (pos < end && text[pos] != ':')
                {
                    var endAt = pos;
                    rangeEnd = Size("range end");
                    if (rangeEnd <= rangeStart)
                    {
                        throw Error(endAt, "the range end is not above its start");
                    }
                }

                if (pos >= end || text[pos] != ':')
                {
                    throw Error(pos, $"':' expected after the range, found {Describe(text, pos, end)}");
                }

                pos++;
                var size = Size("size");
                ranges.Add(new CrashkernelRange(rangeStart, rangeEnd, size));
                if (pos < end && text[pos] == ',')
                {
                    pos++;
                    continue;
                }

                break;
            }

            var offset = ReadOffset(text, ref pos, end, Size, Error);
            return new CrashkernelParameter(CrashkernelForm.Ranges, 0, offset, ranges, value);
        }

        var simple = Size("size");
        if (pos < end && text[pos] == ',')
        {
            var suffix = text[(pos + 1)..end];
            var form = suffix switch
            {
                "high" => CrashkernelForm.High,
                "low" => CrashkernelForm.Low,
                "cma" => CrashkernelForm.Cma,
                _ => throw Error(pos + 1, $"',high', ',low' or ',cma' expected, found ',{suffix}'"),
            };
            return new CrashkernelParameter(form, simple, null, [], value);
        }

        var at = ReadOffset(text, ref pos, end, Size, Error);
        return new CrashkernelParameter(CrashkernelForm.Simple, simple, at, [], value);
    }

    private static ulong? ReadOffset(string text, ref int pos, int end, Func<string, ulong> size, Func<int, string, Exception> error)
    {
        ulong? offset = null;
        if (pos < end && text[pos] == '@')
        {
            pos++;
            offset = size("offset after '@'");
        }

        if (pos < end)
        {
            throw error(pos, $"unexpected {Describe(text, pos, end)}");
        }

        return offset;
    }

    private static string Describe(string text, int pos, int end) => pos >= end ? "the end" : $"'{text[pos]}'";
}
