namespace Nkdump.Cli.Tests;

public class HostCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nkdump-host-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_dir, "kdump.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ConfigCheckAcceptsAGoodFile()
    {
        var path = WriteConfig("path /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\n");
        var (code, output, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("OK", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void ConfigCheckNamesFileLineAndDirective()
    {
        var path = WriteConfig("path /var/crash\n\nfailure_action explode\n");
        var (code, output, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"{path}:3: 'failure_action':", error);
    }

    [Theory]
    [InlineData("core_collector makedumpfile -l -d 31 --eppic x.c", "'--eppic' is not supported")]
    [InlineData("core_collector makedumpfile -l --dump-dmesg", "--dump-dmesg does not collect a dump")]
    public void ConfigCheckReportsCollectorOptionsTheCaptureWouldRefuse(string line, string message)
    {
        // The same parser reads core_collector here and in the capture kernel (CoreCollectorRun).
        var path = WriteConfig($"path /var/crash\n{line}\n");
        var (code, _, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains($"{path}:2: 'core_collector':", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void ConfigCheckWarnsAboutUnsupportedDirectives()
    {
        var path = WriteConfig("dracut_args --add-drivers ext4\n");
        var (code, _, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("warning", error);
        Assert.Contains("'dracut_args'", error);
    }

    [Fact]
    public void ConfigShowPrintsDefaults()
    {
        var path = WriteConfig("# nothing set\n");
        var (code, output, _) = CliRunner.Run("config", "show", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("path /var/crash\n", output);
        Assert.Contains("core_collector makedumpfile -l --message-level 7 -d 31\n", output);
        Assert.Contains("failure_action reboot\n", output);
    }

    [Fact]
    public void ConfigShowJson()
    {
        var path = WriteConfig("ssh kdump@backup\nfilter zero,free\ndracut_args -a x\n");
        var (code, output, _) = CliRunner.Run("config", "show", "--config", path, "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("ssh", doc.RootElement.GetProperty("target").GetString());
        var settings = doc.RootElement.GetProperty("settings");
        Assert.Equal("makedumpfile -F -l --message-level 7 -d 17", settings.GetProperty("core_collector").GetString());
        Assert.Equal("kdump@backup", settings.GetProperty("ssh").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("warnings").GetArrayLength());
    }

    [Fact]
    public void ConfigReadsRootEtcKdumpConfByDefault()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "etc"));
        File.WriteAllText(Path.Combine(_dir, "etc", "kdump.conf"), "filter zero,free\n");
        var (code, output, _) = CliRunner.Run("config", "show", "--root", _dir);
        Assert.Equal(0, code);
        Assert.Contains("-d 17", output);
    }

    [Fact]
    public void ConfigWithAMissingFileFails()
    {
        var (code, _, error) = CliRunner.Run("config", "check", "--config", Path.Combine(_dir, "absent.conf"));
        Assert.Equal(1, code);
        Assert.Contains("cannot read", error);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("config", "frob")]
    public void ConfigWithoutAKnownSubCommandIsAUsageError(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("check", error);
    }

    [Fact]
    public void ConfigHelpListsSubCommands()
    {
        var (code, output, _) = CliRunner.Run("config", "--help");
        Assert.Equal(0, code);
        Assert.Contains("  check ", output);
        Assert.Contains("  show ", output);
    }
}

public class HostCrashkernelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-ck-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("2G-64G:256M,64G-:512M", "8G", "268435456")]
    [InlineData("2G-64G:256M,64G-:512M", "1G", "0")]
    [InlineData("crashkernel=512M,high crashkernel=128M,low", "16G", "671088640")]
    [InlineData("auto", "8G", "0")]
    public void ShowPrintsBytesOnTheFirstLine(string expression, string ram, string bytes)
    {
        var (code, output, _) = CliRunner.Run("crashkernel", "show", expression, "--ram", ram);
        Assert.Equal(0, code);
        Assert.Equal(bytes, output.Split('\n')[0]);
    }

    [Fact]
    public void ShowJson()
    {
        var (code, output, _) = CliRunner.Run("crashkernel", "show", "512M,high", "--ram", "16G", "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(805306368UL, doc.RootElement.GetProperty("bytes").GetUInt64());
        Assert.True(doc.RootElement.GetProperty("high").GetBoolean());
        Assert.Equal(268435456UL, doc.RootElement.GetProperty("low_size").GetUInt64());
    }

    [Fact]
    public void ShowRejectsAMalformedExpressionWithItsPosition()
    {
        var (code, output, error) = CliRunner.Run("crashkernel", "show", "2G-64G:256M,64G-:512X", "--ram", "8G");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("position 21", error);
    }

    [Fact]
    public void ShowWithoutRamReadsTheRootsMeminfo()
    {
        Directory.CreateDirectory(Path.Combine(_root, "proc"));
        File.WriteAllText(Path.Combine(_root, "proc", "meminfo"), "MemTotal:        8038400 kB\nMemFree:  1 kB\n");
        var (code, output, _) = CliRunner.Run("crashkernel", "show", "2G-64G:256M,64G-:512M", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal("268435456", output.Split('\n')[0]);
    }

    [Fact]
    public void GetDefaultIsKdumpUtilsX86Default()
    {
        var (code, output, _) = CliRunner.Run("crashkernel", "get-default", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal("2G-64G:256M,64G-:512M\n", output);
    }

    [Theory]
    [InlineData("capture_cpus 2\n", "2G-64G:273M,64G-:529M\n")]
    [InlineData("capture_cpus auto\n", "2G-64G:256M,64G-:512M\n")]
    public void GetDefaultMakesRoomForTheExtraCaptureCpus(string config, string expected)
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "etc", "kdump.conf"), config);

        var (code, output, _) = CliRunner.Run("crashkernel", "get-default", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void GetDefaultWithABrokenConfigWarnsAndGivesTheOneCpuDefault()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "etc", "kdump.conf"), "capture_cpus 2\nfrobnicate 1\n");

        var (code, output, error) = CliRunner.Run("crashkernel", "get-default", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal("2G-64G:256M,64G-:512M\n", output);
        Assert.Contains("kdump.conf:2", error, StringComparison.Ordinal);
        Assert.Contains("ignoring kdump.conf here", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetDryRunPrintsADiffAndResetTwiceChangesNothing()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "default"));
        var grub = Path.Combine(_root, "etc", "default", "grub");
        File.WriteAllText(grub, "GRUB_CMDLINE_LINUX=\"quiet crashkernel=auto\"\n");

        var (code, output, _) = CliRunner.Run("crashkernel", "reset", "--root", _root, "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains("+GRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"", output);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"quiet crashkernel=auto\"\n", File.ReadAllText(grub));

        Assert.Equal(0, CliRunner.Run("crashkernel", "reset", "--root", _root).ExitCode);
        var once = File.ReadAllText(grub);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"\n", once);
        var (again, againOut, _) = CliRunner.Run("crashkernel", "reset", "--root", _root);
        Assert.Equal(0, again);
        Assert.Contains("already set", againOut);
        Assert.Equal(once, File.ReadAllText(grub));
    }

    [Fact]
    public void ResetOnSystemdBootEditsEtcKernelCmdlineAndSaysWhere()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "kernel"));
        var cmdline = Path.Combine(_root, "etc", "kernel", "cmdline");
        File.WriteAllText(cmdline, "root=UUID=abc rw\n");
        var (code, output, error) = CliRunner.Run("crashkernel", "reset", "--root", _root, "--size", "512M");
        Assert.True(code == 0, error);
        Assert.Contains("crashkernel=512M set in /etc/kernel/cmdline (previous files kept as FILE.nkdump-bak); reboot", output);
        Assert.Equal("root=UUID=abc rw crashkernel=512M\n", File.ReadAllText(cmdline));

        File.Delete(cmdline);
        File.Delete(cmdline + ".nkdump-bak");
        var (none, _, noneError) = CliRunner.Run("crashkernel", "reset", "--root", _root);
        Assert.Equal(1, none);
        Assert.Contains("no boot configuration nkdump can edit", noneError);
    }

    [Fact]
    public void ResetRefusesAMalformedSize()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "default"));
        File.WriteAllText(Path.Combine(_root, "etc", "default", "grub"), "GRUB_CMDLINE_LINUX=\"\"\n");
        var (code, _, error) = CliRunner.Run("crashkernel", "reset", "--root", _root, "--size", "2G-:x");
        Assert.Equal(1, code);
        Assert.Contains("position", error);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"\"\n", File.ReadAllText(Path.Combine(_root, "etc", "default", "grub")));
    }

    [Fact]
    public void HelpListsTheSubCommands()
    {
        var (_, output, _) = CliRunner.Run("crashkernel", "--help");
        foreach (var sub in new[] { "show", "get-default", "estimate", "reset" })
        {
            Assert.Contains($"  {sub} ", output);
        }
    }
}

