using System.Net;
using System.Net.Sockets;
using System.Text;
using Aegis.Cluster.Tests;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>One client floods the API (requests, idle connections, slow headers); the node refuses it and keeps serving others.</summary>
public class FloodTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Bystander = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Streamer = IPAddress.Parse("127.0.0.4");

    [Fact]
    public async Task A_burst_beyond_the_limit_gets_429_with_retry_after_whatever_the_authorization_header_and_others_are_still_served()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        cluster.SetSecurity("authentication: false\nrate_limit_per_minute: 60");
        await cluster.StartAsync(ct);

        // 300 requests at once from one address, each with its own made-up Authorization header (the old limiter's key).
        using HttpClient attacker = ClientFrom(Attacker, maxConnections: 32);
        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, cluster.Url(0) + "/status");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer random-{i}");
            return await attacker.SendAsync(request, ct);
        }));
        int ok = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        HttpResponseMessage[] limited = [.. answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests)];
        Assert.True(ok <= 62, $"{ok} of 300 answered 200 with a limit of 60 per minute");
        Assert.Equal(300, ok + limited.Length);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {r.Headers.RetryAfter}"));
        string body = await limited[0].Content.ReadAsStringAsync(ct);
        Assert.Contains("\"error\":\"rate_limited\"", body, StringComparison.Ordinal);
        foreach (HttpResponseMessage a in answers)
        {
            a.Dispose();
        }

        // The budget is the client's across every route the node serves, not the ledger API's alone: SecureChat's
        // REST and UI, the Kubo RPC, the event stream, and /metrics on the metrics port (the bucket refills 1 a second).
        string api = cluster.Url(0);
        (HttpMethod Method, string Url)[] routes =
        [
            (HttpMethod.Get, api + "/v1/chat/rooms"),
            (HttpMethod.Get, api + "/chat/"),
            (HttpMethod.Post, api + "/ipfs-api/api/v0/version"),
            (HttpMethod.Get, api + "/v1/events"),
            (HttpMethod.Get, $"http://127.0.0.1:{cluster.BasePort + 2}/metrics"),
        ];
        int[][] statuses = await Task.WhenAll(routes.Select(route => Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var request = new HttpRequestMessage(route.Method, route.Url);
            using HttpResponseMessage r = await attacker.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("\"error\":\"rate_limited\"", await r.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            return (int)r.StatusCode;
        }))));
        for (int i = 0; i < routes.Length; i++)
        {
            int refused = statuses[i].Count(s => s == 429);
            Assert.True(refused >= 5, $"{routes[i].Method} {routes[i].Url}: only {refused} of 10 answered 429 from a client over its budget ({string.Join(",", statuses[i])})");
        }

        // Another client is unaffected, and the limiter's work is visible in the metrics.
        using HttpClient bystander = ClientFrom(Bystander);
        using HttpResponseMessage other = await bystander.GetAsync(cluster.Url(0) + "/status", ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        string metrics = await bystander.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct);
        Assert.Equal(limited.Length + statuses.Sum(r => r.Count(s => s == 429)), Metric(metrics, "aegis_api_rate_limited_total"));
        Assert.Equal(60, Metric(metrics, "aegis_api_rate_limit_per_minute"));
    }

    [Fact]
    public async Task Two_thousand_idle_connections_and_slow_header_clients_do_not_stop_the_node_serving()
    {
        CancellationToken ct = Timeout(150);
        await using var cluster = new TestCluster(validators: 1);
        cluster.AddApi("max_connections_per_ip: 100\nrequest_headers_timeout_ms: 2000");
        await cluster.StartAsync(ct);
        var api = new IPEndPoint(IPAddress.Loopback, cluster.BasePort + 1);

        // One cap across the API and metrics listeners: a client holding 100 event streams on the API port gets no
        // connection on the metrics port either, while another address scrapes it.
        using (HttpClient streamer = ClientFrom(Streamer, maxConnections: 100))
        {
            var streams = new List<HttpResponseMessage>();
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    HttpResponseMessage stream = await streamer.GetAsync(cluster.Url(0) + "/v1/events", HttpCompletionOption.ResponseHeadersRead, ct);
                    streams.Add(stream);
                    Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
                }

                using HttpClient sameAddress = ClientFrom(Streamer);
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => sameAddress.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct));
                using HttpClient otherAddress = ClientFrom(Bystander);
                Assert.Contains("aegis_block_height", await otherAddress.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct), StringComparison.Ordinal);
            }
            finally
            {
                streams.ForEach(r => r.Dispose());
            }
        }

        var idle = new List<Socket>();
        int resets = 0;
        var slow = new List<Socket>();
        try
        {
            for (int i = 0; i < 2000; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(Attacker, 0));
                idle.Add(s);
                try
                {
                    await s.ConnectAsync(api, ct);
                }
                catch (SocketException)
                {
                    // A reset while the node sheds the flood is the node refusing, seen from the attacker's side.
                    resets++;
                }
            }

            // Slow-header clients (slowloris): a request line, then one header byte a second, never finishing.
            for (int i = 0; i < 20; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(Bystander, 0));
                slow.Add(s);
                await s.ConnectAsync(api, ct);
                await s.SendAsync(Encoding.ASCII.GetBytes("GET /status HTTP/1.1\r\nHost: x\r\n"), ct);
            }

            using var dribble = new CancellationTokenSource();
            Task dribbling = Task.Run(async () =>
            {
                while (!dribble.IsCancellationRequested)
                {
                    foreach (Socket s in slow)
                    {
                        try
                        {
                            await s.SendAsync("X"u8.ToArray(), SocketFlags.None);
                        }
                        catch (SocketException)
                        {
                        }
                    }

                    await Task.Delay(1000, CancellationToken.None);
                }
            }, CancellationToken.None);

            // Meanwhile a normal client is served promptly, every time.
            for (int i = 0; i < 20; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                (int status, _) = await cluster.PostTxAsync(0, $"during-flood-{i}", "v", wait: true, ct);
                Assert.Equal(200, status);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"request {i} took {clock.Elapsed}");
                await Task.Delay(100, ct);
            }

            // The cap closed every idle connection beyond 100 from that address at once, and counted them.
            string metrics = await cluster.Http.GetStringAsync(cluster.Url(0) + "/metrics", ct);
            double refused = Metric(metrics, "aegis_api_connections_refused_total{reason=\"per_ip_cap\"}");
            Assert.True(refused + resets >= 1900, $"{refused} refused by the cap, {resets} resets on connect");
            Assert.True(refused >= 1000, $"only {refused} connections refused by the cap");

            // The header timeout (2 s here) drops the slow-header clients although they keep sending.
            await Task.Delay(4000, ct);
            dribble.Cancel();
            await dribbling;
            int closed = 0;
            foreach (Socket s in slow)
            {
                if (await ClosedByPeerAsync(s, ct))
                {
                    closed++;
                }
            }

            Assert.Equal(slow.Count, closed);
            Assert.Equal(200, (await cluster.PostTxAsync(0, "after-flood", "v", wait: true, ct)).Status);
        }
        finally
        {
            foreach (Socket s in idle.Concat(slow))
            {
                s.Dispose();
            }
        }
    }
}
