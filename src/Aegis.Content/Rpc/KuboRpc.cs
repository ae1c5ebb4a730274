using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aegis.Content.Rpc;

/// <summary>
/// The Kubo RPC subset at <c>/ipfs-api/api/v0/</c> (contract: shared/contracts/securechat.md). Every command is POST,
/// as in Kubo since 0.5; any other method gets Kubo's 405, and any command outside the subset (config, key,
/// shutdown, …) gets Kubo's 404, so nothing administrative is reachable through the proxy path.
/// </summary>
public static partial class KuboRpc
{
    public const string Prefix = "/ipfs-api/api/v0";

    private static readonly Dictionary<string, Func<HttpContext, KuboRpcContext, Task>> Commands = new(StringComparer.Ordinal)
    {
        ["add"] = AddAsync,
        ["cat"] = CatAsync,
        ["block/get"] = BlockGetAsync,
        ["block/put"] = BlockPutAsync,
        ["block/stat"] = BlockStatAsync,
        ["pin/add"] = PinAddAsync,
        ["pin/rm"] = PinRmAsync,
        ["pin/ls"] = PinLsAsync,
        ["id"] = IdAsync,
        ["version"] = VersionAsync,
        ["pubsub/pub"] = PubSubPubAsync,
        ["pubsub/sub"] = PubSubSubAsync,
        ["pubsub/ls"] = PubSubLsAsync,
        ["repo/gc"] = RepoGcAsync,
    };

    /// <summary>
    /// The calls that change nothing stored. Every Kubo call is a POST, so the API's access policy asks this rather than
    /// the method: a read-role token may cat, get and list; only add, put, pin, unpin, publish and gc need write.
    /// </summary>
    private static readonly HashSet<string> ReadOnlyCommands = new(StringComparer.Ordinal)
    {
        "cat", "block/get", "block/stat", "pin/ls", "id", "version", "pubsub/sub", "pubsub/ls",
    };

    /// <summary>True for a path under <see cref="Prefix"/> that names a read-only call.</summary>
    public static bool IsReadOnlyCall(PathString path) =>
        path.StartsWithSegments(Prefix, StringComparison.Ordinal, out PathString rest)
        && ReadOnlyCommands.Contains(rest.Value?.Trim('/') ?? "");

    public static IEndpointConventionBuilder MapKuboRpc(this IEndpointRouteBuilder app, KuboRpcContext context) =>
        app.Map(Prefix + "/{**command}", (HttpContext http, string? command) => DispatchAsync(http, command ?? "", context));

    private static async Task DispatchAsync(HttpContext http, string command, KuboRpcContext context)
    {
        if (!Commands.TryGetValue(command.TrimEnd('/'), out var handler))
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsync("404 page not found\n");
            return;
        }

        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = 405;
            await http.Response.WriteAsync($"405 - Method Not Allowed\n");
            return;
        }

        try
        {
            await handler(http, context);
        }
        catch (KuboException ex)
        {
            await KuboError.WriteAsync(http, ex);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await KuboError.WriteAsync(http, KuboException.TooLarge(ex.Message));
        }
        catch (UnixFs.ContentNotFoundException ex)
        {
            await KuboError.WriteAsync(http, KuboException.Failed(ex.Message));
        }
        catch (FormatException ex)
        {
            await KuboError.WriteAsync(http, KuboException.Failed(ex.Message));
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("directory", StringComparison.Ordinal))
        {
            await KuboError.WriteAsync(http, KuboException.Failed(ex.Message));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }
}
