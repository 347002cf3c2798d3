using System.Net;
using System.Runtime.InteropServices;
using Nkdump.Capture.Machine;
using Nkdump.Capture.Targets;

namespace Nkdump.Capture.Tests;

/// <summary>ip= on the capture kernel's command line configures the network for ssh and NFS targets.</summary>
public sealed partial class NetworkTests : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly CaptureTestRoot _t = new();

    [Theory]
    [InlineData("10.0.2.15::10.0.2.2:255.255.255.0:guest:eth0:none", "10.0.2.15", "255.255.255.0", "10.0.2.2", "eth0")]
    [InlineData("192.168.1.5:192.168.1.1::255.255.0.0", "192.168.1.5", "255.255.0.0", null, null)]
    public void StaticIpSettingsParse(string value, string address, string netmask, string? gateway, string? device) =>
        Assert.Equal(
            new IpSetting(IPAddress.Parse(address), IPAddress.Parse(netmask), gateway is null ? null : IPAddress.Parse(gateway), device),
            IpSetting.Parse(value));

    [Theory]
    [InlineData("dhcp")]
    [InlineData("off")]
    [InlineData("fe80::1::fe80::2:64")]
    [InlineData("10.0.2.15::10.0.2.2:not-a-mask")]
    public void OtherFormsAreNotStatic(string value) => Assert.Null(IpSetting.Parse(value));

    [Fact]
    public void SshTargetConfiguresTheOnlyInterfaceWhenTheHostsNameIsAbsent()
    {
        Directory.CreateDirectory(_t["/sys/class/net/lo"]);
        Directory.CreateDirectory(_t["/sys/class/net/eth0"]);
        _t.Write("/proc/cmdline", "root=/dev/vda1 ip=10.0.2.15::10.0.2.2:255.255.255.0::enp0s2:none\n");
        _t.Write("/usr/bin/ssh", "#!/bin/sh\nexit 255\n", executable: true);
        _t.Config("ssh kdump@10.0.2.2\ncore_collector makedumpfile -F -l -d 31\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal(["up lo", "configure eth0 10.0.2.15 255.255.255.0 via 10.0.2.2", "reboot"], _t.Machine.Calls);
        Assert.Contains("no interface enp0s2 here; using eth0", _t.ToString());
    }

    [Fact]
    public void AmbiguousInterfacesFailNamingThem()
    {
        Directory.CreateDirectory(_t["/sys/class/net/eth0"]);
        Directory.CreateDirectory(_t["/sys/class/net/eth1"]);
        _t.Write("/proc/cmdline", "ip=10.0.2.15::10.0.2.2:255.255.255.0\n");
        _t.Config("nfs 10.0.2.2:/srv\nfailure_action halt\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal(["halt"], _t.Machine.Calls);
        Assert.Contains("the interfaces here are eth0, eth1", _t.ToString());
    }

    /// <summary>The real ioctls, in a network namespace of a thread of our own (only loopback in it): address, netmask, up, default route.</summary>
    [Fact]
    public void IoctlsConfigureAnInterfaceInAPrivateNetworkNamespace()
    {
        string? routes = null, addresses = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Assert.True(Unshare(CloneNewNet) == 0, $"unshare(CLONE_NEWNET) needs root: errno {Marshal.GetLastPInvokeError()}");
                var machine = new LinuxCaptureMachine(new CaptureLog(TextWriter.Null));
                machine.ConfigureInterface("lo", IPAddress.Parse("10.77.0.5"), IPAddress.Parse("255.255.0.0"), IPAddress.Parse("10.77.0.1"));
                routes = File.ReadAllText("/proc/thread-self/net/route");
                addresses = File.ReadAllText("/proc/thread-self/net/fib_trie");
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        // /proc/net/route: Iface Destination Gateway Flags …, addresses little-endian hex: 10.77.0.1 = 01004D0A, flags 0003 = UP|GATEWAY.
        Assert.Matches(@"(?m)^lo\s+00000000\s+01004D0A\s+0003\s", routes);
        Assert.Contains("10.77.0.5", addresses);
    }

    public void Dispose() => _t.Dispose();

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int Unshare(int flags);
}
