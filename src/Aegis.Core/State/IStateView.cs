using Aegis.Core.Crypto;

namespace Aegis.Core.State;

/// <summary>Read access to the committed key-value state as of the previous block; the store behind it is the caller's.</summary>
public interface IStateView
{
    /// <summary>True when a transaction with this hash was applied by an earlier block (the tx index).</summary>
    bool IsTxApplied(Hash32 txHash);
}
