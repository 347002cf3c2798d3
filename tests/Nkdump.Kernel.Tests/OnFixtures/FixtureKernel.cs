using Nkdump.Formats;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>Opens a fixture's ELF vmcore as a kernel context; one per test (contexts are not thread-safe).</summary>
internal sealed class FixtureKernel : IDisposable
{
    private FixtureKernel(IKernelDump dump)
    {
        Dump = dump;
        Kernel = KernelContext.Open(dump.Memory, dump.VmcoreInfo);
        Session = KernelSession.For(dump);
    }

    public IKernelDump Dump { get; }

    public KernelContext Kernel { get; }

    /// <summary>A kernel session over the same dump (its own address space, opened on first use).</summary>
    public KernelSession Session { get; }

    public static FixtureKernel Open(string fixture) => new(DumpOpener.Open(Fixtures.ElfVmcore(fixture)));

    public void Dispose() => Dump.Dispose();
}
