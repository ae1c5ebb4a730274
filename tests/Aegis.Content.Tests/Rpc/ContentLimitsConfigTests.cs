using System.Net;
using Aegis.Cli.Testnet;
using Aegis.Content.Tests.Support;
using Aegis.Node.Configuration;

namespace Aegis.Content.Tests.Rpc;

/// <summary>
/// The content store's bounds come from config.yaml's <c>content</c> section: a bad value is a config problem naming
/// its key, and a running node applies the configured values on /ipfs-api (413 past the body limit, 413 for a pubsub message past
/// its limit, 429 past the quota), not the built-in defaults.
/// </summary>
public sealed class ContentLimitsConfigTests
{
    private const string SmallLimits = """
        content:
          max_request_bytes: 4096
          quota_bytes_per_hour: 5000
          max_pubsub_message_bytes: 1024
        """;

    [Fact]
    public void The_content_section_binds_and_bad_values_are_problems_naming_the_key()
    {
        string dir = Directory.CreateTempSubdirectory("aegis-content-config-").FullName;
        try
        {
            TestnetGenerator.Write(dir, 1, FreePorts.TestnetBase(1), "sqlite", null);
            string path = TestnetGenerator.ConfigPath(dir, 0);
            string original = File.ReadAllText(path);

            File.WriteAllText(path, original + "\n" + SmallLimits);
            ConfigResult ok = ConfigLoader.Load(path, new Dictionary<string, string?>());
            Assert.True(ok.Ok, string.Join("\n", ok.Problems));
            Assert.Equal(4096, ok.Config!.Content.MaxRequestBytes);
            Assert.Equal(5000, ok.Config.Content.QuotaBytesPerHour);
            Assert.Equal(1024, ok.Config.Content.MaxPubsubMessageBytes);
            Assert.Equal(new ContentOptions().MaxStreams, ok.Config.Content.MaxStreams);

            File.WriteAllText(path, original + "\ncontent:\n  max_request_bytes: 10\n  max_pubsub_message_bytes: 0\n  max_stream: 3\n");
            ConfigResult bad = ConfigLoader.Load(path, new Dictionary<string, string?>());
            Assert.False(bad.Ok);
            Assert.Contains(bad.Problems, l => l.StartsWith("content.max_request_bytes:", StringComparison.Ordinal));
            Assert.Contains(bad.Problems, l => l.StartsWith("content.max_pubsub_message_bytes:", StringComparison.Ordinal));
            Assert.Contains(bad.Problems, l => l.Contains("content.max_stream", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_applies_the_configured_limits_on_the_rpc_path()
    {
        await using NodeCluster cluster = await NodeCluster.StartAsync(1, default, extraConfig: SmallLimits);
        using var http = new HttpClient { BaseAddress = new Uri(cluster.Url(0) + "/ipfs-api/api/v0/") };

        // 8 KiB is far inside the 64 MiB default, so a 413 here is the configured 4096.
        using HttpResponseMessage tooLarge = await http.PostAsync("add", Upload(8 * 1024));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        // The refused body is never read, so the server ends the connection rather than drain it.
        Assert.True(tooLarge.Headers.ConnectionClose, "a 413 must say Connection: close");
        Assert.Contains("content.max_request_bytes", await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using HttpResponseMessage message = await http.PostAsync("pubsub/pub?arg=" + Aegis.Content.Cids.Multibase.EncodeBase64Url("room"u8), Upload(2 * 1024));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, message.StatusCode);

        // Each 2 KiB request is about 2.2 KB of multipart body against a 5000-byte hourly quota (the default is 4 GiB).
        // The refused pubsub message above was charged what was read of it (1 KB or more), so one add fits and the
        // next cannot.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 2; i++)
        {
            // Each with another made-up Authorization header: with auth off a header is no identity, so the quota is
            // the address's (keyed on the raw header, the second add got a fresh quota).
            using var request = new HttpRequestMessage(HttpMethod.Post, "add?pin=false") { Content = Upload(2 * 1024, seed: i) };
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer made-up-{i}");
            using HttpResponseMessage add = await http.SendAsync(request);
            statuses.Add(add.StatusCode);
            if (add.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("quota exceeded", await add.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    private static MultipartFormDataContent Upload(int size, int seed = 0)
    {
        byte[] data = new byte[size];
        new Random(seed).NextBytes(data);
        return new MultipartFormDataContent { { new ByteArrayContent(data), "file", "data.bin" } };
    }
}
