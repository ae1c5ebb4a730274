using System.Collections.Concurrent;

namespace Aegis.Cluster.Tests;

/// <summary>A bounded client load: a fixed number of puts with ?wait=commit, spread over the given nodes.</summary>
internal static class Load
{
    public sealed record Result(ConcurrentDictionary<string, ulong> Acknowledged, int Failed);

    public static async Task<Result> RunAsync(TestCluster cluster, int[] nodes, int count, int concurrency, string prefix, CancellationToken ct, Func<int, Task>? onProgress = null)
    {
        var acknowledged = new ConcurrentDictionary<string, ulong>();
        int failed = 0;
        int next = -1;
        int done = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= count || ct.IsCancellationRequested)
                {
                    return;
                }

                // Each request goes to the next listed node; a node that is down answers with a failure, like for a real client.
                int node = nodes[i % nodes.Length];
                try
                {
                    (int status, var body) = await cluster.PostTxAsync(node, $"{prefix}-{i}", $"v{i}", wait: true, ct);
                    if (status == 200)
                    {
                        acknowledged[body.GetProperty("tx_hash").GetString()!] = body.GetProperty("height").GetUInt64();
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }

                if (onProgress is not null)
                {
                    await onProgress(Interlocked.Increment(ref done));
                }
            }
        }));
        return new Result(acknowledged, failed);
    }
}
