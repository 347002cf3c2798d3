using System.Text;

namespace Nkdump.Setup.Files;

/// <summary>A unified diff of two small texts (what `crashkernel reset --dry-run` prints), by longest common subsequence.</summary>
internal static class TextDiff
{
    private const int MaxLines = 20_000;

    public static string Unified(string oldText, string newText, string oldName, string newName, int context = 3)
    {
        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        if (a.Length > MaxLines || b.Length > MaxLines)
        {
            throw new ArgumentException("file too large to diff");
        }

        // lcs[i, j] = length of the LCS of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        // The edit script: ' ' keep, '-' old only, '+' new only, with each side's line index.
        var ops = new List<(char Op, int A, int B)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', x++, y++));
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                ops.Add(('-', x++, y));
            }
            else
            {
                ops.Add(('+', x, y++));
            }
        }

        var output = new StringBuilder();
        if (ops.All(o => o.Op == ' '))
        {
            return "";
        }

        output.Append("--- ").Append(oldName).Append('\n').Append("+++ ").Append(newName).Append('\n');
        var k = 0;
        while (k < ops.Count)
        {
            if (ops[k].Op == ' ')
            {
                k++;
                continue;
            }

            // A hunk: from `context` lines before this change to `context` lines after the last change
            // that is within 2*context of the previous one.
            var start = Math.Max(0, k - context);
            var end = k;
            while (end < ops.Count)
            {
                if (ops[end].Op != ' ')
                {
                    end++;
                    continue;
                }

                var next = end;
                while (next < ops.Count && ops[next].Op == ' ' && next - end < 2 * context)
                {
                    next++;
                }

                if (next < ops.Count && ops[next].Op != ' ')
                {
                    end = next;
                    continue;
                }

                break;
            }

            var stop = Math.Min(ops.Count, end + context);
            var oldCount = ops.Skip(start).Take(stop - start).Count(o => o.Op != '+');
            var newCount = ops.Skip(start).Take(stop - start).Count(o => o.Op != '-');
            var oldStart = oldCount == 0 ? ops[start].A : ops[start].A + 1;
            var newStart = newCount == 0 ? ops[start].B : ops[start].B + 1;
            output.Append($"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n");
            for (var i = start; i < stop; i++)
            {
                var (op, ai, bi) = ops[i];
                output.Append(op).Append(op == '+' ? b[bi] : a[ai]).Append('\n');
            }

            k = stop;
        }

        return output.ToString();
    }

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
