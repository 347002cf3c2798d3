namespace Nkdump.Analysis.Tests;

public class CrashSignatureTests
{
    [Fact]
    public void SameBugOnDifferentMachinesHasTheSameSignature()
    {
        var a = CrashSignature.Compute("BUG: unable to handle page fault for address: ffffc90000abc000",
            ["sysrq_handle_crash+0x16/0x20", "__handle_sysrq.cold+0x43/0x11b", "write_sysrq_trigger+0x24/0x40"]);
        var b = CrashSignature.Compute("BUG: unable to handle page fault for address: ffffc90000def000",
            ["sysrq_handle_crash+0x16/0x30", "__handle_sysrq+0x43/0x11b", "write_sysrq_trigger+0x28/0x40 [x]"]);
        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{16}$", a);
    }

    /// <summary>BUG() on Debian's 6.1 (module built in a folder named after its build) and 7.3 (a relative path).</summary>
    [Fact]
    public void ABugsSourceFileCountsWithoutItsFolders()
    {
        Assert.Equal("kernel BUG at nkcrash.c:N!",
            CrashSignature.NormalizeReason("kernel BUG at /work/wt-e2e/artifacts/e2e/modules/nkcrash-6.1.0-50-amd64-fded761fc044d14b.tmp/nkcrash.c:34!"));
        Assert.Equal("kernel BUG at nkcrash.c:N!", CrashSignature.NormalizeReason("kernel BUG at nkcrash.c:34!"));
        Assert.Equal("kernel BUG at slub.c:N!", CrashSignature.NormalizeReason("kernel BUG at mm/slub.c:441!"));
        Assert.NotEqual(CrashSignature.NormalizeReason("kernel BUG at a.c:1!"), CrashSignature.NormalizeReason("kernel BUG at b.c:1!"));
    }

    [Fact]
    public void DifferentTopFramesDiffer() =>
        Assert.NotEqual(CrashSignature.Compute("Oops", ["a+0x1/0x2"]), CrashSignature.Compute("Oops", ["b+0x1/0x2"]));

    [Theory]
    [InlineData("__crash_kexec+0x5c/0x80", "__crash_kexec")]
    [InlineData("foo.isra.0+0x1/0x2 [mod]", "foo")]
    [InlineData("  bar ", "bar")]
    public void NormalizesFrames(string frame, string expected) => Assert.Equal(expected, CrashSignature.NormalizeFrame(frame));

    [Fact]
    public void SignatureIsTheStartOfTheSha256OfTheNormalizedTrace()
    {
        var expected = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("Oops: N\nfoo\nbar\n"));
        Assert.Equal(Convert.ToHexStringLower(expected.AsSpan(0, 8)), CrashSignature.Compute("Oops: 17", ["foo+0x1/0x2", "bar.cold+0x3/0x4"]));
    }
}
