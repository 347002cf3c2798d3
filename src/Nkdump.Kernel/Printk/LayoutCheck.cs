using Nkdump.Formats;
using Nkdump.Formats.Limits;

namespace Nkdump.Kernel.Printk;

/// <summary>
/// Reads the SIZE() and OFFSET() values a printk reader indexes with and checks each one before it
/// is used: a size within <see cref="InputLimits.Kernel.PrintkStructBytes"/>, an offset not negative and its field inside
/// the structure it belongs to. A crashed kernel's VMCOREINFO is input like any other: a wrong value
/// becomes an <see cref="NkdumpException"/> that names the key and the value
/// ("OFFSET(prb_desc.state_var)=4096 is past SIZE(prb_desc)=24"), never an index out of range.
/// Keys that are absent are collected and reported together by <see cref="ThrowIfMissing"/>.
/// </summary>
internal sealed class LayoutCheck(VmcoreInfo info, string layoutName)
{
    private readonly List<string> _missing = [];

    /// <summary>Optional fields that were present but wrong, and so not used.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>SIZE(<paramref name="type"/>), at least <paramref name="minimum"/> bytes; null (and noted) when absent.</summary>
    public int? RequiredSize(string type, int minimum)
    {
        var size = OptionalSize(type, minimum);
        if (size is null)
        {
            _missing.Add($"SIZE({type})");
        }

        return size;
    }

    /// <summary>SIZE(<paramref name="type"/>) when VMCOREINFO has it, at least <paramref name="minimum"/> bytes; else null.</summary>
    public int? OptionalSize(string type, int minimum)
    {
        var key = $"SIZE({type})";
        if (Value(key) is not { } size)
        {
            return null;
        }

        if (size < minimum || size > InputLimits.Kernel.PrintkStructBytes)
        {
            throw Wrong(size < minimum
                ? $"{key}={size} is smaller than the {minimum} bytes read from it"
                : $"{key}={size} is larger than any such structure (at most {InputLimits.Kernel.PrintkStructBytes} bytes)");
        }

        return (int)size;
    }

    /// <summary>
    /// OFFSET(<paramref name="member"/>) of a field of <paramref name="width"/> bytes in a structure of
    /// <paramref name="size"/> bytes (SIZE(<paramref name="type"/>); null: not known, only the sign
    /// and <see cref="InputLimits.Kernel.PrintkStructBytes"/> are checked). Absent: <paramref name="whenAbsent"/> when given,
    /// else noted as missing and 0 returned.
    /// </summary>
    public int RequiredField(string member, int width, string type, int? size, int? whenAbsent = null)
    {
        var key = $"OFFSET({member})";
        if (Value(key) is not { } offset)
        {
            if (whenAbsent is { } value)
            {
                return value;
            }

            _missing.Add(key);
            return 0;
        }

        return Why(key, offset, width, type, size) is { } why ? throw Wrong(why) : (int)offset;
    }

    /// <summary>Like <see cref="RequiredField"/> for a field the reader can do without: absent or wrong gives null (wrong also a problem).</summary>
    public int? OptionalField(string member, int width, string type, int? size, string consequence)
    {
        var key = $"OFFSET({member})";
        if (Value(key) is not { } offset)
        {
            return null;
        }

        if (Why(key, offset, width, type, size) is { } why)
        {
            Problems.Add($"VMCOREINFO: {why}: {consequence}");
            return null;
        }

        return (int)offset;
    }

    /// <summary>LENGTH(<paramref name="name"/>) when present and within 1..<paramref name="room"/>; a wrong one is a problem and gives null.</summary>
    public int? OptionalLength(string name, int room, string consequence)
    {
        var key = $"LENGTH({name})";
        if (Value(key) is not { } length)
        {
            return null;
        }

        if (length < 1 || length > room)
        {
            Problems.Add($"VMCOREINFO: {key}={length} does not fit the {room} bytes left for it: {consequence}");
            return null;
        }

        return (int)length;
    }

    /// <summary>Notes a key the layout needs that VMCOREINFO lacks (one that is not a SIZE or an OFFSET).</summary>
    public void Missing(string key) => _missing.Add(key);

    public void ThrowIfMissing()
    {
        if (_missing.Count > 0)
        {
            throw new NkdumpException($"VMCOREINFO lacks {layoutName}: {string.Join(", ", _missing)}");
        }
    }

    /// <summary>The decimal value of <paramref name="key"/>; null when absent; a value that is not a number is refused by name.</summary>
    private long? Value(string key)
    {
        var text = info.Get(key);
        if (text is null)
        {
            return null;
        }

        return info.ParseDecimal(key) ?? throw Wrong($"{key}={text} is not a decimal number");
    }

    private static string? Why(string key, long offset, int width, string type, int? size)
    {
        if (offset < 0)
        {
            return $"{key}={offset} is negative";
        }

        var limit = size ?? InputLimits.Kernel.PrintkStructBytes;
        if (offset > limit - width) // not offset + width: that overflows for OFFSET()=2^63-1
        {
            var sizeKey = size is null ? $"the largest plausible structure ({InputLimits.Kernel.PrintkStructBytes} bytes)" : $"SIZE({type})={size}";
            return offset >= limit ? $"{key}={offset} is past {sizeKey}" : $"{key}={offset} is past {sizeKey} (the field is {width} bytes)";
        }

        return null;
    }

    private NkdumpException Wrong(string why) => new($"VMCOREINFO's {layoutName} is wrong: {why}");
}
