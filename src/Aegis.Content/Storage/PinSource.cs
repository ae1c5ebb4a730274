namespace Aegis.Content.Storage;

/// <summary>Why a root is kept: this node's add/pin (kept at once, before the ledger orders it) or a committed pin transaction.</summary>
public enum PinSource : byte
{
    Local = 1,
    Ledger = 2,
}
