using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Nkdump.Formats;

namespace Nkdump.Setup.Network;

/// <summary>What the capture network is derived from: the host's interfaces, addresses and its route to one destination.</summary>
public interface INetworkProbe
{
    IReadOnlyList<NetLink> Links();

    IReadOnlyList<NetAddress> Addresses();

    /// <summary>The route the kernel would take to <paramref name="destination"/> (`ip route get`); a NkdumpException when there is none.</summary>
    NetRoute RouteTo(IPAddress destination);
}

/// <summary>
/// The running system's rtnetlink (socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)): RTM_GETLINK and
/// RTM_GETADDR dumps, and RTM_GETROUTE for one destination, as `ip route get` asks. No ip binary and
/// no reflection: the requests are built and the answers parsed by <see cref="NetlinkMessages"/>.
/// </summary>
public sealed partial class NetlinkRoute : INetworkProbe
{
    private const int AfNetlink = 16, SockRaw = 3, NetlinkRouteProtocol = 0;
    private const ushort GetLink = 18, GetAddr = 22, GetRoute = 26;
    private const ushort Request = 0x1, Dump = 0x300;

    IReadOnlyList<NetLink> INetworkProbe.Links() =>
        Exchange(Message(GetLink, Request | Dump, new byte[16]), NetlinkMessages.NewLink).Select(NetlinkMessages.ParseLink).ToList();

    IReadOnlyList<NetAddress> INetworkProbe.Addresses() =>
        Exchange(Message(GetAddr, Request | Dump, new byte[8]), NetlinkMessages.NewAddr).Select(NetlinkMessages.ParseAddress).ToList();

    NetRoute INetworkProbe.RouteTo(IPAddress destination)
    {
        var bytes = destination.GetAddressBytes();
        var body = new byte[12 + NetlinkMessages.Align(4 + bytes.Length)];
        body[0] = (byte)(destination.AddressFamily == AddressFamily.InterNetwork ? 2 : 10);   // rtm_family
        body[1] = (byte)(bytes.Length * 8);                                                       // rtm_dst_len
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), (ushort)(4 + bytes.Length));    // RTA_DST
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), 1);
        bytes.CopyTo(body, 16);
        var answers = Exchange(Message(GetRoute, Request, body), NetlinkMessages.NewRoute, destination);
        return answers.Count > 0 ? NetlinkMessages.ParseRoute(answers[0]) : throw new NkdumpException($"no route to {destination}");
    }

    private static byte[] Message(ushort type, ushort flags, byte[] body)
    {
        var message = new byte[16 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);   // nlmsg_seq
        body.CopyTo(message, 16);
        return message;
    }

    /// <summary>Sends one request and collects the payloads of type <paramref name="wanted"/> until NLMSG_DONE (a dump) or the first answer.</summary>
    private static unsafe List<byte[]> Exchange(byte[] request, ushort wanted, IPAddress? destination = null)
    {
        var fd = SocketNative(AfNetlink, SockRaw | 0x80000 /* SOCK_CLOEXEC */, NetlinkRouteProtocol);
        if (fd < 0)
        {
            throw new NkdumpException($"cannot open a netlink socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            fixed (byte* p = request)
            {
                if (SendNative(fd, p, request.Length, 0) != request.Length)
                {
                    throw new NkdumpException($"netlink send: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }

            var dump = (BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(6)) & Dump) != 0;
            var payloads = new List<byte[]>();
            var buffer = new byte[64 * 1024];
            for (var rounds = 0; rounds < 4096; rounds++)
            {
                long received;
                fixed (byte* p = buffer)
                {
                    received = RecvNative(fd, p, buffer.Length, 0);
                }

                if (received <= 0)
                {
                    throw new NkdumpException($"netlink receive: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }

                foreach (var (type, payload) in NetlinkMessages.Split(buffer.AsSpan(0, (int)received)))
                {
                    if (type == NetlinkMessages.Done)
                    {
                        return payloads;
                    }

                    if (type == NetlinkMessages.Error && NetlinkMessages.ErrorNumber(payload) is var errno and not 0)
                    {
                        var reason = Marshal.GetPInvokeErrorMessage(errno);
                        throw new NkdumpException(destination is null ? $"netlink: {reason}" : $"no route to {destination}: {reason}");
                    }

                    if (type == wanted)
                    {
                        payloads.Add(payload);
                    }
                }

                if (!dump && payloads.Count > 0)
                {
                    return payloads;
                }
            }

            throw new NkdumpException("netlink: the dump did not end");
        }
        finally
        {
            _ = CloseNative(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketNative(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendNative(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint RecvNative(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);
}
