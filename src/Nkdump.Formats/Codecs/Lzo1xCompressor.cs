using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// LZO1X-1 compression in managed code, producing exactly the bytes of liblzo2 2.10's
/// lzo1x_1_compress as Debian builds it for x86_64 (unaligned 64-bit loads, count-trailing-zeros
/// match extension). Byte identity matters: makedumpfile -l calls that function, so equal bytes
/// mean equal dump sizes, and liblzo2 stays the oracle in the tests.
/// <para>
/// The format facts it follows (from lzo's lzo1x_1.c and lzo1x_c.ch): blocks of at most 49152
/// bytes, each with a fresh 16384-entry dictionary of positions that reads as position 0 where
/// nothing was stored; the hash of the little-endian 32-bit word v at ip is
/// (0x1824429d * v mod 2^32) >> 18; a miss advances ip by 1 + (literal run so far) / 32; the
/// search stops 20 bytes before the block end; literal runs shorter than 4 bytes ride in the low
/// bits of the previous match's second-last byte; M2 (length 3..8, offset up to 0x800), M3
/// (offset up to 0x4000) and M4 (offset up to 0xbfff) match codes; the tail is one literal run
/// (code 17 + n when it is the whole output) and the end marker 0x11 0 0.
/// </para>
/// <para>
/// Like liblzo2 it clears its 32 KiB dictionary for every block (every page). Session 4's version
/// tagged each entry with the number of the block that wrote it and cleared the table every 15
/// pages; decoding the tag on every probe cost more than the clear (a memset that runs at memory
/// speed): clearing per page compressed 6-8 % faster, one thread, same bytes.
/// </para>
/// Not thread-safe: one instance per worker. Compressing allocates nothing once the instance has
/// seen its largest input (or was made for it).
/// </summary>
internal sealed unsafe class Lzo1xCompressor
{
    /// <summary>lzo1x_1_compress compresses its input in independent blocks of this many bytes.</summary>
    public const int BlockSize = 49152;

    private const int HashBits = 14;

    private const uint HashMultiplier = 0x1824429d;

    // 16-bit entries as in liblzo2 (32 KiB, so the table stays in L1 next to the page), pinned for
    // the object's lifetime so the hot loop can hold a plain pointer to it.
    private readonly ushort[] _dictionary = GC.AllocateArray<ushort>(1 << HashBits, pinned: true);

    // For destinations too small for the worst case: compress here, then copy if it fits.
    private byte[] _scratch;

    /// <summary>A compressor whose scratch buffer is ready for inputs of up to <paramref name="expectedLength"/> bytes.</summary>
    public Lzo1xCompressor(int expectedLength = 0)
    {
        _scratch = new byte[expectedLength > 0 ? WorstCase(expectedLength) : 0];
    }

    /// <summary>
    /// The most output LZO1X-1 can give for <paramref name="length"/> input bytes: lzo's documented
    /// n + n/16 + 64 + 3. With at least this much room the compressor writes straight into the
    /// destination, including the up-to-15-byte over-copies of literals (see <see cref="CompressBlock"/>).
    /// </summary>
    public static int WorstCase(int length) => length + (length / 16) + 64 + 3;

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="destination"/>, as lzo1x_1_compress
    /// would. Returns false, with nothing written past the span, when the result does not fit.
    /// Bytes of the destination after <paramref name="written"/> may be overwritten.
    /// </summary>
    public bool TryCompress(ReadOnlySpan<byte> input, Span<byte> destination, out int written)
    {
        var worstCase = WorstCase(input.Length);
        if (destination.Length >= worstCase)
        {
            written = Compress(input, destination);
            return true;
        }

        if (_scratch.Length < worstCase)
        {
            _scratch = new byte[worstCase];
        }

        return ScratchOutput.CopyIfFits(_scratch, Compress(input, _scratch), destination, out written);
    }

