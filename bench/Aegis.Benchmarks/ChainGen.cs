using System.Diagnostics;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Node.Configuration;
using Aegis.Node.Hosting;
using Aegis.Node.Identity;
using Aegis.Storage;

/// <summary>
/// Writes a long chain into every validator's (empty) store of an <c>aegis testnet</c> directory, far faster than a live
/// cluster grows one (~50–100 blocks/s on the 2-core machine): the blocks a view-0 primary would propose (put
/// transactions of random values over a fixed key space, the header's state root <c>pipeline_depth</c> blocks back, as
/// <c>Replica</c> builds it), executed with the production <see cref="BlockExecutor"/> and state tree, each with a
/// commit certificate signed by a quorum of the validators' own keys (the testnet's <c>node.key</c> files), written
/// through <see cref="INodeStore.WriteGroupAsync"/> in groups of 256 blocks — the path <c>aegis restore</c> writes (SQLite:
/// into the first validator's store, whose file is then copied to the others).
/// Nothing is marked: the nodes start on these stores, check them (<c>storage.verify_recent_blocks</c>, the state root)
/// and go on committing; <c>aegis verify</c> re-checks them from genesis.
/// <para>
/// The consensus record gets what a live validator's holds after its last checkpoint: one view-state entry naming the
/// stable checkpoint (the highest multiple of <c>checkpoint_interval</c> at or below the tip, its certificate signed by
/// the same quorum). Without it — as after <c>aegis restore</c> of every validator — each replica starts with the
/// genesis checkpoint, its watermark window ends at 2 × checkpoint_interval + pipeline_depth, no height above the tip
/// is in it, nobody proposes and the cluster never commits again (measured: a 3,000-block chain sat at view 1 with
/// transactions in the mempool); see the report of bench/join-100k.sh.
/// </para>
/// </summary>
/// <remarks>
/// dotnet run -c Release --project bench/Aegis.Benchmarks -- chain-gen --testnet DIR [--blocks 100000] [--txs-per-block 2]
/// [--keys 50000] [--value-bytes 100] [--seed 1]   (bench/join-100k.sh runs it; bench/README.md "Joining a 100k-block chain")
/// </remarks>
internal static class ChainGen
{
    private const int Batch = 256;

