using System.Text;
using Nkdump.Config;
using Nkdump.Config.Crashkernel;
using Nkdump.Formats;
using Nkdump.Fuzz.Seeds;

namespace Nkdump.Fuzz.Targets;

/// <summary>The readers of text: the VMCOREINFO note, kdump.conf and crashkernel= expressions.</summary>
internal static class TextTargets
{
    public static FuzzTarget VmcoreInfoText { get; } =
        new("vmcoreinfo", "Formats/VmcoreInfo: KEY=VALUE lines and their typed values", RunVmcoreInfo, TextSeeds.VmcoreInfo);

    public static FuzzTarget KdumpConf { get; } =
        new("kdump-conf", "Config: kdump.conf parsing and validation (targets, core_collector, actions, dracut_args)", RunKdumpConf, TextSeeds.KdumpConf);

    public static FuzzTarget Crashkernel { get; } =
        new("crashkernel", "Config/Crashkernel: crashkernel= expressions and the reservation they make", RunCrashkernel, TextSeeds.Crashkernel);

    private static void RunVmcoreInfo(byte[] input)
    {
        var info = VmcoreInfo.Parse(input);
        _ = (info.OsRelease, info.BuildId, info.PageSize, info.KernelOffset, info.CrashTime);
        foreach (var key in info.Entries.Keys.Take(256))
        {
            _ = (info.ParseHex(key), info.ParseDecimal(key));
        }
    }

    private static void RunKdumpConf(byte[] input)
    {
        var config = KdumpConfigParser.Parse(Encoding.UTF8.GetString(input), "fuzz/kdump.conf");
        _ = config.ToString();
    }

    private static void RunCrashkernel(byte[] input)
    {
        // The first 8 bytes are the machine's RAM size, the rest the expression (as /proc/cmdline gives it).
        var ram = input.Length >= 8 ? BitConverter.ToUInt64(input, 0) : 2UL << 30;
        var expression = Encoding.UTF8.GetString(input.AsSpan(Math.Min(8, input.Length)));
        var parameters = CrashkernelParser.ParseAll(expression);
        _ = CrashkernelReservation.Evaluate(parameters, ram);
        foreach (var parameter in parameters)
        {
            _ = parameter.ToString();
        }
    }
}
