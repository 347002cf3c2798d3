using System.Net;
using System.Net.Sockets;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Addresses for network targets: the server's (an IP as written, kdump_remote_ip= from the kernel
/// command line as kdump-utils passes it, or a DNS answer) and this machine's own address on the
/// route to it, which names the dump directory (kdump-utils' HOST_IP).
/// </summary>
internal static class RemoteAddress
{
    /// <summary>The server's IP address as text (<paramref name="pinned"/>: the address `nkdump start` resolved the name to).</summary>
    public static string Resolve(string host, string commandLine, IPAddress? pinned = null)
    {
        var bare = host.Trim('[', ']');
        if (IPAddress.TryParse(bare, out var ip))
        {
            return ip.ToString();
        }

        if (pinned is not null)
        {
            return pinned.ToString();
        }

        if (TargetMounter.KernelParameter(commandLine, "kdump_remote_ip") is { } given && IPAddress.TryParse(given, out var passed))
        {
            return passed.ToString();
        }

        try
        {
            return Dns.GetHostAddresses(bare).First().ToString();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException)
        {
            throw new CaptureFailedException($"cannot resolve '{host}': {e.Message} (write an IP address in kdump.conf)");
        }
    }

    /// <summary>The local address the kernel would send from to reach <paramref name="server"/> (a connected UDP socket sends nothing).</summary>
    public static string? LocalAddressToward(string server)
    {
        try
        {
            var remote = IPAddress.Parse(server);
            using var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(remote, 9));
            return (socket.LocalEndPoint as IPEndPoint)?.Address.ToString();
        }
        catch (Exception e) when (e is SocketException or FormatException)
        {
            return null;
        }
    }
}
