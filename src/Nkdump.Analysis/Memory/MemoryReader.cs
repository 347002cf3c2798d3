using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Kernel;

namespace Nkdump.Analysis.Memory;

/// <summary>One "rd" result: the values read (as unsigned numbers of the unit size) and why it stopped short.</summary>
internal sealed record MemoryRead(ulong Address, bool Physical, int UnitBytes, IReadOnlyList<ulong> Values, byte[] Bytes, string? Problem);

/// <summary>Reads memory for "rd": virtual addresses through the page tables, or physical ones directly.</summary>
internal static class MemoryReader
{
    /// <summary>Most bytes one "rd" reads.</summary>
    public const int MaxBytes = 1 << 20;

    public static MemoryRead Read(KernelContext kernel, ulong address, bool physical, int unitBytes, int count)
    {
        var length = (int)Math.Min((long)unitBytes * Math.Max(count, 1), MaxBytes);
        var bytes = new byte[length];
        int done;
        string? problem = null;
        if (physical)
        {
            // Physical reads go page by page so the readable prefix survives a missing page.
            done = 0;
            var pageSize = kernel.Physical.PageSize;
            while (done < length)
            {
                var at = address + (ulong)done;
                var chunk = (int)Math.Min(length - done, pageSize - (int)(at % (ulong)pageSize));
                if (!kernel.Physical.TryRead(at, bytes.AsSpan(done, chunk), out var failure))
                {
                    problem = $"physical 0x{at:x}: {failure}";
                    break;
                }

                done += chunk;
            }
        }
        else
        {
            done = kernel.Memory.TryReadPrefix(address, bytes, out var failure);
            if (done < length)
            {
                problem = failure.ToString();
            }
        }

        var values = new List<ulong>(done / unitBytes);
        for (var at = 0; at + unitBytes <= done; at += unitBytes)
        {
            var span = bytes.AsSpan(at, unitBytes);
            values.Add(unitBytes switch
            {
                1 => span[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(span),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(span),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(span),
            });
        }

        return new MemoryRead(address, physical, unitBytes, values, bytes[..done], problem);
    }
}
