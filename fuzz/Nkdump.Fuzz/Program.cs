using System.Diagnostics;
using Nkdump.Fuzz;
using Nkdump.Fuzz.Seeds;
using Nkdump.Fuzz.Targets;
using SharpFuzz;

// Nkdump.Fuzz: the fuzzing harness (fuzz/README.md). Commands:
//   list                               the targets, one per line: name and the reader it drives
//   fuzz TARGET                        under afl-fuzz: one input per run on standard input (SharpFuzz)
//   replay TARGET PATH...              each file (or every file of a directory) once: ok, refused, or FINDING
//   seeds TARGET DIR [FIXTURES]        write the seed corpus of TARGET into DIR
if (args is not ["fuzz", ..])
{
    OutsideTheFuzzer();
}

var scratch = new Scratch();
FuzzTarget[] targets =
[
    DumpTargets.Kdump(scratch),
    DumpTargets.ElfCore(scratch),
    DumpTargets.Flattened(scratch),
    ElfFileTarget.Target,
    TextTargets.VmcoreInfoText,
    KernelTargets.PrintkRing,
    KernelTargets.LogBuf,
    BtfTarget.Target,
    KernelTargets.Orc,
    KernelTargets.Kallsyms,
    TextTargets.KdumpConf,
    TextTargets.Crashkernel,
    CodecTarget.Target,
];

FuzzTarget Find(string name) =>
    targets.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no target '{name}' (nkdump-fuzz list)");

switch (args)
{
    case ["list"]:
        foreach (var t in targets)
        {
            Console.WriteLine($"{t.Name}\t{t.Reader}");
        }

        return 0;
    case ["fuzz", var name]:
        {
            var target = Find(name);
            var log = Environment.GetEnvironmentVariable("NKDUMP_FUZZ_LOG");
            Fuzzer.OutOfProcess.Run(stream =>
            {
                var input = Contract.ReadInput(stream, target.MaxInput);
                try
                {
                    Contract.Run(target, input);
                }
                catch (Exception e) when (log is not null)
                {
                    // What afl-fuzz will only see as "a crash": the exception, for findings that do not replay.
                    File.AppendAllText(log, $"--- {DateTime.UtcNow:O} {target.Name} input {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16]} ({input.Length} bytes)\n{e}\n");
                    throw;
                }
            });
            return 0;
        }

    case ["replay", var name, .. var paths] when paths.Length > 0:
        return Replay(Find(name), paths);
    case ["seeds", var name, var dir, .. var rest] when rest.Length <= 1:
        {
            Directory.CreateDirectory(dir);
            var count = 0;
            foreach (var seed in Find(name).Seeds(new SeedSource(rest.FirstOrDefault())))
            {
                File.WriteAllBytes(Path.Combine(dir, seed.Name), seed.Bytes);
                count++;
            }

            Console.WriteLine($"{name}: {count} seeds in {dir}");
            return 0;
        }

    default:
        Console.Error.WriteLine("usage: Nkdump.Fuzz list | fuzz TARGET | replay TARGET PATH... | seeds TARGET DIR [FIXTURES]");
        return 2;
}

// The instrumented assemblies record each branch into afl's shared memory, which only exists under
// afl-fuzz; outside it (seeds, replay) they get a private map, as SharpFuzz's own single runs do.
static unsafe void OutsideTheFuzzer() =>
    SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);

// Runs each input once outside the fuzzer; a finding prints its exception and makes the exit status 1.
static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal).ToArray() : [p]).ToList();
    var findings = 0;
    foreach (var file in files)
    {
        var input = File.ReadAllBytes(file);
        if (input.Length > target.MaxInput)
        {
            input = input[..target.MaxInput];
        }

        var clock = Stopwatch.StartNew();
        try
        {
            var refused = Contract.Run(target, input);
            Console.WriteLine($"{file}: {(refused is null ? "ok" : "refused: " + refused)} ({clock.ElapsedMilliseconds} ms)");
        }
        catch (Exception e)
        {
            findings++;
            Console.WriteLine($"{file}: FINDING ({clock.ElapsedMilliseconds} ms): {e}");
        }
    }

    Console.WriteLine($"{target.Name}: {files.Count} inputs replayed, {findings} findings");
    return findings == 0 ? 0 : 1;
}
