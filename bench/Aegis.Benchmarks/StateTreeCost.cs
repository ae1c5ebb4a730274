using System.Diagnostics;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.Sqlite;
using Microsoft.Data.Sqlite;

/// <summary>
/// The state commitment's cost per block: <see cref="BlockExecutor.Execute"/> (which computes the tree root since the
/// tree was wired), and the tree update alone (<see cref="StateTree.Update"/> on the same root, repeated) for the same block.
/// A state of N keys is built once; then, for each block size, three blocks run one after the other on the evolving
/// state (90% overwrites of existing keys, 5% new keys, 5% deletes, as put/del transactions) and the medians are printed.
/// Nodes live in <see cref="InMemoryTreeNodeStore"/>, so this is the CPU cost (hashing, encoding, allocation); the
/// store's write cost per node is that of one 100-byte row insert, counted in the "nodes written" column.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Aegis.Benchmarks -- state-tree [--keys 1000000] [--blocks 1000,10000] [--sqlite [--cache-mib N]]</remarks>
internal static class StateTreeCost
{
    public static int Run(string[] args)
    {
        int keys = BenchArgs.Int(args, "--keys", 1_000_000);
        int[] sizes = [.. (BenchArgs.Text(args, "--blocks") ?? "1000,10000").Split(',').Select(int.Parse)];
        var random = new Random(42);
        Console.WriteLine($"state tree cost per block — {keys:N0} keys, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");

        var store = new InMemoryTreeNodeStore();
        var live = new List<string>(keys);
        var changes = new List<StateChange>(keys);
        for (int i = 0; i < keys; i++)
        {
            string key = $"account/{i:D8}";
            live.Add(key);
            changes.Add(new StateChange(System.Text.Encoding.UTF8.GetBytes(key), Value(random)));
        }

        TimeSpan buildStart = Cpu();
        TreeUpdate initial = StateTree.Update(store, StateTree.EmptyRoot, changes, 0);
        store.Apply(initial, 0);
        TimeSpan build = Cpu() - buildStart;
        using SqliteNodeTable? sqlite = args.Contains("--sqlite") ? new SqliteNodeTable(initial, BenchArgs.Int(args, "--cache-mib", SqliteNodeStore.PageCacheMib)) : null;
        Hash32 root = initial.Root;
        GC.Collect();
        Console.WriteLine($"built in {build.TotalSeconds:F1} CPU s: {store.Count:N0} nodes, managed heap {GC.GetTotalMemory(true) / (1 << 20):N0} MiB");
        Console.WriteLine();
        Console.WriteLine("| updates/block | BlockExecutor.Execute incl. tree (CPU ms) | of which tree update (CPU ms) | + in-memory node table apply (CPU ms) | nodes written | nodes stale | proof siblings (avg) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");

        ulong height = 0;
        int next = keys;
        foreach (int size in sizes)
        {
            var exec = new List<double>();
            var update = new List<double>();
            var apply = new List<double>();
            var written = new List<int>();
            var sqliteWall = new List<SqliteBlockCost>();
            var stale = new List<int>();
            for (int run = 0; run < 3; run++)
            {
                height++;
                var txs = new List<Transaction>(size);
                var touched = new HashSet<string>(StringComparer.Ordinal);
                while (txs.Count < size)
                {
                    int roll = random.Next(100);
                    if (roll < 5)
                    {
                        string key = $"account/{next++:D8}";
                        live.Add(key);
                        touched.Add(key);
                        txs.Add(Transaction.Create(TxOp.Put, System.Text.Encoding.UTF8.GetBytes(key), Value(random), []));
                        continue;
                    }

                    int at = random.Next(live.Count);
                    string existing = live[at];
                    if (!touched.Add(existing))
                    {
                        continue;
                    }

                    if (roll < 10)
                    {
                        live[at] = live[^1];
                        live.RemoveAt(live.Count - 1);
                        txs.Add(Transaction.Create(TxOp.Delete, System.Text.Encoding.UTF8.GetBytes(existing), [], []));
                    }
                    else
                    {
                        txs.Add(Transaction.Create(TxOp.Put, System.Text.Encoding.UTF8.GetBytes(existing), Value(random), []));
                    }
                }

                var header = new BlockHeader("bench", height, 0, Hash32.Zero, Block.ComputeTxRoot(txs), root, 0, 0, (uint)txs.Count);
                var block = new Block(header, txs);
                GC.Collect();
                TimeSpan t0 = Cpu();
                ExecutionResult result = BlockExecutor.Execute(block, root, NothingApplied.Instance, store);
                TimeSpan t1 = Cpu();
                TreeUpdate u = StateTree.Update(store, root, result.Changes, height);
                TimeSpan t2 = Cpu();
                store.Apply(u, height);
                TimeSpan t3 = Cpu();
                if (sqlite is not null)
                {
                    sqliteWall.Add(sqlite.Write(u, height));
                }

                if (u.Root != result.StateRoot)
                {
                    Console.Error.WriteLine("MISMATCH: the executor's root differs from the tree update's");
                    return 1;
                }

                root = u.Root;
                exec.Add((t1 - t0).TotalMilliseconds);
                update.Add((t2 - t1).TotalMilliseconds);
                apply.Add((t3 - t2).TotalMilliseconds);
                written.Add(u.NewNodes.Count);
                stale.Add(u.StaleNodes.Count);
            }

            double siblings = Enumerable.Range(0, 200).Average(i => StateTree.Prove(store, root, System.Text.Encoding.UTF8.GetBytes(live[random.Next(live.Count)]), out _).Siblings.Count);
            Console.WriteLine($"| {size:N0} | {Median(exec):F1} | {Median(update):F1} | {Median(apply):F1} | {Median(written.Select(x => (double)x)):N0} | {Median(stale.Select(x => (double)x)):N0} | {siblings:F1} |");
            if (sqlite is not null)
            {
                Console.WriteLine($"|   SQLite node table, one transaction with fsync (wall ms, median of 3) | {Median(sqliteWall.Select(c => c.Total)):F1} | | | | | |");
                Console.WriteLine($"|   of which: nodes + root {Median(sqliteWall.Select(c => c.Nodes)):F1}, stale log {Median(sqliteWall.Select(c => c.Stale)):F1}, commit (fsync) {Median(sqliteWall.Select(c => c.Commit)):F1}; then WAL checkpoint {Median(sqliteWall.Select(c => c.Checkpoint)):F1} ms; WAL {Median(sqliteWall.Select(c => c.WalBytes)) / 1024:N0} KiB | | | | | | |");
                double prune = sqlite.Prune(height);
                Console.WriteLine($"|   SQLite prune of these 3 blocks' stale nodes, one transaction with fsync + checkpoint (wall ms) | {prune:F1} | | | | | |");
            }
        }

        // Sanity: the incremental root is the root of the final key set built from scratch.
        TreeUpdate check = StateTree.Build(StateTree.Leaves(store, root).Select(l => new KeyValuePair<byte[], byte[]>(l.Key, l.Value)).ToList());
        if (check.Root != root)
        {
            Console.Error.WriteLine("MISMATCH: the incremental root differs from the rebuilt root");
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine($"final root {root.ToShortString()} equals the root rebuilt from its {live.Count:N0} leaves");
        return 0;
    }

    /// <summary>Wall ms of one block's SQLite write, by phase, and the WAL bytes its commit wrote.</summary>
    private readonly record struct SqliteBlockCost(double Nodes, double Stale, double Commit, double Checkpoint, double WalBytes)
    {
        /// <summary>The transaction (what the block's commit waits for); the checkpoint is the deferred copy into the file, paid later.</summary>
        public double Total => Nodes + Stale + Commit;
    }

    /// <summary>
    /// With --sqlite: the same updates written to <see cref="SqliteTreeNodeStore"/> in a file loaded with the initial
    /// tree, one transaction per block, synchronous=FULL as the node store commits. Wall time, since the cost is I/O.
    /// The WAL is checkpointed (TRUNCATE) after each block and timed apart, so its size is what the block wrote and the
    /// checkpoint SQLite would run every ~1,000 pages is counted once per block instead of landing in a random block.
    /// Uses only the store's public surface (Apply, PruneStaleUpTo, Transaction), so bench/state-treebatch.sh builds this
    /// same file against the base revision's store.
    /// </summary>
    private sealed class SqliteNodeTable : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"aegis-bench-state-{Environment.ProcessId}.db");
        private readonly SqliteConnection _connection;
        private readonly SqliteTreeNodeStore _store;

