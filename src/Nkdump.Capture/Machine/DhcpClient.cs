using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Nkdump.Capture.Machine;

/// <summary>
/// A DHCPv4 client for the capture kernel (Debian's kernels have no CONFIG_IP_PNP, so the kernel's
/// own ip=dhcp is not there): DISCOVER, OFFER, REQUEST, ACK over a packet socket bound to the
/// interface (socket(AF_PACKET, SOCK_DGRAM, ETH_P_IP): the kernel adds the Ethernet header, nkdump
/// the IPv4 and UDP ones). Retries with growing waits (2, 4, 8, 8 s); the lease is not renewed: a
/// capture takes minutes and leases hours.
/// </summary>
internal static class DhcpClient
{
    private const int AfPacket = 17, SockDgram = 2, SockCloexec = 0x80000;
    private const ushort EthPIp = 0x0800;
    private const int SockaddrLlSize = 20;
    private static readonly int[] WaitsMs = [2000, 4000, 8000, 8000];

    public static DhcpLease Run(int ifindex, byte[] mac, Action<string> info)
    {
        var fd = LibcSockets.Socket(AfPacket, SockDgram | SockCloexec, BinaryPrimitives.ReverseEndianness(EthPIp));
        if (fd < 0)
        {
            throw new IOException($"packet socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            var address = LinkAddress(ifindex, [0, 0, 0, 0, 0, 0]);
            if (LibcSockets.Bind(fd, address, address.Length) != 0)
            {
                throw new IOException($"bind the packet socket to interface {ifindex}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            var broadcast = LinkAddress(ifindex, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
            var xid = (uint)(BinaryPrimitives.ReadUInt32BigEndian(mac.AsSpan(2)) ^ (uint)Environment.TickCount64);
            foreach (var wait in WaitsMs)
            {
                Send(fd, broadcast, DhcpMessages.Build(DhcpMessages.Discover, xid, mac));
                if (Await(fd, xid, mac, DhcpMessages.Offer, wait) is not { } offer)
                {
                    info($"no DHCP offer within {wait / 1000} s");
                    continue;
                }

                info($"DHCP offer of {offer.Address} from {offer.Server}");
                Send(fd, broadcast, DhcpMessages.Build(DhcpMessages.Request, xid, mac, offer.Address, offer.Server));
                if (Await(fd, xid, mac, DhcpMessages.Ack, wait) is { } ack)
                {
                    return ack;
                }

                info($"no DHCP acknowledgement of {offer.Address} within {wait / 1000} s");
                xid++;
            }

            throw new IOException($"no DHCP lease after {WaitsMs.Length} tries ({WaitsMs.Sum() / 1000} s)");
        }
        finally
        {
            _ = LibcSockets.Close(fd);
        }
    }

    /// <summary>The first answer of type <paramref name="wanted"/> (a NAK is an error) within <paramref name="milliseconds"/>, or null.</summary>
    private static unsafe DhcpLease? Await(int fd, uint xid, byte[] mac, byte wanted, int milliseconds)
    {
        var deadline = Environment.TickCount64 + milliseconds;
        var buffer = new byte[2048];
        for (var left = milliseconds; left > 0; left = (int)(deadline - Environment.TickCount64))
        {
            var poll = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(poll, fd);
            BinaryPrimitives.WriteInt16LittleEndian(poll.AsSpan(4), 1);   // POLLIN
            int ready;
            fixed (byte* p = poll)
            {
                ready = LibcSockets.Poll(p, 1, left);
            }

            if (ready <= 0)
            {
                continue;   // timeout (the loop ends) or EINTR
            }

            long received;
            fixed (byte* p = buffer)
            {
                received = LibcSockets.Recv(fd, p, buffer.Length, 0);
            }

            if (received > 0 && DhcpMessages.Parse(buffer.AsSpan(0, (int)received), xid, mac) is { } answer)
            {
                if (answer.Type == DhcpMessages.Nak)
                {
                    throw new IOException($"the DHCP server {answer.Lease.Server} refused the request (NAK)");
                }

                if (answer.Type == wanted)
                {
                    return answer.Lease;
                }
            }
        }

        return null;
    }

    private static unsafe void Send(int fd, byte[] to, byte[] packet)
    {
        fixed (byte* p = packet)
        {
            if (LibcSockets.SendTo(fd, p, packet.Length, 0, to, to.Length) != packet.Length)
            {
                throw new IOException($"send a DHCP message: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
    }

    /// <summary>struct sockaddr_ll { u16 family; be16 protocol; int ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }.</summary>
    private static byte[] LinkAddress(int ifindex, byte[] hardware)
    {
        var address = new byte[SockaddrLlSize];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AfPacket);
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(2), EthPIp);
        BinaryPrimitives.WriteInt32LittleEndian(address.AsSpan(4), ifindex);
        address[11] = (byte)hardware.Length;
        hardware.CopyTo(address, 12);
        return address;
    }
}
