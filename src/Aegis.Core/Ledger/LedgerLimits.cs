namespace Aegis.Core.Ledger;

/// <summary>
/// Hard bounds on everything a peer or client can make us decode. They are protocol constants, not settings:
/// every node must accept exactly the same blocks.
/// </summary>
public static class LedgerLimits
{
    public const int MaxKeyBytes = 512;
    public const int MaxValueBytes = 64 * 1024;
    public const int MaxClientIdBytes = 64;
    public const int MaxChainIdBytes = 64;
    public const int MaxBlockTxs = 10_000;
    public const int MaxBlockBytes = 16 * 1024 * 1024;
    public const int MaxValidators = 256;
}
