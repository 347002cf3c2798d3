using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nkdump.Formats.Codecs;

/// <summary>What <see cref="Lzo1xDecompressor.Decompress"/> found; the values are liblzo2's LZO_E_* codes.</summary>
internal enum Lzo1xStatus
{
    /// <summary>The end marker, with every input byte consumed.</summary>
    Ok = 0,

    /// <summary>The input ends before the stream does (no end marker, or a code cut short).</summary>
    InputOverrun = -4,

    /// <summary>The stream expands to more than the output holds.</summary>
    OutputOverrun = -5,

    /// <summary>A match reaches back before the start of the output.</summary>
    LookbehindOverrun = -6,

    /// <summary>The end marker came before the end of the input: trailing bytes.</summary>
    InputNotConsumed = -8,
}

/// <summary>
/// LZO1X decompression in managed code, with the outcome of liblzo2 2.10's lzo1x_decompress_safe
/// for every input: the same status, the same number of bytes written (also on failure, where
/// liblzo2 reports how far it got) and the same bytes. Every input byte is treated as hostile
/// (pages come from crashed machines): it never reads past the input, never writes past the
/// output, never copies from before the output's start, and every step consumes input, so it ends.
/// <para>
/// The format (facts from lzo's lzo1x_d.ch and the kernel's lzo1x_decompress_safe.c): a stream is
/// a sequence of codes, each a literal run or a match. A first byte above 17 is a literal run of
/// byte - 17. A code byte below 16 is a literal run of code + 3 bytes (code 0: 18 + a zero byte per
/// 255 more + a final non-zero byte) when the previous code was a match that carried no literals.
/// A match's last distance byte (the byte two before the next code) holds in its low 2 bits the
/// number (0..3) of literals that follow it. Match codes: 64 and up M2 (length 3..8 in the top 3
/// bits, distance 1..0x800 from 3 bits of the code and 8 of the next byte); 32..63 M3 (length in 5
/// bits, extended like literal runs, distance 1..0x4000 in the 14 high bits of the next two bytes,
/// little-endian); 16..31 M4 (length in 3 bits, distance 0x4000 + bit 3 of the code * 0x4000 + the
/// next two bytes' 14 high bits; a distance of exactly 0x4000 is the end marker, normally
/// 0x11 0 0); below 16, M1: a 2-byte match at distance 1..0x400 after 1..3 literals, a 3-byte one
/// at 0x801..0xc00 right after a literal run of 4 or more.
/// </para>
/// <para>
/// The checks are liblzo2's, in its order, so malformed streams fail with its status: before each
/// code at least 3 input bytes; after a literal run the run plus 3 (a code always follows); output
/// room for a literal run or match before copying it; the distance before the output room.
/// The kernel's LZO-RLE variant (first bytes 0x11, version) is not LZO1X to liblzo2 and not to this
/// decoder: it reads as an end marker with trailing bytes, or as a match before the output start.
/// </para>
/// Copies go 16 (literals, distant matches) or 8 bytes at a time while the output has room for the
/// over-copy; near the ends they are exact. Bytes of the output after the written length may have
/// been overwritten. Input and output must not overlap. Allocates nothing; thread-safe.
/// </summary>
internal static unsafe class Lzo1xDecompressor
{
    // M1 codes right after a literal run of 4 or more reach past M2's range.
    private const nuint M2MaxDistance = 0x800;