    public static async Task<int> RunAsync(string[] args)
    {
        string? dir = BenchArgs.Text(args, "--testnet");
        if (dir is null || !File.Exists(Path.Combine(dir, "genesis.json")))
        {
            Console.Error.WriteLine("chain-gen: --testnet DIR must name an `aegis testnet` directory (DIR/genesis.json, DIR/node*/config.yaml)");
            return 2;
        }

        ulong blocks = (ulong)BenchArgs.Int(args, "--blocks", 100_000);
        int perBlock = BenchArgs.Int(args, "--txs-per-block", 2);
        int keys = BenchArgs.Int(args, "--keys", 50_000);
        int valueBytes = BenchArgs.Int(args, "--value-bytes", 100);
        var random = new Random(BenchArgs.Int(args, "--seed", 1));

        var nodes = new List<(string Config, Genesis Genesis, StorageOptions Storage, ISigner Signer)>();
        foreach (string config in Directory.GetDirectories(dir, "node*").Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "config.yaml")).Where(File.Exists))
        {
            ConfigResult loaded = ConfigLoader.Load(config, ConfigLoader.ProcessEnvironment());
            var problems = new List<string>(loaded.Problems);
            Genesis? g = loaded.Ok ? NodeHost.LoadGenesis(loaded.Config!, problems) : null;
            if (g is null || problems.Count > 0)
            {
                Console.Error.WriteLine($"chain-gen: {config}: {string.Join("; ", problems)}");
                return 2;
            }

            AegisConfig c = loaded.Config!;
            nodes.Add((config, g, c.ToStorageOptions(g.Hash), KeyFile.Read(c.Node.KeyFile, string.IsNullOrEmpty(c.Security.EncryptionKey) ? null : c.Security.EncryptionKey)));
        }

        if (nodes.Count == 0)
        {
            Console.Error.WriteLine($"chain-gen: no node*/config.yaml under {dir}");
            return 2;
        }

        Genesis genesis = nodes[0].Genesis;
        if (nodes.Any(n => n.Genesis.Hash != genesis.Hash))
        {
            Console.Error.WriteLine("chain-gen: the nodes name different genesis files");
            return 2;
        }

        // A quorum of the validators' keys signs every certificate, in validator order (as a live commit collects them).
        var signers = nodes
            .Select(n => (Validator: genesis.Validators.FindByKey(n.Signer.PublicKey), n.Signer))
            .Where(v => v.Validator is not null)
            .OrderBy(v => v.Validator!.Index)
            .Take(genesis.Validators.Quorum.Size)
            .Select(v => (v.Validator!.Index, v.Signer))
            .ToArray();
        if (signers.Length < genesis.Validators.Quorum.Size)
        {
            Console.Error.WriteLine($"chain-gen: the testnet holds the keys of {signers.Length} validators, a certificate needs {genesis.Validators.Quorum.Size}");
            return 2;
        }

        // SQLite: the validators' stores would hold identical bytes (the same blocks, certificates, state tree and record
        // entry, written through the same API), so one is generated and its file copied to the others: the generation
        // was ~4x the work otherwise (1,670 s for 100,000 blocks into 4 stores at load ~30). PostgreSQL: one each.
        bool copySqlite = nodes.All(n => n.Storage.NormalizedType == StorageOptions.Sqlite);
        var stores = new List<INodeStore>();
        try
        {
            foreach ((string config, _, StorageOptions storage, _) in copySqlite ? nodes.Take(1) : nodes)
            {
                INodeStore store = StoreFactory.Create(storage);
                stores.Add(store);
                await store.InitializeAsync(CancellationToken.None);
                if ((await store.GetTipAsync(CancellationToken.None)).Height != 0)
                {
                    Console.Error.WriteLine($"chain-gen: the store of {config} is not empty; generate into a fresh testnet");
                    return 2;
                }
            }

            var clock = Stopwatch.StartNew();
            long txs = await GenerateAsync(genesis, signers, stores, blocks, perBlock, keys, valueBytes, random);
            foreach (INodeStore store in stores)
            {
                await store.DisposeAsync();
            }

            stores.Clear();
            if (copySqlite)
            {
                CopySqliteStore(nodes[0].Storage.DataDirectory!, nodes.Skip(1).Select(n => n.Storage.DataDirectory!));
            }

            Console.WriteLine($"chain-gen: {blocks} blocks, {txs} transactions over {keys} keys of {valueBytes}-byte values, into {nodes.Count} stores{(copySqlite ? " (one generated, copied)" : "")}, in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            foreach (INodeStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    /// <summary>The closed store's file (its WAL was checkpointed into it at close; any leftover WAL goes with it).</summary>
    private static void CopySqliteStore(string from, IEnumerable<string> to)
    {
        foreach (string target in to)
        {
            Directory.CreateDirectory(target);
            foreach (string suffix in new[] { "", "-wal" })
            {
                string source = Path.Combine(from, Aegis.Storage.Sqlite.SqliteNodeStore.FileName + suffix);
                string destination = Path.Combine(target, Aegis.Storage.Sqlite.SqliteNodeStore.FileName + suffix);
                if (File.Exists(source))
                {
                    File.Copy(source, destination, overwrite: true);
                }
                else
                {
                    File.Delete(destination);
                }
            }
        }
    }

    private static async Task<long> GenerateAsync(Genesis genesis, (ushort Index, ISigner Signer)[] signers, List<INodeStore> stores, ulong blocks, int perBlock, int keys, int valueBytes, Random random)
    {
        ulong depth = (ulong)genesis.Parameters.PipelineDepth;
        var tree = new InMemoryTreeNodeStore();
        var roots = new Dictionary<ulong, Hash32> { [0] = BlockExecutor.GenesisStateRoot };
        Hash32 root = BlockExecutor.GenesisStateRoot;
        Hash32 parent = genesis.Hash;
        long parentTs = genesis.GenesisTimeMs;
        byte[] clientId = "chain-gen"u8.ToArray();
        ushort proposer = (ushort)genesis.Validators.PrimaryOf(0);
        long txCount = 0;
        ulong interval = (ulong)genesis.Parameters.CheckpointInterval;
        (ulong Height, Hash32 Block, Hash32 Root) checkpoint = (0, genesis.Hash, BlockExecutor.GenesisStateRoot);
        Task writing = Task.CompletedTask;
        var progress = Stopwatch.StartNew();
        for (ulong from = 1; from <= blocks; from += Batch)
        {
            ulong to = Math.Min(blocks, from + Batch - 1);
            var batch = new List<(Block Block, ExecutionResult Result)>((int)(to - from + 1));
            for (ulong h = from; h <= to; h++)
            {
                var body = new List<Transaction>(perBlock);
                for (int i = 0; i < perBlock; i++)
                {
                    body.Add(Transaction.Create(TxOp.Put, System.Text.Encoding.UTF8.GetBytes($"gen/{random.Next(keys):D6}"), Value(random, valueBytes), clientId));
                }

                // As Replica.Normal proposes: the state root pipeline_depth blocks back, a timestamp never before the parent's.
                Hash32 headerRoot = roots[h > depth ? h - depth : 0];
                parentTs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), parentTs);
                var header = new BlockHeader(genesis.ChainId, h, 0, parent, Block.ComputeTxRoot(body), headerRoot, proposer, parentTs, (uint)body.Count);
                var block = new Block(header, body);
                ExecutionResult result = BlockExecutor.Execute(block, root, NothingApplied.Instance, tree);
                tree.Apply(result.Tree, h);
                tree.PruneStaleUpTo(h);
                root = result.StateRoot;
                roots[h] = root;
                if (h > depth)
                {
                    roots.Remove(h - depth); // the next block names the root after h + 1 - depth
                }
                parent = block.Hash;
                if (h % interval == 0)
                {
                    checkpoint = (h, block.Hash, root);
                }

                txCount += body.Count;
                batch.Add((block, result));
            }

            var certificates = new CommitCertificate[batch.Count];
            Parallel.For(0, batch.Count, i => certificates[i] = Certify(genesis, signers, batch[i].Block));
            var group = new WriteGroup([.. batch.Select((b, i) => new BlockWrite(b.Block, certificates[i], b.Result))], [], 0);

            // One group in flight while the next is built: the stores write (one transaction each) as the CPU executes.
            await writing;
            writing = Task.WhenAll(stores.Select(s => Task.Run(() => s.WriteGroupAsync(group, CancellationToken.None))));
            if (progress.Elapsed > TimeSpan.FromSeconds(10))
            {
                Console.WriteLine($"chain-gen: {to} / {blocks} blocks");
                progress.Restart();
            }
        }

        await writing;
        if (checkpoint.Height > 0)
        {
            byte[] message = SignBytes.ForCheckpoint(genesis.ChainId, checkpoint.Height, checkpoint.Block, checkpoint.Root);
            var stable = new CheckpointCertificate(checkpoint.Height, checkpoint.Block, checkpoint.Root, Sign(signers, message));
            var entry = new RecordEntry(RecordKind.ViewState, checkpoint.Height, View: 0, InViewChange: false, Stable: stable);
            var record = new WriteGroup([], [new ConsensusRecordEntry(checkpoint.Height, entry.ToBytes())], 0);
            await Task.WhenAll(stores.Select(s => s.WriteGroupAsync(record, CancellationToken.None)));
        }

        return txCount;
    }

    private static CommitCertificate Certify(Genesis genesis, (ushort Index, ISigner Signer)[] signers, Block block)
    {
        byte[] message = SignBytes.ForVote(VoteKind.Commit, genesis.ChainId, 0, block.Height, block.Hash);
        return new CommitCertificate(block.Height, block.Hash, 0, Sign(signers, message));
    }

    private static ValidatorSignature[] Sign((ushort Index, ISigner Signer)[] signers, byte[] message)
    {
        var signatures = new ValidatorSignature[signers.Length];
        for (int i = 0; i < signers.Length; i++)
        {
            byte[] signature = new byte[Signature.Size];
            signers[i].Signer.Sign(message, signature);
            signatures[i] = new ValidatorSignature(signers[i].Index, signature);
        }

        return signatures;
    }

    // Printable, so the API and the dashboard show the values as text.
    private static byte[] Value(Random random, int length)
    {
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = (byte)('a' + random.Next(26));
        }

        return value;
    }
}
