using System.Globalization;
using System.Text;
using Nkdump.Analysis.Commands;

namespace Nkdump.Analysis.Triage;

/// <summary>The text form of a triage report.</summary>
public static class TriageText
{
    public static string Format(TriageJson t)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"signature: {t.Signature}\n");
        text.Append(CultureInfo.InvariantCulture, $"panic:     {t.PanicReason ?? "(unknown)"}\n");
        text.Append(CultureInfo.InvariantCulture, $"kernel:    {t.Release ?? "(unknown)"}  build-id {t.BuildId ?? "(unknown)"}\n");
        text.Append(CultureInfo.InvariantCulture, $"taint:     {(t.Taint is null ? "(unknown)" : t.Taint.Length == 0 ? "not tainted" : t.Taint)}\n");
        text.Append(CultureInfo.InvariantCulture, $"task:      pid {t.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"} ({t.Comm ?? "?"}) on CPU {t.PanicCpu?.ToString(CultureInfo.InvariantCulture) ?? "?"}\n");
        text.Append("call trace:\n");
        foreach (var frame in t.CallTrace)
        {
            text.Append("  ").Append(frame).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"modules:   {(t.Modules.Count == 0 ? "(none)" : string.Join(' ', t.Modules.Select(m => m.Name)))}\n");
        foreach (var m in t.Missing)
        {
            text.Append(CultureInfo.InvariantCulture, $"missing:   {m}\n");
        }

        return text.ToString();
    }
}
