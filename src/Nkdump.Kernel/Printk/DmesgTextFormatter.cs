using System.Globalization;
using System.Text;

namespace Nkdump.Kernel.Printk;

/// <summary>
/// The kernel log as text, byte for byte as makedumpfile --dump-dmesg writes it: "[%5llu.%06lu] "
/// then the text, a newline inside a record continued with spaces under the text, and
/// unprintable bytes as \xNN. Newer makedumpfile puts the caller ("[%8s] ", T123 or C1) after the
/// time; that is <paramref name="caller"/>.
/// </summary>
public static class DmesgTextFormatter
{
    public static void Append(StringBuilder output, PrintkRecord record, bool caller)
    {
        var start = output.Length;
        var seconds = record.TimestampNs / 1_000_000_000;
        var micros = record.TimestampNs % 1_000_000_000 / 1000;
        output.Append('[').Append(seconds.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append('.')
            .Append(micros.ToString("D6", CultureInfo.InvariantCulture)).Append("] ");
        if (caller && record.Caller is { } c)
        {
            output.Append('[').Append(c.PadLeft(8)).Append("] ");
        }

        var indent = output.Length - start;
        foreach (var b in record.Text)
        {
            if (b == (byte)'\n')
            {
                output.Append('\n').Append(' ', indent);
            }
            else if (b is >= 0x20 and <= 0x7e || b is (byte)'\t' or 0x0b or 0x0c or (byte)'\r')
            {
                // C's isprint() or isspace() in the C locale.
                output.Append((char)b);
            }
            else if (b >= 0x80)
            {
                // makedumpfile passes a signed char to printf("\\x%02x"): bytes >= 0x80 come out sign-extended.
                output.Append("\\xffffff").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                output.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        output.Append('\n');
    }

    public static string Format(IEnumerable<PrintkRecord> records, bool caller)
    {
        var output = new StringBuilder();
        foreach (var record in records)
        {
            Append(output, record, caller);
        }

        return output.ToString();
    }
}