        public SqliteNodeTable(TreeUpdate initial, int cacheMib)
        {
            _connection = new SqliteConnection($"Data Source={_path}");
            _connection.Open();
            using (SqliteCommand pragmas = _connection.CreateCommand())
            {
                // As the node's writer connection: WAL, FULL, and its page cache (cache_size in KiB when negative).
                pragmas.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-{cacheMib * 1024}; PRAGMA wal_autocheckpoint=0;";
                pragmas.ExecuteNonQuery();
            }

            SqliteTreeNodeStore.EnsureTable(_connection);
            _store = new SqliteTreeNodeStore(_connection);
            var load = Stopwatch.StartNew();
            Write(initial, 0);
            Checkpoint();
            Console.WriteLine($"SQLite node table ({cacheMib} MiB page cache) loaded with {initial.NewNodes.Count:N0} nodes in {load.Elapsed.TotalSeconds:F1} s wall: {new FileInfo(_path).Length / (1 << 20):N0} MiB + WAL");
        }

        public SqliteBlockCost Write(TreeUpdate update, ulong version)
        {
            var wall = Stopwatch.StartNew();
            using SqliteTransaction tx = _connection.BeginTransaction();
            _store.Transaction = tx;
            _store.Apply(update with { StaleNodes = [] }, version);
            double nodes = wall.Elapsed.TotalMilliseconds;
            _store.Apply(new TreeUpdate(Hash32.Zero, 0, [], update.StaleNodes), version);
            double stale = wall.Elapsed.TotalMilliseconds;
            tx.Commit();
            _store.Transaction = null;
            double commit = wall.Elapsed.TotalMilliseconds;
            double walBytes = new FileInfo(_path + "-wal").Length;
            double checkpoint = Checkpoint();
            return new SqliteBlockCost(nodes, stale - nodes, commit - stale, checkpoint, walBytes);
        }

