using System.Diagnostics;
using System.Text.Json;

namespace Aegis.Cluster.Tests;

/// <summary>Two of four validators gone: writes are refused with the reason, and a wait for a commit never hangs.</summary>
public class NoQuorumTests
{
    [Fact]
    public async Task With_two_of_four_validators_down_writes_get_503_no_quorum_and_wait_commit_answers_pending_in_bounded_time()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;
        await using var cluster = new TestCluster();
        foreach (string config in Directory.GetFiles(cluster.Dir, "config.yaml", SearchOption.AllDirectories))
        {
            File.WriteAllText(config, File.ReadAllText(config).Replace("monitoring:\n", "  commit_wait_ms: 1500\nmonitoring:\n", StringComparison.Ordinal));
        }

        await cluster.StartAsync(ct);
        (int first, JsonElement firstBody) = await cluster.PostTxAsync(0, "before", "1", wait: true, ct);
        Assert.True(first is 200 or 202, $"status {first}");
        await PollCommittedAsync(cluster, firstBody.GetProperty("tx_hash").GetString()!, ct);

        // Paused, not killed: their connections stay open for a while, so node 0 still counts them, but nothing commits.
        Assert.True(cluster.Processes.Pause(2));
        Assert.True(cluster.Processes.Pause(3));
        try
        {
            var clock = Stopwatch.StartNew();
            (int status, JsonElement pending) = await cluster.PostTxAsync(0, "during", "2", wait: true, ct);
            clock.Stop();
            Assert.True(status == 202, $"status {status}: {pending}");
            Assert.Equal("pending", pending.GetProperty("status").GetString());
            string hash = pending.GetProperty("tx_hash").GetString()!;
            Assert.Equal($"/v1/tx/{hash}", pending.GetProperty("poll").GetString());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"wait=commit held the request {clock.Elapsed}");

            // Once the dead connections time out the node knows it has no quorum (itself and node 1), and says so instead of accepting.
            (int Status, JsonElement Body) refused = default;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(40))
            {
                refused = await cluster.PostTxAsync(0, "refused", "3", wait: false, ct);
                if (refused.Status == 503)
                {
                    break;
                }

                await Task.Delay(500, ct);
            }

            Assert.True(refused.Status == 503, $"still {refused.Status} after {deadline.Elapsed}");
            Assert.Equal("no_quorum", refused.Body.GetProperty("error").GetString());
            Assert.Contains("2 of 3 validators reachable", refused.Body.GetProperty("message").GetString());
            Assert.Equal(503, (await cluster.PostRawAsync(1, "/v1/txs", "[{\"op\":\"put\",\"key\":\"b\",\"value\":\"1\"}]", ct)).Status);

            // The client polls the hash it got; when the validators come back the transaction commits.
            Assert.True(cluster.Processes.Resume(2));
            Assert.True(cluster.Processes.Resume(3));
            await PollCommittedAsync(cluster, hash, ct);
        }
        finally
        {
            cluster.Processes.Resume(2);
            cluster.Processes.Resume(3);
        }
    }

    private static async Task PollCommittedAsync(TestCluster cluster, string hash, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await cluster.GetAsync(0, $"/v1/tx/{hash}", ct) is not null)
            {
                return;
            }

            await Task.Delay(300, ct);
        }

        Assert.Fail($"transaction {hash} never committed:\n" + cluster.Logs());
    }
}
