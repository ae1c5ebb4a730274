using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// Where a replica starts: the committed (and executed) tip from storage, the state roots of the last few heights
/// (headers refer to them), and the last committed blocks with their certificates: the dedup horizon's worth
/// (for repeated-transaction checks), of which the last watermark window's worth is reported in view changes.
/// </summary>
public sealed record ChainPosition(ulong Height, Hash32 BlockHash, long TimestampMs, IReadOnlyDictionary<ulong, Hash32> RecentStateRoots, IReadOnlyList<CommittedBlock> RecentBlocks)
{
    public static ChainPosition Genesis(Genesis genesis) =>
        new(0, genesis.Hash, genesis.GenesisTimeMs, new Dictionary<ulong, Hash32>(), []);
}
