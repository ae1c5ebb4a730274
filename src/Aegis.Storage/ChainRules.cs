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

    private static BlockRejectedException Reject(ulong height, string problem) => new($"block {height} rejected: {problem}; nothing was written");
}
