using System.Text;
using Nkdump.Formats;

namespace Nkdump.Fuzz.Seeds;

/// <summary>Seeds of the text targets: real VMCOREINFO notes, kdump.conf files, crashkernel= expressions.</summary>
internal static class TextSeeds
{
    public static IEnumerable<Seed> VmcoreInfo(SeedSource source)
    {
        yield return new Seed("vmcoreinfo-kdump-fixture", Encoding.ASCII.GetBytes(source.Dump.VmcoreInfoText));
        foreach (var (fixture, head) in source.ElfHeads(16 << 10))
        {
            // The note as the kernel wrote it, in the PT_NOTE of /proc/vmcore.
            var at = head.AsSpan().IndexOf("OSRELEASE="u8);
            if (at >= 0)
            {
                var end = head.AsSpan(at).IndexOf((byte)0);
                yield return new Seed($"vmcoreinfo-{fixture}", head[at..(end < 0 ? head.Length : at + end)]);
            }
        }

        yield return new Seed("vmcoreinfo-small", Encoding.ASCII.GetBytes("OSRELEASE=5.4.0\nPAGESIZE=4096\nKERNELOFFSET=2a000000\nCRASHTIME=1700000000\nSYMBOL(_stext)=ffffffffaaa00000\nNUMBER(phys_base)=-2147483648\nOFFSET(list_head.next)=0\nSIZE(page)=64\nLENGTH(mem_section)=2048\n"));
    }

    public static IEnumerable<Seed> KdumpConf(SeedSource source)
    {
        yield return Text("local", """
            ext4 UUID=03138356-5e61-4ab3-b58e-27507ac41937
            path /crash
            core_collector makedumpfile -l --message-level 7 -d 17
            failure_action shell
            final_action poweroff
            kdump_pre /var/crash/scripts/pre.sh
            kdump_post /var/crash/scripts/post.sh
            extra_modules ext4 virtio_blk
            dracut_args --compress zstd --add-drivers "nvme"
            filter zero,cache,user,free
            """);
        yield return Text("ssh", """
            ssh kdump@crash.example.com
            sshkey /root/.ssh/kdump_id_rsa
            path /var/crash/remote
            core_collector makedumpfile -F -c -d 31
            default dump_to_rootfs
            """);
        yield return Text("nfs", """
            nfs nfs.example.com:/export/dumps
            core_collector makedumpfile -c --message-level 1 -d 31
            auto_reset_crashkernel yes
            force_rebuild 1
            fence_kdump_nodes node1 node2
            """);
        yield return Text("raw", """
            raw /dev/disk/by-label/crash
            core_collector makedumpfile -F -l -d 31
            failure_action reboot
            """);
        yield return Text("stock", """
            # the stock file of kdump-utils
            auto_reset_crashkernel yes
            path /var/crash
            core_collector makedumpfile -l --message-level 7 -d 31
            """);
    }

    public static IEnumerable<Seed> Crashkernel(SeedSource source)
    {
        string[] expressions =
        [
            "crashkernel=512M-2G:64M,2G-:128M@16M",
            "2G-64G:256M,64G-:512M",
            "crashkernel=512M,high crashkernel=128M,low",
            "0x10000000",
            "131072K",
            "crashkernel=256M crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M",
        ];
        foreach (var (expression, i) in expressions.Select((e, i) => (e, i)))
        {
            // 8 bytes of RAM size (16 GiB, little-endian), then the expression.
            yield return new Seed($"crashkernel-{i}", [.. BitConverter.GetBytes(16UL << 30), .. Encoding.ASCII.GetBytes(expression)]);
        }
    }

    private static Seed Text(string name, string text) => new(name, Encoding.UTF8.GetBytes(text + "\n"));
}
