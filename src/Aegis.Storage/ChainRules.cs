using Aegis.Core.Ledger;

namespace Aegis.Storage;

/// <summary>The one check both engines make before writing: the block extends the stored tip.</summary>
internal static class ChainRules
{
    public static void EnsureExtends(ChainTip tip, CommittedBlock committed, string engine)
    {
        Block block = committed.Block;
        if (block.Height != tip.Height + 1)
        {
            throw new StorageException($"{engine}: block at height {block.Height} does not follow the stored tip at {tip.Height}");
        }

        // Block 1 descends from the genesis hash, which the store does not keep; consensus checked it.
        if (block.Height > 1 && block.Header.PreviousHash != tip.BlockHash)
        {
            throw new StorageException($"{engine}: block {block.Height} has previous hash {block.Header.PreviousHash.ToShortString()}, the stored tip is {tip.BlockHash.ToShortString()}");
        }

        if (committed.Certificate.BlockHash != block.Hash || committed.Certificate.Height != block.Height)
        {
            throw new StorageException($"{engine}: the certificate for height {block.Height} is for another block");
        }
    }

    public const int SchemaVersion = 1;
}
