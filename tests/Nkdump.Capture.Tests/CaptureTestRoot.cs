using Nkdump.Capture.Machine;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// A fake capture-kernel file system: ROOT/etc/kdump.conf, ROOT/proc/cmdline, block devices that are
/// plain files (ROOT/dev/NAME with ROOT/sys/class/block/NAME), hook scripts; a fixed clock; a
/// machine that records mounts and actions.
/// </summary>
internal sealed class CaptureTestRoot : IDisposable
{
    public const string Fixture = "debian-6.1.0-56-amd64";
    public static readonly DateTime Time = new(2026, 11, 26, 9, 5, 7);

    private readonly TempDirectory _directory = new();

    public CaptureTestRoot()
    {
        Root = new CaptureRoot(_directory.Path);
        Machine = new RecordingMachine();
        Log = new StringWriter();
    }

    public CaptureRoot Root { get; }

    public RecordingMachine Machine { get; }

    public StringWriter Log { get; }

    public string Path => _directory.Path;

    public string this[string absolute] => Root.Resolve(absolute);

    public void Config(string text) => Write("/etc/kdump.conf", text);

    public string Write(string absolute, string text, bool executable = false)
    {
        var path = Root.Resolve(absolute);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (executable)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>A block device NAME: an empty file or an ext4 image made by mkfs.ext4 with the UUID and label.</summary>
    public string Device(string name, string? ext4Uuid = null, string? label = null)
    {
        Directory.CreateDirectory(Root.Resolve("/sys/class/block/" + name));
        var node = Root.Resolve("/dev/" + name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(node)!);
        File.WriteAllBytes(node, []);
        if (ext4Uuid is not null)
        {
            var mkfs = ExternalTool.Run("mkfs.ext4", ["-q", "-F", "-U", ext4Uuid, "-L", label ?? "", node, "4M"]);
            Assert.True(mkfs.ExitCode == 0, mkfs.ToString());
        }

        return node;
    }

    public int Save(string? vmcore = null, string? sshProgram = null) =>
        new SaveRunner(Settings(vmcore, sshProgram), Machine, new CaptureLog(Log)).Run();

    public SaveSettings Settings(string? vmcore = null, string? sshProgram = null) => new()
    {
        Root = Root,
        Vmcore = vmcore ?? Fixtures.ElfVmcore(Fixture),
        SshProgram = sshProgram,
        Clock = new FixedClock(Time),
    };

    public static string ExpectedDmesg => File.ReadAllText(Fixtures.Expected(Fixture, "dmesg.makedumpfile.txt"));

    public void Dispose() => _directory.Dispose();

    public override string ToString() => Log.ToString();
}

/// <summary>Records what the capture asked of the machine; <see cref="OnMount"/> may really mount something.</summary>
internal sealed class RecordingMachine : ICaptureMachine
{
    public List<string> Calls { get; } = [];

    public Action<string, string, string, string?>? OnMount { get; set; }

    public void Mount(string source, string target, string fileSystemType, string? options)
    {
        Calls.Add($"mount {fileSystemType} {source} {target}{(options is null ? "" : " " + options)}");
        OnMount?.Invoke(source, target, fileSystemType, options);
    }

    public void BringUp(string device) => Calls.Add($"up {device}");

    public void ConfigureInterface(string device, System.Net.IPAddress address, System.Net.IPAddress netmask, System.Net.IPAddress? gateway) =>
        Calls.Add($"configure {device} {address} {netmask}{(gateway is null ? "" : " via " + gateway)}");

    /// <summary>What <see cref="ReadKernelLog"/> returns: the capture kernel's log.</summary>
    public string KernelLog { get; set; } = "[    0.000000] Linux version 6.1.0-56-amd64 (capture kernel)\n";

    /// <summary>When set, <see cref="ReadKernelLog"/> throws it (a failure in an optional part of the capture).</summary>
    public Exception? KernelLogFailure { get; set; }

    public string ReadKernelLog() => KernelLogFailure is { } failure ? throw failure : KernelLog;

    public void Reboot() => Calls.Add("reboot");

    public void Halt() => Calls.Add("halt");

    public void PowerOff() => Calls.Add("poweroff");

    public void RunShell() => Calls.Add("shell");

    /// <summary>The calls that end the capture or open a shell, in order.</summary>
    public IEnumerable<string> Actions => Calls.Where(c => c is "reboot" or "halt" or "poweroff" or "shell");
}

/// <summary>A clock stopped at a local time (the capture names its directory after it).</summary>
internal sealed class FixedClock(DateTime local) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(local, DateTimeKind.Utc));
}
