namespace Aegis.Content;

/// <summary>Bounds of the content store's RPC surface (config section <c>content</c>; every value has a safe default).</summary>
public sealed class ContentOptions
{
    /// <summary>Largest request body an add, block/put or pubsub/pub may send (64 MiB); larger ones get 413.</summary>
    public long MaxRequestBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Bytes one client (bearer token, else IP address) may add per hour (4 GiB); beyond it, 429.</summary>
    public long QuotaBytesPerHour { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Open streams (cat, add, pubsub/sub) one client may hold at once; one more gets 429.</summary>
    public int MaxStreamsPerClient { get; set; } = 32;

    /// <summary>Open streams the node serves at once across all clients.</summary>
    public int MaxStreams { get; set; } = 512;

    /// <summary>Largest pubsub message (1 MiB, Kubo's default limit).</summary>
    public int MaxPubsubMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Problems with the values, one line each naming the key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxRequestBytes < 1024)
        {
            problems.Add("content.max_request_bytes: expected at least 1024");
        }

        if (QuotaBytesPerHour < 1)
        {
            problems.Add("content.quota_bytes_per_hour: expected a positive number");
        }

        if (MaxStreamsPerClient < 1 || MaxStreams < MaxStreamsPerClient)
        {
            problems.Add("content.max_streams_per_client: expected 1 to content.max_streams");
        }

        if (MaxPubsubMessageBytes < 1)
        {
            problems.Add("content.max_pubsub_message_bytes: expected a positive number of bytes");
        }

        return problems;
    }
}
