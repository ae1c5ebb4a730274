using System.Globalization;
using Aegis.Content.Cids;
using Aegis.Content.UnixFs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Aegis.Content.Rpc;

public static partial class KuboRpc
{
    /// <summary>
    /// <c>add</c>: each multipart file part becomes a UnixFS file, answered as it completes with
    /// {"Name","Hash","Size"}; then the directories its paths imply (and the wrapper with wrap-with-directory); the
    /// top-level roots are pinned (locally at once, cluster-wide through a pin transaction).
    /// </summary>
    private static async Task AddAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        bool pin = args.Bool("pin", true);
        int cidVersion = (int)(args.Long("cid-version", 0, 1) ?? 0);
        bool? rawLeaves = args.OptionalBool("raw-leaves");
        bool progress = args.Bool("progress", false);
        bool onlyHash = args.Bool("only-hash", false);
        bool wrap = args.Bool("wrap-with-directory", false);
        bool quieter = args.Bool("quieter", false);
        int chunkSize = ParseChunker(args.String("chunker"));
        string? hash = args.String("hash");
        if (hash is not null && hash != "sha2-256")
        {
            throw KuboException.BadArgument($"unrecognized hash function: \"{hash}\" (this store supports sha2-256)");
        }

        if (args.Bool("trickle", false))
        {
            throw KuboException.BadArgument("the trickle layout is not supported by this store (balanced only)");
        }

        ImportOptions options = ImportOptions.For(cidVersion, rawLeaves, chunkSize);
        string client = ClientLimits.ClientKey(http);
        using IDisposable slot = context.Limits.OpenStream(client);
        MultipartReader reader = Multipart(http, context, client);
        var output = new NdjsonWriter(http.Response);
        var directory = new DirectoryBuilder();
        var roots = new List<ImportedNode>();
        bool nested = false;
        ImportedNode? last = null;
        CancellationToken ct = http.RequestAborted;

        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
        {
            string path = PartPath(section);
            if (section.ContentType is "application/x-directory")
            {
                if (path.Length == 0)
                {
                    continue;
                }

                directory.AddDirectory(path);
                nested = true;
                continue;
            }

            Func<long, ValueTask>? report = progress
                ? bytes => new ValueTask(output.WriteAsync(j =>
                {
                    j.WriteString("Name", path);
                    j.WriteNumber("Bytes", bytes);
                }, ct))
                : null;
            bool inDirectory = path.Contains('/', StringComparison.Ordinal) || wrap;

            // A top-level file is its own root: its pin goes into the same transaction as its blocks.
            bool pinHere = pin && !onlyHash && !inDirectory;
            ImportedNode node = await context.Content.ImportFileAsync(section.Body, options, onlyHash, pinHere, report, ct);
            last = node;
            string name = path.Length == 0 ? node.Cid.ToString() : path;
            if (inDirectory)
            {
                directory.AddFile(path.Length == 0 ? name : path, node);
                nested |= path.Contains('/', StringComparison.Ordinal);
            }
            else if (!pinHere)
            {
                roots.Add(node);
            }

            if (!quieter)
            {
                await WriteAdded(output, name, node, ct);
            }
        }

        if (directory.Count > 0)
        {
            IReadOnlyList<(string Path, ImportedNode Node)> dirs = await context.Content.BuildDirectoryAsync(directory, cidVersion, onlyHash, ct);
            foreach ((string dirPath, ImportedNode node) in dirs)
            {
                bool isWrapper = dirPath.Length == 0;
                if (isWrapper && !wrap)
                {
                    continue;
                }

                if (isWrapper || (!wrap && !dirPath.Contains('/', StringComparison.Ordinal)))
                {
                    roots.Add(node);
                }

                last = node;
                if (!quieter)
                {
                    await WriteAdded(output, dirPath, node, ct);
                }
            }
        }

        if (last is null && !nested)
        {
            throw KuboException.BadArgument("file argument 'path' is required");
        }

        if (quieter && last is not null)
        {
            await WriteAdded(output, last.Cid.ToString(), last, ct);
        }

        if (pin && !onlyHash)
        {
            foreach (ImportedNode root in roots)
            {
                await context.Content.PinAsync(root.Cid, recordOnLedger: true, ct);
            }
        }
    }

    private static Task WriteAdded(NdjsonWriter output, string name, ImportedNode node, CancellationToken ct) => output.WriteAsync(j =>
    {
        j.WriteString("Name", name);
        j.WriteString("Hash", node.Cid.ToString());
        j.WriteString("Size", node.TotalSize.ToString(CultureInfo.InvariantCulture));
    }, ct);

    /// <summary>Kubo's <c>size-N</c> chunker (the default, size-262144); rabin and buzhash are not offered here.</summary>
    private static int ParseChunker(string? chunker)
    {
        if (string.IsNullOrEmpty(chunker))
        {
            return ImportOptions.DefaultChunkSize;
        }

        if (!chunker.StartsWith("size-", StringComparison.Ordinal) || !int.TryParse(chunker.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
        {
            throw KuboException.BadArgument($"unrecognized chunker option: \"{chunker}\" (this store supports size-N)");
        }

        return size > ImportOptions.MaxChunkSize
            ? throw KuboException.BadArgument($"chunker parameters may not exceed the maximum chunk size of {ImportOptions.MaxChunkSize}")
            : size;
    }

    /// <summary>The request body as multipart sections, metered against the client's quota and the size limit.</summary>
    private static MultipartReader Multipart(HttpContext http, KuboRpcContext context, string client)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = context.Options.MaxRequestBytes;
        }

        if (http.Request.ContentLength > context.Options.MaxRequestBytes)
        {
            throw KuboException.TooLarge($"request body of {http.Request.ContentLength} bytes exceeds the limit of {context.Options.MaxRequestBytes} bytes (content.max_request_bytes)");
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out MediaTypeHeaderValue? type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw KuboException.BadArgument("file argument 'path' is required (send the data as multipart/form-data)");
        }

        string boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? "";
        if (boundary.Length is 0 or > 200)
        {
            throw KuboException.BadArgument("multipart/form-data without a usable boundary");
        }

        return new MultipartReader(boundary, context.Limits.Meter(http.Request.Body, client, context.Options.MaxRequestBytes))
        {
            BodyLengthLimit = null,
        };
    }

    private static string PartPath(MultipartSection section)
    {
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition))
        {
            throw KuboException.BadArgument("multipart part without a Content-Disposition header");
        }

        string raw = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";
        string path = Uri.UnescapeDataString(raw).Replace('\\', '/').Trim('/');
        return path;
    }

    /// <summary>The first file part of a multipart body, read whole up to <paramref name="max"/> bytes (block/put, pubsub/pub).</summary>
    private static async Task<byte[]> ReadSingleFileAsync(HttpContext http, KuboRpcContext context, int max)
    {
        string client = ClientLimits.ClientKey(http);
        MultipartReader reader = Multipart(http, context, client);
        MultipartSection section = await reader.ReadNextSectionAsync(http.RequestAborted) ?? throw KuboException.BadArgument("file argument 'data' is required");
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await section.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > max)
            {
                throw KuboException.TooLarge($"data exceeds the limit of {max} bytes");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static Cid ArgCid(KuboArgs args, string name) => KuboArgs.ParseCid(args.RequiredArg(name));
}