public class HostServiceCommandTests : IDisposable
{
    private const string Release = "6.1.0-cli-amd64";
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-svc-cli-").FullName;

    public HostServiceCommandTests()
    {
        FakeHost.Populate(_root, Release);

        // A statically linked stand-in for the nkdump binary keeps the fake root small.
        Write("/build/nkdump", "#!/bin/sh\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string path, string text) => FakeHost.Write(_root, path, text);

    private string Read(string path) => File.ReadAllText(_root + path);

    [Fact]
    public void InstallStartStatusStopUninstall()
    {
        Assert.Equal(0, CliRunner.Run("install", "--root", _root, "--binary", _root + "/build/nkdump").ExitCode);
        Assert.Contains("Alias=kdump.service", Read("/etc/systemd/system/nkdump.service"));

        var (notYet, notYetOut, _) = CliRunner.Run("status", "--root", _root);
        Assert.Equal(3, notYet);
        Assert.Contains("no capture kernel is loaded", notYetOut);

        var (started, startOut, startErr) = CliRunner.Run("start", "--root", _root);
        Assert.True(started == 0, startErr);
        Assert.Contains("capture initramfs built", startOut);
        Assert.Contains("cmdline init root=/dev/vda1 ro novmcoredd", Read("/var/lib/nkdump/kexec-request"));

        var (status, statusOut, _) = CliRunner.Run("status", "--root", _root);
        Assert.Equal(0, status);
        Assert.Contains("operational", statusOut);
        var (_, json, _) = CliRunner.Run("status", "--root", _root, "--json");
        using (var doc = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.True(doc.RootElement.GetProperty("operational").GetBoolean());
            Assert.Equal(268435456UL, doc.RootElement.GetProperty("crash_size").GetUInt64());
        }

        Assert.Equal(0, CliRunner.Run("stop", "--root", _root).ExitCode);
        Assert.Equal(3, CliRunner.Run("status", "--root", _root).ExitCode);

        Assert.Equal(0, CliRunner.Run("rebuild", "--root", _root).ExitCode);
        Assert.Equal(0, CliRunner.Run("uninstall", "--root", _root).ExitCode);
        Assert.False(File.Exists(_root + "/usr/sbin/nkdump"));
        Assert.False(File.Exists(_root + "/etc/kdump.conf"));
    }

    [Fact]
    public void StartWithoutReservationFailsClearlyAndStatusSaysWhy()
    {
        Write("/sys/kernel/kexec_crash_size", "0\n");
        Write("/etc/kdump.conf", "path /var/crash\n");
        var (code, _, error) = CliRunner.Run("start", "--root", _root, "--binary", "/build/nkdump");
        Assert.Equal(1, code);
        Assert.Contains("no memory is reserved", error);
        Assert.False(Directory.Exists(_root + "/var/lib/nkdump"));

        var (status, output, _) = CliRunner.Run("status", "--root", _root);
        Assert.Equal(3, status);
        Assert.Contains("crashkernel", output);
    }

    [Fact]
    public void StartWithABadConfigNamesTheLine()
    {
        Write("/etc/kdump.conf", "path /var/crash\nssh nouser\n");
        var (code, _, error) = CliRunner.Run("start", "--root", _root, "--binary", "/build/nkdump");
        Assert.Equal(1, code);
        Assert.Contains("kdump.conf:2: 'ssh'", error);
    }

    [Fact]
    public void RebuildCompressChoosesTheCompressionAndRefusesWhatTheKernelCannotUnpack()
    {
        Write("/etc/kdump.conf", "path /var/crash\n");
        Write($"/boot/config-{Release}", "CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\nCONFIG_RD_XZ=y\n# CONFIG_RD_LZ4 is not set\n");
        var (code, output, error) = CliRunner.Run("rebuild", "--root", _root, "--binary", "/build/nkdump");
        Assert.True(code == 0, error);
        Assert.Contains("(zstd, the default; kernel 6.1.0-cli-amd64 has CONFIG_RD_ZSTD", output);

        var (xz, xzOutput, xzError) = CliRunner.Run("rebuild", "--root", _root, "--binary", "/build/nkdump", "--compress", "xz");
        Assert.True(xz == 0, xzError);
        Assert.Contains("(xz, chosen with --compress", xzOutput);
        Assert.Equal("FD377A585A00", Convert.ToHexString(File.ReadAllBytes($"{_root}/var/lib/nkdump/initramfs-{Release}.img").AsSpan(0, 6)));

        var (lz4, _, lz4Error) = CliRunner.Run("rebuild", "--root", _root, "--binary", "/build/nkdump", "--compress", "lz4");
        Assert.Equal(1, lz4);
        Assert.Contains("CONFIG_RD_LZ4 is not set", lz4Error);

        Write("/etc/kdump.conf", "path /var/crash\ndracut_args --compress=gzip --add-drivers e1000e\n");
        var (fromConfig, fromConfigOutput, fromConfigError) = CliRunner.Run("rebuild", "--root", _root, "--binary", "/build/nkdump");
        Assert.True(fromConfig == 0, fromConfigError);
        Assert.Contains("(gzip, from dracut_args", fromConfigOutput);
        Assert.Contains("kdump.conf:2: 'dracut_args': '--add-drivers e1000e' is not supported by nkdump", fromConfigError);

        var (unknown, _, unknownError) = CliRunner.Run("rebuild", "--root", _root, "--compress", "rar");
        Assert.Equal(2, unknown);
        Assert.Contains("gzip, zstd, xz, lz4, lzma, bzip2, lzo", unknownError);
    }

    [Fact]
    public void InstallResetsAnOlderDefaultCrashkernelUnlessTheConfigSaysNo()
    {
        Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M\"\n");
        Write("/etc/kdump.conf", "auto_reset_crashkernel no\npath /var/crash\n");
        var (kept, keptOut, keptErr) = CliRunner.Run("install", "--root", _root, "--binary", _root + "/build/nkdump");
        Assert.True(kept == 0, keptErr);
        Assert.DoesNotContain("auto_reset_crashkernel", keptOut);
        Assert.Contains("crashkernel=1G-4G:192M", Read("/etc/default/grub"));

        Write("/etc/kdump.conf", "path /var/crash\n");
        var (code, output, error) = CliRunner.Run("install", "--root", _root, "--binary", _root + "/build/nkdump");
        Assert.True(code == 0, error);
        Assert.Contains("auto_reset_crashkernel: crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M is an older default; set to crashkernel=2G-64G:256M,64G-:512M", output);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"\n", Read("/etc/default/grub"));
    }

