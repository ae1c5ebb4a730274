using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

/// <summary>Writes one JSON object per line and flushes it, as Kubo streams its answers (<c>X-Chunked-Output: 1</c>).</summary>
internal sealed class NdjsonWriter
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly HttpResponse _response;

    public NdjsonWriter(HttpResponse response)
    {
        _response = response;
        response.ContentType = "application/json";
        response.Headers["X-Chunked-Output"] = "1";
    }

    public async Task WriteAsync(Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        await using (var json = new Utf8JsonWriter(_response.Body))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        await _response.Body.WriteAsync(NewLine, ct).ConfigureAwait(false);
        await _response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
