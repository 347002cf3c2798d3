using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Kernel;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>Runs analyze commands on a session and parses their JSON answers.</summary>
internal static class Answers
{
    public static (CommandOutput Output, JsonElement Json) Run(KernelSession session, string command)
    {
        var output = new CommandRunner(session).Run(command);
        using var document = JsonDocument.Parse(output.Json);
        return (output, document.RootElement.Clone());
    }

    /// <summary>Function names of a bt answer's first stack.</summary>
    public static List<string> Functions(JsonElement bt, int stack = 0) =>
        bt.GetProperty("stacks")[stack].GetProperty("frames").EnumerateArray()
            .Where(f => f.GetProperty("function").ValueKind == JsonValueKind.String)
            .Select(f => f.GetProperty("function").GetString()!).ToList();
}
