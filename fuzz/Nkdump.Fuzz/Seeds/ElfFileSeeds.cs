using System.Text;
using Nkdump.Testing.Builders;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Seeds of the ElfFile target: a real small shared library and program of this machine (read at
/// run time, never stored), and built files shaped like a kernel module (ET_REL: .symtab, .modinfo,
/// a build-id note, .BTF) and a vmlinux (ET_EXEC with PT_LOAD and PT_NOTE).
/// </summary>
internal static class ElfFileSeeds
{
    private static readonly string[] SystemFiles = ["/lib/x86_64-linux-gnu/libdl.so.2", "/usr/bin/true"];

    public static IEnumerable<Seed> All(SeedSource source)
    {
        foreach (var path in SystemFiles.Where(File.Exists))
        {
            if (new FileInfo(path).Length <= 64 << 10)
            {
                yield return new Seed($"system-{Path.GetFileName(path)}", File.ReadAllBytes(path));
            }
        }

        yield return new Seed("module", Module(type: 1));
        yield return new Seed("vmlinux", Module(type: 2));
        yield return new Seed("shared-library", new ElfFileBuilder { Type = 3 }
            .Dynamic("/lib64/ld-linux-x86-64.so.2", ["libc.so.6", "libz.so.1"], soName: "libfuzz.so.1", runPath: "$ORIGIN/../lib")
            .LoadEverything()
            .Build().Bytes);
    }

    private static byte[] Module(ushort type)
    {
        var builder = new ElfFileBuilder { Type = type };
        var text = builder.Section(".text", 1, new byte[64], flags: 6, alignment: 16);
        builder.Section(".modinfo", 1, Encoding.ASCII.GetBytes("license=GPL\0name=fuzz\0vermagic=6.1.0-56-amd64 SMP mod_unload\0"), flags: 2);
        builder.NoteSection(".note.gnu.build-id", ("GNU", 3, [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]));
        builder.Section(".BTF", 1, BtfSeeds.Small());
        builder.SymbolTable(".symtab", ".strtab", 2,
            new BuiltSymbol("", 0, 0, 0, 0),
            new BuiltSymbol("_stext", 0xffffffff81000000, 0, 0x10, (ushort)text),
            new BuiltSymbol("fuzz_init", 0xffffffff81000010, 32, 0x12, (ushort)text),
            new BuiltSymbol("jiffies", 0xffffffff82000000, 8, 0x11, 0xfff1));
        if (type == 2)
        {
            builder.LoadEverything();
        }

        return builder.Build().Bytes;
    }
}
