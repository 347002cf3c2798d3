using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The managed LZO1X-1 compressor gives exactly liblzo2's lzo1x_1_compress bytes (what makedumpfile
/// -l writes: checked against its dumps too), which liblzo2's lzo1x_decompress_safe reads back; and
/// it never writes past its destination. Inputs: every non-zero page of both fixtures' vmcores,
/// and synthetic ones aimed at each code path (short inputs, literal and match lengths past 255,
/// the M2/M3/M4 offset limits, several 49152-byte blocks, destinations one byte too small).
/// </summary>
public sealed class Lzo1xCompressorTests
{
    private const byte Guard = 0xa5;

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryFixturePageGivesLiblzo2sBytes(string fixture)
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(fixture));
        var memory = vmcore.Memory;
        var compressor = new Lzo1xCompressor();
        var page = new byte[memory.PageSize];
        var roomy = new byte[Lzo1xCompressor.WorstCase(memory.PageSize)];
        var smaller = new byte[memory.PageSize - 1];
        var pages = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn; pfn++)
        {
            if (memory.GetPageState(pfn) != PageState.Present || !memory.TryRead(pfn * (ulong)page.Length, page, out _)
                || !page.AsSpan().ContainsAnyExcept((byte)0))
            {
                continue;
            }

            var theirs = LibLzo2.Compress(page);
            Assert.True(compressor.TryCompress(page, roomy, out var written));
            Assert.True(roomy.AsSpan(0, written).SequenceEqual(theirs), $"{fixture} pfn {pfn:x}: {written} bytes against liblzo2's {theirs.Length}");
            Assert.True(LibLzo2.Decompress(theirs, page.Length).AsSpan().SequenceEqual(page), $"{fixture} pfn {pfn:x} does not read back");

            // What the kdump writer offers: less than a page, so incompressible pages go through scratch.
            var fits = compressor.TryCompress(page, smaller, out written);
            Assert.Equal(theirs.Length <= smaller.Length, fits);
            Assert.True(!fits || smaller.AsSpan(0, written).SequenceEqual(theirs));
            pages++;
        }

        Assert.True(pages > 10000, $"only {pages} non-zero pages");
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryPageMakedumpfileCompressedWithLzoGetsTheSameBytes(string fixture)
    {
        // makedumpfile -l -d 31 from the fixture (the kdump fixture tests' variant): its LZO pages
        // are ours byte for byte, and the pages it stored raw are those ours would not shrink.
        using var dump = KdumpDump.Open(DerivedDumps.Makedumpfile(fixture, "lzo-d31", ["-l", "-d", "31"]));
        var memory = dump.Memory;
        var compressor = new LzoCodec(memory.PageSize);
        var page = new byte[memory.PageSize];
        var output = new byte[memory.PageSize - 1];
        int compressed = 0, raw = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn; pfn++)
        {
            if (memory.GetPageState(pfn) != PageState.Present || !dump.TryGetStored(pfn, out var stored, out var compression))
            {
                continue;
            }

            Assert.True(memory.TryRead(pfn * (ulong)page.Length, page, out _));
            var fits = compressor.TryCompress(page, output, out var written) && written < page.Length;
            if (compression == PageCompression.Lzo)
            {
                Assert.True(fits, $"{fixture} pfn {pfn:x}: makedumpfile compressed it, we did not");
                Assert.True(output.AsSpan(0, written).SequenceEqual(stored), $"{fixture} pfn {pfn:x}: our {written} bytes differ from makedumpfile's {stored.Length}");
                compressed++;
            }
            else
            {
                Assert.False(fits, $"{fixture} pfn {pfn:x}: makedumpfile stored it raw, we compressed it to {written} bytes");
                raw++;
            }
        }

        Assert.True(compressed > 10000, $"only {compressed} LZO pages ({raw} raw)");
    }

    [Fact]
    public void InputsOf0To64BytesGiveLiblzo2sBytes()
    {
        var compressor = new Lzo1xCompressor();
        for (var length = 0; length <= 64; length++)
        {
            foreach (var input in Contents(length, seed: length))
            {
                AssertSameAsLiblzo2(compressor, input);
            }
        }
    }

    [Theory]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(255)]
    [InlineData(999)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(12345)]
    [InlineData(32767)]
    [InlineData(49151)]
    [InlineData(49152)]
    public void OddAndLargeSizesGiveLiblzo2sBytes(int length)
    {
        var compressor = new Lzo1xCompressor();
        foreach (var input in Contents(length, seed: length))
        {
            AssertSameAsLiblzo2(compressor, input);
        }
    }

    [Theory]
    [InlineData(49153)]
    [InlineData(49152 + 20)]
    [InlineData(49152 + 21)]
    [InlineData(49152 + 26)]
    [InlineData(100_000)]
    [InlineData((3 * 49152) + 7)]
    public void InputsOfSeveralBlocksGiveLiblzo2sBytes(int length)
    {
        var compressor = new Lzo1xCompressor();
        foreach (var input in Contents(length, seed: length))
        {
            AssertSameAsLiblzo2(compressor, input);
        }
    }

    [Fact]
    public void RandomMixesOfLiteralsAndMatchesGiveLiblzo2sBytes()
    {
        var compressor = new Lzo1xCompressor();
        var random = new Random(20261126);
        for (var i = 0; i < 300; i++)
        {
            var length = i < 200 ? random.Next(0, 8192) : random.Next(0, 49153);
            AssertSameAsLiblzo2(compressor, Mixed(length, random.Next(), maxLiteral: 1 + random.Next(300), maxMatch: 4 + random.Next(600)));
        }
    }

    [Theory]
    [InlineData(0x7ff)]
    [InlineData(0x800)]
    [InlineData(0x801)]
    [InlineData(0x3fff)]
    [InlineData(0x4000)]
    [InlineData(0x4001)]
    [InlineData(0x8000)]
    [InlineData(0xbf00)]
    [InlineData(49100)]
    public void MatchesAtTheOffsetLimitsGiveLiblzo2sBytes(int offset)
    {
        var compressor = new Lzo1xCompressor();

        // A random string at 5 (the first position hashed) and again at 5 + offset: zeros before
        // each (a zero run ends exactly where the string starts, so the search stands on it), zeros
        // after the first and 0xff after the second (so the match is exactly the string).
        foreach (var repeat in new[] { 6, 8, 9, 33, 34, 300, 1000 })
        {
            var input = new byte[Math.Min(49152, 5 + offset + repeat + 40)];
            if (5 + offset + repeat + 21 > input.Length)
            {
                continue;
            }

            var text = input.AsSpan(5, repeat);
            new Random(offset + repeat).NextBytes(text);
            text[0] = text[^1] = 0x5a;
            text.CopyTo(input.AsSpan(5 + offset));
            input.AsSpan(5 + offset + repeat).Fill(0xff);
            var ours = AssertSameAsLiblzo2(compressor, input);
            var kind = repeat <= 8 && offset <= 0x800 ? 2 : offset <= 0x4000 ? 3 : 4;
            Assert.Contains(new Lzo1xStream.Match(kind, offset, repeat), Lzo1xStream.Matches(ours));
        }
    }

    [Fact]
    public void LongRunsUseExtendedLengthsAndGiveLiblzo2sBytes()
    {
        var compressor = new Lzo1xCompressor();

        // A literal run of 20000 bytes (78 zero bytes in its length), then a long M3 zero match.
        var input = new byte[49152];
        new Random(1).NextBytes(input.AsSpan(0, 20000));
        var ours = AssertSameAsLiblzo2(compressor, input);
        Assert.Contains(Lzo1xStream.Matches(ours), match => match.Kind == 3 && match.Length > 33 + (255 * 50));

        // A long M4 match: 3000 random bytes repeated 0x5000 further on.
        input = new byte[49152];
        new Random(2).NextBytes(input.AsSpan(5, 3000));
        input.AsSpan(5, 3000).CopyTo(input.AsSpan(5 + 0x5000));
        ours = AssertSameAsLiblzo2(compressor, input);
        Assert.Contains(Lzo1xStream.Matches(ours), match => match.Kind == 4 && match.Offset == 0x5000 && match.Length >= 2999);

        // All zeros, and one byte value repeated: offset-1 matches to the end of the search.
        AssertSameAsLiblzo2(compressor, new byte[49152]);
        AssertSameAsLiblzo2(compressor, Enumerable.Repeat((byte)0x41, 40000).ToArray());
    }

    [Fact]
    public void DestinationsTooSmallAreRefusedWithoutWritingPastThem()
    {
        var compressor = new Lzo1xCompressor();
        byte[][] inputs = [[], [1, 2, 3], Random(100, 1), Random(4096, 2), new byte[4096], Mixed(4096, 3, 20, 40)];
        foreach (var input in inputs)
        {
            var needed = LibLzo2.Compress(input).Length;
            var sizes = Enumerable.Range(0, needed + 2).Where(s => input.Length < 1000 || s < 40 || s > needed - 40 || s % 97 == 0);
            foreach (var size in sizes.Append(Lzo1xCompressor.WorstCase(input.Length)))
            {
                var buffer = new byte[size + 64];
                buffer.AsSpan().Fill(Guard);
                var fits = compressor.TryCompress(input, buffer.AsSpan(0, size), out var written);
                Assert.Equal(size >= needed, fits);
                Assert.Equal(fits ? needed : 0, written);
                Assert.False(buffer.AsSpan(size).ContainsAnyExcept(Guard), $"wrote past a destination of {size} bytes for {input.Length} input bytes");
            }
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(49152)]
    public void OutputLongerThanTheInputStaysInsideTheWorstCase(int length)
    {
        // The costliest pattern: 19 literals (a 2-byte length code) and a 4-byte M3 match (3 bytes),
        // 24 bytes out for 23 in, with the 16-byte literal over-copies running ahead of the output.
        var input = new byte[length];
        var random = new Random(length);
        for (var at = 0; at < length;)
        {
            var literals = Math.Min(19, length - at);
            random.NextBytes(input.AsSpan(at, literals));
            at += literals;
            for (var i = 0; i < 4 && at < length && at >= 0x1000; i++, at++)
            {
                input[at] = input[at - 0x1000];
            }
        }

        var ours = AssertSameAsLiblzo2(new Lzo1xCompressor(), input);
        Assert.True(ours.Length > length, $"{ours.Length} bytes for {length}: not the expansion this test is after");
    }

    [Fact]
    public void NothingAnEarlierInputLeftInTheDictionaryReachesALaterOutput()
    {
        var compressor = new Lzo1xCompressor();
        var page = Mixed(4096, 7, 30, 30);
        AssertSameAsLiblzo2(compressor, page);

        // Many more blocks through the same compressor (the dictionary is cleared for each; earlier
        // versions tagged entries with a 16-bit block number that wrapped after 65535 blocks), then
        // the first input again: the bytes of a fresh compressor, as liblzo2 gives them.
        var tiny = new byte[32];
        var output = new byte[Lzo1xCompressor.WorstCase(tiny.Length)];
        for (var i = 0; i < 65534; i++)
        {
            Assert.True(compressor.TryCompress(tiny, output, out _));
        }

        for (var i = 0; i < 3; i++)
        {
            AssertSameAsLiblzo2(compressor, page);
        }
    }

    /// <summary>
    /// Compresses into a destination of exactly the worst case followed by guard bytes; checks
    /// liblzo2's bytes, the guards, and that liblzo2 reads it back. Returns our bytes.
    /// </summary>
    private static byte[] AssertSameAsLiblzo2(Lzo1xCompressor compressor, byte[] input)
    {
        var room = Lzo1xCompressor.WorstCase(input.Length);
        var buffer = new byte[room + 64];
        buffer.AsSpan().Fill(Guard);
        Assert.True(compressor.TryCompress(input, buffer.AsSpan(0, room), out var written));
        Assert.False(buffer.AsSpan(room).ContainsAnyExcept(Guard), $"wrote past the worst case for {input.Length} bytes");
        var ours = buffer[..written];
        var theirs = LibLzo2.Compress(input);
        Assert.True(ours.AsSpan().SequenceEqual(theirs), $"{input.Length} bytes: {ours.Length} bytes against liblzo2's {theirs.Length}, first difference at {ours.AsSpan().CommonPrefixLength(theirs)}");
        Assert.True(LibLzo2.Decompress(ours, input.Length).AsSpan().SequenceEqual(input), $"{input.Length} bytes do not read back");
        return ours;
    }

    /// <summary>Inputs of one length: zeros, random, a 2-letter alphabet, a period of 3, a mix.</summary>
    private static IEnumerable<byte[]> Contents(int length, int seed)
    {
        yield return new byte[length];
        yield return Random(length, seed);
        var random = new Random(seed);
        yield return Enumerable.Range(0, length).Select(_ => (byte)(random.Next(2) * 0x61)).ToArray();
        yield return Enumerable.Range(0, length).Select(i => (byte)"abc"[i % 3]).ToArray();
        yield return Mixed(length, seed, maxLiteral: 40, maxMatch: 70);
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Random literal runs alternating with copies of earlier bytes at random distances.</summary>
    private static byte[] Mixed(int length, int seed, int maxLiteral, int maxMatch)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        var at = 0;
        while (at < length)
        {
            var literal = Math.Min(length - at, random.Next(maxLiteral + 1));
            random.NextBytes(bytes.AsSpan(at, literal));
            at += literal;
            if (at == 0 || at >= length)
            {
                continue;
            }

            var distance = 1 + random.Next(Math.Min(at, random.Next(4) == 0 ? 49151 : 2048));
            var match = Math.Min(length - at, 3 + random.Next(maxMatch));
            for (var i = 0; i < match; i++, at++)
            {
                bytes[at] = bytes[at - distance];
            }
        }

        return bytes;
    }
}