    [Fact]
    public void ShowmemPrintsTheReservation()
    {
        var (code, output, _) = CliRunner.Run("showmem", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal("Reserved 256MB memory for crash kernel\n", output);
    }

    [Fact]
    public void EstimateUsesTheKernelHeader()
    {
        var (code, output, error) = CliRunner.Run("estimate", "--root", _root);
        Assert.True(code == 0, error);
        Assert.Contains("Reserved crashkernel:    256M", output);
        Assert.Contains("kernel image (init_size)       40M", output);
        Assert.Contains("Recommended crashkernel: 256M", output);
    }

    [Fact]
    public void TestRefusesWhenNotOperationalAndAsksFirst()
    {
        var (code, _, error) = CliRunner.Run("test", "--root", _root, "--force");
        Assert.Equal(1, code);
        Assert.Contains("not operational", error);
        Assert.Equal("", Read("/proc/sysrq-trigger"));

        Write("/sys/kernel/kexec_crash_loaded", "1\n");
        var (unconfirmed, _, _) = CliRunner.Run("test", "--root", _root); // standard input is empty
        Assert.Equal(1, unconfirmed);
        Assert.Equal("", Read("/proc/sysrq-trigger"));

        Assert.Equal(0, CliRunner.Run("test", "--root", _root, "--force").ExitCode);
        Assert.Equal("c", Read("/proc/sysrq-trigger"));
    }

    [Fact]
    public void InitSimulatedUnderRootMountsAndLoadsModules()
    {
        Write("/etc/nkdump/modules.load", "/lib/modules/x/ext4.ko\n");
        var (_, output, _) = CliRunner.Run("init", "--root", _root, "unknown-kernel-word");
        Assert.Contains("mount -t proc proc /proc", output);
        Assert.Contains("load /lib/modules/x/ext4.ko", output);
    }
}

/// <summary>
/// The capture initramfs built around the published NativeAOT binary holds everything that binary
/// needs: unpacked into a bare directory, its /init runs under chroot.
/// </summary>
public class HostNativeInitramfsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-native-initramfs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void InitOfTheUnpackedImageRunsTheNativeBinary()
    {
        var binary = Testing.RepoPaths.NativeBinary;
        Assert.True(File.Exists(binary), $"{binary} is missing: run ./build.sh first (./test.sh does)");
        Copy(binary, "/usr/sbin/nkdump");
        var ldd = Testing.ExternalTool.Run("ldd", [binary]);
        Assert.True(ldd.ExitCode == 0, ldd.ToString());
        foreach (var line in ldd.StandardOutput.Split('\n'))
        {
            var path = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith('/'));
            if (path is not null)
            {
                Copy(path, path);
            }
        }

