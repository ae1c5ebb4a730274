using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Qdrant;

/// <summary>
/// Qdrant's filter language, the subset RAG clients use: <c>must</c>, <c>should</c>, <c>must_not</c> (nestable) over
/// conditions <c>{key, match: {value | any | except | text}}</c>, <c>{key, range: {gt, gte, lt, lte}}</c>,
/// <c>{has_id: [...]}</c>, <c>{is_empty: {key}}</c> and <c>{is_null: {key}}</c>. Keys are dotted paths; an array value
/// matches when any element does (Qdrant's rule). Anything else is refused with the path of the offending part.
/// </summary>
public static class PayloadFilter
{
    public static Func<Point, bool>? Parse(JsonNode? node, string path = "filter")
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            throw Bad(path, "expected an object with must, should or must_not");
        }

        var parts = new List<Func<Point, bool>>();
        foreach ((string key, JsonNode? value) in obj)
        {
            switch (key)
            {
                case "must":
                    Func<Point, bool>[] all = Conditions(value, $"{path}.must");
                    parts.Add(p => all.All(c => c(p)));
                    break;
                case "should":
                    Func<Point, bool>[] any = Conditions(value, $"{path}.should");
                    parts.Add(p => any.Length == 0 || any.Any(c => c(p)));
                    break;
                case "must_not":
                    Func<Point, bool>[] none = Conditions(value, $"{path}.must_not");
                    parts.Add(p => !none.Any(c => c(p)));
                    break;
                default:
                    throw Bad($"{path}.{key}", "unknown filter clause (expected must, should or must_not)");
            }
        }

        return p => parts.All(c => c(p));
    }

    private static Func<Point, bool>[] Conditions(JsonNode? node, string path) => node switch
    {
        null => [],
        JsonArray array => array.Select((c, i) => Condition(c, $"{path}[{i}]")).ToArray(),
        JsonObject single => [Condition(single, path)],
        _ => throw Bad(path, "expected a list of conditions"),
    };

    private static Func<Point, bool> Condition(JsonNode? node, string path)
    {
        if (node is not JsonObject c)
        {
            throw Bad(path, "expected a condition object");
        }

        if (c.ContainsKey("must") || c.ContainsKey("should") || c.ContainsKey("must_not"))
        {
            return Parse(c, path)!;
        }

        if (c["has_id"] is JsonArray ids)
        {
            var set = ids.Select((id, i) => PointIds.Parse(id, $"{path}.has_id[{i}]")).ToHashSet(StringComparer.Ordinal);
            return p => set.Contains(p.Id);
        }

        if (c["is_empty"] is JsonObject empty)
        {
            string k = Key(empty, path + ".is_empty");
            return p => Values(p.Payload, k).All(v => v is null || (v is JsonArray a && a.Count == 0));
        }

        if (c["is_null"] is JsonObject isNull)
        {
            string k = Key(isNull, path + ".is_null");
            return p => Values(p.Payload, k).Any(v => v is null) && Lookup(p.Payload, k).Exists;
        }

        string key = Key(c, path);
        if (c["match"] is JsonObject match)
        {
            Func<JsonNode?, bool> test = Match(match, $"{path}.match");
            return p => Values(p.Payload, key).Any(test);
        }

        if (c["range"] is JsonObject range)
        {
            Func<double, bool> test = Range(range, $"{path}.range");
            return p => Values(p.Payload, key).Any(v => v is JsonValue jv && jv.TryGetValue(out double d) && test(d));
        }

        throw Bad(path, "expected match, range, has_id, is_empty, is_null or a nested filter");
    }

    private static string Key(JsonObject c, string path) =>
        c["key"] is JsonValue v && v.TryGetValue(out string? k) && k.Length > 0 ? k : throw Bad($"{path}.key", "expected the payload key (a string)");

    private static Func<JsonNode?, bool> Match(JsonObject m, string path)
    {
        if (m.TryGetPropertyValue("value", out JsonNode? value))
        {
            return v => Same(v, value);
        }

        if (m["any"] is JsonArray any)
        {
            return v => any.Any(a => Same(v, a));
        }

        if (m["except"] is JsonArray except)
        {
            return v => v is not null && !except.Any(e => Same(v, e));
        }

        if (m["text"] is JsonValue t && t.TryGetValue(out string? text))
        {
            return v => v is JsonValue jv && jv.TryGetValue(out string? s) && s.Contains(text, StringComparison.OrdinalIgnoreCase);
        }

        throw Bad(path, "expected value, any, except or text");
    }

    private static Func<double, bool> Range(JsonObject r, string path)
    {
        double? Bound(string name) => r[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out double d) => d,
            _ => throw Bad($"{path}.{name}", "expected a number"),
        };

        double? gt = Bound("gt"), gte = Bound("gte"), lt = Bound("lt"), lte = Bound("lte");
        return d => (gt is null || d > gt) && (gte is null || d >= gte) && (lt is null || d < lt) && (lte is null || d <= lte);
    }

    private static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.GetValueKind() is JsonValueKind.Number && b.GetValueKind() is JsonValueKind.Number)
        {
            return a.GetValue<double>() == b.GetValue<double>();
        }

        return a.GetValueKind() == b.GetValueKind() && JsonNode.DeepEquals(a, b);
    }

    // The values at a dotted path, flattening arrays on the way (a.b over [{b:1},{b:2}] is 1 and 2).
    private static IEnumerable<JsonNode?> Values(JsonObject payload, string key)
    {
        IEnumerable<JsonNode?> current = [payload];
        foreach (string part in key.Split('.'))
        {
            current = current.SelectMany(n => n is JsonArray a ? (IEnumerable<JsonNode?>)a : new[] { n })
                .Select(n => n is JsonObject o && o.TryGetPropertyValue(part, out JsonNode? child) ? child : null).ToList();
        }

        return current.SelectMany(n => n is JsonArray a ? (a.Count == 0 ? new JsonNode?[] { null } : (IEnumerable<JsonNode?>)a) : new[] { n });
    }

    private static (bool Exists, JsonNode? Value) Lookup(JsonObject payload, string key)
    {
        JsonNode? n = payload;
        foreach (string part in key.Split('.'))
        {
            if (n is not JsonObject o || !o.TryGetPropertyValue(part, out n))
            {
                return (false, null);
            }
        }

        return (true, n);
    }

    private static KnowledgeException Bad(string path, string what) => new(400, "bad_filter", $"{path}: {what}");
}

/// <summary>Qdrant point ids: an unsigned integer or a UUID, kept as canonical text (decimal, or lower-case UUID).</summary>
public static class PointIds
{
    public static string Parse(JsonNode? node, string path)
    {
        if (node is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out ulong n))
            {
                return n.ToString(CultureInfo.InvariantCulture);
            }

            if (v.TryGetValue(out string? s) && Guid.TryParse(s, out Guid g))
            {
                return g.ToString("D");
            }
        }

        throw new KnowledgeException(400, "bad_point_id", $"{path}: {node?.ToJsonString() ?? "null"} — expected an unsigned integer or a UUID");
    }

    public static JsonNode ToJson(string id) =>
        ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) ? JsonValue.Create(n) : JsonValue.Create(id);
}
