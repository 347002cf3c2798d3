using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Nkdump.Testing;

/// <summary>
/// Dumps of a running QEMU guest made with QEMU's own dump-guest-memory (QMP), for reader tests:
/// the guest is Debian's 6.1 kernel booted without a root file system, so it panics and stays in
/// long mode; QEMU is stopped before dumping so every dump sees the same memory.
/// Needs qemu-system-x86_64 (Debian's qemu-system-x86) and, once, apt-get download of the kernel
/// package (its vmlinuz is cached in the test cache).
/// </summary>
internal static class QemuGuest
{
    public const string KernelPackage = "linux-image-6.1.0-56-amd64-unsigned";
    public const string KernelRelease = "6.1.0-56-amd64";

    /// <summary>The guest kernel image, fetched with apt-get download and unpacked on first use.</summary>
    public static string KernelImage()
    {
        var target = Path.Combine(RepoPaths.Cache, $"vmlinuz-{KernelRelease}");
        if (File.Exists(target))
        {
            return target;
        }

        var work = Path.Combine(RepoPaths.Cache, $"kernel-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            Check(ExternalTool.Run("apt-get", ["download", KernelPackage], TimeSpan.FromMinutes(10), work), "apt-get download");
            var deb = Directory.GetFiles(work, "*.deb").Single();
            Check(ExternalTool.Run("sh", ["-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{work}' ./boot/vmlinuz-{KernelRelease}"], TimeSpan.FromMinutes(5)), "unpack");
            File.Move(Path.Combine(work, "boot", $"vmlinuz-{KernelRelease}"), target, overwrite: true);
            return target;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Boots the guest, waits for its panic, stops it and writes one dump per requested QMP
    /// dump-guest-memory (format, paging) into <paramref name="directory"/>. Returns the paths.
    /// </summary>
    public static IReadOnlyList<string> Dump(string directory, IReadOnlyList<(string Format, bool Paging)> dumps)
    {
        var kernel = KernelImage();
        var socket = Path.Combine(directory, "qmp.sock");
        var serial = Path.Combine(directory, "serial.log");
        var info = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-machine", "q35", "-accel", "tcg", "-smp", "2", "-m", "512", "-nodefaults", "-display", "none",
            "-kernel", kernel, "-append", "console=ttyS0 panic=0 root=/dev/nonexistent",
            "-serial", $"file:{serial}", "-qmp", $"unix:{socket},server=on,wait=off", "-no-reboot", "-device", "vmcoreinfo",
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var qemu = Process.Start(info) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while (!(File.Exists(serial) && File.ReadAllText(serial).Contains("Kernel panic", StringComparison.Ordinal)))
            {
                if (qemu.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"the QEMU guest did not panic: {(File.Exists(serial) ? File.ReadAllText(serial)[^Math.Min(2000, File.ReadAllText(serial).Length)..] : "no serial output")} {qemu.StandardError.ReadToEnd()}");
                }

                Thread.Sleep(500);
            }

            using var qmp = new Qmp(socket);
            qmp.Execute("""{"execute": "qmp_capabilities"}""");
            qmp.Execute("""{"execute": "stop"}""");
            var paths = new List<string>();
            foreach (var (format, paging) in dumps)
            {
                var path = Path.Combine(directory, $"qemu-{format}{(paging ? "-paging" : "")}");
                var arguments = $"\"paging\": {(paging ? "true" : "false")}, \"protocol\": \"file:{path}\", \"format\": \"{format}\"";
                qmp.Execute("{\"execute\": \"dump-guest-memory\", \"arguments\": {" + arguments + "}}");
                paths.Add(path);
            }

            qmp.Execute("""{"execute": "quit"}""");
            qemu.WaitForExit(30000);
            return paths;
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill(entireProcessTree: true);
            }
        }
    }

    private static void Check(ToolResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {result}");
        }
    }

    /// <summary>A minimal QMP client: one JSON object per line; waits for each command's return.</summary>
    private sealed class Qmp : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly StreamReader _reader;
        private readonly NetworkStream _stream;

        public Qmp(string path)
        {
            _socket.Connect(new UnixDomainSocketEndPoint(path));
            _stream = new NetworkStream(_socket);
            _reader = new StreamReader(_stream, Encoding.UTF8);
            _reader.ReadLine(); // the greeting
        }

        public void Execute(string command)
        {
            _stream.Write(Encoding.UTF8.GetBytes(command + "\n"));
            while (true)
            {
                var line = _reader.ReadLine() ?? throw new InvalidOperationException($"QMP closed during {command}");
                if (line.Contains("\"return\"", StringComparison.Ordinal))
                {
                    return;
                }

                if (line.Contains("\"error\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"QMP {command}: {line}");
                }
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _stream.Dispose();
            _socket.Dispose();
        }
    }
}
