using Nkdump.Fuzz.Seeds;
using Nkdump.Kernel.Btf;

namespace Nkdump.Fuzz.Targets;

/// <summary>
/// Raw BTF as the kernel keeps it (.BTF, __start_BTF): the parser, then the lookups the analysis
/// layer makes on it (types by name, members, sizes, the ORC entry layout).
/// </summary>
internal static class BtfTarget
{
    public static FuzzTarget Target { get; } =
        new("btf", "Kernel/Btf: BTF header, type records, strings and type lookups", Run, BtfSeeds.All);

    private static readonly string[] Names = ["task_struct", "list_head", "orc_entry", "module", "inactive_task_frame", "mod_arch_specific", "pt_regs", "int"];

    private static void Run(byte[] input)
    {
        var btf = BtfParser.Parse(input, "fuzz.btf");
        foreach (var name in Names)
        {
            foreach (var kind in new[] { BtfKind.Struct, BtfKind.Union, BtfKind.Int, BtfKind.Typedef })
            {
                if (btf.Find(name, kind) is { } type)
                {
                    _ = btf.SizeOf(type.Id);
                    _ = btf.FindMember(type.Id, "next");
                    _ = btf.FindMember(type.Id, "type");
                }
            }
        }

        // Every type by id: names, sizes and typedef chains (a cycle must not hang or overflow the stack).
        for (var id = 0; id < Math.Min(btf.Count, 512); id++)
        {
            _ = btf.TypeName(id);
            _ = btf.SizeOf(id);
            _ = btf.Resolve(id);
        }

        _ = btf.FindByCName("struct task_struct");
        _ = btf.FindPath("task_struct.tasks.next");
        _ = btf.OffsetOf("module.list");
        // The entry layout from BTF; one entry in the original register numbering (sp_reg 5, bp_reg 1).
        _ = Nkdump.Kernel.Orc.OrcTable.DetectFormat(btf, [0, 0, 0, 0, 0x15, 0], "vmlinux");
    }
}