    private const nuint M4BaseDistance = 0x4000;

    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/> as lzo1x_decompress_safe
    /// would with an output capacity of output.Length; <paramref name="written"/> is its out_len.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Lzo1xStatus Decompress(ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        fixed (byte* inStart = input)
        fixed (byte* outStart = output)
        {
            var ip = inStart;
            var ipEnd = inStart + input.Length;
            var op = outStart;
            var opEnd = outStart + output.Length;
            Lzo1xStatus status;
            nuint t;
            nuint distance;

            if (ipEnd - ip < 1)
            {
                goto InputOverrun;
            }

            // A first byte above 17 is a literal run on its own: 1..3 literals go on as if carried by a match.
            if (*ip > 17)
            {
                t = (nuint)(*ip++ - 17);
                if (t < 4)
                {
                    goto CarriedLiterals;
                }

                goto LiteralRun;
            }

        NextCode:
            // A code where a literal run may stand (after a match that carried no literals).
            if (ipEnd - ip < 3)
            {
                goto InputOverrun;
            }

            t = *ip++;
            if (t >= 16)
            {
                goto Match;
            }

            if (t == 0)
            {
                // Two input bytes are known to follow the code; each zero byte adds 255.
                while (*ip == 0)
                {
                    t += 255;
                    ip++;
                    if (ip == ipEnd)
                    {
                        goto InputOverrun;
                    }
                }

                t += 15 + (nuint)(*ip++);
            }

            // A literal run of t + 3 bytes, which a code of at least 3 bytes must follow.
            t += 3;

        LiteralRun:
            if ((nuint)(opEnd - op) < t)
            {
                goto OutputOverrun;
            }

            if ((nuint)(ipEnd - ip) < t + 3)
            {
                goto InputOverrun;
            }

            CopyLiterals(op, ip, t, opEnd, ipEnd);
            op += t;
            ip += t;

            // Three input bytes are known to be left. A code below 16 here is a 3-byte M1 match
            // beyond M2's reach.
            t = *ip++;
            if (t >= 16)
            {
                goto Match;
            }

            distance = 1 + M2MaxDistance + (t >> 2) + ((nuint)(*ip++) << 2);
            if (distance > (nuint)(op - outStart))
            {
                goto LookbehindOverrun;
            }

            if ((nuint)(opEnd - op) < 3)
            {
                goto OutputOverrun;
            }

            op[0] = op[-(nint)distance];
            op[1] = op[1 - (nint)distance];
            op[2] = op[2 - (nint)distance];
            op += 3;
            goto MatchDone;

        Match:
            // t is a code of 16 or more, or an M1 code after carried literals; at least two input
            // bytes are known to follow it.
            if (t >= 64)
            {
                distance = 1 + ((t >> 2) & 7) + ((nuint)(*ip++) << 3);
                t = (t >> 5) + 1;
            }
            else if (t >= 32)
            {
                t &= 31;
                if (t == 0)
                {
                    t = 31 + ReadLengthExtension(ref ip, ipEnd);
                    if (t == 31 || ipEnd - ip < 2)
                    {
                        goto InputOverrun;
                    }
                }

                distance = 1 + ((nuint)Unsafe.ReadUnaligned<ushort>(ip) >> 2);
                ip += 2;
                t += 2;
            }
            else if (t >= 16)
            {
                distance = (t & 8) << 11;
                t &= 7;
                if (t == 0)
                {
                    t = 7 + ReadLengthExtension(ref ip, ipEnd);
                    if (t == 7 || ipEnd - ip < 2)
                    {
                        goto InputOverrun;
                    }
                }

                distance += (nuint)Unsafe.ReadUnaligned<ushort>(ip) >> 2;
                ip += 2;
                if (distance == 0)
                {
                    goto EndMarker;
                }

                distance += M4BaseDistance;
                t += 2;
            }
            else
            {
                // M1 after 1..3 carried literals: 2 bytes.
                distance = 1 + (t >> 2) + ((nuint)(*ip++) << 2);
                if (distance > (nuint)(op - outStart))
                {
                    goto LookbehindOverrun;
                }

                if ((nuint)(opEnd - op) < 2)
                {
                    goto OutputOverrun;
                }

                op[0] = op[-(nint)distance];
                op[1] = op[1 - (nint)distance];
                op += 2;
                goto MatchDone;
            }

            if (distance > (nuint)(op - outStart))
            {
                goto LookbehindOverrun;
            }

            if ((nuint)(opEnd - op) < t)
            {
                goto OutputOverrun;
            }

            CopyMatch(op, distance, t, opEnd);
            op += t;

        MatchDone:
            // The low 2 bits of the byte two before the next code: literals carried by this match.
            t = (nuint)(ip[-2] & 3);
            if (t == 0)
            {
                goto NextCode;
            }

        CarriedLiterals:
            // 1..3 literals, then a match code of which at least 2 more bytes are needed.
            if ((nuint)(opEnd - op) < t)
            {
                goto OutputOverrun;
            }

            if ((nuint)(ipEnd - ip) < t + 3)
            {
                goto InputOverrun;
            }

            if (opEnd - op >= 4)
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<uint>(ip));
            }
            else
            {
                for (nuint i = 0; i < t; i++)
                {
                    op[i] = ip[i];
                }
            }

            op += t;
            ip += t;
            t = *ip++;
            goto Match;

        EndMarker:
            status = ip == ipEnd ? Lzo1xStatus.Ok : Lzo1xStatus.InputNotConsumed;
            goto Done;

        InputOverrun:
            status = Lzo1xStatus.InputOverrun;
            goto Done;

        OutputOverrun:
            status = Lzo1xStatus.OutputOverrun;
            goto Done;

        LookbehindOverrun:
            status = Lzo1xStatus.LookbehindOverrun;

        Done:
            written = (int)(op - outStart);
            return status;
        }
    }

    /// <summary>
    /// The extension of a length field whose code bits were 0: 255 per zero byte, plus the first
    /// non-zero byte. Returns 0 when the input ends first (<paramref name="ip"/> then at the end).
    /// The caller knows at least one byte is left.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint ReadLengthExtension(ref byte* ip, byte* ipEnd)
    {
        nuint zeros = 0;
        while (*ip == 0)
        {
            zeros++;
            ip++;
            if (ip == ipEnd)
            {
                return 0;
            }
        }

        return (zeros * 255) + *ip++;
    }

    /// <summary>
    /// <paramref name="count"/> literals from the input; the caller has checked that both have the
    /// room. 16 bytes at a time where both have room for the over-copy (the input always has 3
    /// more bytes, the next code), else exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyLiterals(byte* op, byte* ip, nuint count, byte* opEnd, byte* ipEnd)
    {
        if ((nuint)(opEnd - op) >= count + 15 && (nuint)(ipEnd - ip) >= count + 15)
        {
            var end = op + count;
            do
            {
                Copy16(op, ip);
                op += 16;
                ip += 16;
            }
            while (op < end);
        }
        else
        {
            Buffer.MemoryCopy(ip, op, count, count);
        }
    }

    /// <summary>
    /// <paramref name="length"/> bytes from <paramref name="distance"/> back (at least 1, not before
    /// the output's start; the room checked), byte by byte in meaning: a distance shorter than the
    /// length repeats the bytes just written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyMatch(byte* op, nuint distance, nuint length, byte* opEnd)
    {
        var source = op - distance;
        var end = op + length;
        if ((nuint)(opEnd - op) >= length + 15)
        {
            if (distance >= 16)
            {
                do
                {
                    Copy16(op, source);
                    op += 16;
                    source += 16;
                }
                while (op < end);
                return;
            }

            if (distance >= 8)
            {
                do
                {
                    Copy8(op, source);
                    op += 8;
                    source += 8;
                }
                while (op < end);
                return;
            }

            if (distance == 1)
            {
                Unsafe.InitBlockUnaligned(op, *source, (uint)length);
                return;
            }

            if (length >= 8)
            {
                // A period of 2..7 bytes: write 8 bytes one by one, then the output from a whole
                // number of periods back (at least 8) repeats the same bytes 8 at a time.
                for (var i = 0; i < 8; i++)
                {
                    op[i] = source[i];
                }

                op += 8;
                source = op - (distance * ((8 + distance - 1) / distance));
                while (op < end)
                {
                    Copy8(op, source);
                    op += 8;
                    source += 8;
                }

                return;
            }
        }

        while (op < end)
        {
            *op++ = *source++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy16(byte* destination, byte* source) =>
        Unsafe.WriteUnaligned(destination, Unsafe.ReadUnaligned<Vector128<byte>>(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy8(byte* destination, byte* source) =>
        Unsafe.WriteUnaligned(destination, Unsafe.ReadUnaligned<ulong>(source));
}
