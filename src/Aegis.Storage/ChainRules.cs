using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>
/// What a block must satisfy before either engine writes it. Checked by the store itself because a store that
/// accepted a gap or a fork would hand every later reader (sync, backup, verify) a chain that does not link.
/// </summary>
internal static class ChainRules
{
    /// <exception cref="BlockRejectedException">naming the first problem found.</exception>
    public static void CheckExtends(ChainTip tip, Block block, CommitCertificate certificate, ExecutionResult result, Hash32? genesisHash)
    {
        ulong height = block.Height;
        if (height != tip.Height + 1)
        {
            throw Reject(height, $"expected height {tip.Height + 1} (the stored tip is at {tip.Height})");
        }

        Hash32 previous = block.Header.PreviousHash;
        if (height == 1)
        {
            if (genesisHash is { } genesis && previous != genesis)
            {
                throw Reject(height, $"previous hash {previous.ToShortString()} is not the genesis hash {genesis.ToShortString()}");
            }
        }
        else if (previous != tip.BlockHash)
        {
            throw Reject(height, $"previous hash {previous.ToShortString()} is not the hash of the stored tip {tip.BlockHash.ToShortString()} at height {tip.Height}");
        }

        if (certificate.Height != height || certificate.BlockHash != block.Hash)
        {
            throw Reject(height, $"the certificate is for block {certificate.BlockHash.ToShortString()} at height {certificate.Height}, the block is {block.Hash.ToShortString()}");
        }

        if (result.Height != height)
        {
            throw Reject(height, $"the execution result is for height {result.Height}");
        }

        if (result.Outcomes.Count != block.Transactions.Count)
        {
            throw Reject(height, $"the execution result has {result.Outcomes.Count} outcomes for {block.Transactions.Count} transactions");
        }
    }

    /// <summary>
    /// The tip a snapshot's first block is checked against: the store must be empty, and the block then extends the
    /// (absent) block below it, whose hash it names.
    /// </summary>
    /// <exception cref="BlockRejectedException">the store is not empty, or the group has no blocks.</exception>
    public static ChainTip SnapshotStart(ChainTip stored, WriteGroup group)
    {
        if (group.Blocks.Count == 0)
        {
            throw new BlockRejectedException("snapshot rejected: it has no blocks; nothing was written");
        }

        Block first = group.Blocks[0].Block;
        if (!stored.IsEmpty)
        {
            throw new BlockRejectedException($"snapshot at blocks {first.Height}..{group.Blocks[^1].Block.Height} rejected: the store already holds blocks up to {stored.Height} (a snapshot installs into an empty store only); nothing was written");
        }

        return first.Height == 1 ? ChainTip.Empty : new ChainTip(first.Height - 1, first.Header.PreviousHash, Hash32.Zero, 0);
    }

    /// <summary>
    /// Backfilled history must end just below the store's first block and link to it by hash, each block to the next;
    /// each certificate must be for its block; block 1 must follow the genesis hash when it is known.
    /// </summary>
    /// <param name="firstHeight">the store's first block (0: the store is empty).</param>
    /// <param name="firstPrevious">that block's previous hash.</param>
    /// <exception cref="BlockRejectedException">naming the first problem found.</exception>
    public static void CheckHistory(ulong firstHeight, Hash32 firstPrevious, IReadOnlyList<BlockWrite> history, Hash32? genesisHash)
    {
        if (history.Count == 0)
        {
            return;
        }

        string range = $"history blocks {history[0].Block.Height}..{history[^1].Block.Height}";
        if (firstHeight == 0)
        {
            throw new BlockRejectedException($"{range} rejected: the store is empty (history is backfilled below a snapshot's first block); nothing was written");
        }

        if (history[^1].Block.Height + 1 != firstHeight || history[^1].Block.Hash != firstPrevious)
        {
            throw new BlockRejectedException($"{range} rejected: the last one ({history[^1].Block.Height}, {history[^1].Block.Hash.ToShortString()}) is not the block below the store's first, block {firstHeight}, which follows {firstPrevious.ToShortString()}; nothing was written");
        }

        for (int i = 0; i < history.Count; i++)
        {
            BlockWrite b = history[i];
            ulong height = b.Block.Height;
            if (i + 1 < history.Count && (history[i + 1].Block.Height != height + 1 || history[i + 1].Block.Header.PreviousHash != b.Block.Hash))
            {
                throw Reject(history[i + 1].Block.Height, $"it does not follow history block {height} ({b.Block.Hash.ToShortString()})");
            }

            if (height == 1 && genesisHash is { } genesis && b.Block.Header.PreviousHash != genesis)
            {
                throw Reject(height, $"previous hash {b.Block.Header.PreviousHash.ToShortString()} is not the genesis hash {genesis.ToShortString()}");
            }

            if (b.Certificate.Height != height || b.Certificate.BlockHash != b.Block.Hash)
            {
                throw Reject(height, $"the certificate is for block {b.Certificate.BlockHash.ToShortString()} at height {b.Certificate.Height}, the block is {b.Block.Hash.ToShortString()}");
            }

            if (b.Result.Height != height || b.Result.Outcomes.Count != b.Block.Transactions.Count || b.Result.Changes.Count != 0)
            {
                throw Reject(height, "a history block's result must name its height, one outcome per transaction and no state changes");
            }
        }
    }

    private static BlockRejectedException Reject(ulong height, string problem) => new($"block {height} rejected: {problem}; nothing was written");
}
