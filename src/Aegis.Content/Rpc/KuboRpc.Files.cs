using Aegis.Content.Cids;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

public static partial class KuboRpc
{
    /// <summary><c>cat arg=CID[/path] offset= length=</c>: the file's bytes, streamed; only the chunks in range are read.</summary>
    private static async Task CatAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        string path = args.RequiredArg("ipfs-path");
        long offset = args.Long("offset", 0, long.MaxValue) ?? 0;
        long? length = args.Long("length", 0, long.MaxValue);
        using IDisposable slot = context.Limits.OpenStream(ClientLimits.ClientKey(http));
        UnixFs.FileExporter exporter = context.Content.Exporter;
        Cid cid = await ResolvePathAsync(exporter, path, http.RequestAborted);
        ulong size = await exporter.SizeAsync(cid, http.RequestAborted);
        http.Response.ContentType = "text/plain";
        http.Response.Headers["X-Stream-Output"] = "1";
        ulong available = (ulong)offset >= size ? 0 : size - (ulong)offset;
        http.Response.Headers["X-Content-Length"] = (length is long l ? Math.Min((ulong)l, available) : available).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await exporter.WriteAsync(cid, (ulong)offset, length is long n ? (ulong)n : null, http.Response.Body, http.RequestAborted);
    }

    private static async Task<Cid> ResolvePathAsync(UnixFs.FileExporter exporter, string path, CancellationToken ct)
    {
        try
        {
            return await exporter.ResolveAsync(path, ct);
        }
        catch (FormatException ex)
        {
            throw KuboException.Failed(ex.Message.StartsWith("invalid path", StringComparison.Ordinal) ? ex.Message : $"invalid path \"{path}\": {ex.Message}");
        }
    }

    /// <summary><c>block/get arg=CID</c>: the raw block.</summary>
    private static async Task BlockGetAsync(HttpContext http, KuboRpcContext context)
    {
        Cid cid = ArgCid(new KuboArgs(http.Request.Query), "cid");
        byte[] block = await context.Content.GetAsync(cid, http.RequestAborted) ?? throw KuboException.Failed($"block was not found locally (offline): ipld: could not find {cid}");
        http.Response.ContentType = "text/plain";
        http.Response.Headers["X-Stream-Output"] = "1";
        await http.Response.Body.WriteAsync(block, http.RequestAborted);
    }

    /// <summary><c>block/put</c>: stores the posted bytes; cid-codec (default raw, as Kubo ≥ 0.19), mhtype sha2-256, pin.</summary>
    private static async Task BlockPutAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        string? format = args.String("format");
        string codecName = args.String("cid-codec") ?? (format is "v0" or "protobuf" ? "dag-pb" : format ?? "raw");
        ulong codec = Multicodec.Parse(codecName) ?? throw KuboException.BadArgument($"unsupported cid-codec \"{codecName}\" (this store supports raw and dag-pb)");
        string mh = args.String("mhtype") ?? "sha2-256";
        if (mh != "sha2-256")
        {
            throw KuboException.BadArgument($"unsupported mhtype \"{mh}\" (this store supports sha2-256)");
        }

        int version = format is "v0" ? 0 : 1;
        bool pin = args.Bool("pin", false);
        byte[] data = await ReadSingleFileAsync(http, context, DagPb.PbNode.MaxBlockBytes);
        Cid cid;
        try
        {
            cid = await context.Content.PutBlockAsync(data, version, codec, http.RequestAborted);
        }
        catch (FormatException ex)
        {
            throw KuboException.BadArgument($"block is not valid {codecName}: {ex.Message}");
        }

        if (pin)
        {
            await context.Content.PinAsync(cid, recordOnLedger: true, http.RequestAborted);
        }

        await new NdjsonWriter(http.Response).WriteAsync(j =>
        {
            j.WriteString("Key", cid.ToString());
            j.WriteNumber("Size", data.Length);
        }, http.RequestAborted);
    }

    /// <summary><c>block/stat arg=CID</c>: {"Key","Size"}.</summary>
    private static async Task BlockStatAsync(HttpContext http, KuboRpcContext context)
    {
        Cid cid = ArgCid(new KuboArgs(http.Request.Query), "cid");
        long size = await context.Content.Store.GetSizeAsync(cid, http.RequestAborted)
            ?? (await context.Content.GetAsync(cid, http.RequestAborted))?.Length
            ?? throw KuboException.Failed($"block was not found locally (offline): ipld: could not find {cid}");
        await new NdjsonWriter(http.Response).WriteAsync(j =>
        {
            j.WriteString("Key", cid.ToString());
            j.WriteNumber("Size", size);
        }, http.RequestAborted);
    }

    /// <summary><c>repo/gc</c>: removes every block no pin reaches; one {"Key":{"/":CID}} line per removed block.</summary>
    private static async Task RepoGcAsync(HttpContext http, KuboRpcContext context)
    {
        bool quiet = new KuboArgs(http.Request.Query).Bool("quiet", false);
        List<Cid> removed = await context.Content.CollectGarbageAsync(http.RequestAborted);
        var output = new NdjsonWriter(http.Response);
        if (quiet)
        {
            await http.Response.Body.FlushAsync(http.RequestAborted);
            return;
        }

        foreach (Cid cid in removed)
        {
            await output.WriteAsync(j =>
            {
                j.WriteStartObject("Key");
                j.WriteString("/", cid.ToString());
                j.WriteEndObject();
            }, http.RequestAborted);
        }
    }
}
