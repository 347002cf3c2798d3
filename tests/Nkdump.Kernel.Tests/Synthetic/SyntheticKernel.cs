using System.Text;
using Nkdump.Formats;

namespace Nkdump.Kernel.Tests.Synthetic;

/// <summary>
/// A tiny "kernel" for reader tests: physical memory where the text map is identity-offset
/// (phys_base 0, so text address V lives at V - __START_KERNEL_map), plus VMCOREINFO lines.
/// </summary>
internal sealed class SyntheticKernel
{
    public const ulong Text = 0xffffffff81000000;

    private readonly StringBuilder _info = new("OSRELEASE=5.4.0-test\nPAGESIZE=4096\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n");

    public SyntheticKernel() => Line($"SYMBOL(init_top_pgt)={Text + 0x10000:x}");

    public SparsePhysicalMemory Memory { get; } = new(maxPfn: 0x10000);

    public static ulong Physical(ulong textAddress) => textAddress - 0xffffffff80000000;

    public SyntheticKernel Line(string line)
    {
        _info.Append(line).Append('\n');
        return this;
    }

    public void Write(ulong textAddress, ReadOnlySpan<byte> bytes) => Memory.Write(Physical(textAddress), bytes);

    public void WriteUInt64(ulong textAddress, ulong value) => Write(textAddress, BitConverter.GetBytes(value));

    public void WriteUInt32(ulong textAddress, uint value) => Write(textAddress, BitConverter.GetBytes(value));

    public VmcoreInfo Info => VmcoreInfo.Parse(Encoding.ASCII.GetBytes(_info.ToString()));

    public KernelContext Open() => KernelContext.Open(Memory, Info);
}
