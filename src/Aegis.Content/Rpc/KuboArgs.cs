using Aegis.Content.Cids;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

/// <summary>Query arguments read the way go-ipfs-cmds reads them, with its error texts for bad values.</summary>
internal sealed class KuboArgs(IQueryCollection query)
{
    public IReadOnlyList<string> Args => query["arg"].Where(a => a is not null).Select(a => a!).ToList();

    public string RequiredArg(string name)
    {
        IReadOnlyList<string> args = Args;
        return args.Count > 0 && args[0].Length > 0 ? args[0] : throw KuboException.BadArgument($"argument \"{name}\" is required");
    }

    public bool Bool(string name, bool fallback)
    {
        string? value = query[name];
        if (value is null)
        {
            return fallback;
        }

        return value.ToLowerInvariant() switch
        {
            "" or "true" or "1" or "t" => true,
            "false" or "0" or "f" => false,
            _ => throw KuboException.BadArgument($"invalid boolean value for option \"{name}\": \"{value}\""),
        };
    }

    public bool? OptionalBool(string name) => query.ContainsKey(name) ? Bool(name, false) : null;

    public long? Long(string name, long min, long max)
    {
        string? value = query[name];
        if (value is null)
        {
            return null;
        }

        return long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long n) && n >= min && n <= max
            ? n
            : throw KuboException.BadArgument($"invalid value for option \"{name}\": \"{value}\" (expected an integer from {min} to {max})");
    }

    public string? String(string name) => query[name];

    public static Cid ParseCid(string text)
    {
        string t = text.StartsWith("/ipfs/", StringComparison.Ordinal) ? text[6..] : text;
        return Cid.TryParse(t, out Cid? cid, out string? problem)
            ? cid!
            : throw KuboException.Failed($"invalid path \"{text}\": invalid cid: {problem}");
    }
}
