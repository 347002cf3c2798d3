using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Kind = Nkdump.Formats.Tests.Lzo1xStreamBuilder.Kind;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The managed LZO1X decompressor reads every LZO page makedumpfile -l wrote for both fixtures
/// and every page our compressor writes, and on any other input (valid streams of every code
/// kind, and mutations of them: flipped, truncated, extended, spliced, garbage) gives what
/// liblzo2's lzo1x_decompress_safe gives: the same status, the same count of bytes written and the
/// same bytes. Input and output end at an inaccessible page, so a read or write past them crashes.
/// </summary>
public sealed class Lzo1xDecompressorTests
{
    private const int Page = 4096;

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryLzoPageMakedumpfileWroteGivesTheElfPage(string fixture)
    {
        using var elf = ElfVmcore.Open(Fixtures.ElfVmcore(fixture));
        using var dump = KdumpDump.Open(DerivedDumps.Makedumpfile(fixture, "lzo-d31", ["-l", "-d", "31"]));
        var memory = dump.Memory;
        var codec = new LzoCodec(memory.PageSize);
        var expected = new byte[memory.PageSize];
        var page = new byte[memory.PageSize];
        var pages = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn; pfn++)
        {
            if (!dump.TryGetStored(pfn, out var stored, out var compression) || compression != PageCompression.Lzo)
            {
                continue;
            }

            Assert.True(elf.Memory.TryRead(pfn * (ulong)page.Length, expected, out _));
            page.AsSpan().Clear();
            Assert.True(codec.TryDecompress(stored, page), $"{fixture} pfn {pfn:x}: {stored.Length} bytes do not decompress");
            Assert.True(page.AsSpan().SequenceEqual(expected), $"{fixture} pfn {pfn:x}: not the ELF's page");
            pages++;
        }

