namespace Nkdump.Formats.Age;

/// <summary>One recipient stanza of an age header: "-> TYPE ARG…" and a base64 body (the wrapped file key).</summary>
internal sealed record AgeStanza(string Type, IReadOnlyList<string> Arguments, byte[] Body)
{
    /// <summary>The stanza as the header holds it: its line, then the body in lines of 64 columns, the last one shorter (possibly empty).</summary>
    public string Encode()
    {
        var text = new System.Text.StringBuilder();
        text.Append("-> ").Append(Type);
        foreach (var argument in Arguments)
        {
            text.Append(' ').Append(argument);
        }

        text.Append('\n');
        var body = AgeBase64.Encode(Body);
        for (var at = 0; ; at += AgeHeader.ColumnsPerLine)
        {
            var line = body.Substring(at, Math.Min(AgeHeader.ColumnsPerLine, body.Length - at));
            text.Append(line).Append('\n');
            if (line.Length < AgeHeader.ColumnsPerLine)
            {
                return text.ToString();
            }
        }
    }
}
