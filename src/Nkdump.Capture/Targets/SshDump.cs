using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Nkdump.Config;
using Nkdump.Formats;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Streams a dump to <c>ssh user@host</c> as kdump-utils' dump_ssh does: mkdir -p the path and a
/// new dump directory (0700) in it, the log into vmcore-dmesg-incomplete.txt then renamed, the flattened dump into vmcore-incomplete,
/// renamed vmcore.flat when complete (reassembled later with makedumpfile -R or nkdump reassemble).
/// The ssh client runs with the key, BatchMode (never a prompt on a console nobody watches) and
/// StrictHostKeyChecking=yes against the known_hosts file the initramfs carries. An ssh client
/// configuration (root's ~/.ssh/config: Port, User, ciphers for the dump host) is passed with -F
/// when there is one, since the capture initramfs may not let ssh find root's home itself.
/// Unlike kdump-utils, the connection attempt and a silent server are bounded (ConnectTimeout,
/// ServerAlive*): a capture kernel that hangs on a dead network never reaches final_action.
/// </summary>
public sealed class SshDump(CaptureLog log, Machine.ICaptureMachine machine, string sshProgram, string keyFile, string knownHostsFile, string? configFile = null, DumpEncryption? encryption = null)
{
    public const string FlatVmcore = "vmcore.flat";

    private string? _destination;

    public IReadOnlyList<string> Options => OptionsFor(keyFile, knownHostsFile, configFile);

