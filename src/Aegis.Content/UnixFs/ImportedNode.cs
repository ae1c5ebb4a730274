using Aegis.Content.Cids;

namespace Aegis.Content.UnixFs;

/// <summary>One imported node: its CID, Tsize (its block plus all below: Kubo's "Size") and the file bytes it stands for.</summary>
public sealed record ImportedNode(Cid Cid, ulong TotalSize, ulong FileSize);
