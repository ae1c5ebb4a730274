using Aegis.Core.Crypto;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>Where a transaction was committed: block height and hash, its position in the block, and what it did.</summary>
public sealed record TxLocation(Hash32 TxHash, ulong Height, Hash32 BlockHash, int Index, TxOutcome Outcome);
