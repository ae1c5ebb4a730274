using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

/// <summary>
/// Kubo's error body (go-ipfs-cmds): <c>{"Message":…,"Code":N,"Type":"error"}</c>. Code 0 (ErrNormal) is a failed
/// operation with status 500; code 1 (ErrClient) is a bad argument with status 400.
/// </summary>
public sealed class KuboException(int status, int code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public int Code { get; } = code;

    public static KuboException BadArgument(string message) => new(400, 1, message);

    public static KuboException Failed(string message) => new(500, 0, message);

    public static KuboException TooMany(string message) => new(429, 0, message);

    public static KuboException TooLarge(string message) => new(413, 1, message);
}

internal static class KuboError
{
    public static async Task WriteAsync(HttpContext http, KuboException error)
    {
        if (http.Response.HasStarted)
        {
            // Mid-stream, Kubo reports the failure in the X-Stream-Error trailer; clients see a truncated stream.
            if (http.Response.SupportsTrailers())
            {
                http.Response.AppendTrailer("X-Stream-Error", error.Message);
            }

            return;
        }

        http.Response.StatusCode = error.Status;
        if (error.Status is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests)
        {
            // The body was refused unread. Kestrel drains an unread body after the response to reuse the connection,
            // and one past MaxRequestBodySize aborts it instead — after a keep-alive response, so the client's next
            // request on that connection met a reset ("response ended prematurely", CI 2026-12-01). Saying close
            // makes the client open a fresh connection and spares us reading a body we refused.
            http.Response.Headers.Connection = "close";
        }

        http.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(http.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("Message", error.Message);
        writer.WriteNumber("Code", error.Code);
        writer.WriteString("Type", "error");
        writer.WriteEndObject();
        await writer.FlushAsync();
    }
}
