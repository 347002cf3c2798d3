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
