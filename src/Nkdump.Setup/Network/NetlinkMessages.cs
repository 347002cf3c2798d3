using System.Buffers.Binary;
using System.Net;
using System.Text;
using Nkdump.Formats;

namespace Nkdump.Setup.Network;

/// <summary>An interface as RTM_NEWLINK describes it (struct ifinfomsg and its IFLA_* attributes).</summary>
public sealed record NetLink(int Index, string Name, string? Mac, int? Master, int? Parent, string? Kind, int? VlanId, int? BondMode, string? PermanentMac, string? SlaveKind);

/// <summary>An address as RTM_NEWADDR describes it (struct ifaddrmsg, IFA_LOCAL/IFA_ADDRESS, IFA_FLAGS).</summary>
public sealed record NetAddress(int Index, IPAddress Address, int Prefix, int Scope, uint Flags)
{
    public const uint Permanent = 0x80;   // IFA_F_PERMANENT: no lifetime (static), as opposed to a lease or SLAAC
    public const uint Tentative = 0x40;   // IFA_F_TENTATIVE: duplicate address detection still running

    public bool IsPermanent => (Flags & Permanent) != 0;
}

/// <summary>The route the kernel chose for one destination (RTM_GETROUTE answer: RTA_OIF, RTA_GATEWAY, RTA_PREFSRC).</summary>
public sealed record NetRoute(int OutputInterface, IPAddress? Gateway, IPAddress? PreferredSource);

/// <summary>
/// Parses rtnetlink answers: a stream of struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq;
/// u32 pid; } each followed by its family header and 4-byte aligned struct rtattr { u16 len; u16 type; }
/// attributes (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h). Every length is checked
/// against what is left; a message that does not fit is an error naming its offset.
/// </summary>
internal static class NetlinkMessages
{
    public const ushort Done = 3, Error = 2, NewLink = 16, NewAddr = 20, NewRoute = 24;
    private const int HeaderSize = 16, IfInfoSize = 16, IfAddrSize = 8, RtMsgSize = 12;

    /// <summary>(type, payload) of each message in one received buffer.</summary>
    public static List<(ushort Type, byte[] Payload)> Split(ReadOnlySpan<byte> buffer)
    {
        var messages = new List<(ushort, byte[])>();
        var offset = 0;
        while (buffer.Length - offset >= HeaderSize)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(buffer[offset..]);
            if (length < HeaderSize || length > buffer.Length - offset)
            {
                throw new NkdumpException($"netlink: message at offset {offset} claims {length} bytes, {buffer.Length - offset} left");
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(buffer[(offset + 4)..]);
            messages.Add((type, buffer.Slice(offset + HeaderSize, (int)length - HeaderSize).ToArray()));
            offset += Align((int)length);
        }

        return messages;
    }

    /// <summary>The errno of an NLMSG_ERROR payload (negative in the message; 0 is an acknowledgement).</summary>
    public static int ErrorNumber(byte[] payload) =>
        payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : throw new NkdumpException("netlink: truncated error message");

    public static NetLink ParseLink(byte[] payload)
    {
        Require(payload, IfInfoSize, "ifinfomsg");
        var index = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(4));
        string name = "", kind = "", slaveKind = "";
        string? mac = null, perm = null;
        int? master = null, parent = null, vlan = null, bondMode = null;
        foreach (var (type, value) in Attributes(payload, IfInfoSize))
        {
            switch (type)
            {
                case 1: mac = Mac(value); break;                      // IFLA_ADDRESS
                case 3: name = CString(value); break;                 // IFLA_IFNAME
                case 5: parent = U32(value); break;                   // IFLA_LINK
                case 10: master = U32(value); break;                  // IFLA_MASTER
                case 54: perm ??= Mac(value); break;                  // IFLA_PERM_ADDRESS (5.5+)
                case 18:                                              // IFLA_LINKINFO
                    foreach (var (infoType, info) in Attributes(value, 0))
                    {
                        switch (infoType)
                        {
                            case 1: kind = CString(info); break;      // IFLA_INFO_KIND
                            case 4: slaveKind = CString(info); break; // IFLA_INFO_SLAVE_KIND
                            case 2:                                   // IFLA_INFO_DATA: vlan's IFLA_VLAN_ID, bond's IFLA_BOND_MODE
                                foreach (var (dataType, data) in Attributes(info, 0))
                                {
                                    if (dataType == 1 && data.Length >= 2 && kind == "vlan")
                                    {
                                        vlan = BinaryPrimitives.ReadUInt16LittleEndian(data);
                                    }
                                    else if (dataType == 1 && data.Length >= 1 && kind == "bond")
                                    {
                                        bondMode = data[0];
                                    }
                                }

                                break;
                            case 5:                                   // IFLA_INFO_SLAVE_DATA: bond's IFLA_BOND_SLAVE_PERM_HWADDR
                                foreach (var (dataType, data) in Attributes(info, 0))
                                {
                                    if (dataType == 4 && slaveKind == "bond")
                                    {
                                        perm = Mac(data);
                                    }
                                }

                                break;
                        }
                    }

                    break;
            }
        }

