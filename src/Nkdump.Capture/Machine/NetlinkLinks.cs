using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Nkdump.Capture.Machine;

/// <summary>
/// Creates the VLAN, bond or bridge the host had, with rtnetlink as `ip link add` does: RTM_NEWLINK
/// with IFLA_IFNAME, IFLA_LINK (a VLAN's parent) and IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA };
/// a NIC joins a bond or bridge by RTM_NEWLINK on its index with IFLA_MASTER (include/uapi/linux/
/// if_link.h, rtnetlink.h). Each request asks for an acknowledgement, so the kernel's refusal (no
/// 8021q module, a NIC that is up) comes back as an error with its reason.
/// </summary>
internal static class NetlinkLinks
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000;
    private const ushort NewLink = 16, Error = 2;
    private const ushort Request = 0x1, Ack = 0x4, Excl = 0x200, Create = 0x400;

    /// <summary>A VLAN <paramref name="name"/> with id <paramref name="vlanId"/> on the interface <paramref name="parent"/>.</summary>
    public static void AddVlan(string name, int parent, int vlanId) =>
        Send(Link(0, Create | Excl, [.. Attr(3, Name(name)), .. Attr(5, U32(parent)), .. Attr(18, [.. Attr(1, Name("vlan")), .. Attr(2, Attr(1, U16(vlanId)))])]), $"create the VLAN {name}");

    /// <summary>An active-backup bond (IFLA_BOND_MODE 1) watching the links' carrier every 100 ms (IFLA_BOND_MIIMON).</summary>
    public static void AddBond(string name) =>
        Send(Link(0, Create | Excl, [.. Attr(3, Name(name)), .. Attr(18, [.. Attr(1, Name("bond")), .. Attr(2, [.. Attr(1, [1]), .. Attr(3, U32(100))])])]), $"create the bond {name}");

    public static void AddBridge(string name) =>
        Send(Link(0, Create | Excl, [.. Attr(3, Name(name)), .. Attr(18, Attr(1, Name("bridge")))]), $"create the bridge {name}");

    /// <summary>The interface <paramref name="index"/> joins the bond or bridge <paramref name="master"/> (it must be down for a bond).</summary>
    public static void SetMaster(int index, int master) =>
        Send(Link(index, 0, Attr(10, U32(master))), $"add interface {index} to {master}");

    /// <summary>struct nlmsghdr, then struct ifinfomsg { u8 family; u8 pad; u16 type; int index; u32 flags; u32 change; }, then the attributes.</summary>
    internal static byte[] Link(int index, ushort flags, byte[] attributes)
    {
        var message = new byte[16 + 16 + attributes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), NewLink);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), (ushort)(Request | Ack | flags));
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(20), index);
        attributes.CopyTo(message, 32);
        return message;
    }

    internal static byte[] Attr(int type, byte[] value)
    {
        var attr = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(attr, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attr.AsSpan(2), (ushort)type);
        value.CopyTo(attr, 4);
        return attr;
    }

    private static byte[] Name(string name) => Encoding.ASCII.GetBytes(name + "\0");

    private static byte[] U32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
        return bytes;
    }

    /// <summary>Sends one request and reads its acknowledgement: NLMSG_ERROR with errno 0, or the kernel's errno.</summary>
    private static unsafe void Send(byte[] request, string what)
    {
        var fd = LibcSockets.Socket(AfNetlink, SockRaw | SockCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot {what}: netlink socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            var answer = new byte[8192];
            long received;
            fixed (byte* p = request)
            {
                if (LibcSockets.Send(fd, p, request.Length, 0) != request.Length)
                {
                    throw new IOException($"cannot {what}: netlink send: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }

            fixed (byte* p = answer)
            {
                received = LibcSockets.Recv(fd, p, answer.Length, 0);
            }

            if (received < 20 || BinaryPrimitives.ReadUInt16LittleEndian(answer.AsSpan(4)) != Error)
            {
                throw new IOException($"cannot {what}: no netlink acknowledgement");
            }

            var errno = -BinaryPrimitives.ReadInt32LittleEndian(answer.AsSpan(16));
            if (errno != 0)
            {
                throw new IOException($"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
        }
        finally
        {
            _ = LibcSockets.Close(fd);
        }
    }
}
