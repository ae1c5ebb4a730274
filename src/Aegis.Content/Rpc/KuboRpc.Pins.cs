using Aegis.Content.Cids;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

public static partial class KuboRpc
{
    /// <summary><c>pin/add arg=CID…</c>: recursive pins (fetching missing blocks from peers); {"Pins":[…]}.</summary>
    private static async Task PinAddAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        if (!args.Bool("recursive", true))
        {
            throw KuboException.BadArgument("direct pins are not supported by this store: pin recursively (recursive=true)");
        }

        List<Cid> cids = RequiredCids(args);
        foreach (Cid cid in cids)
        {
            await context.Content.PinAsync(cid, recordOnLedger: true, http.RequestAborted);
        }

        await WritePinsAsync(http, cids);
    }

    /// <summary><c>pin/rm arg=CID…</c>: {"Pins":[…]}; an unpinned CID is Kubo's "not pinned or pinned indirectly".</summary>
    private static async Task PinRmAsync(HttpContext http, KuboRpcContext context)
    {
        List<Cid> cids = RequiredCids(new KuboArgs(http.Request.Query));
        foreach (Cid cid in cids)
        {
            if (!await context.Content.UnpinAsync(cid, http.RequestAborted))
            {
                throw KuboException.Failed($"{cid} is not pinned: not pinned or pinned indirectly");
            }
        }

        await WritePinsAsync(http, cids);
    }

    /// <summary><c>pin/ls [arg=CID…] [type=] [stream=]</c>: {"Keys":{CID:{"Type":"recursive"}}}, or one {"Cid","Type"} per line with stream=true.</summary>
    private static async Task PinLsAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        string type = args.String("type") ?? "all";
        if (type is not ("all" or "recursive" or "direct" or "indirect"))
        {
            throw KuboException.BadArgument($"invalid type '{type}', must be one of {{direct, indirect, recursive, all}}");
        }

        bool stream = args.Bool("stream", false);
        List<Cid> pinned = await context.Content.ListPinsAsync(http.RequestAborted);
        var byHash = pinned.ToDictionary(c => Convert.ToHexString(c.Multihash), StringComparer.Ordinal);
        List<Cid> result;
        if (args.Args.Count > 0)
        {
            result = [];
            foreach (string a in args.Args)
            {
                Cid cid = KuboArgs.ParseCid(a);
                if (!byHash.ContainsKey(Convert.ToHexString(cid.Multihash)))
                {
                    throw KuboException.Failed($"path '{a}' is not pinned");
                }

                result.Add(cid);
            }
        }
        else
        {
            result = type is "all" or "recursive" ? pinned : [];
        }

        var output = new NdjsonWriter(http.Response);
        if (stream)
        {
            foreach (Cid cid in result)
            {
                await output.WriteAsync(j =>
                {
                    j.WriteString("Cid", cid.ToString());
                    j.WriteString("Type", "recursive");
                }, http.RequestAborted);
            }

            return;
        }

        await output.WriteAsync(j =>
        {
            j.WriteStartObject("Keys");
            foreach (Cid cid in result)
            {
                j.WriteStartObject(cid.ToString());
                j.WriteString("Type", "recursive");
                j.WriteEndObject();
            }

            j.WriteEndObject();
        }, http.RequestAborted);
    }

    private static List<Cid> RequiredCids(KuboArgs args)
    {
        if (args.Args.Count == 0 || args.Args[0].Length == 0)
        {
            throw KuboException.BadArgument("argument \"ipfs-path\" is required");
        }

        return args.Args.Select(KuboArgs.ParseCid).ToList();
    }

    private static Task WritePinsAsync(HttpContext http, List<Cid> cids) => new NdjsonWriter(http.Response).WriteAsync(j =>
    {
        j.WriteStartArray("Pins");
        foreach (Cid cid in cids)
        {
            j.WriteStringValue(cid.ToString());
        }

        j.WriteEndArray();
    }, http.RequestAborted);
}
