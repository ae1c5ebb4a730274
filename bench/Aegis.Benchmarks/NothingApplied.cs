using Aegis.Core.Crypto;
using Aegis.Core.State;

/// <summary>A state view in which no transaction is applied yet: the verbs build blocks of fresh transactions only.</summary>
internal sealed class NothingApplied : IStateView
{
    public static readonly NothingApplied Instance = new();

    public bool IsTxApplied(Hash32 txHash) => false;
}
