using Aegis.Content.Cids;

namespace Aegis.Content.Storage;

/// <summary>One pinned root; <see cref="Height"/> is the ledger height of a ledger pin, 0 for a local one.</summary>
public sealed record PinRecord(Cid Cid, PinSource Source, ulong Height);
