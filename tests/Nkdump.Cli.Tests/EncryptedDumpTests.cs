using Nkdump.Testing;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Encrypted dumps against Debian's age tool, both ways: age decrypts what collect --encrypt writes to
/// the bytes of an unencrypted collect (-l, -c, -p, -z, -E to a file; -F to standard output), and nkdump --identity reads age -r / age -R output of a normal
/// dump, with age X25519, ssh-ed25519 and ssh-rsa keys. A changed or cut file exits 1 with the reason.
/// </summary>
public sealed class EncryptedDumpTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly string _dir = Directory.CreateTempSubdirectory("nkdump-age-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static string Tool(string program, params string[] args)
    {
        var result = ExternalTool.Run(program, args);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}: {result}");
        return result.StandardOutput;
    }

    /// <summary>An age identity file and an ed25519 and a 3072-bit RSA ssh key pair; the three recipients.</summary>
    private (string Age, string Ed25519, string Rsa) Keys()
    {
        Tool("age-keygen", "-o", P("key.txt"));
        Tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", P("ed"));
        Tool("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", P("rsa"));
        return (Tool("age-keygen", "-y", P("key.txt")).Trim(), File.ReadAllText(P("ed.pub")).Trim(), File.ReadAllText(P("rsa.pub")).Trim());
    }

    private static void Ok((int ExitCode, string Out, string Error) run) => Assert.True(run.ExitCode == 0, run.Error);

    [Fact]
    public void Age_decrypts_collect_encrypt_to_the_bytes_of_an_unencrypted_collect()
    {
        var (age, ed, rsa) = Keys();
        var vmcore = Fixtures.ElfVmcore(Fixture);

        // Every kdump-compressed codec, and ELF: the age file decrypts to the very file a plain collect writes.
        foreach (var format in new[] { "-l", "-c", "-p", "-z", "-E" })
        {
            Ok(CliRunner.Run("collect", format, "-d", "31", "--message-level", "0", vmcore, P("plain" + format)));
            Ok(CliRunner.Run("collect", format, "-d", "31", "--message-level", "0", "--encrypt", ed, vmcore, P("age" + format)));
            Tool("age", "-d", "-i", P("ed"), "-o", P("dec" + format), P("age" + format));
            Assert.True(File.ReadAllBytes(P("plain" + format)).AsSpan().SequenceEqual(File.ReadAllBytes(P("dec" + format))), $"collect {format}: age -d differs from the plain collect");
        }

        // Every recipient type opens the same file.
        Ok(CliRunner.Run("collect", "-l", "-d", "31", "--message-level", "0", "--encrypt", age, "--encrypt", ed, "--encrypt", rsa, vmcore, P("vmcore.age")));
        foreach (var identity in new[] { "key.txt", "ed", "rsa" })
        {
            Tool("age", "-d", "-i", P(identity), "-o", P($"kdump.{identity}"), P("vmcore.age"));
            Assert.Equal(File.ReadAllBytes(P("plain-l")), File.ReadAllBytes(P($"kdump.{identity}")));
        }

        var plainDmesg = CliRunner.Run("dmesg", P("plain-l"));
        Assert.Equal(plainDmesg.Out, CliRunner.Run("dmesg", "--identity", P("rsa"), P("vmcore.age")).Out);
        Assert.NotEmpty(plainDmesg.Out);
        Assert.Equal(plainDmesg.Out, CliRunner.Run("dmesg", "--identity", P("ed"), P("age-E")).Out);
        Assert.Equal(1, CliRunner.Run("dmesg", "--identity", P("key.txt"), P("age-E")).ExitCode); // encrypted to ed only
    }

    [Fact]
    public void Nkdump_reads_what_age_encrypted()
    {
        var (age, _, _) = Keys();
        var dump = Path.Combine(Fixtures.Dir(Fixture), "vmcore.kdump-zlib-d31");
        Tool("age", "-r", age, "-o", P("x25519.age"), dump);
        Tool("age", "-R", P("ed.pub"), "-o", P("ed.age"), dump);
        Tool("age", "-R", P("rsa.pub"), "-o", P("rsa.age"), dump);
        var info = CliRunner.Run("info", "--json", dump).Out.Replace(dump, "DUMP", StringComparison.Ordinal);
        foreach (var (file, identity) in new[] { ("x25519.age", "key.txt"), ("ed.age", "ed"), ("rsa.age", "rsa") })
        {
            var run = CliRunner.Run("info", "--json", "--identity", P(identity), P(file));
            Ok(run);
            Assert.Equal(info, run.Out.Replace(P(file), "DUMP", StringComparison.Ordinal));
            Ok(CliRunner.Run("triage", "--identity", P(identity), P(file)));
        }

        var wrong = CliRunner.Run("info", "--identity", P("ed"), P("x25519.age"));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("x25519.age", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("no identity given opens this file", wrong.Error, StringComparison.Ordinal);
        var missing = CliRunner.Run("info", P("x25519.age"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--identity", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_or_cut_encrypted_dump_exits_1_naming_the_place()
    {
        var (age, _, _) = Keys();
        var dump = Path.Combine(Fixtures.Dir(Fixture), "vmcore.kdump-zlib-d31");
        Tool("age", "-r", age, "-o", P("good.age"), dump);
        var good = File.ReadAllBytes(P("good.age"));
        var cases = new List<(string Name, byte[] Bytes)>();
        foreach (var offset in new[] { 30, 100, good.Length / 3, good.Length / 2, good.Length - 1 })
        {
            var flipped = (byte[])good.Clone();
            flipped[offset] ^= 0x20;
            cases.Add(($"flip{offset}", flipped));
        }

        foreach (var length in new[] { 10, 200, good.Length / 2, good.Length - 16, good.Length - 1 })
        {
            cases.Add(($"cut{length}", good[..length]));
        }

        foreach (var (name, bytes) in cases)
        {
            File.WriteAllBytes(P(name), bytes);
            foreach (var verb in new[] { "info", "dmesg" })
            {
                var run = CliRunner.Run(verb, "--identity", P("key.txt"), P(name));
                Assert.True(run.ExitCode == 1 && run.Out.Length == 0, $"{verb} {name}: exit {run.ExitCode}, {run.Out.Length} chars out, {run.Error}");
                Assert.Contains(name, run.Error, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Encrypt_refuses_a_secret_key_and_split()
    {
        Tool("age-keygen", "-o", P("key.txt"));
        var secret = File.ReadAllLines(P("key.txt")).Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));
        var run = CliRunner.Run("collect", "-l", "--encrypt", secret, "in", "out");
        Assert.Equal(2, run.ExitCode);
        Assert.DoesNotContain(secret[20..], run.Error, StringComparison.Ordinal);
        var recipient = Tool("age-keygen", "-y", P("key.txt")).Trim();
        Assert.Equal(2, CliRunner.Run("collect", "-l", "--split", "--encrypt", recipient, "in", "a", "b").ExitCode);
    }
}
