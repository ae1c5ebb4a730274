using Aegis.Core.Consensus;
using Aegis.Core.State;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Node.Operations;

/// <summary>What a restore did.</summary>
public sealed record RestoreSummary(BackupHeader Header, long Transactions, string? PreviousDataKeptIn);

/// <summary>
/// Restores a backup into a node's store: the file is read and checked in full (<see cref="BackupReader"/>, every block
/// through <see cref="ChainReplay"/>, the state compared with the replay, the checksum) while a new store is written
/// beside the current one; only then does the new store take its place (<see cref="StoreReplacement"/>). Any problem
/// discards the new store and leaves the node's data exactly as it was.
/// </summary>
public static class Restorer
{
    private const int Batch = 256;

    /// <exception cref="BackupFormatException">the file is not a usable backup of this chain; nothing changed.</exception>
    /// <exception cref="StorageException">the target store could not be written; nothing changed.</exception>
    public static async Task<RestoreSummary> RestoreAsync(string backupPath, string? passphrase, Genesis genesis, StorageOptions target, Action<ulong, ulong>? progress, CancellationToken ct)
    {
        using BackupReader reader = BackupReader.Open(backupPath, passphrase);
        BackupHeader header = reader.Header;
        RequireChain(header, genesis);
        string tag = $"{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(0x10000):x4}";
        StorageOptions staging = StoreReplacement.StagingFor(target, tag);
        staging.GenesisHash = genesis.Hash;
        await StoreReplacement.DiscardAsync(staging, ct).ConfigureAwait(false);
        bool swapped = false;
        try
        {
            long transactions;
            await using (INodeStore store = StoreFactory.Create(staging))
            {
                await store.InitializeAsync(ct).ConfigureAwait(false);
                transactions = await ReplayIntoAsync(reader, genesis, store, progress, ct).ConfigureAwait(false);
            }

            string? kept = await StoreReplacement.SwapAsync(target, staging, tag, ct).ConfigureAwait(false);
            swapped = true;
            return new RestoreSummary(header, transactions, kept);
        }
        finally
        {
            if (!swapped)
            {
                await StoreReplacement.DiscardAsync(staging, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads the rest of an opened backup into an initialized, empty <paramref name="store"/>, checking every block
    /// (<see cref="ChainReplay"/>), the header's tip, the state against the replay, and the end record. Returns the
    /// number of transactions replayed. The backup fuzz target restores into a memory store through this.
    /// </summary>
    /// <exception cref="BackupFormatException">the file is not a usable backup of this chain.</exception>
    public static async Task<long> ReplayIntoAsync(BackupReader reader, Genesis genesis, INodeStore store, Action<ulong, ulong>? progress, CancellationToken ct)
    {
        BackupHeader header = reader.Header;
        RequireChain(header, genesis);
        var replay = new ChainReplay(genesis);
        foreach (List<StoredBlock> batch in reader.ReadBlocks(Batch))
        {
            string?[] certificates = replay.VerifyCertificates(batch);
            var writes = new List<BlockWrite>(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                (ExecutionResult? result, string? problem) = replay.Append(batch[i], certificates[i]);
                if (problem is not null)
                {
                    throw new BackupFormatException($"block {batch[i].Height} does not verify ({problem}): the file was altered");
                }

                writes.Add(new BlockWrite(batch[i].Block, batch[i].Certificate, result!));
            }

            await store.WriteGroupAsync(new WriteGroup(writes, [], 0) { PruneStateNodesUpTo = PruneFloor(genesis, replay.Height) }, ct).ConfigureAwait(false);
            progress?.Invoke(replay.Height, header.TipHeight);
        }

        if (header.TipHeight > 0 && (replay.TipHash != header.TipHash || replay.StateRoot != header.TipStateRoot))
        {
            throw new BackupFormatException($"the blocks end at {replay.TipHash.ToShortString()} (state {replay.StateRoot.ToShortString()}), the header names tip {header.TipHash.ToShortString()} (state {header.TipStateRoot.ToShortString()}): the file was altered");
        }

        if (await replay.CompareStateAsync(reader.ReadEntries(), ct).ConfigureAwait(false) is { } bad)
        {
            throw new BackupFormatException($"the backed-up state does not match its blocks at height {bad.Height}: {bad.Reason}");
        }

        reader.ReadEnd();
        ChainTip written = await store.GetTipAsync(ct).ConfigureAwait(false);
        if (written.Height != header.TipHeight)
        {
            throw new StorageException($"the restored store's tip is {written.Height}, expected {header.TipHeight}");
        }

        return replay.Transactions;
    }

    /// <summary>
    /// The tree versions a restored store keeps: the last watermark window's (what a running validator holds from its
    /// previous stable checkpoint on, and an observer keeps by the same rule), so proofs and snapshots at recent
    /// certified heights still work. Without pruning, the restore wrote every version's nodes: a store ~9x its live
    /// tree (issue 10; bench/README.md "Restore size" has the figures).
    /// </summary>
    private static ulong PruneFloor(Genesis genesis, ulong height)
    {
        ulong keep = (ulong)genesis.Parameters.WatermarkWindow;
        return height > keep ? height - keep : 0;
    }

    private static void RequireChain(BackupHeader header, Genesis genesis)
    {
        if (header.ChainId != genesis.ChainId || header.GenesisHash != genesis.Hash)
        {
            throw new BackupFormatException(
                $"the backup is of chain '{header.ChainId}' (genesis {header.GenesisHash.ToShortString()}), this node's genesis is chain '{genesis.ChainId}' ({genesis.Hash.ToShortString()}): refusing another chain's backup");
        }
    }
}