    /// <summary>Compresses into a destination of at least <see cref="WorstCase"/> bytes; returns the length.</summary>
    private int Compress(ReadOnlySpan<byte> input, Span<byte> destination)
    {
        fixed (byte* inStart = input)
        fixed (byte* outStart = destination)
        {
            var ip = inStart;
            var op = outStart;
            var dictionary = (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_dictionary));

            // Literals not yet written: carried from block to block, like liblzo2's "t".
            nuint pending = 0;
            nuint left = (nuint)input.Length;
            while (left > 20)
            {
                // liblzo2 guards against pointer overflow with "end + (t + ll) / 32 <= end", which also
                // holds when fewer than 32 bytes (pending ones included) are left: those stay literals.
                var blockLength = left < BlockSize ? left : BlockSize;
                if (pending + blockLength < 32)
                {
                    break;
                }

                // A cleared entry reads as position 0 of the block, as in liblzo2.
                Array.Clear(_dictionary);
                op = CompressBlock(ip, blockLength, op, ref pending, dictionary);
                ip += blockLength;
                left -= blockLength;
            }

            pending += left;
            if (pending > 0)
            {
                op = WriteFinalLiterals(inStart + input.Length - pending, pending, outStart, op);
            }

            // End of stream: an M4 code with offset 0.
            op[0] = 0x11;
            op[1] = 0;
            op[2] = 0;
            op += 3;
            return (int)(op - outStart);
        }
    }

    /// <summary>
    /// One block (up to 49152 bytes, at least 32 with the pending ones) of lzo1x_1_compress_core:
    /// emits every match found with the literals before it; leaves in <paramref name="pending"/>
    /// the literals after the last match (counting the <paramref name="pending"/> carried in).
    /// <para>
    /// Writes past the final output by up to 15 bytes (literal runs are copied 16 bytes at a time).
    /// That stays within <see cref="WorstCase"/>: each literal run of t bytes costs at most
    /// t + 2 + t/255 bytes and is followed by a match of m ≥ 4 input bytes costing at most m - 1,
    /// so the output never runs ahead of the input consumed by more than 1/16 of it, and a copy
    /// that starts before the last 20 input bytes ends at least 50 bytes short of the bound.
    /// Reads stay inside the block (and the pending bytes before it): the search stops 20 bytes
    /// before the end and the 8-byte match compares stop as soon as they pass that point.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte* CompressBlock(byte* input, nuint length, byte* op, ref nuint pending, ushort* dictionary)
    {
        var ipEnd = input + length - 20;
        var ip = input;
        var ii = input;
        var carried = pending;
        ip += carried < 4 ? 4 - carried : 0;
        ip += 1;

        // An entry is a position in the block (below 49152): (ushort)(ip + entryBias) writes it.
        var entryBias = 0 - (nuint)input;

        while (ip < ipEnd)
        {
            // Find the next 4-byte match at ip through the hash of its first 4 bytes. A miss moves
            // ip on by 1 + (ip - ii) / 32: the same step for each stretch of 32 bytes, so the loop
            // runs stretch by stretch, two probes per bound check while two fit in the stretch
            // (3 % faster than one, one thread).
            byte* match;
            while (true)
            {
                var step = 1 + ((nuint)(ip - ii) >> 5);
                var stretchEnd = ii + ((nuint)(ip - ii) | 31) + 1;
                if (stretchEnd > ipEnd)
                {
                    stretchEnd = ipEnd;
                }

                var pairEnd = stretchEnd - step;
                while (ip < pairEnd)
                {
                    if (Probe(ip, input, dictionary, entryBias, out match))
                    {
                        goto Found;
                    }

                    ip += step;
                    if (Probe(ip, input, dictionary, entryBias, out match))
                    {
                        goto Found;
                    }

                    ip += step;
                }

                if (ip < stretchEnd)
                {
                    if (Probe(ip, input, dictionary, entryBias, out match))
                    {
                        goto Found;
                    }

                    ip += step;
                }

                if (ip >= ipEnd)
                {
                    goto BlockDone;
                }
            }

        Found:
            ii -= carried;
            carried = 0;
            op = WriteLiterals(ii, (nuint)(ip - ii), op);

            // Extend the match 8 bytes at a time; like liblzo2, give up counting once past ipEnd.
            nuint matchLength = 4;
            var difference = Unsafe.ReadUnaligned<ulong>(ip + 4) ^ Unsafe.ReadUnaligned<ulong>(match + 4);
            if (difference == 0)
            {
                do
                {
                    matchLength += 8;
                    difference = Unsafe.ReadUnaligned<ulong>(ip + matchLength) ^ Unsafe.ReadUnaligned<ulong>(match + matchLength);
                    if (ip + matchLength >= ipEnd)
                    {
                        goto LengthKnown;
                    }
                }
                while (difference == 0);
            }

            matchLength += (nuint)BitOperations.TrailingZeroCount(difference) >> 3;

        LengthKnown:
            var offset = (nuint)(ip - match);
            ip += matchLength;
            ii = ip;
            op = WriteMatch(op, matchLength, offset);
        }

    BlockDone:
        pending = (nuint)(input + length - (ii - carried));
        return op;
    }

    /// <summary>
    /// Looks up the 4 bytes at <paramref name="ip"/> in the dictionary and puts ip in their place;
    /// true when the position found holds the same 4 bytes (a cleared entry is position 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Probe(byte* ip, byte* input, ushort* dictionary, nuint entryBias, out byte* match)
    {
        var word = Unsafe.ReadUnaligned<uint>(ip);
        var hash = (word * HashMultiplier) >> (32 - HashBits);
        match = input + dictionary[hash];
        dictionary[hash] = (ushort)((nuint)ip + entryBias);
        return Unsafe.ReadUnaligned<uint>(match) == word;
    }

    /// <summary>The literal run of <paramref name="count"/> bytes before a match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WriteLiterals(byte* source, nuint count, byte* op)
    {
        if (count <= 3)
        {
            // Carried in the low 2 bits of the previous match's second-last byte. A count of 0
            // (only ever right after a match) changes nothing: the 4 bytes copied lie past op.
            op[-2] |= (byte)count;
            Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<uint>(source));
            return op + count;
        }

        if (count <= 16)
        {
            *op++ = (byte)(count - 3);
            Copy16(op, source);
            return op + count;
        }

        op = WriteLiteralCode(op, count);
        var end = op + count;
        do
        {
            Copy16(op, source);
            op += 16;
            source += 16;
        }
        while (op < end);

        return end;
    }

    /// <summary>The tail literal run, copied exactly (nothing after it may be overwritten).</summary>
    private static byte* WriteFinalLiterals(byte* source, nuint count, byte* outStart, byte* op)
    {
        if (op == outStart && count <= 238)
        {
            *op++ = (byte)(17 + count);
        }
        else if (count <= 3)
        {
            op[-2] |= (byte)count;
        }
        else
        {
            op = WriteLiteralCode(op, count);
        }

        Buffer.MemoryCopy(source, op, count, count);
        return op + count;
    }

    /// <summary>
    /// The code byte of a literal run of <paramref name="count"/> ≥ 4: count - 3 up to 18; past that
    /// 0, a zero byte per 255 more, and the remainder (1..255) of count - 18.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WriteLiteralCode(byte* op, nuint count)
    {
        if (count <= 18)
        {
            *op++ = (byte)(count - 3);
            return op;
        }

        *op++ = 0;
        return WriteExtension(op, count - 18);
    }

    /// <summary>The extension of a length field: a zero byte per 255 in <paramref name="rest"/>, then the remainder (1..255).</summary>
    private static byte* WriteExtension(byte* op, nuint rest)
    {
        while (rest > 255)
        {
            rest -= 255;
            *op++ = 0;
        }

        *op++ = (byte)rest;
        return op;
    }

    /// <summary>
    /// A match of <paramref name="length"/> ≥ 4 bytes at distance <paramref name="offset"/> (1..0xbfff):
    /// M2 (length up to 8, offset up to 0x800): 3 bits of length - 1 and 11 of offset - 1 in 2 bytes;
    /// M3 (offset up to 0x4000): marker 32 | length - 2 (5 bits), then 14 bits of offset - 1 shifted
    /// left by 2; M4: marker 16 | bit 14 of offset - 0x4000 in bit 3 | length - 2 (3 bits), then the
    /// low 14 bits of offset - 0x4000 likewise. Lengths past 33 (M3) or 9 (M4) are extended.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WriteMatch(byte* op, nuint length, nuint offset)
    {
        if (length <= 8 && offset <= 0x800)
        {
            offset -= 1;
            op[0] = (byte)(((length - 1) << 5) | ((offset & 7) << 2));
            op[1] = (byte)(offset >> 3);
            return op + 2;
        }

        if (offset <= 0x4000)
        {
            offset -= 1;
            if (length <= 33)
            {
                op[0] = (byte)(32 | (length - 2));
                op[1] = (byte)(offset << 2);
                op[2] = (byte)(offset >> 6);
                return op + 3;
            }

            return WriteLongMatch(op, length - 33, offset, 32);
        }

        offset -= 0x4000;
        var marker = (byte)(16 | ((offset >> 11) & 8));
        if (length <= 9)
        {
            op[0] = (byte)(marker | (length - 2));
            op[1] = (byte)(offset << 2);
            op[2] = (byte)(offset >> 6);
            return op + 3;
        }

        return WriteLongMatch(op, length - 9, offset, marker);
    }

    /// <summary>An M3 or M4 match with an extended length: <paramref name="extra"/> past the longest short one.</summary>
    private static byte* WriteLongMatch(byte* op, nuint extra, nuint distance, byte marker)
    {
        *op++ = marker;
        op = WriteExtension(op, extra);
        op[0] = (byte)(distance << 2);
        op[1] = (byte)(distance >> 6);
        return op + 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy16(byte* destination, byte* source) =>
        Unsafe.WriteUnaligned(destination, Unsafe.ReadUnaligned<Vector128<byte>>(source));
}