        Write("/proc/sys/kernel/osrelease", "6.1.0-native\n");
        Write("/etc/kdump.conf", "path /var/crash\n");
        var (code, output, error) = CliRunner.Run("rebuild", "--root", _root);
        Assert.True(code == 0, error);
        Assert.Contains("rebuilt", output);

        var image = _root + "/var/lib/nkdump/initramfs-6.1.0-native.img";
        var cpio = _root + "/image.cpio";
        using (var input = new System.IO.Compression.GZipStream(File.OpenRead(image), System.IO.Compression.CompressionMode.Decompress))
        using (var outFile = File.Create(cpio))
        {
            input.CopyTo(outFile);
        }

        var tree = Directory.CreateDirectory(_root + "/unpacked").FullName;
        var unpack = Testing.ExternalTool.Run("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames", "-F", cpio], workingDirectory: tree);
        Assert.True(unpack.ExitCode == 0, unpack.ToString());
        var run = Testing.ExternalTool.Run("chroot", [tree, "/init", "--version"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("nkdump ", run.StandardOutput);
    }

    private void Copy(string source, string pathInRoot)
    {
        var target = _root + pathInRoot;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(new FileInfo(source).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? source, target, overwrite: true);
    }

    private void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_root + path)!);
        File.WriteAllText(_root + path, text);
    }
}
