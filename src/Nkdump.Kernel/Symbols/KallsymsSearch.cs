using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Finds the kallsyms tables in the kernel image when VMCOREINFO does not name them (kernels
/// before 6.0). The search relies only on how scripts/kallsyms.c lays the tables out:
/// <list type="number">
/// <item>kallsyms_token_index is 256 u16 offsets starting at 0, each 2 to 65 more than the last
/// (a token is 1 to 64 characters and its NUL); kallsyms_token_table, just before it, holds the
/// 256 NUL-terminated tokens exactly at those offsets. Both are checked byte for byte.</item>
/// <item>kallsyms_num_syms is a 32-bit count padded to 8 bytes, and kallsyms_names starts right
/// after it and decodes (with those tokens) into that many names, ending before the token table.
/// It is searched backwards from the token table.</item>
/// <item>The address table is where one of the known layouts puts it: kallsyms_offsets and
/// kallsyms_relative_base just before kallsyms_num_syms (4.6 to 6.3), or right after
/// kallsyms_token_index (6.4+; 7.0 without a relative base), or kallsyms_addresses before
/// kallsyms_num_syms (absolute). The candidates are returned in that order; the reader keeps the
/// first whose _stext matches VMCOREINFO.</item>
/// </list>
/// The search reads at most <see cref="InputLimits.Kernel.KallsymsSearchBytes"/> of the kernel image from _stext.
/// </summary>
internal static class KallsymsSearch
{
    public static IEnumerable<KallsymsTables> Find(KernelMemory memory, VmcoreInfo info, X86_64Layout? layout)
    {
        var start = info.Symbol("_stext") ?? (X86_64Constants.DefaultStext + (layout?.KernelOffset ?? info.KernelOffset ?? 0));
        var imageEnd = X86_64Constants.StartKernelMap + (layout?.KernelImageSize ?? X86_64Constants.DefaultKernelImageSize);
        if (start >= imageEnd || start < X86_64Constants.StartKernelMap)
        {
            yield break;
        }

        var image = VirtualBuffer.Read(memory, start, (int)Math.Min((ulong)InputLimits.Kernel.KallsymsSearchBytes, imageEnd - start));
        var bytes = image.Bytes;
        for (var p = 0; p + 512 <= bytes.Length; p += 2)
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p)) != 0 || !LooksLikeTokenIndex(bytes, p) || !image.IsReadable(p, 512))
            {
                continue;
            }

            var table = FindTokenTable(bytes, p);
            if (table < 0)
            {
                continue;
            }

            var tokens = Tokens(bytes, table, p);
            var (numSyms, count) = FindNames(bytes, image, table, tokens);
            if (numSyms < 0)
            {
                continue;
            }

            var at = (ulong)numSyms + start;
            var indexAddress = start + (ulong)p;
            var names = at + 8;
            var tableAddress = start + (ulong)table;
            var offsetsBytes = Align8((ulong)count * 4);
            var afterIndex = Align8(indexAddress + 512);

            yield return new KallsymsTables(at, names, tableAddress, indexAddress, at - 8 - offsetsBytes, at - 8, null, "found by search, offsets before num_syms");
            yield return new KallsymsTables(at, names, tableAddress, indexAddress, afterIndex, Align8(afterIndex + offsetsBytes), null, "found by search, offsets after token_index");
            yield return new KallsymsTables(at, names, tableAddress, indexAddress, afterIndex, null, null, "found by search, place-relative offsets after token_index");
            yield return new KallsymsTables(at, names, tableAddress, indexAddress, null, null, at - Align8((ulong)count * 8), "found by search, absolute addresses before num_syms");
        }
    }

    private static ulong Align8(ulong value) => (value + 7) & ~7UL;

    private static bool LooksLikeTokenIndex(byte[] bytes, int p)
    {
        var previous = 0;
        for (var i = 1; i < 256; i++)
        {
            int value = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p + (i * 2)));
            var gap = value - previous;
            if (gap is < 2 or > 65)
            {
                return false;
            }

            previous = value;
        }

        return true;
    }

    /// <summary>The offset of the token table that ends just before the index at <paramref name="p"/>, or -1.</summary>
    private static int FindTokenTable(byte[] bytes, int p)
    {
        int Index(int i) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p + (i * 2)));
        var last = Index(255);

        // The last token is 1 to 64 characters, then up to 7 bytes of padding.
        for (var t = p - last - 2; t >= p - last - 2 - 64 - 8 && t >= 0; t--)
        {
            var ok = true;
            for (var i = 0; i < 256 && ok; i++)
            {
                var from = t + Index(i);
                var to = i < 255 ? t + Index(i + 1) - 1 : -1;
                if (i == 255)
                {
                    to = Array.IndexOf(bytes, (byte)0, from, p - from);
                    ok = to > from && bytes.AsSpan(to, p - to).IndexOfAnyExcept((byte)0) < 0;
                    break;
                }

                ok = bytes[to] == 0 && to > from && bytes.AsSpan(from, to - from).IndexOf((byte)0) < 0;
            }

            if (ok)
            {
                return t;
            }
        }

        return -1;
    }

    private static string[] Tokens(byte[] bytes, int table, int p)
    {
        var tokens = new string[256];
        for (var i = 0; i < 256; i++)
        {
            var from = table + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p + (i * 2)));
            var end = Array.IndexOf(bytes, (byte)0, from);
            tokens[i] = System.Text.Encoding.Latin1.GetString(bytes, from, end - from);
        }

        return tokens;
    }

    /// <summary>Searching back from the token table: a count, padding, then names that decode into exactly that many entries before the table.</summary>
    private static (int NumSyms, uint Count) FindNames(byte[] bytes, VirtualBuffer image, int table, string[] tokens)
    {
        for (var a = (table - 8) & ~3; a >= 0 && a >= table - InputLimits.Kernel.KallsymsNamesBytes; a -= 4)
        {
            var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(a));
            if (count is < 16 or > InputLimits.Kernel.KallsymsSymbols || (a & 7) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(a + 4)) != 0)
            {
                continue;
            }

            var names = a + 8;
            if (!image.IsReadable(names, table - names) || !PlausibleStart(bytes, names, table, tokens))
            {
                continue;
            }

            if (Fits(bytes, names, table, count))
            {
                return (a, count);
            }
        }

        return (-1, 0);
    }

    /// <summary>The first few entries decode into a type letter and a symbol-like name.</summary>
    private static bool PlausibleStart(byte[] bytes, int names, int end, string[] tokens)
    {
        var position = names;
        for (var i = 0; i < 8; i++)
        {
            if (position >= end)
            {
                return false;
            }

            int length = bytes[position++];
            if (length == 0 || (length & 0x80) != 0 || position + length > end)
            {
                return false;
            }

            var name = string.Concat(Enumerable.Range(position, length).Select(k => tokens[bytes[k]]));
            if (name.Length < 2 || !"tTdDbBrRaAvVwWuUsSgGnNiI".Contains(name[0]) || name.Skip(1).Any(c => c < 0x21 || c > 0x7e))
            {
                return false;
            }

            position += length;
        }

        return true;
    }

    /// <summary>Whether <paramref name="count"/> entries fit between <paramref name="names"/> and <paramref name="end"/>.</summary>
    private static bool Fits(byte[] bytes, int names, int end, uint count)
    {
        var position = names;
        for (var i = 0; i < count; i++)
        {
            if (position >= end)
            {
                return false;
            }

            int length = bytes[position++];
            if ((length & 0x80) != 0)
            {
                if (position >= end || (bytes[position] & 0x80) != 0)
                {
                    return false;
                }

                length = (length & 0x7f) | (bytes[position++] << 7);
            }

            if (length == 0)
            {
                return false;
            }

            position += length;
        }

        return position <= end;
    }
}
