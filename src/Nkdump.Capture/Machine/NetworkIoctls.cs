using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Nkdump.Capture.Machine;

/// <summary>
/// Static IPv4 configuration with the classic socket ioctls (what ifconfig and route do), so that the
/// capture initramfs needs no ip binary: SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS (IFF_UP) and
/// SIOCADDRT for the default route. Debian's kernels have no CONFIG_IP_PNP, so the kernel itself
/// does not configure ip= for us.
/// </summary>
internal static class NetworkIoctls
{
    private const int AfInet = 2;
    private const int SockDgram = 2;
    private const ulong SiocGIfFlags = 0x8913;
    private const ulong SiocSIfFlags = 0x8914;
    private const ulong SiocSIfAddr = 0x8916;
    private const ulong SiocSIfNetmask = 0x891C;
    private const ulong SiocAddRt = 0x890B;
    private const short IffUp = 0x1;
    private const ushort RtfUp = 0x1;
    private const ushort RtfGateway = 0x2;
    private const int EExist = 17;

    // struct ifreq { char ifr_name[16]; union { struct sockaddr ifr_addr; short ifr_flags; ... }; } — 40 bytes.
    private const int IfReqSize = 40;
    private const int IfNameSize = 16;
    private const int IfReqUnion = 16;

    // struct rtentry (x86_64): unsigned long rt_pad1; struct sockaddr rt_dst at 8, rt_gateway at 24,
    // rt_genmask at 40; unsigned short rt_flags at 56; ...; char *rt_dev at 88; ... — 120 bytes.
    private const int RtEntrySize = 120;
    private const int RtDst = 8;
    private const int RtGateway = 24;
    private const int RtGenmask = 40;
    private const int RtFlags = 56;

    public static void BringUp(string device) => WithSocket(fd => SetUp(fd, device));

    public static void Configure(string device, IPAddress address, IPAddress netmask, IPAddress? gateway) => WithSocket(fd =>
    {
        var request = IfReq(device);
        SockaddrIn(request.AsSpan(IfReqUnion), address);
        Ioctl(fd, SiocSIfAddr, request, $"set the address of {device}");
        request = IfReq(device);
        SockaddrIn(request.AsSpan(IfReqUnion), netmask);
        Ioctl(fd, SiocSIfNetmask, request, $"set the netmask of {device}");
        SetUp(fd, device);
        if (gateway is not null)
        {
            var route = new byte[RtEntrySize];
            SockaddrIn(route.AsSpan(RtDst), IPAddress.Any);
            SockaddrIn(route.AsSpan(RtGateway), gateway);
            SockaddrIn(route.AsSpan(RtGenmask), IPAddress.Any);
            BinaryPrimitives.WriteUInt16LittleEndian(route.AsSpan(RtFlags), RtfUp | RtfGateway);
            Ioctl(fd, SiocAddRt, route, $"add the default route via {gateway}", toleratedErrno: EExist);
        }
    });

    private static void SetUp(int fd, string device)
    {
        var request = IfReq(device);
        Ioctl(fd, SiocGIfFlags, request, $"read the flags of {device}");
        var flags = BinaryPrimitives.ReadInt16LittleEndian(request.AsSpan(IfReqUnion));
        BinaryPrimitives.WriteInt16LittleEndian(request.AsSpan(IfReqUnion), (short)(flags | IffUp));
        Ioctl(fd, SiocSIfFlags, request, $"bring {device} up");
    }

    private static byte[] IfReq(string device)
    {
        var request = new byte[IfReqSize];
        var name = Encoding.ASCII.GetBytes(device);
        if (name.Length >= IfNameSize)
        {
            throw new IOException($"interface name '{device}' is longer than {IfNameSize - 1} bytes");
        }

        name.CopyTo(request, 0);
        return request;
    }

    /// <summary>struct sockaddr_in { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; char zero[8]; }.</summary>
    private static void SockaddrIn(Span<byte> target, IPAddress address)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(target, AfInet);
        address.GetAddressBytes().CopyTo(target[4..]);
    }

    private static void WithSocket(Action<int> body)
    {
        var fd = LibcSockets.Socket(AfInet, SockDgram, 0);
        if (fd < 0)
        {
            throw new IOException($"socket: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            body(fd);
        }
        finally
        {
            _ = LibcSockets.Close(fd);
        }
    }

    private static unsafe void Ioctl(int fd, ulong request, byte[] argument, string what, int toleratedErrno = 0)
    {
        fixed (byte* p = argument)
        {
            if (LibcSockets.Ioctl(fd, request, p) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != toleratedErrno)
                {
                    throw new IOException($"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }
            }
        }
    }
}