        /// <summary>Prunes every node logged stale up to <paramref name="version"/> in one fsynced transaction, checkpoint included.</summary>
        public double Prune(ulong version)
        {
            var wall = Stopwatch.StartNew();
            using SqliteTransaction tx = _connection.BeginTransaction();
            _store.Transaction = tx;
            _store.PruneStaleUpTo(version);
            tx.Commit();
            _store.Transaction = null;
            double commit = wall.Elapsed.TotalMilliseconds;
            return commit + Checkpoint();
        }

        private double Checkpoint()
        {
            var wall = Stopwatch.StartNew();
            using SqliteCommand checkpoint = _connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
            return wall.Elapsed.TotalMilliseconds;
        }

        public void Dispose()
        {
            _connection.Dispose();
            SqliteConnection.ClearAllPools();
            foreach (string file in new[] { _path, _path + "-wal", _path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>
    /// CPU time of the process, not wall time: the benchmark is single-threaded, and on a shared 2-core machine (load
    /// average 20+ while other builds run) wall time measures the neighbours. Resolution is the kernel tick (~4-10 ms), so
    /// small figures are coarse; the medians of 3 and the side-by-side anchor carry the comparison.
    /// </summary>
    private static TimeSpan Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static byte[] Value(Random random)
    {
        var value = new byte[32];
        random.NextBytes(value);
        return value;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }
}
