using System.Text.RegularExpressions;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Tests.OnFixtures;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.Btf;

/// <summary>The kernel's own BTF read from each real dump, checked against VMCOREINFO's OFFSET()/SIZE().</summary>
public partial class BtfFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void TaskStructHasCommAndPid(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        Assert.True(btf.Count > 10_000, $"only {btf.Count} types");

        var task = btf.Find("task_struct", BtfKind.Struct);
        Assert.NotNull(task);
        var comm = btf.FindMember(task.Id, "comm");
        Assert.NotNull(comm);
        Assert.Equal("char [16]", btf.TypeName(comm.Value.Type));
        Assert.Equal(16, btf.SizeOf(comm.Value.Type));
        var pid = btf.FindMember(task.Id, "pid");
        Assert.NotNull(pid);
        Assert.Equal("pid_t", btf.TypeName(pid.Value.Type));
        Assert.Equal(4, btf.SizeOf(pid.Value.Type));
        Assert.Equal(BtfKind.Int, btf.Resolve(pid.Value.Type).Kind);

        // A nested path through a named member, and an anonymous-union member of struct page.
        Assert.NotNull(btf.OffsetOf("task_struct.thread.sp"));
        Assert.Equal(8, btf.SizeOf(btf.FindPath("task_struct.thread.sp")!.Value.Type));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void OffsetsAndSizesAgreeWithVmcoreInfo(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        var checkedCount = 0;
        var problems = new List<string>();
        foreach (var (key, value) in f.Kernel.VmcoreInfo.Entries)
        {
            var offset = OffsetKey().Match(key);
            var size = SizeKey().Match(key);
            if (offset.Success)
            {
                var path = offset.Groups[1].Value;
                var found = btf.OffsetOf(path);
                if (found is null)
                {
                    // VMCOREINFO names some fields the kernel no longer has (page.compound_dtor on 6.12 is
                    // exported from struct folio's layout); they must be few.
                    problems.Add($"{key}: not in BTF");
                    continue;
                }

                Assert.True(long.Parse(value) == found, $"{key}={value}, BTF says {found}");
                checkedCount++;
            }
            else if (size.Success && btf.Find(size.Groups[1].Value) is { } type)
            {
                Assert.True(long.Parse(value) == btf.SizeOf(type.Id), $"{key}={value}, BTF says {btf.SizeOf(type.Id)}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount >= 40, $"only {checkedCount} keys checked");
        Assert.True(problems.Count <= 3, string.Join("; ", problems));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryKindDecodesAndBitfieldsHaveSizes(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        var kinds = new HashSet<BtfKind>();
        for (var id = 1; id < btf.Count; id++)
        {
            kinds.Add(btf[id].Kind);
        }

        foreach (var kind in new[] { BtfKind.Int, BtfKind.Ptr, BtfKind.Array, BtfKind.Struct, BtfKind.Union, BtfKind.Enum, BtfKind.Fwd,
                     BtfKind.Typedef, BtfKind.Volatile, BtfKind.Const, BtfKind.Func, BtfKind.FuncProto, BtfKind.Var, BtfKind.DataSec })
        {
            Assert.Contains(kind, kinds);
        }

        // struct page's flags word is not a bitfield, but task_struct has bitfields (sched_reset_on_fork:1 …).
        var task = btf.Find("task_struct", BtfKind.Struct)!;
        Assert.True(task.KindFlag);
        var bit = btf.FindMember(task.Id, "sched_reset_on_fork");
        Assert.NotNull(bit);
        Assert.Equal(1, bit.Value.BitfieldSize);
        Assert.Equal("DATASEC", btf.Find(".data..percpu", BtfKind.DataSec) is { } sec && sec.Variables.Count > 10 ? "DATASEC" : "none");
    }

    [GeneratedRegex(@"^OFFSET\(([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*)\)$")]
    private static partial Regex OffsetKey();

    [GeneratedRegex(@"^SIZE\(([A-Za-z_][A-Za-z0-9_]*)\)$")]
    private static partial Regex SizeKey();
}
