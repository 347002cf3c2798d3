using System.Buffers.Binary;
using System.Net;

namespace Nkdump.Capture.Machine;

/// <summary>What a DHCP server gave: the address, its netmask, the router, the server and the lease.</summary>
public sealed record DhcpLease(IPAddress Address, IPAddress Netmask, IPAddress? Router, IPAddress Server, uint LeaseSeconds);

/// <summary>
/// DHCPv4 messages (RFC 2131, options RFC 2132) inside the IPv4 and UDP headers a packet socket
/// needs: the capture kernel has no address yet, so nkdump sends from 0.0.0.0:68 to
/// 255.255.255.255:67 itself and reads the answers off the link, as the kernel's own ipconfig and
/// udhcpc do. Requests ask for a broadcast answer. Answers are checked field by field before use.
/// </summary>
internal static class DhcpMessages
{
    public const byte Discover = 1, Offer = 2, Request = 3, Ack = 5, Nak = 6;
    private const int IpHeader = 20, UdpHeader = 8, BootpSize = 300;
    private const int OpOffset = 0, XidOffset = 4, FlagsOffset = 10, YiaddrOffset = 16, ChaddrOffset = 28, MagicOffset = 236, OptionsOffset = 240;
    private static readonly byte[] Magic = [99, 130, 83, 99];

    /// <summary>An IPv4+UDP+BOOTP frame payload: DISCOVER, or REQUEST of <paramref name="offered"/> from <paramref name="server"/>.</summary>
    public static byte[] Build(byte type, uint xid, byte[] mac, IPAddress? offered = null, IPAddress? server = null)
    {
        var bootp = new byte[BootpSize];
        bootp[OpOffset] = 1;          // BOOTREQUEST
        bootp[1] = 1;                 // htype Ethernet
        bootp[2] = 6;                 // hlen
        BinaryPrimitives.WriteUInt32BigEndian(bootp.AsSpan(XidOffset), xid);
        BinaryPrimitives.WriteUInt16BigEndian(bootp.AsSpan(FlagsOffset), 0x8000);   // broadcast the answer: we have no address yet
        mac.CopyTo(bootp, ChaddrOffset);
        Magic.CopyTo(bootp, MagicOffset);
        var o = OptionsOffset;
        void Option(byte code, ReadOnlySpan<byte> value)
        {
            bootp[o] = code;
            bootp[o + 1] = (byte)value.Length;
            value.CopyTo(bootp.AsSpan(o + 2));
            o += 2 + value.Length;
        }

        Option(53, [type]);
        Option(61, [1, .. mac]);                     // client identifier: hardware type and address
        if (offered is not null)
        {
            Option(50, offered.GetAddressBytes());   // requested address
        }

        if (server is not null)
        {
            Option(54, server.GetAddressBytes());    // server identifier
        }

        Option(55, [1, 3, 51, 54]);                  // netmask, router, lease, server
        bootp[o] = 255;

        var packet = new byte[IpHeader + UdpHeader + BootpSize];
        packet[0] = 0x45;                                                        // IPv4, 5-word header
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;                                                          // TTL
        packet[9] = 17;                                                          // UDP
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), 0xFFFFFFFF);    // to 255.255.255.255 from 0.0.0.0
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, IpHeader)));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(IpHeader), 68);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(IpHeader + 2), 67);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(IpHeader + 4), UdpHeader + BootpSize);
        // UDP checksum 0: "no checksum", allowed over IPv4 (RFC 768).
        bootp.CopyTo(packet, IpHeader + UdpHeader);
        return packet;
    }

    /// <summary>
    /// The message type and lease of an answer to <paramref name="xid"/> for <paramref name="mac"/>,
    /// or null when the packet is something else (another client's, not UDP to port 68, truncated).
    /// </summary>
    public static (byte Type, DhcpLease Lease)? Parse(ReadOnlySpan<byte> packet, uint xid, byte[] mac)
    {
        if (packet.Length < IpHeader || packet[0] >> 4 != 4 || packet[9] != 17)
        {
            return null;
        }

        var ihl = (packet[0] & 0xF) * 4;
        var total = Math.Min(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        if (ihl < IpHeader || total < ihl + UdpHeader + OptionsOffset || BinaryPrimitives.ReadUInt16BigEndian(packet[(ihl + 2)..]) != 68)
        {
            return null;
        }

        var bootp = packet[(ihl + UdpHeader)..total];
        if (bootp[OpOffset] != 2 || BinaryPrimitives.ReadUInt32BigEndian(bootp[XidOffset..]) != xid
            || !bootp.Slice(ChaddrOffset, 6).SequenceEqual(mac) || !bootp.Slice(MagicOffset, 4).SequenceEqual(Magic))
        {
            return null;
        }

        byte type = 0;
        IPAddress? netmask = null, router = null, server = null;
        uint lease = 0;
        for (var o = OptionsOffset; o < bootp.Length && bootp[o] != 255;)
        {
            if (bootp[o] == 0)
            {
                o++;
                continue;
            }

            if (o + 2 > bootp.Length || o + 2 + bootp[o + 1] > bootp.Length)
            {
                return null;
            }

            var value = bootp.Slice(o + 2, bootp[o + 1]);
            switch (bootp[o])
            {
                case 53 when value.Length == 1: type = value[0]; break;
                case 1 when value.Length == 4: netmask = new IPAddress(value); break;
                case 3 when value.Length >= 4: router = new IPAddress(value[..4]); break;
                case 54 when value.Length == 4: server = new IPAddress(value); break;
                case 51 when value.Length == 4: lease = BinaryPrimitives.ReadUInt32BigEndian(value); break;
            }

            o += 2 + value.Length;
        }

        var address = new IPAddress(bootp.Slice(YiaddrOffset, 4));
        if (type == 0 || server is null)
        {
            return null;
        }

        // A NAK carries no address; an OFFER or ACK without a netmask gets the classful /24 guess no server relies on.
        return (type, new DhcpLease(address, netmask ?? IPAddress.Parse("255.255.255.0"), router, server, lease));
    }

    /// <summary>The Internet checksum (RFC 1071) of an IPv4 header.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
