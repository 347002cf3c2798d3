using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 17, finding 1: a wrong printk value in VMCOREINFO never makes a command abort with an
/// unhandled exception (exit 134): the commands that read the log either do without it or exit 1
/// naming the value; and any exception nkdump did not expect is "internal error", exit 1.
/// </summary>
public class HostileInputCommandTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>The 16 offsets the ring reader indexes with (4096: past every structure), huge sizes, a negative counter.</summary>
    public static TheoryData<string, string> BadValues
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var member in new[]
            {
                "printk_ringbuffer.desc_ring", "printk_ringbuffer.text_data_ring",
                "prb_desc_ring.count_bits", "prb_desc_ring.descs", "prb_desc_ring.infos", "prb_desc_ring.head_id", "prb_desc_ring.tail_id",
                "prb_desc.state_var", "prb_desc.text_blk_lpos", "prb_data_blk_lpos.begin", "prb_data_blk_lpos.next",
                "printk_info.seq", "printk_info.ts_nsec", "printk_info.text_len", "prb_data_ring.size_bits", "prb_data_ring.data",
            })
            {
                data.Add($"OFFSET({member})", "4096");
            }

            data.Add("SIZE(prb_desc)", "1099511627776");
            data.Add("SIZE(printk_info)", "1099511627776");
            data.Add("OFFSET(atomic_long_t.counter)", "-8");
            return data;
        }
    }

    /// <summary>The commands that read the crashed kernel's log; {0} is the dump, {1} an output file.</summary>
    public static readonly string[][] LogCommands =
    [
        ["dmesg", "{0}"],
        ["info", "{0}"],
        ["analyze", "{0}", "-c", "log"],
        ["triage", "{0}"],
        ["collect", "--dump-dmesg", "{0}", "{1}"],
    ];

    [Theory]
    [MemberData(nameof(BadValues))]
    public void LogCommandsExitOneOrSucceedWithoutTheLog(string key, string value)
    {
        using var dir = new TempDirectory();
        var dump = BadDump(dir, key, value);
        foreach (var command in LogCommands)
        {
            var args = command.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, dump, dir.File("out.txt"))).ToArray();
            var (code, _, error) = CliRunner.Run(args);
            Assert.True(code is 0 or 1, $"{string.Join(' ', args)}: exit {code}: {error}");
            Assert.DoesNotContain("internal error", error);
            if (command[0] == "dmesg")
            {
                Assert.Equal(1, code);
                Assert.Contains($"{key}={value}", error);
            }
        }
    }

    [Fact]
    public void NativeBinaryNeverAbortsOnABadPrintkValue()
    {
        var binary = RepoPaths.NativeBinary;
        Assert.True(File.Exists(binary), $"{binary} is missing: run ./build.sh first (./test.sh does)");
        using var dir = new TempDirectory();
        foreach (var (key, value) in new[] { ("OFFSET(prb_desc.state_var)", "4096"), ("SIZE(printk_info)", "1099511627776"), ("OFFSET(atomic_long_t.counter)", "-8") })
        {
            var dump = BadDump(dir, key, value);
            foreach (var command in LogCommands)
            {
                File.Delete(dir.File("out.txt"));
                var args = command.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, dump, dir.File("out.txt"))).ToArray();
                var result = ExternalTool.Run(binary, args);
                Assert.True(result.ExitCode is 0 or 1, $"{key}={value}: nkdump {string.Join(' ', args)}: {result}");
            }
        }
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("fifo")]
    public async Task ConfigCheckOfADeviceOrAFifoFailsPromptly(string config)
    {
        // Issue 17, finding 3: /dev/zero ran out of memory, /dev/urandom and a FIFO never returned.
        using var dir = new TempDirectory();
        if (config == "fifo")
        {
            config = dir.File("kdump.conf");
            var made = ExternalTool.Run("mkfifo", [config]);
            Assert.True(made.ExitCode == 0, made.ToString());
        }

        var run = Task.Run(() => CliRunner.Run("config", "check", "--config", config));
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) == run, $"config check --config {config} did not return");
        var (code, _, error) = await run;
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"nkdump config: error: {config}: cannot read the configuration: kdump.conf is a", error);
    }

    [Theory]
    [InlineData("-i", "/dev/zero")]
    [InlineData("-i", "fifo")]
    [InlineData("--system-map", "/dev/zero")]
    [InlineData("--system-map", "fifo")]
    public async Task AVmcoreInfoFileOrSystemMapThatIsADeviceOrAFifoFailsPromptly(string option, string file)
    {
        // Issue 17: -i and --system-map read their files bounded, and only regular files.
        using var dir = new TempDirectory();
        if (file == "fifo")
        {
            file = dir.File("named-pipe");
            var made = ExternalTool.Run("mkfifo", [file]);
            Assert.True(made.ExitCode == 0, made.ToString());
        }

        string[] args = option == "-i"
            ? ["collect", "--dump-dmesg", "-i", file, Fixtures.ElfVmcore(Fixture), dir.File("dmesg.txt")]
            : ["analyze", "--system-map", file, "-c", "sys", Fixtures.ElfVmcore(Fixture)];
        var run = Task.Run(() => CliRunner.Run(args));
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run, $"nkdump {string.Join(' ', args)} did not return");
        var (code, _, error) = await run;
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains(file, error);
        Assert.Contains("not a regular file", error);
        Assert.False(File.Exists(dir.File("dmesg.txt")), "no output is left behind");
    }

    [Fact]
    public void UnexpectedExceptionIsAnInternalErrorWithExitOne()
    {
        var command = new Command("boom", "fails", "boom", "", (_, _) => throw new InvalidCastException("a bug"));
        var error = new StringWriter();
        var code = CommandLine.Execute(command, [], new CommandContext(new StringWriter(), error, () => Stream.Null, () => Stream.Null));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("nkdump boom: internal error: System.InvalidCastException: a bug\n", error.ToString());
        Assert.Contains("This is a bug in nkdump", error.ToString());
        Assert.Contains("report it", error.ToString());
    }

    /// <summary>A copy of the 6.1 crash's kdump-compressed file (the small one) with KEY=VALUE in its VMCOREINFO.</summary>
    private static string BadDump(TempDirectory dir, string key, string value) =>
        VmcoreInfoPatch.Copy(Fixtures.KdumpFiles(Fixture).Single(f => f.EndsWith("-zlib-d31", StringComparison.Ordinal)), dir.File($"vmcore-{key}-{value}".Replace('(', '_').Replace(')', '_')),
            new Dictionary<string, string?> { [key] = value, ["OFFSET(printk_ringbuffer.fail)"] = null });
}
