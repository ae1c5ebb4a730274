using System.Text;

namespace Aegis.Mesh.Pki;

/// <summary>
/// PEM-style text for certificates and node keys (<c>-----BEGIN AEGISRAY CERTIFICATE-----</c>, base64, END), so a
/// file can hold several blocks (a CA bundle during rotation) and survives copy and paste.
/// </summary>
public static class Armor
{
    public const string Certificate = "AEGISRAY CERTIFICATE";
    public const string NodeKey = "AEGISRAY X25519 PRIVATE KEY";

    public static string Encode(string label, ReadOnlySpan<byte> bytes)
    {
        string b64 = Convert.ToBase64String(bytes);
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        for (int i = 0; i < b64.Length; i += 64)
        {
            sb.Append(b64.AsSpan(i, Math.Min(64, b64.Length - i))).Append('\n');
        }

        sb.Append("-----END ").Append(label).Append("-----\n");
        return sb.ToString();
    }

    /// <summary>Every block with <paramref name="label"/>, in order; <see cref="FormatException"/> naming the line that is wrong.</summary>
    public static List<byte[]> Decode(string text, string label)
    {
        var blocks = new List<byte[]>();
        string begin = $"-----BEGIN {label}-----", end = $"-----END {label}-----";
        StringBuilder? body = null;
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (body is null)
            {
                if (line != begin)
                {
                    throw new FormatException($"line {lineNumber}: expected '{begin}'");
                }

                body = new StringBuilder();
            }
            else if (line == end)
            {
                try
                {
                    blocks.Add(Convert.FromBase64String(body.ToString()));
                }
                catch (FormatException)
                {
                    throw new FormatException($"line {lineNumber}: the block before it is not valid base64");
                }

                body = null;
            }
            else
            {
                body.Append(line);
            }
        }

        if (body is not null)
        {
            throw new FormatException($"missing '{end}'");
        }

        if (blocks.Count == 0)
        {
            throw new FormatException($"no '{begin}' block");
        }

        return blocks;
    }
}
