using System.Diagnostics;
using System.Globalization;
using Aegis.Storage.Postgres;
using Aegis.Storage.Sqlite;
using Aegis.Storage.Tests.Support;

namespace Aegis.Storage.Tests.Tools;

/// <summary>Times <see cref="INodeStore.CommitBlockAsync"/> alone (blocks are built and executed outside the stopwatch).</summary>
internal static class CommitBenchmark
{
    private const int Warmup = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        string engine = args.Length > 0 ? args[0] : "sqlite";
        string? target = args.Length > 1 ? args[1] : null;
        int txs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
        int blocks = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20;

        using var dir = new TempDirectory();
        string schema = "aegis_bench_" + Guid.NewGuid().ToString("N")[..12];
        var chain = new ChainBuilder();
        INodeStore store = engine switch
        {
            "sqlite" => new SqliteNodeStore(dir.Path, chain.GenesisHash, target == "normal" ? SqliteSynchronous.Normal : SqliteSynchronous.Full),
            "postgresql" => new PostgresNodeStore(target ?? PostgresTestEnvironment.RequireConnectionString(), schema, chain.GenesisHash),
            _ => throw new ArgumentException($"engine: expected sqlite or postgresql, got '{engine}'"),
        };

        await using (store)
        {
            await store.InitializeAsync(default);
            var times = new List<double>();
            for (int i = 0; i < Warmup + blocks; i++)
            {
                BlockCommit commit = chain.Next(ChainBuilder.Puts(txs, $"b{i}", valueBytes: 100));
                long start = Stopwatch.GetTimestamp();
                await store.CommitBlockAsync(commit.Block, commit.Certificate, commit.Result, default);
                if (i >= Warmup)
                {
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{store.Description}{(engine == "sqlite" ? $" [synchronous={target ?? "full"}]" : "")}: {blocks} blocks x {txs} txs: median {times[times.Count / 2]:F2} ms, mean {times.Average():F2} ms, min {times[0]:F2} ms, max {times[^1]:F2} ms per CommitBlockAsync"));

            // What the exact no-repeat rule costs: the tx-index lookup a node makes for every proposal it checks and
            // every batch it admits to its mempool (new transactions: every hash a miss), on the chain just written.
            var lookups = new List<double>();
            for (int i = 0; i < Warmup + blocks; i++)
            {
                Aegis.Core.Crypto.Hash32[] fresh = [.. ChainBuilder.Puts(txs, $"fresh{i}", valueBytes: 100).Select(t => t.Hash)];
                long start = Stopwatch.GetTimestamp();
                IReadOnlySet<Aegis.Core.Crypto.Hash32> found = await store.FindAppliedTxsAsync(fresh, default);
                if (found.Count != 0)
                {
                    throw new InvalidOperationException("fresh transactions were found in the index");
                }

                if (i >= Warmup)
                {
                    lookups.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            lookups.Sort();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  tx-index lookup of {txs} new hashes against {(Warmup + blocks) * txs} indexed: median {lookups[lookups.Count / 2]:F2} ms ({lookups[lookups.Count / 2] * 1000 / txs:F2} µs per tx), min {lookups[0]:F2} ms, max {lookups[^1]:F2} ms"));
        }

        if (engine == "postgresql")
        {
            await using var c = new Npgsql.NpgsqlConnection(target ?? PostgresTestEnvironment.RequireConnectionString());
            await c.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }

        return 0;
    }
}
