using System.Diagnostics;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Network;
using Aegis.Storage;

namespace Aegis.Node.Operations;

/// <summary>What the start-time check covered and how long it took.</summary>
public sealed record RecentHistoryReport(ulong FromHeight, ulong ToHeight, TimeSpan Elapsed)
{
    public ulong Blocks => ToHeight >= FromHeight && ToHeight > 0 ? ToHeight - FromHeight + 1 : 0;
}

/// <summary>
/// The check a node runs on its own store before it serves or votes (<c>storage.verify_recent_blocks</c>, the last N
/// blocks): each block decodes and hashes to the hash it was stored under (<see cref="StoredBlockRow"/>), its header
/// tells the truth about its transactions, it links to the block below by hash (the first one to the block just below
/// the window, whose own certificate is checked too, or to the genesis), carries a certificate a quorum of the genesis
/// validators signed (<see cref="ChainReplay.CheckNext"/>), and names the state root stored with the block
/// <c>pipeline_depth</c> below it; the tip row names the last block and its state root.
/// <para>
/// What it does not check: blocks below the window (<c>aegis verify</c> re-checks everything from genesis), and the
/// key-value state against the tip's root (<see cref="StateRootCheck"/> does, after this).
/// </para>
/// <para>
/// Cost: one quorum of ECDSA P-256 verifications per block (in parallel over batches of
/// <see cref="PeerMessage.MaxSyncBlocks"/>) plus the reads; measured in the README ("Integrity checks").
/// </para>
/// </summary>
public static class RecentHistoryCheck
{
    /// <summary>A default that covers more than a day of a moderately busy chain at a second or two of start time.</summary>
    public const int DefaultBlocks = 1000;

    /// <exception cref="ChainCorruptException">a check failed: the height and what differs.</exception>
    /// <exception cref="StorageException">the store cannot be read (not a verdict on its data).</exception>
    public static async Task<RecentHistoryReport> RunAsync(INodeStore store, Genesis genesis, int blocks, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        ChainTip tip = await store.GetTipAsync(ct);
        if (tip.IsEmpty || blocks <= 0)
        {
            return new RecentHistoryReport(tip.Height + 1, tip.Height, Stopwatch.GetElapsedTime(started));
        }

        ulong from = tip.Height > (ulong)blocks ? tip.Height - (ulong)blocks + 1 : 1;
        ulong first = await store.GetFirstHeightAsync(ct);
        if (first > 1 && from <= first)
        {
            // A store that joined by snapshot holds blocks from its first on (certified when installed): that block
            // anchors the window, as the block below the window does otherwise. Without this a joined node was refused
            // as damaged ("block N is missing") at its first restart.
            from = first + 1;
        }

        ulong depth = (ulong)genesis.Parameters.PipelineDepth;
        var roots = new Dictionary<ulong, Hash32>();
        ulong height = from - 1;
        Hash32 previous = genesis.Hash;
        if (height == 0)
        {
            roots[0] = BlockExecutor.GenesisStateRoot;
        }
        else
        {
            // The block below the window anchors the first link; its certificate proves its hash.
            StoredBlock anchor = await Read(store, height, 1, ct) is [var a] && a.Height == height
                ? a
                : throw new ChainCorruptException(height, $"block {height} is missing (the tip row says {tip.Height})");
            if (ChainReplay.VerifyCertificates(genesis, [anchor])[0] is { } anchorProblem)
            {
                throw new ChainCorruptException(height, $"commit certificate: {anchorProblem}");
            }

            previous = anchor.Block.Hash;
            roots[height] = anchor.StateRootAfter;
        }

        Hash32 lastRoot = roots[height];
        while (height < tip.Height)
        {
            IReadOnlyList<StoredBlock> batch = await Read(store, height + 1, (int)Math.Min(PeerMessage.MaxSyncBlocks, tip.Height - height), ct);
            if (batch.Count == 0)
            {
                throw new ChainCorruptException(height + 1, $"block {height + 1} is missing (the tip row says {tip.Height})");
            }

            string?[] certificates = ChainReplay.VerifyCertificates(genesis, batch);
            for (int i = 0; i < batch.Count; i++)
            {
                Block block = batch[i].Block;
                ulong source = block.Height > depth ? block.Height - depth : 0;
                (ulong, Hash32)? headerRoot = roots.TryGetValue(source, out Hash32 root) ? (source, root) : null;
                if (ChainReplay.CheckNext(genesis, height, previous, block, certificates[i], headerRoot) is { } problem)
                {
                    throw new ChainCorruptException(block.Height, problem);
                }

                height = block.Height;
                previous = block.Hash;
                lastRoot = batch[i].StateRootAfter;
                roots[height] = lastRoot;
                roots.Remove(height - Math.Min(height, depth + 1));
            }
        }

        if (tip.BlockHash != previous || tip.StateRoot != lastRoot)
        {
            throw new ChainCorruptException(tip.Height, $"the tip row (block {tip.BlockHash.ToShortString()}, state root {tip.StateRoot.ToShortString()}) does not match the last block ({previous.ToShortString()}, state root {lastRoot.ToShortString()})");
        }

        return new RecentHistoryReport(from, tip.Height, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>A block row that does not match its hash is this check's verdict at its height, not a storage failure.</summary>
    private static async Task<IReadOnlyList<StoredBlock>> Read(INodeStore store, ulong from, int count, CancellationToken ct)
    {
        try
        {
            return await store.GetBlocksAsync(from, count, ct);
        }
        catch (StoreCorruptException ex)
        {
            throw new ChainCorruptException(ex.Height, ex.Reason);
        }
    }
}
