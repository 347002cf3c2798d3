using Nkdump.Fuzz.Seeds;

namespace Nkdump.Fuzz;

/// <summary>
/// One reader of hostile input, as the fuzzer drives it: <see cref="Run"/> takes one input and either
/// returns or throws an <see cref="Nkdump.Formats.NkdumpException"/> (the product's one exception
/// root); anything else is a finding (<see cref="Contract"/>). <see cref="Seeds"/> writes the starting
/// corpus, from the real fixtures where they are available and from small synthetic inputs otherwise.
/// </summary>
internal sealed record FuzzTarget(
    string Name,
    string Reader,
    Action<byte[]> Run,
    Func<SeedSource, IEnumerable<Seed>> Seeds)
{
    /// <summary>Inputs longer than this are cut (AFL's own limit is 1 MiB; the seeds are far smaller).</summary>
    public int MaxInput { get; init; } = 1 << 20;

    /// <summary>Bytes one run may allocate: a fixed allowance plus this many bytes per input byte.</summary>
    public long AllocationBase { get; init; } = 64L << 20;

    public long AllocationPerInputByte { get; init; } = 64;
}

/// <summary>One starting input: a file name in the corpus and its bytes.</summary>
internal sealed record Seed(string Name, byte[] Bytes);
