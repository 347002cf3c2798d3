using System.Security.Cryptography;
using Nkdump.Formats;
using Nkdump.Testing;

namespace Nkdump.Collector.Tests;

/// <summary>
/// One SHA-256 over every page a dump holds, in PFN order, computed by us from any source and by
/// libkdumpfile (Debian's python3-libkdumpfile) from a dump file, so that the two can be compared.
/// </summary>
internal static class PageHashes
{
    private const string LibkdumpfileScript = """
        import kdumpfile, hashlib, sys
        from kdumpfile.exceptions import NoDataException
        k = kdumpfile.kdumpfile(sys.argv[1])
        pm = k.attr['file.pagemap']
        maxpfn = int(sys.argv[2])
        h = hashlib.sha256(); n = 0; pfn = 0
        while pfn < maxpfn:
            try:
                start = pm.find_set(pfn)
            except NoDataException:
                break
            if start >= maxpfn:
                break
            try:
                end = min(pm.find_clear(start), maxpfn)
            except NoDataException:
                end = maxpfn
            for p in range(start, end):
                h.update(k.read(kdumpfile.KDUMP_MACHPHYSADDR, p * 4096, 4096))
                n += 1
            pfn = end
        print(n, h.hexdigest())
        """;

    /// <summary>(pages, sha256) over the pages of <paramref name="pfns"/> read from <paramref name="memory"/>.</summary>
    public static (long Pages, string Hash) Ours(IPhysicalMemory memory, IEnumerable<ulong> pfns)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var page = new byte[memory.PageSize];
        long count = 0;
        foreach (var pfn in pfns)
        {
            Assert.True(memory.TryRead(pfn * (ulong)memory.PageSize, page, out var failure), failure.ToString());
            sha.AppendData(page);
            count++;
        }

        return (count, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>(pages, sha256) over every page libkdumpfile says <paramref name="dumpFile"/> holds.</summary>
    public static (long Pages, string Hash) Libkdumpfile(string dumpFile, ulong maxPfn)
    {
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", LibkdumpfileScript, dumpFile, maxPfn.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var parts = result.StandardOutput.Trim().Split(' ');
        return (long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1]);
    }
}
