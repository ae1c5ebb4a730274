using Aegis.Content.Cids;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

public static partial class KuboRpc
{
    /// <summary>Kubo's <c>version</c> fields; Repo names this store's schema, System the platform.</summary>
    private static Task VersionAsync(HttpContext http, KuboRpcContext context) => new NdjsonWriter(http.Response).WriteAsync(j =>
    {
        j.WriteString("Version", Aegis.Core.AegisVersion.Value);
        j.WriteString("Commit", "");
        j.WriteString("Repo", "aegis-content-1");
        j.WriteString("System", $"{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}/{(OperatingSystem.IsLinux() ? "linux" : "other")}");
        j.WriteString("Golang", "dotnet" + Environment.Version.Major);
    }, http.RequestAborted);

    /// <summary><c>id</c>: this store's peer id and key; another peer's id is not looked up (no DHT here).</summary>
    private static Task IdAsync(HttpContext http, KuboRpcContext context)
    {
        var args = new KuboArgs(http.Request.Query);
        if (args.Args.Count > 0 && args.Args[0] != context.Identity.PeerId)
        {
            throw KuboException.Failed($"peer {args.Args[0]} not found: this store only answers for itself");
        }

        return new NdjsonWriter(http.Response).WriteAsync(j =>
        {
            j.WriteString("ID", context.Identity.PeerId);
            j.WriteString("PublicKey", Convert.ToBase64String(context.Identity.PublicKeyProtobuf));
            j.WriteStartArray("Addresses");
            j.WriteEndArray();
            j.WriteString("AgentVersion", $"aegis/{Aegis.Core.AegisVersion.Value}");
            j.WriteStartArray("Protocols");
            j.WriteEndArray();
        }, http.RequestAborted);
    }

    private static string DecodeTopic(string arg)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Multibase.Decode(arg));
        }
        catch (FormatException ex)
        {
            throw KuboException.BadArgument($"URL arg must be multibase encoded: {ex.Message}");
        }
    }

    /// <summary><c>pubsub/pub arg=TOPIC</c> (multibase) with the message as a multipart file.</summary>
    private static async Task PubSubPubAsync(HttpContext http, KuboRpcContext context)
    {
        string topic = DecodeTopic(new KuboArgs(http.Request.Query).RequiredArg("topic"));
        byte[] data = await ReadSingleFileAsync(http, context, context.Options.MaxPubsubMessageBytes);
        context.PubSub.Publish(context.Identity.PeerId, topic, data);
        http.Response.StatusCode = 200;
    }

    /// <summary><c>pubsub/sub arg=TOPIC</c>: headers at once, then one {"from","data","seqno","topicIDs"} per message.</summary>
    private static async Task PubSubSubAsync(HttpContext http, KuboRpcContext context)
    {
        string topic = DecodeTopic(new KuboArgs(http.Request.Query).RequiredArg("topic"));
        using IDisposable slot = context.Limits.OpenStream(ClientLimits.ClientKey(http));
        var output = new NdjsonWriter(http.Response);
        IAsyncEnumerator<PubSub.PubSubMessage> messages = context.PubSub.SubscribeAsync(topic, http.RequestAborted).GetAsyncEnumerator(http.RequestAborted);
        try
        {
            // Subscribing registers on the first MoveNext; start it before flushing headers, so a publish right after
            // the client sees the response is not lost.
            ValueTask<bool> next = messages.MoveNextAsync();
            await http.Response.StartAsync(http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            while (await next)
            {
                PubSub.PubSubMessage m = messages.Current;
                var seqno = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(seqno, m.SequenceNumber);
                await output.WriteAsync(j =>
                {
                    j.WriteString("from", m.From);
                    j.WriteString("data", Multibase.EncodeBase64Url(m.Data));
                    j.WriteString("seqno", Multibase.EncodeBase64Url(seqno));
                    j.WriteStartArray("topicIDs");
                    j.WriteStringValue(Multibase.EncodeBase64Url(System.Text.Encoding.UTF8.GetBytes(m.Topic)));
                    j.WriteEndArray();
                }, http.RequestAborted);
                next = messages.MoveNextAsync();
            }
        }
        finally
        {
            await messages.DisposeAsync();
        }
    }

    /// <summary><c>pubsub/ls</c>: {"Strings":[topics in multibase]}.</summary>
    private static Task PubSubLsAsync(HttpContext http, KuboRpcContext context) => new NdjsonWriter(http.Response).WriteAsync(j =>
    {
        j.WriteStartArray("Strings");
        foreach (string topic in context.PubSub.Topics)
        {
            j.WriteStringValue(Multibase.EncodeBase64Url(System.Text.Encoding.UTF8.GetBytes(topic)));
        }

        j.WriteEndArray();
    }, http.RequestAborted);
}
