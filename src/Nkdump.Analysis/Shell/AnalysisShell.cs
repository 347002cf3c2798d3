using System.Globalization;
using System.Text;
using Nkdump.Analysis.Commands;

namespace Nkdump.Analysis.Shell;

/// <summary>
/// The interactive prompt: reads command lines, runs them, prints the answers. History lives for
/// the session: "history" lists it, "!N" reruns entry N, "!!" the last one. "quit", "exit" or end
/// of input leave. No line-editing library: the terminal's own line discipline is enough.
/// </summary>
public sealed class AnalysisShell(CommandRunner runner, TextReader input, TextWriter output, bool json)
{
    public const string Prompt = "nkdump> ";

    private readonly List<string> _history = [];

    public IReadOnlyList<string> History => _history;

    /// <summary>Runs until quit or end of input; returns 0 when every command fully succeeded, else 1.</summary>
    public int Run()
    {
        var allOk = true;
        while (true)
        {
            output.Write(Prompt);
            output.Flush();
            var line = input.ReadLine();
            if (line is null)
            {
                output.WriteLine();
                break;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line is "quit" or "exit" or "q")
            {
                break;
            }

            if (line == "history")
            {
                for (var i = 0; i < _history.Count; i++)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1,4}  {_history[i]}"));
                }

                continue;
            }

            if (line.StartsWith('!'))
            {
                var recalled = Recall(line);
                if (recalled is null)
                {
                    output.WriteLine($"error: no history entry '{line}'");
                    continue;
                }

                line = recalled;
                output.WriteLine(line);
            }

            _history.Add(line);
            var answer = runner.Run(line);
            allOk &= answer.Ok;
            output.Write(json ? AnswerWriter.Json([answer]) + "\n" : answer.Text);
        }

        return allOk ? 0 : 1;
    }

    private string? Recall(string line)
    {
        if (line == "!!")
        {
            return _history.Count > 0 ? _history[^1] : null;
        }

        return int.TryParse(line.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= _history.Count
            ? _history[n - 1]
            : null;
    }
}

/// <summary>Writes answers as text or as one JSON array of {command, ok, result}.</summary>
public static class AnswerWriter
{
    public static string Json(IReadOnlyList<CommandOutput> answers)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            writer.WriteStartArray();
            foreach (var answer in answers)
            {
                writer.WriteStartObject();
                writer.WriteString("command", answer.Command);
                writer.WriteBoolean("ok", answer.Ok);
                writer.WritePropertyName("result");
                writer.WriteRawValue(answer.Json, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Text(IReadOnlyList<CommandOutput> answers)
    {
        if (answers.Count == 1)
        {
            return answers[0].Text;
        }

        var text = new StringBuilder();
        foreach (var answer in answers)
        {
            text.Append(AnalysisShell.Prompt).Append(answer.Command).Append('\n').Append(answer.Text);
        }

        return text.ToString();
    }
}
