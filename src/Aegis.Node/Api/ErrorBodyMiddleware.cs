using Aegis.Node.Monitoring;
using Aegis.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Api;

/// <summary>
/// The contract says every error is {"error","message"}. Endpoints write their own; this fills in the answers that the
/// framework gives with an empty body: no such route (404), a route without that method (405), a parameter the
/// router could not bind (400).
/// </summary>
internal sealed partial class ErrorBodyMiddleware(RequestDelegate next, ILogger<ErrorBodyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (Exception ex) when (ex is StorageException or System.Data.Common.DbException && !http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            // The store failed or was found damaged under this request (a block that does not match its hash is never
            // served): not the client's fault and not a bug here, so 503 with what happened.
            bool corrupt = StorageHealth.Classify(ex) == StorageHealth.StoreCorrupt;
            LogStorageFailed(ex.Message, http.Request.Method, http.Request.Path);
            http.Response.Clear();
            http.Response.Headers.RetryAfter = corrupt ? "60" : "5";
            await ApiEndpoints.Error(StatusCodes.Status503ServiceUnavailable, corrupt ? "store_corrupt" : "storage_unavailable", corrupt ? $"this node's store is damaged and is not served ({ex.Message}); ask another node" : "the node's store did not answer; retry later").ExecuteAsync(http);
            return;
        }
        catch (Exception ex) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            // A bug, not the client's fault: logged with its stack here, and a JSON 500 without internals to the client.
            LogUnhandled(ex, http.Request.Method, http.Request.Path);
            http.Response.Clear();
            await ApiEndpoints.Error(StatusCodes.Status500InternalServerError, "internal_error", "the node failed to answer this request; the node's log has the details").ExecuteAsync(http);
            return;
        }

        HttpResponse r = http.Response;
        if (r.HasStarted || r.StatusCode < 400 || r.ContentLength > 0 || r.ContentType is not null)
        {
            return;
        }

        string where = $"{http.Request.Method} {http.Request.Path}";
        (string code, string message) = r.StatusCode switch
        {
            StatusCodes.Status404NotFound => ("not_found", $"no endpoint {where}"),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}"),
            StatusCodes.Status400BadRequest => ("bad_request", $"{where}: the request could not be read"),
            StatusCodes.Status413PayloadTooLarge => ("too_large", "the request body is larger than the node accepts"),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "expected a JSON body (Content-Type: application/json)"),
            _ => ("error", $"{where} failed with status {r.StatusCode}"),
        };
        await ApiEndpoints.Error(r.StatusCode, code, message).ExecuteAsync(http);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "storage failed answering {Method} {Path}: {Problem}")]
    private partial void LogStorageFailed(string problem, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "unhandled error answering {Method} {Path}")]
    private partial void LogUnhandled(Exception ex, string method, string path);
}
