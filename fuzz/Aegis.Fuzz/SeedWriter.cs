using System.Text;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;
using Aegis.Fuzz.Targets;
using Aegis.Network;
using Aegis.Node.Identity;
using Aegis.Node.Operations;
using Aegis.Simulation;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Fuzz;

/// <summary>
/// Writes the seed corpus: small valid inputs for every target, made by the real encoders. Consensus traffic, record
/// entries, blocks and certificates come from four production hosts (the simulator's SimCluster) driven through commits,
/// a checkpoint and a view change, so every message type is represented with real signatures.
/// </summary>
public static class SeedWriter
{
    public static IEnumerable<(string Target, int Count)> Write(string dir)
    {
        var seeds = new Dictionary<string, List<byte[]>>();
        foreach (FuzzTarget t in FuzzTargets.All)
        {
            seeds[t.Name] = [];
        }

        Trace trace = RunCluster();
        AddCodec(seeds, trace);
        AddP2p(seeds, trace);
        seeds["sync-chunk"].Add(new SyncResponse(trace.Blocks.Take(3).ToList()).ToBytes()[1..]);
        seeds["sync-chunk"].Add(new SyncResponse(trace.Blocks.Take(1).ToList()).ToBytes()[1..]);
        AddConfig(seeds);
        AddRest(seeds);
        AddBackups(seeds, trace.Chain).GetAwaiter().GetResult();

        foreach ((string target, List<byte[]> list) in seeds)
        {
            string folder = Path.Combine(dir, target);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < list.Count; i++)
            {
                File.WriteAllBytes(Path.Combine(folder, $"seed-{i:D3}"), list[i]);
            }

            yield return (target, list.Count);
        }
    }

    private sealed record Trace(List<ConsensusMessage> Messages, List<RecordEntry> Records, List<CommittedBlock> Blocks, IReadOnlyList<StoredBlock> Chain);

    private static Trace RunCluster()
    {
        var record = new List<RecordEntry>();
        using var cluster = new SimCluster(new SimClusterOptions
        {
            Genesis = FuzzChain.Genesis,
            Replica = new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 },
            KeepSent = true,
        });
        cluster.OnDurable = (_, group) => record.AddRange(group.Record.Select(e => RecordEntry.FromBytes(e.Data)));
        cluster.StartAll();
        for (int i = 0; i < 6; i++)
        {
            cluster.Submit(Transaction.Put($"key-{i}", $"value-{i}", i % 2 == 0 ? null : $"id-{i}"));
            cluster.Run(TimeSpan.FromMilliseconds(100));
        }

        cluster.Submit(Transaction.Delete("key-0"));
        cluster.Run(TimeSpan.FromMilliseconds(100));

        // Primary of view 0 goes down with work pending: the others change view (VIEW-CHANGE, NEW-VIEW).
        cluster.Crash(0);
        cluster.Submit(Transaction.Put("after", "view-change"), 1, 2, 3);
        cluster.Run(TimeSpan.FromSeconds(4));

        List<ConsensusMessage> messages = [.. Enumerable.Range(0, cluster.Count).SelectMany(cluster.Sent)];
        IReadOnlyList<StoredBlock> chain = cluster.Chain(1);
        List<CommittedBlock> blocks = [.. chain.Select(b => new CommittedBlock(b.Block, b.Certificate))];
        if (blocks.Count < 4 || !messages.OfType<NewView>().Any() || cluster.Checker.Violations.Count > 0)
        {
            throw new InvalidOperationException($"the seed cluster committed {blocks.Count} blocks, {(messages.OfType<NewView>().Any() ? "did" : "did not")} change view, {cluster.Checker.Violations.Count} violations");
        }

        return new Trace(messages, record, blocks, chain);
    }

    private static void AddCodec(Dictionary<string, List<byte[]>> seeds, Trace trace)
    {
        // Up to three of each kind, smallest first: small seeds mutate faster.
        foreach (IGrouping<MessageType, ConsensusMessage> kind in trace.Messages.GroupBy(m => m.Type))
        {
            seeds["consensus-message"].AddRange(kind.Select(m => m.ToBytes()).DistinctBy(Convert.ToHexString).OrderBy(b => b.Length).Take(3));
        }

        foreach (IGrouping<RecordKind, RecordEntry> kind in trace.Records.GroupBy(r => r.Kind))
        {
            seeds["record-entry"].AddRange(kind.Select(r => r.ToBytes()).DistinctBy(Convert.ToHexString).OrderBy(b => b.Length).Take(2));
        }

        seeds["block"].AddRange(trace.Blocks.Take(3).Select(b => b.Block.ToBytes()));
        seeds["certificate"].AddRange(trace.Blocks.Take(2).Select(b => b.Certificate.ToBytes()));
        seeds["transaction"].AddRange(trace.Blocks.SelectMany(b => b.Block.Transactions).Take(4).Select(t => t.ToBytes()));
    }

    private static void AddP2p(Dictionary<string, List<byte[]>> seeds, Trace trace)
    {
        PeerMessage[] samples =
        [
            new ConsensusEnvelope(trace.Messages.OfType<Vote>().First()),
            new TransactionsGossip([Transaction.Put("k", "v"), Transaction.Delete("k", "id")]),
            new SyncRequest(1, PeerMessage.MaxSyncBlocks),
            new SyncResponse(trace.Blocks.Take(2).ToList()),
            new Ping(7, 123_456),
            new Pong(7, 123_456),
            new SnapshotOfferRequest(3),
            new SnapshotOffer(3, trace.Blocks[0]),
            new SnapshotPartRequest(4, trace.Blocks[0].Block.Header.StateRoot, new ChunkLocation(Hash32.Zero, 0)),
            SnapshotPart.Split(4, trace.Blocks[0].Block.Header.StateRoot, Hash32.Zero),
            SnapshotPart.Unavailable(4, "not retained"),
        ];
        seeds["peer-message"].AddRange(samples.Select(m => m.ToBytes()));

        // Two sealed frames under the all-zero key the target opens with (counters 0 and 1), then a plaintext frame.
        using var cipher = new SessionCipher(new byte[SessionCipher.KeySize]);
        var stream = new MemoryStream();
        foreach (byte[] body in new[] { samples[4].ToBytes(), samples[5].ToBytes() })
        {
            byte[] sealedFrame = new byte[body.Length + SessionCipher.TagSize];
            cipher.Seal(body, sealedFrame);
            WriteFrame(stream, sealedFrame);
        }

        WriteFrame(stream, samples[2].ToBytes());
        seeds["frame"].Add(stream.ToArray());

        byte[] ephemeral = new byte[HelloMessage.EphemeralKeySize];
        ephemeral[0] = 0x04;
        seeds["hello"].Add(new HelloMessage(Handshake.ProtocolVersion, FuzzChain.ChainId, ephemeral, new byte[HelloMessage.RandomSize]).Encode());
        seeds["auth"].Add(P2pTargets.AuthSeed());
        seeds["ready"].Add(ReadyMessage.Ready);
        seeds["ready"].Add(ReadyMessage.Refusal("identity is not allowed to connect by this node's peer policy"));
    }

    private static void WriteFrame(MemoryStream stream, byte[] body)
    {
        Span<byte> header = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, (uint)body.Length);
        stream.Write(header);
        stream.Write(body);
    }

    private static void AddConfig(Dictionary<string, List<byte[]>> seeds)
    {
        seeds["config-yaml"].Add(Encoding.UTF8.GetBytes(Aegis.Node.Configuration.ConfigRedactor.ToYaml(new Aegis.Node.Configuration.AegisConfig())));
        seeds["config-yaml"].Add(Encoding.UTF8.GetBytes(ConfigSeeds.Small));
        seeds["genesis-json"].Add(Encoding.UTF8.GetBytes(GenesisDocument.From(FuzzChain.Genesis).ToJson()));

        string scratch = Path.Combine(Path.GetTempPath(), $"aegis-seeds-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            foreach (KeyAlgorithm algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Ed25519 })
            {
                string path = Path.Combine(scratch, $"{algorithm}.key");
                IExportableSigner signer = Signers.Generate(algorithm);
                KeyFile.Write(path, signer, overwrite: true);
                (signer as IDisposable)?.Dispose();
                seeds["key-file"].Add(File.ReadAllBytes(path));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static void AddRest(Dictionary<string, List<byte[]>> seeds)
    {
        seeds["tx-json"].Add("""{"op":"put","key":"k","value":"v"}"""u8.ToArray());
        seeds["tx-json"].Add("""{"op":"del","key":"users/42","id":"req-1"}"""u8.ToArray());
        seeds["batch-json"].Add("""[{"op":"put","key":"a","value":"1"},{"op":"del","key":"b"},{"op":"put","key":"c","value":"\u00e9","id":"x"}]"""u8.ToArray());
    }

    /// <summary>
    /// Real backups, written by <see cref="BackupWriter"/> from a SQLite store holding the first 0, 2 and all blocks of
    /// the seed chain: plain, and sealed under the target's fixed test key.
    /// </summary>
    private static async Task AddBackups(Dictionary<string, List<byte[]>> seeds, IReadOnlyList<StoredBlock> chain)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"aegis-backup-seeds-{Environment.ProcessId}");
        try
        {
            foreach (int height in new[] { 0, 2, chain.Count })
            {
                var options = new StorageOptions { Type = StorageOptions.Sqlite, DataDirectory = Path.Combine(scratch, $"store-{height}"), GenesisHash = FuzzChain.Genesis.Hash };
                await using INodeStore store = StoreFactory.Create(options);
                await store.InitializeAsync(CancellationToken.None);
                var replay = new ChainReplay(FuzzChain.Genesis);
                List<StoredBlock> blocks = [.. chain.Take(height)];
                string?[] certificates = replay.VerifyCertificates(blocks);
                var writes = new List<BlockWrite>();
                for (int i = 0; i < blocks.Count; i++)
                {
                    (Aegis.Core.State.ExecutionResult? result, string? problem) = replay.Append(blocks[i], certificates[i]);
                    writes.Add(new BlockWrite(blocks[i].Block, blocks[i].Certificate, result ?? throw new InvalidOperationException($"seed block {blocks[i].Height}: {problem}")));
                }

                if (writes.Count > 0)
                {
                    await store.WriteGroupAsync(new WriteGroup(writes, [], 0), CancellationToken.None);
                }

                foreach (bool encrypted in new[] { false, true })
                {
                    string path = Path.Combine(scratch, $"backup-{height}-{encrypted}.aegisbak");
                    await using IStoreSnapshot snapshot = await ((IStoreSnapshots)store).OpenSnapshotAsync(CancellationToken.None);
                    using BackupCipher? cipher = encrypted ? BackupCipher.CreateWithKey(BackupTargets.TestKey(), BackupTargets.SeedIterations, BackupTargets.SeedSalt, BackupTargets.SeedPrefix) : null;
                    await BackupWriter.WriteAsync(snapshot, FuzzChain.Genesis, "node-1", StorageOptions.Sqlite, path, cipher, null, CancellationToken.None);
                    seeds["backup"].Add(await File.ReadAllBytesAsync(path));
                }
            }
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
}
