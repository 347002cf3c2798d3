using System.Buffers.Binary;
using System.Numerics;
using Nkdump.Formats.IO;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// One bitmap of a kdump-compressed file (bit n = PFN n, least significant bit first), read in place
/// from the mapping, with a rank index: the number of set bits before every 4096-bit block, so
/// "how many set bits below PFN n" (the page descriptor index) costs at most 64 popcounts. The
/// index takes a 64th of the bitmap's size (32 MiB for the largest bitmap nkdump writes, 2 GiB).
/// </summary>
internal sealed class PageBitmap
{
    private const int BlockShift = 12;
    private const int BlockBits = 1 << BlockShift;
    private const int BlockBytes = BlockBits / 8;

    private readonly ISpanFile _file;
    private readonly long _offset;

    public long Offset => _offset;
    private readonly long[] _rank;

    /// <param name="bits">How many bits are meaningful (max_mapnr); the bitmap holds at least this many.</param>
    public PageBitmap(ISpanFile file, long offset, ulong bits)
    {
        _file = file;
        _offset = offset;
        Bits = bits;
        var blocks = (long)((bits + BlockBits - 1) >> BlockShift);
        _rank = new long[blocks + 1];
        long total = 0;
        for (long b = 0; b < blocks; b++)
        {
            _rank[b] = total;
            var bytes = (int)Math.Min(BlockBytes, (long)((bits + 7) / 8) - (b * BlockBytes));
            var span = file.Unsafe(offset + (b * BlockBytes), bytes);
            total += PopCount(span, (int)Math.Min(BlockBits, (long)bits - (b * BlockBits)));
        }

        _rank[blocks] = total;
        SetCount = total;
    }

    public ulong Bits { get; }

    /// <summary>How many bits are set below <see cref="Bits"/>.</summary>
    public long SetCount { get; }

    public bool IsSet(ulong pfn) =>
        pfn < Bits && (_file.Unsafe(_offset + (long)(pfn >> 3), 1)[0] & (1 << (int)(pfn & 7))) != 0;

    /// <summary>How many bits are set in [0, pfn).</summary>
    public long Rank(ulong pfn)
    {
        if (pfn >= Bits)
        {
            return SetCount;
        }

        var block = (long)(pfn >> BlockShift);
        var bitInBlock = (int)(pfn & (BlockBits - 1));
        var bytes = (bitInBlock + 7) / 8;
        return _rank[block] + (bytes == 0 ? 0 : PopCount(_file.Unsafe(_offset + (block * BlockBytes), bytes), bitInBlock));
    }

    /// <summary>Set bits among the first <paramref name="bitCount"/> bits of <paramref name="span"/>.</summary>
    private static long PopCount(ReadOnlySpan<byte> span, int bitCount)
    {
        long count = 0;
        var i = 0;
        for (; (i + 1) * 64 <= bitCount; i++)
        {
            count += BitOperations.PopCount(BinaryPrimitives.ReadUInt64LittleEndian(span[(i * 8)..]));
        }

        for (var bit = i * 64; bit < bitCount; bit++)
        {
            if ((span[bit >> 3] & (1 << (bit & 7))) != 0)
            {
                count++;
            }
        }

        return count;
    }
}