        return new NetLink(index, name, mac, master, parent == index ? null : parent, kind.Length > 0 ? kind : null, vlan, bondMode, perm, slaveKind.Length > 0 ? slaveKind : null);
    }

    public static NetAddress ParseAddress(byte[] payload)
    {
        Require(payload, IfAddrSize, "ifaddrmsg");
        int prefix = payload[1], scope = payload[3];
        uint flags = payload[2];
        var index = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(4));
        IPAddress? local = null, address = null;
        foreach (var (type, value) in Attributes(payload, IfAddrSize))
        {
            switch (type)
            {
                case 1: address = Ip(value); break;   // IFA_ADDRESS
                case 2: local = Ip(value); break;     // IFA_LOCAL (the own address on point-to-point links)
                case 8 when value.Length >= 4: flags = BinaryPrimitives.ReadUInt32LittleEndian(value); break;   // IFA_FLAGS
            }
        }

        return new NetAddress(index, local ?? address ?? throw new NkdumpException($"netlink: address of interface {index} without IFA_ADDRESS"), prefix, scope, flags);
    }

    public static NetRoute ParseRoute(byte[] payload)
    {
        Require(payload, RtMsgSize, "rtmsg");
        int? oif = null;
        IPAddress? gateway = null, source = null;
        foreach (var (type, value) in Attributes(payload, RtMsgSize))
        {
            switch (type)
            {
                case 4: oif = U32(value); break;         // RTA_OIF
                case 5: gateway = Ip(value); break;      // RTA_GATEWAY
                case 7: source = Ip(value); break;       // RTA_PREFSRC
            }
        }

        return new NetRoute(oif ?? throw new NkdumpException("netlink: the route has no output interface (RTA_OIF)"), gateway, source);
    }

    /// <summary>The rtattr list after a family header of <paramref name="start"/> bytes.</summary>
    public static List<(int Type, byte[] Value)> Attributes(ReadOnlySpan<byte> block, int start)
    {
        var list = new List<(int, byte[])>();
        var offset = start;
        while (block.Length - offset >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(block[offset..]);
            if (length < 4 || length > block.Length - offset)
            {
                throw new NkdumpException($"netlink: attribute at offset {offset} claims {length} bytes, {block.Length - offset} left");
            }

            // The top bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER, not part of the type.
            var type = BinaryPrimitives.ReadUInt16LittleEndian(block[(offset + 2)..]) & 0x3FFF;
            list.Add((type, block.Slice(offset + 4, length - 4).ToArray()));
            offset += Align(length);
        }

        return list;
    }

    public static int Align(int length) => (length + 3) & ~3;

    private static void Require(byte[] payload, int size, string what)
    {
        if (payload.Length < size)
        {
            throw new NkdumpException($"netlink: {what} of {payload.Length} bytes, {size} expected");
        }
    }

    private static int U32(byte[] value) =>
        value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : throw new NkdumpException($"netlink: a 4-byte attribute of {value.Length} bytes");

    private static IPAddress Ip(byte[] value) =>
        value.Length is 4 or 16 ? new IPAddress(value) : throw new NkdumpException($"netlink: an address of {value.Length} bytes");

    private static string? Mac(byte[] value) =>
        value.Length == 6 ? string.Join(':', value.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))) : null;

    private static string CString(byte[] value)
    {
        var end = Array.IndexOf(value, (byte)0);
        return Encoding.ASCII.GetString(value, 0, end < 0 ? value.Length : end);
    }
}