    /// <summary>The client's options for the capture's connection (the host's boot report connects the same way).</summary>
    public static IReadOnlyList<string> OptionsFor(string keyFile, string knownHostsFile, string? configFile) =>
        [.. configFile is null ? [] : new[] { "-F", configFile }, "-i", keyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={knownHostsFile}",
            "-o", "ConnectTimeout=60", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=8"];

    /// <summary>
    /// Dumps to <paramref name="destination"/> (user@host) into a new remote directory
    /// <paramref name="name"/> in <paramref name="path"/>; false after a logged failure.
    /// </summary>
    internal bool Write(string destination, string path, string name, IKernelDump vmcore, DumpFacts facts, CoreCollector collector)
    {
        DumpDirectories.Components(path); // '..' refused here too, whatever passed the configuration check
        var directory = path.TrimEnd('/') + "/" + name;
        log.Info($"saving to {destination}:{directory}");

        // mkdir -p the path, as kdump-utils does; the dump directory itself new and 0700 (mkdir without -p
        // fails when it exists: a server does not see two dumps from one address in the same second).
        var created = Remote(destination, $"mkdir -p {Quote(path)} && mkdir -m 0700 {Quote(directory)}", null);
        if (created != 0)
        {
            // ssh exits 255 for its own failures (no connection, a refused key or host key), else with the remote command's status.
            log.Error(created == 255
                ? $"cannot reach {destination} over ssh (exit status 255: the server is down or unreachable, or refused the key or host key; ssh's own message is above)"
                : $"cannot create {directory} on {destination} (or it exists already)");
            return false;
        }

        _destination = destination;
        Directory = directory;
        var saved = WriteDump(destination, directory, vmcore, facts, collector);
        OptionalPart.Run(log, $"saving {DirectoryDump.CaptureKernelLog}", () =>
        {
            var captureLog = machine.ReadKernelLog();
            if (captureLog.Length > 0 && WriteRemoteFile(destination, $"{directory}/{DirectoryDump.CaptureKernelLog}", captureLog) == 0)
            {
                log.Info($"saved the capture kernel's log as {DirectoryDump.CaptureKernelLog}");
            }
        });

        return saved;
    }

    /// <summary>The remote dump directory the last <see cref="Write"/> created; null when it could not create one.</summary>
    public string? Directory { get; private set; }

    /// <summary>Writes <paramref name="bytes"/> as the file <paramref name="name"/> beside the dump on the server.</summary>
    public void WriteNote(string name, byte[] bytes)
    {
        if (Directory is null || _destination is null || WriteRemoteFile(_destination, $"{Directory}/{name}", bytes) != 0)
        {
            throw new CaptureFailedException($"cannot write {name} on the server");
        }
    }

    private int WriteRemoteFile(string destination, string file, string text) => WriteRemoteFile(destination, file, Encoding.UTF8.GetBytes(text));

    private int WriteRemoteFile(string destination, string file, byte[] bytes) =>
        Remote(destination, $"umask 0077 && cat > {Quote(file)}", stdin => stdin.Write(bytes));

    /// <summary>vmcore.flat, or vmcore.age when the collector encrypts it (flattened inside).</summary>
    private string VmcoreName => encryption is null ? FlatVmcore : DirectoryDump.Vmcore + DumpEncryption.Suffix;

    private bool WriteDump(string destination, string directory, IKernelDump vmcore, DumpFacts facts, CoreCollector collector)
    {
        OptionalPart.Run(log, $"saving {DirectoryDump.DmesgFile}", () => WriteDmesg(destination, directory, facts));
        var incomplete = $"{directory}/{DirectoryDump.VmcoreIncomplete}";
        log.Info($"saving vmcore (flattened) to {destination}:{incomplete}");
        var status = Remote(destination, $"umask 0077 && cat > {Quote(incomplete)}",
            stdin => CoreCollectorRun.ToStream(collector, vmcore, vmcoreInfo: null, () => new KeepOpen(stdin), log.Console));
        if (status != 0)
        {
            log.Error($"saving vmcore failed (ssh exit status {status}); what arrived stays as {incomplete}");
            return false;
        }

        if (Remote(destination, $"mv {Quote(incomplete)} {Quote($"{directory}/{VmcoreName}")}", null) != 0)
        {
            log.Error($"moving {incomplete} to {VmcoreName} failed");
            return false;
        }

        log.Info($"saving vmcore complete: {destination}:{directory}/{VmcoreName}");
        return true;
    }

    private void WriteDmesg(string destination, string directory, DumpFacts facts)
    {
        var dmesgIncomplete = $"{directory}/{DirectoryDump.DmesgIncomplete}";
        if (facts.Dmesg is null)
        {
            log.Error($"saving {DirectoryDump.DmesgFile} failed: {facts.DmesgProblem}");
        }
        else if (WriteRemoteFile(destination, dmesgIncomplete, DumpEncryption.DmesgBytes(encryption, Encoding.UTF8.GetBytes(facts.Dmesg))) == 0
            && Remote(destination, $"mv {Quote(dmesgIncomplete)} {Quote($"{directory}/{DumpEncryption.DmesgName(encryption, DirectoryDump.DmesgFile)}")}", null) == 0)
        {
            if (facts.DmesgProblem is not null)
            {
                log.Warning($"the log may be partial: {facts.DmesgProblem}");
            }

            log.Info($"saving {DirectoryDump.DmesgFile} complete");
        }
        else
        {
            log.Error($"saving {DirectoryDump.DmesgFile} failed");
        }
    }

    /// <summary>Runs <paramref name="command"/> on the server; feeds its standard input; returns ssh's exit status (-1: the data could not be sent).</summary>
    private int Remote(string destination, string command, Action<Stream>? feed)
    {
        var start = new ProcessStartInfo(sshProgram) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var option in Options)
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add(destination);
        start.ArgumentList.Add(command);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CaptureFailedException($"cannot start {sshProgram}");
        }
        catch (Win32Exception e)
        {
            throw new CaptureFailedException($"cannot run {sshProgram}: {e.Message}", e);
        }

        using (process)
        {
            var fed = true;
            try
            {
                var stdin = process.StandardInput.BaseStream;
                feed?.Invoke(stdin);
                stdin.Flush();
            }
            catch (Exception e) when (e is IOException or NkdumpException or CaptureFailedException)
            {
                log.Error($"sending to {destination} failed: {e.Message}");
                fed = false;
            }
            finally
            {
                try
                {
                    process.StandardInput.Close(); // end of data: the remote cat finishes
                }
                catch (IOException)
                {
                    // ssh already exited; its status says why
                }
            }

            process.WaitForExit();
            return fed ? process.ExitCode : -1;
        }
    }

    /// <summary>Single-quotes a word for the remote shell.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The collector disposes its output; the pipe is closed here instead, after the last byte.</summary>
    private sealed class KeepOpen(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
