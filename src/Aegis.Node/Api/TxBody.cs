using System.Text.Json;

namespace Aegis.Node.Api;

/// <summary>
/// Reads transaction bodies from parsed JSON with our own messages: each names the field and says what was expected
/// (never a runtime type name), an unknown or repeated field is refused, and in a batch each element is read on its
/// own, so one bad element cannot fail the others.
/// </summary>
public static class TxBody
{
    private static readonly string[] Fields = ["op", "key", "value", "id"];

    /// <summary>Parse limits: a transaction is a flat object; nothing legitimate nests deeper.</summary>
    public static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    public static (TxRequest? Request, string? Problem) Read(JsonElement element)
    {
        try
        {
            return ReadObject(element);
        }
        catch (InvalidOperationException)
        {
            // The parser checks a string's UTF-8 only when it is read: a field name (or value) with bytes that are not
            // UTF-8 surfaces here. Found by the tx-json fuzz target; it answered 500 before.
            return (null, "not valid UTF-8 text (a field name or value holds bytes that are not UTF-8)");
        }
    }

    private static (TxRequest? Request, string? Problem) ReadObject(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, $"expected a JSON object such as {{\"op\":\"put\",\"key\":\"k\",\"value\":\"v\"}}, got {Describe(element.ValueKind)}");
        }

        var request = new TxRequest();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in element.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                return (null, $"{Shown(p.Name)}: appears twice; each field may be given once");
            }

            if (Array.IndexOf(Fields, p.Name) < 0)
            {
                return (null, $"{Shown(p.Name)}: unknown field (expected {string.Join(", ", Fields)})");
            }

            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (p.Value.ValueKind != JsonValueKind.String)
            {
                return (null, $"{p.Name}: expected a string, got {Describe(p.Value.ValueKind)}");
            }

            string text;
            try
            {
                text = p.Value.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // Raw bytes that are not UTF-8, or an escaped unpaired surrogate (\ud800), have no string form: not storable as sent.
                return (null, $"{p.Name}: not valid Unicode (bytes that are not UTF-8, or an escaped unpaired surrogate)");
            }

            switch (p.Name)
            {
                case "op":
                    request.Op = text;
                    break;
                case "key":
                    request.Key = text;
                    break;
                case "value":
                    request.Value = text;
                    break;
                default:
                    request.Id = text;
                    break;
            }
        }

        return (request, null);
    }

    /// <summary>A JSON parse error in words: the reader's own message names the line and byte, and no type.</summary>
    public static string Syntax(JsonException ex) => $"not valid JSON ({ex.Message})";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };

    // A client's field name goes back into an error message: cut it so a 1 MiB name cannot be echoed whole.
    private static string Shown(string name) => name.Length <= 64 ? name : name[..64] + "…";
}