        Assert.True(pages > 10000, $"only {pages} LZO pages");
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryFixturePageOurCompressorWroteReadsBackAsLiblzo2ReadsIt(string fixture)
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(fixture));
        using var input = new GuardedMemory(Lzo1xCompressor.WorstCase(Page));
        using var output = new GuardedMemory(Page + 1);
        var memory = vmcore.Memory;
        var compressor = new Lzo1xCompressor(Page);
        var page = new byte[Page];
        var compressed = new byte[Lzo1xCompressor.WorstCase(Page)];
        var pages = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn; pfn++)
        {
            if (memory.GetPageState(pfn) != PageState.Present || !memory.TryRead(pfn * Page, page, out _)
                || !page.AsSpan().ContainsAnyExcept((byte)0))
            {
                continue;
            }

            Assert.True(compressor.TryCompress(page, compressed, out var written));
            var stream = input.Place(compressed.AsSpan(0, written));
            var target = output.Tail(Page);
            Assert.Equal(Lzo1xStatus.Ok, Lzo1xDecompressor.Decompress(stream, target, out var length));
            Assert.Equal(Page, length);
            Assert.True(target.SequenceEqual(page), $"{fixture} pfn {pfn:x} does not read back");

            // One byte short of room, and one to spare: as liblzo2 does (every 16th page, for time).
            if (pages++ % 16 == 0)
            {
                AssertSameAsLiblzo2(stream, Page - 1, output, $"{fixture} pfn {pfn:x} into {Page - 1}");
                AssertSameAsLiblzo2(stream, Page + 1, output, $"{fixture} pfn {pfn:x} into {Page + 1}");
            }
        }

        Assert.True(pages > 10000, $"only {pages} non-zero pages");
    }

    [Fact]
    public void ValidStreamsOfEveryCodeKindGiveTheirBytes()
    {
        using var input = new GuardedMemory(1 << 17);
        using var output = new GuardedMemory(1 << 17);
        var kinds = new HashSet<string>();
        for (var seed = 1; seed <= 400; seed++)
        {
            var random = new Random(seed);
            var builder = RandomStream(random, seed % 10 == 0 ? random.Next(17000, 60000) : random.Next(1, 8192), reachBeforeStart: false, kinds);
            var expected = builder.Output;
            var stream = builder.Stream;
            var target = output.Tail(expected.Length);
            Assert.Equal(Lzo1xStatus.Ok, Lzo1xDecompressor.Decompress(input.Place(stream), target, out var written));
            Assert.Equal(expected.Length, written);
            Assert.True(target.SequenceEqual(expected), $"seed {seed}: wrong bytes");
            AssertSameAsLiblzo2(stream, expected.Length, output, $"seed {seed}");
        }

        // The generator reached every code kind and form.
        Assert.Superset(new HashSet<string> { "first run", "first carried", "run", "long run", "carried", "M1", "M1 far", "M2", "M3", "M3 long", "M4", "M4 long", "end with length" }, kinds);
    }

    [Fact]
    public void MutatedStreamsFailOrSucceedAsInLiblzo2()
    {
        using var input = new GuardedMemory(1 << 17);
        using var output = new GuardedMemory(1 << 17);
        var compressor = new Lzo1xCompressor();
        var compressed = new byte[Lzo1xCompressor.WorstCase(1 << 16)];
        var cases = 0;
        byte[] previous = [0x11, 0, 0];
        for (var seed = 1; seed <= 600; seed++)
        {
            var random = new Random(seed);
            byte[] stream, expected;
            if (seed % 3 == 0)
            {
                // What LZO1X-1 writes: a page of random literal runs and matches.
                expected = Mixed(random, seed % 30 == 0 ? 40000 : Page);
                Assert.True(compressor.TryCompress(expected, compressed, out var written));
                stream = compressed[..written];
            }
            else
            {
                var builder = RandomStream(random, seed % 50 == 0 ? random.Next(17000, 40000) : random.Next(1, 6000), reachBeforeStart: true, null);
                stream = builder.Stream;
                expected = builder.Output;
            }

            foreach (var (what, mutated) in Mutations(random, stream, previous))
            {
                foreach (var capacity in Capacities(random, expected.Length))
                {
                    AssertSameAsLiblzo2(input.Place(mutated), capacity, output, $"seed {seed} {what}, room {capacity}");
                    cases++;
                }
            }

            previous = stream;
        }

        Assert.True(cases > 20000, $"only {cases} cases");
    }

    [Fact]
    public void RandomGarbageFailsOrSucceedsAsInLiblzo2()
    {
        using var input = new GuardedMemory(1 << 12);
        using var output = new GuardedMemory(1 << 13);
        var random = new Random(7);
        var statuses = new HashSet<Lzo1xStatus>();
        for (var i = 0; i < 20000; i++)
        {
            var garbage = new byte[random.Next(0, i < 10000 ? 12 : 300)];
            random.NextBytes(garbage);
            if (i % 4 == 0 && garbage.Length > 0)
            {
                // Small codes and zeros: literal runs, M1 codes and length extensions.
                for (var j = 0; j < garbage.Length; j++)
                {
                    garbage[j] = (byte)random.Next(i % 8 == 0 ? 4 : 20);
                }
            }

            if (i % 3 == 1 && garbage.Length >= 3)
            {
                // Ending with an end marker, some of it decodes.
                garbage[^3] = 0x11;
                garbage[^2] = garbage[^1] = 0;
            }

            statuses.Add(AssertSameAsLiblzo2(input.Place(garbage), random.Next(2) == 0 ? Page : random.Next(0, 64), output, $"garbage {i}"));
        }

        Assert.Superset(new HashSet<Lzo1xStatus> { Lzo1xStatus.Ok, Lzo1xStatus.InputOverrun, Lzo1xStatus.OutputOverrun, Lzo1xStatus.LookbehindOverrun, Lzo1xStatus.InputNotConsumed }, statuses);
    }

    [Fact]
    public void EmptyInputIsAnInputOverrun()
    {
        Assert.Equal(Lzo1xStatus.InputOverrun, Lzo1xDecompressor.Decompress([], new byte[Page], out var written));
        Assert.Equal(0, written);
        Assert.Equal((int)Lzo1xStatus.InputOverrun, LibLzo2.DecompressSafe([], Page).Status);
        Assert.False(new LzoCodec(Page).TryDecompress([], new byte[Page]));
    }

    [Fact]
    public void OnlyTheEndMarkerGivesNothing()
    {
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2([0x11, 0, 0], Page));
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2([0x11, 0, 0], 0));
        Assert.False(new LzoCodec(Page).TryDecompress([0x11, 0, 0], new byte[Page]));

        // Any M4 code of distance 0x4000 ends the stream: other length bits, carried-literal bits, a
        // length extension (after 4 literals: as a first byte, 0x12 and up are literal runs).
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2([0x15, 1, 2, 3, 4, 0x17, 0x03, 0], 4));
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2([0x10, 0, 0, 5, 0, 0], 0));
        Assert.Equal(Lzo1xStatus.OutputOverrun, AssertSameAsLiblzo2([0x17, 0x03, 0], 0));

        // Cut short, or with bytes after it.
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([0x11, 0], Page));
        Assert.Equal(Lzo1xStatus.InputNotConsumed, AssertSameAsLiblzo2([0x11, 0, 0, 0], Page));
    }

    [Fact]
    public void AWholePageOfLiteralsIsOneRun()
    {
        var page = new byte[Page];
        new Random(3).NextBytes(page);

        // 4096 = 18 + 15 * 255 + 253: a run code 0, 15 zero bytes and 253.
        var stream = new Lzo1xStreamBuilder().Literals(page, firstByteForm: false).End().Stream;
        byte[] header = [0, .. new byte[15], 253];
        Assert.Equal(header, stream[..17]);
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(stream, Page));
        var output = new byte[Page];
        Assert.True(new LzoCodec(Page).TryDecompress(stream, output));
        Assert.Equal(page, output);

        // The compressor's form of it too (random bytes do not compress).
        var compressed = LibLzo2.Compress(page);
        Assert.True(new LzoCodec(Page).TryDecompress(compressed, output));
        Assert.Equal(page, output);
    }

    [Fact]
    public void LongLengthExtensionsAreRead()
    {
        // One literal, then a match of the remaining 4095 bytes at distance 1 (M3: 4095 - 33 =
        // 15 * 255 + 237), then the same as M4 at 0x4001 after enough output.
        var builder = new Lzo1xStreamBuilder().Literals([0x5a]).Match(Kind.M3, 1, Page - 1);
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(builder.End().Stream, Page));
        Assert.Equal(Enumerable.Repeat((byte)0x5a, Page), new Lzo1xStreamBuilder().Literals([0x5a]).Match(Kind.M3, 1, Page - 1).Output);

        var random = new Random(5);
        var first = new byte[0x4001];
        random.NextBytes(first);
        var m4 = new Lzo1xStreamBuilder().Literals(first).Match(Kind.M4, 0x4001, 20000).End();
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(m4.Stream, m4.OutputLength));
        Assert.Equal(Lzo1xStatus.OutputOverrun, AssertSameAsLiblzo2(m4.Stream, m4.OutputLength - 1));

        // A literal run with a long extension.
        var literals = new byte[20000];
        random.NextBytes(literals);
        var run = new Lzo1xStreamBuilder().Literals(literals).End();
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(run.Stream, literals.Length));
    }

    [Fact]
    public void InputEndingInsideALengthExtensionIsAnInputOverrun()
    {
        // A literal run, an M3 and an M4 whose extension zeros run to the end of the input.
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([0, 0, 0], Page));
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([0, 0, 0, 0, 0, 0], Page));
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([21, 1, 2, 3, 4, 32, 0, 0, 0], Page));
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([21, 1, 2, 3, 4, 16, 0, 0, 0], Page));

        // The extension ends but the distance bytes are missing.
        Assert.Equal(Lzo1xStatus.InputOverrun, AssertSameAsLiblzo2([21, 1, 2, 3, 4, 32, 0, 0, 7, 0], Page));

        // Every truncation of a stream with extensions fails the same way liblzo2's does.
        var literals = new byte[600];
        new Random(9).NextBytes(literals);
        var stream = new Lzo1xStreamBuilder().Literals(literals).Match(Kind.M3, 300, 900).Literals([1, 2]).Match(Kind.M2, 5, 8).End().Stream;
        for (var length = 0; length < stream.Length; length++)
        {
            Assert.NotEqual(Lzo1xStatus.Ok, AssertSameAsLiblzo2(stream[..length], 2000));
        }
    }

    [Fact]
    public void AMatchMayReachTheOutputStartButNotBeforeIt()
    {
        byte[] four = [1, 2, 3, 4];

        // After 4 literals: M2, M3 and (after 1 carried literal) M1 at distance 4 (5 with the literal) read from the first byte.
        var atStart = new Lzo1xStreamBuilder().Literals(four).Match(Kind.M2, 4, 6).End();
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(atStart.Stream, 10));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2 }, atStart.Output);
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M3, 4, 40).End().Stream, 44));
        var m1 = new Lzo1xStreamBuilder().Literals(four).Match(Kind.M2, 4, 3).Literals([9]).Match(Kind.M1, 8, 2).End();
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(m1.Stream, 10));

        // One further is a lookbehind overrun, with the bytes before it written.
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M2, 5, 6).End().Stream, 10));
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M3, 5, 40).End().Stream, 44));
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M2, 4, 3).Literals([9]).Match(Kind.M1, 9, 2).End().Stream, 10));
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M1, 0x801, 3).End().Stream, 10));
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2(new Lzo1xStreamBuilder().Literals(four).Match(Kind.M4, 0x4001, 3).End().Stream, 10));

        // The far M1 right after a run reaches exactly 0x801 back.
        var far = new byte[0x801];
        new Random(4).NextBytes(far);
        var farStream = new Lzo1xStreamBuilder().Literals(far).Match(Kind.M1, 0x801, 3).End();
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(farStream.Stream, far.Length + 3));
        Assert.Equal(far[..3], farStream.Output[^3..]);
    }

    [Fact]
    public void OutputExactlyFullIsOkAndOneByteMoreIsAnOverrun()
    {
        var page = Mixed(new Random(11), Page);
        var stream = LibLzo2.Compress(page);
        var codec = new LzoCodec(Page);

        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(stream, Page));
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(stream, Page + 100));
        Assert.Equal(Lzo1xStatus.OutputOverrun, AssertSameAsLiblzo2(stream, Page - 1));
        Assert.True(codec.TryDecompress(stream, new byte[Page]));
        Assert.False(codec.TryDecompress(stream, new byte[Page - 1]));

        // A stream of one byte less than a page decodes, but is not a page; nor is one of a byte more.
        var shorter = LibLzo2.Compress(page.AsSpan(0, Page - 1));
        Assert.Equal(Lzo1xStatus.Ok, AssertSameAsLiblzo2(shorter, Page));
        Assert.False(codec.TryDecompress(shorter, new byte[Page]));
        var longer = LibLzo2.Compress([.. page, 7]);
        Assert.Equal(Lzo1xStatus.OutputOverrun, AssertSameAsLiblzo2(longer, Page));
        Assert.False(codec.TryDecompress(longer, new byte[Page]));

        // Trailing bytes after the end marker: liblzo2's LZO_E_INPUT_NOT_CONSUMED, not a page.
        Assert.Equal(Lzo1xStatus.InputNotConsumed, AssertSameAsLiblzo2([.. stream, 0], Page));
        Assert.False(codec.TryDecompress([.. stream, 0], new byte[Page]));
    }

    [Fact]
    public void LzoRleStreamsAreRefusedAsLiblzo2RefusesThem()
    {
        // The kernel's LZO-RLE (zram) starts with 0x11 and a version byte: to liblzo2, an M4 code
        // whose distance bytes are the version and the next byte: an end marker with bytes after
        // it, or a match before the output start.
        var page = Mixed(new Random(12), Page);
        var body = LibLzo2.Compress(page);
        Assert.Equal(Lzo1xStatus.InputNotConsumed, AssertSameAsLiblzo2([0x11, 1, 0, .. body], Page));
        Assert.Equal(Lzo1xStatus.LookbehindOverrun, AssertSameAsLiblzo2([0x11, 1, 4, .. body], Page));
        Assert.NotEqual(Lzo1xStatus.Ok, AssertSameAsLiblzo2([0x11, 1, .. body], Page));
        Assert.False(new LzoCodec(Page).TryDecompress([0x11, 1, .. body], new byte[Page]));
    }

    /// <summary>
    /// Decompresses with both (ours from guarded memory, the input ending at an inaccessible page when
    /// <paramref name="output"/> is given) and asserts the same status, length and bytes.
    /// </summary>
    private static Lzo1xStatus AssertSameAsLiblzo2(ReadOnlySpan<byte> stream, int capacity, GuardedMemory? output = null, string? what = null)
    {
        using var own = output is null ? new GuardedMemory(Math.Max(capacity, 1)) : null;
        var target = (output ?? own!).Tail(capacity);
        var ours = Lzo1xDecompressor.Decompress(stream, target, out var written);
        var (status, theirs) = LibLzo2.DecompressSafe(stream, capacity);
        if ((int)ours != status || written != theirs.Length || !target[..written].SequenceEqual(theirs))
        {
            Assert.Fail($"{what ?? "stream"} ({stream.Length} bytes, room {capacity}): ours {ours} after {written} bytes, "
                + $"liblzo2 {status} after {theirs.Length}, first difference at {target[..written].CommonPrefixLength(theirs)}; "
                + $"stream {Convert.ToHexString(stream[..Math.Min(stream.Length, 64)])}");
        }

        return ours;
    }

    /// <summary>Copies of <paramref name="stream"/> damaged in one way each, and the stream itself.</summary>
    private static IEnumerable<(string What, byte[] Stream)> Mutations(Random random, byte[] stream, byte[] other)
    {
        yield return ("as is", stream);
        for (var i = 0; i < 6; i++)
        {
            var flipped = (byte[])stream.Clone();
            var at = random.Next(flipped.Length);
            flipped[at] ^= (byte)random.Next(1, 256);
            yield return ($"byte {at} flipped", flipped);
        }

        var zeroed = (byte[])stream.Clone();
        var from = random.Next(zeroed.Length);
        zeroed.AsSpan(from, Math.Min(zeroed.Length - from, random.Next(1, 8))).Clear();
        yield return ($"zeros at {from}", zeroed);

        var small = (byte[])stream.Clone();
        from = random.Next(small.Length);
        small[from] = (byte)random.Next(0, 20);
        yield return ($"small code at {from}", small);

        for (var i = 0; i < 3; i++)
        {
            var cut = random.Next(stream.Length);
            yield return ($"cut to {cut}", stream[..cut]);
        }

        yield return ("last byte cut", stream[..^1]);
        var extra = new byte[random.Next(1, 40)];
        random.NextBytes(extra);
        yield return ($"{extra.Length} bytes appended", [.. stream, .. extra]);
        yield return ("a zero appended", [.. stream, 0]);
        yield return ("end marker dropped", [.. stream[..^3], .. extra]);

        var inserted = random.Next(stream.Length);
        yield return ($"byte inserted at {inserted}", [.. stream[..inserted], (byte)random.Next(256), .. stream[inserted..]]);
        var deleted = random.Next(stream.Length);
        yield return ($"byte {deleted} deleted", [.. stream[..deleted], .. stream[(deleted + 1)..]]);

        var head = random.Next(stream.Length);
        var tail = random.Next(other.Length);
        yield return ($"spliced at {head} with another's {tail}", [.. stream[..head], .. other[tail..]]);
        yield return ($"section repeated", [.. stream[..head], .. stream[(head / 2)..]]);
    }

    /// <summary>Output sizes to try a stream that decodes to <paramref name="length"/> bytes with.</summary>
    private static int[] Capacities(Random random, int length) =>
        [length, Math.Max(0, length - 1), length + 1, random.Next(0, length + 64), Page];

    /// <summary>
    /// A stream decoding to at least <paramref name="target"/> bytes: random literal runs and matches
    /// of every kind the state allows, valid unless <paramref name="reachBeforeStart"/> lets a few
    /// matches reach before the output start. Notes in <paramref name="kinds"/> which it used.
    /// </summary>
    private static Lzo1xStreamBuilder RandomStream(Random random, int target, bool reachBeforeStart, HashSet<string>? kinds)
    {
        var builder = new Lzo1xStreamBuilder();
        var first = random.Next(4) == 0 ? random.Next(1, 4) : random.Next(4, 300);
        var firstByteForm = first < 4 || random.Next(2) == 0;
        builder.Literals(Bytes(random, first), firstByteForm);
        kinds?.Add(firstByteForm ? (first < 4 ? "first carried" : "first run") : "run");
        while (builder.OutputLength < target)
        {
            if (!builder.MatchNext && random.Next(3) == 0)
            {
                var n = random.Next(3) == 0 ? random.Next(1, 4) : random.Next(8) == 0 ? random.Next(19, 900) : random.Next(4, 19);
                builder.Literals(Bytes(random, n));
                kinds?.Add(n < 4 ? "carried" : n > 18 + 255 ? "long run" : "run");
                continue;
            }

            var produced = builder.OutputLength;
            while (true)
            {
                var kind = (Kind)random.Next(4);
                var reach = reachBeforeStart && random.Next(40) == 0 ? produced + random.Next(1, 20) : produced;
                if (kind == Kind.M1 && builder.MatchNext)
                {
                    var low = builder.M1Length == 3 ? 0x801 : 1;
                    var high = Math.Min(builder.M1Length == 3 ? 0xc00 : 0x400, produced);
                    if (high >= low && reach == produced)
                    {
                        builder.Match(kind, random.Next(low, high + 1), builder.M1Length);
                        kinds?.Add(low == 1 ? "M1" : "M1 far");
                        break;
                    }
                }
                else if (kind == Kind.M2)
                {
                    builder.Match(kind, random.Next(1, Math.Min(0x800, reach) + 1), random.Next(3, 9));
                    kinds?.Add("M2");
                    break;
                }
                else if (kind == Kind.M3)
                {
                    var length = random.Next(10) == 0 ? random.Next(34, 1200) : random.Next(3, 34);
                    builder.Match(kind, random.Next(1, Math.Min(0x4000, reach) + 1), length);
                    kinds?.Add(length > 33 ? "M3 long" : "M3");
                    break;
                }
                else if (kind == Kind.M4 && reach > 0x4000)
                {
                    var length = random.Next(10) == 0 ? random.Next(10, 1200) : random.Next(3, 10);
                    builder.Match(kind, random.Next(0x4001, Math.Min(0xbfff, reach) + 1), length);
                    kinds?.Add(length > 9 ? "M4 long" : "M4");
                    break;
                }
            }
        }

        if (random.Next(8) == 0)
        {
            kinds?.Add("end with length");
            return builder.End(lengthBits: random.Next(8), extensionZeros: random.Next(3), carriedBits: random.Next(4));
        }

        return builder.End();
    }

    /// <summary>Literal bytes: random, or from a small alphabet (so mutations make plausible codes).</summary>
    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (random.Next(2) == 0)
        {
            for (var i = 0; i < length; i++)
            {
                bytes[i] &= 0x13;
            }
        }

        return bytes;
    }

    /// <summary>Random literal runs alternating with copies of earlier bytes at random distances (short and long).</summary>
    private static byte[] Mixed(Random random, int length)
    {
        var bytes = new byte[length];
        var at = 0;
        while (at < length)
        {
            var literal = Math.Min(length - at, random.Next(40));
            random.NextBytes(bytes.AsSpan(at, literal));
            at += literal;
            if (at == 0 || at >= length)
            {
                continue;
            }

            var distance = 1 + random.Next(Math.Min(at, random.Next(4) == 0 ? 49151 : random.Next(2) == 0 ? 16 : 2048));
            var match = Math.Min(length - at, 3 + random.Next(random.Next(8) == 0 ? 600 : 40));
            for (var i = 0; i < match; i++, at++)
            {
                bytes[at] = bytes[at - distance];
            }
        }

        return bytes;
    }
}
