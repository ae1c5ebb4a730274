using Aegis.Node.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Aegis.Node.Api;

/// <summary>
/// The routes that read or write the node's store answer 503 <c>store_corrupt</c> once a check found the store damaged
/// (at start or on a read): a node never serves data that does not match its certified hashes, so it serves none.
/// </summary>
internal static class StoreGate
{
    public static RouteHandlerBuilder ServedFromStore(this RouteHandlerBuilder route, NodeServices node) =>
        route.AddEndpointFilter(async (context, next) =>
        {
            if (node.Readiness.Storage.Corruption is not { } corrupt)
            {
                return await next(context);
            }

            context.HttpContext.Response.Headers.RetryAfter = "60";
            return ApiEndpoints.Error(StatusCodes.Status503ServiceUnavailable, "store_corrupt", $"this node's store is damaged and is not served ({corrupt.Message}); ask another node");
        });
}
