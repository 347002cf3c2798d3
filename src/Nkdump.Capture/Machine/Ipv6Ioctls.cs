using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Nkdump.Capture.Machine;

/// <summary>
/// Static IPv6 configuration with the classic ioctls on an AF_INET6 socket (what `ifconfig add` and
/// `route -A inet6` do), so that the capture needs no ip binary: SIOCSIFADDR with struct in6_ifreq,
/// SIOCADDRT with struct in6_rtmsg for the default route (include/uapi/linux/ipv6.h, ipv6_route.h).
/// </summary>
internal static class Ipv6Ioctls
{
    private const int AfInet6 = 10, SockDgram = 2, EExist = 17;
    private const ulong SiocSIfAddr = 0x8916, SiocAddRt = 0x890B;

    // struct in6_ifreq { struct in6_addr ifr6_addr; __u32 ifr6_prefixlen; int ifr6_ifindex; } — 24 bytes.
    private const int In6IfReqSize = 24;

    // struct in6_rtmsg { in6_addr rtmsg_dst (0), rtmsg_src (16), rtmsg_gateway (32); __u32 rtmsg_type (48);
    // __u16 rtmsg_dst_len (52), rtmsg_src_len (54); __u32 rtmsg_metric (56); unsigned long rtmsg_info (64);
    // __u32 rtmsg_flags (72); int rtmsg_ifindex (76); } — 80 bytes on x86_64.
    private const int In6RtMsgSize = 80;
    private const uint RtfUp = 0x1, RtfGateway = 0x2;

    public static void AddAddress(int ifindex, IPAddress address, int prefix)
    {
        var request = new byte[In6IfReqSize];
        address.GetAddressBytes().CopyTo(request, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(16), (uint)prefix);
        BinaryPrimitives.WriteInt32LittleEndian(request.AsSpan(20), ifindex);
        Ioctl(SiocSIfAddr, request, $"add {address}/{prefix}", EExist);
    }

    public static void AddDefaultRoute(int ifindex, IPAddress gateway)
    {
        var route = new byte[In6RtMsgSize];
        gateway.GetAddressBytes().CopyTo(route, 32);
        BinaryPrimitives.WriteUInt32LittleEndian(route.AsSpan(56), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(route.AsSpan(72), RtfUp | RtfGateway);
        BinaryPrimitives.WriteInt32LittleEndian(route.AsSpan(76), ifindex);
        Ioctl(SiocAddRt, route, $"add the default route via {gateway}", EExist);
    }

    private static unsafe void Ioctl(ulong request, byte[] argument, string what, int toleratedErrno)
    {
        var fd = LibcSockets.Socket(AfInet6, SockDgram, 0);
        if (fd < 0)
        {
            throw new IOException($"socket(AF_INET6): {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} (is IPv6 disabled?)");
        }

        try
        {
            fixed (byte* p = argument)
            {
                if (LibcSockets.Ioctl(fd, request, p) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != toleratedErrno)
                {
                    throw new IOException($"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }
            }
        }
        finally
        {
            _ = LibcSockets.Close(fd);
        }
    }
}
