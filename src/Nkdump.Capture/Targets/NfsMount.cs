namespace Nkdump.Capture.Targets;

/// <summary>
/// NFS through mount(2) itself, with the kernel's text options, so that the initramfs needs no
/// mount.nfs helper: the kernel's NFS client does the MOUNT protocol (v3) and takes the server's
/// address from addr= (it resolves no names). NFS 4.2 first, then 4.1, then 3 over TCP without the
/// lock manager (the capture kernel runs no rpc.statd; kdump-utils mounts with nolock too).
/// </summary>
internal static class NfsMount
{
    public static IEnumerable<(string Type, string Options)> Attempts(string serverAddress)
    {
        yield return ("nfs4", $"vers=4.2,addr={serverAddress}");
        yield return ("nfs4", $"vers=4.1,addr={serverAddress}");
        yield return ("nfs", $"vers=3,proto=tcp,mountproto=tcp,nolock,addr={serverAddress},mountaddr={serverAddress}");
    }

    /// <summary>"server:/export" with the server written as the address the kernel will use.</summary>
    public static string Source(string target, string serverAddress)
    {
        var colon = target.IndexOf(":/", StringComparison.Ordinal);
        var address = serverAddress.Contains(':') ? $"[{serverAddress}]" : serverAddress;
        return address + target[colon..];
    }

    /// <summary>The server part of "server:/export" (brackets of an IPv6 address removed).</summary>
    public static string Server(string target) =>
        target[..target.IndexOf(":/", StringComparison.Ordinal)].Trim('[', ']');
}
